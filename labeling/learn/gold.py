"""Gold units to train on: the bench's JSON lines and pulled exports.

Both come out as :class:`GoldDoc`: a text and its gold units (dicts with ``start``,
``end``, optional ``parts``, ``speaker_start``/``speaker_end``, ``cue_start``/``cue_end``),
offsets into that text.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labeling.errors import InputError


@dataclass(frozen=True)
class GoldDoc:
    """One text and its gold units."""

    doc_id: str
    text: str
    quotes: tuple[dict[str, Any], ...]


def _int_or_none(v: Any, where: str, name: str) -> int | None:
    if v is None:
        return None
    if not isinstance(v, int) or isinstance(v, bool):
        raise InputError(f"{where}: field {name!r} must be an integer or null, not {v!r}")
    return v


def _check_span(text: str, a: int | None, b: int | None, where: str, name: str) -> None:
    if a is None and b is None:
        return
    if a is None or b is None or not 0 <= a <= b <= len(text):
        raise InputError(f"{where}: {name} offsets ({a}, {b}) lie outside the text "
                         f"(length {len(text)})")


def _quote(raw: Any, text: str, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: a quote must be an object")
    q: dict[str, Any] = {}
    for name in ("start", "end"):
        v = _int_or_none(raw.get(name), where, name)
        if v is None:
            raise InputError(f"{where}: quote field {name!r} is missing")
        q[name] = v
    _check_span(text, q["start"], q["end"], where, "quote")
    parts = raw.get("parts")
    if parts:
        if not isinstance(parts, list) or not all(
                isinstance(p, list | tuple) and len(p) == 2 for p in parts):
            raise InputError(f"{where}: field 'parts' must be a list of [start, end] pairs")
        for a, b in parts:
            _check_span(text, _int_or_none(a, where, "parts"), _int_or_none(b, where, "parts"),
                        where, "part")
        q["parts"] = [(int(a), int(b)) for a, b in parts]
    for role in ("speaker", "cue"):
        a = _int_or_none(raw.get(f"{role}_start"), where, f"{role}_start")
        b = _int_or_none(raw.get(f"{role}_end"), where, f"{role}_end")
        _check_span(text, a, b, where, role)
        q[f"{role}_start"], q[f"{role}_end"] = a, b
        q[role] = text[a:b] if a is not None and b is not None else raw.get(role)
    q["type"] = raw.get("type")
    return q


def read_jsonl(path: str | Path) -> list[GoldDoc]:
    """Gold documents from JSON lines in the bench's format (doc_id, text, quotes)."""
    p = Path(path)
    docs: list[GoldDoc] = []
    with p.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{p}:{n}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"{where}: not JSON ({e.msg})") from None
            if not isinstance(rec, dict):
                raise InputError(f"{where}: a line must be a JSON object")
            text = rec.get("text")
            if not isinstance(text, str):
                raise InputError(f"{where}: field 'text' is missing or not a string")
            quotes = rec.get("quotes", [])
            if not isinstance(quotes, list):
                raise InputError(f"{where}: field 'quotes' must be a list")
            doc_id = str(rec.get("doc_id") or rec.get("id") or f"{p.name}:{n}")
            docs.append(GoldDoc(doc_id, text, tuple(_quote(q, text, where) for q in quotes)))
    return docs


def _is_export(p: Path) -> bool:
    return (p / "dataset_dict.json").is_file() or (p / "state.json").is_file()


def read_export(path: str | Path) -> list[GoldDoc]:
    """Gold documents from a pulled export (a ``datasets`` folder written by ``pull``).

    An export holds no whole articles, only each unit's context (article offsets). The
    contexts of an article are joined into stretches of text; each stretch is a document
    whose gold units are the units inside it:
    - a unit whose "not a quote" flag has a majority of its voters is left out (the
      tagger learns that its words are no quote);
    - a unit some annotator corrected takes the corrected QUOTE / SPEAKER / CUE spans
      (the most common correction among its voters);
    - a unit nobody corrected counts as confirmed; "wrong speaker" without a corrected
      SPEAKER span leaves the unit without speaker.
    Units nobody voted on (and skips) are not used: nobody looked at them.
    """
    import datasets

    p = Path(path)
    try:
        dd = datasets.load_from_disk(str(p))
    except Exception as e:  # the library raises several kinds for a folder it cannot read
        raise InputError(f"{p}: not a pulled export readable by datasets ({e})") from None
    splits = list(dd.values()) if isinstance(dd, datasets.DatasetDict) else [dd]
    seen: set[str] = set()
    by_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for split in splits:
        for row in split:
            qid = row.get("quote_id")
            if qid is None or qid in seen:
                continue
            seen.add(qid)
            by_article[str(row.get("article_id") or "")].append(row)
    if by_article and not any(r.get("context") for rows in by_article.values() for r in rows):
        raise InputError(f"{p}: the export holds no text (pulled with --no-text): restore it "
                         "with `labeling hydrate` first")
    docs: list[GoldDoc] = []
    for art, rows in sorted(by_article.items()):
        docs.extend(_article_docs(art, rows, p))
    return docs


def _votes(row: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [v for v in (row.get("votes") or []) if not v.get("skipped")]


def _corrected(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The unit as its voters left it, in article offsets; None if it is no quote."""
    votes = _votes(row)
    if not votes:
        return None
    not_quote = sum("not_a_quote" in (v.get("flags") or []) for v in votes)
    if 2 * not_quote > len(votes):
        return None
    corrections = Counter(
        (tuple(tuple(s) for s in v.get("quote_spans") or []),
         v.get("speaker_start"), v.get("speaker_end"), v.get("cue_start"), v.get("cue_end"))
        for v in votes if v.get("quote_spans") or v.get("speaker_start") is not None)
    wrong_speaker = sum("wrong_speaker" in (v.get("flags") or []) for v in votes)
    q: dict[str, Any] = {
        "start": row["quote_start"], "end": row["quote_end"],
        "parts": [tuple(x) for x in row.get("quote_parts") or []] or None,
        "speaker_start": row.get("speaker_start"), "speaker_end": row.get("speaker_end"),
        "cue_start": row.get("cue_start"), "cue_end": row.get("cue_end"),
    }
    if 2 * wrong_speaker > len(votes):
        q["speaker_start"] = q["speaker_end"] = None
    if corrections:
        (spans, s0, s1, c0, c1), _ = corrections.most_common(1)[0]
        if spans:
            q["start"], q["end"] = min(a for a, _ in spans), max(b for _, b in spans)
            q["parts"] = list(spans) if len(spans) > 1 else None
        if s0 is not None and s1 is not None:
            q["speaker_start"], q["speaker_end"] = s0, s1
        if c0 is not None and c1 is not None:
            q["cue_start"], q["cue_end"] = c0, c1
    return q


def _article_docs(article: str, rows: list[dict[str, Any]], where: Path) -> Iterable[GoldDoc]:
    # Contexts of the units somebody voted on, merged into stretches of article text.
    seen_rows = [r for r in rows if _votes(r) and r.get("context") and r.get("propagated_from")
                 is None and r.get("context_start") is not None]
    if not seen_rows:
        return []
    pieces = sorted((int(r["context_start"]), str(r["context"])) for r in seen_rows)
    stretches: list[list[Any]] = []  # [start, text]
    for a, ctx in pieces:
        if stretches and a <= stretches[-1][0] + len(stretches[-1][1]):
            s0, txt = stretches[-1]
            off = a - s0
            if txt[off:off + len(ctx)] != ctx[:len(txt) - off]:
                raise InputError(f"{where}: article {article!r}: two contexts disagree on "
                                 f"the text at offset {a}")
            if off + len(ctx) > len(txt):
                stretches[-1][1] = txt + ctx[len(txt) - off:]
        else:
            stretches.append([a, ctx])
    units = [q for q in (_corrected(r) for r in seen_rows) if q is not None]
    docs = []
    for k, (s0, txt) in enumerate(stretches):
        s1 = s0 + len(txt)
        mine = []
        for q in units:
            if not (s0 <= q["start"] and q["end"] <= s1):
                continue
            local: dict[str, Any] = {"start": q["start"] - s0, "end": q["end"] - s0,
                                     "parts": [(a - s0, b - s0) for a, b in q["parts"]]
                                     if q["parts"] else None}
            for role in ("speaker", "cue"):
                a, b = q[f"{role}_start"], q[f"{role}_end"]
                ok = a is not None and b is not None and s0 <= a <= b <= s1
                local[f"{role}_start"] = a - s0 if ok else None
                local[f"{role}_end"] = b - s0 if ok else None
                local[role] = txt[a - s0:b - s0] if ok else None
            mine.append(local)
        docs.append(GoldDoc(f"{article}#{k}", txt, tuple(mine)))
    return docs


def read_sources(sources: Iterable[str | Path]) -> list[GoldDoc]:
    """Gold documents from every source: ``.jsonl`` files and pulled export folders."""
    docs: list[GoldDoc] = []
    for s in sources:
        p = Path(s)
        if p.is_dir():
            if not _is_export(p):
                raise InputError(f"{p}: not a pulled export (no dataset_dict.json or "
                                 "state.json): give a folder written by `labeling pull`")
            docs.extend(read_export(p))
        elif p.is_file():
            docs.extend(read_jsonl(p))
        else:
            raise InputError(f"{p}: no such file or folder")
    if not docs:
        raise InputError("the sources hold no gold documents: nothing to train on")
    return docs
