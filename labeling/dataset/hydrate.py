"""``labeling hydrate``: put the article text back into a copyright-safe export.

A copyright-safe export (``labeling pull --no-text``) ships ids, URLs, offsets and a
SHA-1 of each context instead of the text. Hydrating reads the user's own copies of
the articles (any input ``labeling push`` reads), checks each context's hash, so
offsets are known to point at the same text, and writes a full export.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from labeling.corpus.readers import read_articles
from labeling.dataset.build import TEXT_FIELDS, check_export_folder, save_folder, text_sha1
from labeling.errors import InputError


def _slice(text: str, start: Any, end: Any) -> str | None:
    if start is None or end is None or not 0 <= start <= end <= len(text):
        return None
    return text[start:end]


def hydrate_row(row: dict[str, Any], text: str, title: str) -> dict[str, Any]:
    out = dict(row)
    ctx = _slice(text, row["context_start"], row["context_end"])
    if ctx is None or text_sha1(ctx) != row["context_sha1"]:
        raise InputError(
            f"article {row['article_id']!r}: your copy differs from the annotated one "
            f"(context of quote {row['quote_id']} does not match its hash)"
        )
    out["context"] = ctx
    out["title"] = title or row["article_id"]
    out["quote"] = _slice(text, row["quote_start"], row["quote_end"]) or ""
    out["speaker"] = _slice(text, row["speaker_start"], row["speaker_end"])
    out["cue"] = _slice(text, row["cue_start"], row["cue_end"])
    out["votes"] = [{**v, "speaker_text": _slice(text, v["speaker_start"], v["speaker_end"]),
                     "spans": [{**s, "text": _slice(text, s["start"], s["end"])}
                               for s in v["spans"]]}
                    for v in row["votes"]]
    return out


def hydrate(export_dir: str | Path, inputs: Iterable[str | Path], out: str | Path, *,
            encoding: str = "utf-8") -> int:
    """Write ``out``: the export at ``export_dir`` with text from ``inputs``; returns rows."""
    import datasets

    src = Path(export_dir)
    check_export_folder(out)  # before reading anything: never replace a folder not ours
    try:
        dd = datasets.load_from_disk(str(src))
    except FileNotFoundError as exc:
        raise InputError(f"{src}: not an export folder (no dataset_dict.json)") from exc
    stats_file = src / "stats.json"
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    if stats.get("with_text", False):
        raise InputError(f"{src}: this export already holds the text")
    needed = {aid for split in dd.values() for aid in split["article_id"]}
    found: dict[str, tuple[str, str]] = {}
    for art in read_articles(inputs, encoding=encoding):
        if art.id in needed:
            found[art.id] = (art.text, art.title)
    missing = sorted(needed - set(found))
    if missing:
        raise InputError(
            f"{len(missing)} articles of the export are not in the inputs, e.g. "
            + ", ".join(repr(m) for m in missing[:5])
        )
    full = datasets.DatasetDict({
        name: datasets.Dataset.from_list(
            [hydrate_row(r, *found[r["article_id"]]) for r in part], features=part.features)
        for name, part in dd.items()
    })
    stats["with_text"] = True
    files = {"stats.json": json.dumps(stats, indent=2) + "\n"}
    for name in ("README.md", "label_config.xml", "stance.yaml"):
        if (src / name).exists():
            files[name] = (src / name).read_text(encoding="utf-8")
    save_folder(full, Path(out), files)
    return sum(len(p) for p in full.values())


__all__ = ["hydrate", "hydrate_row", "TEXT_FIELDS"]
