"""The whole loop on a real Label Studio: push the seeds, annotate as three users, pull.

The votes are designed so that the majority, the ties and Krippendorff's alpha are
known in advance; alpha is checked against the ``krippendorff`` package.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import datasets
import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner

from labeling.annotations.records import pseudonym
from labeling.cli import main
from labeling.corpus.readers import read_articles
from labeling.corpus.units import iter_units
from labeling.dataset.build import features as export_features
from labeling.schema import load_schema

from .helpers import CONFIG, SEEDS, RunningStudio

LABELS = ["FAVOR", "AGAINST", "NONE"]
TARGETS = ["ground_troops", "military_aid"]


def _choice(target: str, label: str) -> dict[str, Any]:
    return {"from_name": f"stance_{target}", "to_name": "context", "type": "choices",
            "value": {"choices": [label]}}


# Task index -> per annotator (a, b, c): {target: label}, "skip", or None (not annotated).
PLAN: dict[int, list[Any]] = {
    0: [{"ground_troops": "FAVOR", "military_aid": "NONE"},
        {"ground_troops": "FAVOR", "military_aid": "NONE"},
        {"ground_troops": "AGAINST", "military_aid": "NONE"}],          # disagreement, FAVOR wins
    1: [{"ground_troops": "AGAINST", "military_aid": "FAVOR"},
        {"ground_troops": "AGAINST", "military_aid": "FAVOR"},
        {"ground_troops": "AGAINST", "military_aid": "FAVOR"}],         # unanimous
    2: [{"ground_troops": "FAVOR", "military_aid": "NONE"},
        {"ground_troops": "AGAINST", "military_aid": "NONE"},
        {"ground_troops": "NONE", "military_aid": "FAVOR"}],            # three-way tie
    3: [{"ground_troops": "NONE", "military_aid": "NONE"},
        {"ground_troops": "FAVOR", "military_aid": "NONE"},
        "skip"],                                                        # a skip, then a 1-1 tie
    4: [{"ground_troops": "FAVOR", "military_aid": "AGAINST"}, None, None],  # one vote only
}


def _run(args: list[str], env: dict[str, str]) -> Any:
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def seeded(studio_server: RunningStudio, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Push the seeds once, annotate as three users, pull into an export folder."""
    title = "loop test (seeds)"
    env = studio_server.env()
    first = _run(["push", str(SEEDS), "--project", title, "--config", str(CONFIG), "-q"], env)
    assert first.exit_code == 0, first.output
    client = studio_server.client()
    proj = client.project(title)
    pid = int(proj["id"])
    tasks = sorted(client.iter_tasks(pid, include="id,data"), key=lambda t: t["id"])
    users = []
    for name in ("alice", "bob", "carol"):
        email = f"{name}@loop.test"
        users.append(client.find_user(email) or client.create_user(email, first_name=name))
    made: dict[tuple[int, int], int] = {}
    for i, plan in PLAN.items():
        for who, votes in enumerate(plan):
            if votes is None:
                continue
            tid = tasks[i]["id"]
            if votes == "skip":
                ann = client.create_annotation(tid, result=[], was_cancelled=True,
                                               completed_by=users[who]["id"], lead_time=1.5)
            else:
                ann = client.create_annotation(
                    tid, result=[_choice(t, lab) for t, lab in votes.items()],
                    completed_by=users[who]["id"], lead_time=4.0 + who)
            made[(i, who)] = int(ann["id"])
    out = tmp_path_factory.mktemp("exports") / "seeds"
    pulled = _run(["pull", "--project", title, "--config", str(CONFIG), "-o", str(out)], env)
    assert pulled.exit_code == 0, pulled.output
    second = _run(["push", str(SEEDS), "--project", title, "--config", str(CONFIG), "-q"], env)
    return {"first": first, "second": second, "pulled": pulled, "out": out, "proj": proj,
            "tasks": tasks, "users": users, "client": client, "made": made}


def test_push_creates_one_task_per_unit(seeded: dict[str, Any]) -> None:
    schema = load_schema(CONFIG)
    units = list(iter_units(read_articles([SEEDS]), schema))
    assert len(units) >= 10, "the segmenter should find the seeds' quotes"
    assert f"{len(units)} tasks created, 0 already present" in seeded["first"].output
    tasks = seeded["tasks"]
    assert len(tasks) == len(units)
    assert sorted(t["data"]["quote_id"] for t in tasks) == sorted(u.quote_id for u in units)
    texts = {a.id: a.text for a in read_articles([SEEDS])}
    for t in tasks:
        d = t["data"]
        art = texts[d["article_id"]]
        assert art[d["quote_start"]:d["quote_end"]] == d["quote"]
        assert art[d["context_start"]:d["context_start"] + len(d["context"])] == d["context"]


def test_second_push_adds_nothing(seeded: dict[str, Any]) -> None:
    out = seeded["second"].output
    n = len(seeded["tasks"])
    assert seeded["second"].exit_code == 0, out
    assert f"0 tasks created, {n} already present" in out
    client = seeded["client"]
    assert len(list(client.iter_tasks(int(seeded["proj"]["id"])))) == n


def test_predictions_are_the_segmenters_spans(seeded: dict[str, Any]) -> None:
    client = seeded["client"]
    pid = int(seeded["proj"]["id"])
    full = client.export_tasks(pid)
    assert len(full) == len(seeded["tasks"])
    proj = client.get_project(pid)
    for task in full:
        preds = client.json("GET", "/api/predictions", params={"task": task["id"]})
        assert len(preds) == 1
        assert preds[0]["model_version"] == proj["model_version"]  # visible to annotators
        quote_regions = [r for r in preds[0]["result"] if r["value"]["labels"] == ["QUOTE"]]
        assert quote_regions
        ctx = task["data"]["context"]
        for r in preds[0]["result"]:
            v = r["value"]
            assert ctx[v["start"]:v["end"]] == v["text"]


def _expected_votes(seeded: dict[str, Any]) -> dict[tuple[str, str], dict[str, str | None]]:
    """(quote_id, target) -> {pseudonym: label or None for a skip}."""
    proj, tasks, users = seeded["proj"], seeded["tasks"], seeded["users"]
    exp: dict[tuple[str, str], dict[str, str | None]] = {}
    for i, plan in PLAN.items():
        qid = tasks[i]["data"]["quote_id"]
        for who, votes in enumerate(plan):
            if votes is None:
                continue
            p = pseudonym(proj, users[who]["id"])
            for t in TARGETS:
                exp.setdefault((qid, t), {})[p] = None if votes == "skip" else votes[t]
    return exp


def test_export_loads_and_keeps_every_vote(seeded: dict[str, Any]) -> None:
    dd = datasets.load_from_disk(str(seeded["out"]))
    assert set(dd) == {"train", "validation", "test"}
    rows = [r for split in dd.values() for r in split]
    n_tasks = len(seeded["tasks"])
    assert len(rows) == n_tasks * len(TARGETS)
    feats = dd["train"].features
    assert feats == export_features(load_schema(CONFIG))  # every column typed as declared
    assert feats["stance"].names == LABELS
    expected = _expected_votes(seeded)
    seen = 0
    for r in rows:
        key = (r["quote_id"], r["target"])
        got = {v["annotator"]: (None if v["skipped"] else LABELS[v["stance"]]) for v in r["votes"]}
        assert got == expected.get(key, {}), key
        labels = [lab for lab in got.values() if lab is not None]
        counts = Counter(labels).most_common()
        if not counts:
            assert r["stance"] == -1 and not r["stance_tie"] and r["n_votes"] == 0
        elif len(counts) > 1 and counts[0][1] == counts[1][1]:
            assert r["stance"] == -1 and r["stance_tie"], key
        else:
            assert LABELS[r["stance"]] == counts[0][0] and not r["stance_tie"], key
        if got:
            seen += 1
            for v in r["votes"]:
                assert v["lead_time"] in (1.5, 4.0, 5.0, 6.0)
                assert v["annotator"].startswith("ann-")
                assert "@" not in v["annotator"]
    assert seen == len(PLAN) * len(TARGETS)


def test_known_majorities_and_ties(seeded: dict[str, Any]) -> None:
    dd = datasets.load_from_disk(str(seeded["out"]))
    by_key = {(r["quote_id"], r["target"]): r for s in dd.values() for r in s}
    q = [t["data"]["quote_id"] for t in seeded["tasks"]]
    assert LABELS[by_key[(q[0], "ground_troops")]["stance"]] == "FAVOR"
    assert by_key[(q[0], "ground_troops")]["soft_label"] == pytest.approx([2 / 3, 1 / 3, 0])
    assert LABELS[by_key[(q[1], "ground_troops")]["stance"]] == "AGAINST"
    assert by_key[(q[1], "ground_troops")]["item_agreement"] == pytest.approx(1.0)
    assert by_key[(q[2], "ground_troops")]["stance_tie"]
    assert by_key[(q[3], "ground_troops")]["stance_tie"]  # NONE vs FAVOR after a skip
    assert LABELS[by_key[(q[3], "military_aid")]["stance"]] == "NONE"
    skipped = [v for v in by_key[(q[3], "ground_troops")]["votes"] if v["skipped"]]
    assert len(skipped) == 1 and skipped[0]["stance"] == -1
    assert LABELS[by_key[(q[4], "ground_troops")]["stance"]] == "FAVOR"
    assert by_key[(q[4], "ground_troops")]["n_votes"] == 1


def _alpha_reference(seeded: dict[str, Any], targets: list[str]) -> float:
    expected = _expected_votes(seeded)
    annotators = sorted({a for votes in expected.values() for a in votes})
    items = sorted(k for k in expected if k[1] in targets)
    data = np.full((len(annotators), len(items)), np.nan)
    for j, key in enumerate(items):
        for a, lab in expected[key].items():
            if lab is not None:
                data[annotators.index(a), j] = LABELS.index(lab)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def test_alpha_matches_the_krippendorff_package(seeded: dict[str, Any]) -> None:
    stats = json.loads((Path(seeded["out"]) / "stats.json").read_text())
    agreement = stats["agreement"]
    assert agreement["alpha"]["alpha"] == pytest.approx(_alpha_reference(seeded, TARGETS), abs=1e-9)
    for t in TARGETS:
        assert agreement["alpha_by_group"][t]["alpha"] == pytest.approx(
            _alpha_reference(seeded, [t]), abs=1e-9)
    assert stats["counts"]["annotations"] == 13
    assert stats["counts"]["skipped_annotations"] == 1


def test_no_article_in_two_splits(seeded: dict[str, Any]) -> None:
    dd = datasets.load_from_disk(str(seeded["out"]))
    where: dict[str, set[str]] = {}
    for split, part in dd.items():
        for aid in part["article_id"]:
            where.setdefault(aid, set()).add(split)
    assert all(len(s) == 1 for s in where.values())
    assert all(len(part) > 0 for part in dd.values())


def test_export_folder_has_card_config_and_stats(seeded: dict[str, Any]) -> None:
    out = Path(seeded["out"])
    card = (out / "README.md").read_text()
    assert card.startswith("---\nlicense:")
    assert "Krippendorff" in card and "ground_troops" in card
    assert (out / "label_config.xml").read_text().startswith("<View")
    assert "stance_ground_troops" in (out / "label_config.xml").read_text()
    assert (out / "stance.yaml").exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".seeds")]


def test_edit_is_reflected_by_next_pull(seeded: dict[str, Any], tmp_path: Path,
                                        studio_server: RunningStudio) -> None:
    client = seeded["client"]
    ann_id = seeded["made"][(0, 2)]  # carol's AGAINST on task 0 becomes FAVOR
    client.update_annotation(ann_id, result=[_choice("ground_troops", "FAVOR"),
                                             _choice("military_aid", "NONE")])
    out = tmp_path / "after-edit"
    r = _run(["pull", "--project", "loop test (seeds)", "--config", str(CONFIG), "-o", str(out)],
             studio_server.env())
    assert r.exit_code == 0, r.output
    dd = datasets.load_from_disk(str(out))
    q0 = seeded["tasks"][0]["data"]["quote_id"]
    row = next(r for s in dd.values() for r in s
               if r["quote_id"] == q0 and r["target"] == "ground_troops")
    assert row["item_agreement"] == pytest.approx(1.0)
    assert [LABELS[v["stance"]] for v in row["votes"]] == ["FAVOR"] * 3
    client.update_annotation(ann_id, result=[_choice("ground_troops", "AGAINST"),
                                             _choice("military_aid", "NONE")])
