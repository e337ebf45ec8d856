"""``labeling suggest --every N``: keep the suggestions and the queue order fresh.

Active learning only works if the model follows the labels: this loop runs
:func:`labeling.workflows.suggest.suggest` now, then again each time the project has
``every`` more annotations than at the start of the last run that finished (the protocol
the replay benchmark measures: a run every K labels). Between runs it asks the server for
the project's annotation count every ``poll`` seconds (one small request). Below
``suggestions.min_labels`` it waits, and tries again at every new annotation. A server
that stops answering, or fails (HTTP 5xx), is waited for: a run it broke off is tried
again at the next poll (and repaired by it: a run deletes every earlier suggestion version
but its own). Anything else (a refused token, a changed schema, a deleted project) ends
the loop with its error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from labeling.errors import ServerError, ServerNoAnswer, ServerUnreachable
from labeling.schema import StanceSchema
from labeling.studio.client import Studio
from labeling.workflows.suggest import Progress, SuggestResult, TooFewLabels, suggest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """What the loop tells its caller: ``kind`` is ``run`` (``result`` set), ``waiting``
    (too few labels: ``message``), or ``unreachable`` (``message``)."""

    kind: str
    annotations: int  # the project's annotation count when it happened
    result: SuggestResult | None = None
    message: str = ""
    labels: int = 0  # waiting: the labelled items so far, and how many are needed
    needed: int = 0


def annotation_count(studio: Studio, project: str) -> int:
    """The project's annotations, skipped ones included (each is a vote spent)."""
    proj = studio.project(project, fields=("total_annotations_number",
                                           "skipped_annotations_number"))
    return int(proj.get("total_annotations_number") or 0) + \
        int(proj.get("skipped_annotations_number") or 0)


def watch(*, project: str, schema: StanceSchema, studio: Studio, every: int,
          poll: float = 30.0, state_dir: str | Path | None = None,
          on_event: Callable[[Event], None] = lambda e: None,
          progress: Progress | None = None, stop: threading.Event | None = None,
          max_runs: int | None = None) -> int:
    """Run ``suggest`` now and after every ``every`` new annotations until ``stop`` is set
    (or ``max_runs`` runs were made); returns the number of runs."""
    if every < 1:
        raise ValueError("every must be at least 1")
    if poll <= 0:
        raise ValueError("poll must be positive")
    stop = stop or threading.Event()
    runs = 0
    last: int | None = None  # the count at the start of the last run that finished
    waiting = False  # the last attempt found too few labels: any new annotation retries
    unreachable = False
    while not stop.is_set() and (max_runs is None or runs < max_runs):
        try:
            count = annotation_count(studio, project)
            due = last is None or count - last >= (1 if waiting else every)
            if due:
                try:
                    result = suggest(project=project, schema=schema, studio=studio,
                                     state_dir=state_dir, progress=progress)
                except TooFewLabels as exc:
                    last = count
                    if not waiting:
                        on_event(Event("waiting", count, message=str(exc),
                                       labels=exc.labels, needed=exc.needed))
                    waiting = True
                else:  # (a run the server broke off is tried again at the next poll)
                    last = count
                    waiting = False
                    runs += 1
                    on_event(Event("run", count, result=result))
            if unreachable:
                unreachable = False
                log.info("the server answers again")
        except ServerError as exc:
            if not _passing(exc):
                raise
            if not unreachable:  # said once per outage
                on_event(Event("unreachable", last or 0, message=str(exc)))
            unreachable = True
        if max_runs is not None and runs >= max_runs:
            break
        stop.wait(poll)
    return runs


def _passing(exc: ServerError) -> bool:
    """A failure worth waiting out: nothing answers, the answer never came, or the server
    failed (HTTP 5xx, e.g. while it restarts). A refused token, a deleted project or a
    refused request stay errors."""
    if isinstance(exc, (ServerUnreachable, ServerNoAnswer)):
        return True
    return type(exc) is ServerError and exc.status is not None and exc.status >= 500
