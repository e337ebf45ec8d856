"""The streamed snapshot parse gives exactly what ``json.loads`` gives (no server)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labeling.errors import ServerError
from labeling.studio.snapshot import Snapshot, iter_json_array, remove_local_copy, spool_file

# Task JSON as Label Studio exports it, with what a careless corpus puts in articles:
# emoji (escaped as a surrogate pair and raw), a ZWJ sequence, combining accents, CJK,
# right-to-left text and an RTL override, NUL and control characters, a non-breaking
# space, a lone surrogate (escaped; json.loads keeps it), a BOM inside a string, deep
# nesting, empty containers, integers beyond 64 bits, NaN, -0.0 and exponents.
UNUSUAL = (
    '[{"id": 1, "data": {"quote_id": "q1", "context": "\\ud83d\\ude00 caf\\u00e9 😀 '
    '👩‍👩‍👧 e\\u0301 中文 עברית \\u202e gnp.exe \\u0000\\t\\u0007 a\\u00a0b \\ud800 x '
    '\\ufeff end", "parts": [[0, 5], [7, 9]], "nested": {"a": [[[{"b": [{}, [], '
    '{"": null}]}]]], "deep": ' + "[" * 40 + "1" + "]" * 40 + '}}, '
    '"annotations": [{"id": 12345678901234567890123, "lead_time": 1e-7, "result": '
    '[{"value": {"start": 0, "end": 1, "text": "\\ud83d\\ude00", "choices": ["FAVOR"]}}], '
    '"score": NaN, "neg": -0.0, "big": 1.5E+300, "was_cancelled": false}], '
    '"meta": {"quote_id": "q1", "duplicates": []}, "updated_at": "2026-12-05T18:23:25Z"}'
    ', {"id": 2, "data": {"quote_id": "q2", "text": "' + "long " * 5000 + '"}, '
    '"annotations": []}]'
)


def blocks(raw: bytes, size: int) -> Iterator[bytes]:
    return (raw[i:i + size] for i in range(0, len(raw), size))


def same(a: Any, b: Any) -> bool:
    # repr: NaN != NaN, and -0.0 == 0.0 would hide a sign lost
    return repr(a) == repr(b)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64, 4096, 1 << 20])
def test_streamed_parse_equals_json_loads(size: int) -> None:
    raw = UNUSUAL.encode("utf-8")
    # Block sizes cut inside multi-byte characters, escapes, numbers and keywords.
    assert same(list(iter_json_array(blocks(raw, size))), json.loads(raw))


def test_streamed_parse_of_a_real_snapshot_file_through_the_spool(tmp_path: Path) -> None:
    tasks = [json.loads(UNUSUAL)[0] | {"id": i} for i in range(3000)]
    raw = (" \n[\n" + ",\n ".join(json.dumps(t) for t in tasks)
           + "\n]\n").encode("utf-8")
    spool = spool_file(tmp_path / "state")
    spool.write(raw)
    spool.flush()
    assert os.listdir(tmp_path / "state") == []  # anonymous: nothing left even if killed
    with Snapshot(spool, None, {}, len(raw)) as snap:
        assert same(list(snap.tasks()), json.loads(raw))
        chunks = list(snap.chunks(1000))
    assert [len(c) for c in chunks] == [1000, 1000, 1000]
    assert spool.closed


@pytest.mark.parametrize("bad", ['[{"id": 1},]', '[{"id": 1} {"id": 2}]', '{"id": 1}', '[{"id": 1}',
                                 '[{"id": 1}] x', "", '[{"id": "abc'])
def test_a_broken_document_is_an_error(bad: str) -> None:
    for size in (1, 3, 1 << 20):
        with pytest.raises(json.JSONDecodeError):
            list(iter_json_array(blocks(bad.encode(), size)))


def test_a_broken_snapshot_is_a_server_error(tmp_path: Path) -> None:
    spool = spool_file(tmp_path)
    spool.write(b'[{"id": 1}, 7]')
    spool.flush()
    with Snapshot(spool, None, {}, 0) as snap, pytest.raises(ServerError, match="not a task"):
        list(snap.tasks())


def test_only_this_exports_file_is_removed_from_the_servers_folder(tmp_path: Path) -> None:
    folder = tmp_path / "media" / "export" / "7"
    folder.mkdir(parents=True)
    ours = folder / "project-7-at-2026-12-05-18-25-f6f1cc24.json"
    same_md5_older = folder / "project-7-at-2026-11-01-10-00-f6f1cc24.json"
    other = folder / "project-7-at-2026-12-05-18-25-0badc0de.json"
    for p in (ours, same_md5_older, other):
        p.write_text("[]")
    os.utime(same_md5_older, (time.time() - 86400, time.time() - 86400))
    began = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(time.time() - 60))
    export = {"id": 3, "md5": "f6f1cc245277365f1105aea855123013", "created_at": began}
    assert remove_local_copy(tmp_path, 7, export) == [ours]
    assert not ours.exists() and same_md5_older.exists() and other.exists()
    assert remove_local_copy(tmp_path, 8, export) == []  # another project: nothing
