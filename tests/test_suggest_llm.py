"""The LLM stance model against an OpenAI-compatible stand-in on loopback.

No model weights are reachable from our machines, so the stand-in plays the model: it
speaks ``/v1/chat/completions`` as OpenAI, Ollama or vLLM do, answers from a script the
test sets, and records every request and how many were in flight at once. What is
tested is the protocol, errors, retries, parsing, the cache and the concurrency bound,
not the quality of any model's labels.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from labeling.schema import LLMSettings, StanceSchema, load_schema
from labeling.suggest.base import Item, StanceModel
from labeling.suggest.llm import LLMError, LLMModel, parse_answer

from .helpers import CONFIG

pytest.importorskip("openai")

# (status, body or answer text) for a request body.
Script = Callable[[dict[str, Any]], tuple[int, str]]


class StandIn:
    """A tiny OpenAI-compatible chat server on 127.0.0.1 (threads: requests overlap)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.delay = 0.0
        self.script: Script = lambda body: (200, "FAVOR")
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with stand_in._lock:
                    stand_in.requests.append(body)
                    stand_in.headers.append(dict(self.headers))
                    stand_in.in_flight += 1
                    stand_in.max_in_flight = max(stand_in.max_in_flight, stand_in.in_flight)
                try:
                    time.sleep(stand_in.delay)
                    if self.path != "/v1/chat/completions":
                        status, payload = 404, json.dumps({"error": {"message": "no route"}})
                    else:
                        status, text = stand_in.script(body)
                        payload = text if status != 200 else json.dumps({
                            "id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                            "model": body.get("model"),
                            "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant", "content": text}}],
                        })
                finally:
                    with stand_in._lock:
                        stand_in.in_flight -= 1
                data = payload.encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def stand_in() -> Iterator[StandIn]:
    s = StandIn()
    yield s
    s.close()


@pytest.fixture()
def schema() -> StanceSchema:
    return load_schema(CONFIG)


def make(stand_in: StandIn, schema: StanceSchema, tmp_path: Path, **kw: Any) -> LLMModel:
    settings = LLMSettings(base_url=stand_in.url, model="stand-in-7b",
                           api_key_env="TEST_LLM_KEY", **kw)
    model = LLMModel(settings, schema, cache_dir=tmp_path / "cache", retry_base=0.01)
    return model


ITEM = Item(text="We will not send soldiers to Ukraine.", target="ground_troops",
            context="Asked on Tuesday, he said: We will not send soldiers to Ukraine.",
            speaker="Olaf Scholz")


def test_request_carries_model_guidelines_target_examples_and_the_unit(
        stand_in: StandIn, schema: StanceSchema, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test-secret-123")
    stand_in.script = lambda body: (200, '{"stance": "AGAINST"}')
    model = make(stand_in, schema, tmp_path, temperature=0.2)
    assert isinstance(model, StanceModel)
    train = [Item(f"Troops now, number {i}.", "ground_troops") for i in range(20)]
    model.fit(train, ["FAVOR"] * 10 + ["NONE"] * 10)
    got = model.predict_proba([ITEM])
    assert got == [{"AGAINST": 1.0, "FAVOR": 0.0, "NONE": 0.0}]
    (req,) = stand_in.requests
    assert stand_in.headers[0]["Authorization"] == "Bearer sk-test-secret-123"
    assert req["model"] == "stand-in-7b" and req["temperature"] == 0.2
    msgs = req["messages"]
    system = msgs[0]
    assert system["role"] == "system"
    assert "Judge the stance of the SPEAKER" in system["content"]  # the guidelines
    assert "Target: Western ground troops in Ukraine" in system["content"]
    assert "Sending ground troops from Western countries" in system["content"]  # description
    assert "AGAINST: The speaker opposes the target" in system["content"]  # label hints
    # Few-shot: the schema's example for the target, then at most 8 of fit()'s, balanced.
    shots = msgs[1:-1]
    assert shots[0]["content"].endswith("nothing should be ruled out. We will do whatever it "
                                        "takes to ensure that Russia cannot win this war")
    assert json.loads(shots[1]["content"]) == {"stance": "FAVOR"}
    n_schema = sum(ex.target == "ground_troops" for ex in schema.examples)
    assert len(shots) == 2 * (n_schema + 8)
    answers = [json.loads(m["content"])["stance"] for m in shots[2 * n_schema + 1::2]]
    assert all(m["content"].startswith("Target:") for m in shots[2 * n_schema::2])
    assert len(answers) == 8 and answers.count("FAVOR") == 4 and answers.count("NONE") == 4
    last = msgs[-1]
    assert last["role"] == "user"
    assert "Speaker: Olaf Scholz" in last["content"]
    assert "Statement: We will not send soldiers to Ukraine." in last["content"]
    assert "Context: Asked on Tuesday" in last["content"]
    assert "sk-test-secret-123" not in repr(model)


def test_a_refused_key_is_a_clear_error(stand_in: StandIn, schema: StanceSchema, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", "sk-wrong-key-456")
    stand_in.script = lambda body: (401, json.dumps({"error": {"message": "bad key"}}))
    model = make(stand_in, schema, tmp_path)
    with caplog.at_level("DEBUG"), pytest.raises(LLMError) as err:
        model.predict_proba([ITEM])
    msg = str(err.value)
    assert "refused the API key (HTTP 401)" in msg and "TEST_LLM_KEY" in msg
    assert "sk-wrong-key-456" not in msg and "sk-wrong-key-456" not in caplog.text
    assert len(stand_in.requests) == 1  # a refused key is not retried


def test_server_errors_are_retried_then_succeed(stand_in: StandIn, schema: StanceSchema,
                                                tmp_path: Path) -> None:
    calls = {"n": 0}

    def flaky(body: dict[str, Any]) -> tuple[int, str]:
        calls["n"] += 1
        if calls["n"] == 1:
            return 500, json.dumps({"error": {"message": "overloaded"}})
        if calls["n"] == 2:
            return 429, json.dumps({"error": {"message": "slow down"}})
        return 200, "NONE"

    stand_in.script = flaky
    model = make(stand_in, schema, tmp_path, max_retries=3)
    assert model.predict_proba([ITEM]) == [{"NONE": 1.0, "FAVOR": 0.0, "AGAINST": 0.0}]
    assert len(stand_in.requests) == 3 and model.requests == 3


def test_a_timed_out_request_is_retried(stand_in: StandIn, schema: StanceSchema,
                                        tmp_path: Path) -> None:
    calls = {"n": 0}

    def slow_once(body: dict[str, Any]) -> tuple[int, str]:
        calls["n"] += 1
        if calls["n"] == 1:
            time.sleep(1.5)  # past the 0.5 s time-out
        return 200, "AGAINST"

    stand_in.script = slow_once
    model = make(stand_in, schema, tmp_path, timeout=0.5, max_retries=1)
    assert model.predict_proba([ITEM]) == [{"AGAINST": 1.0, "FAVOR": 0.0, "NONE": 0.0}]
    assert calls["n"] == 2 and model.requests == 2


def test_persistent_server_errors_give_up_with_a_clear_error(
        stand_in: StandIn, schema: StanceSchema, tmp_path: Path) -> None:
    stand_in.script = lambda body: (503, json.dumps({"error": {"message": "down"}}))
    model = make(stand_in, schema, tmp_path, max_retries=2)
    with pytest.raises(LLMError, match=r"failed 3 times \(HTTP 503\)"):
        model.predict_proba([ITEM])
    assert len(stand_in.requests) == 3


def test_unparsable_answers_are_no_suggestion_and_counted(
        stand_in: StandIn, schema: StanceSchema, tmp_path: Path) -> None:
    answers = {
        "a": "FAVOR",
        "b": '```json\n{"stance": "against", "confidence": 0.7}\n```',
        "c": "I think it is FAVOR",
        "d": '{"stance": "MAYBE"}',
        "e": '{"stance": "FAVOR", "label": "NONE"}',
        "f": "",
        "g": '{"stance": "NONE", "confidence": 3}',
    }
    stand_in.script = lambda body: (200, answers[body["messages"][-1]["content"][-1]])
    model = make(stand_in, schema, tmp_path)
    items = [Item(f"statement {k}", "military_aid") for k in answers]
    got = model.predict_proba(items)
    assert got[0] == {"FAVOR": 1.0, "AGAINST": 0.0, "NONE": 0.0}
    assert got[1] == pytest.approx({"AGAINST": 0.7, "FAVOR": 0.15, "NONE": 0.15})
    assert got[2:] == [{}, {}, {}, {}, {}]
    assert model.unparsable == 5


def test_parse_answer_is_strict() -> None:
    labels = ["FAVOR", "AGAINST", "NONE"]
    assert parse_answer(' "none" \n', labels) == {"NONE": 1.0, "FAVOR": 0.0, "AGAINST": 0.0}
    for bad in ("FAVOR.", "FAVOR AGAINST", "[\"FAVOR\"]", '{"stance": 1}', "{broken",
                '{"stance": "FAVOR", "confidence": true}'):
        assert parse_answer(bad, labels) == {}, bad


def test_asking_again_hits_the_cache(stand_in: StandIn, schema: StanceSchema,
                                     tmp_path: Path) -> None:
    stand_in.script = lambda body: (200, '{"stance": "FAVOR"}')
    first = make(stand_in, schema, tmp_path)
    items = [ITEM, Item("Aid must go on.", "military_aid")]
    a = first.predict_proba(items)
    assert len(stand_in.requests) == 2
    first.close()
    again = make(stand_in, schema, tmp_path)  # a new process would open the same file
    assert again.predict_proba(items) == a
    assert len(stand_in.requests) == 2 and again.cache_hits == 2 and again.requests == 0
    # Another model name is another question.
    other = LLMModel(LLMSettings(base_url=stand_in.url, model="other-model"), schema,
                     cache_dir=tmp_path / "cache")
    other.predict_proba([ITEM])
    assert len(stand_in.requests) == 3


def test_concurrency_is_bounded(stand_in: StandIn, schema: StanceSchema, tmp_path: Path) -> None:
    stand_in.delay = 0.05
    model = make(stand_in, schema, tmp_path, concurrency=3)
    items = [Item(f"statement number {i}", "ground_troops") for i in range(24)]
    got = model.predict_proba(items)
    assert len(got) == 24 and all(g for g in got)
    assert len(stand_in.requests) == 24
    assert stand_in.max_in_flight == 3  # reached, never passed
