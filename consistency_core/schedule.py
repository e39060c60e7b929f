"""Site scheduling: each site's state, ``--pick``, and halting a running check.

A site is *ready*, *halted* or *disabled* (set with ``consistency status set``, stored in the
history database) and shows as *running* while a check holds its lock. Its mode *act* or
*dry* says whether ``--act`` is honoured for it.
"""
from __future__ import annotations

import logging
import re
import threading
import time

import attrs

from . import locks
from .history import History, Run, location
from .model import ConfigError, ConsistencyError

log = logging.getLogger("consistency.schedule")

# What ``status set`` accepts -> (state, mode)
SETTINGS = {"ready": ("ready", None), "halt": ("halted", None), "disable": ("disabled", None),
            "act": (None, "act"), "dry": (None, "dry")}
WATCH_INTERVAL = 1.0


class Histories:
    """One open History per distinct location (sites usually share one)."""

    def __init__(self):
        self._open: dict[str, History] = {}

    def get(self, site) -> History:
        url = location(site)
        if url not in self._open:
            self._open[url] = History(url)
        return self._open[url]

    def close(self) -> None:
        for history in self._open.values():
            history.close()
        self._open.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@attrs.frozen
class SiteStatus:
    name: str
    state: str  # ready, running, halted, disabled, not ready (an external catalog says so)
    mode: str  # act, dry
    last_run: Run | None
    last_complete: Run | None
    holder: dict | None
    why: str = ""  # why the site is not ready (sites_from), else ""

    @property
    def waited(self) -> float:
        """Epoch time the site has waited since: its last complete run's end (0: never)."""
        return self.last_complete.finished if self.last_complete else 0.0


def site_status(site, history: History, why: str = "") -> SiteStatus:
    state, mode = history.state(site.name)
    who = locks.site_holder(site, history)
    shown = "running" if who is not None and state == "ready" else state
    if why and shown == "ready":
        shown = "not ready"
    return SiteStatus(site.name, shown, mode, history.last_run(site.name),
                      history.last_run(site.name, complete=True), who, why)


def all_status(cfg, histories: Histories) -> list[SiteStatus]:
    out = []
    for name in sorted(cfg.sites):
        site = cfg.site(name)
        out.append(site_status(site, histories.get(site), cfg.not_ready.get(name, "")))
    return out


def set_state(cfg, name: str, setting: str, histories: Histories) -> SiteStatus:
    if setting not in SETTINGS:
        raise ConfigError(f"unknown setting {setting!r} (choose from: {', '.join(SETTINGS)})")
    site = cfg.site(name)  # an unknown site is a ConfigError naming the config file
    state, mode = SETTINGS[setting]
    history = histories.get(site)
    history.set_state(site.name, time.time(), state=state, mode=mode)
    return site_status(site, history)


def candidates(cfg, pattern: str, histories: Histories, overrides: dict) -> list:
    """Sites matching ``pattern`` (re.search) that are ready and not running, the one that
    has waited longest since its last complete run first (never run: first of all)."""
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"--pick {pattern!r}: not a regular expression: {exc}") from None
    matching = [name for name in sorted(cfg.sites) if regex.search(name)]
    if not matching:
        raise ConfigError(f"{cfg.path}: no site matches --pick {pattern!r}")
    ready = []
    for name in matching:
        site = cfg.site(name, overrides)
        status = site_status(site, histories.get(site), cfg.not_ready.get(name, ""))
        if status.why:
            log.info("--pick: skipping %s: %s", name, status.why)
        if status.state == "ready":
            ready.append((status.waited, name, site))
    ready.sort(key=lambda item: (item[0], item[1]))
    return [site for _w, _n, site in ready]


def pick(cfg, pattern: str, histories: Histories, overrides: dict):
    """(site, held SiteLocks) for the site to run now; ConsistencyError when none can run."""
    found = candidates(cfg, pattern, histories, overrides)
    reasons = [f"{name}: {why}" for name, why in sorted(cfg.not_ready.items())
               if re.search(pattern, name)]
    for site in found:
        held = locks.SiteLocks(site)
        why = held.acquire()
        if why is None:
            return site, held
        reasons.append(why)
    detail = f" ({'; '.join(reasons)})" if reasons else ""
    raise ConsistencyError(f"no site matching --pick {pattern!r} is ready to run{detail}")


class HaltWatcher:
    """Polls the site's state while it runs; halted or disabled sets ``stop``."""

    def __init__(self, site, stop: threading.Event, interval: float = WATCH_INTERVAL):
        self.site, self.stop, self.interval = site, stop, interval
        self.halted: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True,
                                        name="consistency-halt-watcher")

    def _watch(self) -> None:
        history = None
        while not self._done.wait(self.interval):
            try:
                history = history or History(location(self.site))
                state, _mode = history.state(self.site.name)
            except ConsistencyError as exc:
                log.warning("cannot read the state of %s: %s", self.site.name, exc)
                if history is not None:
                    history.close()
                history = None
                continue
            if state in ("halted", "disabled"):
                self.halted = state
                log.warning("%s was set %s: stopping the check", self.site.name, state)
                self.stop.set()
                break
        if history is not None:
            history.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join(timeout=10)
