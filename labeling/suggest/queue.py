"""The queue order ``labeling suggest`` writes: one score per task, lowest served first.

Label Studio's uncertainty sampling serves the task with the lowest prediction score
first, and the order changes only when ``suggest`` runs again (every few dozen or
hundred labels): a run's K lowest scores are, in effect, the next batch an annotator
labels. The plain margin (the task's smallest top-two margin) makes that batch the K
least certain tasks of the whole pool, which in practice pile up on one target (the
one the model knows least, or whose texts are most alike) and on near-identical texts.

:func:`queue_scores` instead ranks each task's margin *within its target* (the target
with the smallest margin among those the task asks about) and scores it by that
percentile, so each batch takes the least certain tasks of every target in proportion
to the target's size; and a share of the tasks get a random score instead, seeded per
run, so part of every batch is a uniform sample (uncertainty alone keeps away from the
regions the model is wrongly sure of). The share was chosen with ``bench/al_sim.py``
(README, "Active learning").

:func:`spread_duplicates` then puts each near-duplicate after its cluster's first task:
Label Studio's own ``cluster`` field would do it per annotator, but its uncertainty
sampling gives every task without a cluster the count of all the solved tasks without
one, so it served every clustered task before any other (``next_task.py``, 1.23.2).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence

RANDOM_SHARE = 0.0  # share of tasks scored at random (bench/al_sim.py: pct-mixR)
NEIGHBOURS = 10  # representativeness: mean similarity to this many nearest texts
MAX_REFERENCE = 3000  # neighbours sought among at most this many texts (a seeded sample)
_CHUNK = 500  # rows of the similarity matrix held at once (memory stays ~ chunk x tasks)


def margin(dist: Mapping[str, float]) -> float:
    """Top probability minus the second (1 = sure, 0 = a coin toss; empty: 0)."""
    p = sorted(dist.values(), reverse=True)
    return p[0] - (p[1] if len(p) > 1 else 0.0) if p else 0.0


def queue_seed(seed: int, run: str) -> int:
    """The seed of one run's random picks: the schema's seed and the run's model version,
    so reruns draw afresh and a run can be recomputed from what the server stores.

    The first 4 bytes, big-endian, of the SHA-256 of ``"{seed}|{run}"`` (fixed: a change
    would make earlier runs impossible to recompute)."""
    return int.from_bytes(hashlib.sha256(f"{seed}|{run}".encode()).digest()[:4], "big")


def _uniform(seed: int, key: str, salt: str) -> float:
    """A seeded uniform draw in [0, 1): the first 8 bytes, big-endian, of the SHA-256 of
    ``"{seed}|{salt}|{key}"``, over 2**64."""
    h = hashlib.sha256(f"{seed}|{salt}|{key}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def representativeness(texts: Sequence[str], *, neighbours: int = NEIGHBOURS,
                       max_reference: int = MAX_REFERENCE) -> list[float]:
    """Per text, its mean cosine similarity (word TF-IDF) to its ``neighbours`` most similar
    other texts: high in dense regions (many texts like it), low for outliers. TF-IDF
    with sublinear term frequency; ``neighbours`` is capped at the reference size - 1.

    With more than ``max_reference`` texts, the neighbours are sought among a fixed
    seeded sample of that many (numpy's ``default_rng(0)``, without replacement; and
    ``neighbours`` shrinks in proportion, at least 1), so the cost grows with the number
    of texts, not its square; memory stays at a chunk of rows x the reference texts.
    """
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(texts)
    if n < 2:
        return [0.0] * n
    try:
        x = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)  # rows are L2-normed
    except ValueError:  # no word at all (empty or stop-word-only texts)
        return [0.0] * n
    if n > max_reference:
        ref = np.sort(np.random.default_rng(0).choice(n, max_reference, replace=False))
        k = max(1, round(neighbours * max_reference / n))
    else:
        ref = np.arange(n)
        k = neighbours
    k = min(k, len(ref) - 1)
    col_of = np.full(n, -1)
    col_of[ref] = np.arange(len(ref))
    rt = x[ref].T.tocsc()
    m = len(ref)
    out = np.zeros(n)
    for start in range(0, n, _CHUNK):
        sims = (x[start:start + _CHUNK] @ rt).toarray()
        rows = np.arange(sims.shape[0])
        own = col_of[start:start + sims.shape[0]]
        sims[rows[own >= 0], own[own >= 0]] = -1.0  # not its own neighbour
        out[start:start + sims.shape[0]] = np.partition(sims, m - k, axis=1)[:, m - k:].mean(1)
    return [float(v) for v in out]


def queue_scores(keys: Sequence[str], dists: Sequence[Sequence[Mapping[str, float]]],
                 targets: Sequence[Sequence[str]], *, seed: int,
                 density: Sequence[float] | None = None,
                 random_share: float = RANDOM_SHARE) -> list[float]:
    """One score in (0, 1) per task; low = serve first.

    ``keys[i]`` identifies task i (stable, e.g. its quote id), ``dists[i]`` holds the
    model's distribution for each target ``targets[i]`` the task asks about (an empty
    distribution: no suggestion, served before any other of its group, with or without
    ``density``). A task's uncertainty is its
    smallest margin; its group is the target of that margin (the first such target on a
    tie; a task without targets is a group of its own kind). The score is the task's
    percentile among its group's tasks by margin, (rank + 0.5) / size, ties broken by a
    seeded hash; so the lowest K scores spread over the targets in proportion to their
    sizes, the least certain of each first. A seeded ``random_share`` of the tasks (the
    same ``seed`` and keys give the same choice) get a uniform random score instead.
    The seeded draws are :func:`_uniform` with the salts ``"tie"``, ``"pick"`` (picked if
    below ``random_share``) and ``"score"``.

    With ``density`` (one value >= 0 per task, e.g. :func:`representativeness`), tasks
    are ranked within their group by (1 - margin) x density instead: an uncertain task
    in a dense region (whose label teaches the model about many texts) before an
    uncertain outlier.
    """
    if density is not None and len(density) != len(keys):
        raise ValueError(f"{len(keys)} keys but {len(density)} density values")
    if not len(keys) == len(dists) == len(targets):
        raise ValueError(f"{len(keys)} keys, {len(dists)} distributions, {len(targets)} "
                         "target lists: one each per task")
    if not 0.0 <= random_share <= 1.0:
        raise ValueError(f"random_share {random_share} is not between 0 and 1")
    # group -> (has a suggestion, rank key, tie hash, index); None: the tasks without targets
    groups: dict[str | None, list[tuple[bool, float, float, int]]] = defaultdict(list)
    for i, (key, ds, ts) in enumerate(zip(keys, dists, targets, strict=True)):
        if len(ds) != len(ts):
            raise ValueError(f"task {key!r}: {len(ds)} distributions for {len(ts)} targets")
        # No distribution (no suggestion): before even a coin toss.
        ms = [margin(d) if d else -1.0 for d in ds]
        low = min(range(len(ms)), key=lambda j: ms[j]) if ms else -1
        group = ts[low] if low >= 0 else None
        m = ms[low] if low >= 0 else -1.0
        rank = m
        if density is not None:  # most informative first: (1 - margin) x density, negated
            rank = -(1.0 - m) * density[i]
        # A task without a suggestion stays first even when density weighs the others
        # (a density-weighted key alone let a low-density one fall behind them).
        groups[group].append((m >= 0, rank, _uniform(seed, key, "tie"), i))
    scores = [0.0] * len(keys)
    for members in groups.values():
        members.sort()
        for pos, (_, _, _, i) in enumerate(members):
            scores[i] = (pos + 0.5) / len(members)
    if random_share > 0:
        for i, key in enumerate(keys):
            if _uniform(seed, key, "pick") < random_share:
                scores[i] = _uniform(seed, key, "score")
    return scores


def spread_duplicates(scores: Sequence[float], clusters: Sequence[str | None],
                      done: Mapping[str, int] | None = None) -> list[float]:
    """The queue scores with near-duplicates spread: a task's score plus the number of its
    near-duplicates served before it, so the first of each cluster keeps its place and the
    others come after every task whose cluster has not been served yet.

    ``clusters[i]`` names task i's near-duplicate cluster (``None``: a task of its own);
    ``done`` counts, per cluster, the tasks already labelled, which come first. Within a
    cluster the tasks keep the order of their scores (ties: the earlier task first).
    With scores in [0, 1) the result orders tasks as Label Studio's ``cluster`` meant to
    (fewest served of their cluster first, then by score), for every annotator at once.
    The sums are divided by 1 + the largest count added, so they stay in [0, 1) (the
    server refuses a prediction score above 1); without near-duplicates nothing changes.
    """
    if len(scores) != len(clusters):
        raise ValueError(f"{len(scores)} scores but {len(clusters)} clusters")
    done = done or {}
    members: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(clusters):
        if c is not None:
            members[c].append(i)
    add = [0] * len(scores)
    for c, ix in members.items():
        before = done.get(c, 0)
        for pos, i in enumerate(sorted(ix, key=lambda i: (scores[i], i))):
            add[i] = before + pos
    scale = 1 + max(add, default=0)
    return [(float(s) + n) / scale for s, n in zip(scores, add, strict=True)]
