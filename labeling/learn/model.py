"""Model folders: ``manifest.json`` and the CRFsuite weights ``model.crfsuite``.

The manifest records the format version, the feature set, a SHA-256 of the training data
and one of the weights file, the training parameters and the cross-validated figures.
Loading checks all of it before the weights reach CRFsuite, whose own binary format is
parsed as data: loading a model someone gave you runs none of its content.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labeling.errors import InputError
from labeling.files import atomic_folder
from labeling.segmenter import Quote, segment
from labeling.segmenter.learned import ADD_ABOVE, FEATURES, TAGS, apply, apply_many

FORMAT = "stance-labeling/learned-segmenter"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
WEIGHTS = "model.crfsuite"


@dataclass
class LearnedSegmenter:
    """Rules plus a loaded model: ``segment(text)`` like :func:`labeling.segmenter.segment`."""

    manifest: dict[str, Any]
    tagger: Any
    keep: frozenset[str]
    add_above: float = ADD_ABOVE

    def segment(self, text: str) -> list[Quote]:
        """The rule units of ``text`` corrected by the model."""
        units = segment(text)
        if not units and (not isinstance(text, str) or not text.strip()):
            return units
        return apply(text, units, self.tagger, self.keep, self.add_above)

    def segment_many(self, texts: Sequence[str]) -> list[list[Quote]]:
        """:meth:`segment` of each text, the same units, faster: the model tags the
        paragraphs of all the texts together."""
        units = [segment(t) for t in texts]
        live = [i for i, t in enumerate(texts)
                if units[i] or (isinstance(t, str) and t.strip())]
        done = apply_many([texts[i] for i in live], [units[i] for i in live], self.tagger,
                          self.keep, self.add_above)
        for i, us in zip(live, done, strict=True):
            units[i] = us
        return units


def write_model(out: str | Path, weights: bytes, manifest: dict[str, Any]) -> Path:
    """Write a model folder (all or nothing); returns its path."""
    target = Path(out)
    if target.exists() and not (target / MANIFEST).is_file():
        if not target.is_dir() or any(target.iterdir()):
            raise InputError(f"{target}: exists and is not a model folder: choose another -o "
                             "(the tool never overwrites what it did not write)")
    full = {"format": FORMAT, "format_version": FORMAT_VERSION, "features": FEATURES,
            "tags": list(TAGS), "weights": WEIGHTS,
            "weights_sha256": hashlib.sha256(weights).hexdigest(), **manifest}
    with atomic_folder(target) as tmp:
        tmp.chmod(0o755)  # a model is meant to be shared (the temporary folder is 0700)
        (tmp / WEIGHTS).write_bytes(weights)
        (tmp / MANIFEST).write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    return target


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The checked manifest of a model folder (clear errors for anything off)."""
    p = Path(folder)
    mf = p / MANIFEST
    if not p.is_dir():
        raise InputError(f"{p}: no such model folder (train one with `labeling segmenter "
                         "train`)")
    if not mf.is_file():
        raise InputError(f"{mf}: missing: {p} is not a model folder")
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{mf}: not valid JSON ({e}): the model folder is corrupted") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{mf}: not a learned-segmenter manifest (field 'format' is not "
                         f"{FORMAT!r})")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise InputError(f"{mf}: format_version {version!r}, this version of the tool reads "
                         f"{FORMAT_VERSION}: retrain the model with `labeling segmenter train`")
    if manifest.get("features") != FEATURES:
        raise InputError(f"{mf}: features {manifest.get('features')!r}, this version of the "
                         f"tool computes {FEATURES!r}: retrain the model")
    return manifest


def load_model(folder: str | Path) -> LearnedSegmenter:
    """Load a model folder written by :func:`write_model`, after checking it."""
    from labeling.learn.train import tagger_from_bytes

    p = Path(folder)
    manifest = read_manifest(p)
    wf = p / WEIGHTS
    if not wf.is_file():
        raise InputError(f"{wf}: missing: the model folder is incomplete")
    data = wf.read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest.get("weights_sha256"):
        raise InputError(f"{wf}: its SHA-256 differs from the manifest's weights_sha256: the "
                         "model folder is corrupted")
    try:
        tagger = tagger_from_bytes(data)
        labels = set(tagger.labels)
    except (ValueError, OSError, struct.error, UnicodeDecodeError) as e:
        raise InputError(f"{wf}: not a CRFsuite model this tool reads ({e})") from None
    if not labels <= set(TAGS):
        raise InputError(f"{wf}: tags {sorted(labels - set(TAGS))} are not this tool's")
    keep = manifest.get("keep_rule_types", ["direct"])
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise InputError(f"{p / MANIFEST}: field 'keep_rule_types' must be a list of types")
    add = manifest.get("add_above", ADD_ABOVE)
    if not isinstance(add, int | float) or isinstance(add, bool) or not 0 <= add <= 1:
        raise InputError(f"{p / MANIFEST}: field 'add_above' must be a number from 0 to 1")
    return LearnedSegmenter(manifest, tagger, frozenset(keep), float(add))


def train_model(sources: Sequence[str | Path], out: str | Path, *, folds: int = 3,
                params: dict[str, Any] | None = None, limit: int | None = None,
                add_above: float = ADD_ABOVE, log: Any = None) -> dict[str, Any]:
    """Read gold ``sources``, cross-validate, train on all of it, write ``out``; the manifest."""
    from labeling.learn.gold import read_sources
    from labeling.learn.train import (
        DEFAULT_PARAMS,
        KEEP_RULE_TYPES,
        cross_validate,
        data_hash,
        train_bytes,
    )

    docs = read_sources(sources)
    if limit is not None:
        docs = docs[:limit]
    cv = cross_validate(docs, folds, params, log=log, add_above=add_above) if folds > 1 else None
    weights = train_bytes(docs, params, log=log)
    manifest = {
        "training_data": {"sha256": data_hash(docs), "documents": len(docs),
                          "units": sum(len(d.quotes) for d in docs),
                          "sources": [Path(s).name for s in sources]},
        "params": {**DEFAULT_PARAMS, **(params or {})},
        "keep_rule_types": list(KEEP_RULE_TYPES),
        # The mean content probability a unit the model adds needs (precision vs recall).
        "add_above": add_above,
        "cross_validation": cv,
    }
    write_model(out, weights, manifest)
    return read_manifest(out)
