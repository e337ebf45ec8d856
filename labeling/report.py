"""``labeling report``: one self-contained HTML page about an export, viewable offline.

Charts are inline SVG written here (no JavaScript, no network): stance distribution per
target, per speaker (the most frequent), the annotator x annotator Cohen's kappa matrix,
annotator speed, and the agreement figures from ``stats.json``. Every text from the data
is HTML-escaped.
"""

from __future__ import annotations

import html
import json
import os
import statistics
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from .errors import InputError

COLORS = ["#2e7d32", "#c62828", "#757575", "#1565c0", "#ef6c00", "#6a1b9a", "#00838f"]
TIE = "#bdbdbd"
e = html.escape


def _fmt(x: Any, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def stacked_bars(title: str, rows: list[tuple[str, list[int]]], names: list[str],
                 chart_id: str) -> str:
    """Horizontal stacked bars, one per row; counts in data attributes and labels."""
    width, left, bar_h, gap = 760, 230, 22, 8
    total_max = max((sum(c) for _, c in rows), default=0) or 1
    height = 40 + len(rows) * (bar_h + gap) + 30
    out = [f'<svg id="{chart_id}" class="chart" width="{width}" height="{height}" '
           f'role="img" aria-label="{e(title)}">', f'<title>{e(title)}</title>']
    y = 30
    for label, counts in rows:
        out.append(f'<text x="{left - 8}" y="{y + bar_h * 0.7:.0f}" text-anchor="end">'
                   f"{e(label[:34])}</text>")
        x = float(left)
        for i, n in enumerate(counts):
            w = (width - left - 60) * n / total_max
            color = COLORS[i % len(COLORS)] if i < len(names) - 1 or names[i] != "tie" else TIE
            if n:
                out.append(f'<rect class="bar" data-row="{e(label)}" data-label="{e(names[i])}" '
                           f'data-count="{n}" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                           f'height="{bar_h}" fill="{color}"><title>{e(names[i])}: {n}</title>'
                           "</rect>")
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + bar_h * 0.7:.0f}">{sum(counts)}</text>')
        y += bar_h + gap
    lx = left
    for i, name in enumerate(names):
        color = TIE if name == "tie" else COLORS[i % len(COLORS)]
        out.append(f'<rect x="{lx}" y="{y + 6}" width="12" height="12" fill="{color}"/>'
                   f'<text x="{lx + 16}" y="{y + 17}">{e(name)}</text>')
        lx += 110
    out.append("</svg>")
    return "\n".join(out)


def heatmap(title: str, names: list[str], matrix: list[list[float | None]], chart_id: str) -> str:
    cell, left, top = 54, 130, 110
    n = len(names)
    out = [f'<svg id="{chart_id}" class="chart" width="{left + cell * n + 20}" '
           f'height="{top + cell * n + 20}" role="img" aria-label="{e(title)}">',
           f"<title>{e(title)}</title>"]
    for i, name in enumerate(names):
        out.append(f'<text x="{left - 6}" y="{top + cell * i + cell / 2 + 4:.0f}" '
                   f'text-anchor="end">{e(name)}</text>')
        out.append(f'<text transform="translate({left + cell * i + cell / 2 + 4:.0f},{top - 6}) '
                   f'rotate(-45)">{e(name)}</text>')
        for j in range(n):
            v = matrix[i][j] if i < len(matrix) and j < len(matrix[i]) else None
            if v is None:
                fill, label = "#eeeeee", "n/a"
            else:
                # -1 .. 1 -> red .. white .. green
                t = max(-1.0, min(1.0, float(v)))
                r, g = (255, int(255 * (1 + t))) if t < 0 else (int(255 * (1 - t)), 255)
                b = int(255 * (1 - abs(t)))
                fill, label = f"rgb({r},{g},{b})", f"{v:.2f}"
            out.append(f'<rect class="cell" data-a="{e(names[i])}" data-b="{e(names[j])}" '
                       f'data-kappa="{label}" x="{left + cell * j}" y="{top + cell * i}" '
                       f'width="{cell - 2}" height="{cell - 2}" fill="{fill}"/>'
                       f'<text x="{left + cell * j + cell / 2 - 1:.0f}" '
                       f'y="{top + cell * i + cell / 2 + 4:.0f}" text-anchor="middle">{label}</text>')
    out.append("</svg>")
    return "\n".join(out)


def histogram(title: str, values: list[float], chart_id: str, bins: int = 12) -> str:
    width, height, left, bottom = 760, 220, 50, 30
    out = [f'<svg id="{chart_id}" class="chart" width="{width}" height="{height}" role="img" '
           f'aria-label="{e(title)}">', f"<title>{e(title)}</title>"]
    if values:
        hi = max(values) or 1.0
        counts = [0] * bins
        for v in values:
            counts[min(bins - 1, int(bins * v / hi)) if hi else 0] += 1
        top = max(counts) or 1
        bw = (width - left - 20) / bins
        for i, c in enumerate(counts):
            h = (height - bottom - 20) * c / top
            out.append(f'<rect class="bin" data-count="{c}" x="{left + i * bw:.1f}" '
                       f'y="{height - bottom - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" '
                       f'fill="{COLORS[3]}"><title>{c}</title></rect>')
        out.append(f'<text x="{left}" y="{height - 8}">0 s</text>'
                   f'<text x="{width - 20}" y="{height - 8}" text-anchor="end">{hi:.0f} s</text>')
    out.append("</svg>")
    return "\n".join(out)


def render(export_dir: str | Path) -> str:
    """The report page of an export folder, as HTML text."""
    import datasets

    src = Path(export_dir)
    try:
        dd = datasets.load_from_disk(str(src))
        stats = json.loads((src / "stats.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{src}: not an export folder (run `labeling pull` first)") from exc
    rows = [r for part in dd.values() for r in part]
    first = next(iter(dd.values()))
    names = list(first.features["stance"].names)
    by_target: dict[str, Counter[str]] = defaultdict(Counter)
    by_speaker: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    leads: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        lab = names[r["stance"]] if r["stance"] >= 0 else "tie" if r["stance_tie"] else None
        if lab is None:
            continue
        by_target[r["target_name"] or r["target"]][lab] += 1
        who = r.get("speaker_name") or r.get("speaker") or "(no speaker)"
        by_speaker[r["target_name"] or r["target"]][who][lab] += 1
        for v in r["votes"]:
            if v["lead_time"] is not None and not v["skipped"]:
                leads[v["annotator"]].append(float(v["lead_time"]))
    cols = names + ["tie"]
    parts = []
    parts.append(stacked_bars("Stance per target (aggregated)",
                              [(t, [c[n] for n in cols]) for t, c in sorted(by_target.items())],
                              cols, "chart-targets"))
    for i, (t, speakers) in enumerate(sorted(by_speaker.items())):
        top = sorted(speakers.items(), key=lambda kv: -sum(kv[1].values()))[:15]
        parts.append(f"<h3>{e(t)}: stance per speaker (top {len(top)})</h3>")
        parts.append(stacked_bars(f"Stance per speaker: {t}",
                                  [(s, [c[n] for n in cols]) for s, c in top], cols,
                                  f"chart-speakers-{i}"))
    agree = stats.get("agreement") or {}
    kappa = agree.get("cohen_kappa") or {}
    anns = [s for s in agree.get("annotators") or []]
    counts = stats.get("counts") or {}
    alpha = agree.get("alpha") or {}
    rows_html = "".join(
        f"<tr><td>{e(str(k))}</td><td>{_fmt(v.get('alpha'))}</td><td>{_fmt(v.get('low'))} to "
        f"{_fmt(v.get('high'))}</td><td>{v.get('items', '')}</td></tr>"
        for k, v in list((agree.get("alpha_by_group") or {}).items())
        + [(f"outlet: {k}", v) for k, v in (agree.get("alpha_by_outlet") or {}).items()])
    ann_rows = "".join(
        f"<tr><td>{e(a['annotator'])}</td><td>{a['votes']}</td><td>{a['skipped']}</td>"
        f"<td>{_fmt(a['skip_rate'], 2)}</td><td>{_fmt(a['median_lead_time'], 1)}</td>"
        f"<td>{_fmt(a['agreement_with_majority'], 2)}</td><td>{_fmt(a['gold_accuracy'], 2)}</td>"
        "</tr>" for a in anns)
    speed = [(a, statistics.median(v)) for a, v in sorted(leads.items())]
    speed_chart = stacked_bars("Median seconds per item, per annotator",
                               [(a, [round(m)]) for a, m in speed], ["median s"], "chart-speed")
    proj = stats.get("project") or {}
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Stance labelling report: {e(str(proj.get('title', '')))}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:24px;color:#212121;max-width:1000px}}
h1{{font-size:24px}} h2{{margin-top:32px;border-bottom:1px solid #ddd}}
table{{border-collapse:collapse}} td,th{{padding:4px 10px;border-bottom:1px solid #eee;
text-align:left}} .chart text{{font-size:12px;fill:#333}} .fig{{font-size:20px}}
</style></head><body>
<h1>Stance labelling report: {e(str(proj.get('title', '')))}</h1>
<p>{counts.get('rows', 0)} rows (quote x target) from {counts.get('tasks', 0)} tasks and
{counts.get('articles', 0)} articles; {counts.get('annotations', 0)} annotations
({counts.get('skipped_annotations', 0)} skipped); splits: {e(json.dumps(counts.get('per_split', {})))}.
Aggregation: {e(str(stats.get('aggregation')))}; adjudicated rows: {stats.get('adjudicated_rows', 0)}.</p>
<h2>Agreement</h2>
<p class="fig">Krippendorff's alpha (nominal): <b id="alpha">{_fmt(alpha.get('alpha'))}</b>
(95 % CI {_fmt(alpha.get('low'))} to {_fmt(alpha.get('high'))}, {alpha.get('items', 0)} items);
Fleiss' kappa on fully overlapped items: {_fmt(agree.get('fleiss_kappa'))}</p>
<table><tr><th>group</th><th>alpha</th><th>95 % CI</th><th>items</th></tr>{rows_html}</table>
<h3>Pairwise Cohen's kappa</h3>
{heatmap("Cohen's kappa, annotator x annotator", kappa.get('annotators') or [],
         kappa.get('matrix') or [], 'chart-kappa')}
<h2>Labels</h2>
{''.join(parts)}
<h2>Annotators</h2>
<table><tr><th>annotator</th><th>votes</th><th>skipped</th><th>skip rate</th>
<th>median s/item</th><th>agreement with others' majority</th><th>gold accuracy</th></tr>
{ann_rows}</table>
<h3>Speed</h3>
{speed_chart}
{histogram('Seconds per item (all annotators)', [x for v in leads.values() for x in v],
           'chart-leadtime')}
<p style="color:#777">Made by stance-labeling from {e(src.name)}.</p>
</body></html>
"""


def write_report(export_dir: str | Path, out: str | Path) -> Path:
    """Write the report atomically; returns its path."""
    page = render(export_dir)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
