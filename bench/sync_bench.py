#!/usr/bin/env python3
"""Push and pull speed against the server's own speed, measured in one run.

    python bench/sync_bench.py            # 5,000 and 50,000 units (takes a while)
    python bench/sync_bench.py --quick    # 2,000 units

Starts its own local Label Studio (a temporary state folder) and, for each size N:
- push: `labeling push` of N units (synthetic articles, predictions included) against a
  single raw import request of the same task JSON into another project; peak RSS of the
  push process;
- listing: the time to find which units are on the server (one listing of ids and keys);
- pull: `labeling pull` (full) of N tasks with 2 to 3 annotations each against a raw
  snapshot export plus download of the same project;
- incremental pull after 100 tasks change, against the full pull; the two datasets are
  compared row by row.
Prints a table of wall times and ratios (ratio = tool / baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from labeling import lsformat  # noqa: E402
from labeling.client import Connection, Studio  # noqa: E402
from labeling.corpus import read_articles  # noqa: E402
from labeling.schema import load_schema  # noqa: E402
from labeling.server import LocalStudio  # noqa: E402
from labeling.units import iter_units  # noqa: E402

CONFIG = REPO / "configs" / "stance.yaml"
NAMES = ["Emmanuel Macron", "Olaf Scholz", "Dmitry Peskov", "Volodymyr Zelensky", "Jens Stoltenberg"]
VERBS = ["said", "warned", "insisted", "stressed", "added", "noted", "told reporters"]


def make_corpus(path: Path, n_units: int, seed: int = 1) -> None:
    """Synthetic articles with four quote units each (text written here, no real news)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for a in range(n_units // 4):
            who = rng.choice(NAMES)
            paras = [
                f"Report {a} on the talks in city {rng.randint(1, 999)}.",
                f"“Option {a} for troops number {rng.randint(1, 10**6)} is on the table,” "
                f"{who} {rng.choice(VERBS)}.",
                f"{rng.choice(NAMES)} warned that plan {a}-{rng.randint(1, 10**6)} would "
                "lead to a wider war in the region.",
                f"According to {rng.choice(NAMES)}, the meeting {a} ended without any "
                f"agreement on item {rng.randint(1, 10**6)}.",
                f"“We will decide in week {rng.randint(1, 52)} of year {a},” he added.",
            ]
            fh.write(json.dumps({"id": f"syn-{a}", "text": "\n\n".join(paras)}) + "\n")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "labeling.cli", *args], env=env,
                       capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"labeling {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
    return dt, r.stdout


def one_size(studio: Studio, env: dict[str, str], n: int, tmp: Path, users: list[int]
             ) -> dict[str, Any]:
    corpus = tmp / f"corpus-{n}.jsonl"
    make_corpus(corpus, n)
    schema = load_schema(CONFIG)
    version = lsformat.model_version("bench")
    tasks = [lsformat.task_json(u, version) for u in iter_units(read_articles([corpus]), schema)]
    out: dict[str, Any] = {"units": len(tasks)}
    # Baseline push: one raw request with the same task JSON.
    raw = studio.create_project(title=f"raw import {n}", label_config=lsformat.label_config(schema))
    body = json.dumps(tasks).encode()
    t0 = time.perf_counter()
    studio.request("POST", f"/api/projects/{raw['id']}/import", content=body,
                   headers={"Content-Type": "application/json"}, retry=False)
    out["raw_import_s"] = time.perf_counter() - t0
    # The tool's push (a separate process, so its peak RSS can be read).
    before = peak_rss_mb()
    out["push_s"], _ = run_cli(["push", str(corpus), "-p", f"push {n}", "--config", str(CONFIG),
                                "-q"], env)
    out["push_peak_rss_mb"] = max(peak_rss_mb(), before)
    pid = int(studio.project(f"push {n}")["id"])
    t0 = time.perf_counter()
    keys = studio.task_keys(pid)
    out["listing_s"] = time.perf_counter() - t0
    assert len(keys) == len(tasks), (len(keys), len(tasks))
    # A project with 2 to 3 annotations per task, imported inline.
    rng = random.Random(n)
    labels = schema.label_names
    annotated = []
    for t in tasks:
        k = rng.choice([2, 3])
        anns = [{"completed_by": users[i], "lead_time": rng.uniform(2, 30), "result": [
            {"from_name": "stance_ground_troops", "to_name": "context", "type": "choices",
             "value": {"choices": [rng.choice(labels)]}}]} for i in range(k)]
        annotated.append({**t, "annotations": anns})
    title = f"pull {n}"
    proj = studio.create_project(title=title, **_fields(schema))
    for i in range(0, len(annotated), 5000):
        studio.request("POST", f"/api/projects/{proj['id']}/import",
                       content=json.dumps(annotated[i:i + 5000]).encode(),
                       headers={"Content-Type": "application/json"}, retry=False)
    t0 = time.perf_counter()
    snap = studio._snapshot(int(proj["id"]), {
        "title": "raw", "annotation_filter_options": {"usual": True, "ground_truth": True,
                                                      "skipped": True}})
    out["raw_export_s"] = time.perf_counter() - t0
    assert len(snap) == len(tasks)
    export_dir = tmp / f"export-{n}"
    out["pull_s"], _ = run_cli(["pull", "-p", title, "--config", str(CONFIG), "-o",
                                str(export_dir), "--full"], env)
    # 100 tasks change, then an incremental pull and a full one for comparison.
    time.sleep(2.5)
    changed = rng.sample(snap, 100)
    for t in changed:
        ann = t["annotations"][0]
        studio.update_annotation(int(ann["id"]), result=[
            {"from_name": "stance_ground_troops", "to_name": "context", "type": "choices",
             "value": {"choices": ["NONE"]}}])
    out["incr_pull_s"], msg = run_cli(["pull", "-p", title, "--config", str(CONFIG), "-o",
                                       str(export_dir)], env)
    out["incr_fetched"] = msg
    full_dir = tmp / f"export-full-{n}"
    out["pull2_s"], _ = run_cli(["pull", "-p", title, "--config", str(CONFIG), "-o",
                                 str(full_dir), "--full"], env)
    import datasets

    a = datasets.load_from_disk(str(export_dir))
    b = datasets.load_from_disk(str(full_dir))
    out["identical"] = all(a[s].to_list() == b[s].to_list() for s in a) and set(a) == set(b)
    return out


def _fields(schema: Any) -> dict[str, Any]:
    from labeling.push import project_fields

    return project_fields(schema)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2,000 units only")
    ap.add_argument("--sizes", default=None, help="comma-separated unit counts")
    a = ap.parse_args()
    sizes = [2000] if a.quick else [int(x) for x in (a.sizes or "5000,50000").split(",")]
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp_s:
        tmp = Path(tmp_s)
        local = LocalStudio(tmp / "state")
        info = local.up()
        try:
            token = local.credentials().token
            studio = Studio(Connection(info.url, token))
            env = {**os.environ, "LABEL_STUDIO_URL": info.url, "LABEL_STUDIO_API_KEY": token,
                   "LABELING_HOME": str(tmp / "home"), "PYTHONPATH": str(REPO)}
            users = [int((studio.find_user(f"bench{i}@x.test") or studio.create_user(
                f"bench{i}@x.test"))["id"]) for i in range(3)]
            results = [one_size(studio, env, n, tmp, users) for n in sizes]
        finally:
            local.down()
    print(f"{'units':>7} {'raw import':>11} {'push':>8} {'ratio':>6} {'peak RSS':>9} "
          f"{'listing':>8} {'raw export':>11} {'pull':>8} {'ratio':>6} {'incr pull':>10} "
          f"{'incr/full':>9} {'same':>5}")
    for r in results:
        print(f"{r['units']:>7} {r['raw_import_s']:>10.1f}s {r['push_s']:>7.1f}s "
              f"{r['push_s'] / r['raw_import_s']:>6.2f} {r['push_peak_rss_mb']:>7.0f}MB "
              f"{r['listing_s']:>7.1f}s {r['raw_export_s']:>10.1f}s {r['pull_s']:>7.1f}s "
              f"{r['pull_s'] / r['raw_export_s']:>6.2f} {r['incr_pull_s']:>9.1f}s "
              f"{r['incr_pull_s'] / r['pull2_s']:>9.3f} {str(r['identical']):>5}")
    for r in results:
        print(f"  {r['units']} units: {r['incr_fetched'].strip()}")


if __name__ == "__main__":
    main()
