"""Which orphan candidates Dynamo still protects. Each rule can be switched off per site:

- ``dynamo_protect_dataset_replicas``: the file's dataset has a replica at the site;
- ``dynamo_protect_ignored``: the file's dataset has status IGNORED;
- ``dynamo_protect_subscriptions``: a transfer of the file to the site is in flight
  (``file_subscriptions`` with delete=0 not done/cancelled, a ``file_pre_subscriptions``
  transfer, or a pending ``transfer_queue`` row).

An orphan usually has no ``files`` row, so its dataset is derived from its LFN
(``settings.dataset_from_lfn``); when it does have one, the catalog's dataset counts too.
"""
from __future__ import annotations

import pymysql

from consistency_core import ConsistencyError, names

from .database import chunks, error_text, in_list, site_id

CHUNK = 1000

CATALOG_DATASETS = (
    "SELECT f.name, d.name FROM files f JOIN blocks b ON b.id = f.block_id"
    " JOIN datasets d ON d.id = b.dataset_id WHERE f.name IN ({})")
DATASETS = (
    "SELECT d.name, d.status,"
    " EXISTS(SELECT 1 FROM dataset_replicas r WHERE r.dataset_id = d.id AND r.site_id = %s)"
    " FROM datasets d WHERE d.name IN ({})")
IN_FLIGHT = (
    "SELECT f.name FROM file_subscriptions s JOIN files f ON f.id = s.file_id"
    " WHERE s.site_id = %s AND s.`delete` = 0 AND s.status NOT IN ('done', 'cancelled')"
    " AND f.name IN ({0})"
    " UNION SELECT file_name FROM file_pre_subscriptions"
    " WHERE site_name = %s AND `delete` = 0 AND file_name IN ({0})"
    " UNION SELECT file FROM transfer_queue"
    " WHERE site_to = %s AND status NOT IN ('done', 'failed') AND file IN ({0})")


def protected_orphans(db, settings, lfns: list[str]) -> set[str]:
    if not lfns or not (settings.protect_dataset_replicas or settings.protect_ignored
                        or settings.protect_subscriptions):
        return set()
    conn = db.connection()
    try:
        with conn.cursor() as cur:
            sid = site_id(cur, settings)
            protected: set[str] = set()
            if settings.protect_dataset_replicas or settings.protect_ignored:
                protected |= _by_dataset(cur, settings, sid, lfns)
            if settings.protect_subscriptions:
                protected |= _in_flight(cur, settings, sid, lfns)
        conn.commit()  # end the implicit read transaction of a non-autocommit connection
    except pymysql.MySQLError as exc:
        raise ConsistencyError(f"dynamo database {db.where}: checking orphan protections "
                               f"failed: {error_text(exc)}") from None
    return protected


def _datasets_of(cur, settings, lfns: list[str]) -> dict[str, set[str]]:
    """dataset name -> the LFNs belonging to it (derived and from the catalog)."""
    members: dict[str, set[str]] = {}
    derive = settings.dataset_from_lfn
    for lfn in lfns:
        dataset = derive(lfn)
        if dataset:
            members.setdefault(dataset, set()).add(lfn)
    for chunk in chunks(_text(lfns), CHUNK):
        cur.execute(CATALOG_DATASETS.format(in_list(chunk)), chunk)
        for lfn, dataset in cur.fetchall():
            members.setdefault(dataset, set()).add(lfn)
    return members


def _by_dataset(cur, settings, sid: int, lfns: list[str]) -> set[str]:
    members = _datasets_of(cur, settings, lfns)
    protected: set[str] = set()
    for chunk in chunks(sorted(_text(members)), CHUNK):
        cur.execute(DATASETS.format(in_list(chunk)), [sid, *chunk])
        for dataset, status, has_replica in cur.fetchall():
            if ((settings.protect_ignored and status == "IGNORED")
                    or (settings.protect_dataset_replicas and has_replica)):
                protected |= members.get(dataset, set())
    return protected


def _in_flight(cur, settings, sid: int, lfns: list[str]) -> set[str]:
    protected: set[str] = set()
    name = settings.dynamo_site
    for chunk in chunks(_text(lfns), CHUNK):
        marks = in_list(chunk)
        cur.execute(IN_FLIGHT.format(marks), [sid, *chunk, name, *chunk, name, *chunk])
        protected.update(row[0] for row in cur.fetchall())
    return protected


def _text(values) -> list[str]:
    """The names the catalog's text columns can hold: a name that is not UTF-8 has no row
    to find (see consistency_core.names), and asking for it is not possible."""
    return [v for v in values if names.is_utf8(v)]
