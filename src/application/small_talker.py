from typing import Protocol

from application.turn import TurnInput


class SmallTalker(Protocol):
    """Replies to greetings, thanks and goodbyes."""

    async def smalltalk(self, turn: TurnInput) -> str:
        """A short pt-BR reply in the tenant's name."""
