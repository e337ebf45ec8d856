"""``labeling suggest``: learn stance from the project's labels so far, order the queue by it.

One run: fetch every task with its annotations (a snapshot export), take each item's
label (the adjudicated label, else the majority of the votes; ties and unvoted items are
not training data), train the schema's model and write a suggestion for every task that
still needs votes: the segmenter's spans, the suggested stance (unless hidden:
``suggestions.show``), and a score that orders the queue (low = served first): the task's
uncertainty (1 - its smallest margin between the two most probable labels) times its
representativeness (similarity to its nearest texts in the project), ranked within its
target (:func:`labeling.suggest.queue.queue_scores`), a near-duplicate's after the first
task of its cluster (:func:`labeling.suggest.queue.spread_duplicates`). Then it makes this
run's model version the project's and switches the project to uncertainty sampling. A
rerun deletes the suggestions of earlier runs (each run has a version of its own) and
keeps their logs (:mod:`labeling.studio.wire`), which a pull reads to record what each
vote was shown. The cross-validation runs in a thread while the server writes.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from labeling.annotations.aggregate import aggregate
from labeling.annotations.records import TaskRecord, item_key, votes_of
from labeling.errors import LabelingError
from labeling.schema import StanceSchema
from labeling.state import state_home
from labeling.studio import wire
from labeling.studio.client import Studio
from labeling.suggest.base import Item, observe_all
from labeling.suggest.models import Quality, build_model, cross_validate, top_label
from labeling.suggest.queue import queue_scores, queue_seed, representativeness, spread_duplicates
from labeling.workflows.adjudicate import fetch_decisions
from labeling.workflows.sync import forget_server_copy, suggestion_logs

log = logging.getLogger(__name__)

UNCERTAINTY = "Uncertainty sampling"
_BATCH = 50_000  # predictions per import request (each one costs a recount: one request)
_T = TypeVar("_T")
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class TooFewLabels(LabelingError):
    """Fewer labelled items than ``suggestions.min_labels``: no suggestion was written."""

    def __init__(self, message: str, labels: int = 0, needed: int = 0):
        super().__init__(message)
        self.labels = labels
        self.needed = needed


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
    if cfg.model == "builtin":  # its imports, while the server makes the snapshot
        from labeling.suggest.builtin import preload

        threading.Thread(target=preload, daemon=True).start()
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
            "the schema): label more, then run `labeling suggest` again. Nothing was changed.",
            labels=len(items), needed=cfg.min_labels)
    # Every unit's text, labelled or not (the targets do not matter to what is seen).
    seen = [_item(r.data, "") for r in records]
    cache = state_home(state_dir) / "suggest"
    if cfg.model == "builtin" and cfg.encoder != "none":
        # Sentence embeddings, once per text (cached on disk): the slow part, with progress.
        from labeling.suggest.encoder import load_encoder

        load_encoder(cfg.encoder, cache).embed([i.text for i in seen],
                                               progress=lambda d, t: tell("embed", d, t))
    cv_job = (lambda: cross_validate(lambda: observe_all(build_model(schema, cache), seen),
                                     items, labels, schema.label_names, folds=cv_folds,
                                     seed=cfg.seed)
              ) if cv_folds >= 2 and len(set(labels)) >= 2 else None
    tell("train", 0, 1)
    model = observe_all(build_model(schema, cache), seen)
    model.fit(items, labels)
    tell("train", 1, 1)

    overlap = int(proj.get("maximum_annotations") or schema.annotators_per_item)
    todo = [r for r in records if _needs_votes(r, overlap)]
    previous = {tid: logs_[-1] for tid, logs_ in suggestion_logs(studio, pid).items()}
    run = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    version = wire.suggestion_version(run)
    dup_of, dup_done = near_duplicates(records, todo, schema)
    asked = [task_targets(r.data, schema) for r in todo]
    tell("predict", 0, len(todo))
    batch_items = [_item(r.data, t) for r, ts in zip(todo, asked, strict=True) for t in ts]
    dists = model.predict_proba(batch_items) if batch_items else []
    per_task, at = [], 0
    for targets in asked:
        per_task.append(dists[at:at + len(targets)])
        at += len(targets)
    # The queue order (low = served first): uncertainty x representativeness among all
    # the project's texts, ranked within each target (labeling.suggest.queue; chosen
    # with bench/al_sim.py).
    dens = dict(zip((r.task_id for r in records),
                    representativeness([i.text for i in seen]), strict=True))
    scores = queue_scores([str(r.data["quote_id"]) for r in todo], per_task, asked,
                          seed=queue_seed(cfg.seed, version),
                          density=[dens[r.task_id] for r in todo])
    scores = spread_duplicates(scores, [dup_of.get(r.task_id) for r in todo], dup_done)
    made = _Made()
    preds = made.add(todo, asked, per_task, scores, schema, version, run, previous)
    tell("predict", len(todo), len(todo))

    earlier = [v for v in studio.model_versions(pid) if wire.is_suggestion_version(v)]
    cv: _Background[Quality] | None = None
    try:
        # Cross-validation needs nothing of what follows: it runs in a thread while this
        # one waits on the server (writing is the server's work).
        cv = _Background(cv_job) if cv_job is not None else None
        total = len(preds) + len(made.logs)
        tell("write", 0, total)
        # One request for the suggestions and the logs together: the server recounts the
        # counters of every task of the project after each import request (Label Studio
        # 1.23.2, data_import/api.py; 8 to 18 s for 10,000 tasks on a loaded machine,
        # whether the request holds 100 predictions or 20,000). No ``cluster``: this
        # import drops it, and the scores spread the near-duplicates already.
        done = 0
        batch = preds + made.logs
        for chunk_start in range(0, len(batch), _BATCH):
            chunk = batch[chunk_start:chunk_start + _BATCH]
            studio.import_predictions(pid, chunk)
            done += len(chunk)
            tell("write", done, total)
        # The new version first (the server refuses a version without predictions), then
        # the earlier suggestions go: the queue is never left without the current ones.
        tell("replace", 0, 1)
        proj = studio.update_project(pid, model_version=version, sampling=UNCERTAINTY)
        replaced = 0
        for v in earlier:
            if v != version:
                replaced += studio.delete_predictions(pid, v)
        tell("replace", 1, 1)
        tell("cross-validate", 0, 1)
        quality = cv.result() if cv is not None else None
        tell("cross-validate", 1, 1)
    finally:
        if cv is not None:
            cv.cancel()
    return SuggestResult(
        project_id=pid, model_version=version, labels=len(items), tasks=len(records),
        predicted=len(preds), hidden=made.hidden, no_suggestion=made.no_suggestion,
        replaced=replaced, quality=quality, sampling=str(proj.get("sampling") or UNCERTAINTY),
    )


class _Made:
    """The suggestions of one run, made a group of tasks at a time; the logs and counts
    build up here."""

    def __init__(self) -> None:
        self.logs: list[dict[str, Any]] = []
        self.hidden = 0
        self.no_suggestion = 0

    def add(self, recs: Sequence[TaskRecord], asked: Sequence[Sequence[str]],
            dists: Sequence[Sequence[Mapping[str, float]]], scores: Sequence[float],
            schema: StanceSchema, version: str, run: str,
            previous: Mapping[int, wire.Suggested]) -> list[dict[str, Any]]:
        """The suggestion predictions of ``recs`` (``dists``: per task, one distribution
        per asked target; ``scores``: per task, its place in the queue)."""
        cfg = schema.suggestions
        out = []
        for rec, targets, mine, score in zip(recs, asked, dists, scores, strict=True):
            chosen: dict[str, str] = {}
            for t, dist in zip(targets, mine, strict=True):
                lab = top_label(dist)
                if lab is None:
                    self.no_suggestion += 1
                    continue
                chosen[t] = lab
            qid = str(rec.data["quote_id"])
            hide = cfg.show == "hidden" or (cfg.show == "ab" and hidden_for(
                qid, cfg.ab_hidden_share, cfg.seed))
            self.hidden += hide
            out.append(wire.suggestion_prediction(rec.task_id, rec.data, chosen, score, version,
                                                  shown=not hide, schema=schema))
            last = previous.get(rec.task_id)
            # A log only when the suggestion changed: what a vote saw is the latest log
            # before it.
            if chosen and (last is None or dict(last.labels) != chosen or last.shown == hide):
                self.logs.append(wire.suggestion_log(rec.task_id, chosen, score,
                                                     wire.suggestion_log_version(run, not hide)))
        return out


def near_duplicates(records: Sequence[TaskRecord], todo: Sequence[TaskRecord],
                    schema: StanceSchema) -> tuple[dict[int, str], dict[str, int]]:
    """The near-duplicate clusters of two or more of the project's tasks: task id ->
    cluster for the tasks still to label, and cluster -> how many of its tasks need no
    more votes (those were served already)."""
    from labeling.dataset.rows import clusters_of, units_of_tasks

    units = units_of_tasks({"data": r.data} for r in records)
    clusters = clusters_of(units, schema.near_duplicates.threshold)
    members: dict[str, list[int]] = defaultdict(list)
    for rec in records:
        members[clusters.get(str(rec.data["quote_id"]), "")].append(rec.task_id)
    open_ = {r.task_id for r in todo}
    dup_of: dict[int, str] = {}
    done: dict[str, int] = {}
    for c, tids in members.items():
        if len(tids) < 2:
            continue
        done[c] = sum(t not in open_ for t in tids)
        dup_of.update((t, c) for t in tids if t in open_)
    return dup_of, done


class _Background(Generic[_T]):
    """One function run in a thread; :meth:`result` waits for it (and raises its error)."""

    def __init__(self, fn: Callable[[], _T]):
        self._pool = ThreadPoolExecutor(1)
        self._future = self._pool.submit(fn)

    def result(self) -> _T:
        return self._future.result()

    def cancel(self) -> None:
        """Wait for the thread to end (it cannot be interrupted) and drop its result."""
        self._pool.shutdown(wait=True)
