"""Incremental sync: fetch only the tasks changed since the last pull, keep what was built.

The state folder keeps, per server, project and export path, the raw task JSON of the
last fetch and the dataset rows built from it (not in the export, which may be published
without article text). The next pull or status fetches only the tasks whose
``updated_at`` is later than the moment (server clock) the last snapshot began, less a
margin (creating, editing and deleting an annotation all bump it), merges them by task
id, drops tasks deleted on the server and rebuilds only what changed. Rebuilding from
the merged cache gives the same dataset as a full pull.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import hashlib
import json
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from labeling.annotations.records import TaskRecord
from labeling.dataset.rows import clusters_of, rows_table, units_digest, units_of_table, units_of_tasks
from labeling.files import atomic_file, write_json
from labeling.schema import StanceSchema
from labeling.state import state_home
from labeling.studio.client import Studio
from labeling.studio.wire import (
    SUGGEST_LOG_PREFIX,
    Suggested,
    records_from_export,
    suggestions_by_task,
)

log = logging.getLogger(__name__)

_CURSOR_MARGIN = timedelta(seconds=2)  # re-fetch a little: writes racing the last export
_KEEP = ("id", "data", "annotations", "updated_at")


def _cache_dir(server_url: str, project_id: int, out: Path,
               state_dir: str | Path | None) -> Path:
    key = hashlib.sha256(f"{server_url}|{project_id}|{out.resolve()}".encode()).hexdigest()[:20]
    return state_home(state_dir) / "pulls" / key


def _slim(task: Mapping[str, Any]) -> dict[str, Any]:
    return {k: task.get(k) for k in _KEEP}


def load_cache(path: Path) -> tuple[dict[str, Any], dict[int, dict[str, Any]]] | None:
    meta_file, tasks_file = path / "state.json", path / "tasks.jsonl.gz"
    if not meta_file.exists() or not tasks_file.exists():
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        tasks: dict[int, dict[str, Any]] = {}
        with gzip.open(tasks_file, "rt", encoding="utf-8") as fh:
            for line in fh:
                t = json.loads(line)
                tasks[int(t["id"])] = t
    except (OSError, ValueError, KeyError, EOFError) as exc:
        log.warning("ignoring a damaged pull cache in %s (%s): doing a full pull", path, exc)
        return None
    if meta.get("n_tasks") != len(tasks):
        return None
    return meta, tasks


def save_cache(path: Path, meta: dict[str, Any], tasks: Mapping[int, Mapping[str, Any]]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    with atomic_file(path / "tasks.jsonl.gz", "wb") as raw, \
            gzip.open(raw, "wt", encoding="utf-8", compresslevel=1) as fh:
        for tid in sorted(tasks):
            fh.write(json.dumps(tasks[tid], ensure_ascii=False) + "\n")
    write_json(path / "state.json", {**meta, "n_tasks": len(tasks)})


def _parse_time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


class Fetched(NamedTuple):
    tasks: dict[int, dict[str, Any]]
    incremental: bool
    fetched: int
    cache_path: Path
    cursor: str | None


def fetch_tasks(
    studio: Studio, project: Mapping[str, Any], out: Path, *, full: bool,
    state_dir: str | Path | None,
) -> Fetched:
    """All tasks of the project (from the cache plus what changed, or in full)."""
    pid = int(project["id"])
    cache_path = _cache_dir(studio.url, pid, out, state_dir)
    cached = None if full or not out.exists() else load_cache(cache_path)

    def everything() -> Fetched:
        got, started = studio.snapshot(pid)
        tasks = {int(t["id"]): _slim(t) for t in got}
        return Fetched(tasks, False, len(tasks), cache_path, _cursor(started, tasks))

    if cached is None or not cached[0].get("cursor"):
        return everything()
    meta, tasks = cached
    since = _parse_time(meta["cursor"]) - _CURSOR_MARGIN
    changed, started = studio.snapshot(pid, updated_since=since)
    for t in changed:
        tasks[int(t["id"])] = _slim(t)
    # Deleted tasks do not show up as changes: compare counts, list ids only if they differ.
    current = int(studio.get_project(pid).get("task_number") or 0)
    if current != len(tasks):
        alive = {int(t["id"]) for t in studio.iter_tasks(pid, include="id")}
        tasks = {k: v for k, v in tasks.items() if k in alive}
        if len(alive) != len(tasks):  # tasks we never saw: fall back to a full pull
            return everything()
    return Fetched(tasks, True, len(changed), cache_path, _cursor(started, tasks))


def _cursor(started: str | None, tasks: Mapping[int, Mapping[str, Any]]) -> str | None:
    """Where the next incremental pull starts: the server's clock when this pull's snapshot
    began (a change after that is in the next pull), else the newest task seen."""
    if started:
        return started
    stamps = [str(t.get("updated_at")) for t in tasks.values() if t.get("updated_at")]
    return max(stamps) if stamps else None


_BACKGROUND_UNITS = 5000  # from this many units, clusters are computed in a child process


def start_clusters(cache_path: Path, units: Mapping[str, tuple[str, str | None]],
                   threshold: float) -> Callable[[], dict[str, str]]:
    """Near-duplicate clusters of ``units``: reused from the last pull when its units were
    the same, else computed (in a forked child process for a large project, so the rows
    are built meanwhile). Returns a function that waits for them."""

    key = units_digest(dict(units), threshold)
    path = cache_path / "clusters.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            hit = dict(cached["clusters"])
            return lambda: hit
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass

    def save(clusters: dict[str, str]) -> dict[str, str]:
        write_json(path, {"key": key, "clusters": clusters})
        return clusters

    if len(units) >= _BACKGROUND_UNITS and "fork" in multiprocessing.get_all_start_methods():
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        future = pool.submit(clusters_of, dict(units), threshold)

        def wait() -> dict[str, str]:
            try:
                return save(future.result())
            except (OSError, BrokenProcessPool) as exc:  # the child died (out of memory?)
                log.warning("near-duplicate clusters: the child process failed (%s); "
                            "computing them here", exc)
                return save(clusters_of(dict(units), threshold))
            finally:
                pool.shutdown(cancel_futures=True)
        return wait
    return lambda: save(clusters_of(dict(units), threshold))


# ----------------------------------------------------------------------------- row cache
# A pull keeps, in its state folder, the task rows it built (``rows.arrow``, see
# :mod:`labeling.dataset.rows`) and one line per task (``tasks.arrow``: id, counts, span
# problems). The next pull fetches what changed since the cursor, rebuilds the rows of
# those tasks only, drops deleted tasks, and finishes the dataset from the merged rows:
# the same dataset a full pull builds.
ROW_CACHE_FORMAT = 2  # 2: votes carry `suggested`
# What a pull reads of the project (asking for less spares the server counting tasks).
PROJECT_FIELDS = ("created_at", "label_config")

def _tasks_schema() -> Any:
    import pyarrow as pa

    return pa.schema([("task_id", pa.int64()), ("ours", pa.bool_()),
                      ("annotations", pa.int32()), ("skipped", pa.int32()),
                      ("problems", pa.list_(pa.string()))])


def _fingerprint(schema: StanceSchema, project: Mapping[str, Any]) -> str:
    """What the task rows depend on besides the tasks: rows made under another schema,
    project or tool version are not reused."""
    from labeling.version import __version__

    key = json.dumps([ROW_CACHE_FORMAT, __version__, project.get("id"), project.get("created_at"),
                      [(t.id, t.name) for t in schema.targets], schema.label_names])
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class RowCache:
    cursor: str | None
    rows: Any  # pyarrow.Table of task rows
    tasks: Any  # pyarrow.Table in _tasks_schema()


def load_row_cache(path: Path, fingerprint: str) -> RowCache | None:
    import pyarrow as pa

    try:
        meta = json.loads((path / "rows-state.json").read_text(encoding="utf-8"))
        if meta.get("fingerprint") != fingerprint:
            return None
        tables = []
        for name in ("rows.arrow", "tasks.arrow"):
            with pa.memory_map(str(path / name)) as src:
                table = pa.ipc.open_file(src).read_all()
            if (table.schema.metadata or {}).get(b"generation") != meta["generation"].encode():
                return None  # files of another pull (one interrupted while saving)
            tables.append(table.replace_schema_metadata(None))
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        if (path / "rows-state.json").exists():
            log.warning("ignoring a damaged pull cache in %s (%s): doing a full pull", path, exc)
        return None
    return RowCache(meta.get("cursor"), tables[0], tables[1])


def save_row_cache(path: Path, fingerprint: str, cache: RowCache) -> None:
    """Write the cache; ``rows-state.json`` names the generation both tables must carry."""
    import pyarrow as pa

    path.mkdir(parents=True, exist_ok=True)
    generation = os.urandom(8).hex()
    for name, table in (("rows.arrow", cache.rows), ("tasks.arrow", cache.tasks)):
        table = table.replace_schema_metadata({"generation": generation})
        with atomic_file(path / name, "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
            w.write_table(table, max_chunksize=65536)
    state = {"format": ROW_CACHE_FORMAT, "fingerprint": fingerprint, "generation": generation,
             "cursor": cache.cursor}
    write_json(path / "rows-state.json", state)


def _task_lines(tasks: list[dict[str, Any]], records: Sequence[TaskRecord]) -> Any:
    import pyarrow as pa

    by_id = {r.task_id: r for r in records}
    lines = []
    for t in tasks:
        rec = by_id.get(int(t["id"]))
        lines.append({
            "task_id": int(t["id"]), "ours": rec is not None,
            "annotations": len(rec.annotations) if rec else 0,
            "skipped": sum(a.skipped for a in rec.annotations) if rec else 0,
            "problems": list(rec.problems) if rec else [],
        })
    return pa.Table.from_pylist(lines, schema=_tasks_schema())


def _without(table: Any, task_ids: set[int]) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    if not task_ids:
        return table
    drop = pc.is_in(  # type: ignore[attr-defined]
        table.column("task_id"), value_set=pa.array(sorted(task_ids), pa.int64()))
    return table.filter(pc.invert(drop))  # type: ignore[attr-defined]


def _merge(old: Any, new: Any, replaced: set[int]) -> Any:
    """``old`` less the tasks in ``replaced``, plus ``new``, ordered by task id (a stable
    sort keeps each task's rows in their order)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    merged = pa.concat_tables([_without(old, replaced), new])
    order = pc.sort_indices(  # type: ignore[attr-defined]
        merged, sort_keys=[("task_id", "ascending")])
    return merged.take(order)


class Synced(NamedTuple):
    rows: Any
    tasks: Any
    cursor: str | None
    incremental: bool
    fetched: int
    clusters: Callable[[], dict[str, str]]


def sync_rows(studio: Studio, project: Mapping[str, Any], schema: StanceSchema,
              cache_path: Path, *, full: bool) -> Synced:
    """The task rows of every task: the cached ones plus those of the tasks changed since
    the last pull (or all, fetched in full), without the tasks deleted since."""

    pid = int(project["id"])
    threshold = schema.near_duplicates.threshold
    fingerprint = _fingerprint(schema, project)
    cached = None if full else load_row_cache(cache_path, fingerprint)

    logs = suggestion_logs(studio, pid)

    def build(tasks: list[dict[str, Any]]) -> tuple[Any, Any]:
        tasks.sort(key=lambda t: int(t["id"]))
        records, _ = records_from_export(tasks, schema, logs)
        return rows_table(records, schema, project), _task_lines(tasks, records)

    def everything() -> Synced:
        got, started = studio.snapshot(pid)
        clusters = start_clusters(cache_path, units_of_tasks(got), threshold)
        rows, lines = build(got)
        return Synced(rows, lines, _cursor(started, {int(t["id"]): t for t in got}), False,
                      len(got), clusters)

    if cached is None or not cached.cursor:
        return everything()
    since = _parse_time(cached.cursor) - _CURSOR_MARGIN
    changed, started = studio.snapshot(pid, updated_since=since)
    changed_ids = {int(t["id"]) for t in changed}
    known = set(cached.tasks.column("task_id").to_pylist()) | changed_ids
    gone: set[int] = set()
    # Deleted tasks do not show up as changes: compare counts, list ids only if they differ.
    count = studio.project(str(project["title"]), fields=("task_number",)).get("task_number")
    if int(count or 0) != len(known):
        alive = {int(t["id"]) for t in studio.iter_tasks(pid, include="id")}
        if alive - known:  # tasks we never saw: fall back to a full pull
            return everything()
        gone = known - alive
    rows, lines = build(changed)
    replaced = changed_ids | gone
    merged = _merge(cached.rows, rows, replaced)
    return Synced(merged, _merge(cached.tasks, lines, replaced),
                  _cursor(started, {int(t["id"]): t for t in changed}) or cached.cursor, True,
                  len(changed), start_clusters(cache_path, units_of_table(merged), threshold))


def suggestion_logs(studio: Studio, project_id: int) -> dict[int, list[Suggested]]:
    """task id -> what `labeling suggest` suggested for it, run by run (nothing to list,
    and no request but one, in a project it never ran on)."""
    if not any(v.startswith(SUGGEST_LOG_PREFIX) for v in studio.model_versions(project_id)):
        return {}
    return suggestions_by_task(studio.predictions(project_id))


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector. A pull makes millions of small objects (the
    snapshot's JSON, the rows) that hold no cycles; the collector would rescan them again
    and again as they pile up (half of the time of parsing a snapshot) and free nothing."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


