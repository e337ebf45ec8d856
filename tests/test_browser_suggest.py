"""Suggestions in a real headless Chromium: `prefill` pre-selects the suggested stance,
`hidden` pre-selects nothing (the suggestion only orders the queue); both keep the
segmenter's spans; the pull records per vote whether the suggestion was shown and which.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datasets
import pytest
from click.testing import CliRunner

from labeling.cli import main
from labeling.studio.accounts import add_annotator

from .helpers import ARTIFACTS, RunningStudio, checked, login, open_next_task, submit
from .suggest_toy import LABELS, config, gold_of, label, push_toy

pytestmark = pytest.mark.browser
GT, AID = "Western ground troops in Ukraine", "Military aid to Ukraine"


@pytest.mark.parametrize("show", ["prefill", "hidden"])
def test_suggestion_prefilled_or_hidden_in_the_editor(
        browser: Any, studio_server: RunningStudio, tmp_path: Path, project_title: str,  # noqa: F811
        show: str) -> None:
    cfg = config(tmp_path, show=show)
    tasks = push_toy(studio_server, tmp_path, project_title, cfg)
    with studio_server.client() as studio:
        for i in range(9):
            label(studio, tasks[f"a{i:02d}"], gold_of(i))
    r = CliRunner().invoke(main, ["suggest", "--project", project_title, "--config", str(cfg),
                                  "-q"], env=studio_server.env(), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    with studio_server.client() as studio:
        pid = int(studio.project(project_title)["id"])
    ann = add_annotator(studio_server.url, f"{show}@suggest.test", state_dir=tmp_path / "st",
                        api_key=studio_server.token)
    page = login(browser, studio_server.url, ann.email, ann.password)
    open_next_task(page, studio_server.url, pid)
    # the segmenter's spans are on the page in both modes
    assert page.locator(".htx-highlight[data-label*='QUOTE']").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"suggestion-{show}.png"), full_page=True)
    served = page.inner_text("body")
    # which task was served: its title is on a line of its own
    aid_ = next(a for a in tasks if f"Story {int(a[1:])}" in served.split("\n"))
    gold = gold_of(int(aid_[1:]))
    if show == "prefill":
        assert checked(page, GT) == [gold]  # the toy set is learnt: the suggestion is right
        assert checked(page, AID) == ["NONE"]
    else:
        assert checked(page, GT) == [] and checked(page, AID) == []
        page.locator(f".sl-target:has-text('Stance toward: {GT}') "
                     f"label:has(input[name='{gold}'])").click()
        page.locator(f".sl-target:has-text('Stance toward: {AID}') "
                     "label:has(input[name='NONE'])").click()
    submit(page)
    page.context.close()

    out = tmp_path / "export"
    r = CliRunner().invoke(main, ["pull", "--project", project_title, "--config", str(cfg),
                                  "-o", str(out)], env=studio_server.env(),
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    rows = [row for part in datasets.load_from_disk(str(out)).values() for row in part]
    voted = [row for row in rows if row["target"] == "ground_troops"
             and row["article_id"] == aid_]
    (vote,) = voted[0]["votes"]
    assert vote["suggestion_shown"] is (show == "prefill")
    assert LABELS[vote["suggested"]] == gold  # what was suggested, shown or hidden
    # the votes made through the API (before any suggestion) had none
    api_votes = [v for row in rows if row["article_id"] != aid_ for v in row["votes"]]
    assert api_votes and all(v["suggested"] == -1 and not v["suggestion_shown"]
                             for v in api_votes)
