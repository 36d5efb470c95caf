"""The steps one member message goes through, shared by `tatame chat` and the scenario runner."""

import uuid

import attrs
from dishka import AsyncContainer

from application.deliver_outbox import DeliverOutbox
from application.handle_turn import HandleTurn, TurnResult
from application.inbox import InboundMessage
from application.receive_message import Received, ReceiveMessage
from domain.phone import Phone
from entrypoints.requests import in_request


@attrs.define
class TerminalConversation:
    """A member talking through a terminal channel, where every message is a turn of its own."""

    container: AsyncContainer
    channel: str
    phone: Phone
    received: Received | None = None  # where the last message went: tenant and conversation

    async def say(self, text: str) -> TurnResult | None:
        inbound = InboundMessage(channel=self.channel, sender=self.phone, text=text, channel_message_id=uuid.uuid4().hex)

        async def receive(request: AsyncContainer) -> Received:
            return await (await request.get(ReceiveMessage)).execute(inbound)

        received = self.received = await in_request(self.container, receive)

        async def turn(request: AsyncContainer) -> TurnResult | None:
            return await (await request.get(HandleTurn)).execute(received.tenant_id, received.conversation_id)

        result = await in_request(self.container, turn)

        async def deliver(request: AsyncContainer) -> int:
            return await (await request.get(DeliverOutbox)).execute(channel_kind="cli")

        await in_request(self.container, deliver)
        return result
