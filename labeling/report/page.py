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
(``labeling.annotations.agreement.summary``), read defensively: a missing or malformed figure shows
as "n/a", never as an error. Votes of propagated near-duplicate rows are copies and are
not counted again; an annotation's time is counted once, not once per target.

Every text that comes from the data (quotes' speakers, outlets, names, annotators) is
HTML-escaped. Each chart element carries its numbers in ``data-*`` attributes, so tests
and scripts can read the page back. The file is written to a temporary sibling and
renamed into place.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from labeling.errors import InputError
from labeling.files import REPORT_SIGNATURES, atomic_file, check_file, claim, has_signature
from labeling.report.charts import (
    NO_VOTE,
    TIE,
    TOP_OUTLETS,
    TOP_SPEAKERS,
    AlphaRow,
    _dict,
    _fmt,
    _list,
    _num,
    esc,
    forest,
    heatmap,
    histogram,
    stacked_bars,
    value_bars,
)
from labeling.report.facts import Facts, _label_colors, collect

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
<meta name="generator" content="stance-labeling">
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
    """Write the report atomically (temporary sibling, then rename); returns its path.

    An existing ``out`` is replaced only if it is an earlier report of the tool; written
    into an export folder, the report is recorded in its marker (the next pull may
    replace it)."""
    out = Path(out)
    check_file(out, _is_report)  # before the page is built
    page = render(export_dir)
    with atomic_file(out, fsync=True, ours=_is_report) as fh:
        fh.write(page)
    claim(out)
    return out


def _is_report(path: Path) -> bool:
    return has_signature(path, *REPORT_SIGNATURES)
