"""One series over runs as an inline SVG plot with real axes: value ticks at round numbers,
date ticks along the time axis (runs placed by when they started), and every point's date
and value on hover (its ``<title>``). Markup is built with Jinja2's escaping."""
from __future__ import annotations

import math
import time

from markupsafe import Markup, escape

WIDTH, HEIGHT = 600, 230
LEFT, RIGHT, TOP, BOTTOM = 58, 16, 28, 42


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """0 and round steps (1, 2, 2.5, 5 x 10^k) up to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [round(i * step, 10) for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def time_ticks(start: float, end: float, count: int = 6) -> list[float]:
    """Round times (minutes, hours, UTC midnights, ...) spread over [start, end], at most
    ``count`` + 1."""
    span = max(end - start, 1.0)
    for step in (60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400,
                 7 * 86400, 14 * 86400, 30 * 86400,
                 91 * 86400, 365 * 86400):
        if span / step <= count:
            break
    first = math.ceil(start / step) * step
    ticks = [first + i * step for i in range(int((end - first) // step) + 1)]
    return ticks or [start]


def _label(value: float, unit: str) -> str:
    if value >= 10000:
        return f"{value / 1000:g}k{unit}"
    return f"{value:g}{unit}"


def _date(epoch: float, step: float) -> str:
    return time.strftime("%m-%d %H:%M" if step < 86400 else "%Y-%m-%d", time.gmtime(epoch))


def _value(run, key: str) -> float:
    return run.listing_seconds if key == "listing_seconds" else float(run.counts[key])


def svg(runs, key: str, title: str, colour: str, unit: str = "") -> Markup:
    """``runs`` oldest first."""
    points = [(run.started, _value(run, key)) for run in runs]
    y_ticks = nice_ticks(max([v for _t, v in points] + [0]))
    top = y_ticks[-1]
    start = points[0][0] if points else time.time()
    end = points[-1][0] if points else start
    if end - start < 600:  # one run, or runs minutes apart: a window around them
        start, end = start - 300, end + 300
    x_ticks = time_ticks(start, end)
    step = x_ticks[1] - x_ticks[0] if len(x_ticks) > 1 else end - start
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t):
        return LEFT + (t - start) / (end - start) * plot_w

    def y(v):
        return TOP + plot_h - v / top * plot_h

    out = [f'<svg class="plot" data-series="{escape(key)}" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
           'xmlns="http://www.w3.org/2000/svg">',
           f'<text x="{LEFT}" y="17" font-size="13" font-weight="bold">{escape(title)}</text>']
    for v in y_ticks:
        out.append(f'<line class="ytick" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" '
                   f'y2="{y(v):.1f}" stroke="#e4e4e4"/>'
                   f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">'
                   f"{escape(_label(v, unit))}</text>")
    for t in x_ticks:
        out.append(f'<line class="xtick" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{TOP + plot_h}" '
                   f'y2="{TOP + plot_h + 5}" stroke="#888"/>'
                   f'<text x="{x(t):.1f}" y="{TOP + plot_h + 18}" font-size="11" '
                   f'text-anchor="middle">{escape(_date(t, step))}</text>')
    out.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
               f'y2="{TOP + plot_h}" stroke="#666"/>'
               f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#666"/>'
               f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 6}" font-size="11" '
               'text-anchor="middle" fill="#555">run started (UTC)</text>')
    if not points:
        out.append(f'<text x="{LEFT + 10}" y="{TOP + 20}" font-size="12" fill="#555">'
                   "no complete run yet</text>")
    if len(points) > 1:
        line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
        out.append(f'<polyline class="{escape(key)}" fill="none" stroke="{colour}" '
                   f'stroke-width="2" points="{line}"/>')
    for (t, v), run in zip(points, runs):
        out.append(f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
                   f"<title>run {run.id}, {escape(_date(t, 0))}: "
                   f"{escape(_label(round(v, 1), unit))}</title></circle>")
    return Markup("".join(out) + "</svg>")
