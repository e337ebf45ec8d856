"""The queue scores ``labeling suggest`` writes (pure): lower = less certain, spread over targets."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

import labeling.suggest.queue as queue_mod
from labeling.suggest.queue import (
    _uniform,
    margin,
    queue_scores,
    queue_seed,
    representativeness,
    spread_duplicates,
)


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


# --- brute-force references of the documented rules ------------------------------------


def draw(seed: int, key: str, salt: str) -> float:
    """The documented seeded draw: SHA-256 of "seed|salt|key", 8 bytes big-endian / 2**64."""
    return int.from_bytes(hashlib.sha256(f"{seed}|{salt}|{key}".encode()).digest()[:8],
                          "big") / 2**64


def brute_scores(keys: list[str], dists: list[list[dict[str, float]]],
                 targets: list[list[str]], seed: int, density: list[float] | None,
                 share: float) -> list[float]:
    """queue_scores' docstring, written out the slow way."""
    entries: list[tuple[object, bool, float, float, int]] = []
    for i, (key, ds, ts) in enumerate(zip(keys, dists, targets, strict=True)):
        ms = []
        for d in ds:
            p = sorted(d.values(), reverse=True) + [0.0]
            ms.append(p[0] - p[1] if d else -1.0)
        best = min(ms) if ms else -1.0
        group: object = ts[ms.index(best)] if ms else ("no targets",)
        rank = best if density is None else -(1.0 - best) * density[i]
        entries.append((group, best >= 0, rank, draw(seed, key, "tie"), i))
    scores = [0.0] * len(keys)
    for g in {e[0] for e in entries}:
        members = sorted(e[1:] for e in entries if e[0] == g)
        for pos, member in enumerate(members):
            scores[member[-1]] = (pos + 0.5) / len(members)
    return [draw(seed, k, "score") if draw(seed, k, "pick") < share else s
            for k, s in zip(keys, scores, strict=True)]


def brute_rep(texts: list[str], k: int, ref: list[int]) -> list[float]:
    """Mean cosine similarity to the k most similar texts of ``ref`` other than itself."""
    x = TfidfVectorizer(sublinear_tf=True).fit_transform(texts).toarray()
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-300)
    sims = x @ x.T
    k = min(k, len(ref) - 1)
    return [float(np.mean(sorted((sims[i, j] for j in ref if j != i), reverse=True)[:k]))
            for i in range(len(texts))]


def random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = [f"w{j}" for j in range(12)]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(2, 8))) for _ in range(n)]


# --- margin, seeds, draws ---------------------------------------------------------------


def test_margin_of_one_two_three_labels_and_of_none() -> None:
    assert margin({"FAVOR": 0.7}) == pytest.approx(0.7)  # one label: its probability
    assert margin({}) == 0.0
    assert margin({"FAVOR": 0.3, "AGAINST": 0.7}) == pytest.approx(0.4)
    assert margin({"FAVOR": 0.5, "AGAINST": 0.3, "NONE": 0.2}) == pytest.approx(0.2)


def test_queue_seed_is_the_documented_32_bit_hash() -> None:
    # A run is recomputed from the seed and model version the server stores: the value
    # must not drift between versions of the tool.
    for seed, run in [(0, "run-a"), (7, "labeling-suggest-20261205T000000Z")]:
        want = int.from_bytes(hashlib.sha256(f"{seed}|{run}".encode()).digest()[:4], "big")
        assert queue_seed(seed, run) == want
    assert all(0 <= queue_seed(s, "r") < 2**32 for s in range(200))
    assert max(queue_seed(s, "r") for s in range(200)) >= 2**31  # uses the 32 bits


def test_the_seeded_draw_is_uniform_in_0_1_and_documented() -> None:
    xs = [_uniform(3, f"q{i}", "tie") for i in range(4000)]
    assert all(0.0 <= x < 1.0 for x in xs)
    counts = [0] * 10
    for x in xs:
        counts[int(x * 10)] += 1
    assert all(330 < c < 470 for c in counts)  # 400 expected per tenth
    assert xs[:50] == [draw(3, f"q{i}", "tie") for i in range(50)]
    assert _uniform(3, "q0", "tie") != _uniform(4, "q0", "tie") != _uniform(3, "q0", "pick")


# --- queue_scores ------------------------------------------------------------------------


def random_tasks(n: int, seed: int) -> tuple[list[str], list[list[dict[str, float]]],
                                             list[list[str]]]:
    """Tasks over targets a-c with coarse margins (many ties), one- to three-label
    distributions, some without a suggestion and some without targets."""
    rng = random.Random(seed)
    keys, dists, targets = [], [], []
    for i in range(n):
        ts = rng.sample(["a", "b", "c"], rng.choice([0, 1, 1, 2, 3]))
        ds: list[dict[str, float]] = []
        for _ in ts:
            if rng.random() < 0.1:
                ds.append({})
                continue
            labels = rng.sample(["FAVOR", "AGAINST", "NONE"], rng.randint(1, 3))
            ds.append({lab: rng.choice([0.0, 0.1, 0.2, 0.4, 0.5]) for lab in labels})
        keys.append(f"q{i}")
        dists.append(ds)
        targets.append(ts)
    return keys, dists, targets


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("with_density", [False, True])
@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_queue_scores_follow_the_documented_rule(seed: int, with_density: bool,
                                                 share: float) -> None:
    keys, dists, targets = random_tasks(120, seed)
    rng = random.Random(seed + 100)
    density = [rng.choice([0.0, 0.2, 0.5, 0.9]) for _ in keys] if with_density else None
    got = queue_scores(keys, dists, targets, seed=seed, density=density, random_share=share)
    assert got == brute_scores(keys, dists, targets, seed, density, share)
    assert all(0 < s < 1 for s in got)


def test_ties_are_broken_by_the_seeded_hash_not_by_input_order() -> None:
    keys = [f"q{i}" for i in range(30)]
    order = {}
    for seed in (0, 1):
        s = queue_scores(keys, [[dist(0.2)]] * 30, [["t"]] * 30, seed=seed)
        order[seed] = sorted(range(30), key=lambda i: s[i])
        assert order[seed] == sorted(range(30), key=lambda i: draw(seed, keys[i], "tie"))
    assert order[0] != order[1] and order[0] != list(range(30))


def test_tasks_without_targets_rank_among_themselves() -> None:
    keys = ["q0", "q1", "q2", "q3"]
    s = queue_scores(keys, [[], [dist(0.1)], [], []], [[], ["t"], [], []], seed=0,
                     density=[0.2, 0.5, 0.9, 0.5])
    assert s[1] == 0.5  # alone in t
    assert [s[2], s[3], s[0]] == [0.5 / 3, 1.5 / 3, 2.5 / 3]  # densest first


def test_no_suggestion_stays_first_with_density() -> None:
    # Bug fixed: with density the key was -(1 - (-1)) x density, so a task without a
    # suggestion in a sparse region (density 0) came after every suggested task.
    s = queue_scores(["q0", "q1", "q2"], [[{}], [dist(0.5)], [dist(0.0)]], [["t"]] * 3,
                     seed=0, density=[0.0, 0.5, 0.9], random_share=0.0)
    assert s[0] < s[2] < s[1]


def test_random_share_bounds() -> None:
    keys = ["q0", "q1"]
    args = ([[dist(0.1)], [dist(0.5)]], [["t"], ["t"]])
    everything = queue_scores(keys, *args, seed=2, random_share=1.0)
    assert everything == [draw(2, k, "score") for k in keys]  # all at random
    for bad in (1.5, -0.1):
        with pytest.raises(ValueError, match=f"random_share {bad} is not between 0 and 1"):
            queue_scores(keys, *args, seed=0, random_share=bad)


def test_mismatched_lengths_name_every_count() -> None:
    with pytest.raises(ValueError, match="2 keys, 1 distributions, 3 target lists"):
        queue_scores(["q0", "q1"], [[]], [[], [], []], seed=0)


# --- representativeness --------------------------------------------------------------------


def test_representativeness_of_two_texts_is_their_similarity() -> None:
    texts = ["the senate votes on the bill", "the senate rejects the bill bill"]
    rep = representativeness(texts)
    assert rep == pytest.approx(brute_rep(texts, 1, [0, 1]))
    assert 0.1 < rep[0] < 0.99


@pytest.mark.parametrize(("n", "neighbours"), [(7, 3), (9, 20), (25, 4)])
def test_representativeness_equals_brute_force(n: int, neighbours: int) -> None:
    texts = random_texts(n, n)
    assert representativeness(texts, neighbours=neighbours) == pytest.approx(
        brute_rep(texts, neighbours, list(range(n))))


def test_representativeness_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = random_texts(11, 5)
    monkeypatch.setattr(queue_mod, "_CHUNK", 4)  # chunks 0-3, 4-7, 8-10
    assert representativeness(texts, neighbours=3) == pytest.approx(
        brute_rep(texts, 3, list(range(11))))


@pytest.mark.parametrize(("n", "neighbours", "k"), [(40, 4, 2), (60, 2, 1)])
def test_representativeness_with_a_sample_equals_brute_force_on_it(
        monkeypatch: pytest.MonkeyPatch, n: int, neighbours: int, k: int) -> None:
    texts = random_texts(n, n + 1)
    monkeypatch.setattr(queue_mod, "_CHUNK", 7)
    ref = sorted(int(i) for i in np.random.default_rng(0).choice(n, 20, replace=False))
    assert representativeness(texts, neighbours=neighbours, max_reference=20) == \
        pytest.approx(brute_rep(texts, k, ref))  # k = neighbours x 20 / n, at least 1


# ------------------------------------------------------------------ near-duplicates
def _order(scores: list[float]) -> list[int]:
    return sorted(range(len(scores)), key=lambda i: scores[i])


def test_a_near_duplicate_comes_after_every_task_not_yet_served_of_another_cluster() -> None:
    # q1 and q3 print the same quote; q1 is the less certain of the two.
    scores = [0.5, 0.1, 0.3, 0.2, 0.9]
    out = spread_duplicates(scores, [None, "c", None, "c", None])
    assert _order(out) == [1, 2, 0, 4, 3]  # q3 after every other task
    assert all(0.0 <= x < 1.0 for x in out)


def test_a_cluster_already_served_comes_after_the_rest() -> None:
    # The cluster of q0 had a task labelled before: both its open tasks go after q1 and q2,
    # the less certain of them first.
    scores = [0.1, 0.6, 0.8, 0.05]
    out = spread_duplicates(scores, ["c", None, None, "c"], {"c": 1})
    assert _order(out) == [1, 2, 3, 0]


def test_the_tasks_of_a_cluster_follow_one_another_by_score_behind_fresh_clusters() -> None:
    # clusters a (3 tasks) and b (2): the first of each, then the second of each, then a's third
    scores = [0.7, 0.2, 0.4, 0.3, 0.6]
    out = spread_duplicates(scores, ["a", "a", "a", "b", "b"])
    assert _order(out) == [1, 3, 2, 4, 0]


def test_without_near_duplicates_the_scores_do_not_change() -> None:
    scores = [0.25, 0.75, 0.5]
    assert spread_duplicates(scores, [None, None, None]) == scores
    assert spread_duplicates(scores, ["a", "b", "c"]) == scores  # each its own cluster
    assert spread_duplicates([], []) == []


def test_spread_duplicates_checks_its_lengths() -> None:
    with pytest.raises(ValueError, match="2 scores but 1 clusters"):
        spread_duplicates([0.1, 0.2], [None])
