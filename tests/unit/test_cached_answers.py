"""A question that stands alone is answered once per tenant, knowledge and engine; what is not a
question's own answer is never reused."""

import datetime as dt
from collections.abc import Sequence

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from application.answer_question import AnswerQuestion
from application.cache import normalized
from application.cached_answers import CachedAnswers
from application.knowledge_index import Passage
from application.model_usage import Caller
from application.question_answerer import Answer
from application.turn import TurnInput
from domain.knowledge import Chunk
from domain.route import Route
from domain.tenant import Tenant
from tests.unit.fakes import FakeCache, FakeIndex

NOW = dt.datetime(2026, 3, 4, 15, 0, tzinfo=dt.UTC)
ARENA, BOX = Tenant(slug="arena", name="Arena"), Tenant(slug="box", name="Box")


def chunks(tenant: Tenant, price: str = "R$ 100") -> list[Chunk]:
    return [Chunk(tenant=tenant.slug, source="faq.md", heading="Preço", text=f"o plano custa {price} quanto valor")]


@attrs.define
class CountingIndex(FakeIndex):
    searches: int = 0

    async def search(self, caller: Caller, query: str, limit: int) -> Sequence[Passage]:
        self.searches += 1
        return await super().search(caller, query, limit)


@attrs.define
class Answerer:
    """Answers with the asking tenant, the question as a cache sees it and the passage it read."""

    route: Route = Route.FAQ
    fallback: bool = False
    calls: int = 0

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> Answer:
        self.calls += 1
        if self.route is not Route.FAQ:
            return Answer(route=self.route, text="Oi!" if self.route is Route.SMALLTALK else None)
        return Answer(text=f"{turn.tenant.slug}|{normalized(turn.text)}|{passages[0].chunk.text}", fallback=self.fallback)


@attrs.frozen
class FollowUps:
    """A question opening with "e " follows up on the previous one."""

    def standalone(self, turn: TurnInput) -> str | None:
        return f"{turn.text} plano" if turn.text.startswith("e ") else None

    def answering(self, turn: TurnInput, passages: Sequence[Passage]) -> list[Passage]:
        return list(passages)


@attrs.define
class Desk:
    index: CountingIndex = attrs.field(factory=lambda: CountingIndex({"arena": chunks(ARENA), "box": chunks(BOX, "R$ 70")}))
    answerer: Answerer = attrs.field(factory=Answerer)
    cache: FakeCache = attrs.field(factory=FakeCache)
    engine: str = "offline"

    async def ask(self, text: str, tenant: Tenant = ARENA) -> Answer:
        use_case = AnswerQuestion(self.answerer, self.index, FollowUps(), cached=CachedAnswers(self.cache, self.engine))
        return await use_case.execute(TurnInput(text=text, tenant=tenant, now=NOW))


async def test_the_same_question_is_answered_from_the_cache_however_it_is_typed():
    desk = Desk()
    first = await desk.ask("Quanto custa o plano?")
    again = await desk.ask("  quanto CUSTA o plano ")
    assert again.text == first.text and again.route is Route.FAQ
    assert desk.index.searches == 1 and desk.answerer.calls == 1


async def test_another_tenant_asking_the_same_question_gets_its_own_answer():
    desk = Desk()
    await desk.ask("quanto custa o plano?", ARENA)
    answer = await desk.ask("quanto custa o plano?", BOX)
    assert answer.text is not None and answer.text.startswith("box|") and "R$ 70" in answer.text
    assert all(key.startswith(f"tenant:{ARENA.id}:") or key.startswith(f"tenant:{BOX.id}:") for key in desk.cache.values)


async def test_new_knowledge_is_answered_anew():
    desk = Desk()
    await desk.ask("quanto custa o plano?")
    await desk.index.sync(ARENA, chunks(ARENA, "R$ 120"))
    answer = await desk.ask("quanto custa o plano?")
    assert answer.text is not None and "R$ 120" in answer.text and desk.answerer.calls == 2


async def test_new_facts_or_another_engine_answer_anew():
    desk = Desk()
    await desk.ask("quanto custa o plano?")
    renamed = attrs.evolve(ARENA, name="Arena Fight")
    await desk.ask("quanto custa o plano?", renamed)
    desk.engine = "openai:gpt-4o-mini:None"
    await desk.ask("quanto custa o plano?")
    assert desk.answerer.calls == 3


async def test_a_follow_up_is_never_cached():
    desk = Desk()
    await desk.ask("e o plano, quanto custa?")
    await desk.ask("e o plano, quanto custa?")
    assert desk.answerer.calls == 2 and desk.cache.values == {}


async def test_what_is_not_the_question_own_answer_is_not_kept():
    for answerer in (
        Answerer(route=Route.BOOKING),
        Answerer(route=Route.SMALLTALK),
        Answerer(route=Route.ESCALATE),
        Answerer(fallback=True),
    ):
        desk = Desk(answerer=answerer)
        await desk.ask("quanto custa o plano?")
        await desk.ask("quanto custa o plano?")
        assert desk.answerer.calls == 2 and desk.cache.values == {}, answerer


async def test_a_question_nothing_answers_is_asked_again():
    desk = Desk()
    await desk.ask("tem sauna?")  # no passage holds a word of it: no answer
    await desk.ask("tem sauna?")
    assert desk.index.searches == 2 and desk.cache.values == {}


async def test_a_question_without_words_is_not_keyed():
    desk = Desk()
    await desk.ask("???")
    assert desk.cache.values == {}


async def test_a_cache_that_is_down_costs_nothing_but_the_reuse():
    desk = Desk(cache=FakeCache(down=True))
    answers = [await desk.ask("quanto custa o plano?") for _ in range(2)]
    assert answers[0] == answers[1] and answers[0].text is not None and desk.answerer.calls == 2


QUESTIONS = ["quanto custa o plano?", "Quanto custa o plano", "qual o valor do plano?", "plano quanto", "e o plano?"]


@settings(max_examples=60, deadline=None)
@given(asks=st.lists(st.tuples(st.sampled_from([ARENA, BOX]), st.sampled_from(QUESTIONS)), min_size=1, max_size=12))
async def test_every_answer_is_the_one_the_asking_tenant_would_get_without_a_cache(asks):
    cached, uncached = Desk(), Desk()
    for tenant, question in asks:
        answer = await cached.ask(question, tenant)
        plain = await AnswerQuestion(uncached.answerer, uncached.index, FollowUps()).execute(
            TurnInput(text=question, tenant=tenant, now=NOW)
        )
        assert answer.text == plain.text
        assert answer.text is None or answer.text.startswith(f"{tenant.slug}|")
