"""``labeling push``: segment articles and import their quote units as tasks.

The input is articles (segmented here by ``engine``) or ``labeling segment`` output,
whose units are pushed as they are: the same tasks either way.

Idempotent: every task carries its ``quote_id`` (in ``data`` and ``meta``); the
project's existing ids are listed once at the start, and only new units are
imported, in batches that the server commits atomically. If a batch fails in a way
that may or may not have reached the server (a time-out, a dropped connection, a
5xx), the ids are listed again and only the missing tasks are sent, so a rerun or
a retry never duplicates and never loses a unit. Pushes to one project from one
state folder are serialised by a lock file.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from labeling.annotations.neardup import cluster_ids
from labeling.corpus.engines import segmenter
from labeling.corpus.readers import BadHandler, read_articles
from labeling.corpus.units import Unit, iter_units
from labeling.errors import ConfigError, InputError, NotFound, ServerError
from labeling.schema import StanceSchema
from labeling.state import state_home
from labeling.studio import wire
from labeling.studio.client import Studio
from labeling.version import __version__ as segmenter_version

log = logging.getLogger(__name__)


@dataclass
class PushResult:
    project_id: int
    title: str
    url: str
    articles: int = 0
    units: int = 0
    created: int = 0
    present: int = 0
    propagated: int = 0  # units attached to an existing cluster representative
    gold: int = 0  # known-answer tasks put in every annotator's queue
    repaired: int = 0  # predictions restored on tasks a concurrent import left bare
    project_created: bool = False

    @property
    def project_url(self) -> str:
        return f"{self.url}/projects/{self.project_id}/data"


Progress = Callable[[int, int, int], None]  # articles, units, created so far


def _norm_xml(xml: str) -> str:
    return re.sub(r"\s+", " ", xml).replace("> <", "><").strip()


def project_fields(schema: StanceSchema, *, adjudication: bool = False) -> dict[str, Any]:
    """The project settings the schema decides (an adjudication project: one per item)."""
    return {
        "label_config": wire.label_config(schema, adjudication=adjudication),
        "expert_instruction": wire.instructions_html(schema),
        "show_instruction": True,
        "show_skip_button": True,
        # Blindness, as far as Label Studio Community allows (README, Security): the label
        # stream shows no earlier annotation history; members can still open the Data
        # Manager and read every annotation.
        "show_annotation_history": False,
        "maximum_annotations": 1 if adjudication else schema.annotators_per_item,
        "overlap_cohort_percentage": 100,
        "description": schema.description.strip(),
    }


def ensure_project(
    studio: Studio, title: str, schema: StanceSchema, *, update_config: bool = False,
    adjudication: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Find the project or create it; check that an existing one uses the schema's config."""
    fields = project_fields(schema, adjudication=adjudication)
    proj = studio.find_project(title)
    if proj is None:
        return studio.create_project(title=title, **fields), True
    # A project made before per-item targets keeps its config (its pushes ask every target).
    legacy = wire.label_config(schema, adjudication=adjudication, per_item_targets=False)
    have = _norm_xml(proj.get("label_config") or "")
    if have == _norm_xml(legacy) and not update_config:
        return proj, False
    if have != _norm_xml(fields["label_config"]):
        if not update_config:
            raise ConfigError(
                f"project {title!r} uses a different labelling config than this schema: "
                "push with --update-config to replace it (existing annotations are kept "
                "if they still fit), or choose another --project"
            )
        log.info("updating the labelling config of project %s", proj["id"])
        proj = studio.update_project(int(proj["id"]), **fields)
    elif update_config:
        proj = studio.update_project(int(proj["id"]), **fields)
    return proj, False


def asks_per_item(project: Mapping[str, Any]) -> bool:
    """Whether the project's page can hide the targets a task does not ask."""
    return f'name="{wire.NOT_ASKED}"' in (project.get("label_config") or "")


@contextmanager
def project_lock(url: str, title: str, state_dir: str | Path | None) -> Iterator[None]:
    """Serialise pushes to one project from one state folder (an advisory file lock)."""
    key = hashlib.sha256(f"{url}\x1f{title}".encode()).hexdigest()[:16]
    path = state_home(state_dir) / "locks" / f"push-{key}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_T = TypeVar("_T")
_DONE = object()


def prefetch(items: Iterable[_T], *, chunk: int = 256, depth: int = 8) -> Iterator[_T]:
    """Iterate ``items`` in a background thread, up to ``depth`` chunks ahead.

    Reading, segmenting and validating the next batch then overlaps with the server's
    import of the current one (the client waits on the socket with the GIL released).
    Order is kept, memory stays bounded, and an exception of the producer is raised
    here at the point where it happened in the stream.
    """
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(x: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(x, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        buf: list[_T] = []
        try:
            for item in items:
                buf.append(item)
                if len(buf) >= chunk:
                    if not put(buf):
                        return
                    buf = []
            if buf and not put(buf):
                return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            put((_DONE, exc))

    worker = threading.Thread(target=produce, name="push-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            got = q.get()
            if got is _DONE:
                return
            if isinstance(got, tuple) and got and got[0] is _DONE:
                raise got[1]
            yield from got
    finally:
        stop.set()
        worker.join(timeout=5)


def plan_propagation(
    units: list[Unit], existing: dict[str, tuple[int, str]], threshold: float
) -> tuple[list[Unit], dict[str, list[Unit]], dict[int, list[Unit]]]:
    """Label each near-duplicate cluster once.

    ``existing`` maps the quote ids of the project's tasks to (task id, quote text).
    Returns the units to import, the duplicates to attach to each new representative
    (by its quote id) and those to attach to existing tasks (by task id).
    """
    texts = {qid: q for qid, (_, q) in existing.items()}
    texts.update({u.quote_id: u.quote.text for u in units})
    clusters = cluster_ids(texts, threshold=threshold)
    rep_task: dict[str, int] = {}
    for qid, (tid, _) in sorted(existing.items()):
        rep_task.setdefault(clusters[qid], tid)
    rep_unit: dict[str, Unit] = {}
    to_import: list[Unit] = []
    attach_new: dict[str, list[Unit]] = {}
    attach_old: dict[int, list[Unit]] = {}
    for u in units:
        c = clusters[u.quote_id]
        if c in rep_task:
            attach_old.setdefault(rep_task[c], []).append(u)
        elif c in rep_unit:
            attach_new.setdefault(rep_unit[c].quote_id, []).append(u)
        else:
            rep_unit[c] = u
            to_import.append(u)
    return to_import, attach_new, attach_old


def import_batch(
    studio: Studio, project_id: int, batch: list[tuple[str, dict[str, Any]]],
    keys: dict[str, int], attempts: int = 4,
) -> int:
    """Import a batch so that each task exists exactly once; returns how many were created."""
    pending = batch
    for attempt in range(1, attempts + 1):
        try:
            ids = studio.import_tasks(project_id, [t for _, t in pending])
        except ServerError as exc:
            if exc.status is not None and exc.status < 500:
                raise  # the server refused the batch: retrying will not help
            if attempt == attempts:
                raise ServerError(
                    f"importing a batch of {len(pending)} tasks failed {attempts} times ({exc}); "
                    "nothing is duplicated: run the same push again to finish"
                ) from exc
            log.warning("import failed (%s); checking what arrived before retrying", exc)
            time.sleep(min(8.0, 0.5 * 2 ** attempt))
            try:
                fresh = studio.task_keys(project_id)
            except ServerError:
                continue  # still down: keep the whole batch pending
            keys.update(fresh)
            pending = [(q, t) for q, t in pending if q not in keys]
            if not pending:
                return 0
            continue
        for (qid, _), tid in zip(pending, ids, strict=False):
            keys[qid] = tid
        return len(pending)
    return 0


def push(
    inputs: Iterable[str | Path],
    *,
    project: str,
    schema: StanceSchema,
    studio: Studio,
    batch_size: int = 500,
    update_config: bool = False,
    encoding: str = "utf-8",
    skip_bad: bool = False,
    on_bad: BadHandler | None = None,
    progress: Progress | None = None,
    state_dir: str | Path | None = None,
    engine: str = "default",
    units: Literal["quotes", "whole"] = "quotes",
) -> PushResult:
    """Segment ``inputs`` and import every unit not yet in project ``project``.

    ``inputs`` are articles, segmented with ``engine`` (``default`` or ``parse``), or
    ``labeling segment`` output (JSON lines of articles with their ``quotes``), whose
    units are imported as they are. ``units="whole"`` makes each record one unit (tweets,
    comments, headlines: no segmentation). A record's ``targets`` limits the targets
    asked for its units.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if units not in ("quotes", "whole"):
        raise ValueError(f"units must be 'quotes' or 'whole', not {units!r}")
    whole = units == "whole"
    segmenter(engine)  # an unknown engine or a missing spaCy model fails before the server
    inputs = list(inputs)
    target_ids = [t.id for t in schema.targets]
    # Read the input lazily, but fail on an unreadable first file before touching the server.
    articles = read_articles(inputs, encoding=encoding, skip_bad=skip_bad, on_bad=on_bad,
                             known_targets=target_ids)
    first = next(articles, None)
    if first is None:
        raise InputError("the input holds no articles: nothing to push")

    def all_articles() -> Iterator[Any]:
        yield first
        yield from articles

    with project_lock(studio.url, project, state_dir):
        proj, created_project = ensure_project(studio, project, schema,
                                               update_config=update_config)
        if created_project:
            proj = settle_project_race(studio, project, proj)
        pid = int(proj["id"])
        version = wire.model_version(segmenter_version)
        result = PushResult(pid, project, studio.url, project_created=created_project)
        keys = {} if created_project else studio.task_keys(pid)
        log.info("project %s has %d tasks", pid, len(keys))
        counted: set[str] = set()

        def counting(arts: Iterable[Any]) -> Iterator[Any]:
            for art in arts:
                result.articles += 1
                yield art

        batch: list[tuple[str, dict[str, Any]]] = []
        stream = iter_units(counting(all_articles()), schema, engine, whole=whole)
        per_item = asks_per_item(proj)

        def new_units() -> Iterator[Unit]:
            for unit in stream:
                if unit.targets and not per_item:
                    raise ConfigError(
                        f"{unit.article.origin}: the record asks only some targets, but project "
                        f"{project!r} was made before per-item targets: push with "
                        "--update-config to let its page hide the others")
                result.units += 1
                if unit.quote_id in keys or unit.quote_id in counted:
                    result.present += 1
                    continue
                counted.add(unit.quote_id)
                yield unit

        fresh: Iterable[Unit] = new_units()
        attach_new: dict[str, list[Unit]] = {}
        if schema.near_duplicates.mode == "propagate":
            fresh, attach_new, attach_old = plan_propagation(
                list(fresh), {} if created_project else studio.task_quotes(pid),
                schema.near_duplicates.threshold)
            for tid, dups in attach_old.items():
                _attach_to_task(studio, tid, dups)
                for u in dups:
                    keys[u.quote_id] = tid
                result.propagated += len(dups)

        for qid, task in prefetch(wire.validated_tasks(fresh, schema, version)):
            attached = attach_new.get(qid)
            if attached:
                task["data"]["duplicates"] = [wire.duplicate_record(u) for u in attached]
                task["meta"]["duplicates"] = [u.quote_id for u in attached]
                result.propagated += len(attached)
            batch.append((qid, task))
            if len(batch) >= batch_size:
                result.created += import_batch(studio, pid, batch, keys)
                batch = []
                if progress:
                    progress(result.articles, result.units, result.created)
        if batch:
            result.created += import_batch(studio, pid, batch, keys)
        if progress:
            progress(result.articles, result.units, result.created)
        # Another push (from another state folder or machine) may have imported some of the
        # same units at the same time: more tasks than the units known here tells, and only
        # then are the ids listed again.
        if _task_count(studio, pid) > len(set(keys.values())):
            removed, kept = remove_duplicates(studio, pid)
            if removed:
                log.warning("removed %d tasks that a concurrent push had imported too",
                            len(removed))
                result.created -= sum(1 for q in counted if keys.get(q) in removed)
                keys.update(kept)
            # Concurrent imports into one project can leave a task without the prediction
            # it was imported with (seen with Label Studio on SQLite): check, and restore.
            # The other push may meanwhile have deleted some of ours as its duplicates:
            # those units now live in the copy it kept.
            result.repaired, moved = repair_predictions(
                studio, pid, {q: keys[q] for q in counted if q in keys},
                lambda: iter_units(read_articles(inputs, encoding=encoding, skip_bad=True,
                                                 on_bad=lambda *_: None,
                                                 known_targets=target_ids), schema, engine,
                                    whole=whole),
                schema, version)
            if moved:
                log.warning("%d tasks of this push were removed by a concurrent push as "
                            "copies of its own: their units are in its tasks", len(moved))
                result.created -= sum(1 for q in counted if q in moved)
                keys.update(moved)
        result.gold = mark_gold(studio, schema, keys)
        lost = created_project and _lost_project_race(studio, project, pid)
        if lost:
            # Another push created the same project at the same moment and neither saw the
            # other's at first: ours (the later id) goes, its units go to the older one.
            log.warning("project %r was also created by another push: moving this push's "
                        "units to the older project", project)
            studio.delete_project(pid)
    if lost:  # outside the lock, which the push below takes again
        return push(inputs, project=project, schema=schema, studio=studio,
                    batch_size=batch_size, update_config=update_config, encoding=encoding,
                    skip_bad=skip_bad, on_bad=on_bad, progress=progress, state_dir=state_dir,
                    engine=engine, units=units)
    # Units found present after a failed batch count as present, not created.
    result.present = result.units - result.created - result.propagated
    return result


def _same_title(studio: Studio, title: str) -> list[dict[str, Any]]:
    """Every project titled exactly ``title``, oldest (lowest id) first."""
    return studio.projects_titled(title)


def _lost_project_race(studio: Studio, title: str, pid: int) -> bool:
    """True if an older project has the same title and ours holds no annotation yet."""
    same = _same_title(studio, title)
    if not same or int(same[0]["id"]) == pid:
        return False
    if int(studio.get_project(pid).get("total_annotations_number") or 0):
        log.warning("projects %s are all titled %r and %s is already annotated: rename one",
                    [p["id"] for p in same], title, pid)
        return False
    return True


def _task_count(studio: Studio, pid: int) -> int:
    return int(studio.get_project(pid).get("task_number") or 0)


def settle_project_race(studio: Studio, title: str, proj: dict[str, Any]) -> dict[str, Any]:
    """Two pushes that created the same project at once keep the older one (lowest id)."""
    same = _same_title(studio, title)
    if not same or int(same[0]["id"]) == int(proj["id"]):
        return proj
    log.warning("project %r was created by another push at the same time: using id %s",
                title, same[0]["id"])
    studio.delete_project(int(proj["id"]))  # ours is empty: nothing imported yet
    return dict(same[0])


def remove_duplicates(studio: Studio, pid: int) -> tuple[set[int], dict[str, int]]:
    """Delete later copies of units imported twice by concurrent pushes.

    Returns the deleted task ids and, for each unit that had copies, the task kept.

    The task with the lowest id of each ``quote_id`` is kept (the first import), so every
    push that runs this converges on the same tasks. A copy someone already annotated is
    kept (and reported): deleting it would lose work.
    """
    by_qid: dict[str, list[tuple[int, int]]] = {}
    for t in studio.iter_tasks(pid, include="id,meta,total_annotations"):
        qid = (t.get("meta") or {}).get("quote_id")
        if qid is not None:
            by_qid.setdefault(str(qid), []).append(
                (int(t["id"]), int(t.get("total_annotations") or 0)))
    removed: set[int] = set()
    kept: dict[str, int] = {}
    for qid, copies in by_qid.items():
        if len(copies) < 2:
            continue
        kept[qid] = min(copies)[0]
        for tid, n_ann in sorted(copies)[1:]:
            if n_ann:
                log.warning("unit %s is in tasks %s; task %s is annotated, so it is kept",
                            qid, [c[0] for c in copies], tid)
                continue
            _delete_copy(studio, tid)
            removed.add(tid)
    return removed, kept


def _delete_copy(studio: Studio, tid: int) -> None:
    """Delete one duplicate task; gone already (the other push removed it) is done too.

    Two pushes deleting the same copy at once race inside the server: the loser may get
    HTTP 500 rather than 404 (seen once on SQLite and on PostgreSQL). Whether the task
    still exists decides: gone is what both pushes want; still there is a real failure.
    """
    try:
        studio.delete_task(tid)
    except NotFound:
        return
    except ServerError:
        try:
            studio.get_task(tid)
        except NotFound:
            log.debug("task %s was deleted by another push meanwhile", tid)
            return
        raise


def repair_predictions(studio: Studio, pid: int, tasks: Mapping[str, int],
                       units: Callable[[], Iterable[Unit]], schema: StanceSchema,
                       version: str) -> tuple[int, dict[str, int]]:
    """Give each task of ``tasks`` (quote_id -> task id) that has no prediction its own back.

    A task without predictions may also be one a concurrent push deleted (its duplicate
    of a unit that push imported first): the unit's task is then the copy that push kept,
    given a prediction here if it has none. ``units`` re-reads the input (only the units
    of tasks found bare are used). Returns how many predictions were created, and the
    units that moved to another task (quote_id -> the task that holds it now).
    """
    if not tasks:
        return 0, {}
    have = {int(p["task"]) for p in studio.predictions(pid) if p.get("task") is not None}
    bare = {q: t for q, t in tasks.items() if t not in have}
    if not bare:
        return 0, {}
    now = _first_task_of(studio, pid, set(bare))
    moved = {q: now[q] for q, t in bare.items() if q in now and now[q] != t}
    bare = {q: now[q] for q in bare if q in now and now[q] not in have}
    if not bare:
        return 0, moved
    log.warning("%d tasks have no prediction: restoring them", len(bare))
    made = 0
    for qid, task in wire.validated_tasks((u for u in units() if u.quote_id in bare), schema, version):
        tid = bare.pop(qid, None)
        if tid is None:
            continue
        for pred in task["predictions"]:
            try:
                studio.create_prediction(tid, **pred)
            except ServerError:
                try:  # deleted since the listing (the race goes on): its copy has one
                    studio.get_task(tid)
                except NotFound:
                    log.debug("task %s was deleted by another push meanwhile", tid)
                    break
                raise
            made += 1
    return made, moved


def _first_task_of(studio: Studio, pid: int, qids: set[str]) -> dict[str, int]:
    """For each of ``qids`` that has a task in the project, its first task (lowest id: the
    copy every push keeps)."""
    first: dict[str, int] = {}
    for t in studio.iter_tasks(pid, include="id,meta"):
        qid = (t.get("meta") or {}).get("quote_id")
        if qid is not None and str(qid) in qids:
            tid = int(t["id"])
            first[str(qid)] = min(tid, first.get(str(qid), tid))
    return first


GOLD_OVERLAP = 1000  # "every annotator": more than any team has


def mark_gold(studio: Studio, schema: StanceSchema, keys: dict[str, int]) -> int:
    """Give the schema's known-answer tasks an overlap that puts them in every queue.

    The answers stay in the config, never on the server, so annotators cannot see them.
    """
    done = 0
    for tid in sorted({keys[g.quote_id] for g in schema.gold if g.quote_id in keys}):
        studio.update_task(tid, overlap=GOLD_OVERLAP)
        done += 1
    missing = sorted({g.quote_id for g in schema.gold} - set(keys))
    if missing:
        log.warning("gold items not in the project (yet): %s", ", ".join(missing[:10]))
    return done


def _attach_to_task(studio: Studio, task_id: int, units: list[Unit]) -> None:
    """Add near-duplicates to an existing task's ``data.duplicates`` (idempotent merge)."""
    task = studio.get_task(task_id)
    data = dict(task.get("data") or {})
    meta = dict(task.get("meta") or {})
    have = {d.get("quote_id") for d in data.get("duplicates") or []}
    extra = [wire.duplicate_record(u) for u in units if u.quote_id not in have]
    if extra:
        data["duplicates"] = list(data.get("duplicates") or []) + extra
        meta["duplicates"] = [d["quote_id"] for d in data["duplicates"]]
        studio.update_task(task_id, data=data, meta=meta)
