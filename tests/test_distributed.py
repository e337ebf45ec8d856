"""Corpus-scale segmentation: ``--num-proc`` and the Dask entry point give the same output
as the single-process run, byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from labeling.corpus.distributed import FRAME_META, segment_frame, segment_partition, to_jsonl
from labeling.errors import InputError

from .helpers import SEEDS, SHARED

DEV = SHARED / "bench" / "quotes" / "polnear_dev.jsonl"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """News articles as JSONL: the shared development set if present, else the seeds."""
    if DEV.exists():
        return DEV
    out = tmp_path_factory.mktemp("corpus") / "seeds.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for f in sorted(SEEDS.glob("*.txt")):
            fh.write(json.dumps({"doc_id": f.stem, "text": f.read_text(encoding="utf-8")}) + "\n")
    return out


def _segment_cli(corpus: Path, out: Path, *extra: str) -> bytes:
    exe = Path(sys.executable).parent / "labeling"
    r = subprocess.run([str(exe), "segment", str(corpus), "-o", str(out), *extra],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out.read_bytes()


@pytest.fixture(scope="module")
def single(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _segment_cli(corpus, tmp_path_factory.mktemp("single") / "out.jsonl")


def test_num_proc_output_is_identical(corpus: Path, single: bytes, tmp_path: Path) -> None:
    many = _segment_cli(corpus, tmp_path / "out.jsonl", "--num-proc", "3")
    assert many == single
    lines = single.decode().splitlines()
    assert len(lines) == sum(1 for _ in corpus.open(encoding="utf-8"))
    assert sum(len(json.loads(x)["quotes"]) for x in lines) > 0


def test_dask_bag_in_local_mode_is_identical(corpus: Path, single: bytes, tmp_path: Path) -> None:
    db = pytest.importorskip("dask.bag", reason="install the distributed extra")
    bag = db.read_text(str(corpus), blocksize=200_000).map(json.loads)
    assert bag.npartitions > 1
    records = bag.map_partitions(segment_partition).compute(scheduler="processes", num_workers=2)
    out = tmp_path / "dask.jsonl"
    assert to_jsonl(records, out) == len(single.decode().splitlines())
    assert out.read_bytes() == single


def test_dask_dataframe_partitions_are_identical(corpus: Path, single: bytes) -> None:
    dd = pytest.importorskip("dask.dataframe", reason="install the distributed extra")
    import pandas as pd

    rows = [json.loads(x) for x in corpus.read_text(encoding="utf-8").splitlines()]
    frame = dd.from_pandas(pd.DataFrame({"doc_id": [r["doc_id"] for r in rows],
                                         "text": [r["text"] for r in rows]}), npartitions=4)
    got = frame.map_partitions(segment_frame, meta=FRAME_META).compute(scheduler="processes",
                                                                       num_workers=2)
    want = [json.loads(x) for x in single.decode().splitlines()]
    assert list(got["doc_id"]) == [w["doc_id"] for w in want]
    assert [json.loads(q) for q in got["quotes"]] == [w["quotes"] for w in want]


def test_partition_rows_without_id_or_text_are_named() -> None:
    with pytest.raises(InputError, match="row 1 .*no 'doc_id' or 'id'"):
        segment_partition([{"id": "a", "text": "x"}, {"text": "y"}])
    with pytest.raises(InputError, match=r"row 0 \(b\).*'text'"):
        segment_partition([{"doc_id": "b", "text": None}])
    got = segment_partition([{"id": 7, "text": '"We will not send troops," Macron said.'}])
    assert got[0]["doc_id"] == "7" and got[0]["quotes"][0]["speaker"] == "Macron"
