"""Hours left from each annotator's pace: the arithmetic, then ``labeling status`` on a
real server with annotations of known lead times."""

from __future__ import annotations

import json
from collections.abc import Hashable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from labeling.annotations.effort import _finish_time, effort
from labeling.cli import main
from labeling.schema import load_schema
from labeling.workflows.push import push
from labeling.workflows.status import status

from .helpers import CONFIG, RunningStudio


def test_parallel_annotators_at_their_own_pace() -> None:
    # 8 tasks, one vote each; 10 s and 30 s per item: 6 + 2 items in 60 s.
    e = effort([set()] * 8, {"a": [10.0], "b": [30.0]}, overlap=1)
    assert e.votes_left == 8 and e.votes_blocked == 0
    assert e.hours_left == pytest.approx(60 / 3600)
    assert e.annotator_hours_left == pytest.approx(120 / 3600)
    assert e.team_items_per_hour == pytest.approx(360 + 120)


def test_no_annotator_labels_a_task_twice() -> None:
    # 4 tasks x 2 votes: the fast one runs out of tasks after 4 items (40 s); the slow
    # one gives the other 4 votes alone: 120 s, not the 60 s of an unbounded split.
    e = effort([set()] * 4, {"a": [10.0], "b": [30.0]}, overlap=2)
    assert e.hours_left == pytest.approx(120 / 3600)
    assert e.annotator_hours_left == pytest.approx((40 + 120) / 3600)


def test_votes_nobody_can_give_are_blocked() -> None:
    e = effort([{"a"}, set()], {"a": [5.0], "b": [5.0]}, overlap=3)
    assert e.votes_left == 5 and e.votes_blocked == 2  # 1 + 1 beyond the two annotators
    assert e.hours_left == pytest.approx(10 / 3600)  # b does 2, a does 1, in parallel
    assert e.blocked_annotator_hours == pytest.approx(2 * 5 / 3600)
    # the blocked votes' time at the median pace of the active annotators
    e = effort([{"a"}, set()], {"a": [5.0], "b": [15.0], "d": [40.0], "c": [100.0]},
               overlap=4, active={"a", "b", "d"})
    assert e.votes_blocked == 2 and e.blocked_annotator_hours == pytest.approx(2 * 15 / 3600)
    assert effort([set()], {}, overlap=2).blocked_annotator_hours is None  # no pace yet


def test_pace_is_the_median_and_only_active_annotators_count() -> None:
    e = effort([set()] * 3, {"a": [5.0, 7.0, 3600.0], "b": [1.0], "c": []}, overlap=1,
               active={"a", "c"})
    assert e.pace_seconds == {"a": 7.0, "b": 1.0}
    assert e.hours_left == pytest.approx(21 / 3600)  # a alone: c has no pace, b is away
    assert effort([set()], {}, overlap=1).hours_left is None


def test_status_projects_hours_from_known_lead_times(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    cfg = tmp_path / "stance.yaml"
    cfg.write_text(CONFIG.read_text().replace("annotators_per_item: 3", "annotators_per_item: 2"))
    schema = load_schema(cfg)
    src = tmp_path / "t.jsonl"
    src.write_text("".join(json.dumps({"id": f"t{i}", "text": f"Short text number {i}."}) + "\n"
                           for i in range(4)), encoding="utf-8")
    client = studio_server.client()
    pid = push([src], project=project_title, schema=schema, studio=client,
               units="whole").project_id
    tids = sorted(int(t["id"]) for t in client.iter_tasks(pid, include="id"))
    alice = client.create_user("alice@effort.test")
    bob = client.create_user("bob@effort.test")
    vote = [{"from_name": "stance_ground_troops", "to_name": "context", "type": "choices",
             "value": {"choices": ["NONE"]}}]
    for tid, lead in zip(tids[:3], (10.0, 20.0, 30.0), strict=True):  # alice: median 20 s
        client.create_annotation(tid, result=vote, completed_by=alice["id"], lead_time=lead)
    client.create_annotation(tids[0], result=vote, completed_by=bob["id"], lead_time=60.0)
    client.create_annotation(tids[3], result=[], was_cancelled=True, completed_by=bob["id"],
                             lead_time=1.0)  # a skip: done with it, but no pace
    # Votes left: t0 0, t1 1, t2 1, t3 1 = 3. Alice may only do t3 (20 s); Bob does t1, t2
    # at 60 s each: 120 s. Together 120 s; working time 20 + 120 = 140 s.
    st = status(project=project_title, schema=schema, studio=client)
    assert st.annotations_left == 3 and st.votes_blocked == 0
    assert st.eta_hours == pytest.approx(120 / 3600)
    assert st.annotator_hours_left == pytest.approx(140 / 3600)
    assert st.team_items_per_hour == pytest.approx(3600 / 20 + 3600 / 60)
    res = CliRunner().invoke(main, ["status", "--project", project_title, "--config", str(cfg)],
                             env=studio_server.env(), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "work left: 3 annotations (about 0.03 h with the current annotators" in res.output
    assert "240 items/h together; 0.04 h of annotator time" in res.output
    got = json.loads(CliRunner().invoke(
        main, ["status", "--project", project_title, "--config", str(cfg), "--json"],
        env=studio_server.env()).output)
    assert got["eta_hours"] == pytest.approx(120 / 3600) and got["votes_blocked"] == 0

    # Three votes per task: 4 votes neither can give (t0 needs a third annotator, t1 and t2
    # a third, t3 a third as Bob skipped it), at their median pace of 40 s: 160 s; the
    # same 3 they can give.
    client.update_project(pid, maximum_annotations=3)
    res = CliRunner().invoke(main, ["status", "--project", project_title, "--config", str(cfg)],
                             env=studio_server.env(), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "work left: 7 annotations\n" in res.output
    assert "  3 the current annotators can give: about 0.03 h" in res.output
    assert ("  4 need more annotators (the current ones already labelled those tasks): about "
            "0.04 h of annotator time at the current annotators' median pace") in res.output


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(1.0, 100.0), st.integers(0, 20)), min_size=1, max_size=5),
       st.floats(0.0, 1.0))
def test_the_finish_time_is_the_least_time_the_team_needs(
        team: list[tuple[float, int]], share: float) -> None:
    # The least T with sum_a min(T / pace_a, cap_a) >= votes, against a bisection.
    pace: dict[Hashable, float] = {i: p for i, (p, _) in enumerate(team)}
    caps: dict[Hashable, int] = {i: c for i, (_, c) in enumerate(team)}
    votes = round(share * sum(caps.values()))

    def given_by(t: float) -> float:
        return sum(min(t / pace[a], caps[a]) for a in pace)

    lo, hi = 0.0, max(caps[a] * pace[a] for a in pace)
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if given_by(mid) >= votes - 1e-9 else (mid, hi)
    assert _finish_time(votes, pace, caps) == pytest.approx(hi if votes else 0.0, abs=1e-6)


def test_votes_already_given_by_annotators_who_left_count() -> None:
    # Three votes per task; z1 and z2 have left. Task 1 needs 3, a and b can give 2 (one
    # vote blocked); task 2 needs 1 of them. a (10 s) gives 2 in 20 s and has no task
    # left; b (30 s) gives the third in 30 s. The blocked vote: 20 s at the median pace.
    e = effort([set(), {"z1", "z2"}], {"a": [10.0], "b": [30.0]}, overlap=3)
    assert (e.votes_left, e.votes_blocked) == (4, 1)
    assert e.hours_left == pytest.approx(30 / 3600)
    assert e.annotator_hours_left == pytest.approx((20 + 30) / 3600)
    assert e.blocked_annotator_hours == pytest.approx(20 / 3600)
    # finished tasks ask for nothing, wherever they are in the list
    assert effort([{"a", "b"}, set(), {"a", "b"}], {"a": [10.0]}, overlap=2).votes_left == 2


def test_paces_ignore_missing_and_non_positive_lead_times() -> None:
    e = effort([set()], {"a": [None, 0.0, -3.0, 10.0, 20.0], "b": [0.0], "c": [12.34567]},
               overlap=1)
    assert e.pace_seconds == {"a": 15.0, "c": 12.346}  # b has no pace: none measured
    with pytest.raises(ValueError, match="^overlap must be at least 1$"):
        effort([set()], {}, overlap=0)


def test_without_an_active_pace_the_votes_are_still_counted() -> None:
    e = effort([set(), {"b"}], {"b": [5.0]}, overlap=2, active={"a"})
    assert (e.votes_left, e.votes_blocked) == (3, 3)  # a has no pace: nobody can give them
    assert (e.hours_left, e.annotator_hours_left, e.team_items_per_hour,
            e.blocked_annotator_hours) == (None, None, None, None)
    assert e.pace_seconds == {"b": 5.0}
