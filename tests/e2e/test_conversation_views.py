"""The dashboard's read models on PostgreSQL: what the inbox and a transcript show, one tenant's only."""

import datetime as dt
from decimal import Decimal

from application.conversation_views import ConversationViews
from application.model_usage import OK, ModelCall, ModelUsage
from application.pricing import Tokens
from application.unit_of_work import UnitOfWork
from domain.conversation import ConversationStatus
from domain.message import Author, Direction, Message, MessageStatus
from domain.outbox import NEVER, OutboxEntry
from tests.e2e.dashboard import escalated_conversation, other_tenant

AT = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)


async def test_a_transcript_shows_routes_model_calls_and_why_a_reply_is_not_delivered(container):
    made = await escalated_conversation(container, "ct-exemplo", "Elisa", AT)
    async with container() as request:
        uow = await request.get(UnitOfWork)
        tenant = await uow.tenants.by_slug("ct-exemplo")
        assert tenant is not None
        [question] = await uow.messages.for_conversation(tenant.id, made.conversation_id)
        tenant_id, channel_id = tenant.id, question.channel_id
        reply = Message(
            tenant_id=tenant_id,
            conversation_id=made.conversation_id,
            channel_id=channel_id,
            direction=Direction.OUTBOUND,
            author=Author.BOT,
            text="Já chamei alguém da equipe.",
            status=MessageStatus.PENDING,
            created_at=AT + dt.timedelta(seconds=1),
        )
        uow.messages.add(reply)
        # Given up, so never due: in the session's database, a due reply would be sent by another test's worker.
        given_up = OutboxEntry(
            tenant_id=tenant_id, message_id=reply.id, recipient=made.phone, next_attempt_at=NEVER, last_error="503 from Evolution"
        )
        uow.outbox.add(given_up)
        await uow.commit()
        await (await request.get(ModelUsage)).record(
            ModelCall(
                tenant_id=tenant_id,
                conversation_id=made.conversation_id,
                message_id=question.id,
                decision="triage",
                model="gpt-4o-mini",
                tokens=Tokens(prompt=900, completion=40),
                latency_ms=300,
                outcome=OK,
                cost_usd=Decimal("0.0002"),
                price_version="test",
                created_at=AT,
            )
        )
        views = await request.get(ConversationViews)
        transcript = await views.transcript(tenant_id, made.conversation_id)
        other = await other_tenant(container)
        assert await views.transcript(other.id, made.conversation_id) is None

    assert transcript is not None
    assert transcript.summary.status is ConversationStatus.WAITING_HUMAN and transcript.summary.waiting_since == AT
    assert transcript.summary.masked_phone == "•••• " + made.phone[-4:]
    [member, bot] = transcript.lines
    assert member.route == "escalate" and [(c.model, c.tokens) for c in member.model_calls] == [("gpt-4o-mini", 940)]
    assert bot.author is Author.BOT and bot.status is MessageStatus.PENDING and bot.send_error == "503 from Evolution"
    assert [e.resolved_at for e in transcript.escalations] == [None]


async def test_the_inbox_lists_waiting_conversations_first_oldest_first_and_counts_them(container):
    other = await other_tenant(container)
    slug = other.slug
    later = await escalated_conversation(container, slug, "Segunda", AT + dt.timedelta(minutes=5))
    await escalated_conversation(container, slug, "Primeira", AT)
    await escalated_conversation(container, slug, "Terceira", AT + dt.timedelta(minutes=2))
    async with container() as request:
        uow = await request.get(UnitOfWork)
        conversation = await uow.conversations.get(other.id, later.conversation_id)
        assert conversation is not None
        conversation.take_over(AT + dt.timedelta(minutes=6), dt.timedelta(hours=1), "test")
        await uow.commit()
        views = await request.get(ConversationViews)
        inbox = await views.inbox(other.id, 10)
        # Taken over, "Segunda" waits no more: it follows those waiting, however long ago it began.
        assert [c.member_name for c in inbox] == ["Primeira", "Terceira", "Segunda"]
        assert [c.status for c in inbox][-1] is ConversationStatus.HUMAN
        assert await views.waiting(other.id) == 2
        default = await uow.tenants.by_slug("ct-exemplo")
        assert default is not None
        assert later.conversation_id not in {c.id for c in await views.inbox(default.id, 500)}  # another tenant's
