"""What the report shows, collected from an export in one pass (label counts, votes,
lead times); agreement figures are read from ``stats.json`` by the page."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labeling.report.charts import _COLOR, NAMED, NO_VOTE, PALETTE, SPECIAL, TIE

# ---------------------------------------------------------------------------------- data

@dataclass
class Facts:
    """What the page needs from the dataset, in one pass."""

    labels: list[str]
    cats: list[str]
    targets: dict[str, str] = field(default_factory=dict)  # id -> name, in order of appearance
    by_target: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_speaker: dict[str, dict[str, Counter[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counter)))
    by_split: dict[str, Counter[str]] = field(default_factory=dict)
    split_rows: dict[str, int] = field(default_factory=dict)
    split_quotes: dict[str, int] = field(default_factory=dict)
    split_articles: dict[str, int] = field(default_factory=dict)
    outlets: dict[str, str] = field(default_factory=dict)  # item key -> outlet
    votes: Counter[str] = field(default_factory=Counter)  # annotator -> labelled votes
    skips: Counter[str] = field(default_factory=Counter)
    leads: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    quotes: set[str] = field(default_factory=set)
    articles: set[str] = field(default_factory=set)
    rows: int = 0


def _column(tbl: Any, name: str, n: int) -> list[Any]:
    return tbl.column(name).to_pylist() if name in tbl.column_names else [None] * n


def _votes_of(tbl: Any) -> tuple[list[int], dict[str, list[Any]]]:
    """(row index of each vote, vote fields) from the ``votes`` list column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    fields = ("annotator", "stance", "skipped", "lead_time")
    if "votes" not in tbl.column_names:
        return [], {f: [] for f in fields}
    col = tbl.column("votes")
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    parents = pc.list_parent_indices(arr).to_pylist()  # type: ignore[attr-defined]
    flat = pc.list_flatten(arr)  # type: ignore[attr-defined]
    out: dict[str, list[Any]] = {}
    for f in fields:
        idx = flat.type.get_field_index(f) if pa.types.is_struct(flat.type) else -1
        out[f] = flat.field(idx).to_pylist() if idx >= 0 else [None] * len(parents)
    return parents, out


def collect(dd: Mapping[str, Any]) -> Facts:
    """Count what the charts show, straight from the splits."""
    first = next(iter(dd.values()), None)
    feat = first.features.get("stance") if first is not None else None
    labels = [str(x) for x in getattr(feat, "names", None) or []]
    facts = Facts(labels=labels, cats=labels + [TIE, NO_VOTE])
    wanted = ["quote_id", "article_id", "target", "target_name", "stance", "stance_tie",
              "speaker", "speaker_name", "source", "propagated_from", "votes"]
    lead_seen: set[tuple[str, str]] = set()
    for split, part in dd.items():
        cols = [c for c in wanted if c in part.column_names]
        tbl = part.select_columns(cols).with_format("arrow")[:]
        n = tbl.num_rows
        c = {name: _column(tbl, name, n) for name in wanted if name != "votes"}
        facts.rows += n
        facts.split_rows[split] = n
        facts.split_quotes[split] = len(set(c["quote_id"]) - {None})
        facts.split_articles[split] = len(set(c["article_id"]) - {None})
        facts.quotes.update(q for q in c["quote_id"] if q)
        facts.articles.update(a for a in c["article_id"] if a)
        split_counts: Counter[str] = Counter()
        row_cat: list[str] = []
        for i in range(n):
            s = c["stance"][i]
            cat = (labels[s] if isinstance(s, int) and 0 <= s < len(labels)
                   else TIE if c["stance_tie"][i] else NO_VOTE)
            row_cat.append(cat)
            tid = str(c["target"][i] or "")
            facts.targets.setdefault(tid, str(c["target_name"][i] or tid or "(no target)"))
            facts.by_target[tid][cat] += 1
            who = " ".join(str(c["speaker_name"][i] or c["speaker"][i] or "").split())
            facts.by_speaker[tid][who or "(no speaker)"][cat] += 1
            split_counts[cat] += 1
            if c["source"][i]:
                facts.outlets[f"{c['quote_id'][i]}|{tid}"] = str(c["source"][i])
        facts.by_split[split] = split_counts
        parents, v = _votes_of(tbl)
        for k, row in enumerate(parents):
            if c["propagated_from"][row]:
                continue  # a copy of the representative quote's votes
            who = str(v["annotator"][k] or "(unknown)")
            if v["skipped"][k] or not isinstance(v["stance"][k], int) or v["stance"][k] < 0:
                facts.skips[who] += 1
            else:
                facts.votes[who] += 1
            lead = v["lead_time"][k]
            key = (str(c["quote_id"][row]), who)
            if isinstance(lead, (int, float)) and math.isfinite(lead) and key not in lead_seen:
                lead_seen.add(key)  # one annotation, one time: not once per target
                facts.leads[who].append(float(lead))
    return facts


def _label_colors(labels: Sequence[str], export_dir: Path) -> dict[str, str]:
    custom: dict[str, str] = {}
    cfg = export_dir / "stance.yaml"
    if cfg.exists():
        try:
            from labeling.schema import load_schema

            for label in load_schema(cfg).labels:
                if label.color and _COLOR.fullmatch(label.color):
                    custom[label.value] = label.color
        except Exception:  # noqa: BLE001 - colours are cosmetic; the report must not fail
            custom = {}
    out: dict[str, str] = {}
    free = [c for c in PALETTE if c not in {NAMED.get(x.upper()) for x in labels}]
    for lab in labels:
        out[lab] = custom.get(lab) or NAMED.get(lab.upper()) or (free.pop(0) if free else "#444444")
    return {**out, **SPECIAL}


