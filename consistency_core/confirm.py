"""Confirmation over runs: what may be acted on, and what changed since the previous run.

- A missing-like finding (missing, size mismatch) is confirmed when it was found in the
  current run and in the ``confirm_missing_runs - 1`` complete runs before it.
- An orphan-like finding (orphan, empty directory, unmerged) is confirmed when it was found
  in every complete run over at least ``confirm_orphan_days`` days and at least
  ``confirm_orphan_runs`` runs.
- Complete runs are those that saw the whole site (RunStatus.complete); failed and
  interrupted runs are skipped: they neither confirm nor reset. An interrupted current run
  confirms nothing.
- The delta (new, still, resolved) is taken against the newest earlier complete run of the
  same scope (url, root, directories). Nothing counts as resolved below a directory
  unlisted in either run, nor when the current run did not complete (resolved is None),
  since a file not seen then may simply not have been looked at.
- Without a history, the current run is the only run.
"""
from __future__ import annotations

import attrs

from .finding_classes import CLASSES, CONFIRMABLE, Confirm, rows_of
from .history import History


@attrs.frozen
class Review:
    confirmed: dict  # class -> the current run's findings rows that are confirmed
    delta: dict  # class -> {"new", "still", "resolved"} against a comparable complete run
    previous: int | None  # that run's id


def review(site, result, history: History | None) -> Review:
    complete = result.completed
    previous = history.runs(site.name, complete=True, before=result.started) if history else []
    comparable = next((run for run in previous if run.scope == result.scope), None)
    delta = _delta(result, comparable, history, complete)
    against = comparable.id if comparable else None
    if not complete:
        return Review({cls.name: [] for cls in CONFIRMABLE}, delta, against)
    windows = {Confirm.MISSING_LIKE: _missing_window(site, previous),
               Confirm.ORPHAN_LIKE: _orphan_window(site, result.started, previous)}
    confirmed = {cls.name: _confirmed(rows_of(result.findings, cls), windows[cls.confirm],
                                      cls, history)
                 for cls in CONFIRMABLE}
    return Review(confirmed, delta, against)


def _missing_window(site, previous) -> list[int] | None:
    """Ids of the previous runs that must agree; None when there are not enough yet."""
    need = max(site.confirm_missing_runs, 1) - 1
    if len(previous) < need:
        return None
    return [run.id for run in previous[:need]]


def _orphan_window(site, started: float, previous) -> list[int] | None:
    need_runs = max(site.confirm_orphan_runs, 1)
    oldest_allowed = started - site.confirm_orphan_days * 86400
    runs = [(started, None)] + [(run.started, run.id) for run in previous]
    for j, (run_started, _id) in enumerate(runs):
        if j + 1 >= need_runs and run_started <= oldest_allowed:
            return [run_id for _s, run_id in runs[1:j + 1]]
    return None


def _confirmed(rows, window, cls, history) -> list:
    if window is None:
        return []
    if not window:
        return list(rows)
    seen = history.lfns_in_all(window, cls.name)
    return [row for row in rows if cls.lfn(row) in seen]


def _delta(result, previous, history, complete: bool) -> dict:
    """class -> {new, still, resolved} against ``previous`` (a comparable complete run)."""
    now = {cls.name: {cls.lfn(row) for row in rows_of(result.findings, cls)} for cls in CLASSES}
    before = {cls.name: (history.lfns(previous.id, cls.name) if previous else set())
              for cls in CLASSES}
    unlisted_now = tuple(d.rstrip("/") + "/" for d in now["unlisted"])
    unlisted_either = unlisted_now + tuple(d.rstrip("/") + "/" for d in before["unlisted"])
    delta = {}
    for cls in CLASSES:
        # an unlisted directory listed now is resolved; anything else unseen in either run
        # may just not have been looked at
        blind = unlisted_now if cls.name == "unlisted" else unlisted_either
        gone = None
        if complete:
            gone = sum(1 for lfn in before[cls.name] - now[cls.name]
                       if not (lfn + "/").startswith(blind))
        delta[cls.name] = {"new": len(now[cls.name] - before[cls.name]),
                           "still": len(now[cls.name] & before[cls.name]), "resolved": gone}
    return delta
