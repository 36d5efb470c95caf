"""The dashboard's reads and staff actions on the real stack (PostgreSQL, Qdrant local, offline
engine): trial classes, the knowledge base, the overview; one tenant never sees another's."""

import csv
import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.postgres.tables import model_calls
from application.cancel_trial_class_by_staff import CancelTrialClassByStaff
from application.clock import Clock
from application.errors import UnknownTrialClass
from application.export_trial_classes import ExportTrialClasses
from application.knowledge_index import KnowledgeIndex
from application.list_sections import ListSections
from application.list_trial_classes import ListTrialClasses
from application.mark_trial_class_attendance import MarkTrialClassAttendance
from application.read_section import ReadSection, UnknownSection
from application.reindex_knowledge import ReindexKnowledge
from application.report_overview import OverviewStats, ReportOverview
from application.try_question import TryQuestion
from application.unit_of_work import UnitOfWork
from application.usage_stats import UsageStats
from domain.channel import Channel
from domain.client import Client
from domain.conversation import Conversation
from domain.escalation import Escalation, EscalationReason
from domain.knowledge import Chunk
from domain.message import Author, Direction, Message, MessageStatus
from domain.phone import Phone
from domain.route import Route
from domain.tenant import Modality, Tenant
from domain.trial_class import TrialClass, TrialClassStatus
from entrypoints.container import OwnerEngine
from entrypoints.requests import in_request
from tests.e2e.conftest import NOW

SAO_PAULO = Tenant(slug="x", name="x").zone
TODAY_7 = dt.datetime(2026, 3, 2, 7, 0, tzinfo=SAO_PAULO)  # earlier today, by the tests' clock (10:00)
TOMORROW_19 = dt.datetime(2026, 3, 3, 19, 0, tzinfo=SAO_PAULO)


class Center:
    """A tenant with one member who wrote on a WhatsApp channel."""

    def __init__(self, phone: str) -> None:
        self.tenant = Tenant(slug=f"dash-{uuid.uuid4().hex[:8]}", name="CT Painel", modalities=[Modality(name="Boxe", capacity=3)])
        self.channel = Channel(tenant_id=self.tenant.id, kind="evolution", name=f"wa-{uuid.uuid4().hex[:8]}")
        self.client = Client(tenant_id=self.tenant.id, phone=Phone(phone), name="Bia Lima")
        self.conversation = Conversation(tenant_id=self.tenant.id, client_id=self.client.id, created_at=NOW - dt.timedelta(days=2))

    def add_to(self, uow: UnitOfWork) -> None:
        uow.tenants.add(self.tenant)
        uow.channels.add(self.channel)
        uow.clients.add(self.client)
        uow.conversations.add(self.conversation)

    def message(self, author: Author, at: dt.datetime, text: str = "oi", route: Route | None = None) -> Message:
        member = author is Author.MEMBER
        return Message(
            tenant_id=self.tenant.id,
            conversation_id=self.conversation.id,
            channel_id=self.channel.id,
            direction=Direction.INBOUND if member else Direction.OUTBOUND,
            author=author,
            text=text,
            channel_message_id=uuid.uuid4().hex,
            status=MessageStatus.PROCESSED if member else MessageStatus.SENT,
            route=route,
            created_at=at,
        )

    def trial(self, starts_at: dt.datetime, status=TrialClassStatus.CONFIRMED, member=True, created_at=NOW) -> TrialClass:
        return TrialClass(
            tenant_id=self.tenant.id,
            client_id=self.client.id if member else None,
            conversation_id=self.conversation.id if member else None,
            modality="Boxe",
            starts_at=starts_at,
            status=status,
            created_at=created_at,
        )


async def run(container, action):
    return await in_request(container, action)


async def test_trial_classes_for_staff(container):
    a, b = Center("5511987650001"), Center("5511987650002")
    mine_today, mine_tomorrow, erased = a.trial(TODAY_7), a.trial(TOMORROW_19), a.trial(TOMORROW_19, member=False)
    theirs = b.trial(TOMORROW_19)

    async def arrange(request):
        uow = await request.get(UnitOfWork)
        # A transaction writes one tenant's rows (row-level security); parents first: the
        # messages and classes refer to them.
        for center in (a, b):
            center.add_to(uow)
            await uow.commit()
        for center, trials in ((a, (mine_today, mine_tomorrow, erased)), (b, (theirs,))):
            uow.messages.add(center.message(Author.MEMBER, NOW - dt.timedelta(days=1)))
            for trial in trials:
                uow.trial_classes.add(trial)
            await uow.commit()

    await run(container, arrange)

    async def listing(request):
        return await (await request.get(ListTrialClasses)).execute(a.tenant.id, dt.date(2026, 3, 2), dt.date(2026, 3, 3))

    days = (await run(container, listing)).days
    assert [(d.day, [(s.starts_at.hour, s.seats_used, s.capacity) for s in d.sessions]) for d in days] == [
        (dt.date(2026, 3, 2), [(7, 1, 3)]),
        (dt.date(2026, 3, 3), [(19, 2, 3)]),
    ]
    rows = [(r.id, r.member_name, r.masked_phone, r.anonymous) for r in days[1].sessions[0].trial_classes]
    assert rows == [(mine_tomorrow.id, "Bia Lima", "•••• 0001", False), (erased.id, None, None, True)]

    async def mark(request):
        return await (await request.get(MarkTrialClassAttendance)).execute(a.tenant.id, mine_today.id, attended=True, actor="staff@a")

    assert (await run(container, mark)).status is TrialClassStatus.ATTENDED

    async def cancel(request):
        return await (await request.get(CancelTrialClassByStaff)).execute(a.tenant.id, mine_tomorrow.id, actor="staff@a")

    assert (await run(container, cancel)).member_told

    async def look(request):
        uow = await request.get(UnitOfWork)
        notice = (await uow.messages.for_conversation(a.tenant.id, a.conversation.id))[-1]
        due = await uow.outbox.due(NOW, 100, "evolution")
        return notice, [e for e in due if e.message_id == notice.id], await uow.trial_classes.for_client(a.tenant.id, a.client.id)

    notice, [entry], classes = await run(container, look)
    assert (notice.author, notice.channel_id, entry.recipient) == (Author.BOT, a.channel.id, "5511987650001")
    assert "Boxe na terça-feira, 03/03, às 19h" in notice.text
    assert {t.id: t.status for t in classes} == {mine_today.id: TrialClassStatus.ATTENDED, mine_tomorrow.id: TrialClassStatus.CANCELLED}

    async def export(request):
        return await (await request.get(ExportTrialClasses)).execute(a.tenant.id, dt.date(2026, 3, 2), dt.date(2026, 3, 3))

    assert list(csv.reader(io.StringIO(await run(container, export))))[1:] == [
        ["2026-03-02", "07:00", "Boxe", "Bia Lima", "•••• 0001", "compareceu"],
        ["2026-03-03", "19:00", "Boxe", "Bia Lima", "•••• 0001", "cancelada"],
        ["2026-03-03", "19:00", "Boxe", "anônimo", "", "confirmada"],
    ]

    for action in (MarkTrialClassAttendance, CancelTrialClassByStaff):

        async def cross(request, action=action):
            use_case = await request.get(action)
            if action is MarkTrialClassAttendance:
                return await use_case.execute(a.tenant.id, theirs.id, attended=False, actor="staff@a")
            return await use_case.execute(a.tenant.id, theirs.id, actor="staff@a")

        with pytest.raises(UnknownTrialClass):
            await run(container, cross)


@pytest.fixture
def booked() -> dict[uuid.UUID, set[uuid.UUID]]:
    """Every class the examples booked, by tenant: the database keeps them from one example to the next."""
    return {}


@pytest.fixture
async def centers(container) -> list[Center]:
    made = [Center(f"55119876500{n}0") for n in range(2)]

    async def arrange(request):
        uow = await request.get(UnitOfWork)
        for center in made:
            center.add_to(uow)
            await uow.commit()  # one tenant's rows a transaction (row-level security)

    await run(container, arrange)
    return made


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bookings=st.lists(
        st.tuples(st.integers(0, 1), st.integers(-3 * 24, 10 * 24), st.sampled_from(list(TrialClassStatus))), min_size=1, max_size=6
    )
)
async def test_a_tenants_listing_holds_its_classes_and_no_others(container, centers, booked, bookings):

    async def arrange(request):
        uow = await request.get(UnitOfWork)
        for owner, hours, status in bookings:
            trial = centers[owner].trial(NOW + dt.timedelta(hours=hours), status=status)
            uow.trial_classes.add(trial)
            booked.setdefault(centers[owner].tenant.id, set()).add(trial.id)
            await uow.commit()  # one tenant's rows a transaction (row-level security)

    await run(container, arrange)
    for center in centers:

        async def listing(request, center=center):
            use_case = await request.get(ListTrialClasses)
            return await use_case.execute(center.tenant.id, dt.date(2026, 2, 20), dt.date(2026, 3, 20))

        listed = {r.id for day in (await run(container, listing)).days for s in day.sessions for r in s.trial_classes}
        assert listed == booked.get(center.tenant.id, set())


async def test_the_knowledge_base_as_indexed_and_tried(container):
    other = Tenant(slug=f"kb-{uuid.uuid4().hex[:8]}", name="Outro CT")
    secret = Chunk(tenant=other.slug, source="planos.md", heading="Plano mensal", text="O plano mensal custa R$ 77,00 por mês.")

    async def arrange(request):
        uow = await request.get(UnitOfWork)
        uow.tenants.add(other)
        await uow.commit()
        await (await request.get(KnowledgeIndex)).sync(other, [secret])
        return await uow.tenants.by_slug("ct-exemplo"), await _counts(request)

    exemplo, before = await run(container, arrange)

    async def sections(request):
        use_case = await request.get(ListSections)
        return await use_case.execute(exemplo.id), await use_case.execute(other.id)

    mine, theirs = await run(container, sections)

    async def read(request, tenant, key):
        return await (await request.get(ReadSection)).execute(tenant.id, key)

    assert (await run(container, lambda request: read(request, other, secret.key))).text == secret.text
    with pytest.raises(UnknownSection):
        await run(container, lambda request: read(request, exemplo, secret.key))
    assert [(s.source, s.heading, s.length) for s in theirs] == [("planos.md", "Plano mensal", len(secret.text))]
    assert len(mine) > 10 and "planos-e-precos.md" in {s.source for s in mine} and all(s.key.startswith("ct-exemplo/") for s in mine)
    assert mine == sorted(mine, key=lambda s: (s.source, s.heading))

    async def tries(request):
        use_case = await request.get(TryQuestion)
        return await use_case.execute(exemplo.id, "quanto custa o plano mensal?"), await use_case.execute(
            other.id, "quanto custa o plano mensal?"
        )

    asked, asked_other = await run(container, tries)
    assert asked.route is Route.FAQ and asked.passages and asked.passages[0].score > 0
    assert all(p.chunk.tenant == "ct-exemplo" for p in asked.passages) and "R$ 77" not in asked.reply and "R$" in asked.reply
    assert [p.chunk for p in asked_other.passages] == [secret] and "R$ 77,00" in asked_other.reply

    assert await run(container, _counts) == before

    async def reindex(request):
        return await (await request.get(ReindexKnowledge)).execute(exemplo.id)

    report = await run(container, reindex)
    assert (report.indexed, report.removed) == (0, 0) and report.unchanged == len(mine)


async def _counts(request) -> list[int]:
    """Rows of what a turn would store, every tenant's."""
    engine = await request.get(OwnerEngine)
    async with engine.connect() as connection:
        return [
            await connection.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            for table in ("messages", "conversations", "clients", "outbox", "escalations", "erasure_requests", "trial_classes")
        ]


async def test_the_overview_of_one_tenant(container):
    a, b = Center("5511987650101"), Center("5511987650102")
    yesterday = NOW - dt.timedelta(days=1)
    answered = Escalation(
        tenant_id=a.tenant.id, conversation_id=a.conversation.id, reason=EscalationReason.HUMAN_REQUESTED, created_at=yesterday
    )

    async def arrange(request):
        uow = await request.get(UnitOfWork)
        # One tenant's rows a transaction (row-level security).
        for center in (a, b):
            center.add_to(uow)
            await uow.commit()
        for center in (a, b):
            uow.messages.add(center.message(Author.MEMBER, yesterday - dt.timedelta(minutes=1), "quanto custa?", Route.FAQ))
            uow.messages.add(center.message(Author.BOT, yesterday - dt.timedelta(seconds=30), "R$ 189"))
            await uow.commit()
        uow.escalations.add(answered)
        uow.messages.add(a.message(Author.BOT, yesterday + dt.timedelta(minutes=1), "um atendente já vem"))
        uow.messages.add(a.message(Author.STAFF, yesterday + dt.timedelta(minutes=40), "oi, aqui é a Carla"))
        uow.messages.add(a.message(Author.STAFF, yesterday + dt.timedelta(minutes=90), "mais alguma coisa?"))
        uow.escalations.add(
            Escalation(tenant_id=a.tenant.id, conversation_id=a.conversation.id, reason=EscalationReason.PAID_SERVICE, created_at=NOW)
        )
        for trial in (
            a.trial(TODAY_7, TrialClassStatus.ATTENDED, created_at=yesterday),
            a.trial(TODAY_7 - dt.timedelta(days=1), TrialClassStatus.NO_SHOW, created_at=NOW - dt.timedelta(days=30)),
            a.trial(TOMORROW_19, created_at=NOW),
        ):
            uow.trial_classes.add(trial)
        await uow.commit()
        uow.escalations.add(
            Escalation(tenant_id=b.tenant.id, conversation_id=b.conversation.id, reason=EscalationReason.PAID_SERVICE, created_at=NOW)
        )
        uow.trial_classes.add(b.trial(TODAY_7, TrialClassStatus.NO_SHOW, created_at=NOW))
        await uow.commit()
        for center in (a, b):  # after the others: a message waiting for its turn
            uow.messages.add(center.message(Author.MEMBER, NOW - dt.timedelta(minutes=5)))
            await uow.commit()
        engine = await request.get(OwnerEngine)
        async with engine.begin() as connection:
            for center, cost in ((a, "0.0125"), (b, "5")):
                await connection.execute(
                    sa.insert(model_calls).values(
                        tenant_id=center.tenant.id,
                        decision="answer",
                        model="gpt-test",
                        prompt_tokens=1000,
                        cached_tokens=0,
                        completion_tokens=50,
                        latency_ms=300,
                        outcome="ok",
                        cost_usd=Decimal(cost),
                        price_version="t",
                        created_at=NOW,
                    )
                )

    await run(container, arrange)

    async def overview(request):
        offline = await (await request.get(ReportOverview)).execute(a.tenant.id, 7)
        with_model = ReportOverview(
            await request.get(UnitOfWork),
            await request.get(OverviewStats),
            await request.get(UsageStats),
            await request.get(Clock),
            language_model=True,
        )
        return offline, await with_model.execute(a.tenant.id, 7)

    offline, with_model = await run(container, overview)
    assert (offline.first, offline.last) == (dt.date(2026, 2, 24), dt.date(2026, 3, 2))
    assert [(m.day.day, m.inbound, m.outbound) for m in offline.messages if m.inbound or m.outbound] == [(1, 1, 4), (2, 1, 0)]
    assert offline.turns_by_route == {"faq": 1}
    assert (offline.escalations.count, offline.escalations.answered) == (2, 1)
    assert offline.escalations.median_first_answer == dt.timedelta(minutes=40)
    assert (offline.trial_classes.booked, offline.trial_classes.attended, offline.trial_classes.no_show) == (2, 1, 1)
    assert offline.spend is None
    assert with_model.spend is not None and with_model.spend.calls == 1 and with_model.spend.cost_usd == Decimal("0.0125")
