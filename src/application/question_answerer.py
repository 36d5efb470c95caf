from collections.abc import Sequence
from typing import Protocol

import attrs

from application.knowledge_index import Passage
from application.turn import TurnInput
from domain.route import Route

# What an answerer may find a turn to be about besides a question; its text is only small talk's.
_TEXTLESS = (Route.BOOKING, Route.ESCALATE)


@attrs.frozen
class Answer:
    """What an answerer makes of a turn that triage took for a question. `route` other than FAQ:
    it is not one after all (a wish to book, a request for a person, small talk), and the caller
    takes that route instead; for small talk, `text` is the reply."""

    text: str | None = None  # None: the passages do not answer (never a guess)
    route: Route = Route.FAQ
    # Given by the fallback engine while the preferred one failed: right for this turn, not one to reuse.
    fallback: bool = False

    def __attrs_post_init__(self) -> None:
        if self.route is Route.PAUSED:
            raise ValueError("an answer never pauses; the conversation status does")
        if self.route in _TEXTLESS and self.text is not None:
            raise ValueError(f"the {self.route} route has no answer text: its own flow replies")
        if self.route is Route.SMALLTALK and not self.text:
            raise ValueError("small talk needs its reply")


class QuestionAnswerer(Protocol):
    """Answers a member's question from the tenant's knowledge base."""

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> Answer:
        """A pt-BR answer built only from `passages`, with no text when they do not answer the
        question (never a guess); or the route the turn really takes, when it is no question."""
