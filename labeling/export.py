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

import pyarrow as pa
import pyarrow.compute as pc

from . import __version__, lsformat
from .agreement import Vote, summary
from .errors import LabelingError
from .neardup import groups
from .pull import TaskRecord, pseudonym
from .rows import (
    QUOTE_TYPES,
    clusters_of,
    features,
    finish,
    item_key,
    rows_table,
    text_sha1,
    units_of_table,
)
from .schema import StanceSchema

__all__ = ["QUOTE_TYPES", "SPLITS", "TEXT_FIELDS", "Written", "assign_splits", "features",
           "item_key", "save_folder", "split_indices", "text_sha1", "votes_of", "write_export",
           "write_table"]

SPLITS = ("train", "validation", "test")


@dataclass
class Written:
    rows: int
    stats: dict[str, Any]


TEXT_FIELDS = ("title", "context", "quote", "speaker", "cue")


def strip_text(table: pa.Table) -> pa.Table:
    """Copyright-safe rows: article text removed (null), offsets, hashes, ids and URLs kept,
    and each vote's speaker and span texts removed too."""
    cols = {name: table.column(name) for name in table.column_names}
    for f in TEXT_FIELDS:
        cols[f] = pa.nulls(table.num_rows, type=table.schema.field(f).type)
    votes = table.column("votes").combine_chunks()
    vstruct = votes.values
    vfields = {vstruct.type.field(i).name: vstruct.field(i) for i in range(vstruct.type.num_fields)}
    vfields["speaker_text"] = pa.nulls(len(vstruct), type=pa.string())
    spans = vfields["spans"]
    sstruct = spans.values
    sfields = {sstruct.type.field(i).name: sstruct.field(i)
               for i in range(sstruct.type.num_fields)}
    sfields["text"] = pa.nulls(len(sstruct), type=pa.string())
    vfields["spans"] = pa.ListArray.from_arrays(
        spans.offsets, pa.StructArray.from_arrays(list(sfields.values()), fields=list(
            sstruct.type)), type=spans.type)
    cols["votes"] = pa.ListArray.from_arrays(
        votes.offsets, pa.StructArray.from_arrays(list(vfields.values()), fields=list(
            vstruct.type)), type=votes.type)
    return pa.Table.from_arrays([cols[n] for n in table.column_names], schema=table.schema)


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


def split_indices(columns: Mapping[str, Sequence[Any]], schema: StanceSchema
                  ) -> dict[str, list[int]]:
    """Row indices of each split, with no leakage.

    ``columns`` holds the rows' ``target``, ``source``, ``article_id``,
    ``near_dup_cluster`` and ``stance``. Held-out targets or outlets
    (``split.held_out_targets`` / ``held_out_outlets``) go to ``test`` whole; the rest is
    grouped so that an article, and every article sharing a near-duplicate quote with it,
    lands in one split, stratified by stance. Rows keep their order within a split.
    """
    sp = schema.split
    fr = {"train": sp.train, "validation": sp.validation, "test": sp.test}
    target, source = columns["target"], columns["source"]
    article, cluster, stance = (columns["article_id"], columns["near_dup_cluster"],
                                columns["stance"])
    held_t, held_o = set(sp.held_out_targets), set(sp.held_out_outlets)
    is_held = [t in held_t or o in held_o for t, o in zip(target, source, strict=True)]
    if any(is_held):
        fr = {"train": sp.train, "validation": sp.validation, "test": 0.0}
        norm = sum(fr.values()) or 1.0
        fr = {k: v / norm for k, v in fr.items()}
    rest = [i for i, h in enumerate(is_held) if not h]
    links = {(article[i], cluster[i]) for i in rest}  # one link per pair, not per row
    group_of = groups((f"a:{a}", f"c:{c}") for a, c in sorted(links))
    sizes: dict[str, int] = defaultdict(int)
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for i in rest:
        g = group_of[f"a:{article[i]}"]
        sizes[g] += 1
        labels[g][f"{target[i]}={stance[i]}"] += 1
    where = assign_splits(sizes, fr, sp.seed, labels if sp.stratify else None)
    out: dict[str, list[int]] = {s: [] for s in SPLITS}
    for i in rest:
        out[where[group_of[f"a:{article[i]}"]]].append(i)
    out["test"].extend(i for i, h in enumerate(is_held) if h)
    return out


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
    """Write the dataset folder of ``records`` atomically (see :func:`write_table`)."""
    table = rows_table(records, schema, project)
    return write_table(
        table, schema, project, out, tasks=len(records),
        annotations=sum(len(r.annotations) for r in records),
        skipped=sum(a.skipped for r in records for a in r.annotations),
        server_url=server_url, config_path=config_path, span_problems=span_problems,
        decisions=decisions, with_text=with_text, parquet=parquet,
        clusters=clusters if clusters is not None else clusters_of(
            units_of_table(table), schema.near_duplicates.threshold))


def _count(table: pa.Table, column: str, value: Any) -> int:
    same = pc.equal(table.column(column), value)  # type: ignore[attr-defined]
    return int(pc.sum(same).as_py() or 0)  # type: ignore[attr-defined]


def write_table(
    table: pa.Table,
    schema: StanceSchema,
    project: Mapping[str, Any],
    out: Path,
    *,
    tasks: int,
    annotations: int,
    skipped: int,
    clusters: Mapping[str, str],
    server_url: str = "",
    config_path: str | Path | None = None,
    span_problems: Sequence[str] = (),
    decisions: Mapping[tuple[str, str], Any] | None = None,
    with_text: bool = True,
    parquet: bool = False,
) -> Written:
    """Write the dataset folder of the task rows ``table`` (:func:`labeling.rows.rows_table`)
    atomically; returns the row count and the stats.

    ``with_text=False`` writes the copyright-safe form (see :func:`strip_text`);
    ``labeling hydrate`` restores the text from the user's own copies of the articles.
    """
    import datasets as ds

    from .card import render_card

    ds.disable_progress_bars()
    if table.num_rows == 0:
        raise LabelingError(
            f"project {project.get('title')!r} has no tasks yet: push articles first"
        )
    final, vt = finish(table, schema, decisions, clusters)
    cols = {name: final.column(name).to_pylist() for name in (
        "target", "source", "article_id", "near_dup_cluster", "stance")}
    by_split = split_indices(cols, schema)
    if not with_text:
        final = strip_text(final)
    own = pc.is_null(final.column("propagated_from"))  # type: ignore[attr-defined]
    outlets = final.column("source").filter(own).to_pylist()  # in the vote table's item order
    gold = {item_key(g.quote_id, g.target): g.label for g in schema.gold}
    stats = summary(vt, schema.label_names, groups={t.id: t.id for t in schema.targets},
                    outlets=outlets, gold=gold)
    stance, target = cols["stance"], cols["target"]
    labelled = [i for i, s in enumerate(stance) if s >= 0]
    first = schema.targets[0].id
    fr = {"train": schema.split.train, "validation": schema.split.validation,
          "test": schema.split.test}
    stats_out: dict[str, Any] = {
        "tool": f"stance-labeling {__version__}",
        "project": {"id": project.get("id"), "title": project.get("title"), "server": server_url},
        "counts": {
            "tasks": tasks,
            "rows": final.num_rows,
            "articles": len(set(cols["article_id"])),
            "near_dup_clusters_with_several_quotes": sum(
                1 for n in Counter(c for c, t in zip(cols["near_dup_cluster"], target, strict=True)
                                   if t == first).values() if n > 1),
            "annotations": annotations,
            "skipped_annotations": skipped,
            "rows_labelled": len(labelled),
            "rows_tied": _count(final, "stance_tie", True),
            "rows_without_votes": _count(final, "n_votes", 0),
            "per_split": {k: len(v) for k, v in by_split.items()},
            "per_label": {
                t.id: dict(Counter(schema.label_names[stance[i]] for i in labelled
                                   if target[i] == t.id))
                for t in schema.targets
            },
        },
        "aggregation": schema.aggregation,
        "adjudicated_rows": _count(final, "adjudicated", True),
        "splits": {"grouped_by": "article_id + near_dup_cluster", "seed": schema.split.seed,
                   "fractions": fr, "stratified_by": "target x stance" if schema.split.stratify
                   else None, "held_out_targets": schema.split.held_out_targets,
                   "held_out_outlets": schema.split.held_out_outlets},
        "span_problems": len(span_problems),
        "with_text": with_text,
        "agreement": stats,
    }
    stats_json = json.dumps(stats_out, indent=2, default=str) + "\n"
    # Empty splits are left out (few articles): datasets cannot reload a 0-row split. The
    # fingerprint (what datasets would otherwise hash the whole table for) comes from the
    # figures: the same pull, the same fingerprint.
    dd = ds.DatasetDict({
        name: ds.Dataset(final.take(pa.array(idx, type=pa.int64())), fingerprint=hashlib.sha256(
            f"{name}|{len(idx)}|{stats_json}".encode()).hexdigest()[:16])
        for name, idx in by_split.items() if idx
    })
    files = {
        "label_config.xml": lsformat.label_config(schema),
        "stats.json": stats_json,
        "README.md": render_card(schema, stats_out, dd),
    }
    if config_path and Path(config_path).exists():
        files["stance.yaml"] = Path(config_path).read_text(encoding="utf-8")
    save_folder(dd, out, files, parquet=parquet)
    return Written(final.num_rows, stats_out)
