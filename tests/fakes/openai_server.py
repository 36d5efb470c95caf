"""A fake OpenAI-compatible server on a real loopback HTTP port, for e2e tests: the real `openai`
client talks to it as to api.openai.com or a self-hosted server.

`POST /v1/chat/completions` answers with a chat.completion object (with `usage`) whose message
content is the next planned `Reply`; every request is recorded, so a test can read what was sent
(messages, `response_format`, model). Faults on demand: an HTTP error with OpenAI's error body
(429, 500), a reply slower than the client's timeout, a body that is not JSON, or content that
ignores the schema (a completion whose content is whatever the test says). With nothing planned,
it answers `{}` as content, which no schema of ours accepts: a test that calls it unplanned fails;
unless it was given a `responder`, a scripted model that computes the content from the request.

`POST /v1/embeddings` answers every input with a vector of `space` (an `EmbeddingSpace`: texts
that share words are close; a test may set its size and synonyms), as floats or base64 as asked.
Its requests are recorded apart, in `embedding_requests`, and its faults planned apart, with
`plan_embeddings` (the same `Reply` values; their `content` is not used).
"""

import asyncio
import base64
import json
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

import attrs

from tests.fakes.embedding_space import EmbeddingSpace
from tests.fakes.loopback import LoopbackServer, read_body

MODEL = "fake-model"


def own_model() -> str:
    """A model name no other test uses. The circuit breaker reads its state from the ledger's latest
    calls of a model, and tests share a database: a test's planned faults must not open the circuit
    for the next test."""
    return f"{MODEL}-{uuid.uuid4().hex[:8]}"


@attrs.frozen
class Reply:
    """One planned answer: `content` becomes the message content (a dict or list is sent as its
    JSON text); `status` other than 200 sends OpenAI's error body instead; `raw` replaces the whole
    HTTP body; `delay` (seconds) comes first; `cached_tokens` of the prompt are billed as read from
    the provider's prompt cache."""

    content: object = None
    cached_tokens: int = 0
    status: int = 200
    raw: bytes | None = None
    delay: float = 0.0


def completion(content: object, cached_tokens: int = 0) -> Reply:
    return Reply(content=content, cached_tokens=cached_tokens)


def failure(status: int) -> Reply:
    return Reply(status=status)


def slow(seconds: float, content: object = None) -> Reply:
    return Reply(content=content, delay=seconds)


def malformed() -> Reply:
    """A 200 whose body is not JSON, as a proxy in trouble may answer."""
    return Reply(raw=b"<html>upstream hiccup</html>")


_ERRORS = {
    400: ("'$.input' is invalid.", "invalid_request_error", None),
    429: ("Rate limit reached for requests", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request.", "server_error", None),
}


class FakeOpenAI:
    """Use as a context manager: `with FakeOpenAI() as fake: AsyncOpenAI(base_url=fake.base_url, ...)`."""

    def __init__(self, responder: Callable[[dict], object] | None = None) -> None:
        self.requests: list[dict] = []  # each chat request's JSON body, in order
        self.embedding_requests: list[dict] = []
        self.space = EmbeddingSpace()
        self._responder = responder
        self._plan: deque[Reply] = deque()
        self._embedding_plan: deque[Reply] = deque()
        self._released = threading.Event()
        self._server = LoopbackServer(self._app, "fake-openai")
        self.base_url = ""

    def plan(self, *replies: Reply) -> None:
        self._plan.extend(replies)

    def plan_embeddings(self, *replies: Reply) -> None:
        self._embedding_plan.extend(replies)

    def reset(self) -> None:
        self.requests.clear()
        self._plan.clear()
        self.embedding_requests.clear()
        self._embedding_plan.clear()
        self.space = EmbeddingSpace()

    def start(self) -> "FakeOpenAI":
        self.base_url = f"http://127.0.0.1:{self._server.start()}/v1"
        return self

    def stop(self) -> None:
        self._released.set()  # wakes planned delays, so shutdown does not wait for them
        self._server.stop()

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _app(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        status, data = await self._answer(scope["method"], scope["path"], body)
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": data})

    async def _answer(self, method: str, path: str, raw: bytes) -> tuple[int, bytes]:
        if (method, path) == ("POST", "/v1/chat/completions"):
            request = json.loads(raw)
            self.requests.append(request)
            reply = self._plan.popleft() if self._plan else completion(self._responder(request) if self._responder else {})
            return await self._reply(reply, lambda: _completion(request, reply.content, reply.cached_tokens))
        if (method, path) == ("POST", "/v1/embeddings"):
            request = json.loads(raw)
            self.embedding_requests.append(request)
            return await self._reply(self._embedding_plan.popleft() if self._embedding_plan else Reply(), lambda: self._embeddings(request))
        return 404, _error(404, f"Unknown request URL: {method} {path}", "invalid_request_error", "unknown_url")

    async def _reply(self, reply: Reply, body: Callable[[], dict | None]) -> tuple[int, bytes]:
        """The planned fault, if any; else `body()` (None: the request is invalid, a 400)."""
        deadline = time.monotonic() + reply.delay
        while time.monotonic() < deadline and not self._released.is_set():
            await asyncio.sleep(0.02)
        if reply.raw is not None:
            return 200, reply.raw
        answer = body() if reply.status == 200 else None
        if answer is None:
            status = reply.status if reply.status != 200 else 400
            message, kind, code = _ERRORS.get(status, ("Error", "server_error", None))
            return status, _error(status, message, kind, code)
        return 200, json.dumps(answer).encode()

    def _embeddings(self, request: dict[str, Any]) -> dict | None:
        texts = request.get("input")
        texts = [texts] if isinstance(texts, str) else texts
        # As OpenAI: a list of non-empty strings (token arrays are not spoken here).
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t for t in texts):
            return None
        vectors = [self.space.vector(text) for text in texts]
        as_base64 = request.get("encoding_format") == "base64"
        tokens = sum(len(text.split()) for text in texts)
        return {
            "object": "list",
            "data": [{"object": "embedding", "index": i, "embedding": _base64(v) if as_base64 else v} for i, v in enumerate(vectors)],
            "model": request.get("model", MODEL),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }


def _base64(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def _completion(request: dict[str, Any], content: object, cached_tokens: int = 0) -> dict:
    text = content if isinstance(content, str) else json.dumps(content)
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in request.get("messages", []))
    completion_tokens = len(text.split())
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", MODEL),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": min(cached_tokens, prompt_tokens)},
        },
    }


def _error(status: int, message: str, kind: str, code: str | None) -> bytes:
    return json.dumps({"error": {"message": message, "type": kind, "param": None, "code": code}}).encode()
