"""The protocol every stance suggestion model follows, and the data it sees.

A model is trained per project on the human labels so far (one example per unit x
target: the item's majority or adjudicated label) and gives, per unit x target, a
distribution over the schema's labels. An empty distribution means "no suggestion"
(e.g. an LLM answer that could not be parsed); callers count those, never guess.

A model may also have ``observe(items)``: called before ``fit`` with every unit of the
project, labelled or not (``target`` empty), for what can be learnt from texts alone (the
built-in model fits its vocabulary on them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Item:
    """One unit x target to label: the quote (and its context) and who said it."""

    text: str  # the quote unit's text (a tweet, for whole-record units)
    target: str  # target id
    context: str = ""  # surrounding text shown to annotators, if any
    speaker: str = ""


@runtime_checkable
class StanceModel(Protocol):
    """What ``labeling suggest`` needs of a model (a user's own class included)."""

    def fit(self, items: Sequence[Item], labels: Sequence[str]) -> None:
        """Learn from labelled items (``labels[i]`` is one of the schema's label names)."""
        ...

    def predict_proba(self, items: Sequence[Item]) -> list[Mapping[str, float]]:
        """Per item, label name -> probability (summing to 1), or ``{}`` for no suggestion."""
        ...


def observe_all(model: StanceModel, items: Sequence[Item]) -> StanceModel:
    """Show the model every item of the project if it has ``observe``; returns the model."""
    hook = getattr(model, "observe", None)
    if callable(hook):
        hook(items)
    return model
