"""``labeling report``: the HTML page of an export built here (no server needed).

The export is a DatasetDict with the real export features and a stats.json from the real
``labeling.annotations.agreement.summary``; the page is read back with an HTML parser and every chart
checked against the rows it was made from.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from labeling.annotations.agreement import Vote, summary
from labeling.cli import main
from labeling.dataset.build import features
from labeling.report import render, write_report
from labeling.schema import StanceSchema, parse_schema

from .helpers import REPO

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
OUTLET = 'Le <Monde> & "Co"'
TARGET_NAME = "Aid & <u>arms</u>"
LABELS = ["FAVOR", "AGAINST", "NONE"]
ANNOTATORS = ["ann-a", "ann-b", IMG]
SPLIT_OF = {**{i: "train" for i in range(1, 15)}, **{i: "validation" for i in range(15, 18)},
            **{i: "test" for i in range(18, 21)}}
CHARTS = ["chart-splits", "chart-targets", "chart-speakers-0", "chart-speakers-1",
          "chart-alpha-targets", "chart-alpha-outlets", "chart-kappa", "chart-speed",
          "chart-leadtime"]


def schema() -> StanceSchema:
    return parse_schema({
        "title": "Report test",
        "targets": [{"id": "ground_troops", "name": "Western ground troops"},
                    {"id": "military_aid", "name": TARGET_NAME}],
        "labels": [{"value": x} for x in LABELS],
        "annotators_per_item": 3,
    })


def speaker_of(i: int) -> str:
    return "Emmanuel Macron" if i <= 4 else SCRIPT if i <= 6 else f"Speaker {i:02d}"


# ground_troops votes per quote (ann-a, ann-b, IMG); None = skipped
TROOPS: dict[int, tuple[str | None, ...]] = {
    1: ("FAVOR", "FAVOR", "FAVOR"), 2: ("FAVOR", "FAVOR", "AGAINST"),
    3: ("FAVOR", "AGAINST", "NONE"), 4: ("AGAINST", "AGAINST", "FAVOR"),
    5: ("AGAINST", "AGAINST", "AGAINST"), 6: ("NONE", "NONE", "AGAINST"),
    7: ("FAVOR", "NONE", "NONE"), 8: ("AGAINST", "FAVOR", "AGAINST"),
    9: ("NONE", "NONE", "NONE"), 10: ("FAVOR", "AGAINST", None),
    11: ("FAVOR", "FAVOR", "NONE"), 12: ("AGAINST", "AGAINST", "AGAINST"),
    13: ("NONE", "AGAINST", "NONE"), 14: ("FAVOR", "FAVOR", "FAVOR"),
    15: ("AGAINST", "NONE", "AGAINST"), 16: ("FAVOR", "AGAINST", "FAVOR"),
    17: ("NONE", "NONE", "FAVOR"), 18: ("AGAINST", "AGAINST", "NONE"),
    19: ("FAVOR", "FAVOR", "AGAINST"), 20: ("NONE", "FAVOR", "NONE"),
}


def lead(i: int, k: int) -> float:
    if (i, k) == (20, 1):
        return 3600.0  # left the tab open: the long tail
    return [3.0 + i % 7, 8.0 + i % 5, 15.0][k]


def majority(votes: tuple[str | None, ...]) -> tuple[int, bool]:
    got = Counter(v for v in votes if v is not None).most_common()
    if not got:
        return -1, False
    if len(got) > 1 and got[0][1] == got[1][1]:
        return -1, True
    return LABELS.index(got[0][0]), False


def make_rows(sch: StanceSchema) -> list[tuple[str, dict[str, Any]]]:
    """(split, row) for 20 quotes x 2 targets, plus a propagated copy of q1."""
    feats = features(sch)
    vote_keys = list(feats["votes"].feature.keys()) if hasattr(feats["votes"], "feature") else []
    out = []

    def row(i: int, target: str, votes: tuple[str | None, ...], qid: str,
            propagated: str | None) -> dict[str, Any]:
        stance, tie = majority(votes)
        structs: list[dict[str, Any]] = [
            {**dict.fromkeys(vote_keys), "annotator": ANNOTATORS[k], "skipped": lab is None,
             "stance": -1 if lab is None else LABELS.index(lab), "lead_time": lead(i, k),
             "flags": [], "quote_spans": [], "spans": []}
            for k, lab in enumerate(votes)]
        return {**dict.fromkeys(feats), "quote_id": qid, "article_id": f"a{i}", "target": target,
                "target_name": sch.target(target).name, "title": f"Article {i}",
                "source": OUTLET if i % 2 else "Wire", "url": f"https://example.org/{i}",
                "quote": f"quote {i}", "quote_type": 0, "speaker": speaker_of(i),
                "speaker_name": speaker_of(i), "stance": stance, "stance_tie": tie,
                "stance_before_adjudication": stance, "n_votes": sum(v is not None for v in votes),
                "votes": structs, "soft_label": [], "quote_parts": [], "adjudicated": False,
                "aggregation": "majority", "near_dup_cluster": f"c{i}",
                "propagated_from": propagated, "task_id": i}

    for i in range(1, 21):
        aid: tuple[str | None, ...] = ("NONE", "NONE", "NONE") if i <= 5 else ()
        out.append((SPLIT_OF[i], row(i, "ground_troops", TROOPS[i], f"q{i}", None)))
        out.append((SPLIT_OF[i], row(i, "military_aid", aid, f"q{i}", None)))
    # a near-duplicate of q1 elsewhere, labelled by propagation: a row, but no new votes
    out.append(("train", row(1, "ground_troops", TROOPS[1], "q21", "q1")))
    return out


def votes_for_stats() -> list[Vote]:
    out = []
    for i, labs in TROOPS.items():
        for k, lab in enumerate(labs):
            out.append(Vote(f"q{i}|ground_troops", ANNOTATORS[k], lab, lead(i, k), "ground_troops"))
            if i <= 5:
                out.append(Vote(f"q{i}|military_aid", ANNOTATORS[k], "NONE", lead(i, k),
                                "military_aid"))
    return out


def build_export(folder: Path, *, stats: dict[str, Any] | None | str = "summary") -> list[dict[str, Any]]:
    import datasets as ds

    ds.disable_progress_bars()
    sch = schema()
    rows = make_rows(sch)
    by_split: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for split, r in rows:
        by_split[split].append(r)
    dd = ds.DatasetDict({s: ds.Dataset.from_list(rs, features=features(sch))
                         for s, rs in by_split.items()})
    dd.save_to_disk(str(folder))
    if stats == "summary":
        outlets = {f"{r['quote_id']}|{r['target']}": r["source"] for _, r in rows}
        agreement = summary(votes_for_stats(), LABELS, groups={t.id: t.id for t in sch.targets},
                            outlets=outlets, n_boot=200)
        stats = {"tool": "stance-labeling test", "project": {"id": 1, "title": f"Report {SCRIPT}"},
                 "counts": {"tasks": 20, "rows": len(rows), "annotations": 60,
                            "skipped_annotations": 1, "per_split": {s: len(v) for s, v in by_split.items()}},
                 "aggregation": "majority", "adjudicated_rows": 0, "agreement": agreement}
    if stats is not None:
        (folder / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
    return [r for _, r in rows]


class Page(HTMLParser):
    """Tags, the chart each element sits in, and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.charts: list[dict[str, str]] = []
        self.elements: list[tuple[str, str, dict[str, str]]] = []  # (chart id, tag, attrs)
        self.urls: list[str] = []
        self._chart: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags[tag] += 1
        self.urls += [v for k, v in a.items() if k in ("src", "href", "xlink:href", "action")]
        if tag == "svg":
            self.charts.append(a)
            self._chart = a.get("id", "")
        elif self._chart is not None:
            self.elements.append((self._chart, tag, a))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._chart = None

    def of(self, chart: str, cls: str) -> list[dict[str, str]]:
        return [a for c, _, a in self.elements if c == chart and a.get("class") == cls]

    def bars(self, chart: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for a in self.of(chart, "seg"):
            out[a["data-row"]][a["data-label"]] = int(a["data-count"])
        return dict(out)


def parse(page: str) -> Page:
    p = Page()
    p.feed(page)
    p.close()
    return p


def category(r: dict[str, Any]) -> str:
    return LABELS[r["stance"]] if r["stance"] >= 0 else "tie" if r["stance_tie"] else "no vote"


def test_report_charts_counts_escaping(tmp_path: Path) -> None:
    export = tmp_path / "export"
    rows = build_export(export)
    out = tmp_path / "site" / "report.html"
    r = CliRunner().invoke(main, ["report", str(export), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert str(out) in r.output
    page = out.read_text(encoding="utf-8")
    p = parse(page)

    # one SVG per chart, nothing else drawn
    assert [c["id"] for c in p.charts] == CHARTS
    assert page.count("<svg") == len(CHARTS)

    # stance per target: exactly the rows' categories
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        expected[row["target_name"]][category(row)] += 1
    assert p.bars("chart-targets") == {t: dict(c) for t, c in expected.items()}
    assert p.bars("chart-targets")[TARGET_NAME] == {"NONE": 5, "no vote": 15}

    # per speaker: top 15 of 16 speakers; the hostile name is data, unescaped by the parser
    troops = p.bars("chart-speakers-0")
    assert len(troops) == 15 and "Speaker 20" not in troops
    assert troops["Emmanuel Macron"] == {"FAVOR": 3, "tie": 1, "AGAINST": 1}  # q1, its copy q21
    assert troops[SCRIPT] == {"AGAINST": 1, "NONE": 1}
    assert p.charts[3]["data-target"] == "military_aid"

    # per split: rows, and the table's figures
    splits = {s: sum(c.values()) for s, c in p.bars("chart-splits").items()}
    assert splits == {"train": 29, "validation": 6, "test": 6}

    # kappa heatmap: 3 x 3 cells, values from stats.json
    stats = json.loads((export / "stats.json").read_text())
    kappa = stats["agreement"]["cohen_kappa"]
    cells = p.of("chart-kappa", "cell")
    assert len(cells) == 9
    for c in cells:
        i, j = kappa["annotators"].index(c["data-a"]), kappa["annotators"].index(c["data-b"])
        v = kappa["matrix"][i][j]
        assert c["data-kappa"] == ("n/a" if v is None else f"{v:.4f}")

    # alpha per target and per outlet, with their intervals
    pts = {a["data-row"]: a for a in p.of("chart-alpha-targets", "pt")}
    assert set(pts) == {"all targets", "Western ground troops", TARGET_NAME}
    g = stats["agreement"]["alpha_by_group"]["ground_troops"]
    assert pts["Western ground troops"]["data-alpha"] == f"{g['alpha']:.4f}"
    assert pts["Western ground troops"]["data-low"] == f"{g['low']:.4f}"
    assert {a["data-row"] for a in p.of("chart-alpha-outlets", "pt")} == {OUTLET, "Wire"}

    # speed: median seconds per annotation (not per target row, not the propagated copy)
    speed = {a["data-row"]: float(a["data-value"]) for a in p.of("chart-speed", "bar")}
    assert speed == {ANNOTATORS[k]: statistics.median(lead(i, k) for i in range(1, 21))
                     for k in range(3)}
    bins = p.of("chart-leadtime", "bin")
    assert sum(int(b["data-count"]) for b in bins) == 60
    assert bins[-1]["data-hi"] == "inf" and bins[-1]["data-count"] == "1"  # the 3600 s outlier

    # hostile names are text, never markup
    for hostile in (SCRIPT, IMG, OUTLET, TARGET_NAME):
        assert hostile not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert set(p.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p",
                           "b", "em", "code", "nav", "a", "div", "span", "table", "tr", "th", "td",
                           "figure", "figcaption", "details", "summary", "svg", "text", "rect",
                           "line", "circle"}
    assert p.tags["title"] >= 1 and "<title>Stance labelling report: Report &lt;script&gt;" in page

    # offline: no URL leaves the page (not even the articles')
    assert "http" not in page and "//" not in "".join(p.urls)
    assert all(u.startswith("#") for u in p.urls)
    assert not re.search(r"url\(|@import", page)

    if Path("/usr/bin/chromium").exists():
        shot = REPO / "artifacts" / "report.png"
        shot.parent.mkdir(exist_ok=True)
        subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--no-first-run", "--hide-scrollbars",
                        f"--user-data-dir={tmp_path / 'chrome'}", "--window-size=1100,4200",
                        f"--screenshot={shot}", out.as_uri()],
                       check=True, capture_output=True, timeout=120)
        assert shot.stat().st_size > 10_000


def test_report_without_agreement_figures(tmp_path: Path) -> None:
    """No stats.json, or a malformed one: the charts from the data still come out, and the
    annotator figures come from the votes."""
    export = tmp_path / "export"
    build_export(export, stats=None)
    page = render(export)
    p = parse(page)
    assert [c["id"] for c in p.charts] == CHARTS
    assert "stats.json is missing" in page
    assert len(p.of("chart-kappa", "cell")) == 0
    assert {a["data-alpha"] for a in p.of("chart-alpha-targets", "pt")} == {"n/a"}
    # votes and skips per annotator from the dataset: 20 troops + 5 aid, IMG skipped q10
    table = re.findall(r"<tr><td>([^<]*)</td><td class='n'>(\d+)</td><td class='n'>(\d+)</td>", page)
    assert {(n, int(v), int(s)) for n, v, s in table if n.startswith(("ann", "&quot;"))} == {
        ("ann-a", 25, 0), ("ann-b", 25, 0), ("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;", 24, 1)}

    bad = {"agreement": {"alpha": "high", "alpha_by_group": [1, 2],
                         "cohen_kappa": {"annotators": ["x", "y"], "matrix": [[1.0, "nan"], None]},
                         "annotators": [{"annotator": "x", "votes": "many"}, 3]},
           "counts": None, "project": "p"}
    (export / "stats.json").write_text(json.dumps(bad))
    p = parse(render(export))
    assert [c["id"] for c in p.charts] == CHARTS
    assert [c["data-kappa"] for c in p.of("chart-kappa", "cell")] == ["1.0000", "n/a", "n/a", "n/a"]
    (export / "stats.json").write_text("{not json")
    assert "stats.json cannot be read" in render(export)


def test_report_written_atomically(tmp_path: Path) -> None:
    export = tmp_path / "export"
    build_export(export)
    out = tmp_path / "report.html"
    old = '<!doctype html><meta name="generator" content="stance-labeling"> old report'
    out.write_text(old)  # an earlier report of the tool's: replaced (another file would not be)
    assert write_report(export, out) == out
    assert out.read_text().startswith("<!doctype html>")
    assert sorted(x.name for x in tmp_path.iterdir()) == ["export", "report.html"]
    # not an export: an error naming the folder, and the old report left as it was
    out.write_text(old)
    r = CliRunner().invoke(main, ["report", str(tmp_path), "-o", str(out)])
    assert r.exit_code == 1 and "not an export folder" in r.output
    assert out.read_text() == old
    assert sorted(x.name for x in tmp_path.iterdir()) == ["export", "report.html"]
    shutil.rmtree(export)


@pytest.mark.parametrize("n", [0, 1])
def test_report_tiny_exports(tmp_path: Path, n: int) -> None:
    """A single row, or a single-row export with no votes at all, still renders."""
    import datasets as ds

    sch = schema()
    rows = [r for _, r in make_rows(sch)][:1]
    if n == 0:
        rows[0].update(votes=[], stance=-1, stance_tie=False)
    ds.DatasetDict({"train": ds.Dataset.from_list(rows, features=features(sch))}).save_to_disk(
        str(tmp_path / "e"))
    p = parse(render(tmp_path / "e"))
    assert [c["id"] for c in p.charts] == [c for c in CHARTS if c != "chart-speakers-1"]


def test_report_of_a_real_export(tmp_path: Path) -> None:
    """The export code's own output (and its stats.json) reads back into the same counts."""
    from labeling.annotations.records import ParsedAnnotation, TaskRecord
    from labeling.dataset.build import write_export

    def record(i: int, labs: list[str | None]) -> TaskRecord:
        text = f"Article {i}: “Troops are an option,” said {SCRIPT}."
        data = {"quote_id": f"q{i}", "article_id": f"a{i}", "context": text, "context_start": 0,
                "quote": "“Troops are an option,”", "quote_start": 11, "quote_end": 34,
                "quote_type": "direct", "speaker": SCRIPT, "speaker_name": SCRIPT, "source": OUTLET}
        anns = tuple(
            ParsedAnnotation(annotation_id=10 * i + k, annotator=k + 1, skipped=lab is None,
                             stances={} if lab is None else {"ground_troops": lab}, spans=(),
                             flags=(), confidence=None, note="", lead_time=2.0 + k + i,
                             updated_at="2026-01-01", ground_truth=False, suggestion_shown=True)
            for k, lab in enumerate(labs))
        return TaskRecord(task_id=i, data=data, annotations=anns, updated_at="2026-01-01")

    records = [record(1, ["FAVOR", "FAVOR", "FAVOR"]), record(2, ["FAVOR", "AGAINST", None]),
               record(3, ["AGAINST", "AGAINST", "NONE"]), record(4, ["NONE", "NONE", "FAVOR"])]
    export = tmp_path / "export"
    written = write_export(records, schema(), {"id": 1, "title": "Real"}, export)
    p = parse(render(export))
    per_label = written.stats["counts"]["per_label"]["ground_troops"]
    bars = p.bars("chart-targets")["Western ground troops"]
    assert {k: v for k, v in bars.items() if k in LABELS} == per_label
    assert bars["tie"] == written.stats["counts"]["rows_tied"] == 1
    assert len(p.of("chart-kappa", "cell")) == 9
    # one time per annotation (skips included), not one per target row
    assert sum(int(b["data-count"]) for b in p.of("chart-leadtime", "bin")) == 12
