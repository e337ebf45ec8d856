"""``labeling publish`` and ``hf:NAME`` ingest against a local stand-in for the Hugging Face
Hub (tests/hubstandin.py; the machine has no network).

The commands run as the user runs them: the ``labeling`` executable in a fresh process whose
environment points ``huggingface_hub`` and ``datasets`` at the stand-in (``HF_ENDPOINT``; the
libraries read it at import, so an in-process CliRunner could not move them), with their caches
in ``tmp_path`` and offline mode unset.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labeling.annotations.records import ParsedAnnotation, TaskRecord
from labeling.dataset.build import write_export
from labeling.schema import load_schema

from .helpers import CONFIG
from .hubstandin import HubStandIn

EXE = str(Path(sys.executable).parent / "labeling")
PROJECT = {"id": 3, "title": "hub", "created_at": "2026-01-01T00:00:00Z"}


@pytest.fixture
def hub() -> Iterator[HubStandIn]:
    with HubStandIn() as h:
        yield h
    assert h.unhandled == [], "the libraries asked the stand-in for something it does not serve"


def hub_env(hub: HubStandIn, home: Path, token: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "HUGGINGFACE_")) and k != "TRANSFORMERS_OFFLINE"}
    env.update(HF_ENDPOINT=hub.url, HF_HOME=str(home / "hf"),
               HF_DATASETS_CACHE=str(home / "hf-datasets"),
               # The stand-in speaks the LFS protocol, not Xet (hf_xet is installed here).
               HF_HUB_DISABLE_XET="1", HF_HUB_DISABLE_PROGRESS_BARS="1")
    if token is not None:
        env["HF_TOKEN"] = token
    return env


def labeling(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=300)


# ------------------------------------------------------------------------------ publish
def record(i: int, labels: list[str]) -> TaskRecord:
    quote = f"quote number {i} about the troops and the aid for the region"
    data = {"quote_id": f"q{i}", "article_id": f"a{i}", "context": quote, "context_start": 0,
            "quote": quote, "quote_start": 0, "quote_end": len(quote), "quote_type": "direct",
            "source": f"Outlet {i % 3}", "title": f"Article {i}"}
    anns = tuple(
        ParsedAnnotation(annotation_id=100 * i + k, annotator=k + 1, skipped=False,
                         stances={"ground_troops": lab, "military_aid": "NONE"}, spans=(),
                         flags=(), confidence=None, note="", lead_time=2.0 + k,
                         updated_at="2026-01-01", ground_truth=False, suggestion_shown=True)
        for k, lab in enumerate(labels))
    return TaskRecord(task_id=i, data=data, annotations=anns, updated_at="2026-01-01")


def make_export(out: Path, n: int, shift: int = 0) -> Path:
    """An export written by the pull's own code (write_export) from hand-made records."""
    records = [record(i, [["FAVOR", "AGAINST", "NONE"][(i + shift) % 3]] * 2)
               for i in range(1, n + 1)]
    write_export(records, load_schema(CONFIG), PROJECT, out)
    return out


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return make_export(tmp_path / "export", 20)


def split_tables(export: Path) -> dict[str, pa.Table]:
    import datasets

    dd = datasets.load_from_disk(str(export))
    return {name: part.data.table for name, part in dd.items()}


def test_publish_uploads_every_split_and_the_card(hub: HubStandIn, export: Path,
                                                   tmp_path: Path) -> None:
    r = labeling(["publish", str(export), "--repo", "me/stance"], hub_env(hub, tmp_path, hub.token))
    assert r.returncode == 0, r.stderr
    assert f"{hub.url}/datasets/me/stance" in r.stdout
    assert hub.token not in r.stdout + r.stderr
    repo = hub.repos["me/stance"]
    assert repo.private and repo.created_with["visibility"] == "private"
    assert_on_hub(hub, "me/stance", export)
    # Published again after a new pull: the Hub holds the new export, nothing of the old.
    again = make_export(tmp_path / "again", 9, shift=1)
    r = labeling(["publish", str(again), "--repo", "me/stance"], hub_env(hub, tmp_path, hub.token))
    assert r.returncode == 0, r.stderr
    assert_on_hub(hub, "me/stance", again)


def assert_on_hub(hub: HubStandIn, repo: str, export: Path) -> None:
    """The Hub's repo holds the export: each split's rows as Parquet, and its card."""
    local = split_tables(export)
    assert len(local) >= 2 and all(t.num_rows for t in local.values())
    files = hub.files(repo)
    data = {p for p in files if p.startswith("data/")}
    for split, table in local.items():
        shards = sorted(p for p in data if p.startswith(f"data/{split}-")
                        and p.endswith(".parquet"))
        assert shards, f"no Parquet file for split {split}: {sorted(files)}"
        data -= set(shards)
        got = pa.concat_tables(
            pq.read_table(io.BytesIO(files[p]))  # type: ignore[no-untyped-call]
            for p in shards)
        assert got.num_rows == table.num_rows
        for col in ("quote_id", "target", "stance", "article_id", "quote"):
            assert got.column(col).to_pylist() == table.column(col).to_pylist(), col
    assert not data, f"files of no split of the export: {sorted(data)}"
    # The card is the export's own, its data paths rewritten for the Hub's layout.
    card = files["README.md"].decode()
    mine = (export / "README.md").read_text(encoding="utf-8")
    assert mine.count("path: ") == len(local)
    for split in local:
        assert f"path: {split}/*.arrow" in mine
        mine = mine.replace(f"path: {split}/*.arrow", f"path: data/{split}-*")
    assert card == mine


def test_publish_public_and_a_wrong_token(hub: HubStandIn, export: Path, tmp_path: Path) -> None:
    r = labeling(["publish", str(export), "--repo", "me/open", "--public"],
                 hub_env(hub, tmp_path, hub.token))
    assert r.returncode == 0, r.stderr
    assert not hub.repos["me/open"].private
    wrong = "hf_wrong_token_abcdefghij0123456789"
    r = labeling(["publish", str(export), "--repo", "me/other"], hub_env(hub, tmp_path, wrong))
    assert r.returncode == 1
    assert "the Hub refused the upload (HTTP 401)" in r.stderr
    assert "Traceback" not in r.stderr
    assert wrong not in r.stdout + r.stderr
    assert "me/other" not in hub.repos


# ------------------------------------------------------------------------------ hf: ingest
TRAIN = [
    {"id": "t1", "title": "Troops", "text": '"We will not send troops," the minister said.'},
    {"id": "t2", "title": "Aid", "text": 'The president said that the aid would continue.'},
]
TEST = [{"id": "s1", "title": "Talks", "text": '"Nothing is ruled out," Macron told reporters.'}]


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def segment(hub: HubStandIn, tmp_path: Path, spec: str, token: str | None = None
            ) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """``labeling segment SPEC -o out.jsonl``: the process and the records it wrote."""
    out = tmp_path / "out.jsonl"
    out.unlink(missing_ok=True)
    r = labeling(["segment", spec, "-o", str(out), "-q"], hub_env(hub, tmp_path, token))
    units = ([json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
             if out.exists() else [])
    return r, units


def expected(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What ``labeling segment`` writes for these articles read from a local file."""
    from labeling.corpus.batch import article_record
    from labeling.corpus.readers import Article

    return [article_record(Article(id=row["id"], text=row["text"], title=row.get("title", "")))
            for row in rows]


def test_hf_name_reads_a_hub_dataset(hub: HubStandIn, tmp_path: Path) -> None:
    hub.add_dataset("me/articles", {"data/train.jsonl": jsonl(TRAIN),
                                    "data/test.jsonl": jsonl(TEST)})
    assert all(rec["quotes"] for rec in expected(TRAIN + TEST))  # every article has a quote
    r, records = segment(hub, tmp_path, "hf:me/articles")
    assert r.returncode == 0, r.stderr
    by_id = sorted(records, key=lambda rec: rec["doc_id"])
    assert by_id == sorted(expected(TRAIN + TEST), key=lambda rec: rec["doc_id"])
    r, records = segment(hub, tmp_path, "hf:me/articles:train")
    assert r.returncode == 0, r.stderr
    assert records == expected(TRAIN)
    # A private repo of Parquet files, read with the user's HF_TOKEN.
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(TEST), buf)  # type: ignore[no-untyped-call]
    hub.add_dataset("me/private", {"data/test-00000-of-00001.parquet": buf.getvalue()},
                    private=True)
    r, records = segment(hub, tmp_path, "hf:me/private", token=hub.token)
    assert r.returncode == 0, r.stderr
    assert records == expected(TEST)


def test_hf_name_errors(hub: HubStandIn, tmp_path: Path) -> None:
    hub.add_dataset("me/articles", {"data/train.jsonl": jsonl(TRAIN)})
    hub.add_dataset("me/notext", {"data/train.jsonl": jsonl(
        [{"id": "x", "body": "no text column here"}])})
    for spec, says in [
        ("hf:me/articles:nope", "Unknown split"),
        ("hf:me/notext", "no 'text' column in split 'train'"),
        ("hf:me/missing", "doesn't exist on the Hub"),
    ]:
        r, records = segment(hub, tmp_path, spec)
        assert r.returncode == 1, (spec, r.stderr)
        assert f"Error: {spec}:" in r.stderr and says in r.stderr, (spec, r.stderr)
        assert "Traceback" not in r.stderr
        assert records == [] and not (tmp_path / "out.jsonl").exists()
