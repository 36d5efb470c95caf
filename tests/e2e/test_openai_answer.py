"""The language model's FAQ answer through the real `openai` client and a fake compatible server:
one call per turn, grounded or no answer, and every fault answered by the offline engine."""

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from openai import AsyncOpenAI
from structlog.testing import capture_logs

from adapters.fallback import FallbackQuestionAnswerer
from adapters.offline.answer import OfflineQuestionAnswerer
from adapters.openai.answer import PROMPT_PASSAGES, SCHEMA, OpenAIQuestionAnswerer
from adapters.openai.chat import ChatModel, make_client
from application.knowledge_index import Passage
from application.question_answerer import Answer
from application.turn import TurnInput
from domain.knowledge import Chunk
from domain.tenant import Tenant
from tests.fakes.openai_server import FakeOpenAI, completion, failure, malformed, slow

TURN = TurnInput(
    text="quanto custa o plano mensal?", tenant=Tenant(slug="arena", name="Arena Luta Livre"), now=dt.datetime(2026, 3, 4, tzinfo=dt.UTC)
)
PRICES = "O plano mensal da Arena custa R$ 210,00 e dá acesso a todas as aulas."
PASSAGES = [
    Passage(chunk=Chunk(tenant="arena", source="faq.md", heading="Quanto custa o plano mensal?", text=PRICES), score=4.0),
    Passage(chunk=Chunk(tenant="arena", source="faq.md", heading="Tem sauna?", text="Sim, sauna seca das 17h às 21h."), score=1.0),
]
MODEL_ANSWER = "O mensal sai por R$ 210,00, com todas as aulas."


def grounded(**changes: object) -> dict:
    return {"route": "faq", "answer": MODEL_ANSWER, "passage_ids": ["P1"], "passages_answer": True, **changes}


@pytest.fixture
async def client(fake: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    client = make_client("sk-fake", fake.base_url, timeout=0.5)
    yield client
    await client.close()


@pytest.fixture
def answerer(client: AsyncOpenAI) -> FallbackQuestionAnswerer:
    return FallbackQuestionAnswerer(OpenAIQuestionAnswerer(ChatModel(client, "fake-model")), OfflineQuestionAnswerer())


async def test_one_call_with_the_passages_ids_and_the_strict_schema(fake, answerer):
    fake.plan(completion(grounded()))
    with capture_logs() as logs:
        assert await answerer.answer(TURN, PASSAGES) == Answer(text=MODEL_ANSWER)
    [request] = fake.requests
    assert request["model"] == "fake-model"
    assert request["response_format"] == {"type": "json_schema", "json_schema": {"name": "faq_answer", "strict": True, "schema": SCHEMA}}
    prompt = request["messages"][-1]["content"]
    assert "[P1] Quanto custa o plano mensal?" in prompt and "[P2] Tem sauna?" in prompt and prompt.endswith(TURN.text)
    [call] = [log for log in logs if log["event"] == "llm.call"]
    assert call["model"] == "fake-model" and call["prompt_tokens"] > 0 and call["completion_tokens"] > 0 and call["cached_tokens"] == 0


@pytest.mark.parametrize("changes", [{"passage_ids": ["P3"]}, {"passages_answer": False, "answer": ""}])
async def test_an_ungrounded_answer_is_no_answer(fake, answerer, changes):
    fake.plan(completion(grounded(**changes)))
    assert await answerer.answer(TURN, PASSAGES) == Answer()
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (failure(429), "status 429"),
        (failure(500), "status 500"),
        (slow(2, grounded()), "timeout"),
        (malformed(), "invalid response body"),
        (completion('{"route": "faq", "answer": "R$ 2'), "invalid JSON"),
        (completion("O plano mensal custa R$ 210,00."), "invalid JSON"),
        (completion({"answer": MODEL_ANSWER}), "schema: expected the keys route, answer, passage_ids, passages_answer"),
    ],
)
async def test_a_fault_is_answered_by_the_offline_engine(fake, answerer, fault, reason):
    fake.plan(fault)
    with capture_logs() as logs:
        assert await answerer.answer(TURN, PASSAGES) == Answer(text=PRICES, fallback=True)
    assert len(fake.requests) == 1  # no retries: the offline engine answers at once
    assert [(log["decision"], log["reason"]) for log in logs if log["event"] == "llm.fallback"] == [("faq_answer", reason)]


async def test_a_passage_under_the_score_floor_is_not_sent_nor_citable(fake, client):
    answerer = OpenAIQuestionAnswerer(ChatModel(client, "fake-model"), min_score=2.0)
    fake.plan(completion(grounded()), completion(grounded(passage_ids=["P2"], answer="Temos sauna seca.")))

    assert await answerer.answer(TURN, PASSAGES) == Answer(text=MODEL_ANSWER)
    assert await answerer.answer(TURN, PASSAGES) == Answer(text=None)  # P2 was never sent
    for request in fake.requests:
        prompt = request["messages"][-1]["content"]
        assert "[P1] Quanto custa o plano mensal?" in prompt and "sauna" not in prompt

    fake.plan(completion(grounded()))
    assert await answerer.answer(TURN, [PASSAGES[1]]) == Answer(text=None)  # nothing left to cite: the call still routes the turn
    assert "Passagens:\nnenhuma" in fake.requests[-1]["messages"][-1]["content"]


async def test_the_prompt_holds_only_the_best_ranked_passages(fake, client):
    answerer = OpenAIQuestionAnswerer(ChatModel(client, "fake-model"))
    extra = [Passage(chunk=Chunk(tenant="arena", source="faq.md", heading=f"Seção {n}", text=f"texto {n}"), score=1.5) for n in range(4)]
    fake.plan(completion(grounded()))
    await answerer.answer(TURN, [*PASSAGES, *extra])
    prompt = fake.requests[-1]["messages"][-1]["content"]
    sent = [*PASSAGES, *extra][:PROMPT_PASSAGES]
    assert all(p.chunk.heading in prompt for p in sent) and f"[P{PROMPT_PASSAGES + 1}]" not in prompt
