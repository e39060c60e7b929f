"""``consistency run`` for operations: choose the site (``--site`` or ``--pick``), lock it,
honour its state (halted, disabled, dry), record the run in the history, write metrics."""
from __future__ import annotations

import logging
import time

from . import config as config_mod
from . import locks, metrics as metrics_mod, schedule, watchdog
from .history import HistoryError, run_status
from .model import ConsistencyError

log = logging.getLogger("consistency.run")


def run_check(site_name, pattern, config_path, overrides: dict, *, act: bool, metrics, stop,
              echo) -> int:
    """Run one check; returns the exit status (0 completed, 1 not completed)."""
    from .check import check_site
    from .cli import load_site
    from .progress import Progress
    from .summary import render

    with schedule.Histories() as histories:
        if pattern:
            site, held = schedule.pick(config_mod.load(config_path), pattern, histories, overrides)
        else:
            site = load_site(config_path, site_name, **overrides)
            histories.get(site)  # a broken history database stops us before the lock
            held = locks.SiteLocks(site)
            why = held.acquire()
            if why:
                raise ConsistencyError(why)
        with held:
            history = histories.get(site)
            state, mode = history.state(site.name)
            if state != "ready":
                raise ConsistencyError(f"site {site.name} is {state} "
                                       f"(consistency status set {site.name} ready)")
            acting = act and mode == "act"
            if act and not acting:
                log.warning("%s is set dry: --act ignored, nothing will act", site.name)
            started = time.time()
            with schedule.HaltWatcher(site, stop) as watcher:
                try:
                    result = check_site(site, act=acting, stop=stop,
                                        progress=Progress(site.name), history=history)
                except HistoryError:
                    raise  # the history itself is what failed: nothing more to record there
                except ConsistencyError as exc:
                    _record_failure(history, site.name, started, exc, metrics)
                    raise
            watchdog.arm()  # results written and recorded: exiting may not hang past the limit
        echo(render(result))
        if watcher.halted:
            echo(f"{site.name} was set {watcher.halted} during the check: stopped, nothing acted")
        if metrics:
            metrics_mod.write(metrics, result, run_status(result))
    return 0 if result.completed else 1


def _record_failure(history, site: str, started: float, exc: Exception, metrics) -> None:
    finished = time.time()
    try:
        history.record_failed(site, started, finished, str(exc))
    except ConsistencyError as again:
        log.error("cannot record the failed run: %s", again)
    if metrics:
        try:
            metrics_mod.write_failed(metrics, site, started, finished)
        except ConsistencyError as again:
            log.error("cannot write metrics: %s", again)
