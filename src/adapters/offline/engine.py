from collections.abc import Sequence

import attrs

from adapters.offline import answer, booking, smalltalk, triage
from application.engine import BookingDetails, Triage, TurnInput
from application.knowledge_index import Passage


@attrs.frozen
class OfflineEngine:
    """The `Engine` without any model or network: rules, lexical overlap and templates. It is the
    default engine and the fallback of the LLM one; each call takes a millisecond or two."""

    async def triage(self, turn: TurnInput) -> Triage:
        return triage.triage(turn)

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> str | None:
        return answer.answer(turn.text, passages)

    async def smalltalk(self, turn: TurnInput) -> str:
        return smalltalk.reply(turn)

    async def extract_booking(self, turn: TurnInput) -> BookingDetails:
        return booking.extract_booking(turn)
