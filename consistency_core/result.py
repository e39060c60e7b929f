"""The outcome of one check, and the safety gates that decide whether it may be acted on."""
from __future__ import annotations

import threading

import attrs

from . import finding_classes
from .compare import Findings
from .engine import WalkStats
from .run_status import RunStatus


@attrs.frozen
class Gates:
    passed: bool
    reasons: tuple[str, ...] = ()


@attrs.frozen
class ReportContext:
    """What a reporter is told besides the result.

    ``output``: the directory of this run's result set (files a reporter writes there are
    published with the set). ``stop``: set when the run is asked to stop (SIGTERM, SIGINT);
    an acting reporter checks it between transactions and, once set, finishes the one in
    progress and raises :class:`ReporterStopped` saying what it wrote."""

    output: str
    act: bool
    gates: Gates
    stop: threading.Event = attrs.field(factory=threading.Event)


class ReporterStopped(Exception):
    """Raised by a reporter that stopped at a transaction boundary because
    ``context.stop`` was set; the message says what was written and what was not. The run
    is recorded ``interrupted``; a rerun completes the rest."""


@attrs.frozen
class CheckResult:
    """What ``check_site`` (and, complete with confirmation, reporters and the run id,
    ``run_site``) returns; ``summary()`` is what ``SITE_summary.json`` holds. Frozen: each
    phase of a run makes a new one with :func:`attrs.evolve`."""

    site: str
    status: str  # RunStatus.COMPLETED or RunStatus.INTERRUPTED, as the check ended
    findings: Findings
    walk: WalkStats
    inventory_files: int
    inventory_bytes: int
    gates: Gates
    started: float
    finished: float
    timings: dict
    backends: dict
    scope: dict = attrs.field(factory=dict)  # url, root, directories: what was checked
    changed: list[str] = attrs.field(factory=list)  # inventory entries that changed during the check
    reporters: dict = attrs.field(factory=dict)  # reporter name -> what happened
    output_files: dict = attrs.field(factory=dict)
    # Confirmation over runs (consistency_core.confirm): class -> the findings rows that are
    # confirmed. Acting reporters see only these.
    confirmed: dict = attrs.field(factory=dict)
    delta: dict = attrs.field(factory=dict)  # class -> {new, still, resolved} vs a comparable run
    delta_against: int | None = None  # that run's id (None: no comparable complete run)
    run_id: int | None = None  # this run's id in the history, once recorded
    acting: bool = False  # --act given and honoured for the site (not in dry mode)
    mode: str = "dry"  # the site's mode when the run started: dry or act (consistency status)
    stopped_by: str = ""  # why an interrupted run stopped, when known (the site was halted)
    # the missing files' (dataset, block) by LFN, as the inventory knows them (datasets.py)
    missing_blocks: dict = attrs.field(factory=dict)
    storage: list | None = None  # files and bytes per top directory (usage.py), if known
    reused: dict = attrs.field(factory=dict)  # listing/inventory -> the saved dump reused

    @property
    def completed(self) -> bool:
        """The check saw the whole site (whatever the gates or reporters said)."""
        return self.status == RunStatus.COMPLETED

    @property
    def failed_reporter(self) -> str | None:
        return next((name for name, what in self.reporters.items()
                     if what.startswith("failed")), None)

    @property
    def run_status(self) -> RunStatus:
        """How the run ended, as the history records it."""
        if self.failed_reporter:
            return RunStatus.REPORTER_FAILED
        if self.status == RunStatus.COMPLETED and not self.gates.passed:
            return RunStatus.GATED
        return RunStatus(self.status)

    @property
    def reason(self) -> str:
        """Why the run ended as it did (empty for a clean completed run)."""
        name = self.failed_reporter
        if name:
            return f"reporter {name} {self.reporters[name]}"
        why = "; ".join(self.gates.reasons)
        if self.status == RunStatus.INTERRUPTED and self.stopped_by:
            why = "; ".join(filter(None, (self.stopped_by, why)))
        return why

    def counts(self) -> dict:
        f = self.findings
        out = {}
        for cls in finding_classes.CLASSES:
            out.update(cls.counts(finding_classes.rows_of(f, cls)))
        out["orphan_protected"] = f.protected
        out["unmerged_protected"] = f.unmerged_protected
        out["changed_during_check"] = len(self.changed)
        return out

    def summary(self) -> dict:
        w = self.walk
        return {
            "site": self.site,
            "status": str(self.status),
            "run_status": str(self.run_status),
            "mode": self.mode,
            "reason": self.reason,
            "started": self.started,
            "finished": self.finished,
            "scope": self.scope,
            "counts": self.counts(),
            "inventory": {"files": self.inventory_files, "bytes": self.inventory_bytes},
            "listing": {"directories": w.dirs, "files": w.files, "bytes": w.bytes,
                        "retries": w.retries, "vanished": w.vanished,
                        "not_listed_interrupted": w.not_listed},
            "errors": dict(sorted(w.errors.items())),
            "failed_attempts": dict(sorted(w.attempts_failed.items())),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "backends": self.backends,
            "gates": {"passed": self.gates.passed, "reasons": list(self.gates.reasons)},
            "reporters": self.reporters,
            "confirmed": {cls: len(rows) for cls, rows in sorted(self.confirmed.items())},
            "delta": self.delta,
            "delta_against": self.delta_against,
            "would_act": self.would_act(),
            "run_id": self.run_id,
            "reused": self.reused,
        }

    def would_act(self) -> dict:
        """What acting reporters are (or, in a dry run, would be) given: confirmed counts,
        or nothing when a gate blocks acting."""
        if not self.gates.passed:
            return {}
        return {cls: len(rows) for cls, rows in sorted(self.confirmed.items()) if rows}

    def acting_view(self) -> "CheckResult":
        """This result as an acting reporter sees it: only confirmed findings."""
        confirmed = {cls.name: list(self.confirmed.get(cls.name, []))
                     for cls in finding_classes.CONFIRMABLE}
        return attrs.evolve(self, findings=attrs.evolve(self.findings, **confirmed))


def scope_of(site) -> dict:
    """What a run of ``site`` covers; runs are comparable only with the same scope."""
    return {"url": site.url, "root": site.root, "directories": list(site.top_dirs)}


def evaluate_gates(site, findings: Findings, inventory_files: int, listed_files: int,
                   status: str) -> Gates:
    reasons = []
    if status != RunStatus.COMPLETED:
        reasons.append(f"the check did not complete ({status})")
    for cls in finding_classes.CLASSES:
        if cls.gate is not None:
            reasons += _limits(site, cls.name, cls.gate,
                               len(finding_classes.rows_of(findings, cls)), inventory_files)
    if not inventory_files and findings.orphan:
        reasons.append("the inventory is empty: every file would be an orphan")
    unlisted = [d for d in findings.unlisted if not any(p in d for p in site.ignore)]
    if unlisted:
        reasons.append(f"{len(unlisted)} unlisted directories (first: {unlisted[0]})")
    if listed_files == 0:
        reasons.append("the listing found no file")
    return Gates(passed=not reasons, reasons=tuple(reasons))


def _limits(site, name: str, gate: str, n: int, inventory_files: int) -> list[str]:
    """The absolute and fraction limits of ``gate`` (missing or orphan) against ``n``."""
    most = getattr(site, f"max_{gate}")
    fraction = getattr(site, f"max_{gate}_fraction")
    reasons = []
    if n > most:
        reasons.append(f"{name} {n} > max_{gate} {most}")
    if inventory_files and n > fraction * inventory_files:
        reasons.append(f"{name} {n} > max_{gate}_fraction {fraction:g} of {inventory_files} "
                       "inventory files")
    return reasons
