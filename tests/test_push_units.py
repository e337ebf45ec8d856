"""``labeling push`` from ``labeling segment`` output, from any folder, with ``--engine``.

Segmenting first and pushing the units gives the same tasks (data and predictions) as
pushing the articles; a units file is checked line by line against its article's text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from labeling.cli import main
from labeling.corpus.readers import read_articles
from labeling.errors import InputError

from .helpers import SEEDS, RunningStudio


def _run(args: list[str], env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, args, env=env)


def _tasks(studio_server: RunningStudio, title: str) -> dict[str, dict[str, Any]]:
    """quote id -> what a push decides of a task: its data and its predictions' results."""
    with studio_server.client() as client:
        pid = int(client.project(title)["id"])
        tasks = client.export_tasks(pid)
        preds = client.json("GET", "/api/predictions", params={"project": pid})
    by_task: dict[int, list[Any]] = {}
    for p in preds:
        by_task.setdefault(int(p["task"]), []).append((p["model_version"], p["result"]))
    return {t["data"]["quote_id"]: {"data": t["data"], "predictions": by_task[int(t["id"])]}
            for t in tasks}


def test_segment_then_push_equals_push_from_any_folder(
        studio_server: RunningStudio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        project_title: str) -> None:
    """From a folder with no configs/ (the shipped schema), the seeds pushed directly and
    segmented then pushed give the same tasks."""
    work = tmp_path / "elsewhere"
    work.mkdir()
    monkeypatch.chdir(work)
    env = studio_server.env()
    direct = _run(["push", str(SEEDS), "-p", project_title + " direct", "-q"], env)
    assert direct.exit_code == 0, direct.output
    seg = _run(["segment", str(SEEDS), "-o", "units.jsonl", "-q"])
    assert seg.exit_code == 0, seg.output
    units = _run(["push", "units.jsonl", "-p", project_title + " units", "-q"], env)
    assert units.exit_code == 0, units.output
    assert not (work / "configs").exists()

    a = _tasks(studio_server, project_title + " direct")
    b = _tasks(studio_server, project_title + " units")
    n = sum(len(json.loads(x)["quotes"]) for x in (work / "units.jsonl").read_text().splitlines())
    assert len(a) == n > 0
    assert a == b
    assert f"{n} quote units: {n} tasks created" in units.output
    # Pushing the articles into the units' project finds every unit already there.
    again = _run(["push", str(SEEDS), "-p", project_title + " units", "-q"], env)
    assert again.exit_code == 0 and f"0 tasks created, {n} already present" in again.output


def test_units_read_back_make_the_same_tasks(tmp_path: Path) -> None:
    """The task JSON (data and prediction) of every unit, from the articles and from their
    `labeling segment` output: identical (the fast twin of the server test above)."""
    from labeling.corpus.units import iter_units
    from labeling.schema import load_schema
    from labeling.studio.wire import task_json

    out = tmp_path / "units.jsonl"
    assert _run(["segment", str(SEEDS), "-o", str(out), "-q"]).exit_code == 0
    schema = load_schema()
    direct = [task_json(u, "v") for u in iter_units(read_articles([SEEDS]), schema)]
    arts = list(read_articles([out]))
    assert all(a.quotes for a in arts)
    again = [task_json(u, "v") for u in iter_units(arts, schema)]
    assert direct == again and len(direct) > 40
    # The units are the file's, not segmented again: an article read with none has none.
    from dataclasses import replace

    assert list(iter_units([replace(arts[0], quotes=())], schema)) == []


def _units_file(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    seg = _run(["segment", str(SEEDS / "000_6f25f9af672108dd.txt"), "-o",
                str(tmp_path / "u.jsonl"), "-q"])
    assert seg.exit_code == 0, seg.output
    rec = json.loads((tmp_path / "u.jsonl").read_text(encoding="utf-8"))
    assert rec["quotes"] and rec["segmenter"]["engine"] == "default"
    return tmp_path / "u.jsonl", [rec]


def _broken(rec: dict[str, Any], how: str) -> dict[str, Any]:
    bad: dict[str, Any] = json.loads(json.dumps(rec))
    q = bad["quotes"][1]
    if how == "text":
        q["text"] = q["text"] + "!"
    elif how == "range":
        q["end"] = len(bad["text"]) + 5
    elif how == "type":
        q["start"] = str(q["start"])
    elif how == "field":
        q["speeker"] = "x"
    elif how == "missing":
        del q["type"]
    elif how == "parts":
        q["parts"] = [[0, 1, 2]]
    elif how == "quotes":
        bad["quotes"] = {"0": q}
    elif how == "no text":
        del bad["text"]
    return bad


@pytest.mark.parametrize(("how", "why"), [
    ("text", r"quotes\[1\]: 'text' is not the article's text at"),
    ("range", r"quotes\[1\]: start/end .* outside the article's text"),
    ("type", r"quotes\[1\]: 'start' is not an integer offset"),
    ("field", r"quotes\[1\]: unknown field 'speeker'"),
    ("missing", r"quotes\[1\]: the 'type' field is missing"),
    ("parts", r"quotes\[1\]: 'parts' is not a list of \[start, end\] pairs"),
    ("quotes", r"'quotes' is not a list of quote units"),
    ("no text", r"quote units without their article's 'text'"),
])
def test_bad_unit_lines_are_named(tmp_path: Path, how: str, why: str) -> None:
    path, (rec,) = _units_file(tmp_path)
    other = {**rec, "doc_id": "second"}
    lines = [json.dumps(rec), json.dumps({**_broken(rec, how), "doc_id": "bad"}),
             json.dumps(other)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{path}:2: {why}"):
        list(read_articles([path]))
    skipped: list[InputError] = []
    kept = list(read_articles([path], skip_bad=True, on_bad=skipped.append))
    assert [a.id for a in kept] == [rec["doc_id"], "second"] and len(skipped) == 1
    # The CLI says the same, exits 1, and writes nothing (segment re-reads the same lines).
    r = _run(["segment", str(path), "-o", str(tmp_path / "again.jsonl")])
    assert r.exit_code == 1 and f"{path}:2: " in r.output
    assert not (tmp_path / "again.jsonl").exists()


def test_gold_files_with_quotes_stay_articles(tmp_path: Path) -> None:
    """Only our own records (with ``segmenter``) are units: other ``quotes`` are ignored."""
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"doc_id": "g", "text": '"No," he said.',
                                "quotes": [{"id": 1, "start": 0}]}) + "\n", encoding="utf-8")
    (art,) = read_articles([path])
    assert art.id == "g" and art.quotes is None


def test_push_checks_the_engine_before_the_server(tmp_path: Path) -> None:
    r = _run(["push", str(SEEDS), "-p", "x", "--engine", "fast"])
    assert r.exit_code == 2 and "'fast' is not one of 'default', 'parse'" in r.output
