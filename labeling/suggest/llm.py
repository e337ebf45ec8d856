"""Stance suggestions from an LLM behind any OpenAI-compatible endpoint.

Ollama, vLLM, llama.cpp's server, OpenAI and others speak ``/v1/chat/completions``; the
``openai`` package (the ``llm`` extra) talks to all of them. The schema's
``suggestions.llm`` names the base URL, the model and the *name* of the environment
variable that holds the API key (the key itself is never stored, printed or logged).

Each unit x target is one chat request: a system message with the schema's guidelines,
the target's name and description and the labels with their hints; the schema's worked
examples for that target and a bounded number of the project's own labelled items (from
:meth:`LLMModel.fit`) as few-shot turns; then the unit. The answer is parsed strictly:
exactly one of the schema's labels, bare (``FAVOR``) or as JSON (``{"stance": "FAVOR"}``,
optionally with ``"confidence": 0.8``). Anything else is no suggestion (``{}``), counted
in :attr:`LLMModel.unparsable`: a guess is never made.

Answers are cached in a SQLite file in the state folder, keyed by endpoint, model,
temperature and the full message list (prompt and unit), so asking the same thing again
costs no request. Requests run in at most ``concurrency`` threads; 429, 5xx, time-outs
and dropped connections are retried ``max_retries`` times with exponential back-off (or
the server's ``Retry-After``). A refused key (401/403) or an unknown model (404) stops
with a clear :class:`LLMError`.

Its labelling quality is not measured in this project: no model weights can be fetched
onto our machines, so the tests run it against an OpenAI-compatible stand-in on loopback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from labeling.errors import ConfigError, LabelingError
from labeling.schema import LLMSettings, StanceSchema
from labeling.state import state_home
from labeling.suggest.base import Item

log = logging.getLogger(__name__)

MAX_EXAMPLES = 8  # few-shot items from fit() per target: the prompt stays short
MAX_CONTEXT = 2000  # characters of context sent with a unit
CACHE_FILE = "llm-cache.sqlite"
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


class LLMError(LabelingError):
    """The LLM endpoint refused the request or kept failing."""


def parse_answer(answer: str, labels: Sequence[str]) -> dict[str, float]:
    """The model's answer -> label distribution, or ``{}`` when it is not exactly one label.

    Accepted: a bare label (case and surrounding quotes/white space ignored), or a JSON
    object (possibly in a ```json fence) whose ``stance`` (or ``label``) is one label and
    whose optional ``confidence`` is a number in [0, 1]; the rest of the probability is
    shared by the other labels. Everything else is unparsable.
    """
    by_upper = {lab.upper(): lab for lab in labels}
    text = answer.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    label: str | None
    confidence = 1.0
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            return {}
        if not isinstance(obj, dict):
            return {}
        keys = [k for k in ("stance", "label") if k in obj]
        if len(keys) != 1 or not isinstance(obj[keys[0]], str):
            return {}
        label = by_upper.get(obj[keys[0]].strip().upper())
        if "confidence" in obj:
            c = obj["confidence"]
            if isinstance(c, bool) or not isinstance(c, (int, float)) or not 0 <= c <= 1:
                return {}
            confidence = float(c)
    else:
        label = by_upper.get(text.strip("\"'`").strip().upper())
    if label is None:
        return {}
    if len(labels) == 1:
        return {label: 1.0}
    rest = (1.0 - confidence) / (len(labels) - 1)
    return {lab: (confidence if lab == label else rest) for lab in labels}


class _Cache:
    """Raw answers keyed by a hash of (endpoint, model, temperature, messages); thread-safe."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS answers "
                             "(key TEXT PRIMARY KEY, model TEXT, answer TEXT, created REAL)")
            self._db.commit()

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT answer FROM answers WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, model: str, answer: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
                             (key, model, answer, time.time()))
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


class LLMModel:
    """A :class:`~labeling.suggest.base.StanceModel` asking an OpenAI-compatible endpoint.

    ``cache_dir`` holds the answer cache (default: ``suggest/`` in the state folder).
    After :meth:`predict_proba`: :attr:`unparsable` counts answers that were not exactly
    one label, :attr:`failed` the items the endpoint refused (400/422: e.g. too long),
    :attr:`requests` the requests sent and :attr:`cache_hits` the answers from the cache.
    """

    def __init__(self, settings: LLMSettings, schema: StanceSchema, cache_dir: Path | None = None,
                 *, max_examples: int = MAX_EXAMPLES, retry_base: float = 0.5):
        try:
            import openai
        except ImportError as exc:
            raise ConfigError(
                "suggestions.model 'llm' needs the openai package: "
                "pip install 'stance-labeling[llm]'") from exc
        if not settings.model:
            raise ConfigError("suggestions.llm.model: name the model to ask (e.g. llama3.1:8b)")
        self.settings = settings
        self.schema = schema
        self.labels = schema.label_names
        self.max_examples = max_examples
        self.retry_base = retry_base
        # Local servers (Ollama, llama.cpp) take any key; the client needs a non-empty one.
        key = os.environ.get(settings.api_key_env) or "no-key"
        self._openai = openai
        self._client = openai.OpenAI(base_url=settings.base_url, api_key=key,
                                     timeout=settings.timeout, max_retries=0)
        self._cache = _Cache((cache_dir or state_home() / "suggest") / CACHE_FILE)
        self._examples: dict[str, list[tuple[Item, str]]] = {}
        self._count_lock = threading.Lock()
        self.unparsable = 0
        self.failed = 0
        self.requests = 0
        self.cache_hits = 0

    def __repr__(self) -> str:  # never the key
        return f"LLMModel(model={self.settings.model!r}, base_url={self.settings.base_url!r})"

    def close(self) -> None:
        """Close the HTTP client and the cache."""
        self._client.close()
        self._cache.close()

    # ------------------------------------------------------------------ protocol
    def fit(self, items: Sequence[Item], labels: Sequence[str]) -> None:
        """Keep up to ``max_examples`` labelled items per target as few-shot examples.

        Chosen deterministically and balanced across labels: per label, the items with the
        smallest hash of their text, taken in turn. More labels later change the choice
        only when a new item sorts first, so the prompt (and the cache) stays stable.
        """
        if len(items) != len(labels):
            raise ValueError("fit: items and labels differ in length")
        pools: dict[str, dict[str, list[Item]]] = {}
        for item, label in zip(items, labels, strict=True):
            if label in self.labels:
                pools.setdefault(item.target, {}).setdefault(label, []).append(item)
        self._examples = {}
        for target, by_label in pools.items():
            queues = {lab: sorted(its, key=_text_hash) for lab, its in by_label.items()}
            chosen: list[tuple[Item, str]] = []
            while len(chosen) < self.max_examples and any(queues.values()):
                for lab in self.labels:
                    if queues.get(lab) and len(chosen) < self.max_examples:
                        chosen.append((queues[lab].pop(0), lab))
            self._examples[target] = sorted(chosen, key=lambda p: _text_hash(p[0]))

    def predict_proba(self, items: Sequence[Item]) -> list[Mapping[str, float]]:
        """Ask the endpoint about every item (cached, ``concurrency`` at a time)."""
        if not items:
            return []
        with ThreadPoolExecutor(max_workers=self.settings.concurrency,
                                thread_name_prefix="llm") as pool:
            return list(pool.map(self._one, items))

    # ------------------------------------------------------------------ prompt
    def messages(self, item: Item) -> list[dict[str, str]]:
        """The chat messages for one unit x target (system, few-shot turns, the unit)."""
        try:
            target = self.schema.target(item.target)
        except KeyError:
            raise ConfigError(f"unknown target {item.target!r} (not in the schema)") from None
        label_lines = "\n".join(f"- {lab.value}" + (f": {lab.hint}" if lab.hint else "")
                                for lab in self.schema.labels)
        system = (
            "You label the stance of a speaker's statement toward a target.\n\n"
            + (f"Guidelines:\n{self.schema.guidelines.strip()}\n\n"
               if self.schema.guidelines.strip() else "")
            + f"Target: {target.name}\n"
            + (f"Target description: {target.description.strip()}\n"
               if target.description.strip() else "")
            + f"\nLabels:\n{label_lines}\n\n"
            'Answer with a JSON object and nothing else: {"stance": "<label>"} where <label> '
            f"is exactly one of {', '.join(self.labels)}."
        )
        msgs = [{"role": "system", "content": system}]
        shots = [(Item(ex.quote, ex.target), ex.label) for ex in self.schema.examples
                 if ex.target == item.target]
        shots += [(ex, lab) for ex, lab in self._examples.get(item.target, [])
                  if ex.text != item.text]
        for ex, lab in shots:
            msgs.append({"role": "user", "content": self._unit_text(ex, target.name)})
            msgs.append({"role": "assistant", "content": json.dumps({"stance": lab})})
        msgs.append({"role": "user", "content": self._unit_text(item, target.name)})
        return msgs

    @staticmethod
    def _unit_text(item: Item, target_name: str) -> str:
        parts = [f"Target: {target_name}"]
        if item.speaker:
            parts.append(f"Speaker: {item.speaker}")
        context = item.context.strip()
        if context and context != item.text.strip():
            if len(context) > MAX_CONTEXT:
                context = context[:MAX_CONTEXT] + " ..."
            parts.append(f"Context: {context}")
        parts.append(f"Statement: {item.text}")
        return "\n".join(parts)

    def cache_key(self, messages: Sequence[Mapping[str, str]]) -> str:
        """The cache key: endpoint, model, temperature and the whole prompt with the unit."""
        blob = json.dumps({"base_url": self.settings.base_url.rstrip("/"),
                           "model": self.settings.model,
                           "temperature": self.settings.temperature,
                           "messages": list(messages)}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()

    # ------------------------------------------------------------------ requests
    def _one(self, item: Item) -> Mapping[str, float]:
        msgs = self.messages(item)
        key = self.cache_key(msgs)
        answer = self._cache.get(key)
        if answer is not None:
            with self._count_lock:
                self.cache_hits += 1
        else:
            got = self._ask(msgs)
            if got is None:
                with self._count_lock:
                    self.failed += 1
                return {}
            answer = got
            self._cache.put(key, self.settings.model, answer)
        dist = parse_answer(answer, self.labels)
        if not dist:
            with self._count_lock:
                self.unparsable += 1
            log.debug("unparsable answer for target %s: %.80r", item.target, answer)
        return dist

    def _ask(self, msgs: list[dict[str, str]]) -> str | None:
        """One chat completion with retries; None when the endpoint refuses this item."""
        oa = self._openai
        s = self.settings
        where = f"the LLM endpoint {s.base_url}"
        for attempt in range(s.max_retries + 1):
            with self._count_lock:
                self.requests += 1
            try:
                resp = self._client.chat.completions.create(
                    model=s.model, messages=msgs,  # type: ignore[arg-type]
                    temperature=s.temperature)
                choice = resp.choices[0] if resp.choices else None
                content = choice.message.content if choice is not None else None
                return content or ""
            except (oa.AuthenticationError, oa.PermissionDeniedError) as exc:
                raise LLMError(
                    f"{where} refused the API key (HTTP {exc.status_code}): set the environment "
                    f"variable {s.api_key_env} (suggestions.llm.api_key_env) to a valid key"
                ) from None
            except oa.NotFoundError:
                raise LLMError(
                    f"{where} answered 404: no model {s.model!r} there, or the base URL lacks "
                    "its /v1 (suggestions.llm.model, suggestions.llm.base_url)") from None
            except (oa.BadRequestError, oa.UnprocessableEntityError) as exc:
                log.warning("%s refused one request (HTTP %s): no suggestion for it",
                            where, exc.status_code)
                return None
            except (oa.RateLimitError, oa.InternalServerError, oa.APIConnectionError,
                    oa.APIStatusError) as exc:
                status = getattr(exc, "status_code", None)
                if isinstance(exc, oa.APIStatusError) and status is not None and status < 500 \
                        and status != 429 and status != 408:
                    raise LLMError(f"{where} answered HTTP {status}") from None
                if attempt == s.max_retries:
                    why = f"HTTP {status}" if status else type(exc).__name__
                    raise LLMError(
                        f"{where} failed {attempt + 1} times ({why}); try again later or "
                        "lower suggestions.llm.concurrency") from None
                delay = min(8.0, self.retry_base * 2 ** attempt)
                retry_after = _retry_after(exc)
                if retry_after is not None:
                    delay = min(30.0, max(delay, retry_after))
                log.info("%s: %s, retrying in %.1f s", where, status or type(exc).__name__, delay)
                time.sleep(delay)
        return None  # not reached


def _retry_after(exc: Exception) -> float | None:
    resp = getattr(exc, "response", None)
    value = resp.headers.get("retry-after") if resp is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _text_hash(item: Item) -> str:
    return hashlib.sha1(item.text.encode("utf-8", "surrogatepass")).hexdigest()
