"""Bad input, bad config, bad server: one clear line, exit 1, nothing half-written."""

from __future__ import annotations

import socket
from pathlib import Path

import datasets
from click.testing import CliRunner

from labeling.cli import main

from .helpers import CONFIG, SEEDS, RunningStudio


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    r = CliRunner().invoke(main, args, env=env or {})
    return r.exit_code, r.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out = run(["push", str(SEEDS), "-p", "x y z", "--config", str(CONFIG),
                     "--url", url, "--api-key", "secret-token-123"])
    assert code == 1
    assert f"Error: cannot reach Label Studio at {url}" in out
    assert "secret-token-123" not in out


def test_wrong_token_is_refused_and_never_printed(studio_server: RunningStudio) -> None:
    code, out = run(["pull", "-p", "anything", "-o", "exports/x", "--config", str(CONFIG),
                     "--url", studio_server.url, "--api-key", "wrong-token-abcdef"])
    assert code == 1
    assert "refused the API token" in out
    assert "wrong-token-abcdef" not in out
    assert studio_server.token not in out


def test_url_without_token() -> None:
    code, out = run(["pull", "-p", "abc", "-o", "exports/x", "--config", str(CONFIG),
                     "--url", "http://127.0.0.1:9"])
    assert code == 1
    assert "no API token" in out and "LABEL_STUDIO_API_KEY" in out


def test_missing_project(studio_server: RunningStudio, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, out = run(["pull", "-p", "no such project 123", "-o", str(out_dir), "--config",
                     str(CONFIG)], studio_server.env())
    assert code == 1
    assert "Error: no project titled 'no such project 123'" in out
    assert not out_dir.exists()


def test_missing_and_empty_inputs(tmp_path: Path) -> None:
    code, out = run(["segment", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o.jsonl")])
    assert code == 1 and "nope.txt: no such file or folder" in out
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    code, out = run(["segment", str(empty), "-o", str(tmp_path / "o.jsonl")])
    assert code == 1 and "empty.txt: the file is empty" in out
    folder = tmp_path / "nothing"
    folder.mkdir()
    code, out = run(["segment", str(folder), "-o", str(tmp_path / "o.jsonl")])
    assert code == 1 and "no .txt, .jsonl, .csv or .parquet files" in out
    assert not (tmp_path / "o.jsonl").exists()


def test_bad_encoding_names_the_file_and_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "latin.txt"
    bad.write_bytes("Macron a déclaré : « Rien n'est exclu ».".encode("latin-1"))
    out_file = tmp_path / "o.jsonl"
    code, out = run(["segment", str(bad), "-o", str(out_file)])
    assert code == 1
    assert "latin.txt: not valid utf-8" in out and "--encoding" in out
    assert not out_file.exists()
    code, out = run(["segment", str(bad), "-o", str(out_file), "--encoding", "latin-1"])
    assert code == 0, out
    assert out_file.exists()


def test_broken_jsonl_line_is_named_and_skippable(tmp_path: Path) -> None:
    src = tmp_path / "arts.jsonl"
    src.write_text('{"id": "a", "text": "He said \\"yes, we will\\"."}\n'
                   '{"id": "b", "text": \n'
                   '{"id": "c"}\n'
                   '{"id": "d", "text": "Fine."}\n')
    out_file = tmp_path / "o.jsonl"
    code, out = run(["segment", str(src), "-o", str(out_file), "-q"])
    assert code == 1 and "arts.jsonl:2: invalid JSON" in out
    assert not out_file.exists()
    code, out = run(["segment", str(src), "-o", str(out_file), "-q", "--skip-bad"])
    assert code == 0, out
    assert "arts.jsonl:2: invalid JSON" in out
    assert "arts.jsonl:3: the 'text' field is missing" in out
    assert len(out_file.read_text().splitlines()) == 2


def test_bad_config_names_the_field(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("targets:\n  - id: Ground Troops\n    name: x\nannotators_per_item: 2\n")
    code, out = run(["push", str(SEEDS), "-p", "abc", "--config", str(cfg),
                     "--url", "http://127.0.0.1:9", "--api-key", "k"])
    assert code == 1
    assert "bad.yaml: targets.0.id: target ids are lower-case identifiers" in out
    cfg.write_text("targets: [\n")
    code, out = run(["push", str(SEEDS), "-p", "abc", "--config", str(cfg),
                     "--url", "http://127.0.0.1:9", "--api-key", "k"])
    assert code == 1 and "bad.yaml: invalid YAML at line" in out
    cfg.write_text("targets:\n  - {id: a, name: A}\nlabls: []\n")
    code, out = run(["push", str(SEEDS), "-p", "abc", "--config", str(cfg),
                     "--url", "http://127.0.0.1:9", "--api-key", "k"])
    assert code == 1 and "labls: unknown field" in out


def test_config_mismatch_on_existing_project(studio_server: RunningStudio, tmp_path: Path,
                                             project_title: str) -> None:
    one = SEEDS / sorted(p.name for p in SEEDS.iterdir())[0]
    code, out = run(["push", str(one), "-p", project_title, "--config", str(CONFIG), "-q"],
                    studio_server.env())
    assert code == 0, out
    other = tmp_path / "other.yaml"
    other.write_text("targets:\n  - {id: sanctions, name: Sanctions on Russia}\n")
    code, out = run(["push", str(one), "-p", project_title, "--config", str(other), "-q"],
                    studio_server.env())
    assert code == 1 and "uses a different labelling config" in out and "--update-config" in out
    code, out = run(["pull", "-p", project_title, "--config", str(other), "-o",
                     str(tmp_path / "o")], studio_server.env())
    assert code == 1 and "has no question 'stance_sanctions'" in out


def test_failed_pull_keeps_the_previous_export(studio_server: RunningStudio, tmp_path: Path,
                                               project_title: str) -> None:
    one = SEEDS / sorted(p.name for p in SEEDS.iterdir())[1]
    env = studio_server.env()
    assert run(["push", str(one), "-p", project_title, "--config", str(CONFIG), "-q"], env)[0] == 0
    out_dir = tmp_path / "export"
    code, out = run(["pull", "-p", project_title, "--config", str(CONFIG), "-o", str(out_dir)], env)
    assert code == 0, out
    before = sorted(p.name for p in out_dir.iterdir())
    dead = {"LABEL_STUDIO_URL": f"http://127.0.0.1:{free_port()}", "LABEL_STUDIO_API_KEY": "k"}
    code, out = run(["pull", "-p", project_title, "--config", str(CONFIG), "-o", str(out_dir)],
                    dead)
    assert code == 1
    assert sorted(p.name for p in out_dir.iterdir()) == before
    datasets.load_from_disk(str(out_dir))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export")] == []
