from collections.abc import Sequence
from typing import Protocol

from application.knowledge_index import Passage
from application.turn import TurnInput


class FollowUpReader(Protocol):
    """Reads a question in its conversation, for retrieval by every engine: a follow-up's own words
    ("e qual o valor?") would find a passage about something else ("objetos de valor")."""

    def standalone(self, turn: TurnInput) -> str | None:
        """When the member's question lacks a subject of its own, the question with the subject of
        the member's earlier question added, to search with; None for a question that stands alone."""

    def answering(self, turn: TurnInput, passages: Sequence[Passage]) -> list[Passage]:
        """Of the passages found for a follow-up, in their order, those that hold what the follow-up
        itself asks: the subject says which thing it is about, its own words what is asked."""
