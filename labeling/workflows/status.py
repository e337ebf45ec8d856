"""``labeling status``: progress of a project while annotators work.

Progress per target and per annotator, how many tasks reached the requested overlap,
Krippendorff's alpha so far, and an estimate of the work left. It reads the project
through the same sync engine and state as ``pull`` (:mod:`labeling.workflows.sync`), so
after a first pull or status it fetches only the tasks changed since: cheap enough to run
every few minutes on a large project.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labeling.annotations.agreement import krippendorff_alpha
from labeling.annotations.effort import effort
from labeling.annotations.records import item_key, pseudonym
from labeling.dataset.rows import vote_table
from labeling.schema import StanceSchema
from labeling.studio.client import Studio
from labeling.studio.wire import check_project_config
from labeling.workflows.sync import (
    PROJECT_FIELDS,
    RowCache,
    _fingerprint,
    gc_paused,
    save_row_cache,
    sync_dir,
    sync_rows,
)


@dataclass
class TargetProgress:
    target: str
    items: int
    with_votes: int
    complete: int  # items with at least annotators_per_item votes
    labels: dict[str, int]
    alpha: float | None


@dataclass
class AnnotatorProgress:
    annotator: str
    annotations: int
    skipped: int
    median_lead_time: float | None
    gold_accuracy: float | None


@dataclass
class Status:
    project_id: int
    title: str
    tasks: int
    annotations: int
    overlap: int
    tasks_complete: int
    annotations_left: int
    alpha: float | None
    eta_hours: float | None  # wall clock, the active annotators at their own pace
    targets: list[TargetProgress] = field(default_factory=list)
    annotators: list[AnnotatorProgress] = field(default_factory=list)
    fetched: int = 0
    annotator_hours_left: float | None = None  # their working time added up
    team_items_per_hour: float | None = None
    votes_blocked: int = 0  # votes the current annotators cannot give (need more people)
    blocked_annotator_hours: float | None = None  # those votes' time at the median pace

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def status(*, project: str, schema: StanceSchema, studio: Studio,
           state_dir: str | Path | None = None) -> Status:
    """Compute the project's progress from the sync state it shares with ``pull``
    (after the first pull or status, only the tasks changed since are fetched)."""

    with gc_paused():
        proj = studio.project(project, fields=(*PROJECT_FIELDS, "maximum_annotations"))
        check_project_config(proj, schema)
        cache_path = sync_dir(studio.url, int(proj["id"]), state_dir)
        synced = sync_rows(studio, proj, schema, cache_path, full=False, clusters=False,
                           state_dir=state_dir)
        save_row_cache(cache_path, _fingerprint(schema, proj),
                       RowCache(synced.cursor, synced.rows, synced.tasks))
        return _progress(project, schema, proj, synced.rows, synced.tasks, synced.fetched)


def _progress(title: str, schema: StanceSchema, proj: Mapping[str, Any], rows: Any,
              tasks: Any, fetched: int) -> Status:
    """The figures of :class:`Status` from the task rows (votes) and task lines (each
    annotator's latest annotation per task)."""
    import numpy as np

    labels = schema.label_names
    overlap = int(proj.get("maximum_annotations") or schema.annotators_per_item)
    vt, _ = vote_table(rows, schema)
    # Per item (own quote x target), in the order of the own rows: labelled votes.
    labelled = vt.label >= 0
    per_item = np.bincount(vt.item[labelled], minlength=len(vt.items))
    item_group = vt.item_group if vt.item_group is not None else np.full(len(vt.items), -1)
    targets = []
    # Rows exist only for the targets a task asks: each target counts only its own items.
    for g, t in enumerate(schema.targets):
        in_t = item_group == g
        sel = labelled & in_t[vt.item]
        # In the order each label first appears (rows by task, votes by annotation).
        seen, first = np.unique(vt.label[sel], return_index=True)
        counts = np.bincount(vt.label[sel], minlength=len(labels))
        targets.append(TargetProgress(
            target=t.id, items=int(in_t.sum()),
            with_votes=int((per_item[in_t] > 0).sum()),
            complete=int((per_item[in_t] >= overlap).sum()),
            labels={labels[k]: int(counts[k]) for k in seen[np.argsort(first)].tolist()},
            alpha=krippendorff_alpha(vt.subset(in_t), labels),
        ))

    ours = tasks.filter(tasks.column("ours"))
    task_ids = ours.column("task_id").to_pylist()
    anns = ours.column("annotations").to_pylist()
    n_ann = [len(a) for a in anns]
    gold_hits = _gold_hits(schema, proj, rows)
    by_annotator: dict[int | None, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for tid, task_anns in zip(task_ids, anns, strict=True):
        for a in task_anns:
            by_annotator[a["user_id"]].append((tid, a))
    annotators = []
    for uid, pairs in sorted(by_annotator.items(), key=lambda kv: str(kv[0])):
        who = pseudonym(proj, uid)
        leads = [a["lead_time"] for _, a in pairs
                 if a["lead_time"] is not None and not a["skipped"]]
        hits = [hit for tid, a in pairs if not a["skipped"]
                for hit in gold_hits(tid, who)]
        annotators.append(AnnotatorProgress(
            annotator=who,
            annotations=sum(not a["skipped"] for _, a in pairs),
            skipped=sum(a["skipped"] for _, a in pairs),
            median_lead_time=statistics.median(leads) if leads else None,
            gold_accuracy=sum(hits) / len(hits) if hits else None,
        ))
    left = sum(max(0, overlap - n) for n in n_ann)
    projected = effort([{a["user_id"] for a in task_anns} for task_anns in anns],
                       {uid: [a["lead_time"] for _, a in pairs
                              if a["lead_time"] and not a["skipped"]]
                        for uid, pairs in by_annotator.items()}, overlap)
    return Status(
        project_id=int(proj["id"]), title=title, tasks=len(task_ids),
        annotations=sum(n_ann), overlap=overlap,
        tasks_complete=sum(1 for n in n_ann if n >= overlap), annotations_left=left,
        alpha=krippendorff_alpha(vt, labels), eta_hours=projected.hours_left, targets=targets,
        annotators=annotators, fetched=fetched,
        annotator_hours_left=projected.annotator_hours_left,
        team_items_per_hour=projected.team_items_per_hour, votes_blocked=projected.votes_blocked,
        blocked_annotator_hours=projected.blocked_annotator_hours,
    )


def _gold_hits(schema: StanceSchema, proj: Mapping[str, Any], rows: Any
               ) -> Callable[[int, str], list[bool]]:
    """For a task and an annotator (pseudonym) who answered it, whether each of the
    annotator's answers on the task's gold items was the gold label (an annotation that
    left a gold target unanswered counts as wrong)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    gold = {item_key(g.quote_id, g.target): g.label for g in schema.gold}
    if not gold:
        return lambda tid, who: []
    qids = sorted({k.split("|", 1)[0] for k in gold})
    own = pc.and_(pc.is_null(rows.column("propagated_from")),  # type: ignore[attr-defined]
                  pc.is_in(rows.column("quote_id"),  # type: ignore[attr-defined]
                           value_set=pa.array(qids, pa.string())))
    answers: dict[int, list[tuple[str, dict[str, str | None]]]] = defaultdict(list)
    for r in rows.filter(own).select(["task_id", "quote_id", "target", "votes"]).to_pylist():
        label = gold.get(item_key(r["quote_id"], r["target"]))
        if label is None:
            continue  # a target of a gold quote that is not itself gold
        said = {v["annotator"]: (schema.label_names[v["stance"]] if not v["skipped"]
                                 and 0 <= v["stance"] < len(schema.label_names) else None)
                for v in r["votes"]}
        answers[r["task_id"]].append((label, said))

    def hits(tid: int, who: str) -> list[bool]:
        return [said.get(who) == label for label, said in answers.get(tid, [])]
    return hits
