import attrs

from application import replies
from application.engine import Engine, TurnInput
from application.knowledge_index import KnowledgeIndex


@attrs.frozen
class Answer:
    text: str
    grounded: bool  # False: the knowledge base had no answer and the text says so


@attrs.define
class AnswerQuestion:
    """Answers from the tenant's knowledge base only; when it holds no answer, says so instead of
    guessing."""

    engine: Engine
    index: KnowledgeIndex
    passages: int = 3

    async def execute(self, turn: TurnInput) -> Answer:
        found = await self.index.search(turn.tenant.slug, turn.text, self.passages)
        text = await self.engine.answer(turn, found) if found else None
        if text is None:
            return Answer(text=replies.no_answer(turn.tenant), grounded=False)
        return Answer(text=text, grounded=True)
