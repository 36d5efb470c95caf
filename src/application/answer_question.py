from collections.abc import Sequence

import attrs

from application.cached_answers import CachedAnswers
from application.follow_ups import FollowUpReader
from application.knowledge_index import KnowledgeIndex, Passage
from application.question_answerer import Answer, QuestionAnswerer
from application.turn import TurnInput

# Passages read for a question: the offline extraction weighs each against the question, so the one
# that answers may rank fourth or fifth by BM25 (a question about the whole timetable ranks every
# single modality's first). A model's prompt takes fewer of them (`openai.answer.PROMPT_PASSAGES`).
PASSAGES = 6
# A follow-up is searched with its subject, whose words outnumber its own ("valor" against "jiu" and
# "mulher"): the passage that answers may rank below the subject's own sections, so more are read.
FOLLOW_UP_DEPTH = 3


@attrs.define
class AnswerQuestion:
    """Answers from the tenant's knowledge base only; when it holds no answer, says so (no text)
    instead of guessing. How to tell the member is the caller's: it knows what else is pending.
    With `cached`, a question that stands alone is answered as it was last time it was asked of the
    same knowledge; a follow-up, read with the history, is always answered anew."""

    answerer: QuestionAnswerer
    index: KnowledgeIndex
    follow_ups: FollowUpReader
    passages: int = PASSAGES
    cached: CachedAnswers | None = None

    async def execute(self, turn: TurnInput) -> Answer:
        if self.cached is None or self.follow_ups.standalone(turn) is not None:
            return (await self.consult(turn)).answer
        key = self.cached.key(turn.tenant, await self.index.version(turn.tenant), turn.text)
        if key is not None and (answer := await self.cached.get(key)) is not None:
            return answer
        answer = (await self.consult(turn)).answer
        if key is not None:
            await self.cached.put(key, answer)
        return answer

    async def consult(self, turn: TurnInput) -> "Consultation":
        """The answer with the passages it was built from (for staff testing the knowledge base)."""
        found = await self.retrieve(turn)
        return Consultation(passages=found, answer=await self.answerer.answer(turn, found) if found else Answer())

    async def retrieve(self, turn: TurnInput) -> list[Passage]:
        """The passages an answer to `turn` is built from, best first."""
        standalone = self.follow_ups.standalone(turn)
        if standalone is None:
            return list(await self.index.search(turn.caller, turn.text, self.passages))
        deeper = await self.index.search(turn.caller, standalone, self.passages * FOLLOW_UP_DEPTH)
        return self.follow_ups.answering(turn, deeper)[: self.passages]


@attrs.frozen(kw_only=True)
class Consultation:
    passages: Sequence[Passage]
    answer: Answer
