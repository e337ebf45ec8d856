"""Helpers shared by the test modules (fixtures live in ``conftest.py``).

Test modules import from here, never from each other: paths of the repository, the
running-server handle the fixtures yield, small corpora, CLI runners, export readers,
the browser steps of an annotator and the Hypothesis strategies of news-like text.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from click.testing import CliRunner
from hypothesis import strategies as st

from labeling.cli import main
from labeling.corpus.readers import read_articles
from labeling.corpus.units import iter_units
from labeling.schema import load_schema
from labeling.studio.server import LocalStudio, ServerInfo

if TYPE_CHECKING:  # the client (HTTP, SDK) and datasets load when a test uses them
    from labeling.studio.client import Studio

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
CONFIG = REPO / "configs" / "stance.yaml"
# The shared benchmark data, beside the clone (LABELING_SHARED points elsewhere, e.g. from a
# git worktree).
SHARED = Path(os.environ.get("LABELING_SHARED") or REPO.parent / "shared")


# ----------------------------------------------------------------------------- servers
class RunningStudio:
    """A started server plus what a test needs to reach it."""

    def __init__(self, local: LocalStudio, info: ServerInfo, state: Path):
        self.local = local
        self.info = info
        self.state = state
        self.token = local.credentials().token
        self.url = info.url

    def client(self) -> Studio:
        from labeling.studio.client import Connection, Studio

        return Studio(Connection(self.url, self.token))

    def env(self) -> dict[str, str]:
        return {"LABEL_STUDIO_URL": self.url, "LABEL_STUDIO_API_KEY": self.token}


def start_copy(template: Path, dest: Path) -> RunningStudio:
    """Start a server on a copy of a migrated state folder (the ``studio_template`` fixture)."""
    shutil.copytree(template, dest)
    # The template's log and run record belong to the template.
    (dest / "studio" / "server.json").unlink(missing_ok=True)
    local = LocalStudio(dest)
    info = local.up()
    return RunningStudio(local, info, dest)


# ----------------------------------------------------------------------------- CLI and exports
def cli(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``labeling ARGS`` in-process; (exit code, output)."""
    r = CliRunner().invoke(main, args, env=env)
    return r.exit_code, r.output


def rows_of(folder: Path) -> list[dict[str, Any]]:
    """Every row of an export, in a stable order (quote id, target)."""
    import datasets

    dd = datasets.load_from_disk(str(folder))
    return sorted((r for part in dd.values() for r in part),
                  key=lambda r: (r["quote_id"], r["target"]))


# ----------------------------------------------------------------------------- corpora
_SYL = ["ba", "ko", "ri", "tan", "mel", "su", "dor", "vi", "pe", "lun", "ga", "ster", "no"]
_VOCAB = [a + b + c for a in _SYL for b in _SYL for c in ("", "s", "ed")]
SPEAKERS = ["Emmanuel Macron", "Olaf Scholz", "Dmitry Peskov", "Kaja Kallas", "Mark Rutte"]


def article(i: int) -> dict[str, str]:
    """A synthetic article with three attributed quotes (no real text)."""
    r = random.Random(i)

    def words(n: int) -> str:
        return " ".join(r.choice(_VOCAB) for _ in range(n))

    paras = [f'"On troops, {words(9)}," {r.choice(SPEAKERS)} said on Monday.',
             f'{r.choice(SPEAKERS)} warned: "About aid: {words(10)}." The remark drew criticism.',
             f"According to {r.choice(SPEAKERS)}, the question is {words(8)}. Talks went on."]
    return {"id": f"art-{i:05d}", "title": f"Article {i}", "text": "\n\n".join(paras)}


def corpus(path: Path, first: int, n: int) -> Path:
    path.write_text("".join(json.dumps(article(i)) + "\n" for i in range(first, first + n)),
                    encoding="utf-8")
    return path


def unit_ids(*paths: Path) -> set[str]:
    schema = load_schema(CONFIG)
    return {u.quote_id for u in iter_units(read_articles(list(paths)), schema)}


def assert_exactly_once(client: Studio, title: str, expected: set[str]) -> None:
    """One task per unit, none extra, each with exactly one prediction of the segmenter."""
    proj = client.project(title)
    tasks = client.export_tasks(int(proj["id"]))
    counts = Counter(t["data"]["quote_id"] for t in tasks)
    dup = {q: c for q, c in counts.items() if c > 1}
    assert not dup, f"duplicated units: {dup}"
    assert set(counts) == expected, (len(counts), len(expected))
    for t in tasks:
        preds = t.get("predictions") or []
        assert len(preds) == 1, (t["id"], preds)
    assert int(client.get_project(int(proj["id"]))["task_number"]) == len(expected)


WIRE = ("The deployment of Western troops in the future cannot be ruled out, but today there is "
        "no consensus on the official dispatch of troops to the region")
ARTICLES = [
    {"id": "wire-1", "source": "Outlet A", "title": "Macron on troops",
     "text": f'Paris. "{WIRE}," Macron said on Monday.\n\nHe also spoke about aid.'},
    {"id": "wire-2", "source": "Outlet B", "title": "Troops not ruled out",
     "text": f'French President Emmanuel Macron said: "{WIRE}."\n\nThe Kremlin reacted.'},
    {"id": "other", "source": "Outlet C", "title": "Kremlin warns",
     "text": 'Dmitry Peskov warned that "sending NATO troops would make a direct conflict '
             'between Russia and the alliance inevitable," he told reporters.'},
    {"id": "more", "source": "Outlet D", "title": "Scholz",
     "text": 'Olaf Scholz, the German chancellor, said on Tuesday: "There will be no ground '
             'troops from European states or NATO states on Ukrainian soil."'},
]


def write_articles(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- browser
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def login(browser: Any, url: str, email: str, password: str) -> Any:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = ctx.new_page()
    page.goto(url + "/user/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/user/login" not in page.url, "login failed"
    return page


def open_next_task(page: Any, url: str, project_id: int) -> None:
    page.goto(f"{url}/projects/{project_id}/data?labeling=1")
    page.wait_for_selector(".htx-highlight", timeout=30000)
    # The project's instructions open over the first task: close them.
    close = page.locator(".lsf-modal-ls_visible button[aria-label='Close modal']")
    try:
        close.first.wait_for(timeout=5000)
        close.first.click()
    except Exception:  # no instructions dialog this time
        pass
    page.locator(".lsf-modal-ls_visible").wait_for(state="detached", timeout=5000)


def submit(page: Any) -> None:
    """Click Submit and wait until the server has stored the annotation."""
    with page.expect_response(lambda r: "/annotations" in r.url and r.request.method == "POST"
                              and r.status == 201, timeout=60000):
        page.locator("button:has-text('Submit')").first.click()


def stance_block(page: Any, target_name: str) -> Any:
    return page.locator(f".sl-target:has-text('Stance toward: {target_name}')")


def select_text(page: Any, needle: str) -> None:
    """Drag the mouse over the first occurrence of ``needle`` in the labelled text."""
    box = page.evaluate(
        """(needle) => {
            // The labelled text: the nearest ancestor of a region that holds the needle.
            let root = document.querySelector('.htx-highlight');
            while (root && !root.textContent.includes(needle)) root = root.parentElement;
            const walker = document.createTreeWalker(root || document.body,
                                                     NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const i = node.textContent.indexOf(needle);
                if (i >= 0) {
                    const r = document.createRange();
                    r.setStart(node, i); r.setEnd(node, i + needle.length);
                    const rects = r.getClientRects();
                    const a = rects[0], b = rects[rects.length - 1];
                    return {x1: a.left + 1, y1: a.top + a.height / 2,
                            x2: b.right - 1, y2: b.top + b.height / 2};
                }
            }
            return null;
        }""", needle)
    assert box, f"{needle!r} is not on the page"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)


# ----------------------------------------------------------------------------- news-like text
MARKS = "\"“”„«»‘’‹›‚'"
news_alphabet = st.sampled_from(list(MARKS) + list(" \n\r\t\u00a0,.:;!?—-()") +
                                ["said", "says", "told", "Macron", "he", "the", "president",
                                 "according", "to", "that", "warned", "Emmanuel", "We", "will",
                                 "troops", "😀", "é", "中文", "A.", "U.S."])
quote_heavy = st.lists(news_alphabet, max_size=120).map(" ".join)
anything = st.text(max_size=400)


STANCE_LABELS = ["FAVOR", "AGAINST", "NONE"]


def checked(page: Any, target_name: str) -> list[str]:
    block = stance_block(page, target_name)
    return [lab for lab in STANCE_LABELS if block.locator(f"input[name='{lab}']").is_checked()]


# ----------------------------------------------------------------------------- HTTP as a user
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def form_post(http: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    page = http.get(path)
    m = _CSRF.search(page.text)
    assert m, f"no form at {path} (HTTP {page.status_code})"
    return http.post(path, data={"csrfmiddlewaretoken": m.group(1), **data},
                     headers={"Referer": str(http.base_url) + path})


def session(url: str, email: str, password: str) -> httpx.Client:
    """A browser-like session of ``email`` (cookie login, CSRF header for writes)."""
    http = httpx.Client(base_url=url, follow_redirects=False, timeout=60)
    resp = form_post(http, "/user/login/", {"email": email, "password": password})
    assert resp.status_code == 302, resp.status_code
    http.headers["X-CSRFToken"] = http.cookies.get("csrftoken") or ""
    http.headers["Referer"] = url
    return http
