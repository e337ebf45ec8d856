"""Stance model classes for the tests of ``labeling.suggest.custom`` (loaded by import path)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from labeling.suggest.base import Item


class MajorityModel:
    """Predicts each target's most frequent label in the training data."""

    def __init__(self) -> None:
        self.by_target: dict[str, Counter[str]] = {}

    def fit(self, items: Sequence[Item], labels: Sequence[str]) -> None:
        for item, label in zip(items, labels, strict=True):
            self.by_target.setdefault(item.target, Counter())[label] += 1

    def predict_proba(self, items: Sequence[Item]) -> list[Mapping[str, float]]:
        out: list[Mapping[str, float]] = []
        for item in items:
            counts = self.by_target.get(item.target)
            if not counts:
                out.append({})
                continue
            total = sum(counts.values())
            out.append({k: v / total for k, v in counts.items()})
        return out


class NoPredict:
    """Has fit but not predict_proba."""

    def fit(self, items: Sequence[Item], labels: Sequence[str]) -> None:
        pass


class NeedsArgs:
    def __init__(self, path: str) -> None:
        self.path = path

    def fit(self, items: Sequence[Item], labels: Sequence[str]) -> None:
        pass

    def predict_proba(self, items: Sequence[Item]) -> list[Mapping[str, float]]:
        return [{} for _ in items]


class HashModel:
    """A deterministic distribution per text x target (a hash): distinct margins per task."""

    def fit(self, items: Sequence[Item], labels: Sequence[str]) -> None:
        pass

    def predict_proba(self, items: Sequence[Item]) -> list[Mapping[str, float]]:
        return [hash_dist(item) for item in items]


def hash_dist(item: Item) -> dict[str, float]:
    """HashModel's distribution for an item."""
    import hashlib

    h = hashlib.sha256(f"{item.target}|{item.text}".encode()).digest()
    w = [1 + b for b in h[:3]]
    return {lab: x / sum(w) for lab, x in zip(("FAVOR", "AGAINST", "NONE"), w, strict=True)}


class ObservingModel(HashModel):
    """HashModel that records what it was shown: ``events`` (class-wide, in order) holds
    ("observe", texts) and ("fit", texts) for every instance."""

    events: list[tuple[str, list[str]]] = []

    def observe(self, items: Sequence[Item]) -> None:
        ObservingModel.events.append(("observe", [i.text for i in items]))

    def fit(self, items: Sequence[Item], labels: Sequence[str]) -> None:
        ObservingModel.events.append(("fit", [i.text for i in items]))
