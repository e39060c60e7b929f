"""The outcome of one check, and the safety gates that decide whether it may be acted on."""
from __future__ import annotations

import attrs

from .compare import Findings
from .engine import WalkStats


@attrs.frozen
class Gates:
    passed: bool
    reasons: tuple[str, ...] = ()


@attrs.frozen
class ReportContext:
    output: str
    act: bool
    gates: Gates


@attrs.define
class CheckResult:
    """What ``check_site`` returns; ``summary()`` is what ``SITE_summary.json`` holds."""

    site: str
    status: str  # completed, interrupted, failed
    findings: Findings
    walk: WalkStats
    inventory_files: int
    inventory_bytes: int
    gates: Gates
    started: float
    finished: float
    timings: dict
    backends: dict
    changed: list[str] = attrs.field(factory=list)  # inventory entries that changed during the check
    reporters: dict = attrs.field(factory=dict)  # reporter name -> what happened
    output_files: dict = attrs.field(factory=dict)
    # Confirmation over runs (consistency_core.confirm): class -> the findings rows that are
    # confirmed (missing, size_mismatch, orphan, empty_dirs). Acting reporters see only these.
    confirmed: dict = attrs.field(factory=dict)
    delta: dict = attrs.field(factory=dict)  # class -> {new, still, resolved} vs previous run
    run_id: int | None = None  # this run's id in the history, once recorded
    acting: bool = False  # --act given and honoured for the site (not in dry mode)

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    def counts(self) -> dict:
        f = self.findings
        return {
            "missing": len(f.missing), "missing_bytes": sum(s for _, s in f.missing),
            "orphan": len(f.orphan), "orphan_bytes": sum(s for _, s in f.orphan),
            "size_mismatch": len(f.size_mismatch),
            "size_mismatch_bytes": sum(r for _, _i, r in f.size_mismatch),
            "unlisted": len(f.unlisted), "empty_dirs": len(f.empty_dirs),
            "orphan_protected": f.protected, "changed_during_check": len(self.changed),
        }

    def summary(self) -> dict:
        w = self.walk
        return {
            "site": self.site,
            "status": self.status,
            "started": self.started,
            "finished": self.finished,
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
            "would_act": self.would_act(),
            "run_id": self.run_id,
        }

    def would_act(self) -> dict:
        """What acting reporters are (or, in a dry run, would be) given: confirmed counts,
        or nothing when a gate blocks acting."""
        if not self.gates.passed:
            return {}
        return {cls: len(rows) for cls, rows in sorted(self.confirmed.items()) if rows}

    def acting_view(self) -> "CheckResult":
        """This result as an acting reporter sees it: only confirmed findings."""
        f = self.findings
        c = self.confirmed
        findings = attrs.evolve(
            f, missing=list(c.get("missing", [])), orphan=list(c.get("orphan", [])),
            size_mismatch=list(c.get("size_mismatch", [])),
            empty_dirs=list(c.get("empty_dirs", [])))
        return attrs.evolve(self, findings=findings)


def evaluate_gates(site, findings: Findings, inventory_files: int, listed_files: int,
                   status: str) -> Gates:
    reasons = []
    if status != "completed":
        reasons.append(f"the check did not complete ({status})")
    n_missing = len(findings.missing)
    if n_missing > site.max_missing:
        reasons.append(f"missing {n_missing} > max_missing {site.max_missing}")
    if inventory_files and n_missing > site.max_missing_fraction * inventory_files:
        reasons.append(f"missing {n_missing} > max_missing_fraction "
                       f"{site.max_missing_fraction:g} of {inventory_files} inventory files")
    if len(findings.orphan) > site.max_orphan:
        reasons.append(f"orphan {len(findings.orphan)} > max_orphan {site.max_orphan}")
    if inventory_files and len(findings.orphan) > site.max_orphan_fraction * inventory_files:
        reasons.append(f"orphan {len(findings.orphan)} > max_orphan_fraction "
                       f"{site.max_orphan_fraction:g} of {inventory_files} inventory files")
    if not inventory_files and findings.orphan:
        reasons.append("the inventory is empty: every file would be an orphan")
    unlisted = [d for d in findings.unlisted if not any(p in d for p in site.ignore)]
    if unlisted:
        reasons.append(f"{len(unlisted)} unlisted directories (first: {unlisted[0]})")
    if listed_files == 0:
        reasons.append("the listing found no file")
    return Gates(passed=not reasons, reasons=tuple(reasons))
