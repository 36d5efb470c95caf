import attrs

from application.knowledge_index import KnowledgeIndex
from application.question_answerer import Answer, QuestionAnswerer
from application.turn import TurnInput


@attrs.define
class AnswerQuestion:
    """Answers from the tenant's knowledge base only; when it holds no answer, says so (no text)
    instead of guessing. How to tell the member is the caller's: it knows what else is pending."""

    answerer: QuestionAnswerer
    index: KnowledgeIndex
    passages: int = 3

    async def execute(self, turn: TurnInput) -> Answer:
        found = await self.index.search(turn.caller, turn.text, self.passages)
        return await self.answerer.answer(turn, found) if found else Answer()
