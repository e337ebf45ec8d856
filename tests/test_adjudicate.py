"""Adjudication of disputed items, gold items and progress status on a real server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets
from click.testing import CliRunner

from labeling.cli import main

from .helpers import ARTICLES, CONFIG, RunningStudio, write_articles

LABELS = ["FAVOR", "AGAINST", "NONE"]


def run(args: list[str], env: dict[str, str]) -> Any:
    r = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r


def stance(target: str, label: str) -> dict[str, Any]:
    return {"from_name": f"stance_{target}", "to_name": "context", "type": "choices",
            "value": {"choices": [label]}}


def test_only_disputed_items_are_adjudicated(studio_server: RunningStudio, tmp_path: Path,
                                             project_title: str) -> None:
    env = studio_server.env()
    src = write_articles(tmp_path / "a.jsonl", ARTICLES)
    run(["push", str(src), "-p", project_title, "--config", str(CONFIG), "-q"], env)
    client = studio_server.client()
    pid = int(client.project(project_title)["id"])
    tasks = sorted(client.iter_tasks(pid, include="id,data"), key=lambda t: t["id"])
    users = [client.find_user(f"{n}@adj.test") or client.create_user(f"{n}@adj.test")
             for n in ("ann1", "ann2", "ann3", "judge")]
    plan = {  # task -> ground_troops votes of ann1..ann3; military_aid is unanimous NONE
        0: ["FAVOR", "FAVOR", "FAVOR"],    # unanimous: accepted
        1: ["FAVOR", "AGAINST"],            # tie: disputed
        2: ["AGAINST", "AGAINST", "NONE"],  # 2 of 3
    }
    for i, labels in plan.items():
        for who, lab in enumerate(labels):
            client.create_annotation(tasks[i]["id"], completed_by=users[who]["id"],
                                     result=[stance("ground_troops", lab),
                                             stance("military_aid", "NONE")])
    r = run(["adjudicate", "-p", project_title, "--config", str(CONFIG)], env)
    adj = client.project(project_title + " · adjudication")
    adj_tasks = {t["data"]["quote_id"]: t for t in
                 client.iter_tasks(int(adj["id"]), include="id,data")}
    q = [t["data"]["quote_id"] for t in tasks]
    assert q[0] not in adj_tasks  # unanimous items are accepted automatically
    assert q[1] in adj_tasks
    assert adj_tasks[q[1]]["data"]["disputed_targets"] == ["ground_troops"]
    assert "FAVOR x1" in adj_tasks[q[1]]["data"]["prior_votes"]
    assert "AGAINST x1" in adj_tasks[q[1]]["data"]["prior_votes"]
    assert adj["maximum_annotations"] == 1
    n_adj = len(adj_tasks)
    assert f"adjudication project {project_title + ' · adjudication'!r}: {n_adj} tasks created" \
        in r.output
    again = run(["adjudicate", "-p", project_title, "--config", str(CONFIG)], env)
    assert "0 tasks created" in again.output
    # The adjudicator decides AGAINST; it overrides the tie, votes are kept.
    client.create_annotation(adj_tasks[q[1]]["id"], completed_by=users[3]["id"],
                             result=[stance("ground_troops", "AGAINST"),
                                     stance("military_aid", "FAVOR")])
    out = tmp_path / "export"
    run(["pull", "-p", project_title, "--config", str(CONFIG), "-o", str(out)], env)
    rows = {(r["quote_id"], r["target"]): r
            for part in datasets.load_from_disk(str(out)).values() for r in part}
    r1 = rows[(q[1], "ground_troops")]
    assert r1["adjudicated"] and LABELS[r1["stance"]] == "AGAINST"
    assert r1["stance_before_adjudication"] == -1 and r1["stance_tie"]
    assert r1["adjudicator"].startswith("ann-") and len(r1["votes"]) == 2
    # military_aid was not disputed: the adjudicator's FAVOR does not override it.
    assert not rows[(q[1], "military_aid")]["adjudicated"]
    assert LABELS[rows[(q[1], "military_aid")]["stance"]] == "NONE"
    r0 = rows[(q[0], "ground_troops")]
    assert not r0["adjudicated"] and LABELS[r0["stance"]] == "FAVOR"
    stats = json.loads((out / "stats.json").read_text())
    assert stats["adjudicated_rows"] == 1


def test_gold_items_reach_every_queue_and_status_reports(studio_server: RunningStudio,
                                                         tmp_path: Path,
                                                         project_title: str) -> None:
    env = studio_server.env()
    src = write_articles(tmp_path / "a.jsonl", ARTICLES)
    run(["push", str(src), "-p", project_title, "--config", str(CONFIG), "-q"], env)
    client = studio_server.client()
    pid = int(client.project(project_title)["id"])
    tasks = sorted(client.iter_tasks(pid, include="id,data"), key=lambda t: t["id"])
    gold_q = tasks[0]["data"]["quote_id"]
    cfg = tmp_path / "gold.yaml"
    cfg.write_text(CONFIG.read_text() + f"\ngold:\n  - {{quote_id: {gold_q}, target: "
                   "ground_troops, label: FAVOR}\n")
    run(["push", str(src), "-p", project_title, "--config", str(cfg), "-q"], env)
    assert client.json("GET", f"/api/tasks/{tasks[0]['id']}")["overlap"] >= 100
    assert client.json("GET", f"/api/tasks/{tasks[1]['id']}")["overlap"] == 3
    users = [client.find_user(f"{n}@gold.test") or client.create_user(f"{n}@gold.test")
             for n in ("g1", "g2")]
    client.create_annotation(tasks[0]["id"], completed_by=users[0]["id"], lead_time=3.0,
                             result=[stance("ground_troops", "FAVOR")])
    client.create_annotation(tasks[0]["id"], completed_by=users[1]["id"], lead_time=5.0,
                             result=[stance("ground_troops", "AGAINST")])
    client.create_annotation(tasks[1]["id"], completed_by=users[1]["id"], lead_time=7.0,
                             result=[stance("ground_troops", "NONE")])
    r = run(["status", "-p", project_title, "--config", str(cfg), "--json"], env)
    st = json.loads(r.output)
    assert st["tasks"] == len(tasks) and st["annotations"] == 3
    assert st["annotations_left"] == 3 * len(tasks) - 3
    gt = next(t for t in st["targets"] if t["target"] == "ground_troops")
    assert gt["with_votes"] == 2 and gt["complete"] == 0
    assert gt["labels"] == {"FAVOR": 1, "AGAINST": 1, "NONE": 1}
    acc = sorted((a["gold_accuracy"], a["median_lead_time"]) for a in st["annotators"])
    assert acc == [(0.0, 6.0), (1.0, 3.0)]
    table = run(["status", "-p", project_title, "--config", str(cfg)], env)
    assert "work left:" in table.output and "ground_troops" in table.output
