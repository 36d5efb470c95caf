from collections.abc import Sequence
from typing import Protocol

from application.knowledge_index import Passage
from application.turn import TurnInput


class QuestionAnswerer(Protocol):
    """Answers a member's question from the tenant's knowledge base."""

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> str | None:
        """A pt-BR answer built only from `passages`, or None when they do not answer the question
        (never a guess)."""
