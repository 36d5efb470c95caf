"""One Chat Completions call that must answer a JSON object of a given schema: the schema is sent
as a strict `response_format`, and the reply is parsed here, since servers differ in enforcing it."""

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import openai
import structlog
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from adapters.openai.failure import ModelFailure
from application.turn import TurnInput

log = structlog.get_logger(__name__)
# Each retry is another billed call and another wait of up to the timeout, while the offline engine
# answers at once: a failed call falls back instead of being repeated.
MAX_RETRIES = 0


def make_client(api_key: str, base_url: str | None, timeout: float) -> AsyncOpenAI:
    return AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=MAX_RETRIES)


class ChatModel:
    """The one door to the chat model: every decision of every turn asks through it, so what a
    call costs and whether it may be made at all are decided in one place."""

    def __init__(self, client: AsyncOpenAI, model: str) -> None:
        self.client = client
        self.model = model

    async def ask_json(
        self, turn: TurnInput, decision: str, messages: Sequence[ChatCompletionMessageParam], schema: Mapping[str, Any]
    ) -> Any:
        """The reply's JSON value (not yet checked against `schema`: the caller does that), or
        `ModelFailure` when the call fails or the reply is not JSON."""
        return await ask_json(self.client, self.model, decision, messages, schema)


async def ask_json(
    client: AsyncOpenAI, model: str, decision: str, messages: Sequence[ChatCompletionMessageParam], schema: Mapping[str, Any]
) -> Any:
    started = time.monotonic()
    try:
        response = await client.chat.completions.create(
            model=model,
            messages=messages,
            response_format={"type": "json_schema", "json_schema": {"name": decision, "strict": True, "schema": dict(schema)}},
        )
    except openai.APITimeoutError:
        raise ModelFailure("timeout") from None
    except openai.APIStatusError as error:
        raise ModelFailure(f"status {error.status_code}") from None
    except openai.APIConnectionError:
        raise ModelFailure("connection") from None
    except (openai.APIResponseValidationError, ValueError):
        # openai 1.109 lets the JSON decoder's error through when a 200's body is not JSON.
        raise ModelFailure("invalid response body") from None
    usage = response.usage
    cached = usage.prompt_tokens_details.cached_tokens if usage and usage.prompt_tokens_details else None
    log.info(
        "llm.call",
        decision=decision,
        model=response.model,
        latency_ms=round((time.monotonic() - started) * 1000),
        prompt_tokens=usage.prompt_tokens if usage else None,
        cached_tokens=cached,
        completion_tokens=usage.completion_tokens if usage else None,
    )
    if not response.choices or not response.choices[0].message.content:
        raise ModelFailure("refusal" if response.choices and response.choices[0].message.refusal else "empty reply")
    try:
        return json.loads(response.choices[0].message.content)
    except ValueError:
        raise ModelFailure("invalid JSON") from None
