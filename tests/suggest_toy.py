"""The toy project of the suggestion tests: stance written in the words, pushed and
labelled through the API (shared by tests/test_suggest.py and tests/test_browser_suggest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from labeling.cli import main
from labeling.studio.client import Studio

from .helpers import CONFIG, RunningStudio

NAMES = ["Anna Berg", "Boris Cole", "Clara Dunn", "David Eck", "Eva Fox", "Frank Gale",
         "Greta Hill", "Hans Iver", "Ida Jung", "Jan Kohl", "Karl Lenz", "Lena Moss",
         "Marc Nagel", "Nina Ortiz", "Otto Pohl", "Paula Quist", "Rolf Stein", "Sara Thiel"]
CITIES = ["Paris", "Berlin", "Rome", "Madrid", "Vienna", "Prague"]
PHRASES = {
    "FAVOR": "we must send troops now and we support the deployment of soldiers to {c}",
    "AGAINST": "we reject any troops, we will never send soldiers and we oppose it in {c}",
    "NONE": "the weather in {c} is mild today and the lunch at the summit was good",
}
LABELS = ["FAVOR", "AGAINST", "NONE"]


def gold_of(i: int) -> str:
    return LABELS[i % 3]


def articles() -> list[dict[str, str]]:
    out = []
    for i, name in enumerate(NAMES):
        quote = PHRASES[gold_of(i)].format(c=CITIES[i % len(CITIES)])
        out.append({"id": f"a{i:02d}", "title": f"Story {i}", "source": "Outlet",
                    "text": f'{name} said on Monday: "{quote[0].upper()}{quote[1:]}."'})
    return out


def config(tmp_path: Path, **suggestions: Any) -> Path:
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["annotators_per_item"] = 1
    data["suggestions"] = {"min_labels": 6, **suggestions}
    path = tmp_path / f"stance-{len(list(tmp_path.glob('stance-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def cli(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def push_toy(server: RunningStudio, tmp_path: Path, title: str, cfg: Path) -> dict[str, int]:
    src = tmp_path / "toy.jsonl"
    src.write_text("".join(json.dumps(a) + "\n" for a in articles()), encoding="utf-8")
    r = cli(["push", str(src), "--project", title, "--config", str(cfg)], server.env())
    assert r.exit_code == 0, r.output
    with server.client() as studio:
        pid = int(studio.project(title)["id"])
        tasks = {str(t["data"]["article_id"]): int(t["id"])
                 for t in studio.iter_tasks(pid, include="id,data")}
    assert len(tasks) == len(NAMES), tasks
    return tasks


def label(studio: Studio, task_id: int, stance: str) -> None:
    studio.create_annotation(task_id, result=[
        {"from_name": "stance_ground_troops", "to_name": "context", "type": "choices",
         "value": {"choices": [stance]}},
        {"from_name": "stance_military_aid", "to_name": "context", "type": "choices",
         "value": {"choices": ["NONE"]}}])


def ours(studio: Studio, pid: int, version: str) -> list[dict[str, Any]]:
    return [p for p in studio.predictions(pid) if p["model_version"] == version]


def stance_of(pred: dict[str, Any], target: str = "ground_troops") -> str | None:
    for r in pred["result"]:
        if r["from_name"] == f"stance_{target}":
            return str(r["value"]["choices"][0])
    return None


def task_id_of(pred: dict[str, Any]) -> int:
    t = pred["task"]
    return int(t["id"] if isinstance(t, dict) else t)


# ----------------------------------------------------------------------------- model
