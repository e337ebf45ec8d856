"""Quality of the built-in stance model on a labelled stance set (SemEval-2016 by default).

Prints F_avg (mean F1 of FAVOR and AGAINST, pooled over targets) and macro F1:
trained on the training file and scored on the validation file, and k-fold
cross-validated on both together. The model is trained as ``labeling suggest`` trains it:
it first observes the texts of the project (the training file; for cross-validation both
files, the held-out fold's texts without their labels), then fits on the labelled ones.
SemEval-2016's test tweets are not available here, so neither figure is the published
test-set figure.

    python bench/suggest_quality.py [TRAIN.jsonl VAL.jsonl] [--folds 5] [--c 10]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from labeling.suggest.base import Item, observe_all
from labeling.suggest.builtin import BuiltinModel
from labeling.suggest.models import cross_validate, score, top_label


def _stance_dir() -> Path:
    """``shared/bench/stance`` beside the repository (or beside a folder above it)."""
    for up in Path(__file__).resolve().parents:
        if (up / "shared" / "bench" / "stance").is_dir():
            return up / "shared" / "bench" / "stance"
    return Path("shared/bench/stance")


STANCE = _stance_dir()
LABELS = ["FAVOR", "AGAINST", "NONE"]


def load(path: Path) -> tuple[list[Item], list[str]]:
    items, labels = [], []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            items.append(Item(text=r["text"], target=r["target"]))
            labels.append(r["label"])
    return items, labels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("train", nargs="?", default=str(STANCE / "semeval2016_train.jsonl"))
    ap.add_argument("val", nargs="?", default=str(STANCE / "semeval2016_val.jsonl"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--c", type=float, default=10.0)
    ap.add_argument("--no-cv", action="store_true")
    ap.add_argument("--encoder", default="none", choices=["none", "minilm"],
                    help="the built-in model's sentence encoder (the encoder extra)")
    args = ap.parse_args()
    encoder = None
    if args.encoder != "none":
        from labeling.suggest.encoder import load_encoder

        encoder = load_encoder(args.encoder, None)  # in memory: each text embedded once
    tr_items, tr_labels = load(Path(args.train))
    va_items, va_labels = load(Path(args.val))
    t = time.perf_counter()
    model = BuiltinModel(LABELS, c=args.c, encoder=encoder)
    model.observe(tr_items)
    model.fit(tr_items, tr_labels)
    pred = [top_label(d) for d in model.predict_proba(va_items)]
    q = score(va_labels, pred, LABELS)
    print(f"train ({len(tr_items)}) -> val ({len(va_items)}): F_avg {q.f_avg:.1f}, "
          f"macro F1 {q.macro_f1:.1f}  [{time.perf_counter() - t:.1f} s]", flush=True)
    if not args.no_cv:
        t = time.perf_counter()
        every = tr_items + va_items
        cv = cross_validate(
            lambda: observe_all(BuiltinModel(LABELS, c=args.c, encoder=encoder), every),
            every, tr_labels + va_labels, LABELS, folds=args.folds)
        print(f"{cv.folds}-fold CV on train+val ({cv.n_labels}): F_avg {cv.f_avg:.1f}, "
              f"macro F1 {cv.macro_f1:.1f}  [{time.perf_counter() - t:.1f} s]")


if __name__ == "__main__":
    main()
