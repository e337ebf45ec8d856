"""Short texts as whole units (``push --units whole``) and per-record targets.

Readers and units are checked on their own; the push, the pull's rows, agreement and
status against a real Label Studio; the page (only the asked questions) in Chromium.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from labeling.cli import main
from labeling.corpus.readers import read_articles
from labeling.corpus.units import iter_units
from labeling.errors import InputError
from labeling.schema import load_schema
from labeling.studio import wire
from labeling.workflows.pull import pull
from labeling.workflows.push import push
from labeling.workflows.status import status

from .helpers import CONFIG, RunningStudio

TARGETS = ["ground_troops", "military_aid"]
RECORDS: list[dict[str, Any]] = [
    {"id": "tw-1", "text": "Send the troops now! #Ukraine", "author": "@hawk",
     "targets": ["ground_troops"]},
    {"id": "tw-2", "text": "More weapons, not soldiers.", "author": "@dove"},
    {"id": "tw-3", "text": "  Aid is theft. 💸\n", "targets": ["military_aid"]},
]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def _choice(target: str, label: str) -> dict[str, Any]:
    return {"from_name": f"stance_{target}", "to_name": "context", "type": "choices",
            "value": {"choices": [label]}}


# ----------------------------------------------------------------------------- readers, units
def test_targets_from_jsonl_csv_and_parquet(tmp_path: Path) -> None:
    jl = write_jsonl(tmp_path / "a.jsonl", RECORDS)
    csv = tmp_path / "b.csv"
    csv.write_text("id,text,author,targets\nc-1,Troops? Never.,@x,ground_troops; military_aid\n"
                   "c-2,No idea.,,\nc-3,Aid now.,,military_aid\n", encoding="utf-8")
    pqt = tmp_path / "c.parquet"
    pq.write_table(pa.table({"id": ["p-1", "p-2"], "text": ["Boots on the ground.", "Hm."],  # type: ignore[no-untyped-call]
                             "targets": [["ground_troops"], None]}), pqt)
    got = {a.id: a for a in read_articles([jl, csv, pqt], known_targets=TARGETS)}
    assert got["tw-1"].targets == ("ground_troops",) and got["tw-1"].author == "@hawk"
    assert got["tw-2"].targets is None
    assert got["c-1"].targets == ("ground_troops", "military_aid") and got["c-1"].author == "@x"
    assert got["c-2"].targets is None and got["c-3"].targets == ("military_aid",)
    assert got["p-1"].targets == ("ground_troops",) and got["p-2"].targets is None


@pytest.mark.parametrize(("row", "line", "why"), [
    ({"text": "x", "targets": ["ground_troops", "nato"]}, 2, "unknown target 'nato'"),
    ({"text": "x", "targets": "military_aid;troops"}, 2, "unknown target 'troops'"),
    ({"text": "x", "targets": []}, 2, "the 'targets' field is empty"),
    ({"text": "x", "targets": [1]}, 2, "must list target ids"),
    ({"text": "x", "targets": {"a": 1}}, 2, "must be a list of target ids"),
])
def test_bad_targets_name_file_line_and_id(tmp_path: Path, row: dict[str, Any], line: int,
                                           why: str) -> None:
    src = write_jsonl(tmp_path / "bad.jsonl", [{"text": "fine"}, row])
    with pytest.raises(InputError) as err:
        list(read_articles([src], known_targets=TARGETS))
    assert f"{src}:{line}: " in str(err.value) and why in str(err.value)


def test_whole_units_keep_the_record_text_id_and_author(tmp_path: Path) -> None:
    schema = load_schema(CONFIG)
    arts = list(read_articles([write_jsonl(tmp_path / "t.jsonl", RECORDS)]))
    units = list(iter_units(arts, schema, whole=True))
    assert len(units) == 3  # one per record, whatever punctuation the text holds
    u = units[2]
    assert u.quote.text == "Aid is theft. 💸" and u.context == "Aid is theft. 💸"
    assert arts[2].text[u.quote.start:u.quote.end] == u.quote.text
    data = wire.task_data(units[0])
    assert data["article_id"] == "tw-1" and data["quote"] == "Send the troops now! #Ukraine"
    assert data["speaker"] == "@hawk" and data["targets"] == ["ground_troops"]
    assert "targets" not in wire.task_data(units[1])  # every target asked
    again = list(iter_units(read_articles([tmp_path / "t.jsonl"]), schema, whole=True))
    assert [x.quote_id for x in again] == [x.quote_id for x in units]  # stable ids


def test_votes_only_for_the_asked_targets() -> None:
    from labeling.annotations.records import ParsedAnnotation, TaskRecord, votes_of

    def ann(aid: int, who: int, stances: dict[str, str], skipped: bool = False
            ) -> ParsedAnnotation:
        return ParsedAnnotation(aid, who, skipped, stances, (), (), None, "", 2.0, "", False,
                                False)

    schema = load_schema(CONFIG)
    recs = [TaskRecord(1, {"quote_id": "q1", "targets": ["ground_troops"]},
                       (ann(1, 7, {"ground_troops": "FAVOR", "military_aid": "AGAINST"}),
                        ann(2, 8, {}, skipped=True)), ""),
            TaskRecord(2, {"quote_id": "q2"}, (ann(3, 7, {"military_aid": "NONE"}),), "")]
    got = sorted((v.item, v.label or "skip") for v in votes_of(recs, schema, {"id": 1}))
    assert got == [("q1|ground_troops", "FAVOR"), ("q1|ground_troops", "skip"),
                   ("q2|military_aid", "NONE")]


# ----------------------------------------------------------------------------- server
@pytest.fixture(scope="module")
def pushed(studio_server: RunningStudio, tmp_path_factory: pytest.TempPathFactory
           ) -> dict[str, Any]:
    """Push three short texts (two with their own targets), annotate, pull."""
    tmp = tmp_path_factory.mktemp("short")
    src = write_jsonl(tmp / "tweets.jsonl", RECORDS)
    title = "short texts"
    env = studio_server.env()
    args = ["push", str(src), "--units", "whole", "--project", title, "--config", str(CONFIG),
            "-q"]
    first = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    client = studio_server.client()
    proj = client.project(title)
    tasks = {t["data"]["article_id"]: t for t in client.iter_tasks(int(proj["id"]),
                                                                    include="id,data")}
    alice = client.create_user("alice@short.test")
    bob = client.create_user("bob@short.test")
    # tw-1 asks ground_troops only: alice also answered military_aid (a hotkey on a hidden
    # question): that answer must count nowhere; bob skipped it.
    client.create_annotation(tasks["tw-1"]["id"], completed_by=alice["id"], lead_time=3.0,
                             result=[_choice("ground_troops", "FAVOR"),
                                     _choice("military_aid", "AGAINST")])
    client.create_annotation(tasks["tw-1"]["id"], completed_by=bob["id"], lead_time=1.0,
                             result=[], was_cancelled=True)
    client.create_annotation(tasks["tw-2"]["id"], completed_by=alice["id"], lead_time=5.0,
                             result=[_choice("ground_troops", "AGAINST"),
                                     _choice("military_aid", "FAVOR")])
    client.create_annotation(tasks["tw-3"]["id"], completed_by=alice["id"], lead_time=2.0,
                             result=[_choice("military_aid", "AGAINST")])
    schema = load_schema(CONFIG)
    out = tmp / "export"
    res = pull(project=title, schema=schema, studio=client, out=out)
    st = status(project=title, schema=schema, studio=client)
    return {"first": first, "second": second, "tasks": tasks, "client": client, "proj": proj,
            "out": out, "pull": res, "status": st}


def test_push_whole_makes_one_task_per_record_and_is_idempotent(pushed: dict[str, Any]) -> None:
    assert "3 units: 3 tasks created, 0 already present" in pushed["first"].output
    assert "3 units: 0 tasks created, 3 already present" in pushed["second"].output
    tasks = pushed["tasks"]
    assert sorted(tasks) == ["tw-1", "tw-2", "tw-3"]  # task data keeps the record's id
    d = tasks["tw-1"]["data"]
    assert d["quote"] == d["context"] == "Send the troops now! #Ukraine"
    assert d["speaker_line"] == "Speaker: @hawk" and d["targets"] == ["ground_troops"]
    assert tasks["tw-3"]["data"]["quote"] == "Aid is theft. 💸"
    # The prediction hides the targets a task does not ask.
    client = pushed["client"]
    preds = client.json("GET", "/api/predictions", params={"task": tasks["tw-1"]["id"]})
    hide = [r for r in preds[0]["result"] if r["from_name"] == wire.NOT_ASKED]
    assert hide and hide[0]["value"]["choices"] == ["military_aid"]
    preds = client.json("GET", "/api/predictions", params={"task": tasks["tw-2"]["id"]})
    assert not [r for r in preds[0]["result"] if r["from_name"] == wire.NOT_ASKED]


def test_pull_writes_rows_only_for_the_asked_targets(pushed: dict[str, Any]) -> None:
    rows = [r for part in datasets.load_from_disk(str(pushed["out"])).values() for r in part]
    got = sorted((r["article_id"], r["target"]) for r in rows)
    assert got == [("tw-1", "ground_troops"), ("tw-2", "ground_troops"),
                   ("tw-2", "military_aid"), ("tw-3", "military_aid")]
    by = {(r["article_id"], r["target"]): r for r in rows}
    tw1 = by[("tw-1", "ground_troops")]
    assert len(tw1["votes"]) == 2 and tw1["n_votes"] == 1 and tw1["stance"] == 0  # FAVOR
    assert tw1["speaker"] == "@hawk"
    stats = pushed["pull"].stats
    # alice's hidden military_aid answer on tw-1 and bob's skip count for nothing there.
    assert stats["counts"]["per_label"] == {"ground_troops": {"FAVOR": 1, "AGAINST": 1},
                                            "military_aid": {"FAVOR": 1, "AGAINST": 1}}
    assert stats["counts"]["rows"] == 4


def test_status_counts_only_the_items_that_ask_a_target(pushed: dict[str, Any]) -> None:
    st = pushed["status"]
    per = {t.target: t for t in st.targets}
    assert per["ground_troops"].items == 2 and per["military_aid"].items == 2
    assert per["military_aid"].labels == {"FAVOR": 1, "AGAINST": 1}


def test_unknown_target_stops_the_push_naming_file_line_and_id(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    src = write_jsonl(tmp_path / "bad.jsonl", [RECORDS[1], {"text": "x", "targets": ["nato"]}])
    res = CliRunner().invoke(main, ["push", str(src), "--units", "whole", "--project",
                                    project_title, "--config", str(CONFIG), "-q"],
                             env=studio_server.env())
    assert res.exit_code == 1
    assert f"Error: {src}:2: unknown target 'nato' in 'targets'" in res.output
    proj = studio_server.client().find_project(project_title)
    assert proj is None or not list(studio_server.client().iter_tasks(int(proj["id"])))


def test_a_project_made_before_per_item_targets_still_pushes(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    schema = load_schema(CONFIG)
    client = studio_server.client()
    from labeling.workflows.push import project_fields

    fields = project_fields(schema)
    fields["label_config"] = wire.label_config(schema, per_item_targets=False)
    client.create_project(title=project_title, **fields)
    plain = write_jsonl(tmp_path / "plain.jsonl", [RECORDS[1]])
    assert push([plain], project=project_title, schema=schema, studio=client,
                units="whole").created == 1
    asks = write_jsonl(tmp_path / "asks.jsonl", [RECORDS[0]])
    with pytest.raises(Exception, match="made before per-item targets: push with --update-config"):
        push([asks], project=project_title, schema=schema, studio=client, units="whole")
    assert push([asks], project=project_title, schema=schema, studio=client, units="whole",
                update_config=True).created == 1


# ----------------------------------------------------------------------------- browser
@pytest.mark.browser
def test_page_shows_only_the_asked_questions(browser: Any, studio_server: RunningStudio,
                                             tmp_path: Path, project_title: str) -> None:
    from labeling.studio.accounts import add_annotator

    from .helpers import ARTIFACTS, login, open_next_task, stance_block, submit

    schema = load_schema(CONFIG)
    client = studio_server.client()
    src = write_jsonl(tmp_path / "t.jsonl", [
        {"id": "only-aid", "text": "Aid is theft.", "author": "@x", "targets": ["military_aid"]},
        {"id": "both", "text": "More weapons, not soldiers.", "author": "@y"}])
    res = push([src], project=project_title, schema=schema, studio=client, units="whole")
    assert res.created == 2
    ann = add_annotator(studio_server.url, "short.texts@browser.test", state_dir=tmp_path / "s",
                        api_key=studio_server.token)
    page = login(browser, studio_server.url, ann.email, ann.password)
    open_next_task(page, studio_server.url, res.project_id)
    assert page.locator(".htx-highlight[data-label*='QUOTE']").first.inner_text().strip() \
        == "Aid is theft."
    aid, troops = "Military aid to Ukraine", "Western ground troops in Ukraine"
    stance_block(page, aid).wait_for(state="visible", timeout=10000)
    body = page.inner_text("body")
    assert f"Stance toward: {aid}" in body and f"Target: {aid}" in body
    assert f"Stance toward: {troops}" not in body and f"Target: {troops}" not in body
    assert stance_block(page, troops).count() == 0 or not stance_block(page, troops).is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "labelling-page-one-target.png"), full_page=True)
    stance_block(page, aid).locator("label:has(input[name='AGAINST'])").click()
    submit(page)  # the hidden question, required elsewhere, does not block the submit
    # The next task asks both targets: both questions are there again.
    stance_block(page, troops).wait_for(state="visible", timeout=30000)
    assert stance_block(page, aid).is_visible()
    page.context.close()
    out = tmp_path / "export"
    pull(project=project_title, schema=schema, studio=client, out=out)
    rows = [r for part in datasets.load_from_disk(str(out)).values() for r in part]
    mine = [(r["target"], [v["stance"] for v in r["votes"]]) for r in rows
            if r["article_id"] == "only-aid"]
    assert mine == [("military_aid", [1])]  # AGAINST, and no ground_troops row

