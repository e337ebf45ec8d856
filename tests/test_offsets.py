"""Offsets survive the round trip through Label Studio for any text.

Predicted spans go to the server in code points; spans an annotator selects in the page
come back in code points too (Label Studio 1.23.2). These tests push articles with emoji
(including two-code-point flags), accents, CJK, Windows line ends and non-breaking
spaces, have an annotator accept the predictions and select new spans in a real
Chromium, and check that every pulled span's text equals the original slice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets
import pytest

from labeling.schema import load_schema
from labeling.studio.accounts import add_annotator
from labeling.workflows.pull import pull
from labeling.workflows.push import push

from .helpers import (
    CONFIG,
    RunningStudio,
    login,
    open_next_task,
    select_text,
    stance_block,
    submit,
)

ARTICLES = {
    "emoji": "Zoë sagte 😀 nichts.\r\n\r\n“Paris 🇫🇷 is ready for 👩‍👩‍👧 families,” said "
             "Emmanuel Macron.\u00a0Then he left 🚀 quickly.",
    "cjk": "巴黎会议。\r\n“北约不会派兵,” said Jens Stoltenberg.\r\nThe 記者 asked again.",
    "accents": "Déjà vu à l’Élysée.\r\n\r\n“Rien n’est exclu,” said François Hollande, "
               "à Besançon.\u00a0The café closed.",
}
NEW_SPANS = {"emoji": "Then he left", "cjk": "The 記者 asked", "accents": "The café closed"}


def make_project(tmp_path: Path, studio: RunningStudio, title: str) -> tuple[Any, Path, int]:
    src = tmp_path / "odd.jsonl"
    src.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in ARTICLES.items()),
                   encoding="utf-8")
    cfg = tmp_path / "stance.yaml"
    cfg.write_text(CONFIG.read_text().replace("context: paragraph", "context: article")
                   .replace("annotators_per_item: 3", "annotators_per_item: 1"))
    schema = load_schema(cfg)
    res = push([src], project=title, schema=schema, studio=studio.client())
    assert res.created == len(ARTICLES)
    return schema, src, res.project_id


def test_predictions_round_trip_through_the_server(studio_server: RunningStudio,
                                                   tmp_path: Path, project_title: str) -> None:
    schema, _, pid = make_project(tmp_path, studio_server, project_title)
    client = studio_server.client()
    tasks = client.export_tasks(pid)
    assert len(tasks) == len(ARTICLES)
    for t in tasks:
        d = t["data"]
        text = ARTICLES[d["article_id"]]
        assert d["context"] == text  # \r\n, nbsp and emoji stored exactly
        preds = client.json("GET", "/api/predictions", params={"task": t["id"]})
        for region in preds[0]["result"]:
            v = region["value"]
            assert text[v["start"]:v["end"]] == v["text"]
        assert text[d["quote_start"]:d["quote_end"]] == d["quote"]


@pytest.mark.browser
def test_selected_spans_round_trip_from_the_page(browser: Any,  # noqa: F811
                                                  studio_server: RunningStudio, tmp_path: Path,
                                                  project_title: str) -> None:
    schema, src, pid = make_project(tmp_path, studio_server, project_title)
    url = studio_server.url
    ann = add_annotator(url, "offsets@browser.test", state_dir=tmp_path / "state",
                        api_key=studio_server.token)
    page = login(browser, url, ann.email, ann.password)
    seen = set()
    for _ in range(len(ARTICLES)):
        open_next_task(page, url, pid)
        body = page.inner_text("body")
        key = next(k for k, needle in NEW_SPANS.items() if needle in body)
        seen.add(key)
        stance_block(page, "Western ground troops in Ukraine").locator(
            "label:has(input[name='NONE'])").click()
        page.keyboard.press("6")
        page.keyboard.press("v")  # CUE label, then select a span after the odd characters
        select_text(page, NEW_SPANS[key])
        submit(page)
    page.context.close()
    assert seen == set(ARTICLES)
    out = tmp_path / "export"
    result = pull(project=project_title, schema=schema, studio=studio_server.client(), out=out)
    assert result.span_problems == []
    rows = [r for part in datasets.load_from_disk(str(out)).values() for r in part
            if r["target"] == "ground_troops"]
    assert len(rows) == len(ARTICLES)
    for r in rows:
        text = ARTICLES[r["article_id"]]
        (vote,) = r["votes"]
        assert vote["spans_ok"]
        for s, e in vote["quote_spans"]:
            assert text[s:e] == r["quote"]
        if r["speaker_start"] is not None:
            assert text[vote["speaker_start"]:vote["speaker_end"]] == r["speaker"]
        for span in vote["spans"]:
            assert text[span["start"]:span["end"]] == span["text"]
        new = [s for s in vote["spans"] if s["label"] == "CUE"
               and s["text"] == NEW_SPANS[r["article_id"]]]
        assert len(new) == 1, vote["spans"]
    stats = json.loads((out / "stats.json").read_text())
    assert stats["span_problems"] == 0
