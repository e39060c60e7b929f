"""Damaged replicas: a confirmed size mismatch is a bad copy at the site. Its repair is the
deletion of that copy and a transfer of a good one (same sources as for a missing file),
both written in the same transaction, so Dynamo never sees one half without the other.

A damaged file with no complete copy anywhere else is left alone (``SITE_unrecoverable.txt``):
deleting it would lose the only bytes there are.
"""
from __future__ import annotations

import collections

from . import queues


def registry_repairs(cur, site: str, items: list[tuple[str, str]], now) -> collections.Counter:
    """``items``: (lfn, source site). ``deletion_queue`` and ``transfer_queue`` rows in the
    caller's transaction; the counts are the transfers' (a repair is as queued as its
    transfer)."""
    queues.registry_deletions(cur, site, [lfn for lfn, _src in items], now)
    return queues.registry_transfers(cur, site, items, now)


def subscription_repairs(cur, site_id: int, site: str, items: list[tuple[str, str]],
                         now) -> collections.Counter:
    """``file_subscriptions`` delete=1 and delete=0 for each damaged file, one transaction."""
    lfns = [lfn for lfn, _src in items]
    queues.subscriptions(cur, site_id, site, lfns, 1, now)
    return queues.subscriptions(cur, site_id, site, lfns, 0, now)


def repair_batch(queue: str, site_id: int, site: str):
    if queue == "registry":
        return lambda cur, batch, now: registry_repairs(cur, site, batch, now)
    return lambda cur, batch, now: subscription_repairs(cur, site_id, site, batch, now)
