"""A run's figures in the Prometheus text exposition format (``consistency run --metrics FILE``).

Written atomically, so node_exporter's textfile collector (or anything scraping the file)
never reads half a file.
"""
from __future__ import annotations

from .finding_classes import CLASSES
from .output import atomic_writer
from .run_status import RunStatus


def _label(value) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


class _Family:
    def __init__(self, name: str, help_: str, kind: str = "gauge"):
        self.name, self.help, self.kind = name, help_, kind
        self.samples: list[tuple[dict, object]] = []

    def add(self, value, **labels) -> None:
        self.samples.append((labels, value))

    def lines(self) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]
        for labels, value in self.samples:
            text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            out.append(f"{self.name}{{{text}}} {_number(value)}")
        return out


def families(result, status: RunStatus) -> list[_Family]:
    site = result.site
    c = result.counts()
    w = result.walk
    fams = []

    def fam(name, help_, kind="gauge"):
        fams.append(_Family(name, help_, kind))
        return fams[-1]

    f = fam("consistency_run_status", "1 for the status the last run ended with")
    for s in RunStatus:
        f.add(int(s == status), site=site, status=s.value)
    fam("consistency_run_start_timestamp_seconds", "When the last run started").add(
        result.started, site=site)
    fam("consistency_run_end_timestamp_seconds", "When the last run ended").add(
        result.finished, site=site)
    f = fam("consistency_phase_duration_seconds", "Seconds spent in each phase of the last run")
    for phase, seconds in sorted(result.timings.items()):
        f.add(seconds, site=site, phase=phase)
    fam("consistency_listed_directories", "Directories listed").add(w.dirs, site=site)
    fam("consistency_listed_files", "Files listed").add(w.files, site=site)
    fam("consistency_listed_bytes", "Bytes in the files listed").add(w.bytes, site=site)
    fam("consistency_inventory_files", "Files the inventory places at the site").add(
        result.inventory_files, site=site)
    fam("consistency_inventory_bytes", "Bytes the inventory places at the site").add(
        result.inventory_bytes, site=site)
    f = fam("consistency_findings", "Findings of the last run, by class")
    for cls in CLASSES:
        f.add(c[cls.name], site=site, **{"class": cls.name})
    f = fam("consistency_findings_bytes", "Bytes in the findings of the last run, by class")
    for cls in CLASSES:
        if cls.sized:
            f.add(c[f"{cls.name}_bytes"], site=site, **{"class": cls.name})
    f = fam("consistency_confirmed_findings", "Findings confirmed over runs (what acting uses)")
    for cls, rows in sorted(result.confirmed.items()):
        f.add(len(rows), site=site, **{"class": cls})
    fam("consistency_changed_during_check", "Inventory entries that changed during the listing").add(
        len(result.changed), site=site)
    fam("consistency_orphan_protected", "Orphan candidates the inventory still protects").add(
        c["orphan_protected"], site=site)
    f = fam("consistency_listing_errors", "Directories left unlisted after retries, by kind")
    for kind, n in sorted(w.errors.items()):
        f.add(n, site=site, kind=kind)
    fam("consistency_listing_retries", "Listing attempts retried").add(w.retries, site=site)
    fam("consistency_gates_passed", "1 when every safety gate passed").add(
        result.gates.passed, site=site)
    return fams


def render(result, status: str) -> str:
    lines = []
    for family in families(result, status):
        lines += family.lines()
    return "\n".join(lines) + "\n"


def write(path: str, result, status: str) -> None:
    with atomic_writer(path) as fh:
        fh.write(render(result, status))


def write_failed(path: str, site: str, started: float, finished: float) -> None:
    """The figures of a run that failed before it had a result."""
    f = _Family("consistency_run_status", "1 for the status the last run ended with")
    for s in RunStatus:
        f.add(int(s is RunStatus.FAILED), site=site, status=s.value)
    start = _Family("consistency_run_start_timestamp_seconds", "When the last run started")
    start.add(started, site=site)
    end = _Family("consistency_run_end_timestamp_seconds", "When the last run ended")
    end.add(finished, site=site)
    with atomic_writer(path) as fh:
        fh.write("\n".join(f.lines() + start.lines() + end.lines()) + "\n")
