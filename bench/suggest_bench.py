"""Speed of ``labeling suggest`` on a large project, against the server's own prediction import.

Starts its own local Label Studio (temporary state folder), imports N synthetic units
(``bench/sync_bench.py``'s corpus, one raw import request), labels L of them through the
API with random stances (the model's quality is not the point here), then times one
``suggest`` run (fetch, training, prediction, writing the suggestions and their logs,
switching the project; the 5-fold cross-validation runs in a thread meanwhile) and, as
the baseline, one raw ``POST /api/projects/ID/import/predictions`` of the same suggestion
JSON. Prints the seconds of each, the ratio and the load average (1 minute) before and
after each: the machine is shared, so only the ratio is comparable between runs.

    python bench/suggest_bench.py [--units 10000] [--labels 200] [--rerun 50] [--encoder minilm]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from sync_bench import (  # noqa: E402
    CONFIG,
    QUOTES_PER_ARTICLE,
    choice,
    raw_import,
    task_json_of,
    write_corpus,
)

from labeling.schema import load_schema  # noqa: E402
from labeling.studio.client import Connection, Studio  # noqa: E402
from labeling.studio.server import LocalStudio  # noqa: E402
from labeling.workflows.suggest import suggest  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--labels", type=int, default=200, help="tasks labelled before suggest")
    ap.add_argument("--rerun", type=int, default=0, metavar="N",
                    help="then label N more tasks and time a second run")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--encoder", default="none", choices=["none", "minilm"],
                    help="the built-in model's suggestions.encoder (minilm: the encoder extra; "
                    "the first run embeds every text, a rerun reads them from its cache)")
    args = ap.parse_args()
    n = args.units - args.units % QUOTES_PER_ARTICLE
    work = Path(tempfile.mkdtemp(prefix="suggest-bench-"))
    # A SIGTERM (a killed run) unwinds through the finally below, which stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    local = LocalStudio(work / "state")
    try:
        local.init()
        info = local.up()
        studio = Studio(Connection(info.url, local.credentials().token))
        corpus = write_corpus(work / "corpus.jsonl", n // QUOTES_PER_ARTICLE)
        tasks = task_json_of(corpus)[:n]
        pid, took = raw_import(studio, "suggest bench",
                               json.dumps(tasks, ensure_ascii=False).encode())
        print(f"{len(tasks)} tasks imported in {took:.1f} s", flush=True)
        ids = sorted(int(t["id"]) for t in studio.iter_tasks(pid, include="id"))
        rng = random.Random(0)
        schema = load_schema(CONFIG)
        schema = schema.model_copy(update={"suggestions": schema.suggestions.model_copy(
            update={"encoder": args.encoder})})
        studio.update_project(pid, maximum_annotations=1)
        sample = rng.sample(ids, args.labels)
        for tid in sample:
            studio.create_annotation(tid, result=[
                choice(t.id, rng.choice(schema.label_names)) for t in schema.targets])
        print(f"{args.labels} tasks labelled", flush=True)
        runs: list[tuple[str, float, str]] = []

        def timed() -> tuple[Any, float, str]:
            stages: dict[str, float] = {}
            load0 = os.getloadavg()[0]
            t0 = time.perf_counter()

            def progress(stage: str, done: int, total: int) -> None:
                stages[stage] = time.perf_counter() - t0

            res = suggest(project="suggest bench", schema=schema, studio=studio,
                          state_dir=work / "home", progress=progress)
            took = time.perf_counter() - t0
            how = (f"{res.predicted} suggestions ({res.labels} labels, {res.replaced} earlier "
                   f"replaced) in {took:.1f} s (load average {load0:.1f} -> "
                   f"{os.getloadavg()[0]:.1f}); stages ended at "
                   + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
            print(f"suggest: {how}", flush=True)
            return res, took, how

        res, ours, how = timed()
        runs.append(("suggest", ours, how))
        if args.rerun:
            # As labels come in: label more tasks, run again (the earlier suggestions go,
            # logs only for the suggestions that changed).
            labelled = set(sample)
            for tid in rng.sample([i for i in ids if i not in labelled], args.rerun):
                studio.create_annotation(tid, result=[
                    choice(t.id, rng.choice(schema.label_names)) for t in schema.targets])
            res, again, how = timed()
            runs.append((f"rerun after {args.rerun} more labelled", again, how))
        preds = [{"task": p["task"], "model_version": "raw-baseline", "score": p["score"],
                  "result": p["result"]}
                 for p in studio.predictions(pid) if p["model_version"] == res.model_version]
        body = json.dumps(preds, ensure_ascii=False).encode()
        t1 = time.perf_counter()
        resp = httpx.post(f"{studio.url}/api/projects/{pid}/import/predictions", content=body,
                          headers={"Authorization": f"Token {studio.conn.api_key}",
                                   "Content-Type": "application/json"}, timeout=3600)
        raw = time.perf_counter() - t1
        load2 = os.getloadavg()[0]
        resp.raise_for_status()
        studio.close()
    finally:
        local.down()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    for name, _took, how in runs:
        print(f"{name}: {how}")
    print(f"server's raw import of the same {len(preds)} suggestion predictions (the last "
          f"run's): {raw:.1f} s (load average -> {load2:.1f}); ratio "
          + ", ".join(f"{name} {took / raw:.2f}x" for name, took, _ in runs))


if __name__ == "__main__":
    main()
