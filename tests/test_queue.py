"""The queue scores ``labeling suggest`` writes (pure): lower = less certain, spread over targets."""

from __future__ import annotations

import pytest

from labeling.suggest.queue import queue_scores, queue_seed, representativeness


def dist(m: float) -> dict[str, float]:
    """A distribution whose top-two margin is ``m``."""
    top = (1 + m) / 2
    return {"FAVOR": top, "AGAINST": top - m, "NONE": 0.0}


def test_within_a_target_a_less_certain_task_scores_lower() -> None:
    margins = [0.9, 0.1, 0.5, 0.0, 0.7]
    s = queue_scores([f"q{i}" for i in range(5)], [[dist(m)] for m in margins],
                     [["t"]] * 5, seed=1, random_share=0.0)
    assert sorted(range(5), key=lambda i: s[i]) == [3, 1, 2, 4, 0]
    assert all(0 < x < 1 for x in s)


def test_the_lowest_scores_spread_over_targets_in_proportion() -> None:
    # Target a: 40 tasks, all less certain than any of target b's 10. Plain margins would
    # serve 10 of a's first; the queue serves the least certain of each, 8 a and 2 b.
    margins = [0.01 * i for i in range(40)] + [0.8 + 0.01 * i for i in range(10)]
    targets = [["a"]] * 40 + [["b"]] * 10
    s = queue_scores([f"q{i}" for i in range(50)], [[dist(m)] for m in margins], targets,
                     seed=0, random_share=0.0)
    first = sorted(range(50), key=lambda i: s[i])[:10]
    assert sorted(first) == [0, 1, 2, 3, 4, 5, 6, 7, 40, 41]


def test_a_task_counts_in_the_target_of_its_smallest_margin() -> None:
    # q0 asks about a and b; its uncertain target is b, where it is the least certain.
    keys = ["q0", "q1", "q2", "q3"]
    dists = [[dist(0.9), dist(0.2)], [dist(0.1)], [dist(0.3)], [dist(0.5)]]
    targets = [["a", "b"], ["a"], ["b"], ["b"]]
    s = queue_scores(keys, dists, targets, seed=0, random_share=0.0)
    assert s[0] == pytest.approx(0.5 / 3)  # first of b's three
    assert s[1] == pytest.approx(0.5)  # alone in a


def test_no_suggestion_is_as_uncertain_as_it_gets() -> None:
    s = queue_scores(["q0", "q1", "q2"], [[dist(0.0)], [{}], [dist(0.3)]], [["t"]] * 3,
                     seed=0, random_share=0.0)
    assert s[1] < s[0] < s[2]


def test_a_seeded_share_of_tasks_is_scored_at_random() -> None:
    n = 2000
    keys = [f"q{i}" for i in range(n)]
    dists = [[dist(i / n)] for i in range(n)]
    targets = [["t"]] * n
    plain = queue_scores(keys, dists, targets, seed=3, random_share=0.0)
    mixed = queue_scores(keys, dists, targets, seed=3, random_share=0.3)
    moved = sum(a != b for a, b in zip(plain, mixed, strict=True))
    assert 0.25 * n < moved < 0.35 * n
    assert mixed == queue_scores(keys, dists, targets, seed=3, random_share=0.3)  # seeded
    other = queue_scores(keys, dists, targets, seed=4, random_share=0.3)
    assert other != mixed  # another run draws other tasks
    # the random picks reach into the certain end: some of the most certain tenth is
    # among the first 10 % served
    first = set(sorted(range(n), key=lambda i: mixed[i])[: n // 10])
    assert any(i >= 0.9 * n for i in first)


def test_queue_seed_differs_per_run_and_is_stable() -> None:
    assert queue_seed(0, "run-a") == queue_seed(0, "run-a")
    assert queue_seed(0, "run-a") != queue_seed(0, "run-b")
    assert queue_seed(0, "run-a") != queue_seed(1, "run-a")


@pytest.mark.parametrize(("keys", "dists", "targets", "why"), [
    (["q0"], [], [["t"]], "1 keys, 0 distributions"),
    (["q0"], [[dist(0.1), dist(0.2)]], [["t"]], "task 'q0': 2 distributions for 1 targets"),
])
def test_mismatched_inputs_are_clear_errors(keys: list[str], dists: list[list[dict[str, float]]],
                                            targets: list[list[str]], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        queue_scores(keys, dists, targets, seed=0)


def test_with_density_an_uncertain_task_in_a_dense_region_comes_first() -> None:
    # Same margin, q1 sits among many like it: it comes first; a sure task stays last
    # however dense its region.
    keys = ["q0", "q1", "q2"]
    s = queue_scores(keys, [[dist(0.1)], [dist(0.1)], [dist(0.95)]], [["t"]] * 3, seed=0,
                     density=[0.1, 0.8, 0.9], random_share=0.0)
    assert s[1] < s[0] < s[2]
    with pytest.raises(ValueError, match="3 keys but 2 density values"):
        queue_scores(keys, [[dist(0.1)]] * 3, [["t"]] * 3, seed=0, density=[0.1, 0.2])


def test_representativeness_is_high_among_similar_texts_low_for_an_outlier() -> None:
    texts = [f"the senate votes on the climate bill today {w}" for w in
             ("again", "now", "finally", "late", "early")] + ["my cat likes warm pancakes"]
    rep = representativeness(texts, neighbours=2)
    assert len(rep) == 6
    assert max(rep[:5]) > 0.5 and rep[5] < min(rep[:5])
    assert representativeness(["one"]) == [0.0]
    assert representativeness(["", ""]) == [0.0, 0.0]  # no words: no neighbours


def test_representativeness_with_a_sampled_reference_keeps_the_order() -> None:
    # Beyond max_reference texts the neighbours come from a sample: dense texts still
    # score above outliers.
    texts = [f"the senate votes on the climate bill {i}" for i in range(40)] + \
        [f"unique{i} pancakes{i} lighthouse{i}" for i in range(10)]
    rep = representativeness(texts, neighbours=4, max_reference=20)
    assert min(rep[:40]) > max(rep[40:])
    assert rep == representativeness(texts, neighbours=4, max_reference=20)  # seeded
