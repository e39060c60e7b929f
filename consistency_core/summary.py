"""The short human summary table printed at the end of a run."""
from __future__ import annotations

from .finding_classes import CLASSES


def _bytes(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def age(seconds: float) -> str:
    """A duration the way an operator reads it: 45s, 12m, 5.5h, 3.0d."""
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def render(result) -> str:
    c = result.counts()
    w = result.walk
    errors = ", ".join(f"{k} {v}" for k, v in sorted(w.errors.items())) or "none"
    rows = [
        ("site", result.site),
        ("status", str(result.run_status)),
        ("mode", _mode(result)),
        ("listed", f"{w.dirs} directories, {w.files} files, {_bytes(w.bytes)}"),
        ("inventory", f"{result.inventory_files} files, {_bytes(result.inventory_bytes)}"),
    ]
    for cls in CLASSES:
        n = str(c[cls.name])
        rows.append((cls.label, f"{n} ({_bytes(c[cls.name + '_bytes'])})" if cls.sized else n))
    if result.changed:
        rows.append(("changed in check", str(len(result.changed))))
    rows += [
        ("errors", errors),
        ("safety gates", "passed" if result.gates.passed else
         "BLOCKED: " + "; ".join(result.gates.reasons)),
        ("time", f"{result.timings.get('total', 0):.1f}s"),
    ]
    rows += _confirmation_rows(result)
    for name, what in result.reporters.items():
        rows.append((f"reporter {name}", what))
    if result.output_files.get("summary"):
        rows.append(("results", result.output_files["summary"].rsplit("_summary.json", 1)[0] + "_*"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _confirmation_rows(result) -> list[tuple[str, str]]:
    """New / still present / resolved against the previous run, what is confirmed over runs
    and what acting reporters were (or, in a dry run, would be) given."""
    rows = []
    if result.delta:
        parts = [f"{cls} +{d['new']} ={d['still']} -{_resolved(d['resolved'])}"
                 for cls, d in result.delta.items() if any(d.values())]
        against = f"run {result.delta_against}" if result.delta_against else "none comparable"
        rows.append(("vs previous run", (", ".join(parts) + " (new =still -resolved)"
                     if parts else "no findings then or now") + f" [{against}]"))
    if result.confirmed:
        rows.append(("confirmed", ", ".join(f"{cls} {len(r)}" for cls, r in result.confirmed.items())))
    if result.completed:
        would = result.would_act()
        what = ", ".join(f"{cls} {n}" for cls, n in would.items()) or "nothing confirmed"
        if not result.gates.passed:
            rows.append(("acting", "blocked by the safety gates"))
        elif result.acting:
            rows.append(("acting", f"given to acting reporters: {what}"))
        else:
            rows.append(("acting", f"dry run, would queue: {what}"))
    return rows


def _mode(result) -> str:
    if result.mode == "act":
        return ("act (acting reporters run with --act once the gates pass and findings "
                "are confirmed)")
    return f"dry (nothing acts; consistency status set {result.site} act to allow it)"


def _resolved(n: int | None) -> str:
    return "?" if n is None else str(n)  # None: the run did not complete, resolved unknown
