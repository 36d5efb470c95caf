"""The fake OpenAI-compatible server answers the real `openai` client, so engine tests against it mean something."""

from collections.abc import AsyncIterator, Iterator

import openai
import pytest
from openai import AsyncOpenAI

from tests.fakes.openai_server import FakeOpenAI, completion, failure, malformed, slow


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeOpenAI) -> FakeOpenAI:
    server.reset()
    return server


@pytest.fixture
async def client(fake: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    client = AsyncOpenAI(api_key="sk-fake", base_url=fake.base_url, timeout=0.5, max_retries=0)
    yield client
    await client.close()


async def _ask(client: AsyncOpenAI) -> openai.types.chat.ChatCompletion:
    return await client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "oi tudo bem"}])


async def test_the_client_gets_the_scripted_completion_with_usage(fake, client):
    fake.plan(completion({"answer": "R$ 189"}))

    reply = await _ask(client)

    assert reply.choices[0].message.content == '{"answer": "R$ 189"}'
    assert reply.usage is not None and (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (3, 3)
    assert fake.requests == [{"model": "fake-model", "messages": [{"role": "user", "content": "oi tudo bem"}]}]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (failure(429), openai.RateLimitError),
        (failure(500), openai.InternalServerError),
        (slow(2), openai.APITimeoutError),
    ],
)
async def test_faults_reach_the_client_as_its_own_errors(fake, client, reply, error):
    fake.plan(reply)
    with pytest.raises(error):
        await _ask(client)


async def test_a_body_that_is_not_json_fails_the_call(fake, client):
    """openai 1.109 lets the JSON decoder's error through, not one of its own."""
    fake.plan(malformed())
    with pytest.raises(ValueError):
        await _ask(client)


async def test_a_responder_answers_what_is_not_planned():
    with FakeOpenAI(responder=lambda request: {"echo": request["messages"][-1]["content"]}) as fake:
        client = AsyncOpenAI(api_key="sk-fake", base_url=fake.base_url, timeout=0.5, max_retries=0)
        fake.plan(completion({"planned": True}))
        planned, computed = await _ask(client), await _ask(client)
        await client.close()

    assert planned.choices[0].message.content == '{"planned": true}'
    assert computed.choices[0].message.content == '{"echo": "oi tudo bem"}'
