"""The HTML report, built from an export written by the real export code (no server)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from click.testing import CliRunner

from labeling.cli import main
from labeling.export import write_export
from labeling.lsformat import ParsedAnnotation
from labeling.pull import TaskRecord
from labeling.schema import load_schema

from .conftest import CONFIG, REPO

HOSTILE = "<script>alert('x')</script> Smith"


def record(i: int, speaker: str, votes: list[str | None]) -> TaskRecord:
    text = f"Article {i}: “Troops are an option,” said {speaker}."
    data = {"quote_id": f"q{i}", "article_id": f"a{i}", "context": text, "context_start": 0,
            "quote": "“Troops are an option,”", "quote_start": 11, "quote_end": 34,
            "quote_type": "direct", "speaker": speaker, "speaker_name": speaker,
            "source": "Outlet" if i % 2 else "Other"}
    anns = tuple(
        ParsedAnnotation(annotation_id=10 * i + k, annotator=k + 1, skipped=lab is None,
                         stances={} if lab is None else {"ground_troops": lab},
                         spans=(), flags=(), confidence=None, note="", lead_time=2.0 + k + i,
                         updated_at="2026-01-01", ground_truth=False, suggestion_shown=True)
        for k, lab in enumerate(votes))
    return TaskRecord(task_id=i, data=data, annotations=anns, updated_at="2026-01-01")


def test_report_page(tmp_path: Path) -> None:
    schema = load_schema(CONFIG)
    records = [
        record(1, "Emmanuel Macron", ["FAVOR", "FAVOR", "FAVOR"]),
        record(2, "Emmanuel Macron", ["FAVOR", "AGAINST", None]),
        record(3, HOSTILE, ["AGAINST", "AGAINST", "NONE"]),
        record(4, "Olaf Scholz", ["AGAINST", "AGAINST", "AGAINST"]),
        record(5, "Olaf Scholz", ["NONE", "NONE", "FAVOR"]),
    ]
    out = tmp_path / "export"
    write_export(records, schema, {"id": 1, "title": "Report test", "created_at": "x"}, out)
    r = CliRunner().invoke(main, ["report", str(out)])
    assert r.exit_code == 0, r.output
    page = (out / "report.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert not re.search(r"(src|href)=\"https?://", page)
    bars = re.findall(r'<rect class="bar" data-row="([^"]*)" data-label="([^"]*)" '
                      r'data-count="(\d+)"', page)
    per_target = {lab: int(n) for row, lab, n in bars if row == "Western ground troops in Ukraine"}
    # q1 FAVOR, q2 tie, q3 AGAINST, q4 AGAINST, q5 NONE
    assert per_target == {"FAVOR": 1, "AGAINST": 2, "NONE": 1, "tie": 1}
    macron = {lab: int(n) for row, lab, n in bars if row == "Emmanuel Macron"}
    assert macron == {"FAVOR": 1, "tie": 1}
    assert page.count('class="cell"') == 9  # 3 x 3 kappa matrix
    assert 'id="chart-leadtime"' in page and 'id="chart-speed"' in page
    if Path("/usr/bin/chromium").exists():
        shot = REPO / "artifacts" / "report.png"
        shot.parent.mkdir(exist_ok=True)
        subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--no-first-run",
                        f"--user-data-dir={tmp_path / 'chrome'}", "--window-size=1100,2200",
                        f"--screenshot={shot}", (out / "report.html").as_uri()],
                       check=True, capture_output=True, timeout=120)
        assert shot.stat().st_size > 10_000
    shutil.rmtree(out)
