"""The model as an extra coder and the anchoring effect (labeling.annotations.suggestions):
what `stats.json` and the card report about suggestions, on votes made by hand."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from labeling.annotations.suggestions import anchoring, model_as_coder


def vote(stance: int | None, suggested: int | None, shown: bool = False,
         skipped: bool = False) -> dict[str, Any]:
    return {"stance": stance, "suggested": suggested, "suggestion_shown": shown,
            "skipped": skipped}


# ----------------------------------------------------------------------------- the model as coder
def test_model_as_coder_counts_the_first_suggestion_against_the_final_label() -> None:
    got = model_as_coder(
        ["t", "t", "t", "u", "u"], [0, 1, 2, 1, 1],
        [[vote(0, 0), vote(1, 2)],  # first suggestion 0 = final 0: agrees (the later one not)
         [vote(1, 0)],              # 0 against final 1: disagrees
         [vote(2, 2)],              # agrees
         [vote(1, 1)],
         [vote(1, 1)]])
    assert got == {"items": 5, "agreement": 0.8,
                   "per_target": {"t": {"items": 3, "agreement": 2 / 3},
                                  "u": {"items": 2, "agreement": 1.0}}}


def test_model_as_coder_leaves_out_what_it_cannot_judge() -> None:
    got = model_as_coder(
        ["t", "t", "t", "t", "t"], [-1, 0, 1, 1, 2],
        [[vote(0, 0)],                 # no final label
         [],                           # a final label but no vote (adjudicated): no first vote
         [vote(1, None), vote(1, 1)],  # the first vote had no suggestion
         [vote(1, -1)],                # nor this one
         [vote(0, 1)]])                # the only one judged: disagrees
    assert got == {"items": 1, "agreement": 0.0,
                   "per_target": {"t": {"items": 1, "agreement": 0.0}}}
    assert model_as_coder([], [], []) == {"items": 0, "agreement": None, "per_target": {}}
    with pytest.raises(ValueError):
        model_as_coder(["t"], [0, 1], [[vote(0, 0)]])


# ----------------------------------------------------------------------------- anchoring
def _reference_ci(rows: list[tuple[list[int], list[int]]], n_boot: int, seed: int
                  ) -> tuple[float, float] | None:
    """The item bootstrap written out as a loop (the module's is vectorised)."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(rows), size=(n_boot, len(rows)))
    diffs = []
    for draw in draws:
        sh = [x for i in draw for x in rows[i][0]]
        hi = [x for i in draw for x in rows[i][1]]
        if sh and hi:
            diffs.append(sum(sh) / len(sh) - sum(hi) / len(hi))
    if not diffs:
        return None
    lo, up = np.percentile(diffs, [2.5, 97.5])
    return float(lo), float(up)


def test_anchoring_reports_both_arms_the_effect_and_its_bootstrap_interval() -> None:
    votes = [[vote(0, 0, True), vote(1, 0, False)],   # item 1: one shown (agrees), one hidden
             [vote(2, 2, True)], [vote(1, 2, True)],  # shown: 2 of 3 agree
             [vote(0, 0, False), vote(2, 0, False)],  # hidden: 1 of 3 agree
             [vote(1, 1, True), vote(1, 1, False)]]
    rows = [([1], [0]), ([1], []), ([0], []), ([], [1, 0]), ([1], [1])]
    got = anchoring(votes, n_boot=400, seed=5)
    lo, hi = _reference_ci(rows, 400, 5) or (None, None)
    ci = got.pop("ci95")
    assert got == pytest.approx({
        "votes_shown": 4, "votes_hidden": 4, "agreement_shown": 0.75,
        "agreement_hidden": 0.5, "effect": 0.25})
    assert ci == pytest.approx([lo, hi])
    assert lo is not None and hi is not None and lo < 0.25 < hi
    assert anchoring(votes, n_boot=400) == anchoring(votes, n_boot=400, seed=0)  # seeded


def test_anchoring_leaves_out_skips_and_votes_without_a_suggestion_or_a_stance() -> None:
    counted = [[vote(0, 0, True)], [vote(0, 1, False)]]
    noise = [[vote(0, 0, True, skipped=True), vote(1, None, True), vote(None, 1, False),
              vote(2, -1, False)], [vote(-1, 2, True)]]
    for extra in ([], noise, noise[::-1]):
        got = anchoring(counted + extra, n_boot=50)
        assert (got["votes_shown"], got["votes_hidden"]) == (1, 1)
        assert (got["agreement_shown"], got["agreement_hidden"], got["effect"]) == (1.0, 0.0, 1.0)
    # a left-out vote does not end its item: the votes after it count
    got = anchoring([[vote(0, None, True), vote(0, 0, True), vote(1, 0, False)]], n_boot=50)
    assert (got["votes_shown"], got["votes_hidden"]) == (1, 1)


def test_anchoring_with_one_arm_or_none() -> None:
    empty = {"votes_shown": 0, "votes_hidden": 0, "agreement_shown": None,
             "agreement_hidden": None, "effect": None, "ci95": None}
    assert anchoring([]) == empty
    assert anchoring([[vote(0, 0, True, skipped=True)]]) == empty
    assert anchoring([[vote(0, 0, True)], [vote(1, 0, True)]]) == {
        **empty, "votes_shown": 2, "agreement_shown": 0.5}
    assert anchoring([[vote(0, 0)], [vote(1, 0)], [vote(1, 1)]]) == {
        **empty, "votes_hidden": 3, "agreement_hidden": 2 / 3}


def test_resamples_with_an_empty_arm_are_dropped_quietly() -> None:
    # One item shown only, one hidden only: a resample may hold one arm only (0 / 0).
    votes = [[vote(0, 0, True)], [vote(0, 1, False)]]
    rows = [([1], []), ([], [0])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division warning escapes
        got = anchoring(votes, n_boot=200, seed=3)
    assert got["effect"] == 1.0 and got["ci95"] == pytest.approx(list(_reference_ci(rows, 200, 3)
                                                                       or []))
    # every resample one-armed: no interval, the effect still stands
    seed = next(s for s in range(100)
                if len(set(np.random.default_rng(s).integers(0, 2, size=(1, 2))[0])) == 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = anchoring(votes, n_boot=1, seed=seed)
    assert got["effect"] == 1.0 and got["ci95"] is None


def test_the_interval_is_the_item_bootstrap_at_2_5_and_97_5_percent() -> None:
    rng = np.random.default_rng(11)
    votes, rows = [], []
    for _ in range(40):  # items with one to three votes, some shown, some hidden
        vs = [vote(int(rng.integers(3)), int(rng.integers(3)), bool(rng.integers(2)))
              for _ in range(int(rng.integers(1, 4)))]
        votes.append(vs)
        rows.append(([int(v["stance"] == v["suggested"]) for v in vs if v["suggestion_shown"]],
                     [int(v["stance"] == v["suggested"]) for v in vs
                      if not v["suggestion_shown"]]))
    got = anchoring(votes, n_boot=2000, seed=2)
    assert got["ci95"] == pytest.approx(list(_reference_ci(rows, 2000, 2) or []))
    # by default 1,000 resamples
    assert anchoring(votes, seed=2)["ci95"] == pytest.approx(
        list(_reference_ci(rows, 1000, 2) or []))
