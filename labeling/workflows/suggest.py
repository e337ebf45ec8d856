"""``labeling suggest``: learn stance from the project's labels so far, order the queue by it.

One run: fetch every task with its annotations (incrementally after the first run, like
``status``), take each item's label (the adjudicated label, else the majority of the
votes; ties and unvoted items are not training data), cross-validate and train the
schema's model, and write a suggestion for every task that still needs votes: the
segmenter's spans, the suggested stance (unless hidden: ``suggestions.show``), and a
score that orders the queue (low = served first): the task's uncertainty (1 - its
smallest margin between the two most probable labels) times its representativeness
(similarity to its nearest texts in the project), ranked within its target
(:func:`labeling.suggest.queue.queue_scores`). Then it makes this run's model version the
project's and switches the project to uncertainty sampling. A rerun deletes the
suggestions of earlier runs (each run has a version of its own) and keeps their logs
(:mod:`labeling.studio.wire`), which a pull reads to record what each vote was shown.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labeling.annotations.aggregate import aggregate
from labeling.annotations.records import TaskRecord, item_key, votes_of
from labeling.errors import LabelingError
from labeling.schema import StanceSchema
from labeling.state import state_home
from labeling.studio import wire
from labeling.studio.client import Studio
from labeling.suggest.base import Item
from labeling.suggest.models import Quality, build_model, cross_validate, top_label
from labeling.suggest.queue import queue_scores, queue_seed, representativeness
from labeling.workflows.adjudicate import fetch_decisions
from labeling.workflows.sync import forget_server_copy, suggestion_logs

log = logging.getLogger(__name__)

UNCERTAINTY = "Uncertainty sampling"
_BATCH = 5000  # predictions per import request
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class TooFewLabels(LabelingError):
    """Fewer labelled items than ``suggestions.min_labels``: no suggestion was written."""


@dataclass
class SuggestResult:
    project_id: int
    model_version: str
    labels: int  # labelled items the model learned from
    tasks: int
    predicted: int  # tasks given a suggestion (those that still need votes)
    hidden: int  # of those, how many without the stance shown
    no_suggestion: int  # task x target the model gave no distribution for
    replaced: int  # earlier suggestion predictions deleted
    quality: Quality | None
    sampling: str


def _item(data: Mapping[str, Any], target: str) -> Item:
    return Item(text=str(data.get("quote") or ""), target=target,
                context=str(data.get("context") or ""),
                speaker=str(data.get("speaker_name") or data.get("speaker") or ""))


def training_set(records: Sequence[TaskRecord], schema: StanceSchema, project: Mapping[str, Any],
                 decisions: Mapping[tuple[str, str], Any]) -> tuple[list[Item], list[str]]:
    """One example per labelled item: the adjudicated label, else the vote majority."""
    votes = votes_of(records, schema, project)
    agg = aggregate(votes, schema.label_names, schema.aggregation)
    items, labels = [], []
    for rec in records:
        qid = str(rec.data["quote_id"])
        for t in schema.targets:
            dec = decisions.get((qid, t.id))
            label = getattr(dec, "label", None) if dec is not None else None
            if label is None:
                a = agg.get(item_key(qid, t.id))
                label = a.label if a is not None else None
            if label is not None:
                items.append(_item(rec.data, t.id))
                labels.append(label)
    return items, labels


def hidden_for(quote_id: str, share: float, seed: int) -> bool:
    """``ab`` mode: whether this task's suggestion is hidden (seeded, stable across runs)."""
    h = hashlib.sha256(f"{seed}|{quote_id}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64 < share


def margin(dist: Mapping[str, float]) -> float:
    """Top probability minus the second (1 = sure, 0 = a coin toss)."""
    p = sorted(dist.values(), reverse=True)
    return p[0] - (p[1] if len(p) > 1 else 0.0) if p else 0.0


def task_targets(data: Mapping[str, Any], schema: StanceSchema) -> list[str]:
    """The targets a task asks about: its own ``targets`` list when it has one (a record
    labelled for some targets only), else every target of the schema."""
    own = data.get("targets")
    ids = [t.id for t in schema.targets]
    if isinstance(own, list) and own:
        return [t for t in ids if t in {str(x) for x in own}]
    return ids


def _needs_votes(rec: TaskRecord, overlap: int) -> bool:
    return sum(not a.skipped for a in rec.annotations) < overlap


def suggest(*, project: str, schema: StanceSchema, studio: Studio,
            state_dir: str | Path | None = None, progress: Progress | None = None,
            cv_folds: int = 5, run_id: str | None = None) -> SuggestResult:
    """Train on the labels so far and write suggestions for the tasks that need votes.

    Raises :class:`TooFewLabels` (nothing written) with fewer labelled items than
    ``suggestions.min_labels``.
    """
    cfg = schema.suggestions
    tell = progress or (lambda stage, done, total: None)
    proj = studio.project(project, fields=("label_config", "created_at", "maximum_annotations",
                                           "model_version", "sampling"))
    wire.check_project_config(proj, schema)
    pid = int(proj["id"])
    key = hashlib.sha256(f"suggest|{studio.url}|{pid}".encode()).hexdigest()[:16]
    marker = state_home(state_dir) / "suggest" / key
    marker.mkdir(parents=True, exist_ok=True)
    tell("fetch", 0, 1)
    # Every task, as the pull reads them (a snapshot streamed to a file; about 10 s for
    # 10,000 tasks): the model needs the texts, the votes and the spans of every task.
    with studio.snapshot(pid, spool_dir=marker) as snap:
        forget_server_copy(studio, pid, snap, state_dir)
        tasks = list(snap.tasks())
    records, _ = wire.records_from_export(tasks, schema)
    del tasks
    tell("fetch", 1, 1)
    items, labels = training_set(records, schema, proj, fetch_decisions(studio, project, schema))
    if len(items) < cfg.min_labels:
        raise TooFewLabels(
            f"project {project!r} has {len(items)} labelled items (a majority or adjudicated "
            f"label); suggestions need at least {cfg.min_labels} (suggestions.min_labels in "
            "the schema): label more, then run `labeling suggest` again. Nothing was changed."
        )
    quality = None
    if cv_folds >= 2 and len(set(labels)) >= 2:
        tell("cross-validate", 0, 1)
        quality = cross_validate(lambda: build_model(schema), items, labels, schema.label_names,
                                 folds=cv_folds, seed=cfg.seed)
        tell("cross-validate", 1, 1)
    tell("train", 0, 1)
    model = build_model(schema)
    model.fit(items, labels)
    tell("train", 1, 1)

    overlap = int(proj.get("maximum_annotations") or schema.annotators_per_item)
    todo = [r for r in records if _needs_votes(r, overlap)]
    asked = [task_targets(r.data, schema) for r in todo]
    batch_items = [_item(r.data, t) for r, ts in zip(todo, asked, strict=True) for t in ts]
    tell("predict", 0, len(todo))
    dists = model.predict_proba(batch_items) if batch_items else []
    tell("predict", len(todo), len(todo))

    previous = {tid: logs_[-1] for tid, logs_ in suggestion_logs(studio, pid).items()}
    run = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    version = wire.suggestion_version(run)
    suggestions, logs = [], []
    hidden = no_suggestion = 0
    per_task, at = [], 0
    for targets in asked:
        per_task.append(dists[at:at + len(targets)])
        at += len(targets)
    # The queue order (low = served first): uncertainty x representativeness among all
    # the project's texts, ranked within each target (labeling.suggest.queue; chosen
    # with bench/al_sim.py).
    dens = dict(zip((r.task_id for r in records),
                    representativeness([_item(r.data, "").text for r in records]), strict=True))
    scores = queue_scores([str(r.data["quote_id"]) for r in todo], per_task, asked,
                          seed=queue_seed(cfg.seed, version),
                          density=[dens[r.task_id] for r in todo])
    for rec, targets, mine, score in zip(todo, asked, per_task, scores, strict=True):
        chosen: dict[str, str] = {}
        for t, dist in zip(targets, mine, strict=True):
            lab = top_label(dist)
            if lab is None:
                no_suggestion += 1
                continue
            chosen[t] = lab
        qid = str(rec.data["quote_id"])
        hide = cfg.show == "hidden" or (cfg.show == "ab" and hidden_for(qid, cfg.ab_hidden_share,
                                                                         cfg.seed))
        hidden += hide
        suggestions.append(wire.suggestion_prediction(rec.task_id, rec.data, chosen, score,
                                                      version, shown=not hide, schema=schema))
        last = previous.get(rec.task_id)
        # A log only when the suggestion changed: what a vote saw is the latest log before it.
        if chosen and (last is None or dict(last.labels) != chosen or last.shown == hide):
            logs.append(wire.suggestion_log(rec.task_id, chosen, score,
                                            wire.suggestion_log_version(run, not hide)))
    earlier = [v for v in studio.model_versions(pid) if wire.is_suggestion_version(v)]
    total = len(suggestions) + len(logs)
    done = 0
    tell("write", 0, total)
    for chunk_start in range(0, len(suggestions), _BATCH):
        chunk = suggestions[chunk_start:chunk_start + _BATCH]
        studio.import_predictions(pid, chunk)
        done += len(chunk)
        tell("write", done, total)
    for chunk_start in range(0, len(logs), _BATCH):
        chunk = logs[chunk_start:chunk_start + _BATCH]
        studio.import_predictions(pid, chunk)
        done += len(chunk)
        tell("write", done, total)
    _set_clusters(studio, pid, version, todo, schema)
    # The new version first (the server refuses a version without predictions), then the
    # earlier suggestions go: the queue is never left without the current ones.
    proj = studio.update_project(pid, model_version=version, sampling=UNCERTAINTY)
    replaced = 0
    for v in earlier:
        if v != version:
            replaced += studio.delete_predictions(pid, v)
    return SuggestResult(
        project_id=pid, model_version=version, labels=len(items), tasks=len(records),
        predicted=len(suggestions), hidden=hidden, no_suggestion=no_suggestion,
        replaced=replaced, quality=quality, sampling=str(proj.get("sampling") or UNCERTAINTY),
    )


def _set_clusters(studio: Studio, pid: int, version: str, todo: Sequence[TaskRecord],
                  schema: StanceSchema) -> None:
    """Give the suggestions of near-duplicate tasks a shared ``cluster``: uncertainty
    sampling then serves an annotator the tasks of clusters they solved least. The
    server's bulk import drops ``cluster``, so it is set one prediction at a time, only
    for tasks in a cluster of two or more (a lone task's cluster changes nothing)."""
    from labeling.dataset.rows import clusters_of, units_of_tasks

    units = units_of_tasks({"data": r.data} for r in todo)
    clusters = clusters_of(units, schema.near_duplicates.threshold)
    members: dict[str, list[int]] = defaultdict(list)
    for rec in todo:
        members[clusters.get(str(rec.data["quote_id"]), "")].append(rec.task_id)
    shared = {tid: n for n, (_, tids) in enumerate(sorted(members.items()))
              if len(tids) > 1 for tid in tids}
    for tid, cluster in shared.items():
        for pred in studio.predictions(pid, task=tid):
            if pred.get("model_version") == version:
                studio.update_prediction(int(pred["id"]), cluster=cluster)
