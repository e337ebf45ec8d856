"""Build and write the Hugging Face dataset of a pull.

One row per quote x target, with the aggregated stance as a ``ClassLabel`` (-1 when
tied or unlabelled, ``stance_tie`` says which), every annotator's vote as a list of
structs, soft labels and per-item agreement. Splits are grouped by article (no
article in two splits) and seeded. The folder is written to a temporary sibling and
renamed into place at the end, so an interrupted pull leaves the previous export
untouched.

    OUT/
      dataset_dict.json, train/, validation/, test/   (datasets.load_from_disk(OUT))
      README.md            dataset card
      label_config.xml     the labelling config the annotators used
      stance.yaml          the stance schema (if given)
      stats.json           counts, agreement, aggregation
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__, lsformat
from .aggregate import aggregate
from .agreement import Vote, summary
from .errors import LabelingError
from .neardup import cluster_ids, groups
from .pull import TaskRecord, pseudonym
from .schema import StanceSchema

QUOTE_TYPES = ["direct", "indirect", "mixed"]
SPLITS = ("train", "validation", "test")


@dataclass
class Written:
    rows: int
    stats: dict[str, Any]


def features(schema: StanceSchema) -> Any:
    """The dataset's explicit schema."""
    import datasets as ds

    stance = ds.ClassLabel(names=schema.label_names)
    vote = {
        "annotator": ds.Value("string"),
        "stance": ds.ClassLabel(names=schema.label_names),
        "skipped": ds.Value("bool"),
        "lead_time": ds.Value("float32"),
        "suggestion_shown": ds.Value("bool"),
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
        "stance_before_adjudication": ds.ClassLabel(names=schema.label_names),
        "adjudicator": ds.Value("string"),
        "near_dup_cluster": ds.Value("string"),
        "propagated_from": ds.Value("string"),
        "task_id": ds.Value("int64"),
    })


TEXT_FIELDS = ("title", "context", "quote", "speaker", "cue")


def text_sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def strip_text(row: dict[str, Any]) -> dict[str, Any]:
    """Copyright-safe row: article text removed, offsets, hashes, ids and URLs kept."""
    out = dict(row)
    for f in TEXT_FIELDS:
        out[f] = None
    out["votes"] = [{**v, "speaker_text": None,
                     "spans": [{**s, "text": None} for s in v["spans"]]} for v in row["votes"]]
    return out


def item_key(quote_id: str, target: str) -> str:
    return f"{quote_id}|{target}"


def votes_of(records: Sequence[TaskRecord], schema: StanceSchema,
             project: Mapping[str, Any]) -> list[Vote]:
    """Every (item, annotator) vote; a skip is a vote with no label."""
    out: list[Vote] = []
    for rec in records:
        for ann in rec.annotations:
            who = pseudonym(project, ann.annotator)
            for t in schema.targets:
                label = None if ann.skipped else ann.stances.get(t.id)
                if label is not None and label not in schema.label_names:
                    label = None
                if not ann.skipped and label is None:
                    continue  # answered other questions but not this one: no vote
                out.append(Vote(item=item_key(str(rec.data["quote_id"]), t.id), annotator=who,
                                label=label, lead_time=ann.lead_time, group=t.id))
    return out


def _int(v: Any) -> int | None:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _vote_struct(ann: lsformat.ParsedAnnotation, target: str, project: Mapping[str, Any],
                 labels: Sequence[str]) -> dict[str, Any]:
    label = None if ann.skipped else ann.stances.get(target)
    spans = {lab: [s for s in ann.spans if s.label == lab] for lab in lsformat.SPAN_LABELS}
    spk = spans["SPEAKER"][0] if spans["SPEAKER"] else None
    cue = spans["CUE"][0] if spans["CUE"] else None
    return {
        "annotator": pseudonym(project, ann.annotator),
        "stance": labels.index(label) if label in labels else -1,
        "skipped": ann.skipped,
        "lead_time": ann.lead_time,
        "suggestion_shown": ann.suggestion_shown,
        "flags": list(ann.flags),
        "confidence": ann.confidence,
        "note": ann.note,
        "quote_spans": [[s.start, s.end] for s in sorted(spans["QUOTE"], key=lambda s: s.start)],
        "speaker_start": spk.start if spk else None,
        "speaker_end": spk.end if spk else None,
        "speaker_text": spk.text if spk else None,
        "cue_start": cue.start if cue else None,
        "cue_end": cue.end if cue else None,
        "spans_ok": all(s.ok for s in ann.spans),
        "spans": [{"label": s.label, "start": s.start, "end": s.end, "text": s.text}
                  for s in sorted(ann.spans, key=lambda s: (s.start, s.end, s.label))],
    }


def assign_splits(
    group_sizes: Mapping[str, int], fractions: Mapping[str, float], seed: int,
    group_labels: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, str]:
    """Whole groups to splits, reproducibly, stratified by label where possible.

    Largest groups first (ties in a seeded order); each goes to the split that most
    needs it: furthest below its target share of rows, and (with ``group_labels``)
    of the labels the group carries. Then, where a split with a positive share got
    nothing and there are enough groups, it takes the smallest group of the split
    holding the most groups.
    """
    def rank(g: str) -> str:
        return hashlib.sha256(f"{seed}|{g}".encode()).hexdigest()

    order = sorted(group_sizes, key=lambda g: (-group_sizes[g], rank(g)))
    total = sum(group_sizes.values()) or 1
    names = [s for s in SPLITS if fractions.get(s, 0) > 0]
    have = dict.fromkeys(names, 0)
    label_total: Counter[str] = Counter()
    for counts in (group_labels or {}).values():
        label_total.update(counts)
    have_label: dict[str, Counter[str]] = {s: Counter() for s in names}
    members: dict[str, list[str]] = {s: [] for s in names}

    def need(s: str, g: str) -> tuple[float, int]:
        score = (fractions[s] * total - have[s]) / total
        for lab, n in (group_labels or {}).get(g, {}).items():
            score += n * (fractions[s] * label_total[lab] - have_label[s][lab]) / (
                label_total[lab] * group_sizes[g])
        return score, -names.index(s)

    for g in order:
        name = max(names, key=lambda s: need(s, g))
        members[name].append(g)
        have[name] += group_sizes[g]
        have_label[name].update((group_labels or {}).get(g, {}))
    if len(order) >= len(names):
        for name in names:
            if not members[name]:
                donor = max(names, key=lambda s: (len(members[s]), -names.index(s)))
                g = min(members[donor], key=lambda x: (group_sizes[x], rank(x)))
                members[donor].remove(g)
                members[name].append(g)
    return {g: name for name, gs in members.items() for g in gs}


def split_rows(rows: Sequence[dict[str, Any]], schema: StanceSchema
               ) -> dict[str, list[dict[str, Any]]]:
    """Rows to splits with no leakage.

    Held-out targets or outlets (``split.held_out_targets`` / ``held_out_outlets``) go
    to ``test`` whole; the rest is grouped so that an article, and every article sharing
    a near-duplicate quote with it, lands in one split, stratified by stance.
    """
    sp = schema.split
    fr = {"train": sp.train, "validation": sp.validation, "test": sp.test}
    held = [r for r in rows
            if r["target"] in sp.held_out_targets or r["source"] in sp.held_out_outlets]
    rest = [r for r in rows
            if not (r["target"] in sp.held_out_targets or r["source"] in sp.held_out_outlets)]
    if held:
        fr = {"train": sp.train, "validation": sp.validation, "test": 0.0}
        norm = sum(fr.values()) or 1.0
        fr = {k: v / norm for k, v in fr.items()}
    group_of = groups((f"a:{r['article_id']}", f"c:{r['near_dup_cluster']}") for r in rest)
    sizes: dict[str, int] = defaultdict(int)
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rest:
        g = group_of[f"a:{r['article_id']}"]
        sizes[g] += 1
        labels[g][f"{r['target']}={r['stance']}"] += 1
    where = assign_splits(sizes, fr, sp.seed, labels if sp.stratify else None)
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for r in rest:
        out[where[group_of[f"a:{r['article_id']}"]]].append(r)
    out["test"].extend(held)
    return out


def _units_of_records(
    records: Sequence[TaskRecord],
) -> list[tuple[TaskRecord, Mapping[str, Any], str | None]]:
    """(record, unit data, representative quote id if propagated) for every labelled unit."""
    out: list[tuple[TaskRecord, Mapping[str, Any], str | None]] = []
    for rec in records:
        out.append((rec, rec.data, None))
        for dup in rec.data.get("duplicates") or []:
            out.append((rec, dup, str(rec.data["quote_id"])))
    return out


def units_digest(records: Sequence[TaskRecord], threshold: float) -> str:
    """A key of what the clusters depend on: the units (a quote id names its text) and how
    they were propagated. Equal keys, equal clusters: a later pull may reuse them."""
    h = hashlib.sha256(f"{threshold!r}".encode())
    for _, d, src in sorted(((r, d, s) for r, d, s in _units_of_records(records)),
                            key=lambda x: (str(x[1]["quote_id"]), x[2] or "")):
        h.update(f"\x1e{d['quote_id']}\x1f{src or ''}".encode())
    return h.hexdigest()


def clusters_of(records: Sequence[TaskRecord], threshold: float) -> dict[str, str]:
    """Near-duplicate cluster of every unit; propagated units join their representative's."""
    units = _units_of_records(records)
    base = cluster_ids({str(d["quote_id"]): str(d.get("quote") or "") for _, d, _ in units},
                       threshold=threshold)
    links = [(base[str(d["quote_id"])], base[src if src else str(d["quote_id"])])
             for _, d, src in units]
    merged = groups(links)
    return {str(d["quote_id"]): merged[base[str(d["quote_id"])]] for _, d, _ in units}


def build_rows(records: Sequence[TaskRecord], schema: StanceSchema,
               project: Mapping[str, Any],
               decisions: Mapping[tuple[str, str], Any] | None = None,
               clusters: Mapping[str, str] | None = None,
               ) -> tuple[list[dict[str, Any]], list[Vote]]:
    """One row per unit x target; ``decisions`` are adjudications that override.

    ``clusters`` (quote id -> near-duplicate cluster, from :func:`clusters_of` on the same
    units) saves computing them again.
    """
    decisions = decisions or {}
    labels = schema.label_names
    votes = votes_of(records, schema, project)
    agg = aggregate(votes, labels, method=schema.aggregation)
    if clusters is None:
        clusters = clusters_of(records, schema.near_duplicates.threshold)
    rows: list[dict[str, Any]] = []
    for rec, d, source in _units_of_records(records):
        for t in schema.targets:
            key = item_key(str(rec.data["quote_id"]), t.id)
            a = agg.get(key)
            majority_label = labels.index(a.label) if a and a.label in labels else -1
            decision = decisions.get((str(rec.data["quote_id"]), t.id))
            structs = [_vote_struct(ann, t.id, project, labels) for ann in rec.annotations
                       if ann.skipped or t.id in ann.stances]
            flags = Counter(f for ann in rec.annotations for f in ann.flags)
            qtype = d.get("quote_type")
            rows.append({
                "quote_id": str(d["quote_id"]),
                "article_id": str(d.get("article_id") or ""),
                "target": t.id,
                "target_name": t.name,
                "title": str(d.get("title") or ""),
                "source": str(d.get("source") or ""),
                "published": str(d.get("published") or ""),
                "url": str(d.get("url") or ""),
                "context": str(d.get("context") or ""),
                "context_start": _int(d.get("context_start")),
                "context_end": (_int(d.get("context_start")) or 0) + len(str(d.get("context") or "")),
                "context_sha1": text_sha1(str(d.get("context") or "")),
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
                "stance": labels.index(decision.label) if decision else majority_label,
                "stance_before_adjudication": majority_label,
                "adjudicator": decision.adjudicator if decision else None,
                "stance_tie": bool(a and a.tie),
                "soft_label": list(a.soft) if a else [0.0] * len(labels),
                "n_votes": a.n_votes if a else 0,
                "item_agreement": a.agreement if a else None,
                "not_a_quote_votes": flags.get("not_a_quote", 0),
                "wrong_speaker_votes": flags.get("wrong_speaker", 0),
                "votes": structs,
                "aggregation": a.method if a else schema.aggregation,
                "adjudicated": decision is not None,
                "near_dup_cluster": clusters[str(d["quote_id"])],
                "propagated_from": source,
                "task_id": rec.task_id,
            })
    return rows, votes


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False  # a file system without the exchange: fall back to two renames
    raise OSError(err, os.strerror(err), str(b))


def _atomic_replace(tmp: Path, out: Path) -> None:
    """Put the finished folder ``tmp`` at ``out``, replacing an old export.

    Where the system can swap two folders in one step the old export is never absent;
    elsewhere it is moved aside and put back if anything (an interrupt included) stops
    the second rename.
    """
    if not out.exists():
        os.replace(tmp, out)
        return
    if _exchange(tmp, out):
        shutil.rmtree(tmp, ignore_errors=True)  # the old export, now at tmp
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)  # put the previous export back
        raise
    shutil.rmtree(old, ignore_errors=True)


def save_folder(dd: Any, out: Path, files: Mapping[str, str], *, parquet: bool = False) -> None:
    """Save a DatasetDict and text files as folder ``out``, all at once or not at all.

    With ``parquet`` each split is also written as ``parquet/<split>.parquet``.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        dd.save_to_disk(str(tmp))
        if parquet:
            (tmp / "parquet").mkdir()
            for name, part in dd.items():
                part.to_parquet(str(tmp / "parquet" / f"{name}.parquet"))
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        _atomic_replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def arrow_dataset(rows: Sequence[Mapping[str, Any]], feats: Any) -> Any:
    """``Dataset.from_list(rows, features=feats)``, built by Arrow in one pass (the rows
    already hold what the features store: ClassLabel indices, plain lists and dicts)."""
    import datasets as ds
    import pyarrow as pa

    table = pa.Table.from_pylist(list(rows), schema=feats.arrow_schema)
    return ds.Dataset(table)


def write_export(
    records: Sequence[TaskRecord],
    schema: StanceSchema,
    project: Mapping[str, Any],
    out: Path,
    *,
    server_url: str = "",
    config_path: str | Path | None = None,
    span_problems: Sequence[str] = (),
    decisions: Mapping[tuple[str, str], Any] | None = None,
    with_text: bool = True,
    parquet: bool = False,
    clusters: Mapping[str, str] | None = None,
) -> Written:
    """Write the dataset folder atomically; returns the row count and the stats.

    ``with_text=False`` writes the copyright-safe form (see :func:`strip_text`);
    ``labeling hydrate`` restores the text from the user's own copies of the articles.
    """
    import datasets as ds

    from .card import render_card

    ds.disable_progress_bars()

    rows, votes = build_rows(records, schema, project, decisions, clusters)
    if not with_text:
        rows = [strip_text(r) for r in rows]
    by_split = split_rows(rows, schema)
    fr = {"train": schema.split.train, "validation": schema.split.validation,
          "test": schema.split.test}
    feats = features(schema)
    if not rows:
        raise LabelingError(
            f"project {project.get('title')!r} has no tasks yet: push articles first"
        )
    # Empty splits are left out (few articles): datasets cannot reload a 0-row split.
    dd = ds.DatasetDict({
        name: arrow_dataset(part, feats) for name, part in by_split.items() if part
    })
    outlets = {item_key(r["quote_id"], r["target"]): r["source"] for r in rows if r["source"]}
    gold = {item_key(g.quote_id, g.target): g.label for g in schema.gold}
    stats = summary(votes, schema.label_names, groups={t.id: t.id for t in schema.targets},
                    outlets=outlets, gold=gold)
    labelled = [r for r in rows if r["stance"] >= 0]
    stats_out: dict[str, Any] = {
        "tool": f"stance-labeling {__version__}",
        "project": {"id": project.get("id"), "title": project.get("title"), "server": server_url},
        "counts": {
            "tasks": len(records),
            "rows": len(rows),
            "articles": len({r["article_id"] for r in rows}),
            "near_dup_clusters_with_several_quotes": sum(
                1 for n in Counter(r["near_dup_cluster"] for r in rows
                                   if r["target"] == schema.targets[0].id).values() if n > 1),
            "annotations": sum(len(r.annotations) for r in records),
            "skipped_annotations": sum(a.skipped for r in records for a in r.annotations),
            "rows_labelled": len(labelled),
            "rows_tied": sum(r["stance_tie"] for r in rows),
            "rows_without_votes": sum(r["n_votes"] == 0 for r in rows),
            "per_split": {k: len(v) for k, v in by_split.items()},
            "per_label": {
                t.id: dict(Counter(schema.label_names[r["stance"]] for r in labelled
                                   if r["target"] == t.id))
                for t in schema.targets
            },
        },
        "aggregation": schema.aggregation,
        "adjudicated_rows": sum(r["adjudicated"] for r in rows),
        "splits": {"grouped_by": "article_id + near_dup_cluster", "seed": schema.split.seed,
                   "fractions": fr, "stratified_by": "target x stance" if schema.split.stratify
                   else None, "held_out_targets": schema.split.held_out_targets,
                   "held_out_outlets": schema.split.held_out_outlets},
        "span_problems": len(span_problems),
        "with_text": with_text,
        "agreement": stats,
    }
    files = {
        "label_config.xml": lsformat.label_config(schema),
        "stats.json": json.dumps(stats_out, indent=2, default=str) + "\n",
        "README.md": render_card(schema, stats_out, dd),
    }
    if config_path and Path(config_path).exists():
        files["stance.yaml"] = Path(config_path).read_text(encoding="utf-8")
    save_folder(dd, out, files, parquet=parquet)
    return Written(len(rows), stats_out)
