"""``labeling report``: one self-contained HTML page about an export, viewable offline.

Every chart is inline SVG drawn here: no JavaScript, no stylesheet or font from the
network, nothing but the one file. The page shows

- counts per split (rows, quotes, articles, labels), with a stacked bar chart;
- the aggregated stance per target, and per speaker (the 15 most frequent per target);
- Krippendorff's alpha with its 95 % interval, overall, per target and per outlet
  (a forest plot), Fleiss' kappa, and the annotator x annotator Cohen's kappa heatmap;
- per annotator: votes, skips, skip rate, agreement with the others' majority, gold
  accuracy, the median seconds per item, and a histogram of all seconds per item.

Label counts come from the dataset itself; agreement figures from ``stats.json``
(``labeling.agreement.summary``), read defensively: a missing or malformed figure shows
as "n/a", never as an error. Votes of propagated near-duplicate rows are copies and are
not counted again; an annotation's time is counted once, not once per target.

Every text that comes from the data (quotes' speakers, outlets, names, annotators) is
HTML-escaped. Each chart element carries its numbers in ``data-*`` attributes, so tests
and scripts can read the page back. The file is written to a temporary sibling and
renamed into place.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import statistics
import tempfile
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError

TIE = "tie"
NO_VOTE = "no vote"
TOP_SPEAKERS = 15
TOP_OUTLETS = 25
# Okabe-Ito, readable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#D55E00", "#8C8C8C", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000"]
NAMED = {"FAVOR": "#0072B2", "FAVOUR": "#0072B2", "PRO": "#0072B2", "SUPPORT": "#0072B2",
         "AGAINST": "#D55E00", "CON": "#D55E00", "OPPOSE": "#D55E00",
         "NONE": "#8C8C8C", "NEUTRAL": "#8C8C8C"}
SPECIAL = {TIE: "#F0E442", NO_VOTE: "#E0E0E0"}
CHART_WIDTH = 760
_COLOR = re.compile(r"#[0-9A-Fa-f]{3}|#[0-9A-Fa-f]{6}|[A-Za-z]{3,20}")


def esc(x: Any) -> str:
    """HTML text or attribute value (quotes escaped too)."""
    return html.escape(str(x), quote=True)


def _fmt(x: Any, digits: int = 3) -> str:
    if isinstance(x, bool) or x is None:
        return "n/a"
    if isinstance(x, float):
        return "n/a" if math.isnan(x) or math.isinf(x) else f"{x:.{digits}f}"
    if isinstance(x, int):
        return str(x)
    return "n/a"


def _num(x: Any) -> float | None:
    """A finite number from stats.json, else None."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return None if math.isnan(x) or math.isinf(x) else float(x)


def _dict(x: Any) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def _list(x: Any) -> list[Any]:
    return x if isinstance(x, list) else []


def _short(text: str, n: int = 38) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _text_width(text: str, px: float = 6.8) -> float:
    """Rough width of 12 px sans-serif text."""
    return len(text) * px


def _luminance(color: str) -> float:
    m = re.fullmatch(r"#([0-9A-Fa-f]{6})", color)
    if not m:
        return 0.5
    r, g, b = (int(m.group(1)[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _ink(fill: str) -> str:
    """Text colour readable on ``fill``."""
    return "#111" if _luminance(fill) > 0.45 else "#fff"


def nice_step(span: float, n: int = 5, integer: bool = False) -> float:
    """A 1-2-5 step that cuts ``span`` into about ``n`` intervals."""
    raw = span / max(n, 1)
    if raw <= 0:
        return 1.0
    mag = 10.0 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        step = m * mag
        if step >= raw and not (integer and step != int(step)):
            return max(step, 1.0) if integer else step
    return 10 * mag


def _ticks(hi: float, n: int = 5, integer: bool = False) -> list[float]:
    step = nice_step(hi, n, integer)
    out, x = [], 0.0
    while x <= hi + step * 1e-9:
        out.append(x)
        x += step
    return out


def _tick_label(x: float) -> str:
    return f"{x:.0f}" if x == int(x) else f"{x:g}"


# ---------------------------------------------------------------------------------- charts

def _svg_open(chart_id: str, kind: str, title: str, width: float, height: float,
              extra: str = "") -> str:
    return (f'<svg id="{esc(chart_id)}" class="chart" data-chart="{esc(kind)}"{extra} '
            f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'role="img" aria-label="{esc(title)}"><title>{esc(title)}</title>')


def _no_data(width: float, y: float, what: str = "no data") -> str:
    return f'<text class="empty" x="{width / 2:.0f}" y="{y:.0f}" text-anchor="middle">{esc(what)}</text>'


def _legend(cats: Sequence[str], colors: Mapping[str, str], x0: float, y: float) -> str:
    out, x = [], x0
    for c in cats:
        out.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="12" height="12" rx="2" '
                   f'fill="{esc(colors[c])}" stroke="#999" stroke-width="0.5"/>'
                   f'<text x="{x + 17:.0f}" y="{y + 10.5:.0f}">{esc(c)}</text>')
        x += 17 + _text_width(c) + 18
    return "".join(out)


def stacked_bars(chart_id: str, kind: str, title: str,
                 rows: Sequence[tuple[str, Mapping[str, int]]],
                 cats: Sequence[str], colors: Mapping[str, str], extra: str = "") -> str:
    """Horizontal stacked bars, one per row; every segment carries ``data-count``."""
    labels = [_short(r) for r, _ in rows]
    left = min(280.0, max(60.0, max((_text_width(s) for s in labels), default=0) + 16))
    bar_h, gap, top, right = 20, 7, 34, 48
    plot_w = CHART_WIDTH - left - right
    height = top + len(rows) * (bar_h + gap) + 24
    total_max = max((sum(c.get(k, 0) for k in cats) for _, c in rows), default=0)
    shown = [c for c in cats if any(cnt.get(c, 0) for _, cnt in rows)] or list(cats)
    out = [_svg_open(chart_id, kind, title, CHART_WIDTH, max(height, 70), extra),
           _legend(shown, colors, left, 6)]
    if not rows or total_max == 0:
        out.append(_no_data(CHART_WIDTH, 55))
        out.append("</svg>")
        return "".join(out)
    scale = plot_w / total_max
    axis_y = top + len(rows) * (bar_h + gap)
    for t in _ticks(total_max, 6, integer=True):
        x = left + t * scale
        out.append(f'<line class="grid" x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_y}"/>'
                   f'<text class="tick" x="{x:.1f}" y="{axis_y + 14}" text-anchor="middle">'
                   f"{_tick_label(t)}</text>")
    y = top
    for (row, counts), short in zip(rows, labels, strict=True):
        total = sum(counts.get(k, 0) for k in cats)
        out.append(f'<text x="{left - 8:.0f}" y="{y + 14}" text-anchor="end">'
                   f"<title>{esc(row)}</title>{esc(short)}</text>")
        x = left
        for c in cats:
            n = counts.get(c, 0)
            if not n:
                continue
            w = n * scale
            pct = 100 * n / total if total else 0
            out.append(f'<rect class="seg" data-row="{esc(row)}" data-label="{esc(c)}" '
                       f'data-count="{n}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                       f'fill="{esc(colors[c])}"><title>{esc(row)}: {esc(c)} {n} '
                       f"({pct:.0f} %)</title></rect>")
            if w >= _text_width(str(n)) + 8:
                out.append(f'<text class="in" x="{x + w / 2:.1f}" y="{y + 14}" text-anchor="middle" '
                           f'style="fill:{_ink(colors[c])}">{n}</text>')
            x += w
        out.append(f'<text class="total" x="{x + 6:.1f}" y="{y + 14}">{total}</text>')
        y += bar_h + gap
    out.append("</svg>")
    return "".join(out)


def value_bars(chart_id: str, kind: str, title: str, rows: Sequence[tuple[str, float]],
               unit: str, color: str = PALETTE[0]) -> str:
    """One horizontal bar per row with its value written after it (``data-value``)."""
    labels = [_short(r) for r, _ in rows]
    left = min(280.0, max(60.0, max((_text_width(s) for s in labels), default=0) + 16))
    bar_h, gap, top, right = 18, 7, 10, 70
    plot_w = CHART_WIDTH - left - right
    height = top + len(rows) * (bar_h + gap) + 24
    out = [_svg_open(chart_id, kind, title, CHART_WIDTH, max(height, 60))]
    hi = max((v for _, v in rows), default=0.0)
    if not rows or hi <= 0:
        out.append(_no_data(CHART_WIDTH, 35))
        out.append("</svg>")
        return "".join(out)
    ticks = _ticks(hi, 6)
    hi = max(hi, ticks[-1])
    scale = plot_w / hi
    axis_y = top + len(rows) * (bar_h + gap)
    for t in ticks:
        x = left + t * scale
        out.append(f'<line class="grid" x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_y}"/>'
                   f'<text class="tick" x="{x:.1f}" y="{axis_y + 14}" text-anchor="middle">'
                   f"{_tick_label(t)}{esc(unit)}</text>")
    y = top
    for (row, v), short in zip(rows, labels, strict=True):
        w = v * scale
        out.append(f'<text x="{left - 8:.0f}" y="{y + 13}" text-anchor="end">'
                   f"<title>{esc(row)}</title>{esc(short)}</text>"
                   f'<rect class="bar" data-row="{esc(row)}" data-value="{v:.3f}" x="{left:.0f}" '
                   f'y="{y}" width="{w:.1f}" height="{bar_h}" fill="{esc(color)}">'
                   f"<title>{esc(row)}: {v:.1f}{esc(unit)}</title></rect>"
                   f'<text class="total" x="{left + w + 6:.1f}" y="{y + 13}">{v:.1f}{esc(unit)}</text>')
        y += bar_h + gap
    out.append("</svg>")
    return "".join(out)


def _diverging(v: float) -> str:
    """-1 .. 0 .. 1 to vermillion .. white .. blue."""
    t = max(-1.0, min(1.0, v))
    end = (0xD5, 0x5E, 0x00) if t < 0 else (0x00, 0x72, 0xB2)
    a = abs(t)
    r, g, b = (round(255 + (c - 255) * a) for c in end)
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap(chart_id: str, title: str, names: Sequence[str],
            matrix: Sequence[Sequence[Any]]) -> str:
    """Annotator x annotator matrix; each cell's value in ``data-kappa`` and written in it."""
    n = len(names)
    cell = max(30, min(56, int(520 / max(n, 1))))
    short = [_short(s, 24) for s in names]
    longest = max((_text_width(s) for s in short), default=0)
    left = longest + 16
    top = longest * 0.72 + 20
    width = max(CHART_WIDTH * 0.6, left + cell * n + longest * 0.72 + 20)
    legend_y = top + cell * n + 18
    height = legend_y + 42
    out = [_svg_open(chart_id, "kappa", title, width, max(height, 80))]
    if n == 0:
        out.append(_no_data(width, 40, "no annotator pairs"))
        out.append("</svg>")
        return "".join(out)
    for i, name in enumerate(short):
        cy = top + cell * i + cell / 2 + 4
        cx = left + cell * i + cell / 2
        out.append(f'<text x="{left - 8:.0f}" y="{cy:.0f}" text-anchor="end">'
                   f"<title>{esc(names[i])}</title>{esc(name)}</text>"
                   f'<text transform="translate({cx + 4:.0f},{top - 8:.0f}) rotate(-45)">'
                   f"<title>{esc(names[i])}</title>{esc(name)}</text>")
    font = 12 if cell >= 44 else 10
    for i in range(n):
        row = matrix[i] if i < len(matrix) and isinstance(matrix[i], (list, tuple)) else []
        for j in range(n):
            v = _num(row[j]) if j < len(row) else None
            if i == j:
                fill, label = "#f4f4f4", "—"
            elif v is None:
                fill, label = "#ffffff", "n/a"
            else:
                fill, label = _diverging(v), f"{v:.2f}"
            data = "n/a" if v is None else f"{v:.4f}"
            x, y = left + cell * j, top + cell * i
            out.append(f'<rect class="cell" data-a="{esc(names[i])}" data-b="{esc(names[j])}" '
                       f'data-kappa="{data}" x="{x:.0f}" y="{y:.0f}" width="{cell - 2}" '
                       f'height="{cell - 2}" fill="{fill}" stroke="#ddd" stroke-width="0.5">'
                       f"<title>{esc(names[i])} x {esc(names[j])}: {label}</title></rect>"
                       f'<text x="{x + cell / 2 - 1:.0f}" y="{y + cell / 2 + 3:.0f}" '
                       f'text-anchor="middle" style="font-size:{font}px;fill:{_ink(fill)}">'
                       f"{label}</text>")
    # colour scale
    steps = 20
    sw = min(260.0, cell * n) / steps
    for k in range(steps):
        v = -1 + 2 * (k + 0.5) / steps
        out.append(f'<rect x="{left + k * sw:.1f}" y="{legend_y:.0f}" width="{sw + 0.5:.1f}" '
                   f'height="10" fill="{_diverging(v)}" stroke="{_diverging(v)}" stroke-width="0.6"/>')
    for v, anchor in ((-1, "start"), (0, "middle"), (1, "end")):
        x = left + (v + 1) / 2 * steps * sw
        out.append(f'<text class="tick" x="{x:.0f}" y="{legend_y + 24:.0f}" '
                   f'text-anchor="{anchor}">{v}</text>')
    out.append("</svg>")
    return "".join(out)


@dataclass
class AlphaRow:
    label: str
    alpha: float | None
    low: float | None
    high: float | None
    items: int | None
    strong: bool = False


def forest(chart_id: str, kind: str, title: str, rows: Sequence[AlphaRow]) -> str:
    """Alpha as a dot with its 95 % interval as a line, one row each; 0.667 and 0.8 marked."""
    labels = [_short(r.label) for r in rows]
    left = min(280.0, max(80.0, max((_text_width(s) for s in labels), default=0) + 16))
    right = 200
    row_h, top = 24, 26
    plot_w = CHART_WIDTH - left - right
    height = top + len(rows) * row_h + 26
    out = [_svg_open(chart_id, kind, title, CHART_WIDTH, max(height, 70))]
    if not rows:
        out.append(_no_data(CHART_WIDTH, 45))
        out.append("</svg>")
        return "".join(out)
    lows = [v for r in rows for v in (r.low, r.alpha) if v is not None]
    lo = max(-1.0, min(0.0, math.floor(min(lows, default=0.0) * 5) / 5))
    hi = 1.0

    def sx(v: float) -> float:
        return left + (max(lo, min(hi, v)) - lo) / (hi - lo) * plot_w

    axis_y = top + len(rows) * row_h
    t = lo
    while t <= hi + 1e-9:
        out.append(f'<line class="grid" x1="{sx(t):.1f}" y1="{top - 6}" x2="{sx(t):.1f}" '
                   f'y2="{axis_y}"/><text class="tick" x="{sx(t):.1f}" y="{axis_y + 14}" '
                   f'text-anchor="middle">{t:.1f}</text>')
        t = round(t + 0.2, 6)
    for ref in (0.667, 0.8):
        out.append(f'<line class="ref" x1="{sx(ref):.1f}" y1="{top - 12}" x2="{sx(ref):.1f}" '
                   f'y2="{axis_y}"/><text class="tick" x="{sx(ref):.1f}" y="{top - 14}" '
                   f'text-anchor="middle">{ref:g}</text>')
    out.append(f'<text class="tick" x="{CHART_WIDTH - right + 12}" y="{top - 10}">'
               "alpha [95 % CI], items</text>")
    y = top
    for r, short in zip(rows, labels, strict=True):
        cy = y + row_h / 2
        weight = ' font-weight="bold"' if r.strong else ""
        out.append(f'<text x="{left - 8:.0f}" y="{cy + 4:.0f}" text-anchor="end"{weight}>'
                   f"<title>{esc(r.label)}</title>{esc(short)}</text>")
        data = (f'data-row="{esc(r.label)}" data-alpha="{_fmt(r.alpha, 4)}" '
                f'data-low="{_fmt(r.low, 4)}" data-high="{_fmt(r.high, 4)}" '
                f'data-items="{r.items if r.items is not None else "n/a"}"')
        if r.low is not None and r.high is not None:
            out.append(f'<line class="ci" x1="{sx(r.low):.1f}" y1="{cy:.0f}" x2="{sx(r.high):.1f}" '
                       f'y2="{cy:.0f}"/><line class="ci" x1="{sx(r.low):.1f}" y1="{cy - 5:.0f}" '
                       f'x2="{sx(r.low):.1f}" y2="{cy + 5:.0f}"/><line class="ci" '
                       f'x1="{sx(r.high):.1f}" y1="{cy - 5:.0f}" x2="{sx(r.high):.1f}" '
                       f'y2="{cy + 5:.0f}"/>')
        if r.alpha is not None:
            color = PALETTE[1] if r.alpha < 0.667 else PALETTE[0]
            out.append(f'<circle class="pt" {data} cx="{sx(r.alpha):.1f}" cy="{cy:.0f}" r="5" '
                       f'fill="{color}"><title>{esc(r.label)}: {_fmt(r.alpha)}</title></circle>')
            text = f"{_fmt(r.alpha)} [{_fmt(r.low, 2)}, {_fmt(r.high, 2)}]"
        else:
            out.append(f'<circle class="pt" {data} cx="{sx(0):.1f}" cy="{cy:.0f}" r="0"/>')
            text = "n/a"
        items = f", {r.items}" if r.items is not None else ""
        out.append(f'<text x="{CHART_WIDTH - right + 12}" y="{cy + 4:.0f}">{esc(text + items)}</text>')
        y += row_h
    out.append("</svg>")
    return "".join(out)


def histogram(chart_id: str, title: str, values: Sequence[float], unit: str = " s") -> str:
    """Counts of ``values`` in 1-2-5 wide bins; the long tail past the 95th percentile
    goes to one last "or more" bin. Bins carry ``data-lo``, ``data-hi`` and ``data-count``."""
    width, height, left, bottom, top = CHART_WIDTH, 240, 50, 40, 14
    out = [_svg_open(chart_id, "leadtime", title, width, height)]
    vals = sorted(max(0.0, v) for v in values)
    if not vals:
        out.append(_no_data(width, 110))
        out.append("</svg>")
        return "".join(out)
    top_v = vals[-1]
    p95 = vals[min(len(vals) - 1, int(0.95 * len(vals)))]
    capped = len(vals) >= 20 and top_v > 1.5 * p95 > 0
    span = p95 if capped else top_v
    step = nice_step(span or 1.0, 12)
    nbins = max(1, math.ceil(span / step - 1e-9))
    if not capped and nbins * step <= top_v:
        nbins += 1
    counts = [0] * (nbins + (1 if capped else 0))
    for v in vals:
        counts[min(len(counts) - 1, int(v // step))] += 1
    ymax = max(counts)
    yt = _ticks(ymax, 4, integer=True)
    ymax = max(ymax, int(yt[-1]))
    plot_w, plot_h = width - left - 20, height - bottom - top
    bw = plot_w / len(counts)
    for t in yt:
        y = top + plot_h - plot_h * t / ymax
        out.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}"/>'
                   f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f"{_tick_label(t)}</text>")
    every = max(1, math.ceil(len(counts) / 12))
    for i, c in enumerate(counts):
        lo_edge = i * step
        overflow = capped and i == len(counts) - 1
        hi_edge = "inf" if overflow else f"{(i + 1) * step:g}"
        h = plot_h * c / ymax
        x = left + i * bw
        label = (f"≥ {lo_edge:g}{unit}" if overflow else
                 f"{lo_edge:g} to {(i + 1) * step:g}{unit}")
        out.append(f'<rect class="bin" data-lo="{lo_edge:g}" data-hi="{hi_edge}" data-count="{c}" '
                   f'x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{bw - 2:.1f}" '
                   f'height="{h:.1f}" fill="{PALETTE[6] if overflow else PALETTE[0]}">'
                   f"<title>{esc(label)}: {c}</title></rect>")
        if i % every == 0:
            out.append(f'<text class="tick" x="{x:.1f}" y="{top + plot_h + 14}" '
                       f'text-anchor="middle">{lo_edge:g}</text>')
    end = "or more" if capped else f"{len(counts) * step:g}"
    out.append(f'<text class="tick" x="{left + plot_w:.1f}" y="{top + plot_h + 14}" '
               f'text-anchor="{"end" if capped else "middle"}">{end}</text>'
               f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - 20}" '
               f'y2="{top + plot_h}"/>'
               f'<text class="tick" x="{left + plot_w / 2:.0f}" y="{height - 6}" '
               f'text-anchor="middle">seconds per item ({len(vals)} annotations)</text>')
    out.append("</svg>")
    return "".join(out)


# ---------------------------------------------------------------------------------- data

@dataclass
class Facts:
    """What the page needs from the dataset, in one pass."""

    labels: list[str]
    cats: list[str]
    targets: dict[str, str] = field(default_factory=dict)  # id -> name, in order of appearance
    by_target: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_speaker: dict[str, dict[str, Counter[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counter)))
    by_split: dict[str, Counter[str]] = field(default_factory=dict)
    split_rows: dict[str, int] = field(default_factory=dict)
    split_quotes: dict[str, int] = field(default_factory=dict)
    split_articles: dict[str, int] = field(default_factory=dict)
    outlets: dict[str, str] = field(default_factory=dict)  # item key -> outlet
    votes: Counter[str] = field(default_factory=Counter)  # annotator -> labelled votes
    skips: Counter[str] = field(default_factory=Counter)
    leads: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    quotes: set[str] = field(default_factory=set)
    articles: set[str] = field(default_factory=set)
    rows: int = 0


def _column(tbl: Any, name: str, n: int) -> list[Any]:
    return tbl.column(name).to_pylist() if name in tbl.column_names else [None] * n


def _votes_of(tbl: Any) -> tuple[list[int], dict[str, list[Any]]]:
    """(row index of each vote, vote fields) from the ``votes`` list column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    fields = ("annotator", "stance", "skipped", "lead_time")
    if "votes" not in tbl.column_names:
        return [], {f: [] for f in fields}
    col = tbl.column("votes")
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    parents = pc.list_parent_indices(arr).to_pylist()  # type: ignore[attr-defined]
    flat = pc.list_flatten(arr)  # type: ignore[attr-defined]
    out: dict[str, list[Any]] = {}
    for f in fields:
        idx = flat.type.get_field_index(f) if pa.types.is_struct(flat.type) else -1
        out[f] = flat.field(idx).to_pylist() if idx >= 0 else [None] * len(parents)
    return parents, out


def collect(dd: Mapping[str, Any]) -> Facts:
    """Count what the charts show, straight from the splits."""
    first = next(iter(dd.values()), None)
    feat = first.features.get("stance") if first is not None else None
    labels = [str(x) for x in getattr(feat, "names", None) or []]
    facts = Facts(labels=labels, cats=labels + [TIE, NO_VOTE])
    wanted = ["quote_id", "article_id", "target", "target_name", "stance", "stance_tie",
              "speaker", "speaker_name", "source", "propagated_from", "votes"]
    lead_seen: set[tuple[str, str]] = set()
    for split, part in dd.items():
        cols = [c for c in wanted if c in part.column_names]
        tbl = part.select_columns(cols).with_format("arrow")[:]
        n = tbl.num_rows
        c = {name: _column(tbl, name, n) for name in wanted if name != "votes"}
        facts.rows += n
        facts.split_rows[split] = n
        facts.split_quotes[split] = len(set(c["quote_id"]) - {None})
        facts.split_articles[split] = len(set(c["article_id"]) - {None})
        facts.quotes.update(q for q in c["quote_id"] if q)
        facts.articles.update(a for a in c["article_id"] if a)
        split_counts: Counter[str] = Counter()
        row_cat: list[str] = []
        for i in range(n):
            s = c["stance"][i]
            cat = (labels[s] if isinstance(s, int) and 0 <= s < len(labels)
                   else TIE if c["stance_tie"][i] else NO_VOTE)
            row_cat.append(cat)
            tid = str(c["target"][i] or "")
            facts.targets.setdefault(tid, str(c["target_name"][i] or tid or "(no target)"))
            facts.by_target[tid][cat] += 1
            who = " ".join(str(c["speaker_name"][i] or c["speaker"][i] or "").split())
            facts.by_speaker[tid][who or "(no speaker)"][cat] += 1
            split_counts[cat] += 1
            if c["source"][i]:
                facts.outlets[f"{c['quote_id'][i]}|{tid}"] = str(c["source"][i])
        facts.by_split[split] = split_counts
        parents, v = _votes_of(tbl)
        for k, row in enumerate(parents):
            if c["propagated_from"][row]:
                continue  # a copy of the representative quote's votes
            who = str(v["annotator"][k] or "(unknown)")
            if v["skipped"][k] or not isinstance(v["stance"][k], int) or v["stance"][k] < 0:
                facts.skips[who] += 1
            else:
                facts.votes[who] += 1
            lead = v["lead_time"][k]
            key = (str(c["quote_id"][row]), who)
            if isinstance(lead, (int, float)) and math.isfinite(lead) and key not in lead_seen:
                lead_seen.add(key)  # one annotation, one time: not once per target
                facts.leads[who].append(float(lead))
    return facts


def _label_colors(labels: Sequence[str], export_dir: Path) -> dict[str, str]:
    custom: dict[str, str] = {}
    cfg = export_dir / "stance.yaml"
    if cfg.exists():
        try:
            from .schema import load_schema

            for label in load_schema(cfg).labels:
                if label.color and _COLOR.fullmatch(label.color):
                    custom[label.value] = label.color
        except Exception:  # noqa: BLE001 - colours are cosmetic; the report must not fail
            custom = {}
    out: dict[str, str] = {}
    free = [c for c in PALETTE if c not in {NAMED.get(x.upper()) for x in labels}]
    for lab in labels:
        out[lab] = custom.get(lab) or NAMED.get(lab.upper()) or (free.pop(0) if free else "#444444")
    return {**out, **SPECIAL}


# ---------------------------------------------------------------------------------- page

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 margin:0 auto;padding:24px 28px 60px;color:#1d1d1f;max-width:1040px;background:#fff}
h1{font-size:26px;margin:0 0 4px} h2{margin:36px 0 10px;padding-bottom:4px;
 border-bottom:2px solid #e4e4e4;font-size:21px} h3{font-size:16px;margin:22px 0 6px}
.sub{color:#666;margin:0 0 16px} nav a{margin-right:14px;color:#0063a0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:14px 0}
.card{background:#f6f7f9;border-radius:8px;padding:10px 12px}
.card b{display:block;font-size:22px} .card span{color:#555;font-size:13px}
table{border-collapse:collapse;margin:8px 0 14px;font-size:14px}
td,th{padding:4px 12px 4px 0;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;padding-left:12px} th{border-bottom:1px solid #bbb}
figure{margin:10px 0 18px} figcaption{font-weight:600;margin-bottom:4px}
.note{color:#666;font-size:13px;margin:4px 0} .warn{background:#fff4e5;padding:8px 12px;border-radius:6px}
.fig{font-size:19px} details{margin:8px 0} summary{cursor:pointer;color:#0063a0}
svg.chart{display:block;max-width:100%;height:auto}
svg.chart text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;fill:#333}
svg.chart text.tick{fill:#777;font-size:11px}
svg.chart text.empty{fill:#999;font-style:italic} svg.chart text.total{fill:#555}
svg.chart .grid{stroke:#ececec} svg.chart .axis{stroke:#999}
svg.chart .ref{stroke:#999;stroke-dasharray:4 3} svg.chart .ci{stroke:#444;stroke-width:1.5}
"""


def _card(value: Any, label: str) -> str:
    return f'<div class="card"><b>{esc(_fmt(value))}</b><span>{esc(label)}</span></div>'


def _figure(caption: str, svg: str, note: str = "") -> str:
    return (f"<figure><figcaption>{esc(caption)}</figcaption>{svg}"
            + (f'<p class="note">{esc(note)}</p>' if note else "") + "</figure>")


def _alpha_row(label: str, a: Any, strong: bool = False) -> AlphaRow:
    d = _dict(a)
    items = d.get("items")
    return AlphaRow(label, _num(d.get("alpha")), _num(d.get("low")), _num(d.get("high")),
                    items if isinstance(items, int) and not isinstance(items, bool) else None, strong)


def _alpha_table(rows: Sequence[tuple[str, AlphaRow]]) -> str:
    body = "".join(
        f"<tr><td>{esc(kind)}</td><td>{esc(r.label)}</td><td class='n'>{_fmt(r.alpha)}</td>"
        f"<td class='n'>{_fmt(r.low)} to {_fmt(r.high)}</td><td class='n'>{_fmt(r.items)}</td></tr>"
        for kind, r in rows)
    return ("<table><tr><th>by</th><th>group</th><th class='n'>alpha</th>"
            f"<th class='n'>95 % CI</th><th class='n'>items</th></tr>{body}</table>")


def _annotator_rows(facts: Facts, agree: Mapping[str, Any]) -> list[dict[str, Any]]:
    """stats.json's per-annotator figures, completed from the dataset's votes."""
    from_stats = {str(a.get("annotator")): a for a in _list(agree.get("annotators"))
                  if isinstance(a, dict) and a.get("annotator") is not None}
    names = sorted(set(from_stats) | set(facts.votes) | set(facts.skips) | set(facts.leads))
    out = []
    for name in names:
        s = from_stats.get(name, {})
        votes = s.get("votes", facts.votes.get(name, 0))
        skipped = s.get("skipped", facts.skips.get(name, 0))
        total = (votes if isinstance(votes, int) else 0) + (skipped if isinstance(skipped, int) else 0)
        leads = facts.leads.get(name) or []
        out.append({
            "annotator": name,
            "votes": votes,
            "skipped": skipped,
            "skip_rate": s.get("skip_rate", skipped / total if total and isinstance(skipped, int)
                               else None),
            "median_lead_time": statistics.median(leads) if leads else _num(s.get("median_lead_time")),
            "agreement_with_majority": s.get("agreement_with_majority"),
            "compared_with_majority": s.get("compared_with_majority"),
            "gold_accuracy": s.get("gold_accuracy"),
            "gold_items": s.get("gold_items"),
        })
    return out


def render(export_dir: str | Path) -> str:
    """The report page of an export folder, as HTML text."""
    src = Path(export_dir)
    if not (src / "dataset_dict.json").exists():
        raise InputError(f"{src}: not an export folder (no dataset_dict.json; run `labeling pull` "
                         "first)")
    import datasets

    try:
        dd = datasets.load_from_disk(str(src))
    except (OSError, ValueError) as exc:
        raise InputError(f"{src}: cannot read the dataset: {exc}") from exc
    if not isinstance(dd, Mapping):
        dd = {"train": dd}
    problems: list[str] = []
    try:
        stats_raw: Any = json.loads((src / "stats.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        stats_raw, problems = {}, ["stats.json is missing: agreement figures are not available."]
    except (OSError, ValueError) as exc:
        stats_raw, problems = {}, [f"stats.json cannot be read ({exc}): agreement figures are "
                                   "not available."]
    stats = _dict(stats_raw)
    facts = collect(dd)
    colors = _label_colors(facts.labels, src)
    counts = _dict(stats.get("counts"))
    agree = _dict(stats.get("agreement"))
    if stats and not agree:
        problems.append("stats.json has no agreement figures.")
    proj = _dict(stats.get("project"))
    title = str(proj.get("title") or src.name)
    cats = facts.cats

    # splits
    order: list[str] = [s for s in ("train", "validation", "test") if s in facts.split_rows]
    order += [s for s in facts.split_rows if s not in order]
    split_table = "".join(
        f"<tr><td>{esc(s)}</td><td class='n'>{facts.split_rows[s]}</td>"
        f"<td class='n'>{facts.split_quotes[s]}</td><td class='n'>{facts.split_articles[s]}</td>"
        + "".join(f"<td class='n'>{facts.by_split[s].get(c, 0)}</td>" for c in cats) + "</tr>"
        for s in order)
    split_head = "".join(f"<th class='n'>{esc(c)}</th>" for c in cats)
    split_chart = stacked_bars("chart-splits", "splits", "Rows per split, by aggregated stance",
                               [(s, facts.by_split[s]) for s in order], cats, colors)

    # labels
    tids = list(facts.targets)
    target_chart = stacked_bars(
        "chart-targets", "targets", "Aggregated stance per target",
        [(facts.targets[t], facts.by_target[t]) for t in tids], cats, colors)
    speaker_figs = []
    for i, t in enumerate(tids):
        speakers = facts.by_speaker[t]
        top = sorted(speakers.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:TOP_SPEAKERS]
        name = facts.targets[t]
        speaker_figs.append(_figure(
            f"{name}: stance per speaker (top {len(top)} of {len(speakers)} by rows)",
            stacked_bars(f"chart-speakers-{i}", "speakers", f"Stance per speaker: {name}",
                         top, cats, colors, extra=f' data-target="{esc(t)}"')))

    # agreement
    overall = _alpha_row("all targets", agree.get("alpha"), strong=True)
    by_group = _dict(agree.get("alpha_by_group"))
    target_rows = [overall] + [_alpha_row(facts.targets.get(g, g), a) for g, a in by_group.items()]
    by_outlet = _dict(agree.get("alpha_by_outlet"))
    outlet_all = [_alpha_row(o, a) for o, a in by_outlet.items()]
    outlet_rows = sorted(outlet_all, key=lambda r: (-(r.items or 0), r.label))[:TOP_OUTLETS]
    kappa = _dict(agree.get("cohen_kappa"))
    k_names = [str(x) for x in _list(kappa.get("annotators"))]
    k_matrix = _list(kappa.get("matrix"))
    fleiss = _num(agree.get("fleiss_kappa"))
    alpha_note = ("Dot: Krippendorff's alpha (nominal); line: 95 % percentile bootstrap interval "
                  "over items; dashed: 0.667 and 0.8, Krippendorff's thresholds for tentative and "
                  "reliable conclusions. Red dots are below 0.667.")

    # annotators
    ann_rows = _annotator_rows(facts, agree)
    ann_table = "".join(
        f"<tr><td>{esc(a['annotator'])}</td><td class='n'>{_fmt(a['votes'])}</td>"
        f"<td class='n'>{_fmt(a['skipped'])}</td><td class='n'>{_fmt(_num(a['skip_rate']), 2)}</td>"
        f"<td class='n'>{_fmt(a['median_lead_time'], 1)}</td>"
        f"<td class='n'>{_fmt(_num(a['agreement_with_majority']), 2)}</td>"
        f"<td class='n'>{_fmt(a['compared_with_majority'])}</td>"
        f"<td class='n'>{_fmt(_num(a['gold_accuracy']), 2)}</td></tr>"
        for a in ann_rows)
    speed = [(a["annotator"], float(a["median_lead_time"])) for a in ann_rows
             if a["median_lead_time"] is not None]
    all_leads = [x for v in facts.leads.values() for x in v]

    def count(key: str, fallback: Any = None) -> Any:
        v = counts.get(key)
        return v if isinstance(v, int) and not isinstance(v, bool) else fallback

    labelled = sum(n for t in facts.by_target.values() for c, n in t.items() if c in facts.labels)
    cards = "".join([
        _card(facts.rows, "rows (quote x target)"),
        _card(len(facts.quotes), "quotes"),
        _card(len(facts.articles), "articles"),
        _card(len(tids), "targets"),
        _card(count("annotations"), "annotations"),
        _card(count("skipped_annotations"), "skipped annotations"),
        _card(labelled, "rows with a label"),
        _card(sum(t[TIE] for t in facts.by_target.values()), "tied rows"),
        _card(sum(t[NO_VOTE] for t in facts.by_target.values()), "rows without votes"),
        _card(stats.get("adjudicated_rows") if isinstance(stats.get("adjudicated_rows"), int)
              else None, "adjudicated rows"),
        _card(len(ann_rows), "annotators"),
    ])
    warn = "".join(f'<p class="warn">{esc(p)}</p>' for p in problems)
    tool = str(stats.get("tool") or "stance-labeling")
    aggregation = str(stats.get("aggregation") or "n/a")

    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stance labelling report: {esc(title)}</title>
<style>{CSS}</style></head><body>
<h1>Stance labelling report: {esc(title)}</h1>
<p class="sub">Export <code>{esc(src.resolve().name)}</code>, made by {esc(tool)};
aggregation: {esc(aggregation)}. Labels: {esc(", ".join(facts.labels))}.</p>
<nav><a href="#splits">Splits</a><a href="#labels">Labels</a><a href="#agreement">Agreement</a>
<a href="#annotators">Annotators</a></nav>
{warn}
<div class="cards">{cards}</div>

<h2 id="splits">Splits</h2>
<table><tr><th>split</th><th class='n'>rows</th><th class='n'>quotes</th><th class='n'>articles</th>
{split_head}</tr>{split_table}</table>
{_figure("Rows per split, by aggregated stance", split_chart)}

<h2 id="labels">Labels</h2>
<p class="note">Aggregated stance of each quote x target row. "{TIE}": the votes tied (no
majority); "{NO_VOTE}": nobody labelled the row yet (or everyone skipped it).</p>
{_figure("Aggregated stance per target", target_chart)}
{"".join(speaker_figs)}

<h2 id="agreement">Agreement</h2>
<p class="fig">Krippendorff's alpha (nominal), all targets: <b id="alpha">{_fmt(overall.alpha)}</b>
(95 % CI {_fmt(overall.low)} to {_fmt(overall.high)}, {_fmt(overall.items)} items with two or
more votes). Fleiss' kappa on the fully overlapped items: <b id="fleiss">{_fmt(fleiss)}</b>.</p>
{_figure("Krippendorff's alpha per target", forest("chart-alpha-targets", "alpha-targets",
                                                    "Krippendorff's alpha per target", target_rows),
         alpha_note)}
{_figure(f"Krippendorff's alpha per outlet (top {len(outlet_rows)} of {len(outlet_all)} by items)",
         forest("chart-alpha-outlets", "alpha-outlets", "Krippendorff's alpha per outlet",
                outlet_rows))}
<details><summary>All agreement figures as a table</summary>
{_alpha_table([("overall", overall)] + [("target", r) for r in target_rows[1:]]
              + [("outlet", r) for r in sorted(outlet_all, key=lambda r: r.label)])}
</details>
{_figure("Cohen's kappa, annotator x annotator", heatmap(
    "chart-kappa", "Cohen's kappa, annotator x annotator", k_names, k_matrix),
    "On the items both annotators labelled (skips left out); n/a: fewer than two shared items "
    "or no variation. Blue: agreement above chance, orange: below.")}

<h2 id="annotators">Annotators</h2>
<table><tr><th>annotator</th><th class='n'>votes</th><th class='n'>skipped</th>
<th class='n'>skip rate</th><th class='n'>median s/item</th>
<th class='n'>agreement with others' majority</th><th class='n'>compared</th>
<th class='n'>gold accuracy</th></tr>{ann_table}</table>
<p class="note">Votes and skips are per quote x target; agreement with the majority of the
<em>other</em> annotators' labels, on items where they have one ("compared").</p>
{_figure("Median seconds per item, per annotator",
         value_bars("chart-speed", "speed", "Median seconds per item, per annotator", speed, " s"))}
{_figure("Seconds per item, all annotators", histogram(
    "chart-leadtime", "Seconds per item, all annotators", all_leads),
    "Time from opening the task to submitting it, once per annotation. "
    "Light bar: the slowest 5 % and beyond, when they would stretch the scale.")}
<p class="note">Made by stance-labeling from {esc(src.resolve().name)}; self-contained, no
network access needed.</p>
</body></html>
"""


def write_report(export_dir: str | Path, out: str | Path) -> Path:
    """Write the report atomically (temporary sibling, then rename); returns its path."""
    page = render(export_dir)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
