"""The report's chart kit: inline SVG bar charts, heatmap, forest plot and histogram.

No JavaScript and nothing from the network; every element carries its numbers in
``data-*`` attributes so tests and scripts can read a page back. Text is HTML-escaped.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


