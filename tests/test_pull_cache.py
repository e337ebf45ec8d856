"""The pull's row cache and its background clusters (no server: the parts a pull relies on
to rebuild only what changed)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pyarrow as pa
import pytest

from labeling.annotations.records import ParsedAnnotation, TaskRecord
from labeling.dataset.rows import clusters_of, finish, rows_table, units_of_table
from labeling.schema import load_schema
from labeling.workflows import sync as sync_mod
from labeling.workflows.sync import (
    RowCache,
    _fingerprint,
    _merge,
    load_row_cache,
    save_row_cache,
    start_clusters,
)

from .helpers import CONFIG

PROJECT = {"id": 7, "title": "cache", "created_at": "2026-01-01T00:00:00Z"}
WIRE = "the deployment of troops cannot be ruled out in the future says the president"


def record(i: int, labels: list[str], quote: str | None = None,
           dups: int = 0) -> TaskRecord:
    quote = quote or f"quote number {i} about aid and troops for the region today"
    data = {"quote_id": f"q{i}", "article_id": f"a{i}", "context": quote, "context_start": 0,
            "quote": quote, "quote_start": 0, "quote_end": len(quote), "quote_type": "direct",
            "source": f"Outlet {i % 3}",
            "duplicates": [{"quote_id": f"q{i}-d{k}", "article_id": f"a{i}-d{k}",
                            "quote": quote, "context": quote} for k in range(dups)]}
    anns = tuple(
        ParsedAnnotation(annotation_id=100 * i + k, annotator=k + 1, skipped=False,
                         stances={"ground_troops": lab}, spans=(), flags=(), confidence=None,
                         note="", lead_time=1.5 + k, updated_at="2026-01-01",
                         ground_truth=False, suggestion_shown=True)
        for k, lab in enumerate(labels))
    return TaskRecord(task_id=i, data=data, annotations=anns, updated_at="2026-01-01")


def test_merged_rows_equal_rows_built_at_once() -> None:
    sch = load_schema(CONFIG)
    old = [record(i, ["FAVOR", "AGAINST"], dups=i % 2) for i in range(1, 9)]
    # Task 3 edited, task 5 deleted, task 12 new, task 0 new and first.
    edited = record(3, ["NONE", "NONE", "NONE"], dups=2)
    new = [record(0, ["FAVOR"]), edited, record(12, ["AGAINST"], quote=WIRE)]
    cached = rows_table(old, sch, PROJECT)
    merged = _merge(cached, rows_table(sorted(new, key=lambda r: r.task_id), sch, PROJECT),
                    {3, 5, 0, 12})
    expected = [r for r in old if r.task_id not in (3, 5)] + new
    expected.sort(key=lambda r: r.task_id)
    assert merged.equals(rows_table(expected, sch, PROJECT))


def test_row_cache_round_trip_and_what_invalidates_it(tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    sch = load_schema(CONFIG)
    rows = rows_table([record(i, ["FAVOR"]) for i in range(1, 4)], sch, PROJECT)
    lines = pa.Table.from_pylist(
        [{"task_id": i, "ours": True, "problems": [],
          "annotations": [{"user_id": 1, "skipped": False, "lead_time": 1.5}]}
         for i in range(1, 4)], schema=sync_mod._tasks_schema())
    fp = _fingerprint(sch, PROJECT)
    save_row_cache(tmp_path, fp, RowCache("2026-01-01T00:00:00Z", rows, lines))
    got = load_row_cache(tmp_path, fp)
    assert got is not None and got.cursor == "2026-01-01T00:00:00Z"
    assert got.rows.equals(rows) and got.tasks.equals(lines)
    # Another project (its pseudonyms differ) or schema: not reused.
    assert load_row_cache(tmp_path, _fingerprint(sch, {**PROJECT, "id": 8})) is None
    # Files of two different saves (a crash between them): not reused.
    keep = (tmp_path / "rows.arrow").read_bytes()
    save_row_cache(tmp_path, fp, RowCache("2026-01-02T00:00:00Z", rows, lines))
    (tmp_path / "rows.arrow").write_bytes(keep)
    assert load_row_cache(tmp_path, fp) is None
    # A damaged file: a warning and a full pull, not an exception.
    (tmp_path / "rows.arrow").write_bytes(keep[:64])
    with caplog.at_level(logging.WARNING):
        assert load_row_cache(tmp_path, fp) is None
    assert "damaged sync state" in caplog.text


def test_clusters_in_a_child_process_equal_clusters_in_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sch = load_schema(CONFIG)
    recs = [record(i, ["FAVOR"], quote=WIRE if i % 4 == 0 else None, dups=i % 3)
            for i in range(1, 40)]
    units = units_of_table(rows_table(recs, sch, PROJECT))
    serial = clusters_of(units, 0.7)
    assert len(set(serial.values())) < len(serial)  # the wire quotes share a cluster
    monkeypatch.setattr(sync_mod, "_BACKGROUND_UNITS", 1)
    assert start_clusters(tmp_path, units, 0.7)() == serial
    assert (tmp_path / "clusters.json").exists()

    def no_child(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached clusters should have been reused")

    monkeypatch.setattr(sync_mod, "ProcessPoolExecutor", no_child)
    assert start_clusters(tmp_path, units, 0.7)() == serial
    # Different units: computed again.
    fewer = dict(list(units.items())[:-1])
    monkeypatch.setattr(sync_mod, "_BACKGROUND_UNITS", 10**9)
    assert start_clusters(tmp_path, fewer, 0.7)() == clusters_of(fewer, 0.7)


def test_propagated_rows_share_their_representative_item() -> None:
    sch = load_schema(CONFIG)
    recs = [record(1, ["FAVOR", "FAVOR", "AGAINST"], dups=2), record(2, ["NONE"])]
    table = rows_table(recs, sch, PROJECT)
    final, vt = finish(table, sch, None, clusters_of(units_of_table(table), 0.7))
    rows = final.to_pylist()
    troops = [r for r in rows if r["target"] == "ground_troops"]
    assert [r["stance"] for r in troops] == [0, 0, 0, 2]  # FAVOR x 3 units, NONE
    assert [r["n_votes"] for r in troops] == [3, 3, 3, 1]
    # Votes are counted once: 2 tasks x 2 targets are the items; 4 ground-troop votes.
    assert len(vt.items) == 4 and int((vt.label >= 0).sum()) == 4



_PARENT = os.getpid()


def _dies_in_a_child(units: dict[str, tuple[str, str | None]], threshold: float
                     ) -> dict[str, str]:
    if os.getpid() != _PARENT:
        os._exit(9)  # killed, as the kernel's out-of-memory killer would
    return clusters_of(units, threshold)


def test_a_child_that_dies_costs_time_not_the_clusters(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sch = load_schema(CONFIG)
    units = units_of_table(rows_table([record(i, ["FAVOR"]) for i in range(1, 6)], sch, PROJECT))
    monkeypatch.setattr(sync_mod, "_BACKGROUND_UNITS", 1)
    monkeypatch.setattr(sync_mod, "clusters_of", _dies_in_a_child)
    assert start_clusters(tmp_path, units, 0.7)() == clusters_of(units, 0.7)
