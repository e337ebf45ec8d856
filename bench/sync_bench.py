#!/usr/bin/env python3
"""Push and pull against a real Label Studio, measured against the server's own speed.

    python bench/sync_bench.py            # 50,000 units (about 20 min on 2 cores)
    python bench/sync_bench.py --quick    # 2,000 units (about 2 min with the start-up)
    python bench/sync_bench.py --units 20000 --keep --json figures.json

Starts its own local server (``labeling.studio.server.LocalStudio`` on a temporary state
folder), writes synthetic articles (templated sentences around quotes made of
pseudo-words, five quote units per article, one wire reprint every 50 articles; no
real text) as JSONL, and measures in one run:

- push: ``labeling push`` (a child process: wall time and peak RSS) of N and N/10 units,
  against importing the *same* task JSON (data, meta, predictions) with one raw
  ``POST /api/projects/ID/import`` request (done before and after the push; the mean);
- finding what is on the server: the key listing of the N/10 and N projects (time per
  1,000 tasks), and a rerun of the push (every unit present), counting its
  ``GET /api/tasks`` pages;
- pull: ``labeling pull`` of a project of N tasks with 2-3 annotations each, against a
  raw snapshot export plus download of the same project; the tool's fetch alone too;
- incremental pull after 100 tasks change (annotations edited, added, deleted), against
  a full pull, and whether the two datasets are identical.

Prints a table of figures and ratios (``--json FILE`` also writes them).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from labeling.corpus.readers import Article  # noqa: E402
from labeling.corpus.units import iter_units  # noqa: E402
from labeling.schema import load_schema  # noqa: E402
from labeling.studio import wire  # noqa: E402
from labeling.studio.client import Connection, Studio  # noqa: E402
from labeling.studio.server import LocalStudio  # noqa: E402
from labeling.workflows.push import project_fields  # noqa: E402

CONFIG = REPO / "configs" / "stance.yaml"
QUOTES_PER_ARTICLE = 5

# ----------------------------------------------------------------------------- input
SPEAKERS = ["Emmanuel Macron", "Olaf Scholz", "Jens Stoltenberg", "Dmitry Peskov",
            "Volodymyr Zelensky", "Ursula von der Leyen", "Kaja Kallas", "Donald Tusk",
            "Mark Rutte", "Antony Blinken", "Giorgia Meloni", "Pedro Sánchez"]
VERBS = ["said", "told reporters", "warned", "added", "insisted", "argued"]
TOPICS = ["troops", "military aid", "ammunition", "sanctions", "air defence", "the border",
          "training missions", "long-range missiles", "reconstruction"]
_SYL = ["ba", "ko", "ri", "tan", "mel", "su", "dor", "vi", "pe", "lun", "ga", "ster", "no", "fi",
        "ram", "te", "qua", "lo", "zen", "mi", "bar", "ul", "cor", "den"]
# 2,000 pseudo-words: quotes differ the way real quotes do (few shared word triples),
# so the near-duplicate detector sees a realistic corpus, not one template 50,000 times.
_VOCAB = sorted({a + b + c for a in _SYL for b in _SYL for c in ("", "s", "n", "ed", "er")})[:2000]
WIRE_EVERY = 50  # every 50th article reprints the first quote of the one before (wire copy)


def _words(r: random.Random, lo: int, hi: int) -> str:
    return " ".join(r.choice(_VOCAB) for _ in range(r.randint(lo, hi)))


def _quote_body(i: int, k: int) -> str:
    r = random.Random(i * 16 + k)
    return f"{_words(r, 6, 14)}, {_words(r, 4, 12)}"


def synthetic_article(i: int) -> dict[str, str]:
    """Article ``i``: five paragraphs, each with one attributed quote (deterministic)."""
    r = random.Random(i)
    paras = []
    for k in range(QUOTES_PER_ARTICLE):
        s, v, t = r.choice(SPEAKERS), r.choice(VERBS), r.choice(TOPICS)
        body = _quote_body(i - 1 if (k == 0 and i % WIRE_EVERY == 1) else i, k)
        if k % 3 == 0:
            paras.append(f'"On {t}, {body}," {s} {v} on Monday. Officials in Brussels gave no '
                         "further details.")
        elif k % 3 == 1:
            paras.append(f'{s} {v}: "About {t}: {body}." The remark drew criticism at home.')
        else:
            paras.append(f"According to {s}, the question of {t} is {body}. The talks went on "
                         "late into the night.")
    return {"id": f"syn-{i:07d}", "title": f"Synthetic article {i}", "source": f"Outlet {i % 7}",
            "published": "2024-02-27", "url": f"https://example.org/a/{i}",
            "text": "\n\n".join(paras)}


def write_corpus(path: Path, n_articles: int, first: int = 0) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(first, first + n_articles):
            fh.write(json.dumps(synthetic_article(i), ensure_ascii=False) + "\n")
    return path


def read_corpus(path: Path) -> Iterator[Article]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            yield Article(id=row["id"], text=row["text"], title=row["title"], url=row["url"],
                          source=row["source"], published=row["published"])


def task_json_of(path: Path) -> list[dict[str, Any]]:
    """The task JSON ``labeling push`` sends for this corpus (same functions)."""
    from labeling.version import __version__

    schema = load_schema(CONFIG)
    version = wire.model_version(__version__)
    return [wire.task_json(u, version) for u in iter_units(read_corpus(path), schema)]


# ----------------------------------------------------------------------------- helpers
# Runs the CLI and reports its rusage. A launcher this small forks the CLI: wait4's
# ru_maxrss is then the peak of the CLI process and of every process it waited for (the
# near-duplicate child), not this bench's memory (Linux carries ru_maxrss across exec,
# so a child forked from the bench itself would report the bench's own peak).
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_cli(args: list[str], env: dict[str, str], log: Path) -> tuple[float, float, str]:
    """Run ``labeling ARGS`` in a child process: (wall s, its peak RSS MiB, stdout).

    The peak is the larger of the main process's high-water mark (``VmHWM``, polled)
    and ``ru_maxrss`` of the process tree (the CLI and the children it waited for).
    """
    exe = str(Path(sys.executable).parent / "labeling")
    t0 = time.perf_counter()
    peak = [0]
    done = threading.Event()
    usage_file = log.with_suffix(".maxrss")

    def watch(pid: int) -> None:
        # VmHWM of the CLI itself (the launcher's child), read until it exits.
        while not done.is_set():
            try:
                kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
                for kid in kids:
                    for line in Path(f"/proc/{kid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            peak[0] = max(peak[0], int(line.split()[1]))
            except OSError:
                pass
            done.wait(0.1)

    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCHER, str(usage_file), exe,
                                 *args], env={**os.environ, **env}, cwd=REPO,
                                stdout=subprocess.PIPE, stderr=err)
        watcher = threading.Thread(target=watch, args=(proc.pid,), daemon=True)
        watcher.start()
        out = proc.stdout.read().decode() if proc.stdout else ""
        proc.wait()
        done.set()
        watcher.join()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"labeling {args[0]} failed ({proc.returncode}):\n{out}\n"
                         f"{log.read_text()[-3000:]}")
    tree = int(usage_file.read_text() or 0) if usage_file.exists() else 0
    return wall, max(peak[0], tree) / 1024, out


def export_files(work: Path) -> list[Path]:
    """The snapshot files the embedded server holds in its media/export/ folder."""
    return sorted((work / "state" / "studio" / "data" / "media" / "export").rglob("*.json"))


def raw_import(studio: Studio, title: str, body: bytes) -> tuple[int, float]:
    """Create a project and import ``body`` in one request: (project id, seconds)."""
    schema = load_schema(CONFIG)
    pid = int(studio.create_project(title=title, **project_fields(schema))["id"])
    t0 = time.perf_counter()
    resp = httpx.post(f"{studio.url}/api/projects/{pid}/import", content=body,
                      headers={"Authorization": f"Token {studio.conn.api_key}",
                               "Content-Type": "application/json"}, timeout=3600)
    took = time.perf_counter() - t0
    resp.raise_for_status()
    return pid, took


def raw_export(studio: Studio, pid: int, work: Path) -> tuple[float, int]:
    """A snapshot export plus its download, every annotation kind: (seconds, tasks)."""
    headers = {"Authorization": f"Token {studio.conn.api_key}"}
    t0 = time.perf_counter()
    with httpx.Client(base_url=studio.url, headers=headers, timeout=3600) as http:
        snap = http.post(f"/api/projects/{pid}/exports", json={
            "title": "raw", "annotation_filter_options": {
                "usual": True, "ground_truth": True, "skipped": True}}).json()
        while snap.get("status") not in ("completed", "failed"):
            time.sleep(0.5)
            snap = http.get(f"/api/projects/{pid}/exports/{snap['id']}").json()
        data = http.get(f"/api/projects/{pid}/exports/{snap['id']}/download",
                        params={"exportType": "JSON"}).content
        took = time.perf_counter() - t0
        http.delete(f"/api/projects/{pid}/exports/{snap['id']}")
    for leftover in export_files(work):
        leftover.unlink()  # the baseline's own file: the pulls' files are counted later
    return took, len(json.loads(data))


def choice(target: str, label: str) -> dict[str, Any]:
    return {"from_name": wire.stance_control(target), "to_name": wire.CONTEXT,
            "type": "choices", "value": {"choices": [label]}}


def rows_of(folder: Path) -> list[dict[str, Any]]:
    import datasets

    dd = datasets.load_from_disk(str(folder))
    return sorted((r for part in dd.values() for r in part),
                  key=lambda r: (r["quote_id"], r["target"]))


# ----------------------------------------------------------------------------- bench
def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--units", type=int, default=50_000, help="units of the large run")
    ap.add_argument("--quick", action="store_true", help="2,000 units: a quick check")
    ap.add_argument("--batch-size", type=int, default=None, help="push --batch-size")
    ap.add_argument("--skip-pull", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    n = 2000 if args.quick else args.units
    n -= n % QUOTES_PER_ARTICLE
    small = max(QUOTES_PER_ARTICLE, n // 10 - (n // 10) % QUOTES_PER_ARTICLE)
    work = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    fig: dict[str, Any] = {"units": n, "small_units": small}
    # A SIGTERM (a killed run) unwinds through the finally below, which stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    local = LocalStudio(work / "state")
    try:
        t0 = time.perf_counter()
        local.init()
        info = local.up()
        fig["server_start_s"] = time.perf_counter() - t0
        token = local.credentials().token
        studio = Studio(Connection(info.url, token))
        # The CLI uses the bench's server as its embedded one (the same state folder): so
        # a pull removes the snapshot file the server keeps (and the bench counts them).
        env = {"LABELING_HOME": str(work / "state")}
        for var in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"):
            os.environ.pop(var, None)
        print(f"server up in {fig['server_start_s']:.0f} s at {info.url}; {n} units", flush=True)
        bench_push(studio, env, work, n, small, fig, args.batch_size)
        if not args.skip_pull:
            bench_pull(studio, env, work, n, fig)
        studio.close()
    finally:
        local.down()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_table(fig)
    if args.json:
        args.json.write_text(json.dumps(fig, indent=2) + "\n")


def bench_push(studio: Studio, env: dict[str, str], work: Path, n: int, small: int,
               fig: dict[str, Any], batch_size: int | None) -> None:
    extra = ["--batch-size", str(batch_size)] if batch_size else []
    for label, units in (("small", small), ("large", n)):
        corpus = write_corpus(work / f"corpus-{label}.jsonl", units // QUOTES_PER_ARTICLE,
                              first=10_000_000 if label == "small" else 0)
        tasks = task_json_of(corpus)
        assert len(tasks) == units, (len(tasks), units)
        body = json.dumps(tasks, ensure_ascii=False).encode("utf-8")
        del tasks
        fig[f"body_{label}_mb"] = len(body) / 2**20
        _, raw_before = raw_import(studio, f"raw {label}", body)
        title = f"push {label}"
        wall, rss, out = run_cli(["push", str(corpus), "-p", title, "--config", str(CONFIG),
                                  "-q", *extra], env, work / f"push-{label}.log")
        assert f"{units} tasks created" in out, out
        # The server's speed drifts by 10-15 % between runs: import the raw body again
        # after the push and compare with the mean of the two.
        _, raw_after = raw_import(studio, f"raw {label} again", body)
        del body
        raw_s = (raw_before + raw_after) / 2
        fig[f"raw_import_{label}_s"] = raw_s
        fig[f"raw_import_{label}_each_s"] = [raw_before, raw_after]
        fig[f"push_{label}_s"] = wall
        fig[f"push_{label}_rss_mb"] = rss
        fig[f"push_{label}_ratio"] = wall / raw_s
        print(f"push {units}: {wall:.1f} s vs raw import {raw_before:.1f} / {raw_after:.1f} s "
              f"({wall / raw_s:.2f}x), peak RSS {rss:.0f} MiB", flush=True)
        # Finding what is already there: one listing, linear in the project's size.
        pid = int(studio.project(title)["id"])
        t0 = time.perf_counter()
        keys = studio.task_keys(pid)
        fig[f"listing_{label}_s"] = time.perf_counter() - t0
        assert len(keys) == units
        fig[f"listing_{label}_ms_per_1k"] = 1000 * fig[f"listing_{label}_s"] / units * 1000
        if label == "large":
            log = work / "rerun.log"
            wall, _, out = run_cli(["-vv", "push", str(corpus), "-p", title, "--config",
                                    str(CONFIG), "-q", *extra], env, log)
            assert "0 tasks created" in out, out
            pages = sum("GET " in line and "/api/tasks?" in line
                        for line in log.read_text().splitlines())
            fig["rerun_push_s"] = wall
            fig["rerun_listing_pages"] = pages
            fig["rerun_expected_pages"] = units // 1000 + 1  # the last page comes back short
            print(f"rerun push (all {units} present): {wall:.1f} s, {pages} task-list pages",
                  flush=True)


def bench_pull(studio: Studio, env: dict[str, str], work: Path, n: int,
               fig: dict[str, Any]) -> None:
    ids = []
    for name in ("ann1", "ann2", "ann3"):
        email = f"{name}@bench.local"
        ids.append(int((studio.find_user(email) or studio.create_user(email))["id"]))
    tasks = task_json_of(work / "corpus-large.jsonl")
    labels = ["FAVOR", "AGAINST", "NONE"]
    for i, t in enumerate(tasks):
        r = random.Random(i)
        who = ids if i % 2 else ids[:2]
        t["annotations"] = [{"completed_by": uid, "lead_time": 5.0, "result": [
            choice("ground_troops", r.choice(labels)), choice("military_aid", r.choice(labels))]}
            for uid in who]
    schema = load_schema(CONFIG)
    title = "pull bench"
    pid = int(studio.create_project(title=title, **project_fields(schema))["id"])
    t0 = time.perf_counter()
    for k in range(0, len(tasks), 5000):
        studio.import_tasks(pid, tasks[k:k + 5000])
    n_ann = sum(len(t["annotations"]) for t in tasks)
    del tasks
    print(f"annotated project: {n} tasks, {n_ann} annotations imported in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    fig["pull_annotations"] = n_ann
    raw_s, got = raw_export(studio, pid, work)
    assert got == n
    fig["raw_export_s"] = raw_s
    t0 = time.perf_counter()
    with studio.snapshot(pid) as snap:  # the tool's own fetch, in this process
        got = sum(1 for _ in snap.tasks())
    fig["tool_fetch_s"] = time.perf_counter() - t0
    for leftover in export_files(work):
        leftover.unlink()
    fig["fetch_ratio"] = fig["tool_fetch_s"] / raw_s
    assert got == n
    out, full_out = work / "export", work / "export-full"
    args = ["pull", "-p", title, "--config", str(CONFIG)]
    wall, rss, text = run_cli([*args, "-o", str(out)], env, work / "pull.log")
    assert "(full)" in text, text
    fig["pull_s"], fig["pull_rss_mb"], fig["pull_ratio"] = wall, rss, wall / raw_s
    print(f"pull {n} tasks: {wall:.1f} s vs raw export {raw_s:.1f} s ({wall / raw_s:.2f}x; "
          f"fetch alone {fig['tool_fetch_s']:.1f} s), peak RSS {rss:.0f} MiB", flush=True)
    # 100 tasks change: 40 annotations edited, 40 added, 20 deleted.
    time.sleep(2.5)  # past the pull's cursor margin
    listing = sorted(studio.iter_tasks(pid, include="id"), key=lambda t: t["id"])
    step = max(1, len(listing) // 100)
    changed = [t["id"] for t in listing[::step]][:100]
    for j, tid in enumerate(changed):
        anns = studio.json("GET", f"/api/tasks/{tid}").get("annotations") or []
        if j < 40 and anns:
            studio.update_annotation(anns[0]["id"], result=[choice("ground_troops", "AGAINST")])
        elif j < 80 or not anns:
            studio.create_annotation(tid, result=[choice("military_aid", "FAVOR")])
        else:
            studio.delete_annotation(anns[-1]["id"])
    wall_inc, _, text = run_cli([*args, "-o", str(out)], env, work / "pull-inc.log")
    assert "incremental" in text, text
    fig["incremental_fetched"] = int(text.split("incremental: ")[1].split(" ")[0])
    wall_full, _, text = run_cli([*args, "-o", str(full_out), "--full"], env,
                                 work / "pull-full.log")
    fig["incremental_pull_s"], fig["full_pull_after_s"] = wall_inc, wall_full
    fig["incremental_ratio"] = wall_inc / wall_full
    fig["incremental_identical"] = rows_of(out) == rows_of(full_out)
    fig["export_files_left"] = len(export_files(work))  # after three CLI pulls
    print(f"incremental pull ({fig['incremental_fetched']} tasks fetched): {wall_inc:.1f} s "
          f"vs full {wall_full:.1f} s ({wall_inc / wall_full:.1%}); identical: "
          f"{fig['incremental_identical']}", flush=True)


def print_table(fig: dict[str, Any]) -> None:
    n, s = fig["units"], fig["small_units"]

    def g(key: str, fmt: str = ".1f") -> str:
        v = fig.get(key)
        return "-" if v is None else format(v, fmt)

    rows = [
        ("what", "tool", "server baseline", "ratio", "limit"),
        (f"push {s:,} units", g("push_small_s") + " s",
         g("raw_import_small_s") + " s (1 request)", g("push_small_ratio", ".2f") + "x", "1.25x"),
        (f"push {n:,} units", g("push_large_s") + " s",
         g("raw_import_large_s") + " s (1 request)", g("push_large_ratio", ".2f") + "x", "1.25x"),
        (f"push peak RSS {s:,} / {n:,}", g("push_small_rss_mb", ".0f") + " / "
         + g("push_large_rss_mb", ".0f") + " MiB", "", "", "flat"),
        (f"key listing {s:,} / {n:,}", g("listing_small_ms_per_1k", ".0f") + " / "
         + g("listing_large_ms_per_1k", ".0f") + " ms per 1k tasks", "", "", "linear"),
        (f"rerun push {n:,} (all present)", g("rerun_push_s") + " s",
         f"{g('rerun_listing_pages', 'd')} list pages (one listing = "
         f"{g('rerun_expected_pages', 'd')})", "", "1 listing"),
        (f"pull {n:,} tasks, {g('pull_annotations', ',')} ann.", g("pull_s") + " s",
         g("raw_export_s") + " s (snapshot + download)", g("pull_ratio", ".2f") + "x", "1.25x"),
        ("  its fetch alone (snapshot + download)", g("tool_fetch_s") + " s",
         g("raw_export_s") + " s", g("fetch_ratio", ".2f") + "x", ""),
        ("pull peak RSS (CLI process tree)", g("pull_rss_mb", ".0f") + " MiB", "", "",
         "400 MiB"),
        (f"incremental pull, 100 tasks changed ({g('incremental_fetched', 'd')} fetched)",
         g("incremental_pull_s") + " s", g("full_pull_after_s") + " s (full pull)",
         g("incremental_ratio", ".1%"), "5%"),
        ("incremental dataset == full", str(fig.get("incremental_identical", "-")), "", "", "True"),
        ("snapshot files left in the server's media/export/ after 3 pulls",
         str(fig.get("export_files_left", "-")), "", "", "0"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for k, r in enumerate(rows):
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
        if k == 0:
            print("-+-".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
