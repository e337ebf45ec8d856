"""Annotators in a real headless Chromium: log in, label, correct a span, submit, blind.

Needs Debian's chromium (/usr/bin/chromium) and the Python package playwright (its own
browser download is never used). A screenshot of the labelling page is kept under
``artifacts/`` for CI.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from labeling.corpus.readers import read_articles
from labeling.schema import load_schema
from labeling.studio.accounts import add_annotator
from labeling.workflows.pull import pull
from labeling.workflows.push import push

from .helpers import (
    ARTIFACTS,
    CONFIG,
    RunningStudio,
    checked,
    login,
    open_next_task,
    select_text,
    stance_block,
    submit,
)

pytestmark = pytest.mark.browser
# Emoji, accents, CJK, a non-breaking space and Windows line ends before the spans.
ARTICLE = ("Débat à Paris 🇫🇷 — 巴黎会议\r\n\r\n"
           "It is not ruled out that troops will go 😀 east.\u00a0However, consensus is "
           "lacking, says the President of France, Emmanuel Macron, after the conference.")
LABELS = ["FAVOR", "AGAINST", "NONE"]


def test_two_annotators_label_blind_and_pull_gets_both(
        browser: Any, studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    src = tmp_path / "article.jsonl"
    src.write_text(json.dumps({"id": "paris-1", "text": ARTICLE, "title": "Débat à Paris",
                               "source": "Le Test", "published": "2024-02-27"}) + "\n",
                   encoding="utf-8")
    cfg = tmp_path / "stance.yaml"
    cfg.write_text(CONFIG.read_text().replace("annotators_per_item: 3", "annotators_per_item: 2"))
    schema = load_schema(cfg)
    client = studio_server.client()
    res = push([src], project=project_title, schema=schema, studio=client)
    assert res.created == 1
    url, pid = studio_server.url, res.project_id
    state = tmp_path / "state"
    a1 = add_annotator(url, "ann.one@browser.test", state_dir=state, api_key=studio_server.token)
    a2 = add_annotator(url, "ann.two@browser.test", state_dir=state, api_key=studio_server.token)

    # Annotator one: sees the quote and the target, clicks one stance, keys another,
    # replaces the speaker "the President of France" with "Emmanuel Macron", submits.
    page = login(browser, url, a1.email, a1.password)
    open_next_task(page, url, pid)
    quote = page.locator(".htx-highlight[data-label*='QUOTE']")
    assert quote.first.inner_text().strip() == "However, consensus is lacking"
    body = page.inner_text("body")
    assert "Target: Western ground troops in Ukraine" in body
    assert "Speaker: Emmanuel Macron" in body and "Le Test" in body
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "labelling-page.png"), full_page=True)
    stance_block(page, "Western ground troops in Ukraine").locator(
        "label:has(input[name='FAVOR'])").click()
    page.keyboard.press("5")  # military_aid / AGAINST
    assert checked(page, "Western ground troops in Ukraine") == ["FAVOR"]
    assert checked(page, "Military aid to Ukraine") == ["AGAINST"]
    page.locator(".htx-highlight[data-label*='SPEAKER']").first.click()
    page.keyboard.press("Backspace")
    assert page.locator(".htx-highlight[data-label*='SPEAKER']").count() == 0
    page.keyboard.press("x")  # the SPEAKER label
    select_text(page, "Emmanuel Macron")
    assert page.locator(".htx-highlight[data-label*='SPEAKER']").first.inner_text().strip() \
        == "Emmanuel Macron"
    page.screenshot(path=str(ARTIFACTS / "labelling-page-corrected.png"), full_page=True)
    submit(page)
    page.context.close()

    # Annotator two: same task, blind to the first one's labels.
    page = login(browser, url, a2.email, a2.password)
    open_next_task(page, url, pid)
    assert checked(page, "Western ground troops in Ukraine") == []
    assert checked(page, "Military aid to Ukraine") == []
    speakers = page.locator(".htx-highlight[data-label*='SPEAKER']")
    assert speakers.first.inner_text().strip() == "the President of France"
    stance_block(page, "Western ground troops in Ukraine").locator(
        "label:has(input[name='AGAINST'])").click()
    page.keyboard.press("6")  # military_aid / NONE
    submit(page)
    page.context.close()

    out = tmp_path / "export"
    pull(project=project_title, schema=schema, studio=client, out=out)
    import datasets

    rows = {r["target"]: r for part in datasets.load_from_disk(str(out)).values() for r in part}
    gt, aid = rows["ground_troops"], rows["military_aid"]
    assert sorted(LABELS[v["stance"]] for v in gt["votes"]) == ["AGAINST", "FAVOR"]
    assert sorted(LABELS[v["stance"]] for v in aid["votes"]) == ["AGAINST", "NONE"]
    assert gt["stance_tie"] and gt["n_votes"] == 2
    text = next(read_articles([src])).text
    first = next(v for v in gt["votes"] if LABELS[v["stance"]] == "FAVOR")
    assert first["spans_ok"]
    assert text[first["speaker_start"]:first["speaker_end"]] == "Emmanuel Macron"
    assert first["speaker_text"] == "Emmanuel Macron"
    assert first["lead_time"] and first["lead_time"] > 0
    second = next(v for v in gt["votes"] if LABELS[v["stance"]] == "AGAINST")
    assert text[second["speaker_start"]:second["speaker_end"]] == "the President of France"
    for v in gt["votes"]:
        for s, e in v["quote_spans"]:
            assert text[s:e] == "However, consensus is lacking"
    shutil.copy(ARTIFACTS / "labelling-page.png", tmp_path / "page.png")
