"""The dataset's rows as an Arrow table, built in two steps.

1. :func:`rows_table`: the *task rows*, one per quote x target, holding what depends on
   that task alone (the unit, each annotator's vote, flags). A pull keeps them in its
   cache, so an incremental pull rebuilds only the tasks that changed.
2. :func:`finish`: the columns that depend on all tasks (the aggregated stance, which
   Dawid-Skene estimates from every vote; adjudications; near-duplicate clusters), added
   with array operations, in the order of the dataset's features.

:func:`vote_table` reads every vote back out of the task rows for the statistics.
Propagated rows (a near-duplicate carrying its representative's votes) take their
representative's item: their votes are counted once.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from labeling.annotations.aggregate import aggregate_table
from labeling.annotations.agreement import SKIP, VoteTable
from labeling.annotations.neardup import cluster_ids, groups
from labeling.annotations.records import ParsedAnnotation, TaskRecord, asked_targets, pseudonym
from labeling.schema import StanceSchema

QUOTE_TYPES = ["direct", "indirect", "mixed"]
# Columns that depend on every task, added by :func:`finish`.
GLOBAL_COLUMNS = ("stance", "stance_tie", "soft_label", "n_votes", "item_agreement",
                  "aggregation", "adjudicated", "stance_before_adjudication", "adjudicator",
                  "near_dup_cluster")


def features(schema: StanceSchema) -> Any:
    """The dataset's explicit schema."""
    return _features(tuple(schema.label_names))


@functools.lru_cache(maxsize=8)
def _features(label_names: tuple[str, ...]) -> Any:
    import datasets as ds

    names = list(label_names)
    stance = ds.ClassLabel(names=names)
    vote = {
        "annotator": ds.Value("string"),
        "stance": ds.ClassLabel(names=names),
        "skipped": ds.Value("bool"),
        "lead_time": ds.Value("float32"),
        "suggestion_shown": ds.Value("bool"),
        # the label `labeling suggest` suggested for this item when the vote was made
        # (shown or hidden; -1: no suggestion)
        "suggested": ds.ClassLabel(names=names),
        "flags": ds.List(ds.Value("string")),
        "confidence": ds.Value("int32"),
        "note": ds.Value("string"),
        "quote_spans": ds.List(ds.List(ds.Value("int32"))),
        "speaker_start": ds.Value("int32"),
        "speaker_end": ds.Value("int32"),
        "speaker_text": ds.Value("string"),
        "cue_start": ds.Value("int32"),
        "cue_end": ds.Value("int32"),
        "spans_ok": ds.Value("bool"),
        "spans": ds.List({"label": ds.Value("string"), "start": ds.Value("int32"),
                          "end": ds.Value("int32"), "text": ds.Value("string")}),
    }
    return ds.Features({
        "quote_id": ds.Value("string"),
        "article_id": ds.Value("string"),
        "target": ds.Value("string"),
        "target_name": ds.Value("string"),
        "title": ds.Value("string"),
        "source": ds.Value("string"),
        "published": ds.Value("string"),
        "url": ds.Value("string"),
        "context": ds.Value("string"),
        "context_start": ds.Value("int32"),
        "context_end": ds.Value("int32"),
        "context_sha1": ds.Value("string"),
        "quote": ds.Value("string"),
        "quote_start": ds.Value("int32"),
        "quote_end": ds.Value("int32"),
        "quote_parts": ds.List(ds.List(ds.Value("int32"))),
        "quote_type": ds.ClassLabel(names=QUOTE_TYPES),
        "speaker": ds.Value("string"),
        "speaker_name": ds.Value("string"),
        "speaker_start": ds.Value("int32"),
        "speaker_end": ds.Value("int32"),
        "cue": ds.Value("string"),
        "cue_start": ds.Value("int32"),
        "cue_end": ds.Value("int32"),
        "stance": stance,
        "stance_tie": ds.Value("bool"),
        "soft_label": ds.List(ds.Value("float32")),
        "n_votes": ds.Value("int32"),
        "item_agreement": ds.Value("float32"),
        "not_a_quote_votes": ds.Value("int32"),
        "wrong_speaker_votes": ds.Value("int32"),
        "votes": ds.List(vote),
        "aggregation": ds.Value("string"),
        "adjudicated": ds.Value("bool"),
        "stance_before_adjudication": ds.ClassLabel(names=names),
        "adjudicator": ds.Value("string"),
        "near_dup_cluster": ds.Value("string"),
        "propagated_from": ds.Value("string"),
        "task_id": ds.Value("int64"),
    })


def task_schema(schema: StanceSchema) -> pa.Schema:
    """The Arrow schema of the task rows: the features less :data:`GLOBAL_COLUMNS`."""
    full = features(schema).arrow_schema
    return pa.schema([f for f in full if f.name not in GLOBAL_COLUMNS])


def text_sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _int(v: Any) -> int | None:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _vote_struct(ann: ParsedAnnotation, target: str, who: str,
                 labels: Sequence[str], base: Mapping[str, Any]) -> dict[str, Any]:
    label = None if ann.skipped else ann.stances.get(target)
    hint = ann.suggested.get(target)
    return {**base, "annotator": who,
            "stance": labels.index(label) if label in labels else -1,
            "suggested": labels.index(hint) if hint in labels else -1}


def _vote_base(ann: ParsedAnnotation) -> dict[str, Any]:
    """What an annotation's vote holds whatever the target."""
    spans = sorted(ann.spans, key=lambda s: (s.start, s.end, s.label))
    spk = next((s for s in ann.spans if s.label == "SPEAKER"), None)
    cue = next((s for s in ann.spans if s.label == "CUE"), None)
    return {
        "skipped": ann.skipped,
        "lead_time": ann.lead_time,
        "suggestion_shown": ann.suggestion_shown,
        "flags": list(ann.flags),
        "confidence": ann.confidence,
        "note": ann.note,
        "quote_spans": [[s.start, s.end] for s in sorted(
            (s for s in ann.spans if s.label == "QUOTE"), key=lambda s: s.start)],
        "speaker_start": spk.start if spk else None,
        "speaker_end": spk.end if spk else None,
        "speaker_text": spk.text if spk else None,
        "cue_start": cue.start if cue else None,
        "cue_end": cue.end if cue else None,
        "spans_ok": all(s.ok for s in ann.spans),
        "spans": [{"label": s.label, "start": s.start, "end": s.end, "text": s.text}
                  for s in spans],
    }


def task_rows(rec: TaskRecord, schema: StanceSchema, names: Mapping[int | None, str]
              ) -> list[dict[str, Any]]:
    """The task rows of one task: its unit and the units propagated to it, x targets."""
    labels = schema.label_names
    # Only the targets the task asks get rows (a propagated unit takes its representative's).
    asked = set(asked_targets(rec.data, [t.id for t in schema.targets]))
    targets = [t for t in schema.targets if t.id in asked]
    bases = [_vote_base(ann) for ann in rec.annotations]
    flags: dict[str, int] = {}
    for ann in rec.annotations:
        for f in ann.flags:
            flags[f] = flags.get(f, 0) + 1
    votes = {t.id: [_vote_struct(ann, t.id, names[ann.annotator], labels, base)
                    for ann, base in zip(rec.annotations, bases, strict=True)
                    if ann.skipped or t.id in ann.stances]
             for t in targets}
    rep = str(rec.data["quote_id"])
    units: list[tuple[Mapping[str, Any], str | None]] = [(rec.data, None)]
    units += [(dup, rep) for dup in rec.data.get("duplicates") or []]
    rows: list[dict[str, Any]] = []
    for d, source in units:
        context = str(d.get("context") or "")
        qtype = d.get("quote_type")
        unit = {
            "quote_id": str(d["quote_id"]),
            "article_id": str(d.get("article_id") or ""),
            "title": str(d.get("title") or ""),
            "source": str(d.get("source") or ""),
            "published": str(d.get("published") or ""),
            "url": str(d.get("url") or ""),
            "context": context,
            "context_start": _int(d.get("context_start")),
            "context_end": (_int(d.get("context_start")) or 0) + len(context),
            "context_sha1": text_sha1(context),
            "quote": str(d.get("quote") or ""),
            "quote_start": _int(d.get("quote_start")),
            "quote_end": _int(d.get("quote_end")),
            "quote_parts": d.get("parts") or [],
            "quote_type": QUOTE_TYPES.index(qtype) if qtype in QUOTE_TYPES else -1,
            "speaker": d.get("speaker"),
            "speaker_name": d.get("speaker_name"),
            "speaker_start": _int(d.get("speaker_start")),
            "speaker_end": _int(d.get("speaker_end")),
            "cue": d.get("cue"),
            "cue_start": _int(d.get("cue_start")),
            "cue_end": _int(d.get("cue_end")),
            "not_a_quote_votes": flags.get("not_a_quote", 0),
            "wrong_speaker_votes": flags.get("wrong_speaker", 0),
            "propagated_from": source,
            "task_id": rec.task_id,
        }
        for t in targets:
            rows.append({**unit, "target": t.id, "target_name": t.name, "votes": votes[t.id]})
    return rows


def rows_table(records: Iterable[TaskRecord], schema: StanceSchema,
               project: Mapping[str, Any]) -> pa.Table:
    """The task rows of ``records``, in their order (see :func:`task_schema`)."""
    names: dict[int | None, str] = {}
    rows: list[dict[str, Any]] = []
    for rec in records:
        for ann in rec.annotations:
            if ann.annotator not in names:
                names[ann.annotator] = pseudonym(project, ann.annotator)
        rows.extend(task_rows(rec, schema, names))
    return pa.Table.from_pylist(rows, schema=task_schema(schema))


def pylist(column: pa.ChunkedArray | pa.Array) -> list[Any]:
    """``column.to_pylist()``, with equal strings one shared object: a column of 100,000
    rows holding a few thousand distinct strings costs 100,000 references, not 100,000
    strings (about 7 MB less per column at 50,000 tasks)."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return list(column.to_pylist())
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    if not len(column):
        return []
    codes = pc.dictionary_encode(column)  # type: ignore[attr-defined]
    values = np.array([*codes.dictionary.to_pylist(), None], dtype=object)
    index = np.asarray(codes.indices.fill_null(len(values) - 1), dtype=np.int64)
    return list(values[index].tolist())


def _strings(table: pa.Table, name: str) -> list[Any]:
    return pylist(table.column(name))


def item_keys(table: pa.Table) -> tuple[pa.Array, pa.Array]:
    """Each row's voting item key (its representative's quote x target), and the indices
    of the rows that hold votes of their own (not propagated)."""
    if not table.num_rows:  # pyarrow 24 segfaults on indices_nonzero of zero chunks
        return pa.array([], type=pa.string()), pa.array([], type=pa.uint64())
    src = table.column("propagated_from")
    rep = pc.coalesce(src, table.column("quote_id"))  # type: ignore[attr-defined]
    keys = pc.binary_join_element_wise(rep, table.column("target"), "|")  # type: ignore[attr-defined]
    own = pc.indices_nonzero(pc.is_null(src))  # type: ignore[attr-defined]
    return keys.combine_chunks(), own


def vote_table(table: pa.Table, schema: StanceSchema) -> tuple[VoteTable, np.ndarray[Any, Any]]:
    """Every vote of the task rows, and each row's item (index into the table's items).

    A skip is a vote with no label; an answer outside the schema's labels is no vote.
    The items are the rows with votes of their own, in order; a propagated row's item is
    its representative's.
    """
    keys, own = item_keys(table)
    every = len(own) == table.num_rows  # no propagated row: each row is its own item
    own_keys = keys if every else keys.take(own)
    items = own_keys.to_pylist()
    if len(set(items)) != len(items):
        raise ValueError("the task rows hold a quote x target twice")
    row_item = np.arange(len(items), dtype=np.int64) if every else np.asarray(
        pc.index_in(keys, value_set=own_keys).fill_null(-1),  # type: ignore[attr-defined]
        dtype=np.int64)
    # Only the two columns read below, of the rows with votes of their own (the whole
    # table taken was a copy of every row).
    sub = table.select(["votes", "target"])
    sub = sub if every else sub.take(own)
    # Read chunk by chunk: the votes column combined was a copy of every vote (19 MB at
    # 50,000 tasks) for a few integer fields.
    votes = sub.column("votes")
    lengths = np.asarray(pc.list_value_length(votes).fill_null(0),  # type: ignore[attr-defined]
                         dtype=np.int64)
    parents = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    flat = pc.list_flatten(votes)  # type: ignore[attr-defined]

    def field(name: str) -> pa.ChunkedArray:
        return pc.struct_field(flat, name)  # type: ignore[attr-defined]

    stance = np.asarray(field("stance").fill_null(-1), dtype=np.int64)
    skipped = np.asarray(field("skipped").fill_null(False), dtype=bool)
    # Stored as float32: back to the millisecond the server records.
    lead = np.round(np.asarray(field("lead_time").cast(pa.float64()).fill_null(np.nan),
                               dtype=np.float64), 3).astype(np.float64)
    ann_codes = pc.dictionary_encode(  # type: ignore[attr-defined]
        field("annotator").fill_null("")).combine_chunks()
    ann_names = [str(x) for x in ann_codes.dictionary.to_pylist()]
    order = sorted(range(len(ann_names)), key=lambda i: ann_names[i])
    remap = np.empty(len(ann_names), dtype=np.int64)
    remap[order] = np.arange(len(ann_names))
    annotator = remap[np.asarray(ann_codes.indices, dtype=np.int64)] if len(ann_names) else (
        np.zeros(0, dtype=np.int64))
    keep = skipped | (stance >= 0)
    label = np.where(skipped, SKIP, stance)
    targets = [t.id for t in schema.targets]
    t_idx = {t: i for i, t in enumerate(targets)}
    own_targets = _strings(sub, "target")
    vt = VoteTable(
        labels=tuple(schema.label_names), items=tuple(items),
        annotators=tuple(ann_names[i] for i in order),
        item=parents[keep], annotator=annotator[keep], label=label[keep],
        lead_time=lead[keep], groups=tuple(targets),
        item_group=np.array([t_idx.get(t, -1) for t in own_targets], dtype=np.int64),
    )
    return vt, row_item


Units = dict[str, tuple[str, str | None]]  # quote id -> (quote, representative if propagated)


def units_of_table(table: pa.Table) -> Units:
    """The units of the task rows."""
    qid, quote = _strings(table, "quote_id"), _strings(table, "quote")
    src = _strings(table, "propagated_from")
    return {q: (str(t or ""), s) for q, t, s in zip(qid, quote, src, strict=True)}


def units_of_tasks(tasks: Iterable[Mapping[str, Any]]) -> Units:
    """The units of exported tasks (the same as :func:`units_of_table` on their rows)."""
    units: Units = {}
    for task in tasks:
        d = task.get("data") or {}
        if "quote_id" not in d:
            continue
        rep = str(d["quote_id"])
        units[rep] = (str(d.get("quote") or ""), None)
        for dup in d.get("duplicates") or []:
            units[str(dup["quote_id"])] = (str(dup.get("quote") or ""), rep)
    return units


def units_digest(units: Units, threshold: float) -> str:
    """A key of what the clusters depend on: the units (a quote id names its text) and how
    they were propagated. Equal keys, equal clusters: a later pull may reuse them."""
    h = hashlib.sha256(f"{threshold!r}".encode())
    pairs = sorted((q, s or "") for q, (_, s) in units.items())
    h.update("".join(f"\x1e{q}\x1f{s}" for q, s in pairs).encode())
    return h.hexdigest()


def clusters_of(units: Units, threshold: float) -> dict[str, str]:
    """Near-duplicate cluster of every unit; propagated units join their representative's."""
    base = cluster_ids({q: text for q, (text, _) in units.items()}, threshold=threshold)
    merged = groups((base[q], base[s or q]) for q, (_, s) in units.items())
    return {q: merged[base[q]] for q in units}


def finish(table: pa.Table, schema: StanceSchema,
           decisions: Mapping[tuple[str, str], Any] | None,
           clusters: Mapping[str, str]) -> tuple[pa.Table, VoteTable]:
    """The dataset's rows: the task rows plus the columns that depend on every task, in
    the order and types of :func:`features`; and the vote table they were made from."""
    labels = schema.label_names
    vt, item = vote_table(table, schema)
    agg = aggregate_table(vt, schema.aggregation)
    if (item < 0).any():
        raise ValueError("a propagated quote's representative has no row")
    voted = agg.voted[item] if len(item) else np.zeros(0, dtype=bool)
    majority = np.where(voted, agg.label[item], -1) if len(item) else item
    stance = majority.copy()
    adjudicator: list[str | None] = [None] * len(item)
    adjudicated = np.zeros(len(item), dtype=bool)
    if decisions:
        for row, i in enumerate(item.tolist()):
            qid, target = vt.items[i].rsplit("|", 1)
            d = decisions.get((qid, target))
            if d is not None and d.label in labels:
                stance[row] = labels.index(d.label)
                adjudicator[row] = d.adjudicator
                adjudicated[row] = True
    n = table.num_rows
    k = len(labels)
    soft = np.where(voted[:, None], agg.soft[item], 0.0) if n else np.zeros((0, k))
    soft_arr = pa.FixedSizeListArray.from_arrays(
        pa.array(soft.astype(np.float32).ravel(), type=pa.float32()), k).cast(
        pa.list_(pa.float32()))
    agreement = pa.array(agg.agreement[item].astype(np.float32) if n else [], type=pa.float32(),
                         mask=~voted if n else None)
    computed = {
        "stance": pa.array(stance, type=pa.int64()),
        "stance_tie": pa.array(agg.tie[item] & voted if n else [], type=pa.bool_()),
        "soft_label": soft_arr,
        "n_votes": pa.array(np.where(voted, agg.n_votes[item], 0) if n else [], type=pa.int32()),
        "item_agreement": agreement,
        "aggregation": pa.array([agg.method] * n, type=pa.string()) if n
        else pa.array([], type=pa.string()),
        "adjudicated": pa.array(adjudicated, type=pa.bool_()),
        "stance_before_adjudication": pa.array(majority, type=pa.int64()),
        "adjudicator": pa.array(adjudicator, type=pa.string()),
        "near_dup_cluster": pa.array([clusters[q] for q in _strings(table, "quote_id")],
                                     type=pa.string()),
    }
    arrow = features(schema).arrow_schema
    columns = [computed[f.name].cast(f.type) if f.name in computed
               else table.column(f.name) for f in arrow]
    return pa.Table.from_arrays(columns, schema=arrow), vt
