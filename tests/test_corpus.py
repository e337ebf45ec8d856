"""Reading articles from every supported input."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pandas as pd
import pytest

from labeling.corpus.readers import read_articles, text_id
from labeling.errors import InputError

from .helpers import SEEDS

ROWS = [
    {"id": "a1", "text": "Macron said “nothing is ruled out”.", "title": "T1", "url": "http://x/1",
     "source": "Le Monde", "published": "2024-02-27"},
    {"doc_id": "b2", "text": "Scholz said no.", "title": "T2"},
    {"text": "No id here, said Peskov."},
]


def test_txt_folder_uses_file_names_as_ids() -> None:
    arts = list(read_articles([SEEDS]))
    assert [a.id for a in arts] == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert all(a.text == (SEEDS / f"{a.id}.txt").read_text(encoding="utf-8") for a in arts)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "hf"])
def test_tables_carry_ids_and_metadata(tmp_path: Path, fmt: str) -> None:
    if fmt == "jsonl":
        path: Path | str = tmp_path / "a.jsonl"
        Path(path).write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    elif fmt == "csv":
        path = tmp_path / "a.csv"
        pd.DataFrame(ROWS).to_csv(path, index=False)
    elif fmt == "parquet":
        path = tmp_path / "a.parquet"
        pd.DataFrame(ROWS).to_parquet(path)
    else:
        folder = tmp_path / "hfds"
        datasets.Dataset.from_pandas(pd.DataFrame(ROWS)).save_to_disk(str(folder))
        path = f"hf:{folder}"
    arts = list(read_articles([path]))
    assert [a.text for a in arts] == [r["text"] for r in ROWS]
    assert arts[0].id == "a1" and arts[1].id == "b2"
    assert arts[2].id == text_id(ROWS[2]["text"])
    assert arts[0].title == "T1" and arts[0].source == "Le Monde"
    assert arts[0].published == "2024-02-27" and arts[0].url == "http://x/1"
    again = list(read_articles([path]))
    assert [a.id for a in again] == [a.id for a in arts]  # stable across runs


def test_same_id_different_text_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "dup.jsonl"
    p.write_text('{"id": "x", "text": "one"}\n{"id": "x", "text": "two"}\n')
    with pytest.raises(InputError, match=r"dup.jsonl:2: article id 'x' is used twice"):
        list(read_articles([p]))


def test_csv_without_text_column(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("id,body\n1,hello\n")
    with pytest.raises(InputError, match=r"t.csv:1: no 'text' column"):
        list(read_articles([p]))


def test_crlf_text_is_kept_exactly(tmp_path: Path) -> None:
    p = tmp_path / "w.txt"
    p.write_bytes(b'He said:\r\n"We stay."\r\n')
    (art,) = read_articles([p])
    assert art.text == 'He said:\r\n"We stay."\r\n'
