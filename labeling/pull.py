"""``labeling pull``: fetch every annotation of a project and write the dataset.

The pull checks the project against the schema, fetches all tasks with all their
annotations (submitted, skipped and imported ones), checks every returned span's
text against the article, keeps each annotator's latest annotation per task, and
hands the result to :mod:`labeling.export`, which writes the folder atomically.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import lsformat
from .client import Studio
from .errors import ConfigError
from .lsformat import ParsedAnnotation
from .schema import StanceSchema

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
    from label_studio_sdk.label_interface import LabelInterface

    try:
        iface = LabelInterface(project.get("label_config") or "<View/>")
    except Exception as exc:  # the SDK raises assorted errors on foreign configs
        raise ConfigError(f"cannot read the project's labelling config: {exc}") from exc
    controls = {c.name: c for c in iface.controls}
    for t in schema.targets:
        name = lsformat.stance_control(t.id)
        if name not in controls:
            raise ConfigError(
                f"project {project.get('title')!r} has no question {name!r}: pull with the "
                "--config the project was pushed with"
            )
        labels = list(getattr(controls[name], "labels", []) or [])
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


def pull(
    *,
    project: str,
    schema: StanceSchema,
    studio: Studio,
    out: str | Path,
    config_path: str | Path | None = None,
    strict_spans: bool = False,
) -> PullResult:
    """Fetch all annotations of ``project`` and write the dataset folder ``out``."""
    from . import export

    proj = studio.project(project)
    check_project_config(proj, schema)
    tasks = studio.export_tasks(int(proj["id"]))
    records, problems = records_from_export(tasks, schema)
    if problems:
        for p in problems[:20]:
            log.warning("span check: %s", p)
        if strict_spans:
            raise ConfigError(
                f"{len(problems)} annotated spans do not match the article text "
                f"(first: {problems[0]}); rerun without --strict-spans to keep the rest"
            )
    result = PullResult(int(proj["id"]), project, Path(out), span_problems=problems)
    result.tasks = len(records)
    result.annotations = sum(len(r.annotations) for r in records)
    result.skipped = sum(a.skipped for r in records for a in r.annotations)
    written = export.write_export(
        records, schema, proj, Path(out), server_url=studio.url,
        config_path=config_path, span_problems=problems,
    )
    result.rows = written.rows
    result.stats = written.stats
    return result
