"""Offline active-learning simulator: which queue order reaches the full-pool F_avg first.

No server. It replays ``bench/replay.py``'s protocol on a labelled stance file: the
first K records in file order are labelled (the server's sequential order before any
suggestion), then every K labels the built-in model is retrained on the labels so far,
scored on the evaluation file (F_avg = mean F1 of FAVOR and AGAINST; macro F1), and a
strategy gives every unlabelled record a score; the K lowest are labelled next (Label
Studio's uncertainty sampling serves the lowest score first and the queue is reordered
only when ``suggest`` runs, i.e. every K labels).

Speed: the built-in model's features (word 1-2 and char 2-5 TF-IDF, shared and conjoined
with the target) are computed once, the vocabulary and IDF fitted on the whole pool's
texts (unlabelled texts are known to the tool too); each step fits the same balanced
logistic regression on the labelled rows, restricted to the columns they use (a column
no labelled row uses gets weight 0 under L2 anyway), warm-started from the previous
step's weights (the same optimum, reached faster). ``--exact`` refits the product's
``BuiltinModel`` at every step instead, as ``labeling suggest`` does (it observes the
pool's texts, then fits on the labelled ones): slower.

Strategies (``--strategies``, comma-separated):

- ``sequential``: file order; ``random``: a seeded shuffle (``--seeds`` seeds);
- ``margin``: top-two margin (the product before this change); ``entropy``;
- ``labelq``: :func:`labeling.suggest.queue.queue_scores` as the product calls it
  (uncertainty x representativeness among all the pool's texts, ranked within target),
  then :func:`labeling.suggest.queue.spread_duplicates` over the near-duplicate clusters;
  ``labelq-plain``: the same without spreading the near-duplicates;
- ``pct``: the margin's percentile within the record's target (each batch spreads over targets);
- ``pct-mixR``: ``pct`` with a share R (percent) of the batch drawn at random;
- ``pct-class``: percentile within target x predicted label;
- ``pct-dense``: uncertainty x representativeness (mean cosine similarity to the 10
  nearest pool texts of the same target), ranked within target;
- ``dense-all``: the same with representativeness over the whole pool
  (:func:`labeling.suggest.queue.representativeness`, word TF-IDF);
- ``dense-left``: representativeness among the records still to label only.

``--folds N`` measures with less noise than the 294 validation tweets give: the training
and evaluation records together are cut into N seeded folds; for each fold the others
are the pool (in file order) and the fold is scored, and the gap to that fold's own
full-pool F_avg is averaged over folds, step by step (with the first step at which each
fold came within one point).

    python bench/al_sim.py TRAIN.jsonl --eval VAL.jsonl [--k 100] [--max-labels 1600]
    python bench/al_sim.py TRAIN.jsonl --eval VAL.jsonl --exact --folds 5 --strategies labelq,random
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

Arr = np.ndarray[Any, Any]  # numpy arrays of any shape and type

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from labeling.annotations.neardup import cluster_ids  # noqa: E402
from labeling.suggest.base import Item  # noqa: E402
from labeling.suggest.builtin import BuiltinModel  # noqa: E402
from labeling.suggest.models import score  # noqa: E402
from labeling.suggest.queue import (  # noqa: E402
    queue_scores,
    representativeness,
    spread_duplicates,
)

LABELS = ["FAVOR", "AGAINST", "NONE"]


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


class Features:
    """The built-in model's feature matrix for pool and eval, computed once."""

    def __init__(self, pool: list[dict[str, Any]], evals: list[dict[str, Any]]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        m = BuiltinModel(LABELS)
        docs = [r["text"] for r in pool]
        m._word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True,
                                  max_features=m.max_features).fit(docs)
        m._char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                  min_df=2, max_features=m.max_features).fit(docs)
        m._targets = {t: j for j, t in enumerate(sorted({r["target"] for r in pool}))}
        self.pool = m._features([Item(r["text"], r["target"]) for r in pool])
        self.eval = m._features([Item(r["text"], r["target"]) for r in evals])
        # The shared block alone, L2-normalised: text similarity for density weighting.
        width = len(m._word.vocabulary_) + len(m._char.vocabulary_)
        base = self.pool[:, :width]
        norms = np.sqrt(np.asarray(base.multiply(base).sum(axis=1))).ravel()
        norms[norms == 0] = 1.0
        import scipy.sparse as sp

        self.text = sp.diags(1 / norms) @ base


def fit_predict(feats: Features, labelled: Arr, y: Arr,
                warm: dict[str, Any] | None = None) -> tuple[Arr, Arr, list[str]]:
    """(pool probabilities, eval probabilities, classes) of the model on the labelled rows.

    ``warm`` (one dict per curve) carries the previous step's weights: L2-regularised
    logistic regression has one optimum, so a warm start changes only how fast lbfgs
    gets there (about 5 times faster here; predictions agree with a cold start to within
    the solver's tolerance, about 98 % of them)."""
    from sklearn.linear_model import LogisticRegression

    x = feats.pool[labelled]
    cols = np.unique(x.indices)
    classes = sorted(set(y[labelled].tolist()))
    start = warm is not None and warm.get("classes") == classes
    clf = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced", random_state=0,
                             warm_start=start)
    if start and warm is not None:
        clf.coef_ = warm["coef"][:, cols].copy()
        clf.intercept_ = warm["intercept"].copy()
    clf.fit(x[:, cols], y[labelled])
    if warm is not None:
        full = np.zeros((clf.coef_.shape[0], feats.pool.shape[1]))
        full[:, cols] = clf.coef_
        warm.update(coef=full, intercept=clf.intercept_.copy(), classes=classes)
    return (clf.predict_proba(feats.pool[:, cols]), clf.predict_proba(feats.eval[:, cols]),
            [str(c) for c in clf.classes_])


ENCODER: list[Any] = []  # --encoder: the sentence encoder of the exact model, if any


def fit_predict_exact(pool: list[dict[str, Any]], evals: list[dict[str, Any]],
                      labelled: Arr) -> tuple[Arr, Arr, list[str]]:
    m = BuiltinModel(LABELS, encoder=ENCODER[0] if ENCODER else None)
    m.observe([Item(r["text"], "") for r in pool])  # as suggest does: every project text
    m.fit([Item(pool[i]["text"], pool[i]["target"]) for i in labelled],
          [pool[i]["label"] for i in labelled])
    p = m.predict_proba([Item(r["text"], r["target"]) for r in pool])
    e = m.predict_proba([Item(r["text"], r["target"]) for r in evals])
    return (np.array([[d[lab] for lab in LABELS] for d in p]),
            np.array([[d[lab] for lab in LABELS] for d in e]), list(LABELS))


def f_scores(probs: Arr, classes: list[str], gold: list[str]) -> tuple[float, float]:
    pred: list[str | None] = [classes[j] for j in probs.argmax(axis=1)]
    q = score(gold, pred, LABELS)
    return q.f_avg or 0.0, q.macro_f1


def within_target_rank(values: Arr, targets: Arr) -> Arr:
    """Each value's percentile among the values of its target (0 = lowest)."""
    out = np.empty(len(values))
    for t in np.unique(targets):
        idx = np.flatnonzero(targets == t)
        order = idx[np.argsort(values[idx], kind="stable")]
        out[order] = (np.arange(len(idx)) + 0.5) / len(idx)
    return out


def density(feats: Features, targets: Arr, k: int = 10) -> Arr:
    """Mean cosine similarity of each pool text to its k nearest texts of the same target."""
    out = np.zeros(feats.text.shape[0])
    for t in np.unique(targets):
        idx = np.flatnonzero(targets == t)
        sims = (feats.text[idx] @ feats.text[idx].T).toarray()
        np.fill_diagonal(sims, -1)
        kk = min(k, len(idx) - 1)
        out[idx] = np.sort(sims, axis=1)[:, -kk:].mean(axis=1) if kk > 0 else 0
    return out


Strategy = Callable[[Arr, list[str], Arr, np.random.Generator], Arr]


def make_strategies(pool: list[dict[str, Any]], feats: Features) -> dict[str, Strategy]:
    targets = np.array([r["target"] for r in pool])
    dens_cache: list[Arr] = []

    def margin(p: Arr) -> Arr:
        s: Arr = np.sort(p, axis=1)
        out: Arr = s[:, -1] - s[:, -2]
        return out

    def s_margin(p: Arr, cl: list[str], un: Arr, rng: np.random.Generator
                 ) -> Arr:
        return margin(p[un])

    def s_entropy(p: Arr, cl: list[str], un: Arr, rng: np.random.Generator
                  ) -> Arr:
        q = np.clip(p[un], 1e-12, 1)
        neg: Arr = (q * np.log(q)).sum(axis=1)  # = -entropy: low = uncertain
        return neg

    def s_pct(p: Arr, cl: list[str], un: Arr, rng: np.random.Generator
              ) -> Arr:
        return within_target_rank(margin(p[un]), targets[un])

    def s_class(p: Arr, cl: list[str], un: Arr, rng: np.random.Generator
                ) -> Arr:
        pred = np.array(cl)[p[un].argmax(axis=1)]
        groups = np.char.add(np.char.add(targets[un].astype(str), "|"), pred.astype(str))
        return within_target_rank(margin(p[un]), groups)

    def s_dense(p: Arr, cl: list[str], un: Arr, rng: np.random.Generator
                ) -> Arr:
        if not dens_cache:
            dens_cache.append(density(feats, targets))
        info = (1 - margin(p[un])) * dens_cache[0][un]
        return within_target_rank(-info, targets[un])

    rep: list[Arr] = []
    dup: list[Arr] = []

    def s_dense_left(p: Arr, cl: list[str], un: Arr, rng: np.random.Generator
                     ) -> Arr:
        # Density among the tasks still to label only (recomputed every step).
        dists = [dict(zip(cl, row, strict=True)) for row in p[un]]
        keys = [str(pool[i]["id"]) for i in un]
        dens = representativeness([pool[i]["text"] for i in un])
        scores = queue_scores(keys, [[d] for d in dists], [[str(targets[i])] for i in un],
                              seed=int(rng.integers(2**31)), density=dens, random_share=0.0)
        return np.array(scores)

    def s_labelq(p: Arr, cl: list[str], un: Arr, rng: np.random.Generator
                 ) -> Arr:
        return labelq(p, cl, un, rng, spread=True)

    def s_labelq_plain(p: Arr, cl: list[str], un: Arr, rng: np.random.Generator
                       ) -> Arr:
        return labelq(p, cl, un, rng, spread=False)

    def labelq(p: Arr, cl: list[str], un: Arr, rng: np.random.Generator, spread: bool
               ) -> Arr:
        # As the product calls it: density among all the project's texts (the whole pool).
        if not rep:
            rep.append(np.array(representativeness([r["text"] for r in pool])))
        if not dup:  # near-duplicate clusters of two or more, as suggest finds them
            ids = cluster_ids({str(i): str(r["text"]) for i, r in enumerate(pool)})
            size = Counter(ids.values())
            dup.append(np.array([ids[str(i)] if size[ids[str(i)]] > 1 else ""
                                 for i in range(len(pool))], dtype=object))
        dists = [dict(zip(cl, row, strict=True)) for row in p[un]]
        keys = [str(pool[i]["id"]) for i in un]
        scores = queue_scores(keys, [[d] for d in dists], [[str(targets[i])] for i in un],
                              seed=int(rng.integers(2**31)), density=list(rep[0][un]))
        if not spread:
            return np.array(scores)
        left = np.zeros(len(pool), dtype=bool)
        left[un] = True
        done = Counter(str(c) for c in dup[0][~left] if c)
        return np.array(spread_duplicates(scores, [str(dup[0][i]) or None for i in un], done))

    def s_dense_all(p: Arr, cl: list[str], un: Arr, rng: np.random.Generator
                    ) -> Arr:
        # Density over the whole pool (all targets), computed once.
        if not rep:
            rep.append(np.array(representativeness([r["text"] for r in pool])))
        info = (1 - margin(p[un])) * rep[0][un]
        return within_target_rank(-info, targets[un])

    def mix(share: float) -> Strategy:
        def s(p: Arr, cl: list[str], un: Arr, rng: np.random.Generator
              ) -> Arr:
            base = s_pct(p, cl, un, rng)
            pick = rng.random(len(un)) < share
            base[pick] = rng.random(int(pick.sum()))
            return base
        return s

    out: dict[str, Strategy] = {"margin": s_margin, "entropy": s_entropy, "pct": s_pct,
                                "pct-class": s_class, "pct-dense": s_dense, "labelq": s_labelq,
                                "labelq-plain": s_labelq_plain,
                                "dense-all": s_dense_all, "dense-left": s_dense_left}
    for r in (10, 20, 30, 50):
        out[f"pct-mix{r}"] = mix(r / 100)
    return out


def run(name: str, pool: list[dict[str, Any]], evals: list[dict[str, Any]], feats: Features,
        k: int, max_labels: int, seed: int, exact: bool,
        strategies: dict[str, Strategy]) -> list[tuple[int, float, float]]:
    n = len(pool)
    y = np.array([r["label"] for r in pool])
    gold = [r["label"] for r in evals]
    rng = np.random.default_rng(seed)
    if name == "sequential":
        order = list(range(n))
    elif name == "random":
        order = [int(i) for i in rng.permutation(n)]
    else:
        order = list(range(k))  # before any suggestion: the server's sequential order
    labelled: list[int] = order[:k]
    curve = []
    warm: dict[str, Any] = {}
    while True:
        idx = np.array(labelled)
        if exact:
            pp, pe, cl = fit_predict_exact(pool, evals, idx)
        else:
            pp, pe, cl = fit_predict(feats, idx, y, warm)
        fa, mf = f_scores(pe, cl, gold)
        curve.append((len(labelled), fa, mf))
        if len(labelled) >= min(n, max_labels):
            break
        if name in ("sequential", "random"):
            labelled = order[:len(labelled) + k]
            continue
        mask = np.ones(n, bool)
        mask[idx] = False
        un = np.flatnonzero(mask)
        s = strategies[name](pp, cl, un, rng)
        nxt = un[np.argsort(s, kind="stable")[:k]]
        labelled = labelled + [int(i) for i in nxt]
    return curve


def fold_gaps(records: list[dict[str, Any]], folds: int, names: list[str], k: int,
              max_labels: int, seeds: int, exact: bool, repeats: int = 1,
              first_partition: int = 7) -> None:
    """Print, per strategy, the mean gap to each fold's full-pool F_avg at every step
    (``repeats`` partitions into folds, seeded ``first_partition``, + 1, ...)."""
    gaps: dict[str, list[dict[int, float]]] = {}
    t0 = time.perf_counter()
    for r, f in ((r, f) for r in range(repeats) for f in range(folds)):
        rng = np.random.default_rng(first_partition + r)
        fold_of = np.empty(len(records), int)
        fold_of[rng.permutation(len(records))] = np.arange(len(records)) % folds
        pool = [r for i, r in enumerate(records) if fold_of[i] != f]
        evals = [r for i, r in enumerate(records) if fold_of[i] == f]
        feats = Features(pool, evals)
        strategies = make_strategies(pool, feats)
        every = np.arange(len(pool))
        if exact:
            _, pe, cl = fit_predict_exact(pool, evals, every)
        else:
            _, pe, cl = fit_predict(feats, every, np.array([r["label"] for r in pool]))
        full = f_scores(pe, cl, [r["label"] for r in evals])[0]
        for name in names:
            seeded = name == "random" or name.startswith("pct-mix")
            for seed in range(seeds if seeded else 1):
                cap = len(pool) if name == "sequential" else max_labels
                c = run(name, pool, evals, feats, k, cap, seed + 100 * f + 1000 * r, exact,
                        strategies)
                gaps.setdefault(name, []).append({m: full - fa for m, fa, _ in c})
                print(f"partition {r} fold {f} (pool {len(pool)}, scored on {len(evals)}, full-pool F_avg "
                      f"{full:.1f}) {name} seed {seed}: gap "
                      + " ".join(f"{m}:{full - fa:.1f}" for m, fa, _ in c)
                      + f"  [{time.perf_counter() - t0:.0f} s]", flush=True)
    print(f"\nmean gap to the fold's full-pool F_avg ({repeats} x {folds} folds; within 1 point "
          "is the goal):")
    for name, gs in gaps.items():
        steps = sorted(set.intersection(*(set(g) for g in gs)))
        hits = [next((m for m in sorted(g) if g[m] <= 1.0), None) for g in gs]
        print(f"  {name:<12} first within 1 point per curve {hits}")
        print("    " + " ".join(f"{m}:{np.mean([g[m] for g in gs]):.1f}" for m in steps))


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("gold", type=Path)
    ap.add_argument("--eval", type=Path, required=True)
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--max-labels", type=int, default=1600,
                    help="stop each curve here (sequential always runs to the full pool)")
    ap.add_argument("--strategies", default="sequential,random,margin,pct,pct-mix30")
    ap.add_argument("--seeds", type=int, default=3, help="seeds for the seeded strategies")
    ap.add_argument("--exact", action="store_true", help="refit BuiltinModel at every step")
    ap.add_argument("--json", type=Path, default=None, help="also write the curves here")
    ap.add_argument("--folds", type=int, default=0,
                    help="score on N folds of GOLD + EVAL instead of EVAL (mean gap per step)")
    ap.add_argument("--repeats", type=int, default=1,
                    help="with --folds: this many seeded partitions into folds")
    ap.add_argument("--first-partition", type=int, default=7,
                    help="with --folds: the seed of the first partition (the next: + 1, ...)")
    ap.add_argument("--encoder", default="none", choices=["none", "minilm"],
                    help="with --exact: the built-in model's sentence encoder (the encoder extra)")
    args = ap.parse_args()
    pool, evals = load(args.gold), load(args.eval)
    if args.encoder != "none":
        if not args.exact:
            ap.error("--encoder needs --exact")
        from labeling.suggest.encoder import load_encoder

        ENCODER.append(load_encoder(args.encoder, None))  # in memory: one embedding per text
    if args.folds:
        fold_gaps(pool + evals, args.folds, args.strategies.split(","), args.k,
                  args.max_labels, args.seeds, args.exact, args.repeats,
                  args.first_partition)
        return
    t0 = time.perf_counter()
    feats = Features(pool, evals)
    strategies = make_strategies(pool, feats)
    y = np.array([r["label"] for r in pool])
    _, pe, cl = fit_predict(feats, np.arange(len(pool)), y)
    full, full_macro = f_scores(pe, cl, [r["label"] for r in evals])
    print(f"pool {len(pool)}, eval {len(evals)}, K {args.k}; full-pool F_avg {full:.1f} "
          f"(macro F1 {full_macro:.1f}); target {full - 1:.1f}", flush=True)
    results: dict[str, list[list[tuple[int, float, float]]]] = {}
    for name in args.strategies.split(","):
        seeded = name not in ("sequential", "margin", "entropy", "pct", "pct-class",
                              "pct-dense", "dense-all", "dense-left", "labelq")
        for seed in range(args.seeds if seeded else 1):
            cap = len(pool) if name == "sequential" else args.max_labels
            c = run(name, pool, evals, feats, args.k, cap, seed, args.exact, strategies)
            results.setdefault(name, []).append(c)
            hit = next((m for m, f, _ in c if f >= full - 1.0), None)
            print(f"{name:<12} seed {seed}: within 1 point at {hit} labels; "
                  + " ".join(f"{m}:{f:.1f}" for m, f, _ in c)
                  + f"  [{time.perf_counter() - t0:.0f} s]", flush=True)
    print(f"\nmean F_avg over seeds (full-pool {full:.1f}):")
    names = list(results)
    print(f"{'labels':>7}" + "".join(f" {n:>12}" for n in names))
    steps = sorted({m for cs in results.values() for c in cs for m, *_ in c})
    for m in steps:
        cells = []
        for n in names:
            vals = [f for c in results[n] for mm, f, _ in c if mm == m]
            cells.append(f"{np.mean(vals):>12.1f}" if len(vals) == len(results[n])
                         else f"{'':>12}")
        print(f"{m:>7}" + "".join(f" {x}" for x in cells))
    print("\nlabels to come within 1 point of the full-pool F_avg (per seed; the mean curve):")
    for n in names:
        per = [next((m for m, f, _ in c if f >= full - 1.0), None) for c in results[n]]
        mean_curve = [(m, np.mean([f for c in results[n] for mm, f, _ in c if mm == m]))
                      for m in steps if all(any(mm == m for mm, *_ in c) for c in results[n])]
        mean_hit = next((m for m, f in mean_curve if f >= full - 1.0), None)
        print(f"  {n:<12} {per}  mean curve: {mean_hit}")
    if args.json:
        args.json.write_text(json.dumps({"full": full, "k": args.k, "curves": results}))


if __name__ == "__main__":
    main()
