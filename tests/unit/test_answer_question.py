import datetime as dt
from collections.abc import Sequence

import attrs

from application.answer_question import FOLLOW_UP_DEPTH, PASSAGES, AnswerQuestion
from application.knowledge_index import Passage
from application.model_usage import Caller
from application.question_answerer import Answer
from application.turn import TurnInput
from domain.knowledge import Chunk
from domain.tenant import Tenant
from tests.unit.fakes import FakeIndex

NOW = dt.datetime(2026, 3, 4, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
TENANT = Tenant(slug="ct", name="CT")
CHUNKS = [Chunk(tenant="ct", source="a.md", heading=f"Seção {n}", text=f"jiu mulher texto {n}") for n in range(12)]


@attrs.define
class RecordingIndex(FakeIndex):
    searches: list[tuple[str, int]] = attrs.field(factory=list)

    async def search(self, caller: Caller, query: str, limit: int) -> Sequence[Passage]:
        self.searches.append((query, limit))
        return await super().search(caller, query, limit)


@attrs.frozen
class FakeFollowUps:
    """A question opening with "e " follows up on "jiu mulher"; what it asks is in the even sections."""

    def standalone(self, turn: TurnInput) -> str | None:
        return f"{turn.text} jiu mulher" if turn.text.startswith("e ") else None

    def answering(self, turn: TurnInput, passages: Sequence[Passage]) -> list[Passage]:
        return [p for p in passages if int(p.chunk.heading.split()[-1]) % 2 == 0]


@attrs.define
class RecordingAnswerer:
    seen: list[tuple[str, list[str]]] = attrs.field(factory=list)

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> Answer:
        self.seen.append((turn.text, [p.chunk.heading for p in passages]))
        return Answer(text="ok")


async def ask(text: str) -> tuple[RecordingIndex, RecordingAnswerer]:
    index, answerer = RecordingIndex({"ct": CHUNKS}), RecordingAnswerer()
    await AnswerQuestion(answerer, index, FakeFollowUps()).execute(TurnInput(text=text, tenant=TENANT, now=NOW))
    return index, answerer


async def test_a_question_that_stands_alone_is_searched_as_written():
    index, answerer = await ask("tem jiu pra mulher?")
    assert index.searches == [("tem jiu pra mulher?", PASSAGES)]
    assert len(answerer.seen[0][1]) == PASSAGES


async def test_a_follow_up_is_searched_deeper_with_its_subject_and_answered_from_what_it_asks():
    index, answerer = await ask("e qual o valor?")
    assert index.searches == [("e qual o valor? jiu mulher", PASSAGES * FOLLOW_UP_DEPTH)]
    [(text, headings)] = answerer.seen
    assert text == "e qual o valor?"  # the member's own words, with the history, are the answerer's to read
    assert len(headings) == PASSAGES and all(int(h.split()[-1]) % 2 == 0 for h in headings)


async def test_a_follow_up_no_passage_answers_is_not_answered():
    index, answerer = RecordingIndex({"ct": CHUNKS[1:2]}), RecordingAnswerer()
    answer = await AnswerQuestion(answerer, index, FakeFollowUps()).execute(TurnInput(text="e o valor?", tenant=TENANT, now=NOW))
    assert answer == Answer() and answerer.seen == []
