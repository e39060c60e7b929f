"""Static HTML report pages (``consistency report --output DIR``), from Jinja2 templates
(``consistency_core/templates``).

``index.html`` is the overview an operator opens every morning: fleet totals, every
configured site worst first, whole rows coloured by state, the age of the last complete
run beside the last run's status; a filter box and sortable columns come from a small
inline script, and the page reads the same without it. ``sites/SITE.html`` has plots over
the site's runs (inline SVG with axes, ticks, dates, values on hover), the gate reasons,
the last complete run's findings with sizes (missing files grouped by dataset when the
inventory knows datasets: its optional ``dataset_of(lfn)``), and the run table.
``sites/SITE/CLASS.txt`` are the full lists. Relative links, no network: the pages open
from disk and from any static web server.
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
import urllib.parse

import jinja2

from . import report_plot
from .finding_classes import CLASSES, CONFIRMABLE
from .output import atomic_writer, write_lines
from .run_status import RunStatus
from .schedule import all_status
from .summary import _bytes, age

log = logging.getLogger(__name__)
HISTORY_ROWS = 200
PLOT_RUNS = 100
STALE_DAYS = 7
FINDING_ROWS = 500  # per class on the site page; the .txt lists have them all

# colour -> (rank for "worst first", legend text)
COLOURS = {
    "bad": (0, f"failed, interrupted or gated last run, or no complete run for {STALE_DAYS} days"),
    "warn": (1, "findings to look at"),
    "never": (2, "never run"),
    "ok": (3, "clean"),
    "off": (4, "halted or disabled"),
}

_env = jinja2.Environment(loader=jinja2.PackageLoader("consistency_core", "templates"),
                          autoescape=True, undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)


def _when(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch)) if epoch else "never"


def attention(status, now: float) -> str:
    """The colour of a site's row: bad, warn, never, ok or off (see COLOURS)."""
    if status.state in ("halted", "disabled"):
        return "off"
    last = status.last_run
    if last is None:
        return "never"
    if last.status != RunStatus.COMPLETED and status.state != "running":
        return "bad"
    if status.last_complete is None or now - status.last_complete.finished > STALE_DAYS * 86400:
        return "bad"
    c = status.last_complete.counts
    if any(c[cls.name] for cls in CLASSES):
        return "warn"
    return "ok"


def _severity(row: dict) -> tuple:
    """Worst first: by colour, then data at risk, then all findings, then name."""
    hot = sum(cell["n"] for cell in row["classes"] if cell["hot"])
    return (row["rank"], -hot, -sum(cell["n"] for cell in row["classes"]), row["name"])


def _columns() -> list[dict]:
    cols = [{"key": "site", "label": "site", "text": True},
            {"key": "state", "label": "state / mode", "text": True},
            {"key": "status", "label": "last run", "text": True,
             "title": "status of the last run, and when it started"},
            {"key": "age", "label": "complete", "title": "age of the last complete run"},
            {"key": "files", "label": "listed"}]
    cols += [{"key": cls.name, "label": cls.label} for cls in CLASSES]
    cols += [{"key": "confirmed", "label": "confirmed",
              "title": "confirmed over runs: " + ", ".join(c.label for c in CONFIRMABLE)},
             {"key": "gates", "label": "gates", "text": True}]
    return [{"title": "", "text": False, **c} for c in cols]


def _row(st, now: float) -> dict:
    colour = attention(st, now)
    last, done = st.last_run, st.last_complete
    c = done.counts if done else {}
    classes = []
    for cls in CLASSES:
        n = c.get(cls.name, 0)
        size = _bytes(c.get(f"{cls.name}_bytes", 0)) if cls.sized and n else ""
        classes.append({"cls": cls.name, "n": n, "n_text": str(n) if done else "-",
                        "size": size, "hot": cls.hot,
                        "shade": (" hot" if cls.hot else " warm") if n else ""})
    confirmed = sum(c.get(f"confirmed_{cls.name}", 0) for cls in CONFIRMABLE)
    return {
        "name": st.name, "file": urllib.parse.quote(st.name), "colour": colour,
        "rank": COLOURS[colour][0], "state": st.state, "mode": st.mode,
        "status": str(last.status) if last else "never run",
        "last_when": _when(last.started) if last else "",
        "age_seconds": int(now - done.finished) if done else 10 ** 12,
        "age": age(now - done.finished) if done else "never",
        "files": c.get("files_listed", 0),
        "files_text": str(c.get("files_listed", 0)) if done else "-",
        "bytes_text": _bytes(c.get("bytes_listed", 0)) if done else "",
        "classes": classes, "confirmed": confirmed,
        "confirmed_text": str(confirmed) if done else "-",
        "confirmed_title": ", ".join(f"{cls.label} {c.get('confirmed_' + cls.name, 0)}"
                                     for cls in CONFIRMABLE),
        "gates": ("passed" if done.gates_passed else "blocked") if done else "-",
    }


def _totals(statuses, rows) -> list:
    done = [st.last_complete for st in statuses if st.last_complete]

    def total(key):
        return sum(run.counts.get(key, 0) for run in done)

    confirmed = sum(total(f"confirmed_{cls.name}") for cls in CONFIRMABLE)
    failing = sum(1 for row in rows if row["colour"] == "bad")
    items = [("sites", "sites", len(statuses)), ("files", "files", total("files_listed")),
             ("missing", "missing", total("missing")), ("orphans", "orphan", total("orphan")),
             ("confirmed", "confirmed", confirmed), ("sites failing", "failing", failing)]
    out = [(label, key, {"n": n, "text": str(n)}) for label, key, n in items]
    out.insert(2, ("bytes", "bytes", {"n": total("bytes_listed"),
                                      "text": _bytes(total("bytes_listed"))}))
    return out


def overview(statuses, now: float) -> str:
    rows = sorted((_row(st, now) for st in statuses), key=_severity)
    return _env.get_template("overview.html").render(
        title="Consistency checks", generated=_when(now), columns=_columns(), rows=rows,
        totals=_totals(statuses, rows),
        legend=[(key, text) for key, (_rank, text) in COLOURS.items()])


PLOTS = (("missing", "Missing files", "#c0392b", ""), ("orphan", "Orphan files", "#2c6fbb", ""),
         ("unlisted", "Unlisted directories", "#8e44ad", ""),
         ("listing_seconds", "Listing time", "#555", " s"))


def site_page(st, runs, findings: list, dataset_of) -> str:
    complete = [r for r in reversed(runs[:PLOT_RUNS]) if r.complete]
    plots = [report_plot.svg(complete, key, title, colour, unit)
             for key, title, colour, unit in PLOTS]
    last = st.last_run
    gate_reasons = list((last.summary.get("gates") or {}).get("reasons", [])) if last else []
    if last and not gate_reasons and last.message and last.status != RunStatus.COMPLETED:
        gate_reasons = [last.message]
    now = time.time()
    return _env.get_template("site.html").render(
        title=f"Consistency: {st.name}", st=st, file=urllib.parse.quote(st.name),
        last_status=str(last.status) if last else "never run",
        last_when=_when(last.started) if last else "never",
        last_complete_when=(f"{age(now - st.last_complete.finished)} ago"
                            if st.last_complete else "never"),
        gate_reasons=gate_reasons, plots=plots, complete=st.last_complete,
        complete_when=_when(st.last_complete.started) if st.last_complete else "",
        finding_groups=_groups(findings, dataset_of),
        confirmed_n=sum(1 for f in findings if f[3]),
        run_header=("run", "started", "took", "status", "mode", "listed",
                    *(cls.label for cls in CLASSES), "confirmed", "listing", "acted", "reason"),
        run_rows=[_run_row(r) for r in runs[:HISTORY_ROWS]])


def _run_row(r) -> dict:
    c = r.counts
    colour = "ok" if r.status == RunStatus.COMPLETED else "bad"
    return {"colour": colour, "reason": r.message,
            "cells": (r.id, _when(r.started), f"{r.finished - r.started:.0f} s", r.status,
                      r.mode or "-", c["files_listed"], *(c[cls.name] for cls in CLASSES),
                      sum(c[f"confirmed_{cls.name}"] for cls in CONFIRMABLE),
                      f"{r.listing_seconds:.1f} s", "yes" if r.acted else "no")}


def _groups(findings: list, dataset_of) -> list[dict]:
    groups = []
    for cls in CLASSES:
        rows = [(lfn, size, conf) for c, lfn, size, conf in findings if c == cls.name]
        group = {"name": cls.name, "label": cls.label, "n": len(rows), "sized": cls.sized,
                 "size": _bytes(sum(s for _l, s, _c in rows)) if cls.sized and rows else "",
                 "rows": [(lfn, _bytes(size), conf) for lfn, size, conf in rows[:FINDING_ROWS]],
                 "more": max(0, len(rows) - FINDING_ROWS), "open": cls.hot and bool(rows),
                 "datasets": []}
        if cls.name == "missing" and dataset_of is not None and rows:
            group["datasets"] = _by_dataset(rows, dataset_of)
        groups.append(group)
    return groups


def _by_dataset(rows, dataset_of) -> list[dict]:
    sets: dict[str, list[int]] = {}
    for lfn, size, _conf in rows:
        name = dataset_of(lfn) or "(no dataset)"
        entry = sets.setdefault(name, [0, 0])
        entry[0] += 1
        entry[1] += size
    return [{"name": name, "n": n, "size": _bytes(size)}
            for name, (n, size) in sorted(sets.items(), key=lambda kv: (-kv[1][0], kv[0]))]


@contextlib.contextmanager
def inventory_datasets(site):
    """The inventory's optional ``dataset_of(lfn) -> str | None``, or None. The inventory is
    built only to ask, and closed after; one that cannot be built here has none."""
    from .plugins import get_backend

    try:
        inventory = get_backend("inventory", site.inventory).factory(site)
    except Exception as exc:  # the report must not depend on the inventory being reachable
        log.info("%s: no dataset grouping (inventory %s: %s)", site.name, site.inventory, exc)
        yield None
        return
    try:
        yield getattr(inventory, "dataset_of", None)
    finally:
        if hasattr(inventory, "close"):
            inventory.close()


def write_report(cfg, histories, output: str) -> str:
    now = time.time()
    statuses = all_status(cfg, histories)
    for st in statuses:
        site = cfg.site(st.name)
        history = histories.get(site)
        runs = history.runs(st.name, limit=max(HISTORY_ROWS, PLOT_RUNS))
        findings = history.findings(st.last_complete.id) if st.last_complete else []
        _write_lists(findings, st, os.path.join(output, "sites", st.name))
        with inventory_datasets(site) as dataset_of:
            page = site_page(st, runs, findings, dataset_of if findings else None)
        _write(os.path.join(output, "sites", f"{st.name}.html"), page)
    index = os.path.join(output, "index.html")
    _write(index, overview(statuses, now))
    return index


def _write_lists(rows: list, st, directory: str) -> None:
    if st.last_complete is None:
        return
    for cls in CLASSES:
        write_lines(os.path.join(directory, f"{cls.name}.txt"),
                    [lfn for c, lfn, _s, _conf in rows if c == cls.name])
    write_lines(os.path.join(directory, "confirmed.txt"),
                [f"{c} {lfn}" for c, lfn, _s, conf in rows if conf])


def _write(path: str, text: str) -> None:
    with atomic_writer(path) as fh:
        fh.write(text)
