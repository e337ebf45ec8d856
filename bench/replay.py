"""Replay a labelled stance set through a real Label Studio: uncertainty vs sequential order.

Each record (``{"id", "target", "target_name", "text", "label"}``, SemEval-2016 as
copied by TweetEval, or any file of that form) becomes one whole unit (the record's
text is the unit; no segmentation) asked only for its own target. For each order, a
fresh project on a local Label Studio (temporary state folder) is labelled in the order
the server serves (``GET /api/projects/ID/next`` as the annotator), each task getting
its gold label. Every K labels the model is trained on the labels so far and scored
on the evaluation file (F_avg = mean F1 of FAVOR and AGAINST, pooled over targets;
macro F1); in the uncertainty order, ``labeling suggest`` also runs then and reorders
the server's queue (uncertainty sampling: lowest score first). Prints the learning
curve of each order (also ``random``: the server's uniform sampling) and the labels
each needed to come within one point of the full-pool F_avg.

    python bench/replay.py GOLD.jsonl [--eval VAL.jsonl] [--pool 800] [--k 100]
        [--orders sequential,uncertainty] [--max-labels 1600]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from labeling.corpus.readers import Article  # noqa: E402
from labeling.corpus.units import Unit  # noqa: E402
from labeling.schema import StanceSchema  # noqa: E402
from labeling.segmenter.types import Quote  # noqa: E402
from labeling.state import state_home  # noqa: E402
from labeling.studio import wire  # noqa: E402
from labeling.studio.client import Connection, Studio  # noqa: E402
from labeling.studio.server import LocalStudio  # noqa: E402
from labeling.suggest.base import Item, observe_all  # noqa: E402
from labeling.suggest.builtin import BuiltinModel  # noqa: E402
from labeling.suggest.models import build_model, score, top_label  # noqa: E402
from labeling.workflows.push import project_fields  # noqa: E402
from labeling.workflows.suggest import suggest  # noqa: E402

LABELS = ["FAVOR", "AGAINST", "NONE"]


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def schema_of(records: list[dict[str, Any]], encoder: str = "none") -> StanceSchema:
    names = {r["target"]: r.get("target_name") or r["target"] for r in records}
    return StanceSchema.model_validate({
        "title": "replay", "annotators_per_item": 1, "context": "article",
        "targets": [{"id": t, "name": n} for t, n in sorted(names.items())],
        "labels": [{"value": v} for v in LABELS],
        "suggestions": {"model": "builtin", "show": "hidden", "min_labels": 10,
                        "encoder": encoder},
    })


def unit_of(rec: dict[str, Any]) -> Unit:
    """A whole record as one unit: the quote is the whole text."""
    text = rec["text"]
    art = Article(id=str(rec["id"]), text=text, title=str(rec["id"]))
    q = Quote(start=0, end=len(text), text=text, type="direct", sentence_end=len(text),
              paragraph_end=len(text))
    return Unit(quote_id=f"r-{rec['id']}", article=art, quote=q, context_start=0,
                context_end=len(text))


def evaluate(labelled: list[dict[str, Any]], evals: list[dict[str, Any]],
             pool: list[dict[str, Any]], schema: StanceSchema | None = None,
             home: Path | None = None) -> tuple[float, float]:
    """The built-in model as ``suggest`` trains it (it sees the texts of every task of the
    project, the pool, and learns from the labelled ones), scored on ``evals``; with the
    schema's encoder, if any (its embeddings cached where ``suggest`` keeps them)."""
    model = (build_model(schema, state_home(home) / "suggest") if schema is not None
             else BuiltinModel(LABELS))
    observe_all(model, [Item(r["text"], "") for r in pool])
    model.fit([Item(r["text"], r["target"]) for r in labelled], [r["label"] for r in labelled])
    pred = [top_label(d) for d in model.predict_proba([Item(r["text"], r["target"])
                                                       for r in evals])]
    q = score([r["label"] for r in evals], pred, LABELS)
    return q.f_avg or 0.0, q.macro_f1


def run_order(studio: Studio, schema: StanceSchema, pool: list[dict[str, Any]],
              evals: list[dict[str, Any]], order: str, k: int, home: Path,
              max_labels: int = 0) -> list[tuple[int, float, float, float]]:
    """(labels, F_avg, macro F1, seconds so far) every k labels, labelling the whole pool
    (or the first ``max_labels``, when not 0)."""
    title = f"replay {order} {time.time_ns()}"
    fields = project_fields(schema)
    if order == "random":  # the server's own random order
        fields = {**fields, "sampling": "Uniform sampling"}
    proj = studio.create_project(title=title, **fields)
    pid = int(proj["id"])
    tasks = []
    for rec in pool:
        t = wire.task_json(unit_of(rec), "replay-units")
        t["data"]["targets"] = [rec["target"]]  # asked for its own target only
        t["data"]["gold"] = rec["label"]
        tasks.append(t)
    studio.import_tasks(pid, tasks)
    by_qid = {f"r-{r['id']}": r for r in pool}
    labelled: list[dict[str, Any]] = []
    curve = []
    t0 = time.perf_counter()
    stop = min(len(pool), max_labels) if max_labels else len(pool)
    while len(labelled) < stop:
        task = studio.next_task(pid)
        if not task or not task.get("id"):
            break
        rec = by_qid[str(task["data"]["quote_id"])]
        studio.create_annotation(int(task["id"]), result=[{
            "from_name": wire.stance_control(rec["target"]), "to_name": wire.CONTEXT,
            "type": "choices", "value": {"choices": [rec["label"]]}}])
        labelled.append(rec)
        if len(labelled) % k == 0 or len(labelled) == stop:
            f_avg, macro = evaluate(labelled, evals, pool, schema, home)
            curve.append((len(labelled), f_avg, macro, time.perf_counter() - t0))
            print(f"  {order:<11} {len(labelled):>5} labels: F_avg {f_avg:5.1f}  "
                  f"macro F1 {macro:5.1f}", flush=True)
            if order == "uncertainty" and len(labelled) < stop:
                suggest(project=title, schema=schema, studio=studio, state_dir=home,
                        cv_folds=0)
    return curve


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("gold", type=Path)
    ap.add_argument("--eval", type=Path, default=None,
                    help="scored on this file (default: 294 records held out of GOLD)")
    ap.add_argument("--pool", type=int, default=0, help="label only this many records "
                    "(a seeded random sample; 0: all)")
    ap.add_argument("--k", type=int, default=100, help="evaluate (and suggest) every K labels")
    ap.add_argument("--orders", default="sequential,uncertainty",
                    help="sequential (the file's order), uncertainty, random (the server's "
                    "uniform sampling)")
    ap.add_argument("--max-labels", type=int, default=0,
                    help="stop the orders other than sequential after this many labels "
                    "(0: the whole pool); the full-pool F_avg is then a model on the whole pool")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--encoder", default="none", choices=["none", "minilm"],
                    help="the built-in model's suggestions.encoder (minilm: the encoder extra)")
    args = ap.parse_args()
    records = load(args.gold)
    rng = random.Random(args.seed)
    if args.eval:
        evals = load(args.eval)
    else:
        rng.shuffle(records)
        evals, records = records[:294], records[294:]
    pool = list(records)
    if args.pool and args.pool < len(pool):
        pool = rng.sample(pool, args.pool)
        pool.sort(key=lambda r: records.index(r))  # sequential = the file's order
    schema = schema_of(pool + evals, args.encoder)
    work = Path(tempfile.mkdtemp(prefix="replay-"))
    # A SIGTERM (a killed run) unwinds through the finally below, which stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    local = LocalStudio(work / "state")
    curves: dict[str, list[tuple[int, float, float, float]]] = {}
    try:
        local.init()
        info = local.up()
        studio = Studio(Connection(info.url, local.credentials().token))
        print(f"pool {len(pool)} records, scored on {len(evals)}; every {args.k} labels",
              flush=True)
        for order in args.orders.split(","):
            curves[order] = run_order(studio, schema, pool, evals, order, args.k, work / "home",
                                      0 if order == "sequential" else args.max_labels)
        studio.close()
        # Without sequential order, the model trained on the whole pool (its last point).
        full = (curves["sequential"][-1][1] if "sequential" in curves
                else evaluate(pool, evals, pool, schema, work / "home")[0])
    finally:
        local.down()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'labels':>7}" + "".join(f"  {o + ' F_avg/macro':>24}" for o in curves))
    steps = sorted({n for c in curves.values() for n, *_ in c})
    for n in steps:
        cells = []
        for c in curves.values():
            hit = next((x for x in c if x[0] == n), None)
            cells.append(f"{hit[1]:>13.1f} / {hit[2]:>5.1f}" if hit else f"{'':>21}")
        print(f"{n:>7}" + "".join(f"  {x:>24}" for x in cells))
    need = {o: next((n for n, f, *_ in curves[o] if f >= full - 1.0), None) for o in curves}
    print(f"\nfull-pool F_avg {full:.1f}; labels to come within 1 point: "
          + ", ".join(f"{o} {need[o]}" for o in curves))

if __name__ == "__main__":
    main()
