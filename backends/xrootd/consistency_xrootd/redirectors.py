"""A site's doors found through global redirectors (upstream ``GlobalRedirectors``,
``RedirectorAge``), for a site with neither ``url`` nor ``doors``.

``locate {root}/`` at each of ``global_redirectors`` lists the servers and redirectors
subscribed to it; the site's doors are those whose ``host:port`` contains ``site_domain``
(upstream matched the site's domain the same way). What the redirectors answered is kept in
``{state_dir}/redirectors/locate.json`` and used again while younger than
``redirector_max_age`` days (0: locate at every run). When no redirector answers, an older
answer is used with a warning rather than not running at all.
"""
from __future__ import annotations

import json
import logging
import os
import time

from pyxrootd import client as xrdcl

from consistency_core import ConsistencyError
from consistency_core.output import write_json

from . import status
from .siteurl import parse

log = logging.getLogger("consistency.xrootd")


def cache_file(site) -> str:
    return os.path.join(site.state_dir, "redirectors", "locate.json")


def find_doors(site, redirectors: list[str], domain: str, max_age_days: float, timeout: int,
               where: str, now: float | None = None) -> list[str]:
    """root://host:port URLs of the site's doors."""
    if not domain:
        raise ConsistencyError(f"{where}.site_domain: needed to pick the site's doors among "
                               "what global_redirectors locate")
    for i, text in enumerate(redirectors):
        parse(text, f"{where}.global_redirectors[{i}]")
    now = time.time() if now is None else now
    located, source = _located(site, list(redirectors), site.root.rstrip("/") + "/",
                               max_age_days, timeout, where, now)
    doors = sorted({f"root://{address}" for address in located if domain in address})
    if not doors:
        raise ConsistencyError(
            f"{where}: no door matching site_domain {domain!r} among the {len(located)} "
            f"servers {source} ({', '.join(sorted(located)[:5]) or 'none'})")
    log.info("%s: doors %s, %s", site.name, ", ".join(doors), source)
    return doors


def _located(site, redirectors, path, max_age_days, timeout, where, now):
    saved = _read_cache(site, redirectors)
    if saved and max_age_days and now - saved["time"] <= max_age_days * 86400:
        return saved["located"], (f"located through {', '.join(redirectors)} "
                                  f"{(now - saved['time']) / 3600:.2g} h ago (cached)")
    located, errors = locate_all(redirectors, path, timeout)
    if errors and not located:
        if saved:
            log.warning("%s: %s; using the doors located %.2g h ago", where,
                        "; ".join(errors), (now - saved["time"]) / 3600)
            return saved["located"], (f"located through {', '.join(redirectors)} "
                                      f"{(now - saved['time']) / 3600:.2g} h ago (stale: "
                                      "no redirector answers)")
        raise ConsistencyError(f"{where}.global_redirectors: {'; '.join(errors)}")
    for error in errors:
        log.warning("%s: %s", where, error)
    write_json(cache_file(site), {"redirectors": redirectors, "time": now, "located": located})
    return located, f"located through {', '.join(redirectors)} now"


def _read_cache(site, redirectors) -> dict | None:
    try:
        with open(cache_file(site), encoding="utf-8") as fh:
            saved = json.load(fh)
    except (OSError, ValueError):
        return None
    if (not isinstance(saved, dict) or saved.get("redirectors") != redirectors
            or not isinstance(saved.get("located"), list)
            or not isinstance(saved.get("time"), (int, float))):
        return None
    return saved


def locate_all(redirectors: list[str], path: str, timeout: int) -> tuple[list[str], list[str]]:
    """(every host:port located, one error line per redirector that did not answer)."""
    located: list[str] = []
    errors: list[str] = []
    for text in redirectors:
        address = parse(text, "global_redirectors").address
        st, info = xrdcl.FileSystem(address).locate(path, 0, timeout)
        if not st.get("ok"):
            errors.append(f"locate {path} at {address}: {status.message(st)}")
            continue
        for loc in info or []:
            if loc["address"] not in located:
                located.append(loc["address"])
    return located, errors
