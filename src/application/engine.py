from collections.abc import Sequence
from typing import Any, Protocol

import attrs

from application.knowledge_index import Passage
from domain.message import Message
from domain.route import Route
from domain.tenant import Tenant


@attrs.frozen
class TurnInput:
    """What the engine sees of a turn: the member's burst as one text, plus context."""

    text: str
    tenant: Tenant
    history: Sequence[Message] = ()
    flow_state: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Triage:
    route: Route
    paid_service: str | None = None  # set when the member asked about or for a paid service
    human_requested: bool = False

    def __attrs_post_init__(self) -> None:
        if self.route is Route.PAUSED:
            raise ValueError("triage never pauses; the conversation status does")
        if (self.paid_service or self.human_requested) and self.route is not Route.ESCALATE:
            raise ValueError("a paid service or a request for a human escalates")


class Engine(Protocol):
    """The conversational brain behind a turn. Replies are pt-BR text for the member."""

    async def triage(self, turn: TurnInput) -> Triage: ...

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> str | None:
        """An answer built only from `passages`, or None when they do not answer the question."""

    async def smalltalk(self, turn: TurnInput) -> str: ...
