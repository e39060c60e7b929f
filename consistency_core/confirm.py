"""Confirmation over runs: what may be acted on, and what changed since the previous run.

- A missing file (or a size mismatch) is confirmed when it was found in the current run and
  in the ``confirm_missing_runs - 1`` complete runs before it.
- An orphan (or an empty directory) is confirmed when it was found in every complete run
  over at least ``confirm_orphan_days`` days and at least ``confirm_orphan_runs`` runs.
- Complete runs are ``completed`` and ``gated`` ones; failed and interrupted runs are skipped:
  they neither confirm nor reset. An interrupted current run confirms nothing.
- Without a history, the current run is the only run.
"""
from __future__ import annotations

import attrs

from .history import History, lfn_of

CONFIRMED_CLASSES = ("missing", "size_mismatch", "orphan", "empty_dirs")
DELTA_CLASSES = ("missing", "orphan", "size_mismatch", "unlisted", "empty_dirs")


@attrs.frozen
class Review:
    confirmed: dict  # class -> the current run's findings rows that are confirmed
    delta: dict  # class -> {"new", "still", "resolved"} against the previous complete run
    previous: int | None  # the previous complete run's id


def review(site, result, history: History | None) -> Review:
    complete = result.status == "completed"
    previous = history.runs(site.name, complete=True, before=result.started) if history else []
    current = _current(result)
    delta = _delta(current, previous[0].id if previous else None, history)
    if not complete:
        return Review({cls: [] for cls in CONFIRMED_CLASSES}, delta,
                      previous[0].id if previous else None)
    confirmed = {}
    missing_ids = _missing_window(site, previous)
    orphan_ids = _orphan_window(site, result.started, previous)
    for cls in CONFIRMED_CLASSES:
        ids = missing_ids if cls in ("missing", "size_mismatch") else orphan_ids
        confirmed[cls] = _confirmed(current[cls], ids, cls, history)
    return Review(confirmed, delta, previous[0].id if previous else None)


def _current(result) -> dict[str, list]:
    f = result.findings
    return {"missing": f.missing, "orphan": f.orphan, "size_mismatch": f.size_mismatch,
            "unlisted": f.unlisted, "empty_dirs": f.empty_dirs}


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
    seen = history.lfns_in_all(window, cls)
    return [row for row in rows if lfn_of(row) in seen]


def _delta(current, previous_id, history) -> dict:
    delta = {}
    for cls in DELTA_CLASSES:
        now = {lfn_of(row) for row in current[cls]}
        before = history.lfns(previous_id, cls) if previous_id is not None else set()
        delta[cls] = {"new": len(now - before), "still": len(now & before),
                      "resolved": len(before - now)}
    return delta
