#!/usr/bin/env python3
"""Quote segmentation: quality with the shared scorer, and speed against a baseline.

    python bench/segment_bench.py [CORPUS.jsonl] [--scorer score.py] [--repeat 3]
                                  [--engine default|parse|both]

Runs the default engine and a plain quotation-mark regex (the baseline) on the same
articles in the same process, on one core (``--engine parse``: the hybrid parse engine of
:mod:`labeling.segmenter.parsed` instead, ``both``: the two engines; the spaCy model is
loaded before the clock starts, and parsing runs one article at a time), and prints:
- the scorer's figures (overlap >= 50 %, --split-parts): overall P/R/F1, recall per gold
  type, speaker accuracy on matched quotes, and F1 on gold direct quotes twice: "direct F1"
  against every prediction (``--gold-types direct``: a reported-speech unit that matches no
  gold counts against it) and "quoted" against the predictions that hold a quotation
  (``--pred-types direct,mixed``), which measures the quotation pass alone;
- a strict speaker accuracy, where a pronoun or description ("he", "the French leader")
  counts only when the unit also carries the name it resolves to (``speaker_name``);
- articles per second (CPU time, one process) for both, and their ratio.
Defaults to the PolNeAR development split beside the repository (../shared/bench/quotes).

The learned layer (``--learn``, needs the ``learn`` extra): trains rules+model on the first
N articles of PolNeAR train for each N of ``--curve`` (default 50,200,840; standing in for
a team's corrections), scores each on the corpus in the same table as the rules alone, and
times it (CPU, one process, 16 articles at a time as ``labeling segment`` hands them over;
training time apart). ``--models DIR`` keeps the models there (``DIR/n840`` ...; outside the
repository: they are trained on PolNeAR) and ``--reuse`` loads them instead of training
again. The whole-process speed runs ``labeling segment`` on the corpus (or ``--whole
FILE``) in a fresh interpreter, without ``--model``, with it, and with it and
``--num-proc 2`` (start-up, reading, model loading and writing included; CPU and wall).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from labeling.segmenter import segment  # noqa: E402
from labeling.segmenter.lexicon import PRONOUNS  # noqa: E402

SHARED = REPO.parent / "shared" / "bench" / "quotes"
_BASELINE = re.compile(r"[“\"]([^”\"\n]{3,})[”\"]")


def baseline(text: str) -> list[dict[str, Any]]:
    """The field's quotation-mark regex: quoted spans, no attribution."""
    return [{"start": m.start(), "end": m.end(), "speaker": None, "type": "direct"}
            for m in _BASELINE.finditer(text)]


def engine(text: str) -> list[dict[str, Any]]:
    return [q.to_dict() for q in segment(text)]


def parse_engine(text: str) -> list[dict[str, Any]]:
    from labeling.segmenter.parsed import segment_parsed

    return [q.to_dict() for q in segment_parsed(text)]


def timed(fn: Any, docs: list[dict[str, Any]], repeat: int) -> tuple[list[dict[str, Any]], float]:
    best = float("inf")
    out: list[dict[str, Any]] = []
    for _ in range(repeat):
        t0 = time.process_time()
        out = [{"doc_id": d["doc_id"], "quotes": fn(d["text"])} for d in docs]
        best = min(best, time.process_time() - t0)
    return out, best


def timed_many(fn: Any, docs: list[dict[str, Any]], repeat: int, chunk: int = 16
               ) -> tuple[list[dict[str, Any]], float]:
    """Like :func:`timed` for an engine that cuts ``chunk`` texts at a time (as `labeling
    segment` hands them over)."""
    best = float("inf")
    out: list[dict[str, Any]] = []
    for _ in range(repeat):
        t0 = time.process_time()
        units = [u for i in range(0, len(docs), chunk)
                 for u in fn([d["text"] for d in docs[i:i + chunk]])]
        best = min(best, time.process_time() - t0)
        out = [{"doc_id": d["doc_id"], "quotes": [q.to_dict() for q in us]}
               for d, us in zip(docs, units, strict=True)]
    return out, best


def is_mention_only(q: dict[str, Any]) -> bool:
    """A pronoun or a description ("the French leader") rather than a name."""
    sp = (q.get("speaker") or "").strip()
    if not sp:
        return False
    words = sp.split()
    low = words[0].lower()
    return (len(words) == 1 and low in PRONOUNS) or (low in ("the", "a", "an") and
                                                       not any(w[:1].isupper() for w in words[1:]))


def strict(preds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop speakers that are mentions without a resolved name (they then count as wrong)."""
    out = []
    for d in preds:
        qs = []
        for q in d["quotes"]:
            q = dict(q)
            if is_mention_only(q) and not q.get("speaker_name"):
                q["speaker"] = None
            qs.append(q)
        out.append({"doc_id": d["doc_id"], "quotes": qs})
    return out


def score(scorer: Path, gold: Path, preds: list[dict[str, Any]], *extra: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "pred.jsonl"
        p.write_text("".join(json.dumps(d) + "\n" for d in preds), encoding="utf-8")
        j = Path(tmp) / "res.json"
        subprocess.run([sys.executable, str(scorer), str(gold), str(p), "--split-parts",
                        "--json", str(j), *extra], check=True, capture_output=True)
        res: dict[str, Any] = json.loads(j.read_text())
        return res


def learn(a: Any, gold: Path, docs: list[dict[str, Any]]
          ) -> list[tuple[str, list[dict[str, Any]], float, dict[str, Any]]]:
    """Train (or reuse) one model per training size; predictions, CPU time, facts."""
    from labeling.learn.model import load_model, train_model

    models = Path(a.models) if a.models else Path(tempfile.mkdtemp(prefix="segbench-"))
    out = []
    for n in (int(x) for x in a.curve.split(",")):
        folder = models / f"n{n}"
        t_train = None
        if not (a.reuse and (folder / "manifest.json").is_file()):
            t0 = time.process_time()
            train_model([a.train], folder, folds=0, limit=n)
            t_train = time.process_time() - t0
        model = load_model(folder)
        if a.add_threshold is not None:
            model.add_above = a.add_threshold
        preds, t = timed_many(model.segment_many, docs, a.repeat)
        facts = {"folder": str(folder), "documents": model.manifest["training_data"]["documents"],
                 "train_cpu_s": None if t_train is None else round(t_train, 1)}
        out.append((f"rules+model {n}", preds, t, facts))
    return out


def whole_process(corpus: Path, extra: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``labeling segment CORPUS`` in a fresh interpreter."""
    import resource

    with tempfile.TemporaryDirectory() as tmp:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "labeling", "segment", str(corpus), "-o",
                        str(Path(tmp) / "out.jsonl"), "-q", *extra], check=True, cwd=REPO,
                       capture_output=True)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=str(SHARED / "polnear_dev.jsonl"))
    ap.add_argument("--scorer", default=str(SHARED / "score.py"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--engine", choices=("default", "parse", "both"), default="default")
    ap.add_argument("--learn", action="store_true", help="Also train and score rules+model.")
    ap.add_argument("--train", default=str(SHARED / "polnear_train.jsonl"))
    ap.add_argument("--curve", default="50,200,840", help="Training sizes (articles).")
    ap.add_argument("--models", default=None, help="Folder to keep the models in.")
    ap.add_argument("--reuse", action="store_true", help="Load the models of --models.")
    ap.add_argument("--whole", default=None,
                    help="Corpus for the whole-process timing (default: the scored one).")
    ap.add_argument("--add-threshold", type=float, default=None,
                    help="Override the models' add_above (mean content probability of a unit "
                         "the model adds).")
    a = ap.parse_args()
    gold = Path(a.corpus)
    docs = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line]
    systems: list[tuple[str, list[dict[str, Any]], float]] = []
    if a.engine in ("default", "both"):
        systems.append(("engine", *timed(engine, docs, a.repeat)))
    if a.engine in ("parse", "both"):
        from labeling.segmenter.parsed import load_model

        load_model()  # once, outside the clock
        systems.append(("parse engine", *timed(parse_engine, docs, a.repeat)))
    learned = learn(a, gold, docs) if a.learn else []
    systems += [(name, preds, t) for name, preds, t, _ in learned]
    base, t_base = timed(baseline, docs, a.repeat)
    systems.append(("baseline regex", base, t_base))
    rows = []
    for name, preds, _ in systems:
        r = score(Path(a.scorer), gold, preds)
        rd = score(Path(a.scorer), gold, preds, "--gold-types", "direct")
        rs = score(Path(a.scorer), gold, strict(preds))
        rq = score(Path(a.scorer), gold, preds, "--gold-types", "direct",
                   "--pred-types", "direct,mixed")
        rsd = score(Path(a.scorer), gold, strict(preds), "--gold-types", "direct")
        ov = r["spans"]["overlap"]
        rows.append((name, ov, rd["spans"]["overlap"], rq["spans"]["overlap"],
                     r["recall_by_gold_type"],
                     r["speaker"]["overlap"]["accuracy"], rs["speaker"]["overlap"]["accuracy"],
                     rsd["speaker"]["overlap"]["accuracy"]))
    print(f"corpus: {gold.name}, {len(docs)} articles, "
          f"{sum(len(d['quotes']) for d in docs)} gold attributions")
    print("\nquality (overlap >= 50 %, --split-parts)")
    print(f"{'system':<16}{'P':>7}{'R':>7}{'F1':>7}{'direct F1':>11}{'quoted':>8}{'rec dir':>9}"
          f"{'rec mix':>9}"
          f"{'rec ind':>9}{'spk acc':>9}{'strict':>8}{'strict dir':>11}")

    def pct(x: Any) -> str:
        return "  n/a" if x is None else f"{100 * x:5.1f}"

    for name, ov, ovd, ovq, by_type, acc, acc_strict, acc_sd in rows:
        print(f"{name:<16}{pct(ov['precision']):>7}{pct(ov['recall']):>7}{pct(ov['f1']):>7}"
              f"{pct(ovd['f1']):>11}{pct(ovq['f1']):>8}"
              f"{pct(by_type.get('direct', {}).get('overlap')):>9}"
              f"{pct(by_type.get('mixed', {}).get('overlap')):>9}"
              f"{pct(by_type.get('indirect', {}).get('overlap')):>9}{pct(acc):>9}"
              f"{pct(acc_strict):>8}{pct(acc_sd):>11}")
    n = len(docs)
    print("\nspeed (CPU time, one process, best of", a.repeat, "runs)")
    for name, _, t in systems:
        print(f"  {name:<16}{n / t:9.1f} articles/s")
    for name, _, t in systems[:-1]:
        print(f"  ratio {name}/baseline: {t_base / t:.3f} ({name} takes {t / t_base:.1f}x "
              "the baseline's time)")
    if learned:
        print("\nlearned layer: training (CPU s) and the manifest's cross-validation")
        for name, _, _, info in learned:
            print(f"  {name:<16} {info}")
        whole = Path(a.whole) if a.whole else gold
        nw = sum(1 for line in whole.read_text(encoding="utf-8").splitlines() if line)
        print(f"\nwhole process: `labeling segment {whole.name}` ({nw} articles) in a fresh "
              "interpreter (start-up, reading, model loading, writing; best of "
              f"{a.repeat})")
        model = learned[-1][3]["folder"]
        for label, extra in (("rules alone", []), (f"{learned[-1][0]}", ["--model", model]),
                             (f"{learned[-1][0]} -j2", ["--model", model, "--num-proc", "2"])):
            runs = [whole_process(whole, extra) for _ in range(a.repeat)]
            wall, cpu = min(w for w, _ in runs), min(c for _, c in runs)
            print(f"  {label:<20}{nw / cpu:7.1f} articles/s CPU ({cpu:.2f} s), "
                  f"{nw / wall:.1f} wall ({wall:.2f} s)")
        print(f"  (load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; -j2 is "
              "--num-proc 2: CPU time is both processes', wall time counts when two cores "
              "are free)")


if __name__ == "__main__":
    main()
