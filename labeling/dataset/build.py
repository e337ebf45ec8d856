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

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from labeling.annotations.agreement import summary
from labeling.annotations.records import TaskRecord, item_key
from labeling.annotations.splits import split_indices
from labeling.dataset.rows import (
    QUOTE_TYPES,
    clusters_of,
    features,
    finish,
    pylist,
    rows_table,
    text_sha1,
    units_of_table,
)
from labeling.errors import LabelingError
from labeling.files import REPORT_SIGNATURES, atomic_folder, check_folder, has_signature
from labeling.schema import StanceSchema
from labeling.studio import wire
from labeling.version import __version__

__all__ = ["QUOTE_TYPES", "TEXT_FIELDS", "Written", "check_export_folder", "features",
           "legacy_export_files", "save_folder", "save_split", "text_sha1", "write_export",
           "write_table"]

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


_TOP_FILES = ("dataset_dict.json", "README.md", "label_config.xml", "stance.yaml", "stats.json")
_SPLIT_FILE = re.compile(r"(data-\d+-of-\d+\.arrow|dataset_info\.json|state\.json)")


def legacy_export_files(folder: Path) -> set[str] | None:
    """The files an export written before the marker file existed holds (None: the folder
    is not such an export). Recognised by ``stats.json`` naming the tool; only the names
    the tool writes count as its own."""
    try:
        stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
        splits = json.loads((folder / "dataset_dict.json").read_text(encoding="utf-8"))["splits"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(stats, dict) and str(stats.get("tool", "")).startswith("stance-labeling")):
        return None
    own = {name for name in _TOP_FILES if (folder / name).is_file()}
    if has_signature(folder / "report.html", *REPORT_SIGNATURES):
        own.add("report.html")
    for split in splits:
        for f in (folder / str(split)).glob("*"):
            if _SPLIT_FILE.fullmatch(f.name):
                own.add(f"{split}/{f.name}")
        if (folder / "parquet" / f"{split}.parquet").is_file():
            own.add(f"parquet/{split}.parquet")
    return own


def check_export_folder(out: str | Path) -> None:
    """Raise :class:`~labeling.errors.OutputError` now if ``out`` may not take an export
    (a non-empty folder that is not an earlier export): before any slow work starts."""
    check_folder(out, legacy_export_files)


def save_folder(dd: Any, out: Path, files: Mapping[str, str], *, parquet: bool = False) -> None:
    """Save a DatasetDict and text files as folder ``out``, all at once or not at all.

    With ``parquet`` each split is also written as ``parquet/<split>.parquet``. ``out``
    is replaced only if it is new, empty or an earlier export (its marker file lists what
    the tool wrote); any other content stops the write (:class:`OutputError`).
    """
    with atomic_folder(out, legacy=legacy_export_files) as tmp:
        dd.save_to_disk(str(tmp))
        if parquet:
            (tmp / "parquet").mkdir()
            for name, part in dd.items():
                part.to_parquet(str(tmp / "parquet" / f"{name}.parquet"))
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")


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


_SUGGESTION_FIELDS = ("stance", "suggested", "skipped", "suggestion_shown")


def _suggestion_stats(final: pa.Table, schema: StanceSchema) -> dict[str, Any] | None:
    """The model as an extra coder and, votes shown and hidden, the anchoring effect;
    None when no vote had a suggestion."""
    from labeling.annotations.suggestions import anchoring, model_as_coder

    flat = pc.list_flatten(final.column("votes"))  # type: ignore[attr-defined]
    suggested = pc.struct_field(flat, "suggested")  # type: ignore[attr-defined]
    if not int(pc.sum(pc.greater_equal(suggested, 0)).as_py() or 0):  # type: ignore[attr-defined]
        return None
    column = final.column("votes").combine_chunks()
    # Only the four fields the figures read go to Python: every vote whole was 450 MB of
    # dicts at 50,000 tasks.
    values = column.values
    slim = pa.StructArray.from_arrays(
        [values.field(k) for k in _SUGGESTION_FIELDS], names=list(_SUGGESTION_FIELDS))
    votes = pa.ListArray.from_arrays(column.offsets, slim,
                                     mask=column.is_null() if column.null_count else None
                                     ).to_pylist()
    return {"show": schema.suggestions.show,
            "model_as_coder": model_as_coder(pylist(final.column("target")),
                                             final.column("stance").to_pylist(), votes),
            "anchoring": anchoring(votes, seed=schema.suggestions.seed)}


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
    """Write the dataset folder of the task rows ``table`` (:func:`labeling.dataset.rows.rows_table`)
    atomically; returns the row count and the stats.

    ``with_text=False`` writes the copyright-safe form (see :func:`strip_text`);
    ``labeling hydrate`` restores the text from the user's own copies of the articles.
    """
    import datasets as ds

    from labeling.dataset.card import render_card

    ds.disable_progress_bars()
    if table.num_rows == 0:
        raise LabelingError(
            f"project {project.get('title')!r} has no tasks yet: push articles first"
        )
    final, vt = finish(table, schema, decisions, clusters)
    cols = {name: pylist(final.column(name)) for name in (
        "target", "source", "article_id", "near_dup_cluster", "stance", "quote_id")}
    by_split = split_indices(cols, schema)
    if not with_text:
        final = strip_text(final)
    own = pc.is_null(final.column("propagated_from"))  # type: ignore[attr-defined]
    outlets = pylist(final.column("source").filter(own))  # in the vote table's item order
    gold = {item_key(g.quote_id, g.target): g.label for g in schema.gold}
    stats = summary(vt, schema.label_names, groups={t.id: t.id for t in schema.targets},
                    outlets=outlets, gold=gold)
    stance, target = cols["stance"], cols["target"]
    labelled = [i for i, s in enumerate(stance) if s >= 0]
    fr = {"train": schema.split.train, "validation": schema.split.validation,
          "test": schema.split.test}
    stats_out: dict[str, Any] = {
        "tool": f"stance-labeling {__version__}",
        "project": {"id": project.get("id"), "title": project.get("title"), "server": server_url},
        "counts": {
            "tasks": tasks,
            "rows": final.num_rows,
            "articles": len(set(cols["article_id"])),
            # Each quote once, whichever targets it asks (a record may ask only some).
            "near_dup_clusters_with_several_quotes": sum(
                1 for n in Counter(c for _, c in set(zip(cols["quote_id"], cols["near_dup_cluster"],
                                                         strict=True))).values() if n > 1),
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
        "suggestions": _suggestion_stats(final, schema),
    }
    stats_json = json.dumps(stats_out, indent=2, default=str) + "\n"
    # Empty splits are left out (few articles): datasets cannot reload a 0-row split. The
    # fingerprint (what datasets would otherwise hash the whole table for) comes from the
    # figures: the same pull, the same fingerprint.
    splits = {name: np.asarray(idx, dtype=np.int64) for name, idx in by_split.items() if idx}
    # What the figures were made from is not needed to write the rows: freed before the
    # write, its memory serves the batches.
    del vt, cols, by_split, outlets, stance, target, labelled
    files = {
        "label_config.xml": wire.label_config(schema),
        "stats.json": stats_json,
        "README.md": render_card(schema, stats_out, list(splits)),
    }
    if config_path and Path(config_path).exists():
        files["stance.yaml"] = Path(config_path).read_text(encoding="utf-8")
    with atomic_folder(out, legacy=legacy_export_files) as tmp:
        (tmp / "dataset_dict.json").write_text(json.dumps({"splits": list(splits)}),
                                               encoding="utf-8")
        for name, idx in splits.items():
            save_split(final, idx, tmp / name, fingerprint=hashlib.sha256(
                f"{name}|{len(idx)}|{stats_json}".encode()).hexdigest()[:16])
        if parquet:
            (tmp / "parquet").mkdir()
            for name in splits:
                ds.load_from_disk(str(tmp / name)).to_parquet(
                    str(tmp / "parquet" / f"{name}.parquet"))
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
    return Written(final.num_rows, stats_out)


_MAX_SHARD_BYTES = 500 * 10**6  # datasets' default max_shard_size for save_to_disk


def _gather(table: pa.Table, rows: Any, batch: int) -> Iterator[pa.Table]:
    """The rows ``rows`` of ``table``, in order, as tables of at most ``batch`` rows.

    Ascending rows (a split's) are taken from the record batch holding them: a take over
    the whole chunked table first joins every chunk of a column into one (a copy of the
    table, 50 MB left behind by the allocator at 50,000 tasks).
    """
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) > 1 and not bool((rows[1:] > rows[:-1]).all()):
        for a in range(0, len(rows), batch):
            yield table.take(pa.array(rows[a:a + batch]))
        return
    offset = 0
    for record_batch in table.to_batches():
        end = offset + record_batch.num_rows
        lo, hi = np.searchsorted(rows, [offset, end])
        for a in range(int(lo), int(hi), batch):
            local = rows[a:min(a + batch, int(hi))] - offset
            yield pa.Table.from_batches([record_batch.take(pa.array(local))])
        offset = end


def save_split(table: pa.Table, rows: Any, folder: Path, *, fingerprint: str) -> None:
    """Write rows ``rows`` (indices into ``table``, in order) as a ``datasets`` split folder:
    the files ``Dataset(table.take(rows)).save_to_disk(folder)`` writes, without that copy.

    The rows are gathered and written a batch at a time with the writer ``save_to_disk``
    uses, sharded as it does (contiguous shards of at most about 500 MB); at 50,000 tasks
    a split copied whole was a second copy of every row (90 MB).
    """
    import datasets as ds
    from datasets.arrow_writer import ArrowWriter, get_writer_batch_size_from_data_size
    from datasets.utils.py_utils import asdict

    n = len(rows)
    nbytes = table.nbytes * n // max(table.num_rows, 1)  # what save_to_disk estimates
    shards = max(1, min(n, nbytes // _MAX_SHARD_BYTES + 1))
    batch = ds.config.DEFAULT_MAX_BATCH_SIZE
    if nbytes > 0:
        batch = min(batch, get_writer_batch_size_from_data_size(n, nbytes))
    info = ds.Dataset(table.slice(0, 0), fingerprint=fingerprint).info
    folder.mkdir(parents=True)
    names = [f"data-{k:05d}-of-{shards:05d}.arrow" for k in range(shards)]
    div, mod = divmod(n, shards)
    for k, name in enumerate(names):  # datasets' contiguous shards
        start = div * k + min(k, mod)
        stop = start + div + (1 if k < mod else 0)
        writer = ArrowWriter(features=info.features, path=str(folder / name),
                             embed_local_files=True)
        try:
            for part in _gather(table, rows[start:stop], batch):
                writer.write_table(part)
            writer.finalize()
        finally:
            writer.close()
    state: dict[str, Any] = {
        "_data_files": [{"filename": name} for name in names], "_fingerprint": fingerprint,
        "_format_columns": None, "_format_kwargs": {}, "_format_type": None,
        "_output_all_columns": False, "_split": None}
    (folder / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True),
                                       encoding="utf-8")
    # As save_to_disk: only the first level of keys sorted (nested features keep order).
    info_dict = asdict(info)
    (folder / "dataset_info.json").write_text(
        json.dumps({k: info_dict[k] for k in sorted(info_dict)}, indent=2), encoding="utf-8")
