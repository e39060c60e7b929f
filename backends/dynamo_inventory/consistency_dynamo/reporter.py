"""Reporter ``dynamo``: queues the repairs of a check where Dynamo picks them up.

- orphans and empty directories: deletion at the site;
- unmerged candidates (old files in the unmerged area, not protected): deletion at the site;
- missing files: a transfer from a site holding a complete replica of the file's block
  (status ready, not this site; disk before tape, then by name). Also written:
  ``SITE_missing_no_disk.txt`` (only tape copies; the transfer is still queued) and
  ``SITE_unrecoverable.txt`` (no copy anywhere; nothing queued);
- size mismatches (damaged replicas): deletion of the bad copy and a transfer of a good one,
  in one transaction (:mod:`.repairs`), sources chosen as for missing files; one with no
  other copy goes to ``SITE_unrecoverable.txt`` too and nothing is deleted;
- ``SITE_dynamo.json``: what was queued, re-queued, already there and not written.

Rows are written in transactions of ``dynamo_batch_size``; a stop (SIGTERM, SIGINT: the
context's ``stop`` event) ends the writing after the transaction in progress, and the
reporter raises ``ReporterStopped`` saying how many rows and transactions were written.

Acts only with ``--act`` and passing safety gates (the core checks; so does this class, for
programs that call ``report`` themselves).
"""
from __future__ import annotations

import logging
import os

import attrs
import pymysql

from consistency_core import ConsistencyError, names
from consistency_core.output import write_json, write_lines
from consistency_core.result import ReporterStopped

from . import queues, repairs
from .database import Database, chunks, error_text, in_list, is_lost, site_id
from .settings import Settings
from .writer import WriteError, Writer, WriteStopped

log = logging.getLogger(__name__)

SOURCES = (
    "SELECT f.name, s.name, s.storage_type FROM files f"
    " JOIN block_replicas br ON br.block_id = f.block_id AND br.is_complete = 1"
    " JOIN sites s ON s.id = br.site_id"
    " WHERE s.status = 'ready' AND s.id != %s AND s.storage_type IN ('disk', 'mss')"
    " AND f.name IN ({})")
CATALOGUED = "SELECT name FROM files WHERE name IN ({})"
PREFERENCE = {"disk": 0, "mss": 1}


@attrs.frozen
class TransferPlan:
    transfers: list  # (lfn, source site), one per recoverable missing file
    no_disk: list  # LFNs whose only copies are on tape
    unrecoverable: list  # LFNs with no complete copy anywhere else
    uncatalogued: list  # LFNs no longer in the catalog: nothing to transfer


class DynamoReporter:
    acts = True

    def __init__(self, site, connection=None):
        self.site = site
        self.settings = Settings.from_site(site)
        self.db = Database(self.settings, connection)

    def report(self, result, context) -> None:
        if not (context.act and context.gates.passed):
            log.warning("dynamo reporter: not acting (needs --act and passing safety gates)")
            return
        name = self.settings.dynamo_site
        sid, plan, damaged = self._plan_all(result.findings)
        paths = self._paths(context.output, result.site)
        write_lines(paths["no_disk"], plan.no_disk)
        write_lines(paths["unrecoverable"], sorted(plan.unrecoverable + damaged.unrecoverable))
        deletions = [lfn for lfn, _size in result.findings.orphan] + list(result.findings.empty_dirs)
        # Dynamo's tables hold text: a name that is not UTF-8 cannot be queued as itself, and
        # any other spelling would name another path; it stays in the result files only
        unqueueable = [names.shown(lfn) for lfn in deletions if not names.is_utf8(lfn)]
        deletions = [lfn for lfn in deletions if names.is_utf8(lfn)]
        if unqueueable:
            log.warning("dynamo reporter: %d deletions not queued: their names are not UTF-8 "
                        "(first: %s)", len(unqueueable), unqueueable[0])
        writer = Writer(self.db, self.settings, stop=getattr(context, "stop", None))
        if unqueueable:
            writer.progress.not_written["deletions_not_utf8"] = unqueueable
        unmerged = unmerged_deletions(result.findings)
        writer.progress.total = {"deletions": len(deletions), "transfers": len(plan.transfers),
                                 "repairs": len(damaged.transfers), "unmerged": len(unmerged)}
        steps = [("deletions", deletions, self._deletion_batch(sid, name)),
                 ("unmerged", unmerged, self._deletion_batch(sid, name)),
                 ("transfers", plan.transfers, self._transfer_batch(sid, name)),
                 ("repairs", damaged.transfers,
                  repairs.repair_batch(self.settings.queue, sid, name))]
        try:
            for kind, items, batch in steps:
                writer.write(kind, items, batch)
        except (WriteError, WriteStopped) as exc:
            for kind, items, _batch in steps:
                if kind not in writer.progress.counts:
                    writer.progress.not_written[kind] = items
            stopped = isinstance(exc, WriteStopped)
            self._record(paths["record"], writer, plan, str(exc), damaged, stopped=stopped)
            tell = (f"{exc}; {writer.progress.describe()}; the rest was not queued "
                    f"(listed in {paths['record']}); a rerun queues nothing twice")
            raise (ReporterStopped if stopped else WriteError)(tell) from None
        self._record(paths["record"], writer, plan, "", damaged)
        log.info("dynamo reporter: %s", writer.progress.describe())

    def _deletion_batch(self, sid: int, name: str):
        if self.settings.queue == "registry":
            return lambda cur, batch, now: queues.registry_deletions(cur, name, batch, now)
        return lambda cur, batch, now: queues.subscriptions(cur, sid, name, batch, 1, now)

    def _transfer_batch(self, sid: int, name: str):
        if self.settings.queue == "registry":
            return lambda cur, batch, now: queues.registry_transfers(cur, name, batch, now)
        return lambda cur, batch, now: queues.subscriptions(
            cur, sid, name, [lfn for lfn, _src in batch], 0, now)

    def _plan_all(self, findings) -> tuple[int, TransferPlan, TransferPlan]:
        """The missing files' transfers and the damaged replicas' repairs."""
        return self._plan([lfn for lfn, _size in findings.missing],
                          [row[0] for row in findings.size_mismatch])

    def _plan(self, missing: list[str],
              damaged: list[str] = ()) -> tuple[int, TransferPlan, TransferPlan]:
        """Read-only: where each missing or damaged file can come from. Nothing is queued."""
        while True:
            conn = self.db.connection()
            try:
                with conn.cursor() as cur:
                    sid = site_id(cur, self.settings)
                    plan = plan_transfers(cur, sid, missing)
                    repair = plan_transfers(cur, sid, list(damaged))
                conn.commit()
                return sid, plan, repair
            except pymysql.MySQLError as exc:
                if is_lost(exc) and self.db.restore():
                    continue
                raise ConsistencyError(f"dynamo database {self.db.where}: finding sources for "
                                       f"missing files failed, nothing was queued: "
                                       f"{error_text(exc)}") from None

    @staticmethod
    def _paths(output: str, site: str) -> dict[str, str]:
        return {key: os.path.join(output, f"{site}_{suffix}") for key, suffix in (
            ("no_disk", "missing_no_disk.txt"), ("unrecoverable", "unrecoverable.txt"),
            ("record", "dynamo.json"))}

    def _record(self, path: str, writer: Writer, plan: TransferPlan, error: str,
                damaged: TransferPlan, stopped: bool = False) -> None:
        p = writer.progress
        status = "stopped" if stopped else "failed" if error else "complete"
        write_json(path, {
            "damaged_unrecoverable": len(damaged.unrecoverable),
            "damaged_no_disk": len(damaged.no_disk),
            "site": self.settings.dynamo_site, "queue": self.settings.queue,
            "status": status, "error": error, "transactions": p.batches,
            "written": {k: dict(v) for k, v in p.counts.items()}, "total": p.total,
            "not_written": p.not_written, "missing_no_disk": len(plan.no_disk),
            "unrecoverable": len(plan.unrecoverable), "uncatalogued": plan.uncatalogued})

    def close(self) -> None:
        self.db.close()


def unmerged_deletions(findings) -> list[str]:
    """The unmerged area's deletion candidates (confirmed ones, as an acting reporter gets);
    a name that is not UTF-8 cannot be queued as itself, so it is not queued."""
    return [row[0] for row in findings.unmerged if names.is_utf8(row[0])]


def plan_transfers(cur, target_id: int, missing: list[str]) -> TransferPlan:
    best: dict[str, tuple] = {}
    catalogued: set[str] = set()
    for chunk in chunks(missing, 1000):
        cur.execute(CATALOGUED.format(in_list(chunk)), chunk)
        catalogued.update(row[0] for row in cur.fetchall())
        cur.execute(SOURCES.format(in_list(chunk)), [target_id, *chunk])
        for lfn, source, storage in cur.fetchall():
            rank = (PREFERENCE[storage], source)
            if lfn not in best or rank < best[lfn]:
                best[lfn] = rank
    transfers, no_disk, unrecoverable, uncatalogued = [], [], [], []
    for lfn in missing:
        if lfn not in catalogued:
            uncatalogued.append(lfn)
        elif lfn not in best:
            unrecoverable.append(lfn)
        else:
            tape, source = best[lfn]
            transfers.append((lfn, source))
            if tape:
                no_disk.append(lfn)
    return TransferPlan(transfers, no_disk, unrecoverable, uncatalogued)
