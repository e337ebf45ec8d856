"""Mistakes a careless user makes: one `Error:` line and a non-zero exit, no traceback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import datasets
import pytest
from click.testing import CliRunner

from labeling.cli import main

from .helpers import CONFIG, SEEDS

ONE_SEED = SEEDS / sorted(p.name for p in SEEDS.iterdir())[0]


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    r = CliRunner().invoke(main, args, env=env or {})
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.exit_code, r.output


def test_unknown_encoding(tmp_path: Path) -> None:
    out = tmp_path / "u.jsonl"
    for args in (["segment", str(ONE_SEED), "-o", str(out), "-q"],
                 ["push", str(ONE_SEED), "-p", "x", "--config", str(CONFIG),
                  "--url", "http://127.0.0.1:9", "--api-key", "k"],  # before connecting
                 ["hydrate", str(tmp_path), str(ONE_SEED), "-o", str(tmp_path / "h")]):
        code, text = run([*args, "--encoding", "foo-bar"])
        assert code == 2, (args, text)
        assert "Error: Invalid value for '--encoding': unknown encoding 'foo-bar'" in text
    assert not out.exists()
    # The library says so too (a clear InputError, not a LookupError).
    from labeling.corpus.batch import segment_files
    from labeling.errors import InputError

    with pytest.raises(InputError, match="unknown encoding 'foo-bar'"):
        segment_files([ONE_SEED], out, encoding="foo-bar")
    assert not out.exists()


class _Html(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b"<!doctype html><html><body>Welcome to my blog</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def html_site() -> Iterator[str]:
    """A web site that answers every request with an HTML page and 200."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Html)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_url_that_answers_html_is_named(html_site: str, tmp_path: Path) -> None:
    env = {"LABEL_STUDIO_URL": html_site, "LABEL_STUDIO_API_KEY": "some-token-1234"}
    for args in (["push", str(ONE_SEED), "-p", "x", "--config", str(CONFIG), "-q"],
                 ["pull", "-p", "x", "--config", str(CONFIG), "-o", str(tmp_path / "e")],
                 ["status", "-p", "x", "--config", str(CONFIG)]):
        code, text = run(args, env)
        assert code == 1, (args, text)
        assert f"Error: {html_site} answered whoami with a web page, " \
               "not Label Studio's API: check --url" in text
        assert "some-token-1234" not in text
    assert not (tmp_path / "e").exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_publish_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    export = tmp_path / "export"
    datasets.DatasetDict({"train": datasets.Dataset.from_dict({"a": [1]})}).save_to_disk(
        str(export))
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    # HF_ENDPOINT is read when huggingface_hub is imported (earlier, in this process).
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", endpoint)
    code, text = run(["publish", str(export), "--repo", "me/troops"],
                     {"HF_ENDPOINT": endpoint, "HF_TOKEN": "hf_notarealtoken123"})
    assert code == 1, text
    assert f"Error: cannot reach the Hugging Face Hub at {endpoint}" in text
    assert "hf_notarealtoken123" not in text
    code, text = run(["publish", str(tmp_path), "--repo", "me/troops"],
                     {"HF_ENDPOINT": endpoint, "HF_TOKEN": "hf_notarealtoken123"})
    assert code == 1 and f"Error: {tmp_path}: not an export folder" in text


@pytest.mark.parametrize("title", ["", "   "])
def test_an_empty_project_title_is_refused(title: str, tmp_path: Path) -> None:
    for args in (["push", str(ONE_SEED), "--config", str(CONFIG)],
                 ["pull", "--config", str(CONFIG), "-o", str(tmp_path / "e")],
                 ["status", "--config", str(CONFIG)],
                 ["adjudicate", "--config", str(CONFIG)]):
        code, text = run([*args, "--project", title, "--url", "http://127.0.0.1:9",
                          "--api-key", "k"])
        assert code == 2, (args, text)
        assert "Error: Invalid value for '--project' / '-p': the project title is empty" in text
