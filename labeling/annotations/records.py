"""Annotations as the rest of the package sees them: small frozen records, no wire JSON.

:mod:`labeling.studio.wire` converts Label Studio's task JSON into these; agreement,
aggregation, the dataset rows and the workflows read only these.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from labeling.annotations.agreement import Vote
from labeling.schema import StanceSchema


@dataclass(frozen=True)
class Span:
    """A span an annotator left, in article offsets; ``ok`` if its text matched."""

    label: str
    start: int
    end: int
    text: str
    ok: bool


@dataclass(frozen=True)
class ParsedAnnotation:
    """One annotation of one task, reduced to what the dataset needs."""

    annotation_id: int
    annotator: int | None
    skipped: bool
    stances: Mapping[str, str]  # target id -> label
    spans: tuple[Span, ...]
    flags: tuple[str, ...]
    confidence: int | None
    note: str
    lead_time: float | None
    updated_at: str
    ground_truth: bool
    suggestion_shown: bool  # the editor was pre-filled with a stance suggestion
    problems: tuple[str, ...] = field(default=())
    # target id -> the label `labeling suggest` suggested for this vote's task when the vote
    # was made, shown or hidden (empty without a suggestion)
    suggested: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskRecord:
    """One task as pulled: its data and each annotator's latest annotation."""

    task_id: int
    data: Mapping[str, Any]
    annotations: tuple[ParsedAnnotation, ...]
    updated_at: str
    problems: tuple[str, ...] = ()


def pseudonym(project: Mapping[str, Any], user_id: int | None) -> str:
    """A stable pseudonymous annotator id: not the e-mail, not the server's user id."""
    if user_id is None:
        return "ann-unknown"
    salt = f"{project.get('id')}|{project.get('created_at')}"
    return "ann-" + hashlib.sha256(f"{salt}|{user_id}".encode()).hexdigest()[:10]


def latest_per_annotator(parsed: list[ParsedAnnotation]) -> tuple[ParsedAnnotation, ...]:
    """Each annotator's latest annotation of a task (edits replace, they do not add)."""
    best: dict[int | None, ParsedAnnotation] = {}
    for ann in sorted(parsed, key=lambda a: (a.updated_at, a.annotation_id)):
        best[ann.annotator] = ann
    return tuple(sorted(best.values(), key=lambda a: a.annotation_id))


def asked_targets(data: Mapping[str, Any], target_ids: Sequence[str]) -> list[str]:
    """The targets a task asks, in the schema's order: its ``targets`` (a record's own
    list, pushed with it) or, without one, every target."""
    own = data.get("targets")
    if not own:
        return list(target_ids)
    wanted = set(own)
    return [t for t in target_ids if t in wanted]


def item_key(quote_id: str, target: str) -> str:
    return f"{quote_id}|{target}"


def votes_of(records: Sequence[TaskRecord], schema: StanceSchema,
             project: Mapping[str, Any]) -> list[Vote]:
    """Every (item, annotator) vote; a skip is a vote with no label."""
    out: list[Vote] = []
    ids = [t.id for t in schema.targets]
    for rec in records:
        asked = asked_targets(rec.data, ids)  # a target the task does not ask has no votes
        for ann in rec.annotations:
            who = pseudonym(project, ann.annotator)
            for t in asked:
                label = None if ann.skipped else ann.stances.get(t)
                if label is not None and label not in schema.label_names:
                    label = None
                if not ann.skipped and label is None:
                    continue  # answered other questions but not this one: no vote
                out.append(Vote(item=item_key(str(rec.data["quote_id"]), t), annotator=who,
                                label=label, lead_time=ann.lead_time, group=t))
    return out


