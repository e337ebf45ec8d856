"""Incremental pulls, near-duplicate propagation, copyright-safe exports and hydration."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import datasets
import pytest
from click.testing import CliRunner

from labeling.cli import main

from .helpers import ARTICLES, CONFIG, WIRE, RunningStudio, rows_of, write_articles


def run(args: list[str], env: dict[str, str]) -> Any:
    r = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r


def _choice(target: str, label: str) -> dict[str, Any]:
    return {"from_name": f"stance_{target}", "to_name": "context", "type": "choices",
            "value": {"choices": [label]}}


def stats_of(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "stats.json").read_text(encoding="utf-8")))


def test_incremental_pull_after_new_articles_and_a_damaged_cache(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    env = {**studio_server.env(), "LABELING_HOME": str(tmp_path / "home")}
    run(["push", str(write_articles(tmp_path / "a.jsonl", ARTICLES[:2])), "-p", project_title,
         "--config", str(CONFIG), "-q"], env)
    out, full_out = tmp_path / "export", tmp_path / "full"
    pull = ["pull", "-p", project_title, "--config", str(CONFIG)]
    first = run([*pull, "-o", str(out)], env)
    assert "(full)" in first.output
    # Two more articles pushed (new units: the clusters change) and one annotated.
    run(["push", str(write_articles(tmp_path / "b.jsonl", ARTICLES)), "-p", project_title,
         "--config", str(CONFIG), "-q"], env)
    client = studio_server.client()
    pid = int(client.project(project_title)["id"])
    newest = max(int(t["id"]) for t in client.iter_tasks(pid, include="id"))
    client.create_annotation(newest, result=[_choice("ground_troops", "AGAINST")])
    second = run([*pull, "-o", str(out)], env)
    assert "incremental" in second.output
    run([*pull, "-o", str(full_out), "--full"], env)
    assert rows_of(out) == rows_of(full_out)
    assert stats_of(out) == stats_of(full_out)
    assert any(r["task_id"] == newest and r["n_votes"] == 1 for r in rows_of(out))
    # A damaged cache (a crash, a full disk) costs a full fetch, never a wrong dataset.
    caches = list((tmp_path / "home").rglob("rows.arrow"))
    assert caches
    for c in caches:
        c.write_bytes(c.read_bytes()[:100])
    third = run([*pull, "-o", str(out)], env)
    assert "(full)" in third.output
    assert rows_of(out) == rows_of(full_out)


def test_incremental_pull_equals_full_pull(studio_server: RunningStudio, tmp_path: Path,
                                           project_title: str) -> None:
    env = studio_server.env()
    src = write_articles(tmp_path / "a.jsonl", ARTICLES)
    run(["push", str(src), "-p", project_title, "--config", str(CONFIG), "-q"], env)
    client = studio_server.client()
    pid = int(client.project(project_title)["id"])
    tasks = sorted(client.iter_tasks(pid, include="id"), key=lambda t: t["id"])
    assert len(tasks) >= 4
    time.sleep(2.5)  # the pull re-fetches what changed up to 2 s before its cursor
    anns = [client.create_annotation(t["id"], result=[_choice("ground_troops", "FAVOR")])
            for t in tasks[:2]]
    out = tmp_path / "export"
    first = run(["pull", "-p", project_title, "--config", str(CONFIG), "-o", str(out)], env)
    assert "(full)" in first.output
    # Change one annotation, delete another, add a new one.
    client.update_annotation(anns[0]["id"], result=[_choice("ground_troops", "AGAINST")])
    client.delete_annotation(anns[1]["id"])
    client.create_annotation(tasks[2]["id"], result=[_choice("military_aid", "NONE")])
    second = run(["pull", "-p", project_title, "--config", str(CONFIG), "-o", str(out)], env)
    assert "incremental: 3 changed tasks fetched" in second.output
    full_out = tmp_path / "full"
    run(["pull", "-p", project_title, "--config", str(CONFIG), "-o", str(full_out), "--full"],
        env)
    assert rows_of(out) == rows_of(full_out)
    assert stats_of(out) == stats_of(full_out)  # agreement, counts, splits: all the same
    by = {(r["task_id"], r["target"]): r for r in rows_of(out)}
    assert [v["stance"] for v in by[(tasks[0]["id"], "ground_troops")]["votes"]] == [1]
    assert by[(tasks[1]["id"], "ground_troops")]["votes"] == []
    assert by[(tasks[2]["id"], "military_aid")]["n_votes"] == 1


def test_propagate_labels_each_wire_quote_once(studio_server: RunningStudio, tmp_path: Path,
                                               project_title: str) -> None:
    cfg = tmp_path / "stance.yaml"
    cfg.write_text(CONFIG.read_text() + "\nnear_duplicates:\n  mode: propagate\n")
    env = studio_server.env()
    src = write_articles(tmp_path / "a.jsonl", ARTICLES[:3])
    r = run(["push", str(src), "-p", project_title, "--config", str(cfg), "-q"], env)
    assert "1 near-duplicates labelled with their cluster" in r.output
    client = studio_server.client()
    pid = int(client.project(project_title)["id"])
    tasks = list(client.iter_tasks(pid, include="id,data"))
    wire_tasks = [t for t in tasks if WIRE[:40] in t["data"]["quote"]]
    assert len(wire_tasks) == 1 and len(wire_tasks[0]["data"]["duplicates"]) == 1
    # A new outlet printing the same quote joins the existing task; a rerun adds nothing.
    src2 = write_articles(tmp_path / "b.jsonl", ARTICLES)
    r = run(["push", str(src2), "-p", project_title, "--config", str(cfg), "-q"], env)
    r = run(["push", str(src2), "-p", project_title, "--config", str(cfg), "-q"], env)
    assert "0 tasks created" in r.output
    client.create_annotation(wire_tasks[0]["id"], result=[_choice("ground_troops", "FAVOR")])
    out = tmp_path / "export"
    run(["pull", "-p", project_title, "--config", str(cfg), "-o", str(out)], env)
    rows = [r for r in rows_of(out) if r["target"] == "ground_troops" and WIRE[:40] in r["quote"]]
    assert {r["article_id"] for r in rows} == {"wire-1", "wire-2"}
    assert all(r["stance"] == 0 for r in rows)
    assert len({r["near_dup_cluster"] for r in rows}) == 1
    assert sum(r["propagated_from"] is not None for r in rows) == 1
    dd = datasets.load_from_disk(str(out))
    splits_with_wire = [name for name, part in dd.items()
                        if any(WIRE[:40] in q for q in part["quote"])]
    assert len(splits_with_wire) == 1


def test_no_text_export_and_hydrate(studio_server: RunningStudio, tmp_path: Path,
                                    project_title: str) -> None:
    env = studio_server.env()
    src = write_articles(tmp_path / "a.jsonl", ARTICLES)
    run(["push", str(src), "-p", project_title, "--config", str(CONFIG), "-q"], env)
    client = studio_server.client()
    pid = int(client.project(project_title)["id"])
    for t in client.iter_tasks(pid, include="id"):
        client.create_annotation(t["id"], result=[_choice("ground_troops", "NONE")])
    full, safe = tmp_path / "full", tmp_path / "safe"
    run(["pull", "-p", project_title, "--config", str(CONFIG), "-o", str(full)], env)
    run(["pull", "-p", project_title, "--config", str(CONFIG), "-o", str(safe), "--no-text",
         "--parquet"], env)
    assert (safe / "parquet" / "train.parquet").exists()
    blob = b"".join(p.read_bytes() for p in safe.rglob("*") if p.is_file())
    for art in ARTICLES:
        for sentence in art["text"].split("\n\n"):
            assert sentence.encode() not in blob
    assert WIRE[:30].encode() not in blob
    hydrated = tmp_path / "hydrated"
    r = CliRunner().invoke(main, ["hydrate", str(safe), str(src), "-o", str(hydrated)])
    assert r.exit_code == 0, r.output
    assert rows_of(hydrated) == rows_of(full)
    # A copy that differs from the annotated text is refused, and nothing is written.
    changed = [dict(a, text=a["text"].replace("Macron", "Mácron")) for a in ARTICLES]
    bad_src = write_articles(tmp_path / "changed.jsonl", changed)
    r = CliRunner().invoke(main, ["hydrate", str(safe), str(bad_src), "-o", str(tmp_path / "x")])
    assert r.exit_code == 1 and "your copy differs" in r.output
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("offline", [True])
def test_publish_offline_says_so(tmp_path: Path, offline: bool) -> None:
    folder = tmp_path / "ds"
    datasets.DatasetDict({"train": datasets.Dataset.from_dict({"a": [1]})}).save_to_disk(
        str(folder))
    r = CliRunner().invoke(main, ["publish", str(folder), "--repo", "me/x"],
                           env={"HF_TOKEN": "hf_dummy_token_value", "HF_HUB_OFFLINE": "1"})
    assert r.exit_code == 1
    assert "publishing needs the network" in r.output
    assert "hf_dummy_token_value" not in r.output


def test_status_and_pull_share_one_sync_state(studio_server: RunningStudio, tmp_path: Path,
                                              project_title: str) -> None:
    """A status after a pull fetches only the tasks changed since, and a pull after a
    status too; both give what a fresh full fetch gives."""
    env = {**studio_server.env(), "LABELING_HOME": str(tmp_path / "home")}
    src = write_articles(tmp_path / "a.jsonl", ARTICLES)
    run(["push", str(src), "-p", project_title, "--config", str(CONFIG), "-q"], env)
    client = studio_server.client()
    pid = int(client.project(project_title)["id"])
    tasks = sorted(client.iter_tasks(pid, include="id"), key=lambda t: t["id"])
    users = [client.find_user(f"{n}@share.test") or client.create_user(f"{n}@share.test")
             for n in ("s1", "s2")]
    anns = [client.create_annotation(t["id"], completed_by=users[k % 2]["id"], lead_time=4.0,
                                     result=[_choice("ground_troops", "FAVOR")])
            for k, t in enumerate(tasks[:3])]
    time.sleep(2.5)  # a sync re-fetches what changed up to 2 s before its cursor
    out = tmp_path / "export"
    pull = ["pull", "-p", project_title, "--config", str(CONFIG)]
    assert "(full)" in run([*pull, "-o", str(out)], env).output
    assert len(list((tmp_path / "home").glob("sync/*/rows.arrow"))) == 1
    client.update_annotation(anns[0]["id"], result=[_choice("ground_troops", "AGAINST")])
    client.create_annotation(tasks[3]["id"], completed_by=users[1]["id"], lead_time=6.0,
                             result=[_choice("military_aid", "NONE")])
    status = ["status", "-p", project_title, "--config", str(CONFIG), "--json"]
    st = json.loads(run(status, env).output)
    assert st["fetched"] == 2  # the two changed tasks, not all of them
    fresh = json.loads(run(status, {**env, "LABELING_HOME": str(tmp_path / "fresh")}).output)
    assert fresh["fetched"] == len(tasks)
    assert {**st, "fetched": 0} == {**fresh, "fetched": 0}
    assert st["annotations"] == 4
    assert sorted(a["median_lead_time"] for a in st["annotators"]) == [4.0, 5.0]
    # The pull goes on from the status's state: incremental, and the same as a full pull.
    second = run([*pull, "-o", str(out)], env)
    assert "incremental" in second.output
    full_out = tmp_path / "full"
    run([*pull, "-o", str(full_out), "--full"], env)
    assert rows_of(out) == rows_of(full_out)
    assert stats_of(out) == stats_of(full_out)
    assert len(list((tmp_path / "home").glob("sync/*/rows.arrow"))) == 1  # one state


def test_pulls_leave_no_snapshot_file_on_the_embedded_server(
        studio_server: RunningStudio, tmp_path: Path, project_title: str,
        caplog: pytest.LogCaptureFixture) -> None:
    """The embedded server keeps each export's file in media/export/ after the export is
    deleted: a pull removes it. A server the tool does not run: said once."""
    src = write_articles(tmp_path / "a.jsonl", ARTICLES)
    run(["push", str(src), "-p", project_title, "--config", str(CONFIG), "-q"],
        studio_server.env())
    client = studio_server.client()
    pid = int(client.project(project_title)["id"])
    client.create_annotation(next(iter(client.iter_tasks(pid, include="id")))["id"],
                             result=[_choice("ground_troops", "NONE")])
    media = studio_server.state / "studio" / "data" / "media" / "export" / str(pid)
    # The state folder of the server: the CLI finds it as its own embedded server.
    local = {"LABELING_HOME": str(studio_server.state)}
    pull = ["pull", "-p", project_title, "--config", str(CONFIG), "-o", str(tmp_path / "o")]
    assert "(full)" in run(pull, local).output
    assert "incremental" in run(pull, local).output
    assert not media.exists() or list(media.iterdir()) == []
    # Through --url (as a remote server): the file stays, and the pull says so once.
    from labeling.schema import load_schema
    from labeling.workflows.pull import pull as pull_fn

    home = tmp_path / "remote-home"
    with caplog.at_level(logging.WARNING, logger="labeling"):
        for _ in range(2):
            pull_fn(project=project_title, schema=load_schema(CONFIG), studio=client,
                    out=tmp_path / "r", state_dir=home, full=True)
    said = [r for r in caplog.records if "media/export/" in r.getMessage()]
    assert len(said) == 1 and studio_server.token not in said[0].getMessage()
    assert len(list(media.iterdir())) == 2
