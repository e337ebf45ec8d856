"""``labeling pull``: fetch every annotation of a project and write the dataset.

The pull checks the project against the schema, fetches all tasks with all their
annotations (submitted, skipped and imported ones), checks every returned span's
text against the article, keeps each annotator's latest annotation per task, and
hands the result to :mod:`labeling.dataset.build`, which writes the folder atomically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labeling.dataset.build import write_table
from labeling.errors import ConfigError
from labeling.schema import StanceSchema
from labeling.studio.client import Studio
from labeling.studio.wire import check_project_config
from labeling.workflows.adjudicate import fetch_decisions
from labeling.workflows.sync import (
    PROJECT_FIELDS,
    RowCache,
    _fingerprint,
    arrow_on_malloc,
    gc_paused,
    save_row_cache,
    sync_dir,
    sync_rows,
    task_counts,
)

log = logging.getLogger(__name__)


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

    After a first pull (or status) of the project, only tasks changed since the last
    one are fetched and rebuilt (``full`` forces a complete fetch); the written dataset is
    the same either way.
    """
    with gc_paused(), arrow_on_malloc():
        return _pull(project=project, schema=schema, studio=studio, out=Path(out),
                     config_path=config_path, strict_spans=strict_spans, full=full,
                     state_dir=state_dir, with_text=with_text, parquet=parquet)


def _pull(*, project: str, schema: StanceSchema, studio: Studio, out: Path,
          config_path: str | Path | None, strict_spans: bool, full: bool,
          state_dir: str | Path | None, with_text: bool, parquet: bool) -> PullResult:

    proj = studio.project(project, fields=PROJECT_FIELDS)
    check_project_config(proj, schema)
    cache_path = sync_dir(studio.url, int(proj["id"]), state_dir)
    synced = sync_rows(studio, proj, schema, cache_path, full=full, state_dir=state_dir)
    counts = task_counts(synced.tasks)
    problems = counts.problems
    if problems:
        for p in problems[:20]:
            log.warning("span check: %s", p)
        if strict_spans:
            raise ConfigError(
                f"{len(problems)} annotated spans do not match the article text "
                f"(first: {problems[0]}); rerun without --strict-spans to keep the rest"
            )
    result = PullResult(int(proj["id"]), project, out, span_problems=problems,
                        incremental=synced.incremental, fetched=synced.fetched)
    result.tasks = counts.tasks
    result.annotations = counts.annotations
    result.skipped = counts.skipped
    assert synced.clusters is not None
    clusters = synced.clusters()
    written = write_table(
        synced.rows, schema, proj, out, tasks=result.tasks, annotations=result.annotations,
        skipped=result.skipped, clusters=clusters, server_url=studio.url,
        config_path=config_path, span_problems=problems,
        decisions=fetch_decisions(studio, project, schema), with_text=with_text, parquet=parquet,
    )
    save_row_cache(cache_path, _fingerprint(schema, proj),
                   RowCache(synced.cursor, synced.rows, synced.tasks))
    result.rows = written.rows
    result.stats = written.stats
    return result
