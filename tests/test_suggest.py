"""`labeling suggest` against a real Label Studio: predictions, sampling, reruns, anchoring.

A toy project whose stance is written in the words (support/send -> FAVOR, reject/never
-> AGAINST, weather -> NONE) is pushed, a few tasks are labelled through the API, and
the built-in model's suggestions for the rest are read back from the server.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from labeling.schema import load_schema
from labeling.studio import wire
from labeling.studio.accounts import add_annotator
from labeling.suggest.base import Item
from labeling.suggest.builtin import BuiltinModel
from labeling.suggest.models import build_model, cross_validate, score, top_label
from labeling.suggest.queue import queue_scores, queue_seed, representativeness, spread_duplicates

from .helpers import RunningStudio, session
from .suggest_helpers import hash_dist
from .suggest_toy import LABELS, cli, config, gold_of, label, ours, push_toy, stance_of, task_id_of


def test_builtin_model_learns_a_separable_toy_set() -> None:
    words = {"FAVOR": ["yes", "support", "back"], "AGAINST": ["no", "oppose", "reject"],
             "NONE": ["lunch", "weather", "train"]}
    items, labels = [], []
    for lab, ws in words.items():
        for i in range(8):
            items.append(Item(text=f"{ws[i % 3]} {ws[(i + 1) % 3]} item{i}", target="t1"))
            labels.append(lab)
    model = BuiltinModel(LABELS)
    model.fit(items, labels)
    new = [Item("we support it, yes", "t1"), Item("we oppose it, no", "t1"),
           Item("the weather and lunch", "t1"), Item("we support it, yes", "unseen target")]
    dists = model.predict_proba(new)
    assert [top_label(d) for d in dists] == ["FAVOR", "AGAINST", "NONE", "FAVOR"]
    assert all(abs(sum(d.values()) - 1) < 1e-9 for d in dists)
    q = cross_validate(lambda: BuiltinModel(LABELS), items, labels, LABELS, folds=4)
    assert q.f_avg is not None and q.f_avg > 90 and q.n_labels == 24


def _toy_texts(n: int) -> tuple[list[Item], list[str]]:
    words = {"FAVOR": ["yes", "support", "back"], "AGAINST": ["no", "oppose", "reject"],
             "NONE": ["lunch", "weather", "train"]}
    items, labels = [], []
    for lab, ws in words.items():
        for i in range(n):
            items.append(Item(text=f"{ws[i % 3]} {ws[(i + 1) % 3]} note{i % 7}", target="t1"))
            labels.append(lab)
    return items, labels


def test_observe_fits_the_vocabulary_on_every_text_and_labels_are_not_needed() -> None:
    items, labels = _toy_texts(20)
    unlabelled = [Item(f"quokka {w} sighting", "") for w in ("yes", "no", "lunch")] * 3
    plain, seen = BuiltinModel(LABELS), BuiltinModel(LABELS)
    seen.observe([Item(i.text, "") for i in items] + unlabelled)
    plain.fit(items, labels)
    seen.fit(items, labels)
    # A word only unlabelled texts have is in the vocabulary (and lowers a text's
    # certainty: part of its length goes to features with no weight yet).
    assert "quokka" in seen._word.vocabulary_ and "quokka" not in plain._word.vocabulary_
    new = [Item("quokka support yes sighting", "t1")]
    p_plain, p_seen = plain.predict_proba(new)[0], seen.predict_proba(new)[0]
    assert top_label(p_seen) == top_label(p_plain) == "FAVOR"
    assert p_seen["FAVOR"] < p_plain["FAVOR"]


def test_observing_only_the_training_texts_changes_nothing() -> None:
    items, labels = _toy_texts(21)  # 63 distinct texts: the char n-grams min_df is 2 either way
    plain, seen = BuiltinModel(LABELS), BuiltinModel(LABELS)
    seen.observe(items)
    plain.fit(items, labels)
    seen.fit(items, labels)
    new = [Item("support back", "t1"), Item("reject no note3", "t1"), Item("weather", "t1")]
    for a, b in zip(plain.predict_proba(new), seen.predict_proba(new), strict=True):
        assert a.keys() == b.keys()
        assert all(abs(a[k] - b[k]) < 1e-9 for k in a)


def test_models_observing_the_same_texts_share_one_fit() -> None:
    items, labels = _toy_texts(10)
    first, second, other = BuiltinModel(LABELS), BuiltinModel(LABELS), BuiltinModel(LABELS)
    first.observe(items)
    second.observe(list(items))
    other.observe(items[:-1])
    assert first._corpus is second._corpus  # cross-validation folds refit nothing
    assert other._corpus is not first._corpus


def test_scores_are_semevals() -> None:
    gold = ["FAVOR", "FAVOR", "AGAINST", "NONE"]
    pred: list[str | None] = ["FAVOR", "AGAINST", "AGAINST", None]
    q = score(gold, pred, LABELS)
    # F1 FAVOR 2/3, AGAINST 2/3, NONE 0: F_avg 66.7, macro 44.4; one without a suggestion.
    assert round(q.f_avg or 0, 1) == 66.7 and round(q.macro_f1, 1) == 44.4
    assert q.no_suggestion == 1


def test_build_model_builtin_is_the_default(tmp_path: Path) -> None:
    schema = load_schema(config(tmp_path))
    assert isinstance(build_model(schema), BuiltinModel)


# ----------------------------------------------------------------------------- server
def test_suggest_writes_one_prediction_per_unlabelled_task_and_reruns_cleanly(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    cfg = config(tmp_path, show="prefill")
    tasks = push_toy(studio_server, tmp_path, project_title, cfg)
    labelled = {f"a{i:02d}" for i in range(9)}  # three of each label
    with studio_server.client() as studio:
        for aid in sorted(labelled):
            label(studio, tasks[aid], gold_of(int(aid[1:])))
    r = cli(["suggest", "--project", project_title, "--config", str(cfg), "-q"],
            studio_server.env())
    assert r.exit_code == 0, r.output
    # 9 quotes x 2 targets labelled
    assert "model quality" in r.output and "F_avg" in r.output and "18 labels" in r.output
    with studio_server.client() as studio:
        proj = studio.project(project_title, fields=("model_version", "sampling"))
        version = str(proj["model_version"])
        assert version.startswith(wire.SUGGEST_PREFIX) and proj["sampling"] == \
            "Uncertainty sampling"
        preds = ours(studio, int(proj["id"]), version)
        unlabelled = {tid for aid, tid in tasks.items() if aid not in labelled}
        assert sorted(task_id_of(p) for p in preds) == sorted(unlabelled)  # one each, no more
        by_task = {task_id_of(p): p for p in preds}
        for aid, tid in tasks.items():
            if aid in labelled:
                continue
            p = by_task[tid]
            assert 0.0 <= p["score"] <= 1.0
            # prefill: the suggested stance is in the prediction, and it is the right one
            assert stance_of(p) == gold_of(int(aid[1:])), (aid, p["result"])
            # the segmenter's span regions come along (the editor pre-fills only from these)
            spans = [x for x in p["result"] if x["from_name"] == "spans"]
            assert {x["value"]["labels"][0] for x in spans} >= {"QUOTE", "SPEAKER"}
        n_logs = sum(1 for p in studio.predictions(int(proj["id"]))
                     if p["model_version"].startswith(wire.SUGGEST_LOG_PREFIX))
        assert n_logs == len(unlabelled)
        # no ``cluster``: the server would serve every task with one before all others
        assert all(p.get("cluster") is None for p in preds)
        # Label one more, rerun (now hidden): the earlier suggestions go, the new ones
        # cover the rest.
        label(studio, tasks["a09"], gold_of(9))
    cfg = config(tmp_path, show="hidden")
    r = cli(["suggest", "--project", project_title, "--config", str(cfg), "-q"],
            studio_server.env())
    assert r.exit_code == 0, r.output
    assert f"{len(unlabelled)} earlier suggestions replaced" in r.output
    with studio_server.client() as studio:
        proj = studio.project(project_title, fields=("model_version",))
        pid = int(proj["id"])
        new_version = str(proj["model_version"])
        assert new_version != version
        everything = studio.predictions(pid)
        assert not [p for p in everything if p["model_version"] == version]
        now = [p for p in everything if p["model_version"] == new_version]
        assert sorted(task_id_of(p) for p in now) == sorted(unlabelled - {tasks["a09"]})
        # the segmenter's own predictions are untouched: one per task
        seg = [p for p in everything if p["model_version"].startswith(wire.MODEL_VERSION_PREFIX)]
        assert len(seg) == len(tasks)
        assert all(stance_of(p) is None for p in now)  # hidden now
        # the logs of both runs stay (what each vote was shown is read from them); the
        # second run logged every task again, since each went from shown to hidden
        logs = [p for p in everything if p["model_version"].startswith(wire.SUGGEST_LOG_PREFIX)]
        assert len(logs) == len(unlabelled) * 2 - 1
    # A third run that suggests the same: nothing new to log.
    r = cli(["suggest", "--project", project_title, "--config", str(cfg), "-q"],
            studio_server.env())
    assert r.exit_code == 0, r.output
    with studio_server.client() as studio:
        logs = [p for p in studio.predictions(pid)
                if p["model_version"].startswith(wire.SUGGEST_LOG_PREFIX)]
        assert len(logs) == len(unlabelled) * 2 - 1


def test_suggest_shows_a_model_every_text_before_it_fits(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    """A model with ``observe`` sees every unit's text (labelled or not) before each fit,
    the cross-validation folds' models too; it learns only from the labelled ones."""
    from .suggest_helpers import ObservingModel

    cfg = config(tmp_path, model="python", python_model="tests.suggest_helpers:ObservingModel")
    tasks = push_toy(studio_server, tmp_path, project_title, cfg)
    with studio_server.client() as studio:
        for i in range(9):
            label(studio, tasks[f"a{i:02d}"], gold_of(i))
        pid = int(studio.project(project_title)["id"])
        data = {int(t["id"]): t["data"] for t in studio.iter_tasks(pid, include="id,data")}
    texts = sorted(str(d["quote"]) for d in data.values())
    labelled = sorted(str(data[tasks[f"a{i:02d}"]]["quote"]) for i in range(9))
    ObservingModel.events.clear()
    r = cli(["suggest", "--project", project_title, "--config", str(cfg), "-q"],
            studio_server.env())
    assert r.exit_code == 0, r.output
    events = list(ObservingModel.events)
    kinds = [k for k, _ in events]
    assert kinds[:2] == ["observe", "fit"] and kinds.count("fit") >= 3  # the model, CV folds
    assert kinds == ["observe", "fit"] * (len(kinds) // 2)  # each model observes, then fits
    assert len(texts) > len(labelled)
    for kind, seen in events:
        if kind == "observe":
            assert sorted(seen) == texts  # every task, once
        else:
            assert set(seen) <= set(labelled)
    assert sorted(events[1][1]) == sorted(labelled * 2)  # both targets of each labelled task


def test_suggest_writes_the_queue_scores_and_the_server_serves_them_in_order(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    """Each suggestion's score is labeling.suggest.queue's, for the model's distributions
    and this run's seed (recomputable from the version the project now has), with each
    near-duplicate after the first of its cluster; and the server serves the tasks in
    that order."""
    cfg = config(tmp_path, model="python", python_model="tests.suggest_helpers:HashModel",
                 seed=5)
    tasks = push_toy(studio_server, tmp_path, project_title, cfg)
    with studio_server.client() as studio:
        for i in range(9):
            label(studio, tasks[f"a{i:02d}"], gold_of(i))
    r = cli(["suggest", "--project", project_title, "--config", str(cfg), "-q"],
            studio_server.env())
    assert r.exit_code == 0, r.output
    schema = load_schema(cfg)
    targets = [t.id for t in schema.targets]
    with studio_server.client() as studio:
        proj = studio.project(project_title, fields=("model_version",))
        pid, version = int(proj["id"]), str(proj["model_version"])
        got = {task_id_of(p): float(p["score"]) for p in ours(studio, pid, version)}
        data = {int(t["id"]): t["data"] for t in studio.iter_tasks(pid, include="id,data")}
    todo = sorted(got)
    assert len(todo) == 9
    # representativeness among all the project's texts, the labelled ones too
    dens = dict(zip(data, representativeness([str(d["quote"]) for d in data.values()]),
                    strict=True))
    expected = queue_scores(
        [str(data[t]["quote_id"]) for t in todo],
        [[hash_dist(Item(str(data[t]["quote"]), x)) for x in targets] for t in todo],
        [targets] * len(todo), seed=queue_seed(5, version),
        density=[dens[t] for t in todo])
    # The toy's quotes of one stance differ by a city name only: near-duplicates, one
    # cluster per stance, but two for NONE, whose city sits mid-sentence (Rome: i % 6 == 2,
    # Prague: 5). a00-a08 (labelled) were served already.
    def cluster(i: int) -> str:
        return str(i % 6 if i % 3 == 2 else i % 3)

    article = {tid: int(aid[1:]) for aid, tid in tasks.items()}
    done = {c: sum(1 for i in range(9) if cluster(i) == c) for c in map(cluster, range(18))}
    expected = spread_duplicates(expected, [cluster(article[t]) for t in todo], done)
    assert [got[t] for t in todo] == pytest.approx(expected)
    assert all(0.0 <= x < 1.0 for x in got.values())
    # The annotator is served the tasks in the order of these scores, lowest first: the
    # first task of each cluster not yet served before the second.
    served = []
    with studio_server.client() as studio:
        for _ in todo:
            task = studio.next_task(pid)
            assert task is not None
            served.append(int(task["id"]))
            label(studio, int(task["id"]), "NONE")
    assert served == sorted(todo, key=lambda t: got[t])


def test_too_few_labels_is_an_error_and_changes_nothing(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    cfg = config(tmp_path)
    tasks = push_toy(studio_server, tmp_path, project_title, cfg)
    with studio_server.client() as studio:
        for aid in ("a00", "a01"):  # 2 quotes x 2 targets: 4 labelled items
            label(studio, tasks[aid], gold_of(int(aid[1:])))
    r = cli(["suggest", "--project", project_title, "--config", str(cfg), "-q"],
            studio_server.env())
    assert r.exit_code == 1
    assert "4 labelled items" in r.output and "at least 6" in r.output
    with studio_server.client() as studio:
        proj = studio.project(project_title, fields=("model_version", "sampling"))
        assert not str(proj["model_version"]).startswith(wire.SUGGEST_PREFIX)
        assert proj["sampling"] != "Uncertainty sampling"
        assert not [p for p in studio.predictions(int(proj["id"]))
                    if "suggest" in p["model_version"]]


@pytest.mark.parametrize("show", ["hidden", "ab"])
def test_hidden_suggestions_carry_no_stance_but_are_logged(
        studio_server: RunningStudio, tmp_path: Path, project_title: str, show: str) -> None:
    cfg = config(tmp_path, show=show, ab_hidden_share=0.5, seed=3)
    tasks = push_toy(studio_server, tmp_path, project_title, cfg)
    with studio_server.client() as studio:
        for i in range(9):
            label(studio, tasks[f"a{i:02d}"], gold_of(i))
    r = cli(["suggest", "--project", project_title, "--config", str(cfg), "-q"],
            studio_server.env())
    assert r.exit_code == 0, r.output
    with studio_server.client() as studio:
        proj = studio.project(project_title, fields=("model_version",))
        pid, version = int(proj["id"]), str(proj["model_version"])
        preds = {task_id_of(p): p for p in ours(studio, pid, version)}
        logs = wire.suggestions_by_task(studio.predictions(pid))
    assert len(preds) == 9
    hidden = [tid for tid, p in preds.items() if stance_of(p) is None]
    if show == "hidden":
        assert len(hidden) == 9
    else:  # seeded: some of each
        assert 0 < len(hidden) < 9
    for tid, p in preds.items():
        (log,) = logs[tid]
        assert log.shown == (tid not in hidden)
        assert log.labels["ground_troops"] in LABELS  # what was suggested, shown or not
        assert any(x["from_name"] == "spans" for x in p["result"])
    if show == "hidden":
        # What an annotator reads: the label stream carries no suggested stance (only the
        # spans); the task's API, beyond the stream, carries the log with the suggestion
        # (Label Studio Community has no roles: README, "What an annotator can see").
        ann = add_annotator(studio_server.url, f"peek-{uuid.uuid4().hex[:6]}@example.org",
                            api_key=studio_server.token, state_dir=tmp_path / "st")
        http = session(studio_server.url, ann.email, ann.password)
        try:
            served = http.get(f"/api/projects/{pid}/next").json()
            assert served["id"] in preds and served["predictions"]
            assert not any(x["type"] == "choices"
                           for pr in served["predictions"] for x in pr["result"])
            task = http.get(f"/api/tasks/{served['id']}").json()
            logged = [x["value"]["choices"] for pr in task["predictions"]
                      if str(pr["model_version"]).startswith(wire.SUGGEST_LOG_PREFIX + "-")
                      for x in pr["result"]]
            assert [logs[served["id"]][0].labels["ground_troops"]] in logged
        finally:
            http.close()


def test_pull_records_what_was_suggested_and_whether_it_was_shown(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    cfg = config(tmp_path, show="prefill")
    tasks = push_toy(studio_server, tmp_path, project_title, cfg)
    with studio_server.client() as studio:
        for i in range(9):
            label(studio, tasks[f"a{i:02d}"], gold_of(i))
    assert cli(["suggest", "--project", project_title, "--config", str(cfg), "-q"],
               studio_server.env()).exit_code == 0
    with studio_server.client() as studio:
        proj = studio.project(project_title, fields=("model_version",))
        pid, version = int(proj["id"]), str(proj["model_version"])
        preds = {task_id_of(p): p for p in ours(studio, pid, version)}
        # a10: made in an editor pre-filled from the suggestion (the editor sends
        # parent_prediction; the browser test shows it does); a11: made without it, and
        # against the suggestion.
        studio.create_annotation(tasks["a10"], parent_prediction=preds[tasks["a10"]]["id"],
                                 result=preds[tasks["a10"]]["result"])
        label(studio, tasks["a11"], "FAVOR")  # gold of a11 is NONE
    out = tmp_path / "export"
    r = cli(["pull", "--project", project_title, "--config", str(cfg), "-o", str(out)],
            studio_server.env())
    assert r.exit_code == 0, r.output
    import datasets

    rows = {(row["article_id"], row["target"]): row
            for part in datasets.load_from_disk(str(out)).values() for row in part}
    (v10,) = rows[("a10", "ground_troops")]["votes"]
    assert v10["suggestion_shown"] is True and LABELS[v10["suggested"]] == gold_of(10)
    (v11,) = rows[("a11", "ground_troops")]["votes"]
    assert v11["suggestion_shown"] is False and LABELS[v11["suggested"]] == "NONE"
    (v0,) = rows[("a00", "ground_troops")]["votes"]  # labelled before any suggestion
    assert v0["suggested"] == -1 and v0["suggestion_shown"] is False
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    coder = stats["suggestions"]["model_as_coder"]
    assert coder["per_target"]["ground_troops"] == {"items": 2, "agreement": 0.5}
    anch = stats["suggestions"]["anchoring"]
    assert anch["votes_shown"] == 2 and anch["votes_hidden"] == 2  # two targets each
    assert "Model suggestions" in (out / "README.md").read_text(encoding="utf-8")


def test_anchoring_effect_and_model_as_coder() -> None:
    from labeling.annotations.suggestions import anchoring, model_as_coder

    def vote(stance: int, suggested: int, shown: bool) -> dict[str, Any]:
        return {"stance": stance, "suggested": suggested, "suggestion_shown": shown,
                "skipped": False}

    # shown: 4 of 4 agree with the suggestion; hidden: 1 of 4
    votes = [[vote(0, 0, True)], [vote(1, 1, True)], [vote(2, 2, True)], [vote(0, 0, True)],
             [vote(1, 0, False)], [vote(2, 0, False)], [vote(0, 0, False)], [vote(2, 1, False)]]
    a = anchoring(votes, seed=1)
    assert a["agreement_shown"] == 1.0 and a["agreement_hidden"] == 0.25
    assert a["effect"] == 0.75 and a["ci95"][0] <= 0.75 <= a["ci95"][1]
    one_arm = anchoring([[vote(0, 0, True)]])
    assert one_arm["effect"] is None and one_arm["ci95"] is None  # no hidden votes: no effect
    assert one_arm["agreement_shown"] == 1.0 and one_arm["agreement_hidden"] is None
    # all hidden (show: hidden): how often the votes agree with the unseen suggestion
    only_hidden = anchoring([[vote(1, 0, False)], [vote(0, 0, False)], [vote(2, 2, False)]])
    assert only_hidden["agreement_hidden"] == 2 / 3 and only_hidden["effect"] is None
    c = model_as_coder(["t", "t", "u"], [0, 1, -1],
                       [[vote(0, 0, True)], [vote(1, 0, False)], [vote(0, 0, True)]])
    # FAVOR (index 0) counts: a label index of 0 is a label, not "none"
    assert c["per_target"] == {"t": {"items": 2, "agreement": 0.5}}
