from typing import Protocol

import attrs

from application.turn import TurnInput
from domain.route import Route


@attrs.frozen
class Triage:
    route: Route
    paid_service: str | None = None  # set when the member asked about or for a paid service
    human_requested: bool = False
    agrees: bool = False  # a plain yes ("sim", "pode ser"): accepts what the bot offered last, if anything

    def __attrs_post_init__(self) -> None:
        if self.route is Route.PAUSED:
            raise ValueError("triage never pauses; the conversation status does")
        if (self.paid_service or self.human_requested) and self.route is not Route.ESCALATE:
            raise ValueError("a paid service or a request for a human escalates")


class Triager(Protocol):
    """Decides what a turn is about."""

    async def triage(self, turn: TurnInput) -> Triage:
        """The route of `turn`: a paid service or a request for a person escalates; whether the
        member agrees to something is reported, not acted on (the caller knows what was offered)."""
