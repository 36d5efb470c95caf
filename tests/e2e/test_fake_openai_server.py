"""The fake OpenAI-compatible server answers the real `openai` client, so engine tests against it mean something."""

from collections.abc import AsyncIterator

import openai
import pytest
from openai import AsyncOpenAI

from tests.fakes.embedding_space import EmbeddingSpace
from tests.fakes.openai_server import FakeOpenAI, completion, failure, malformed, slow


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


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


async def test_embeddings_come_in_openai_form_and_put_texts_that_share_words_close(fake, client):
    """The client asks for base64 unless told otherwise; both forms give the same vectors."""
    texts = ["O estacionamento é gratuito", "estacionamento gratuito?", "Temos chuveiros com água quente"]

    decoded = await client.embeddings.create(model="fake-embedder", input=texts)
    floats = await client.embeddings.create(model="fake-embedder", input=texts, encoding_format="float")

    assert [d.index for d in decoded.data] == [0, 1, 2] and decoded.model == "fake-embedder"
    assert decoded.usage.prompt_tokens == 11  # words, as the chat side counts tokens
    for a, b in zip(decoded.data, floats.data, strict=True):
        assert len(a.embedding) == fake.space.size and a.embedding == pytest.approx(b.embedding, abs=1e-6)
    parking, question, showers = (d.embedding for d in floats.data)
    assert _cosine(parking, question) > 0.8 > 0.1 > _cosine(question, showers)
    assert [r["input"] for r in fake.embedding_requests] == [texts, texts] and fake.requests == []


async def test_synonyms_bring_a_paraphrase_close(fake, client):
    fake.space = EmbeddingSpace(synonyms={"carro": "estacionamento"})
    reply = await client.embeddings.create(model="m", input=["onde deixo o carro", "estacionamento gratuito"], encoding_format="float")
    assert _cosine(reply.data[0].embedding, reply.data[1].embedding) > 0.4


@pytest.mark.parametrize(
    ("reply", "error"),
    [(failure(429), openai.RateLimitError), (failure(500), openai.InternalServerError), (slow(2), openai.APITimeoutError)],
)
async def test_embedding_faults_are_planned_apart_from_the_chat_ones(fake, client, reply, error):
    fake.plan_embeddings(reply)
    with pytest.raises(error):
        await client.embeddings.create(model="m", input="oi")
    assert len((await client.embeddings.create(model="m", input="oi")).data) == 1
    assert len(fake.embedding_requests) == 2


async def test_an_empty_input_is_refused_as_openai_does(fake, client):
    with pytest.raises(openai.BadRequestError):
        await client.embeddings.create(model="m", input=["oi", ""])


async def test_a_responder_answers_what_is_not_planned():
    with FakeOpenAI(responder=lambda request: {"echo": request["messages"][-1]["content"]}) as fake:
        client = AsyncOpenAI(api_key="sk-fake", base_url=fake.base_url, timeout=0.5, max_retries=0)
        fake.plan(completion({"planned": True}))
        planned, computed = await _ask(client), await _ask(client)
        await client.close()

    assert planned.choices[0].message.content == '{"planned": true}'
    assert computed.choices[0].message.content == '{"echo": "oi tudo bem"}'
