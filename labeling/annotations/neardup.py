"""Near-duplicate quotes: the same wire quote printed by several outlets.

Quotes are compared on their normalised word shingles. Candidate pairs come from
MinHash signatures with locality-sensitive banding; every candidate is confirmed by
its exact Jaccard similarity (or containment, for a quote that one outlet trimmed),
so the result does not depend on hash luck beyond which pairs get compared. Clusters
are the connected components; a cluster's id is derived from its smallest member id,
so the same input always gives the same ids. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
_PRIME = np.uint64((1 << 61) - 1)
_N_PERM = 32
_BANDS = 16  # 16 bands of 2 rows: pairs above ~0.3 Jaccard are very likely compared
_rng = np.random.default_rng(20240226)
_A = _rng.integers(1, (1 << 61) - 1, size=_N_PERM, dtype=np.uint64)
_B = _rng.integers(0, (1 << 61) - 1, size=_N_PERM, dtype=np.uint64)


def normalise(text: str) -> list[str]:
    """Lower-cased words, accents and punctuation folded away."""
    folded = text.casefold()
    if not folded.isascii():  # ASCII has nothing to decompose or strip
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _WORD.findall(folded)


def shingles(words: list[str], k: int = 3) -> set[int]:
    if not words:
        return set()
    if len(words) < k:
        return {zlib.crc32(" ".join(words).encode())}
    return {zlib.crc32(" ".join(words[i:i + k]).encode()) for i in range(len(words) - k + 1)}


def _signature(sh: set[int]) -> np.ndarray[Any, np.dtype[np.uint64]]:
    x = np.fromiter(sh, dtype=np.uint64, count=len(sh))
    # (a*x + b) mod p with uint64 wrap-around: a fixed universal-style hash family.
    h = (np.outer(_A, x) + _B[:, None]) % _PRIME
    return np.asarray(h.min(axis=1))


def _band_buckets(ids: list[str], sets: list[set[int]]) -> Iterable[list[str]]:
    """The locality-sensitive buckets with two or more members: per band, the ids whose
    signatures agree on that band's rows (in ``ids`` order).

    Grouped with array sorts over one signature matrix: a dict of 16 x N tuple keys held
    about 500 MB for 50,000 quotes; the same buckets this way take a few MB.
    """
    if not ids:
        return
    sig = np.stack([_signature(s) for s in sets])  # N x _N_PERM
    rows = _N_PERM // _BANDS
    for band in range(_BANDS):
        cols = sig[:, band * rows:(band + 1) * rows]
        order = np.lexsort(cols.T[::-1])  # by the band's first row, then the next; stable
        ordered = cols[order]
        new_group = np.ones(len(ids), dtype=bool)
        new_group[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
        starts = np.flatnonzero(new_group)
        sizes = np.diff(np.append(starts, len(ids)))
        for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(),
                               strict=True):
            yield [ids[k] for k in sorted(order[start:start + size].tolist())]


def similarity(a: set[int], b: set[int]) -> float:
    """max(Jaccard, containment of the smaller in the larger, discounted by length)."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    jac = inter / len(a | b)
    small = min(len(a), len(b))
    contain = inter / small if small >= 4 else 0.0
    return max(jac, 0.9 * contain)


def cluster_ids(
    quotes: Mapping[str, str], threshold: float = 0.7, min_words: int = 6
) -> dict[str, str]:
    """quote id -> cluster id, for every id in ``quotes`` (id -> quote text).

    Quotes shorter than ``min_words`` words only cluster when their normalised text is
    identical (short quotes like "no" are too common to call duplicates otherwise).
    """
    ids = sorted(quotes)
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    exact: dict[str, str] = {}
    sh: dict[str, set[int]] = {}
    for i in ids:
        words = normalise(quotes[i])  # not kept: 50,000 quotes' words are a million strings
        key = " ".join(words)
        if key in exact:
            union(exact[key], i)
            continue
        exact[key] = i
        if len(words) >= min_words:
            sh[i] = shingles(words)
    checked: set[tuple[str, str]] = set()
    for members in _band_buckets(list(sh), [sh[i] for i in sh]):
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                a, b = members[x], members[y]
                if (a, b) in checked or find(a) == find(b):
                    continue
                checked.add((a, b))
                if similarity(sh[a], sh[b]) >= threshold:
                    union(a, b)
    return {i: "c-" + hashlib.sha256(find(i).encode()).hexdigest()[:12] for i in ids}


def groups(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Union of (key, key) links -> each key's group (the smallest key of its component)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {k: find(k) for k in list(parent)}
