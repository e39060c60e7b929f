"""Static HTML report pages (``consistency report --output DIR``).

``index.html`` is an overview of every configured site; ``sites/SITE.html`` a page per site
with its run history, plots drawn as inline SVG, and links to the last complete run's
finding lists (``sites/SITE/CLASS.txt``, written from the history). Plain files with
relative links and no script: they open from disk and from any static web server.
"""
from __future__ import annotations

import html
import os
import time

from .finding_classes import CLASSES, CONFIRMABLE
from .output import atomic_writer, write_lines
from .run_status import RunStatus
from .schedule import all_status
from .summary import _bytes, age

HISTORY_ROWS = 200
PLOT_RUNS = 100
STALE_DAYS = 7

CSS = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; white-space: nowrap; }
th { background: #eee; } td.name, td.text { text-align: left; }
tr.ok td.name { background: #cdeccd; } tr.warn td.name { background: #fbe6a6; }
tr.bad td.name { background: #f4b6b6; } tr.off td.name { background: #ddd; }
td.hot { background: #f8d3d3; } td.warm { background: #fdf0c8; }
.legend span { padding: 0 0.5em; margin-right: 0.5em; }
svg { border: 1px solid #ccc; background: #fff; margin: 0.5em 0; }
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _when(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch)) if epoch else "never"


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head>\n"
            f"<body>\n<h1>{_e(title)}</h1>\n{body}\n</body></html>\n")


def attention(status, now: float) -> str:
    """ok, warn, bad or off: the colour of a site's row."""
    if status.state in ("halted", "disabled"):
        return "off"
    last = status.last_run
    if last is None:
        return "warn"
    if last.status != RunStatus.COMPLETED and status.state != "running":
        return "bad"
    if status.last_complete is None or now - status.last_complete.finished > STALE_DAYS * 86400:
        return "bad"
    c = status.last_complete.counts
    if any(c[cls.name] for cls in CLASSES):
        return "warn"
    return "ok"


def _count_cell(cls: str, n: int, size: int | None = None, hot: bool = False) -> str:
    shade = (" hot" if hot else " warm") if n else ""
    text = f"{n}" if size is None else f"{n} ({_bytes(size)})"
    return f'<td class="{cls}{shade}" data-value="{n}">{_e(text)}</td>'


OVERVIEW_HEADER = ("site", "state", "mode", "last run", "status", "age", "files listed",
                   "listed size", *(cls.label for cls in CLASSES),
                   *(f"confirmed {cls.label}" for cls in CONFIRMABLE), "gates")


def _class_cells(c: dict) -> list[str]:
    cells = [_count_cell(cls.name, c[cls.name], c.get(f"{cls.name}_bytes"), hot=cls.hot)
             for cls in CLASSES]
    cells += [_count_cell(f"confirmed_{cls.name}", c[f"confirmed_{cls.name}"], hot=cls.hot)
              for cls in CONFIRMABLE]
    return cells


def overview(statuses, now: float) -> str:
    rows = []
    for st in statuses:
        run = st.last_complete or st.last_run
        c = run.counts if run else {k: 0 for k in ("files_listed", "bytes_listed")}
        last = st.last_run
        cells = [f'<td class="name"><a href="sites/{_e(st.name)}.html">{_e(st.name)}</a></td>',
                 f'<td class="state text">{_e(st.state)}</td>',
                 f'<td class="mode text">{_e(st.mode)}</td>',
                 f'<td class="last text">{_e(_when(last.started if last else None))}</td>',
                 f'<td class="status text">{_e(last.status if last else "-")}</td>',
                 f'<td class="age">{_e(age(now - last.finished) if last else "-")}</td>']
        if run is None:
            cells += ['<td class="files" data-value="0">-</td>']
            cells += ["<td>-</td>"] * (len(OVERVIEW_HEADER) - len(cells) - 1)
        else:
            gates = "passed" if run.gates_passed else "blocked"
            cells += [f'<td class="files" data-value="{c["files_listed"]}">{c["files_listed"]}</td>',
                      f'<td class="bytes">{_e(_bytes(c["bytes_listed"]))}</td>',
                      *_class_cells(c),
                      f'<td class="gates text{"" if run.gates_passed else " hot"}">{gates}</td>']
        rows.append(f'<tr class="{attention(st, now)}" data-site="{_e(st.name)}">'
                    + "".join(cells) + "</tr>")
    head = "".join(f"<th>{_e(h)}</th>" for h in OVERVIEW_HEADER)
    legend = ('<p class="legend">Row colour: <span style="background:#cdeccd">clean</span>'
              '<span style="background:#fbe6a6">findings to look at</span>'
              '<span style="background:#f4b6b6">last run failed, interrupted, gated or '
              f'no complete run for {STALE_DAYS} days</span>'
              '<span style="background:#ddd">halted or disabled</span>. Counts are from the '
              'last complete run.</p>')
    return (f'<p>Generated {_e(_when(now))}.</p>{legend}\n<table id="overview">'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table>")


def plot(runs, series: list[tuple[str, str, str]], title: str, unit: str = "") -> str:
    """An SVG line plot of ``series`` ((key, label, colour)) over ``runs`` (oldest first)."""
    width, height, pad = 640, 200, 40
    values = [[_value(run, key) for run in runs] for key, _l, _c in series]
    top = max([v for vs in values for v in vs] + [1])
    n = max(len(runs) - 1, 1)

    def xy(i, v):
        return (pad + i * (width - 2 * pad) / n, height - pad - v * (height - 2 * pad) / top)

    parts = [f'<svg class="plot" width="{width}" height="{height}" role="img" '
             f'aria-label="{_e(title)}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{pad}" y="16" font-size="13">{_e(title)}</text>',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#888"/>',
             f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#888"/>',
             f'<text x="4" y="{pad + 4}" font-size="11">{_e(_num(top))}{_e(unit)}</text>',
             f'<text x="4" y="{height - pad + 4}" font-size="11">0</text>']
    for (key, label, colour), vs in zip(series, values):
        points = " ".join("%.1f,%.1f" % xy(i, v) for i, v in enumerate(vs))
        parts.append(f'<polyline class="{_e(key)}" fill="none" stroke="{colour}" '
                     f'stroke-width="2" points="{points}"/>')
        for i, v in enumerate(vs):
            x, y = xy(i, v)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}">'
                         f"<title>{_e(label)}: {_e(_num(v))}{_e(unit)}</title></circle>")
    for k, (_key, label, colour) in enumerate(series):
        parts.append(f'<text x="{width - pad - 140}" y="{16 + 14 * k}" font-size="12" '
                     f'fill="{colour}">{_e(label)}</text>')
    if runs:
        parts.append(f'<text x="{pad}" y="{height - 12}" font-size="11">{_e(_when(runs[0].started))}</text>')
        parts.append(f'<text x="{width - pad - 130}" y="{height - 12}" font-size="11">'
                     f"{_e(_when(runs[-1].started))}</text>")
    return "".join(parts) + "</svg>"


def _value(run, key: str) -> float:
    return run.listing_seconds if key == "listing_seconds" else run.counts[key]


def _num(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() or v >= 100 else f"{v:.1f}"


def site_page(st, runs, files: dict[str, int]) -> str:
    complete = [r for r in reversed(runs[:PLOT_RUNS]) if r.complete]
    counts_plot = plot(complete, [("missing", "missing", "#c0392b"), ("orphan", "orphan", "#2c6fbb")],
                       "Missing and orphan files per complete run")
    time_plot = plot(complete, [("listing_seconds", "listing time", "#555")],
                     "Listing time per complete run", " s")
    if st.last_complete:
        links = "".join(f'<li><a href="{_e(st.name)}/{cls.name}.txt">{cls.name}</a> '
                        f'({files[cls.name]})</li>' for cls in CLASSES)
        links += (f'<li><a href="{_e(st.name)}/confirmed.txt">confirmed</a> '
                  f'({files["confirmed"]})</li>')
        lists = (f"<h2>Findings of run {st.last_complete.id} "
                 f"({_e(_when(st.last_complete.started))})</h2><ul>{links}</ul>")
    else:
        lists = "<p>No complete run yet.</p>"
    head = ("run", "started", "took", "status", "files listed",
            *(cls.label for cls in CLASSES), "changed",
            *(f"confirmed {cls.label}" for cls in CONFIRMABLE), "listing time", "acted", "note")
    rows = []
    for r in runs[:HISTORY_ROWS]:
        c = r.counts
        rows.append("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in (
            r.id, _when(r.started), f"{r.finished - r.started:.0f} s", r.status,
            c["files_listed"], *(c[cls.name] for cls in CLASSES), c["changed"],
            *(c[f"confirmed_{cls.name}"] for cls in CONFIRMABLE),
            f"{r.listing_seconds:.1f} s", "yes" if r.acted else "no"))
            + f'<td class="text">{_e(r.message[:200])}</td></tr>')
    table = (f'<table id="runs"><thead><tr>{"".join(f"<th>{h}</th>" for h in head)}</tr></thead>'
             "<tbody>" + "".join(rows) + "</tbody></table>")
    body = (f'<p><a href="../index.html">all sites</a> · state <b>{_e(st.state)}</b>, '
            f"mode <b>{_e(st.mode)}</b></p>\n{counts_plot}\n{time_plot}\n{lists}\n"
            f"<h2>Runs</h2>\n{table}")
    return _page(f"Consistency: {st.name}", body)


def write_report(cfg, histories, output: str) -> str:
    now = time.time()
    statuses = all_status(cfg, histories)
    for st in statuses:
        site = cfg.site(st.name)
        history = histories.get(site)
        runs = history.runs(st.name, limit=max(HISTORY_ROWS, PLOT_RUNS))
        files = _write_lists(history, st, os.path.join(output, "sites", st.name))
        _write(os.path.join(output, "sites", f"{st.name}.html"), site_page(st, runs, files))
    index = os.path.join(output, "index.html")
    _write(index, _page("Consistency checks", overview(statuses, now)))
    return index


def _write_lists(history, st, directory: str) -> dict[str, int]:
    counts = {name: 0 for name in (*(cls.name for cls in CLASSES), "confirmed")}
    if st.last_complete is None:
        return counts
    rows = history.findings(st.last_complete.id)
    for cls in CLASSES:
        lfns = [lfn for c, lfn, _s, _conf in rows if c == cls.name]
        write_lines(os.path.join(directory, f"{cls.name}.txt"), lfns)
        counts[cls.name] = len(lfns)
    confirmed = [f"{c} {lfn}" for c, lfn, _s, conf in rows if conf]
    write_lines(os.path.join(directory, "confirmed.txt"), confirmed)
    counts["confirmed"] = len(confirmed)
    return counts


def _write(path: str, text: str) -> None:
    with atomic_writer(path) as fh:
        fh.write(text)
