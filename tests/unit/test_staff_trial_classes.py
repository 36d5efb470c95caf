"""Staff's side of trial classes (the dashboard's "Aulas experimentais"): the attendance rule on the
entity, and the listing, marking, cancelling and export use cases over the fakes."""

import csv
import datetime as dt
import io
import uuid
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.cancel_trial_class_by_staff import CancelTrialClassByStaff
from application.errors import ApplicationError, UnknownTrialClass
from application.export_trial_classes import ExportTrialClasses
from application.list_trial_classes import ListTrialClasses
from application.mark_trial_class_attendance import MarkTrialClassAttendance
from application.register_trial_class import RegisterTrialClass
from domain.booking import ClassFull
from domain.channel import Channel
from domain.client import Client
from domain.conversation import Conversation
from domain.message import Author, Direction, Message, MessageStatus
from domain.phone import Phone
from domain.tenant import ClassSlot, Modality, Tenant
from domain.trial_class import AttendanceNotOpen, NotCancellable, TrialClass, TrialClassStatus
from tests.unit.fakes import FakeClock, FakeUnitOfWork

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)  # Monday 10:00 in São Paulo
PHONE = Phone("5511987654321")


def trial(starts_at: dt.datetime, status: TrialClassStatus = TrialClassStatus.CONFIRMED, **kw) -> TrialClass:
    defaults = {"tenant_id": uuid.uuid4(), "client_id": None, "conversation_id": None, "modality": "Boxe", "created_at": NOW}
    return TrialClass(starts_at=starts_at, status=status, **{**defaults, **kw})


class TestAttendanceRule:
    def test_a_class_that_started_is_open(self):
        assert trial(NOW - dt.timedelta(days=3)).attendance_open(NOW, SAO_PAULO)

    def test_a_class_later_today_is_open(self):
        tonight = dt.datetime(2026, 3, 2, 22, 30, tzinfo=SAO_PAULO)  # 01:30 UTC tomorrow
        assert trial(tonight).attendance_open(NOW, SAO_PAULO)

    def test_tomorrow_is_not_open_even_on_the_same_utc_day(self):
        now = dt.datetime(2026, 3, 1, 23, 0, tzinfo=SAO_PAULO)  # 02:00 UTC on 03/02
        early = dt.datetime(2026, 3, 2, 1, 0, tzinfo=SAO_PAULO)  # 04:00 UTC on 03/02
        assert not trial(early).attendance_open(now, SAO_PAULO)

    def test_a_cancelled_class_is_never_marked(self):
        cancelled = trial(NOW - dt.timedelta(hours=1), TrialClassStatus.CANCELLED)
        assert not cancelled.attendance_open(NOW, SAO_PAULO)
        with pytest.raises(AttendanceNotOpen):
            cancelled.mark_attendance(True, NOW, SAO_PAULO)

    def test_a_mark_can_be_corrected(self):
        booked = trial(NOW - dt.timedelta(hours=1))
        booked.mark_attendance(False, NOW, SAO_PAULO)
        assert booked.status is TrialClassStatus.NO_SHOW
        booked.mark_attendance(True, NOW, SAO_PAULO)
        assert booked.status is TrialClassStatus.ATTENDED and booked.is_active

    @given(offset_minutes=st.integers(-20_000, 20_000), attended=st.booleans())
    def test_never_marked_before_its_local_day(self, offset_minutes, attended):
        booked = trial(NOW + dt.timedelta(minutes=offset_minutes))
        local_day = booked.starts_at.astimezone(SAO_PAULO).date()
        today = NOW.astimezone(SAO_PAULO).date()
        try:
            booked.mark_attendance(attended, NOW, SAO_PAULO)
        except AttendanceNotOpen:
            assert local_day > today
        else:
            assert local_day <= today
            assert booked.status is (TrialClassStatus.ATTENDED if attended else TrialClassStatus.NO_SHOW)


@pytest.fixture
def tenant() -> Tenant:
    return Tenant(
        slug="ct", name="CT Teste", human_contact="(11) 5555-0000", modalities=[Modality(name="Boxe", capacity=8), Modality(name="Judô")]
    )


@pytest.fixture
def uow(tenant) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.tenants.add(tenant)
    return uow


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def book(uow, tenant, starts_at, modality="Boxe", status=TrialClassStatus.CONFIRMED, client=None, conversation=None) -> TrialClass:
    booked = trial(
        starts_at,
        status,
        tenant_id=tenant.id,
        modality=modality,
        client_id=client.id if client else None,
        conversation_id=conversation.id if conversation else None,
    )
    uow.trial_classes.add(booked)
    return booked


def member(uow, tenant, phone=PHONE, name="Ana Souza") -> tuple[Client, Conversation, Channel]:
    client = Client(tenant_id=tenant.id, phone=phone, name=name)
    conversation = Conversation(tenant_id=tenant.id, client_id=client.id, created_at=NOW)
    channel = Channel(tenant_id=tenant.id, kind="evolution", name=f"wa-{uuid.uuid4().hex[:6]}")
    uow.clients.add(client)
    uow.conversations.add(conversation)
    uow.channels.add(channel)
    uow.messages.add(
        Message(
            tenant_id=tenant.id,
            conversation_id=conversation.id,
            channel_id=channel.id,
            direction=Direction.INBOUND,
            author=Author.MEMBER,
            text="quero uma aula",
            status=MessageStatus.PROCESSED,
            created_at=NOW - dt.timedelta(days=1),
        )
    )
    return client, conversation, channel


TUESDAY_19 = dt.datetime(2026, 3, 3, 19, 0, tzinfo=SAO_PAULO)


class TestListTrialClasses:
    async def test_groups_by_local_day_and_class_with_seats_of_capacity(self, uow, clock, tenant):
        ana, conversation, _ = member(uow, tenant)
        book(uow, tenant, TUESDAY_19, client=ana, conversation=conversation)
        book(uow, tenant, TUESDAY_19)  # an erased member's
        book(uow, tenant, TUESDAY_19, status=TrialClassStatus.CANCELLED)
        book(uow, tenant, TUESDAY_19.replace(hour=7), modality="Judô")
        book(uow, tenant, dt.datetime(2026, 3, 3, 23, 30, tzinfo=SAO_PAULO), modality="Judô")  # 02:30 UTC on 03/04
        days = (await ListTrialClasses(uow, clock).execute(tenant.id, dt.date(2026, 3, 2), dt.date(2026, 3, 4))).days
        assert [d.day for d in days] == [dt.date(2026, 3, 3)]
        sessions = days[0].sessions
        assert [(s.modality, f"{s.starts_at:%H:%M}", s.seats_used, s.capacity) for s in sessions] == [
            ("Boxe", "19:00", 2, 8),
            ("Judô", "07:00", 1, 20),
            ("Judô", "23:30", 1, 20),
        ]
        rows = sessions[0].trial_classes
        assert [(r.member_name, r.masked_phone, r.anonymous) for r in rows] == [
            ("Ana Souza", "•••• 4321", False),
            (None, None, True),
            (None, None, True),
        ]
        assert [r.status for r in rows] == [TrialClassStatus.CONFIRMED, TrialClassStatus.CONFIRMED, TrialClassStatus.CANCELLED]
        assert "987654321" not in repr(days)

    async def test_says_what_staff_may_do_with_each_class(self, uow, clock, tenant):
        tomorrow = book(uow, tenant, TUESDAY_19)
        yesterday = book(uow, tenant, TUESDAY_19 - dt.timedelta(days=2))
        days = (await ListTrialClasses(uow, clock).execute(tenant.id, dt.date(2026, 3, 1), dt.date(2026, 3, 3))).days
        rows = {r.id: r for d in days for s in d.sessions for r in s.trial_classes}
        assert (rows[tomorrow.id].may_cancel, rows[tomorrow.id].may_mark_attendance) == (True, False)
        assert (rows[yesterday.id].may_cancel, rows[yesterday.id].may_mark_attendance) == (False, True)

    async def test_a_modality_gone_from_the_pack_has_no_capacity(self, uow, clock, tenant):
        book(uow, tenant, TUESDAY_19, modality="Capoeira")
        days = (await ListTrialClasses(uow, clock).execute(tenant.id, dt.date(2026, 3, 3), dt.date(2026, 3, 3))).days
        assert days[0].sessions[0].capacity is None

    async def test_never_shows_another_tenants_classes(self, uow, clock, tenant):
        other = Tenant(slug="outro", name="Outro CT")
        uow.tenants.add(other)
        book(uow, other, TUESDAY_19)
        assert (await ListTrialClasses(uow, clock).execute(tenant.id, dt.date(2026, 3, 3), dt.date(2026, 3, 3))).days == []

    async def test_by_default_from_today_to_the_booking_horizon(self, uow, clock, tenant):
        book(uow, tenant, dt.datetime(2026, 3, 2, 0, 30, tzinfo=SAO_PAULO))  # today, early
        book(uow, tenant, dt.datetime(2026, 3, 16, 23, 0, tzinfo=SAO_PAULO))  # the 14th day ahead
        book(uow, tenant, dt.datetime(2026, 3, 17, 0, 30, tzinfo=SAO_PAULO))  # past the horizon
        book(uow, tenant, dt.datetime(2026, 3, 1, 23, 30, tzinfo=SAO_PAULO))  # yesterday
        schedule = await ListTrialClasses(uow, clock).execute(tenant.id)
        assert (schedule.first, schedule.last) == (dt.date(2026, 3, 2), dt.date(2026, 3, 16))
        assert [d.day for d in schedule.days] == [dt.date(2026, 3, 2), dt.date(2026, 3, 16)]

    @pytest.mark.parametrize("last", [dt.date(2026, 3, 1), dt.date(2026, 6, 30)])
    async def test_refuses_a_backward_or_huge_range(self, uow, clock, tenant, last):
        with pytest.raises(ApplicationError, match="range"):
            await ListTrialClasses(uow, clock).execute(tenant.id, dt.date(2026, 3, 2), last)


class TestMarkTrialClassAttendance:
    async def test_marks_and_commits(self, uow, clock, tenant):
        booked = book(uow, tenant, NOW - dt.timedelta(hours=1))
        await MarkTrialClassAttendance(uow, clock).execute(tenant.id, booked.id, attended=False, actor="ana@ct")
        assert uow.committed_copy(booked).status is TrialClassStatus.NO_SHOW

    async def test_another_tenants_class_is_unknown(self, uow, clock, tenant):
        other = Tenant(slug="outro", name="Outro CT")
        uow.tenants.add(other)
        theirs = book(uow, other, NOW - dt.timedelta(hours=1))
        with pytest.raises(UnknownTrialClass):
            await MarkTrialClassAttendance(uow, clock).execute(tenant.id, theirs.id, attended=True, actor="ana@ct")
        assert theirs.status is TrialClassStatus.CONFIRMED and not uow.committed

    async def test_a_class_days_ahead_is_refused(self, uow, clock, tenant):
        booked = book(uow, tenant, NOW + dt.timedelta(days=2))
        with pytest.raises(AttendanceNotOpen):
            await MarkTrialClassAttendance(uow, clock).execute(tenant.id, booked.id, attended=True, actor="ana@ct")
        assert not uow.committed


class TestCancelTrialClassByStaff:
    async def test_frees_the_seat_and_tells_the_member_on_their_channel(self, uow, clock, tenant):
        ana, conversation, channel = member(uow, tenant)
        booked = book(uow, tenant, TUESDAY_19, client=ana, conversation=conversation)
        done = await CancelTrialClassByStaff(uow, clock).execute(tenant.id, booked.id, actor="ana@ct")
        assert done.member_told and uow.committed
        assert uow.committed_copy(booked).status is TrialClassStatus.CANCELLED
        assert await uow.trial_classes.seats_taken(tenant.id, "Boxe", TUESDAY_19) == 0
        [entry] = uow.outbox.items
        notice = await uow.messages.get(tenant.id, entry.message_id)
        assert entry.recipient == str(PHONE) and entry.next_attempt_at == NOW
        assert notice.channel_id == channel.id and notice.conversation_id == conversation.id
        assert (notice.direction, notice.author, notice.status) == (Direction.OUTBOUND, Author.BOT, MessageStatus.PENDING)
        assert "cancelar a sua aula experimental de Boxe na terça-feira, 03/03, às 19h" in notice.text

    async def test_an_erased_members_class_is_cancelled_without_a_message(self, uow, clock, tenant):
        booked = book(uow, tenant, TUESDAY_19)
        done = await CancelTrialClassByStaff(uow, clock).execute(tenant.id, booked.id, actor="ana@ct")
        assert not done.member_told and uow.committed_copy(booked).status is TrialClassStatus.CANCELLED
        assert uow.outbox.items == []

    async def test_a_class_that_started_cannot_be_cancelled(self, uow, clock, tenant):
        ana, conversation, _ = member(uow, tenant)
        booked = book(uow, tenant, NOW - dt.timedelta(minutes=5), client=ana, conversation=conversation)
        with pytest.raises(NotCancellable):
            await CancelTrialClassByStaff(uow, clock).execute(tenant.id, booked.id, actor="ana@ct")
        assert not uow.committed and uow.outbox.items == []

    async def test_another_tenants_class_is_unknown(self, uow, clock, tenant):
        other = Tenant(slug="outro", name="Outro CT")
        uow.tenants.add(other)
        theirs = book(uow, other, TUESDAY_19)
        with pytest.raises(UnknownTrialClass):
            await CancelTrialClassByStaff(uow, clock).execute(tenant.id, theirs.id, actor="ana@ct")
        assert theirs.status is TrialClassStatus.CONFIRMED


class TestExportTrialClasses:
    async def test_one_row_per_class_in_local_time(self, uow, clock, tenant):
        ana, conversation, _ = member(uow, tenant)
        book(uow, tenant, dt.datetime(2026, 3, 3, 23, 30, tzinfo=SAO_PAULO), client=ana, conversation=conversation)
        book(uow, tenant, TUESDAY_19, status=TrialClassStatus.NO_SHOW)
        text = await ExportTrialClasses(ListTrialClasses(uow, clock)).execute(tenant.id, dt.date(2026, 3, 3), dt.date(2026, 3, 3))
        assert list(csv.reader(io.StringIO(text))) == [
            ["data", "horário", "modalidade", "aluno", "telefone", "situação"],
            ["2026-03-03", "19:00", "Boxe", "anônimo", "", "faltou"],
            ["2026-03-03", "23:30", "Boxe", "Ana Souza", "•••• 4321", "confirmada"],
        ]

    async def test_a_name_like_a_formula_is_kept_as_text(self, uow, clock, tenant):
        ana, conversation, _ = member(uow, tenant, name='=HYPERLINK("http://x","y")')
        book(uow, tenant, TUESDAY_19, client=ana, conversation=conversation)
        text = await ExportTrialClasses(ListTrialClasses(uow, clock)).execute(tenant.id, dt.date(2026, 3, 3), dt.date(2026, 3, 3))
        assert list(csv.reader(io.StringIO(text)))[1][3] == '\'=HYPERLINK("http://x","y")'


async def test_a_member_marked_before_the_class_keeps_the_seat(uow, clock, tenant):
    tenant.modalities = [Modality(name="Boxe", capacity=1, schedule=[ClassSlot(weekday="mon", start=dt.time(19), duration_minutes=60)])]
    tonight = dt.datetime(2026, 3, 2, 19, 0, tzinfo=SAO_PAULO)
    early = book(uow, tenant, tonight)
    await MarkTrialClassAttendance(uow, clock).execute(tenant.id, early.id, attended=True, actor="ana@ct")
    late, conversation, _ = member(uow, tenant, phone=Phone("5511912345678"))
    with pytest.raises(ClassFull):
        await RegisterTrialClass(uow, clock).execute(tenant, conversation, late, tenant.modalities[0], tonight)
