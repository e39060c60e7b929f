"""Inventory ``dynamo``: the files Dynamo's database places at a site, streamed.

- files of complete block replicas owned by a group (group_id != 0) are compared;
- files of incomplete block replicas (only those in ``block_replica_files``) and of
  group-0 replicas are *new*: never reported missing, still protecting their path from
  being called an orphan; so are files with a deletion pending at the site;
- each file's mtime is its block replica's ``last_update``. Dynamo has no file mtimes; a
  replica that changed within the ignore age (files arriving, being registered or
  removed) is thereby not reported missing yet, just as young files on the storage are not
  reported orphan. This only ever holds back reports, never adds one.

Speed: files are fetched one block replica per row (``GROUP_CONCAT`` of the block's files),
which moves the per-file parsing from pymysql into ``str.split``; each block's parsed count
is checked against ``COUNT(*)``, so a truncated concatenation can never drop a file.
"""
from __future__ import annotations

import contextlib
import logging

import attrs
import pymysql
import pymysql.cursors

from consistency_core import ConsistencyError

from .database import Database, chunks, error_text, in_list, site_id
from .protection import protected_orphans
from .settings import Settings

log = logging.getLogger(__name__)

SEP = "\0"  # between files in a block's concatenation: cannot occur in a path

COMPLETE = (
    "SELECT UNIX_TIMESTAMP(br.last_update), br.group_id = 0, br.block_id,"
    " (SELECT COUNT(*) FROM files f WHERE f.block_id = br.block_id),"
    " (SELECT GROUP_CONCAT(f.name, ' ', f.size SEPARATOR '\\0') FROM files f"
    "  WHERE f.block_id = br.block_id)"
    " FROM block_replicas br WHERE br.site_id = %s AND br.is_complete = 1")
BLOCK_FILES = "SELECT name, size FROM files WHERE block_id = %s"
INCOMPLETE = (
    "SELECT f.name, f.size, UNIX_TIMESTAMP(br.last_update)"
    " FROM block_replicas br"
    " JOIN block_replica_files brf ON brf.block_id = br.block_id AND brf.site_id = br.site_id"
    " JOIN files f ON f.id = brf.file_id"
    " WHERE br.site_id = %s AND br.is_complete = 0")
PENDING_DELETIONS = (
    "SELECT f.name FROM file_subscriptions s JOIN files f ON f.id = s.file_id"
    " WHERE s.site_id = %s AND s.`delete` = 1 AND s.status NOT IN ('done', 'cancelled')"
    " UNION SELECT file_name FROM file_pre_subscriptions WHERE site_name = %s AND `delete` = 1"
    " UNION SELECT file FROM deletion_queue WHERE site = %s AND status IN ('new', 'inbatch')")

BLOCKS_OF = (
    "SELECT f.name, d.name, b.name FROM files f JOIN blocks b ON b.id = f.block_id"
    " JOIN datasets d ON d.id = b.dataset_id WHERE f.name IN ({})")


class DynamoInventory:
    """``DynamoInventory(site)`` connects by the site config; ``connection=`` uses an open
    pymysql connection instead (left open at close). ``dataset_from_lfn=`` overrides the
    LFN-to-dataset rule used for orphan protection."""

    def __init__(self, site, connection=None, dataset_from_lfn=None):
        self.site = site
        self.settings = Settings.from_site(site)
        if dataset_from_lfn is not None:
            self.settings = attrs.evolve(self.settings, dataset_from_lfn=dataset_from_lfn)
        self.db = Database(self.settings, connection)

    def files(self):
        conn = self.db.connection()
        with self._reading(conn):
            with conn.cursor() as cur:
                sid = site_id(cur, self.settings)
                name = self.settings.dynamo_site
                cur.execute(PENDING_DELETIONS, (sid, name, name))
                pending = {row[0] for row in cur.fetchall()}
            yield from self._complete(conn, sid, pending)
            yield from self._incomplete(conn, sid)

    def _complete(self, conn, sid: int, pending: set):
        cut_short = []
        cur = conn.cursor(pymysql.cursors.SSCursor)
        try:
            cur.execute(COMPLETE, (sid,))
            for mtime, new, block_id, count, blob in cur:
                if not count:
                    continue
                mtime = float(mtime) if mtime is not None else None
                new = bool(new)
                entries = blob.split(SEP) if blob else []
                if len(entries) != count:  # concatenation cut short: read it by rows below
                    cut_short.append((block_id, mtime, new))
                    continue
                for entry in entries:
                    lfn, _, size = entry.rpartition(" ")
                    yield lfn, int(size), mtime, new or lfn in pending
        finally:
            cur.close()
        for block_id, mtime, new in cut_short:
            log.debug("block %s: reading its files one row each", block_id)
            with conn.cursor(pymysql.cursors.SSCursor) as cur:
                cur.execute(BLOCK_FILES, (block_id,))
                for lfn, size in cur:
                    yield lfn, size, mtime, new or lfn in pending

    def _incomplete(self, conn, sid: int):
        cur = conn.cursor(pymysql.cursors.SSCursor)
        try:
            cur.execute(INCOMPLETE, (sid,))
            for lfn, size, mtime in cur:
                yield lfn, size, float(mtime) if mtime is not None else None, True
        finally:
            cur.close()

    @contextlib.contextmanager
    def _reading(self, conn):
        """One consistent snapshot for all queries; pymysql errors become one clear line."""
        saved = None
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT @@SESSION.group_concat_max_len")
                saved = cur.fetchone()[0]
                cur.execute("SET SESSION group_concat_max_len = 4294967295")
                cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            yield
            conn.commit()
        except pymysql.MySQLError as exc:
            _rollback(conn)
            raise ConsistencyError(f"dynamo database {self.db.where}: reading the inventory of "
                                   f"{self.settings.dynamo_site} failed: {error_text(exc)}") from None
        except BaseException:
            _rollback(conn)
            raise
        finally:
            if saved is not None:
                with contextlib.suppress(pymysql.MySQLError):
                    with conn.cursor() as cur:
                        cur.execute("SET SESSION group_concat_max_len = %s", (saved,))

    def blocks_of(self, lfns: list[str]) -> dict[str, tuple[str, str]]:
        """lfn -> (dataset, block ``dataset#name``) for the catalogued ones."""
        conn = self.db.connection()
        out = {}
        try:
            with conn.cursor() as cur:
                for chunk in chunks(lfns, 1000):
                    cur.execute(BLOCKS_OF.format(in_list(chunk)), chunk)
                    out.update((lfn, (ds, f"{ds}#{block}")) for lfn, ds, block in cur.fetchall())
            conn.commit()
        except pymysql.MySQLError as exc:
            _rollback(conn)
            raise ConsistencyError(f"dynamo database {self.db.where}: reading the blocks of "
                                   f"missing files failed: {error_text(exc)}") from None
        return out

    def protect_orphans(self, lfns: list[str]) -> set[str]:
        return protected_orphans(self.db, self.settings, lfns)

    def dataset_of(self, lfn: str) -> str | None:
        """The dataset of an LFN by the site's rule (the report groups missing files by it);
        no database connection is needed."""
        return self.settings.dataset_from_lfn(lfn)

    def close(self) -> None:
        self.db.close()


def _rollback(conn) -> None:
    with contextlib.suppress(pymysql.MySQLError, OSError):
        conn.rollback()
