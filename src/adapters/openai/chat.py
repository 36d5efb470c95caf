"""One Chat Completions call that must answer a JSON object of a given schema: the schema is sent
as a strict `response_format`, and the reply is parsed here, since servers differ in enforcing it."""

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from adapters.openai.failure import ModelFailure, failures_as_model_failure
from application.meter_model_calls import CallRefused, MeterModelCalls
from application.model_usage import OK
from application.pricing import Tokens
from application.turn import TurnInput

log = structlog.get_logger(__name__)
# Each retry is another billed call and another wait of up to the timeout, while the offline engine
# answers at once: a failed call falls back instead of being repeated.
MAX_RETRIES = 0


def make_client(api_key: str, base_url: str | None, timeout: float) -> AsyncOpenAI:
    return AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=MAX_RETRIES)


class ChatModel:
    """The one door to the chat model: every decision of every turn asks through it, so what a
    call costs and whether it may be made at all are decided in one place (`meter`; None only
    where a decision is tested on its own)."""

    def __init__(self, client: AsyncOpenAI, model: str, meter: MeterModelCalls | None = None) -> None:
        self.client = client
        self.model = model
        self.meter = meter

    async def ask_json(
        self, turn: TurnInput, decision: str, messages: Sequence[ChatCompletionMessageParam], schema: Mapping[str, Any]
    ) -> Any:
        """The reply's JSON value (not yet checked against `schema`: the caller does that), or
        `ModelFailure` when the call fails, the reply is not JSON, or no call may be made (the
        circuit is open, the tenant's budget is spent)."""
        if self.meter is None:
            return _json(await _complete(self.client, self.model, decision, messages, schema))
        try:
            admission = await self.meter.admit(turn.caller, self.model)
        except CallRefused as refused:
            raise ModelFailure(refused.reason) from None
        started = time.monotonic()
        tokens = Tokens()
        try:
            response = await _complete(self.client, self.model, decision, messages, schema)
            tokens = _tokens(response)
            reply = _json(response)
        except Exception as error:
            outcome = error.reason if isinstance(error, ModelFailure) else type(error).__name__
            await self.meter.record(admission, turn.caller, decision, self.model, tokens, _since(started), outcome)
            raise
        await self.meter.record(admission, turn.caller, decision, self.model, tokens, _since(started), OK)
        return reply


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


async def _complete(
    client: AsyncOpenAI, model: str, decision: str, messages: Sequence[ChatCompletionMessageParam], schema: Mapping[str, Any]
) -> ChatCompletion:
    started = time.monotonic()
    with failures_as_model_failure():
        response = await client.chat.completions.create(
            model=model,
            messages=messages,
            response_format={"type": "json_schema", "json_schema": {"name": decision, "strict": True, "schema": dict(schema)}},
        )
    tokens = _tokens(response)
    log.info(
        "llm.call",
        decision=decision,
        model=response.model,
        latency_ms=_since(started),
        prompt_tokens=tokens.prompt,
        cached_tokens=tokens.cached,
        completion_tokens=tokens.completion,
    )
    return response


def _tokens(response: ChatCompletion) -> Tokens:
    """What the provider says it billed; a server that leaves a count out bills it as 0."""
    usage = response.usage
    if usage is None:
        return Tokens()
    details = usage.prompt_tokens_details
    return Tokens(
        prompt=usage.prompt_tokens or 0, cached=(details.cached_tokens or 0) if details else 0, completion=usage.completion_tokens or 0
    )


def _json(response: ChatCompletion) -> Any:
    if not response.choices or not response.choices[0].message.content:
        raise ModelFailure("refusal" if response.choices and response.choices[0].message.refusal else "empty reply")
    try:
        return json.loads(response.choices[0].message.content)
    except ValueError:
        raise ModelFailure("invalid JSON") from None
