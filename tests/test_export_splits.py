"""The export's split folders (no server): written a batch of rows at a time from the one
table, they must be what ``datasets`` itself writes for each split's rows, and the
suggestion figures, read from four vote fields, what the whole votes give.

The reference is ``Dataset(table.take(rows)).save_to_disk(...)``, the way the export was
written before (a copy of every split's rows), so a pull writes the same dataset.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pytest

from labeling.annotations.splits import split_indices
from labeling.annotations.suggestions import anchoring, model_as_coder
from labeling.dataset import build
from labeling.dataset.build import save_split, write_export
from labeling.dataset.rows import clusters_of, finish, rows_table, units_of_table

from .row_helpers import PROJECT, ann, record, schema

LABELS = ("FAVOR", "AGAINST", "NONE")


def records(n: int = 60) -> list[Any]:
    """Tasks of 30 articles (two quotes each, some near-duplicate copies), 2-3 votes each,
    a suggestion on some votes, shown on some."""
    out = []
    for i in range(n):
        anns = []
        for k, who in enumerate((1, 2, 3)[: 2 + i % 2]):
            a = ann(10 * i + k, who, {"ground_troops": LABELS[(i + (k == 2)) % 3],
                                      "military_aid": LABELS[(i * k) % 3]}, shown=(i + k) % 4 == 0)
            if (i + k) % 3 != 1:
                a = replace(a, suggested={"ground_troops": LABELS[i % 3],
                                          "military_aid": LABELS[(i + 1) % 3]})
            anns.append(a)
        out.append(record(i, anns, dups=1 if i % 7 == 0 else 0))
    return out


def final_table(cuts: tuple[int, ...] = ()) -> pa.Table:
    """The dataset rows of :func:`records`; with ``cuts``, the task rows come in chunks
    split before those tasks, as a pull builds them."""
    sch, recs = schema(), records()
    bounds = [0, *cuts, len(recs)]
    table = pa.concat_tables([rows_table(recs[a:b], sch, PROJECT)
                              for a, b in zip(bounds, bounds[1:], strict=False)])
    final, _ = finish(table, sch, None, clusters_of(units_of_table(table), 0.7))
    return final


def split_rows(table: pa.Table) -> dict[str, list[int]]:
    cols = {name: table.column(name).to_pylist() for name in (
        "target", "source", "article_id", "near_dup_cluster", "stance", "quote_id")}
    return split_indices(cols, schema())


def reference(table: pa.Table, rows: list[int], folder: Path, fingerprint: str,
              shards: int | None = None) -> None:
    part = datasets.Dataset(table.take(pa.array(rows, type=pa.int64())), fingerprint=fingerprint)
    part.save_to_disk(str(folder), num_shards=shards)


def same_folder(ours: Path, theirs: Path) -> None:
    """Byte-equal JSON files, the same Arrow file names, and the same loaded rows."""
    assert sorted(p.name for p in ours.iterdir()) == sorted(p.name for p in theirs.iterdir())
    for name in ("state.json", "dataset_info.json"):
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name
    a, b = datasets.load_from_disk(str(ours)), datasets.load_from_disk(str(theirs))
    assert a.features == b.features
    assert a.data.table.equals(b.data.table, check_metadata=True)
    assert a.to_list() == b.to_list()


def test_each_split_is_what_datasets_writes_for_its_rows(tmp_path: Path) -> None:
    final = final_table()
    by_split = split_rows(final)
    assert all(len(v) > 0 for v in by_split.values())
    # not one contiguous run each: a slice would hide a wrong index
    assert any(v != list(range(v[0], v[0] + len(v))) for v in by_split.values())
    for name, rows in by_split.items():
        save_split(final, rows, tmp_path / "ours" / name, fingerprint=f"fp-{name}")
        reference(final, rows, tmp_path / "ref" / name, f"fp-{name}")
        same_folder(tmp_path / "ours" / name, tmp_path / "ref" / name)


def test_rows_cross_batch_and_shard_edges_unchanged(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 7 rows over 3 shards of a table in 4 chunks: no row lost, repeated or
    moved at an edge, and the shards named and listed as datasets names them."""
    final = final_table(cuts=(9, 10, 33))
    assert final.column("quote").num_chunks == 4
    rows = sorted(set(range(0, final.num_rows, 2)) | {1, 5, final.num_rows - 1})
    rows = rows[:-1] if len(rows) % 3 == 0 else rows
    assert len(rows) % 3 and len(rows) // 3 % 7  # uneven shards, no shard a whole batches
    monkeypatch.setattr(datasets.config, "DEFAULT_MAX_BATCH_SIZE", 7)
    monkeypatch.setattr(build, "_MAX_SHARD_BYTES", final.nbytes * len(rows)
                        // final.num_rows // 3 + 1)
    save_split(final, rows, tmp_path / "ours", fingerprint="fp")
    state = json.loads((tmp_path / "ours" / "state.json").read_text())
    assert [f["filename"] for f in state["_data_files"]] == [
        f"data-0000{k}-of-00003.arrow" for k in range(3)]
    reference(final, rows, tmp_path / "ref", "fp", shards=3)
    same_folder(tmp_path / "ours", tmp_path / "ref")


def test_the_export_holds_every_row_once_in_its_split(tmp_path: Path) -> None:
    recs = records()
    write_export(recs, schema(), PROJECT, tmp_path / "out")
    dd = datasets.load_from_disk(str(tmp_path / "out"))
    final = final_table()
    by_split = split_rows(final)
    assert list(dd) == [s for s, v in by_split.items() if v]
    for name, rows in by_split.items():
        assert dd[name].to_list() == final.take(pa.array(rows, type=pa.int64())).to_pylist()


def test_suggestion_figures_are_those_of_the_whole_votes(tmp_path: Path) -> None:
    written = write_export(records(), schema(), PROJECT, tmp_path / "out")
    final = final_table()
    votes = final.column("votes").to_pylist()
    sug = written.stats["suggestions"]
    assert sug["model_as_coder"] == model_as_coder(
        final.column("target").to_pylist(), final.column("stance").to_pylist(), votes)
    assert sug["anchoring"] == anchoring(votes, seed=schema().suggestions.seed)
    assert sug["anchoring"]["votes_shown"] > 0 and sug["anchoring"]["votes_hidden"] > 0
    assert sug["model_as_coder"]["items"] > 0


def test_no_suggestion_no_figures(tmp_path: Path) -> None:
    recs = [replace(r, annotations=tuple(replace(a, suggested={}) for a in r.annotations))
            for r in records()]
    assert write_export(recs, schema(), PROJECT, tmp_path / "out").stats["suggestions"] is None


def test_pylist_is_to_pylist_with_shared_strings() -> None:
    from labeling.dataset.rows import pylist

    col = pa.chunked_array([["bbc", None, "lemonde"], [], ["bbc", "é\U0001f600", None, "bbc"]])
    got = pylist(col)
    assert got == col.to_pylist()
    assert got[0] is got[6]  # one object per distinct string
    assert pylist(pa.chunked_array([], pa.string())) == []
    assert pylist(pa.chunked_array([[None, None]], pa.string())) == [None, None]
    assert pylist(pa.array([3, None, -1])) == [3, None, -1]  # not strings: as is


def test_vote_table_of_a_table_in_chunks_is_that_of_one_chunk() -> None:
    """A pull's task rows come in chunks (one per 1,000 tasks): the votes read chunk by
    chunk are those of the same rows in one piece."""
    from labeling.dataset.rows import vote_table

    sch = schema()
    # no near-duplicate copies: the rows are read as they are, not taken into one chunk
    recs = [replace(r, data={**r.data, "duplicates": []}) for r in records()]
    # different annotators per chunk: each chunk's annotator codes differ
    later = [replace(r, annotations=tuple(replace(a, annotator=(a.annotator or 0) + 5)
                                          for a in r.annotations)) for r in recs[40:]]
    parts = [rows_table(recs[:17], sch, PROJECT), rows_table(recs[17:40], sch, PROJECT),
             rows_table(later, sch, PROJECT)]
    chunked = pa.concat_tables(parts)
    assert chunked.column("votes").num_chunks == 3
    whole = chunked.combine_chunks()
    (a, ra), (b, rb) = vote_table(chunked, sch), vote_table(whole, sch)
    assert a.items == b.items and a.annotators == b.annotators and len(a.annotators) == 6
    for name in ("item", "annotator", "label", "item_group"):
        assert getattr(a, name).tolist() == getattr(b, name).tolist(), name
    assert a.lead_time.tolist() == b.lead_time.tolist() and ra.tolist() == rb.tolist()
    assert len(a.item) == sum(len(r.annotations) for r in recs) * 2  # two targets each


def test_rows_out_of_order_are_written_in_their_order(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    final = final_table(cuts=(20,))
    rows = [final.num_rows - 1, 3, 50, 2, 41, 40, 0]
    monkeypatch.setattr(datasets.config, "DEFAULT_MAX_BATCH_SIZE", 3)
    save_split(final, rows, tmp_path / "ours", fingerprint="fp")
    reference(final, rows, tmp_path / "ref", "fp")
    same_folder(tmp_path / "ours", tmp_path / "ref")


def test_arrow_allocates_from_malloc_during_a_pull_only() -> None:
    from labeling.workflows.sync import arrow_on_malloc

    before = pa.default_memory_pool().backend_name
    with pytest.raises(RuntimeError), arrow_on_malloc():
        assert pa.default_memory_pool().backend_name == "system"
        kept = pa.array(["x"] * 1000)
        raise RuntimeError("interrupted")
    assert pa.default_memory_pool().backend_name == before
    assert kept.to_pylist() == ["x"] * 1000  # a buffer outlives the pool switch


def test_parquet_files_hold_each_splits_rows(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    write_export(records(), schema(), PROJECT, tmp_path / "out", parquet=True)
    dd = datasets.load_from_disk(str(tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out" / "parquet").iterdir()) == sorted(
        f"{name}.parquet" for name in dd)
    for name, part in dd.items():
        table = pq.read_table(tmp_path / "out" / "parquet" / f"{name}.parquet")  # type: ignore[no-untyped-call]
        assert table.to_pylist() == part.to_list()
