"""Writing repairs into Dynamo, for either schema generation. Every write is idempotent:
a row already there (pending) is left alone, a finished one (``done``) is set back to
``new``, and only what is absent is inserted. Operators' decisions (``cancelled``,
``held``, ``failed``...) are left alone too.

Only the columns the issue's schema names are written (the registry queues' ``created``,
``start``... are left to their defaults), so that older installations' tables work too.

Each function works on one batch inside the caller's transaction and returns how many
items it ``queued`` (inserted), ``requeued`` (done -> new) and found ``already`` queued.
"""
from __future__ import annotations

import collections

from .database import in_list

DONE = "done"


def _counts() -> collections.Counter:
    return collections.Counter(queued=0, requeued=0, already=0)


def _file_ids(cur, lfns: list[str]) -> dict[str, int]:
    cur.execute(f"SELECT name, id FROM files WHERE name IN ({in_list(lfns)})", lfns)
    return dict(cur.fetchall())


# -- registry generation: deletion_queue / transfer_queue -------------------------------------
def registry_deletions(cur, site: str, lfns: list[str], now) -> collections.Counter:
    counts = _counts()
    cur.execute(f"SELECT file, status FROM deletion_queue WHERE site = %s AND file IN "
                f"({in_list(lfns)}) FOR UPDATE", [site, *lfns])
    existing = dict(cur.fetchall())
    fresh = [lfn for lfn in lfns if lfn not in existing]
    redo = [lfn for lfn in lfns if existing.get(lfn) == DONE]
    if fresh:
        cur.executemany("INSERT INTO deletion_queue (reqid, file, site, status)"
                        " VALUES (0, %s, %s, 'new')", [(lfn, site) for lfn in fresh])
    if redo:
        cur.executemany("UPDATE deletion_queue SET status = 'new'"
                        " WHERE file = %s AND site = %s", [(lfn, site) for lfn in redo])
    counts.update(queued=len(fresh), requeued=len(redo),
                  already=len(lfns) - len(fresh) - len(redo))
    return counts


def registry_transfers(cur, site: str, items: list[tuple[str, str]], now) -> collections.Counter:
    """``items``: (lfn, source site). A file with any pending transfer to ``site`` counts as
    already queued, whatever its source."""
    counts = _counts()
    lfns = [lfn for lfn, _src in items]
    cur.execute(f"SELECT file, site_from, status FROM transfer_queue WHERE site_to = %s"
                f" AND file IN ({in_list(lfns)}) FOR UPDATE", [site, *lfns])
    rows = cur.fetchall()
    pending = {lfn for lfn, _src, status in rows if status not in (DONE, "failed")}
    status_of = {(lfn, src): status for lfn, src, status in rows}
    fresh, redo = [], []
    for lfn, src in items:
        status = status_of.get((lfn, src))
        if lfn in pending or (status is not None and status != DONE):
            counts["already"] += 1  # pending, or failed from this source: left alone
        elif status == DONE:
            redo.append((lfn, src, site))
        else:
            fresh.append((lfn, src, site))
    if fresh:
        cur.executemany("INSERT INTO transfer_queue (reqid, file, site_from, site_to, status)"
                        " VALUES (0, %s, %s, %s, 'new')", fresh)
    if redo:
        cur.executemany("UPDATE transfer_queue SET status = 'new'"
                        " WHERE file = %s AND site_from = %s AND site_to = %s", redo)
    counts.update(queued=len(fresh), requeued=len(redo))
    return counts


# -- subscriptions generation: file_subscriptions / file_pre_subscriptions --------------------
def subscriptions(cur, site_id: int, site: str, lfns: list[str], delete: int,
                  now) -> collections.Counter:
    """Subscribe ``lfns`` at the site (delete=1: deletion, 0: transfer). A path with no
    ``files`` row becomes a ``file_pre_subscriptions`` row (transfers always have one)."""
    counts = _counts()
    ids = _file_ids(cur, lfns)
    known = [ids[lfn] for lfn in lfns if lfn in ids]
    if known:
        cur.execute(f"SELECT file_id, status FROM file_subscriptions WHERE site_id = %s AND"
                    f" `delete` = %s AND file_id IN ({in_list(known)}) FOR UPDATE",
                    [site_id, delete, *known])
        existing = dict(cur.fetchall())
        fresh = [fid for fid in known if fid not in existing]
        redo = [fid for fid in known if existing.get(fid) == DONE]
        if fresh:
            cur.executemany("INSERT INTO file_subscriptions (file_id, site_id, status, created,"
                            " `delete`) VALUES (%s, %s, 'new', %s, %s)",
                            [(fid, site_id, now, delete) for fid in fresh])
        if redo:
            cur.executemany("UPDATE file_subscriptions SET status = 'new', last_update = %s"
                            " WHERE file_id = %s AND site_id = %s AND `delete` = %s",
                            [(now, fid, site_id, delete) for fid in redo])
        counts.update(queued=len(fresh), requeued=len(redo),
                      already=len(known) - len(fresh) - len(redo))
    unknown = [lfn for lfn in lfns if lfn not in ids]
    if unknown:
        cur.execute(f"SELECT file_name FROM file_pre_subscriptions WHERE site_name = %s AND"
                    f" `delete` = %s AND file_name IN ({in_list(unknown)}) FOR UPDATE",
                    [site, delete, *unknown])
        there = {row[0] for row in cur.fetchall()}
        fresh = [lfn for lfn in unknown if lfn not in there]
        if fresh:
            cur.executemany("INSERT INTO file_pre_subscriptions (file_name, site_name, created,"
                            " `delete`) VALUES (%s, %s, %s, %s)",
                            [(lfn, site, now, delete) for lfn in fresh])
        counts.update(queued=len(fresh), already=len(there))
    return counts


def invalidations(cur, site: str, lfns: list[str], now) -> collections.Counter:
    counts = _counts()
    cur.execute(f"SELECT lfn FROM local_invalidations WHERE site = %s AND lfn IN"
                f" ({in_list(lfns)}) FOR UPDATE", [site, *lfns])
    there = {row[0] for row in cur.fetchall()}
    fresh = [lfn for lfn in lfns if lfn not in there]
    if fresh:
        cur.executemany("INSERT INTO local_invalidations (site, lfn) VALUES (%s, %s)",
                        [(site, lfn) for lfn in fresh])
    counts.update(queued=len(fresh), already=len(there))
    return counts
