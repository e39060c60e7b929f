"""The short human summary table printed at the end of a run."""
from __future__ import annotations


def _bytes(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def render(result) -> str:
    c = result.counts()
    w = result.walk
    errors = ", ".join(f"{k} {v}" for k, v in sorted(w.errors.items())) or "none"
    rows = [
        ("site", result.site),
        ("status", result.status),
        ("listed", f"{w.dirs} directories, {w.files} files, {_bytes(w.bytes)}"),
        ("inventory", f"{result.inventory_files} files, {_bytes(result.inventory_bytes)}"),
        ("missing", f"{c['missing']} ({_bytes(c['missing_bytes'])})"),
        ("orphan", f"{c['orphan']} ({_bytes(c['orphan_bytes'])})"),
        ("size mismatch", str(c["size_mismatch"])),
        ("empty dirs", str(c["empty_dirs"])),
        ("unlisted", str(c["unlisted"])),
        ("errors", errors),
        ("safety gates", "passed" if result.gates.passed else
         "BLOCKED: " + "; ".join(result.gates.reasons)),
        ("time", f"{result.timings.get('total', 0):.1f}s"),
    ]
    if result.changed:
        rows.insert(9, ("changed in check", str(len(result.changed))))
    for name, what in result.reporters.items():
        rows.append((f"reporter {name}", what))
    if result.output_files.get("summary"):
        rows.append(("results", result.output_files["summary"].rsplit("_summary.json", 1)[0] + "_*"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
