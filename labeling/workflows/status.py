"""``labeling status``: progress of a project while annotators work.

Progress per target and per annotator, how many tasks reached the requested overlap,
Krippendorff's alpha so far, and an estimate of the work left. It keeps its own
incremental cache (like ``pull``), so after the first run it fetches only the tasks
changed since the last one: cheap enough to run every few minutes on a large project.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labeling.annotations.agreement import krippendorff_alpha
from labeling.annotations.effort import effort
from labeling.annotations.records import asked_targets, item_key, pseudonym, votes_of
from labeling.schema import StanceSchema
from labeling.state import state_home
from labeling.studio.client import Studio
from labeling.studio.wire import check_project_config, records_from_export
from labeling.workflows.sync import fetch_tasks, save_cache


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

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def status(*, project: str, schema: StanceSchema, studio: Studio,
           state_dir: str | Path | None = None) -> Status:
    """Compute the project's progress (incrementally after the first call)."""

    proj = studio.project(project)
    check_project_config(proj, schema)
    key = hashlib.sha256(f"status|{studio.url}|{proj['id']}".encode()).hexdigest()[:16]
    marker = state_home(state_dir) / "status" / key
    marker.mkdir(parents=True, exist_ok=True)
    got = fetch_tasks(studio, proj, marker, full=False, state_dir=state_dir)
    tasks, fetched = got.tasks, got.fetched
    save_cache(got.cache_path, {"project_id": proj["id"], "server": studio.url,
                                "cursor": got.cursor}, tasks)
    records, _ = records_from_export([tasks[k] for k in sorted(tasks)], schema)
    labels = schema.label_names
    votes = votes_of(records, schema, proj)
    overlap = int(proj.get("maximum_annotations") or schema.annotators_per_item)
    n_ann = [len(r.annotations) for r in records]
    per_item: dict[str, list[str]] = defaultdict(list)
    for v in votes:
        if v.label is not None:
            per_item[v.item].append(v.label)
    targets = []
    for t in schema.targets:
        keys = [item_key(str(r.data["quote_id"]), t.id) for r in records
                if t.id in asked_targets(r.data, [t.id])]  # only the tasks that ask it
        tv = [v for v in votes if v.group == t.id]
        targets.append(TargetProgress(
            target=t.id, items=len(keys),
            with_votes=sum(1 for k in keys if per_item.get(k)),
            complete=sum(1 for k in keys if len(per_item.get(k, [])) >= overlap),
            labels=dict(Counter(lab for k in keys for lab in per_item.get(k, []))),
            alpha=krippendorff_alpha(tv, labels),
        ))
    gold = {item_key(g.quote_id, g.target): g.label for g in schema.gold}
    by_annotator: dict[int | None, list[Any]] = defaultdict(list)
    for r in records:
        for a in r.annotations:
            by_annotator[a.annotator].append((r, a))
    annotators = []
    for uid, pairs in sorted(by_annotator.items(), key=lambda kv: str(kv[0])):
        leads = [a.lead_time for _, a in pairs if a.lead_time is not None and not a.skipped]
        hits = [a.stances.get(k.split("|", 1)[1]) == lab
                for r, a in pairs for k, lab in gold.items()
                if k.split("|", 1)[0] == str(r.data["quote_id"]) and not a.skipped]
        annotators.append(AnnotatorProgress(
            annotator=pseudonym(proj, uid),
            annotations=sum(not a.skipped for _, a in pairs),
            skipped=sum(a.skipped for _, a in pairs),
            median_lead_time=statistics.median(leads) if leads else None,
            gold_accuracy=sum(hits) / len(hits) if hits else None,
        ))
    left = sum(max(0, overlap - n) for n in n_ann)
    projected = effort([{a.annotator for a in r.annotations} for r in records],
                       {uid: [a.lead_time for _, a in pairs if a.lead_time and not a.skipped]
                        for uid, pairs in by_annotator.items()}, overlap)
    return Status(
        project_id=int(proj["id"]), title=project, tasks=len(records),
        annotations=sum(n_ann), overlap=overlap,
        tasks_complete=sum(1 for n in n_ann if n >= overlap), annotations_left=left,
        alpha=krippendorff_alpha(votes, labels), eta_hours=projected.hours_left, targets=targets,
        annotators=annotators, fetched=fetched,
        annotator_hours_left=projected.annotator_hours_left,
        team_items_per_hour=projected.team_items_per_hour, votes_blocked=projected.votes_blocked,
    )
