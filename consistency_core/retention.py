"""History retention: runs older than ``history_keep_days`` are pruned with their findings,
except those the next confirmation still reads.

What stays, whatever its age:
- the newest complete run (the delta's "previous run", and what ``--pick`` orders by);
- the ``confirm_missing_runs - 1`` newest complete runs (the missing-file window);
- the complete runs of the orphan window as the next run would see it: back to the newest
  complete run that, with those after it, makes ``confirm_orphan_runs`` runs over
  ``confirm_orphan_days`` days; while no such run exists, every complete run stays;
- every run newer than the oldest run kept above (so windows only ever lose runs from their
  old end, never from the middle).

``history_keep_days = 0`` keeps everything.
"""
from __future__ import annotations

import logging
import time

from .history import History, Run
from .model import ConsistencyError

log = logging.getLogger(__name__)


def prune(history: History, site, now: float | None = None) -> list[int]:
    """Delete the site's prunable runs; returns their ids."""
    doomed = prunable(history, site, time.time() if now is None else now)
    history.delete_runs(doomed)
    return doomed


def prunable(history: History, site, now: float) -> list[int]:
    if site.history_keep_days <= 0:
        return []
    runs = history.runs(site.name)  # newest first
    complete = [run for run in runs if run.complete]
    needed = _needed(site, complete, now)
    before = now - site.history_keep_days * 86400
    if needed:
        before = min(before, min(run.started for run in needed))
    keep = {run.id for run in needed}
    return [run.id for run in runs if run.started < before and run.id not in keep]


def _needed(site, complete: list[Run], now: float) -> list[Run]:
    """The complete runs the next confirmation may read (newest first)."""
    keep_missing = max(site.confirm_missing_runs - 1, 1)
    need_runs = max(site.confirm_orphan_runs, 1)
    oldest_allowed = now - site.confirm_orphan_days * 86400
    # As confirm._orphan_window for a run starting now: index 0 is the next run itself.
    keep_orphan = len(complete)
    for j, run in enumerate(complete, start=1):
        if j + 1 >= need_runs and run.started <= oldest_allowed:
            keep_orphan = j
            break
    return complete[:max(keep_missing, keep_orphan)]


def after_run(history: History, site) -> None:
    """Prune once a run is recorded; a failure to prune is logged, it never fails the run."""
    try:
        pruned = prune(history, site)
    except ConsistencyError as exc:
        log.warning("%s: history not pruned: %s", site.name, exc)
        return
    if pruned:
        log.info("%s: pruned %d run(s) older than %g days from the history", site.name,
                 len(pruned), site.history_keep_days)
