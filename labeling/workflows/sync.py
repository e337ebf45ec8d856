"""The one incremental sync engine: a project's tasks as dataset rows, kept up to date.

``labeling pull`` and ``labeling status`` both read a project through :func:`sync_rows`
and share its state, one per server and project, in ``$LABELING_HOME/sync/<key>/``: the
task rows (``rows.arrow``, see :mod:`labeling.dataset.rows`), one line per task
(``tasks.arrow``: id, span problems, and each annotator's latest annotation: user id,
skipped, lead time) and the cursor. Never in the export, which may be published without
article text.

A sync fetches only the tasks whose ``updated_at`` is later than the moment (server
clock) the last snapshot began, less a margin (creating, editing and deleting an
annotation all bump it), rebuilds the rows of those tasks, drops tasks deleted on the
server, and merges: the same rows a full fetch builds. The snapshot is read as a stream
(:mod:`labeling.studio.snapshot`) and turned into rows a chunk of tasks at a time, so
memory stays flat whatever the project's size.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from labeling.annotations.records import TaskRecord
from labeling.dataset.rows import (
    Units,
    clusters_of,
    rows_table,
    units_digest,
    units_of_table,
    units_of_tasks,
)
from labeling.files import atomic_file, write_json
from labeling.schema import StanceSchema
from labeling.state import state_home
from labeling.studio.client import Studio
from labeling.studio.snapshot import Snapshot, iter_json_array, read_blocks, remove_local_copy
from labeling.studio.wire import (
    SUGGEST_LOG_PREFIX,
    Suggested,
    records_from_export,
    suggestions_by_task,
)

log = logging.getLogger(__name__)

_CURSOR_MARGIN = timedelta(seconds=2)  # re-fetch a little: writes racing the last export
_CHUNK = 1000  # tasks parsed and turned into rows at a time (about 3 MB of task JSON)


def sync_dir(server_url: str, project_id: int, state_dir: str | Path | None) -> Path:
    """The sync state of one project on one server (shared by pull and status)."""
    key = hashlib.sha256(f"{server_url.rstrip('/')}|{project_id}".encode()).hexdigest()[:20]
    return state_home(state_dir) / "sync" / key


def _parse_time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _cursor(started: str | None, newest: str | None) -> str | None:
    """Where the next incremental sync starts: the server's clock when this snapshot
    began (a change after that is in the next sync), else the newest task seen."""
    return started or newest


# ----------------------------------------------------------------------------- clusters
_BACKGROUND_UNITS = 5000  # from this many units, clusters are computed in a child process


@dataclass
class SnapshotUnits:
    """The units of a downloaded snapshot, read from its file (open as ``fd``) when
    called: a forked child reads them itself while the parent builds the rows."""

    fd: int

    def __call__(self) -> Units:
        return units_of_tasks(iter_json_array(read_blocks(self.fd)))


UnitSource = Mapping[str, tuple[str, str | None]] | SnapshotUnits


def _cached_clusters(path: Path, key: str) -> dict[str, str] | None:
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            return dict(cached["clusters"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def _clusters_job(units: UnitSource, threshold: float, path: Path
                  ) -> tuple[str, dict[str, str], bool]:
    """(key, clusters, reused): the clusters of ``units``, reused from ``path`` when they
    were computed for the same units."""
    got = units() if isinstance(units, SnapshotUnits) else dict(units)
    key = units_digest(got, threshold)
    hit = _cached_clusters(path, key)
    if hit is not None:
        return key, hit, True
    return key, clusters_of(got, threshold), False


def start_clusters(cache_path: Path, units: UnitSource, threshold: float
                   ) -> Callable[[], dict[str, str]]:
    """Near-duplicate clusters of ``units``: reused from the last sync when its units
    were the same, else computed (in a forked child process for a large project, or
    always for :class:`SnapshotUnits`, so the rows are built meanwhile). Returns a
    function that waits for them."""

    path = cache_path / "clusters.json"
    if not isinstance(units, SnapshotUnits):
        hit = _cached_clusters(path, units_digest(dict(units), threshold))
        if hit is not None:
            return lambda: hit

    def save(result: tuple[str, dict[str, str], bool]) -> dict[str, str]:
        key, clusters, reused = result
        if not reused:
            write_json(path, {"key": key, "clusters": clusters})
        return clusters

    def release() -> None:
        if isinstance(units, SnapshotUnits):
            with contextlib.suppress(OSError):
                os.close(units.fd)

    background = isinstance(units, SnapshotUnits) or len(units) >= _BACKGROUND_UNITS
    if background and "fork" in multiprocessing.get_all_start_methods():
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        future = pool.submit(_clusters_job, units, threshold, path)

        def wait() -> dict[str, str]:
            try:
                return save(future.result())
            except (OSError, BrokenProcessPool) as exc:  # the child died (out of memory?)
                log.warning("near-duplicate clusters: the child process failed (%s); "
                            "computing them here", exc)
                return save(_clusters_job(units, threshold, path))
            finally:
                pool.shutdown(cancel_futures=True)
                release()
        return wait
    try:
        result = _clusters_job(units, threshold, path)
    finally:
        release()
    return lambda: save(result)


# ----------------------------------------------------------------------------- state
ROW_CACHE_FORMAT = 3  # 3: one state per server and project, votes carry `suggested`
# What a sync reads of the project (asking for less spares the server counting tasks).
PROJECT_FIELDS = ("created_at", "label_config")


def _tasks_schema() -> Any:
    import pyarrow as pa

    annotation = pa.struct([("user_id", pa.int64()), ("skipped", pa.bool_()),
                            ("lead_time", pa.float64())])
    return pa.schema([("task_id", pa.int64()), ("ours", pa.bool_()),
                      ("problems", pa.list_(pa.string())),
                      ("annotations", pa.list_(annotation))])


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
                return None  # files of another sync (one interrupted while saving)
            tables.append(table.replace_schema_metadata(None))
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        if (path / "rows-state.json").exists():
            log.warning("ignoring a damaged sync state in %s (%s): fetching everything",
                        path, exc)
        return None
    if not tables[1].schema.equals(_tasks_schema()):
        return None
    return RowCache(meta.get("cursor"), tables[0], tables[1])


def save_row_cache(path: Path, fingerprint: str, cache: RowCache) -> None:
    """Write the state; ``rows-state.json`` names the generation both tables must carry."""
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


def _task_lines(tasks: Sequence[Mapping[str, Any]], records: Sequence[TaskRecord]) -> Any:
    import pyarrow as pa

    by_id = {r.task_id: r for r in records}
    lines = []
    for t in tasks:
        rec = by_id.get(int(t["id"]))
        lines.append({
            "task_id": int(t["id"]), "ours": rec is not None,
            "problems": list(rec.problems) if rec else [],
            "annotations": [{"user_id": a.annotator, "skipped": a.skipped,
                             "lead_time": a.lead_time} for a in rec.annotations] if rec else [],
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


def _by_task(table: Any) -> Any:
    """``table`` ordered by task id (a stable sort keeps each task's rows in their order;
    a table already in order, as a snapshot usually is, is not copied)."""
    import numpy as np
    import pyarrow.compute as pc

    ids = np.asarray(table.column("task_id").to_numpy())
    if len(ids) < 2 or bool((ids[1:] >= ids[:-1]).all()):
        return table
    order = pc.sort_indices(  # type: ignore[attr-defined]
        table, sort_keys=[("task_id", "ascending")])
    return table.take(order)


def _merge(old: Any, new: Any, replaced: set[int]) -> Any:
    """``old`` less the tasks in ``replaced``, plus ``new``, ordered by task id."""
    import pyarrow as pa

    return _by_task(pa.concat_tables([_without(old, replaced), new]))


class _Built(NamedTuple):
    rows: Any
    tasks: Any
    n_tasks: int
    newest: str | None  # the latest updated_at of the tasks read
    units: Units | None


def _build(chunks: Iterable[list[dict[str, Any]]], schema: StanceSchema,
           project: Mapping[str, Any], *, units: bool,
           logs: Mapping[int, Sequence[Suggested]] | None = None) -> _Built:
    """The task rows and task lines of a stream of task chunks (each chunk's JSON is
    dropped once its rows are built), and their units if asked."""
    import pyarrow as pa

    rows = [rows_table([], schema, project)]
    lines = [pa.Table.from_pylist([], schema=_tasks_schema())]
    found: Units | None = {} if units else None
    count, newest = 0, None
    for chunk in chunks:
        count += len(chunk)
        stamps = [str(t["updated_at"]) for t in chunk if t.get("updated_at")]
        if stamps:
            newest = max([newest, *stamps]) if newest else max(stamps)
        records, _ = records_from_export(chunk, schema, logs)
        rows.append(rows_table(records, schema, project))
        lines.append(_task_lines(chunk, records))
        if found is not None:
            found.update(units_of_tasks(chunk))
    return _Built(_by_task(pa.concat_tables(rows)), _by_task(pa.concat_tables(lines)), count,
                  newest, found)


class Synced(NamedTuple):
    rows: Any
    tasks: Any
    cursor: str | None
    incremental: bool
    fetched: int
    clusters: Callable[[], dict[str, str]] | None


def _task_count(snap: Snapshot) -> int:
    number = (snap.export.get("counters") or {}).get("task_number")
    if isinstance(number, int):
        return number
    return snap.size // 3000  # about 3 KB of JSON per task


def sync_rows(studio: Studio, project: Mapping[str, Any], schema: StanceSchema,
              cache_path: Path, *, full: bool, clusters: bool = True,
              state_dir: str | Path | None = None) -> Synced:
    """The task rows and task lines of every task: the synced ones plus those of the tasks
    changed since the last sync (or all, fetched in full), without the tasks deleted
    since. ``clusters``: also start computing the near-duplicate clusters (a pull needs
    them, a status does not). The caller saves the new state (:func:`save_row_cache`)."""

    pid = int(project["id"])
    threshold = schema.near_duplicates.threshold
    fingerprint = _fingerprint(schema, project)
    cached = None if full else load_row_cache(cache_path, fingerprint)

    logs = suggestion_logs(studio, pid)

    def everything() -> Synced:
        with studio.snapshot(pid, spool_dir=cache_path) as snap:
            forget_server_copy(studio, pid, snap, state_dir)
            wait = None
            if clusters and _task_count(snap) >= _BACKGROUND_UNITS:
                # A child reads the units from the file and clusters them meanwhile.
                wait = start_clusters(cache_path, SnapshotUnits(os.dup(snap.file.fileno())),
                                      threshold)
            built = _build(snap.chunks(_CHUNK), schema, project,
                           units=clusters and wait is None, logs=logs)
        if built.units is not None:
            wait = start_clusters(cache_path, built.units, threshold)
        return Synced(built.rows, built.tasks, _cursor(snap.started, built.newest), False,
                      built.n_tasks, wait)

    if cached is None or not cached.cursor:
        return everything()
    since = _parse_time(cached.cursor) - _CURSOR_MARGIN
    with studio.snapshot(pid, updated_since=since, spool_dir=cache_path) as snap:
        forget_server_copy(studio, pid, snap, state_dir)
        built = _build(snap.chunks(_CHUNK), schema, project, units=False, logs=logs)
    changed_ids = set(built.tasks.column("task_id").to_pylist())
    known = set(cached.tasks.column("task_id").to_pylist()) | changed_ids
    gone: set[int] = set()
    # Deleted tasks do not show up as changes: compare counts, list ids only if they differ.
    count = studio.project(str(project["title"]), fields=("task_number",)).get("task_number")
    if int(count or 0) != len(known):
        alive = {int(t["id"]) for t in studio.iter_tasks(pid, include="id")}
        if alive - known:  # tasks we never saw: fall back to a full fetch
            return everything()
        gone = known - alive
    replaced = changed_ids | gone
    merged = _merge(cached.rows, built.rows, replaced)
    wait = start_clusters(cache_path, units_of_table(merged), threshold) if clusters else None
    return Synced(merged, _merge(cached.tasks, built.tasks, replaced),
                  _cursor(snap.started, built.newest) or cached.cursor, True, built.n_tasks, wait)


# ----------------------------------------------------------------------------- server copies
def forget_server_copy(studio: Studio, project_id: int, snap: Snapshot,
                       state_dir: str | Path | None) -> None:
    """Remove the file Label Studio keeps of a deleted export (1.23 Community keeps every
    snapshot in ``media/export/``: its feature flag for deleting it is fixed off). On the
    embedded server of this state folder the file is deleted here; a remote server's
    folder is out of reach: that is said once per server."""
    from labeling.studio.server import LocalStudio

    local = LocalStudio(state_dir)
    info = local.running() if local.run_file.exists() else None
    if info is not None and info.url.rstrip("/") == studio.url.rstrip("/"):
        for path in remove_local_copy(local.data_dir, project_id, snap.export):
            log.debug("removed the server's copy of the snapshot: %s", path.name)
        return
    marker = state_home(state_dir) / "sync" / (
        "remote-" + hashlib.sha256(studio.url.encode()).hexdigest()[:16] + ".noted")
    if marker.exists():
        return
    log.warning("Label Studio at %s keeps a copy of every export snapshot in its "
                "media/export/ folder (%.0f MB this time) although the export is deleted "
                "through the API; the tool cannot remove it on a server it does not run: "
                "its administrator can clear that folder (said once)",
                studio.url, snap.size / 2**20)
    with contextlib.suppress(OSError):
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()


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


@contextlib.contextmanager
def arrow_on_malloc() -> Iterator[None]:
    """Allocate Arrow memory from the C library's ``malloc`` (Arrow's own pool is
    mimalloc): Python frees the snapshot's JSON, the records and the per-row lists into
    ``malloc``, and with one allocator Arrow reuses what Python freed, and Python what
    Arrow freed, instead of each holding its own. A 50,000-task pull peaked 30 MB lower.
    Buffers keep the pool they came from, so restoring the pool afterwards is safe."""
    import pyarrow as pa

    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(before)


class TaskCounts(NamedTuple):
    tasks: int  # tasks made by `labeling push` (with a quote id)
    annotations: int  # each annotator's latest annotation per task, skips included
    skipped: int
    problems: list[str]  # span problems, task by task


def task_counts(tasks: Any) -> TaskCounts:
    """Counts over the task lines of a sync."""
    import pyarrow.compute as pc

    anns = tasks.column("annotations").combine_chunks()
    flat = pc.list_flatten(anns)  # type: ignore[attr-defined]
    return TaskCounts(
        tasks=int(pc.sum(tasks.column("ours")).as_py() or 0),  # type: ignore[attr-defined]
        annotations=len(flat),
        skipped=int(pc.sum(flat.field("skipped")).as_py() or 0),  # type: ignore[attr-defined]
        problems=[p for ps in tasks.column("problems").to_pylist() for p in ps],
    )
