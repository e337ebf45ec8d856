"""``labeling adjudicate``: send only the disputed items to an adjudication project.

An item (quote x target) is disputed when its votes tie or agree less than the
schema's ``agreement_threshold``; unanimous and clear-majority items are accepted
as they are. Each quote with a disputed target becomes one task in the project
"<title> · adjudication" on the same server, showing the earlier votes; the task
records which targets were disputed. ``labeling pull`` then lets the adjudicator's
label override the aggregate for exactly those items, keeping the votes and the
pre-adjudication label (provenance). Running it again adds only newly disputed items.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from labeling.annotations.aggregate import Aggregate, adjudicate_needed, aggregate
from labeling.annotations.agreement import Vote
from labeling.annotations.records import (
    ParsedAnnotation,
    TaskRecord,
    asked_targets,
    item_key,
    pseudonym,
    votes_of,
)
from labeling.errors import NotFound
from labeling.schema import StanceSchema
from labeling.studio import wire
from labeling.studio.client import Studio
from labeling.studio.wire import check_project_config, records_from_export
from labeling.workflows.push import ensure_project, import_batch

log = logging.getLogger(__name__)

SUFFIX = " · adjudication"


def adjudication_title(title: str) -> str:
    return title + SUFFIX


@dataclass
class AdjudicateResult:
    project_id: int
    title: str
    items: int = 0
    disputed_items: int = 0
    accepted_items: int = 0
    created: int = 0
    present: int = 0


def _prior_line(votes: Sequence[Vote], target_name: str) -> str:
    labels = Counter(v.label for v in votes if v.label is not None)
    skips = sum(v.label is None for v in votes)
    parts = [f"{lab} x{n}" for lab, n in labels.most_common()]
    if skips:
        parts.append(f"skipped x{skips}")
    return f"{target_name}: " + (", ".join(parts) or "no votes")


def disputed_items(
    records: Sequence[TaskRecord], schema: StanceSchema, project: Mapping[str, Any]
) -> tuple[dict[str, list[str]], dict[str, Aggregate], list[Vote]]:
    """quote_id -> disputed target ids; the aggregates; the votes."""

    votes = votes_of(records, schema, project)
    agg = aggregate(votes, schema.label_names, method=schema.aggregation)
    out: dict[str, list[str]] = {}
    for rec in records:
        qid = str(rec.data["quote_id"])
        for t in schema.targets:
            a = agg.get(item_key(qid, t.id))
            if a is not None and adjudicate_needed(a, schema.agreement_threshold):
                out.setdefault(qid, []).append(t.id)
    return out, agg, votes


def adjudicate(*, project: str, schema: StanceSchema, studio: Studio) -> AdjudicateResult:
    """Create or update the adjudication project with every disputed quote."""

    proj = studio.project(project)
    check_project_config(proj, schema)
    records, _ = records_from_export(studio.export_tasks(int(proj["id"])), schema)
    disputed, agg, votes = disputed_items(records, schema, proj)
    by_item: dict[str, list[Vote]] = defaultdict(list)
    for v in votes:
        by_item[v.item].append(v)
    adj, _ = ensure_project(studio, adjudication_title(project), schema, adjudication=True)
    pid = int(adj["id"])
    result = AdjudicateResult(pid, adjudication_title(project))
    result.items = len(agg)
    result.disputed_items = sum(len(ts) for ts in disputed.values())
    result.accepted_items = result.items - result.disputed_items
    keys = studio.task_keys(pid)
    version = wire.model_version("adjudication")
    batch: list[tuple[str, dict[str, Any]]] = []
    for rec in records:
        qid = str(rec.data["quote_id"])
        if qid not in disputed:
            continue
        if qid in keys:
            result.present += 1
            continue
        data = dict(rec.data)
        data["prior_votes"] = "\n".join(
            _prior_line(by_item[item_key(qid, t.id)], t.name)
            for t in schema.targets if t.id in asked_targets(data, [t.id])
        )
        data["disputed_targets"] = disputed[qid]
        data["source_task_id"] = rec.task_id
        data.pop("duplicates", None)
        asked = asked_targets(data, [t.id for t in schema.targets])
        batch.append((qid, {"data": data, "meta": {"quote_id": qid}, "predictions": [
            {"model_version": version, "result": wire.regions_from_data(data)
             + wire.not_asked_result(asked, schema)}]}))
    for i in range(0, len(batch), 500):
        result.created += import_batch(studio, pid, batch[i:i + 500], keys)
    return result


@dataclass(frozen=True)
class Decision:
    """An adjudicator's label for one item, overriding the aggregate."""

    label: str
    adjudicator: str


def fetch_decisions(
    studio: Studio, project: str, schema: StanceSchema
) -> dict[tuple[str, str], Decision]:
    """(quote_id, target) -> decision, from the adjudication project (empty if none)."""
    try:
        adj = studio.project(adjudication_title(project))
    except NotFound:
        return {}
    records, _ = records_from_export(studio.export_tasks(int(adj["id"])), schema)
    return decisions_from_records(records, adj)


def decisions_from_records(
    records: Sequence[TaskRecord], adj_project: Mapping[str, Any]
) -> dict[tuple[str, str], Decision]:
    out: dict[tuple[str, str], Decision] = {}
    for rec in records:
        disputed = rec.data.get("disputed_targets") or []
        done: list[ParsedAnnotation] = [a for a in rec.annotations if not a.skipped]
        if not done:
            continue
        last = max(done, key=lambda a: (a.updated_at, a.annotation_id))
        for t in disputed:
            if t in last.stances:
                out[(str(rec.data["quote_id"]), t)] = Decision(
                    last.stances[t], pseudonym(adj_project, last.annotator))
    return out
