"""``labeling pull``: fetch every annotation of a project and write the dataset.

The pull checks the project against the schema, fetches all tasks with all their
annotations (submitted, skipped and imported ones), checks every returned span's
text against the article, keeps each annotator's latest annotation per task, and
hands the result to :mod:`labeling.export`, which writes the folder atomically.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from . import lsformat
from .client import Studio
from .errors import ConfigError
from .lsformat import ParsedAnnotation
from .schema import StanceSchema
from .server import state_home

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskRecord:
    """One task as pulled: its data and each annotator's latest annotation."""

    task_id: int
    data: Mapping[str, Any]
    annotations: tuple[ParsedAnnotation, ...]
    updated_at: str


@dataclass
class PullResult:
    project_id: int
    title: str
    out: Path
    tasks: int = 0
    annotations: int = 0
    skipped: int = 0
    rows: int = 0
    incremental: bool = False
    fetched: int = 0
    span_problems: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


def pseudonym(project: Mapping[str, Any], user_id: int | None) -> str:
    """A stable pseudonymous annotator id: not the e-mail, not the server's user id."""
    if user_id is None:
        return "ann-unknown"
    salt = f"{project.get('id')}|{project.get('created_at')}"
    return "ann-" + hashlib.sha256(f"{salt}|{user_id}".encode()).hexdigest()[:10]


def check_project_config(project: Mapping[str, Any], schema: StanceSchema) -> None:
    """The project must have been made from this schema (same targets and labels)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(project.get("label_config") or "<View/>")
    except ET.ParseError as exc:
        raise ConfigError(f"cannot read the project's labelling config: {exc}") from exc
    controls = {el.get("name"): [c.get("value") for c in el.iter("Choice")]
                for el in root.iter("Choices")}
    for t in schema.targets:
        name = lsformat.stance_control(t.id)
        if name not in controls:
            raise ConfigError(
                f"project {project.get('title')!r} has no question {name!r}: pull with the "
                "--config the project was pushed with"
            )
        labels = [lab for lab in controls[name] if lab is not None]
        if labels and sorted(labels) != sorted(schema.label_names):
            raise ConfigError(
                f"question {name!r} of the project has labels {labels}, the config has "
                f"{schema.label_names}: pull with the --config the project was pushed with"
            )


def latest_per_annotator(parsed: list[ParsedAnnotation]) -> tuple[ParsedAnnotation, ...]:
    """Each annotator's latest annotation of a task (edits replace, they do not add)."""
    best: dict[int | None, ParsedAnnotation] = {}
    for ann in sorted(parsed, key=lambda a: (a.updated_at, a.annotation_id)):
        best[ann.annotator] = ann
    return tuple(sorted(best.values(), key=lambda a: a.annotation_id))


def records_from_export(
    tasks: list[dict[str, Any]], schema: StanceSchema
) -> tuple[list[TaskRecord], list[str]]:
    """Exported task JSON -> records, and the list of span problems found."""
    targets = [t.id for t in schema.targets]
    records: list[TaskRecord] = []
    problems: list[str] = []
    for task in tasks:
        data = task.get("data") or {}
        if "quote_id" not in data:
            log.warning("task %s has no quote_id: not made by `labeling push`; left out",
                        task.get("id"))
            continue
        parsed = [parse for parse in (
            lsformat.parse_annotation(a, data, targets) for a in task.get("annotations") or []
        )]
        for p in parsed:
            problems.extend(f"task {task.get('id')} annotation {p.annotation_id}: {x}"
                            for x in p.problems)
        records.append(TaskRecord(
            task_id=int(task["id"]), data=data, annotations=latest_per_annotator(parsed),
            updated_at=str(task.get("updated_at") or ""),
        ))
    records.sort(key=lambda r: r.task_id)
    return records, problems


# ----------------------------------------------------------------------------- sync cache
# The raw task JSON of the last pull is kept in the state folder (not in the export, which
# may be published without article text), keyed by server, project and export path.
# The next pull fetches only tasks whose ``updated_at`` is later than the moment (server
# clock) this pull's snapshot began, less a margin (creating, editing and deleting an
# annotation all bump it), merges them by task id, and
# drops tasks deleted on the server. Rebuilding from the merged cache gives the same
# dataset as a full pull.
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
    tmp = path / "tasks.jsonl.gz.tmp"
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=1) as fh:
        for tid in sorted(tasks):
            fh.write(json.dumps(tasks[tid], ensure_ascii=False) + "\n")
    meta = {**meta, "n_tasks": len(tasks)}
    os.replace(tmp, path / "tasks.jsonl.gz")
    (path / "state.json.tmp").write_text(json.dumps(meta), encoding="utf-8")
    os.replace(path / "state.json.tmp", path / "state.json")


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


def _cached_clusters(cache_path: Path, records: Sequence[TaskRecord],
                     threshold: float) -> dict[str, str]:
    """Near-duplicate clusters, reused from the last pull when its units were the same."""
    from .export import clusters_of, units_digest

    key = units_digest(records, threshold)
    path = cache_path / "clusters.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            return dict(cached["clusters"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    clusters = clusters_of(records, threshold)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"key": key, "clusters": clusters}), encoding="utf-8")
    os.replace(tmp, path)
    return clusters


def pull(
    *,
    project: str,
    schema: StanceSchema,
    studio: Studio,
    out: str | Path,
    config_path: str | Path | None = None,
    strict_spans: bool = False,
    full: bool = False,
    state_dir: str | Path | None = None,
    with_text: bool = True,
    parquet: bool = False,
) -> PullResult:
    """Fetch the annotations of ``project`` and write the dataset folder ``out``.

    After a first pull, only tasks changed since the last one are fetched (``full``
    forces a complete fetch); the written dataset is the same either way.
    """
    from . import export

    out = Path(out)
    proj = studio.project(project)
    check_project_config(proj, schema)
    tasks, incremental, fetched, cache_path, cursor = fetch_tasks(
        studio, proj, out, full=full, state_dir=state_dir)
    records, problems = records_from_export([tasks[k] for k in sorted(tasks)], schema)
    if problems:
        for p in problems[:20]:
            log.warning("span check: %s", p)
        if strict_spans:
            raise ConfigError(
                f"{len(problems)} annotated spans do not match the article text "
                f"(first: {problems[0]}); rerun without --strict-spans to keep the rest"
            )
    result = PullResult(int(proj["id"]), project, out, span_problems=problems,
                        incremental=incremental, fetched=fetched)
    result.tasks = len(records)
    result.annotations = sum(len(r.annotations) for r in records)
    result.skipped = sum(a.skipped for r in records for a in r.annotations)
    from .adjudicate import fetch_decisions

    clusters = _cached_clusters(cache_path, records, schema.near_duplicates.threshold)
    written = export.write_export(
        records, schema, proj, out, server_url=studio.url,
        config_path=config_path, span_problems=problems,
        decisions=fetch_decisions(studio, project, schema), with_text=with_text, parquet=parquet,
        clusters=clusters,
    )
    save_cache(cache_path, {"project_id": proj["id"], "server": studio.url, "cursor": cursor},
               tasks)
    result.rows = written.rows
    result.stats = written.stats
    return result
