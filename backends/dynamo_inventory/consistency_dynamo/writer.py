"""Batched, transactional, retried writes: each batch is committed whole or not at all; a
lost connection is restored with back-off and the batch redone (the writes are idempotent,
so a batch whose COMMIT was applied but not acknowledged is not queued twice). A stop event
set meanwhile (SIGTERM, SIGINT) is honoured between batches: the batch in progress is
committed, nothing more is begun, and :class:`WriteStopped` says what was written."""
from __future__ import annotations

import collections
import contextlib
import datetime
import logging

import attrs
import pymysql

from consistency_core import ConsistencyError

from .database import chunks, error_text, is_lost

log = logging.getLogger(__name__)

DEADLOCK = 1213


class WriteError(ConsistencyError):
    """The database could not be written; ``progress`` says what was and was not queued."""

    exit_code = 1


class WriteStopped(ConsistencyError):
    """Stopped between two batches on request; ``progress`` says what was written."""

    exit_code = 1


@attrs.define
class Progress:
    """Per kind of item (deletions, transfers...): how many are done and which are not."""

    counts: dict = attrs.field(factory=dict)  # kind -> Counter(queued, requeued, already)
    total: dict = attrs.field(factory=dict)  # kind -> number of items to write
    not_written: dict = attrs.field(factory=dict)  # kind -> items not written (failure, stop)
    batches: dict = attrs.field(factory=dict)  # kind -> transactions committed

    def done(self, kind: str) -> int:
        return sum(self.counts.get(kind, {}).values())

    def describe(self) -> str:
        parts = []
        for kind, total in self.total.items():
            c = self.counts.get(kind, collections.Counter())
            parts.append(f"{kind}: {sum(c.values())} of {total} written in "
                         f"{self.batches.get(kind, 0)} transactions ({c['queued']} new, "
                         f"{c['requeued']} re-queued, {c['already']} already queued)")
        return "; ".join(parts)


class Writer:
    def __init__(self, db, settings, stop=None):
        self.db = db
        self.settings = settings
        self.stop = stop  # a threading.Event, checked before each batch
        self.progress = Progress()

    def write(self, kind: str, items: list, write_batch) -> None:
        """``write_batch(cursor, batch, now) -> Counter`` for each batch, in a transaction."""
        self.progress.total.setdefault(kind, len(items))
        counts = self.progress.counts.setdefault(kind, collections.Counter(
            queued=0, requeued=0, already=0))
        self.progress.batches.setdefault(kind, 0)
        batches = list(chunks(items, self.settings.batch_size))
        for index, batch in enumerate(batches):
            if self.stop is not None and self.stop.is_set():
                self.progress.not_written[kind] = [x for b in batches[index:] for x in b]
                raise WriteStopped(f"stopped on request before {kind} transaction "
                                   f"{index + 1} of {len(batches)}")
            try:
                counts.update(self._one_batch(batch, write_batch))
            except WriteError:
                self.progress.not_written[kind] = [x for b in batches[index:] for x in b]
                raise
            self.progress.batches[kind] += 1

    def _one_batch(self, batch: list, write_batch) -> collections.Counter:
        deadlocks = 0
        while True:
            conn = self.db.connection()
            try:
                conn.begin()
                with conn.cursor() as cur:
                    now = _now(cur)
                    counts = write_batch(cur, batch, now)
                conn.commit()
                return counts
            except pymysql.MySQLError as exc:
                _rollback(conn)
                if _code(exc) == DEADLOCK and deadlocks < 3:  # rolled back by the server: redo
                    deadlocks += 1
                    continue
                if not is_lost(exc):
                    raise WriteError(f"dynamo database {self.db.where}: writing failed: "
                                     f"{error_text(exc)}") from None
                log.warning("dynamo database %s: connection lost (%s); reconnecting",
                            self.db.where, error_text(exc))
                if not self.db.restore():
                    raise WriteError(
                        f"dynamo database {self.db.where}: connection lost and not restored "
                        f"within {self.settings.reconnect_seconds:g}s ({error_text(exc)})") from None


def _now(cur) -> datetime.datetime:
    """The database's clock, so that created/last_update agree with Dynamo's own rows."""
    cur.execute("SELECT NOW()")
    return cur.fetchone()[0]


def _rollback(conn) -> None:
    with contextlib.suppress(pymysql.MySQLError, OSError):
        conn.rollback()


def _code(exc: BaseException):
    return exc.args[0] if getattr(exc, "args", None) else None
