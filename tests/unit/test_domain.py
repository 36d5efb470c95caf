import datetime as dt
import unicodedata
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.address import ADDRESS_MAX, Address, reply_address
from domain.channel import Channel, ChannelKind
from domain.client import MAX_NAME, clean_name
from domain.conversation import Conversation, ConversationStatus
from domain.errors import InvalidTransition
from domain.flow import Awaiting, FlowState, Interview
from domain.message import Author, Direction, Message, MessageStatus, clean_text
from domain.outbox import OutboxEntry
from domain.phone import Phone
from domain.tenant import ClassSlot, FrontDeskSettings, Modality, OpeningHours, Tenant

NOW = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)


class TestCleanName:
    # Every character, surrogates and bidi controls included, and long enough to be cut.
    @given(st.text(st.characters(exclude_categories=()) | st.sampled_from("\u202e\u2066\n\x00 "), max_size=300))
    def test_a_name_is_one_short_printable_line(self, raw):
        name = clean_name(raw)
        if name is not None:
            assert 0 < len(name) <= MAX_NAME and name == name.strip() and "  " not in name
            assert all(c == " " or not c.isspace() for c in name)
            assert not any(
                unicodedata.category(c) in ("Cc", "Cs") or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" for c in name
            )
            assert clean_name(name) == name

    def test_keeps_accents_and_emoji_and_drops_controls(self):
        assert clean_name("  Zé\tda\u202e Silva 👨\u200d👩\u200d👧 \n") == "Zé da Silva 👨\u200d👩\u200d👧"
        assert clean_name("\x00\ud800 \n") is None

    def test_a_megabyte_of_name_is_cut(self):
        assert clean_name("Ana " + "a" * 1_000_000) == "Ana " + "a" * (MAX_NAME - 4)


class TestPhone:
    def test_keeps_only_digits(self):
        assert Phone("+55 (11) 98765-4321").digits == "5511987654321"

    @pytest.mark.parametrize("raw", ["123", "abc", "+55 11 9876 5432 1234 5678"])
    def test_rejects_what_is_not_a_phone_number(self, raw):
        with pytest.raises(ValueError):
            Phone(raw)

    @given(st.text(alphabet="0123456789 ()+-", min_size=1))
    def test_equal_digits_are_equal_phones(self, raw):
        digits = "".join(ch for ch in raw if ch.isdigit())
        if 8 <= len(digits) <= 15:
            assert Phone(raw) == Phone(digits)

    @pytest.mark.parametrize(
        ("one", "other", "same"),
        [
            ("5531988887777", "553188887777", True),  # Belo Horizonte mobile, with and without the ninth digit
            ("5511988887777", "551188887777", True),
            ("5511988887777", "5511988887777", True),
            ("5511988887777", "5511988887778", False),
            ("5531988887777", "553198887777", False),  # the 9 is not where the ninth digit goes
            ("553133334444", "5531933334444", False),  # a landline (starts 2-5) never had a ninth digit
            ("14155550100", "141555501000", False),
        ],
    )
    def test_same_line(self, one, other, same):
        assert Phone(one).same_line(Phone(other)) is same
        assert Phone(other).same_line(Phone(one)) is same

    @given(st.from_regex(r"55[1-9][0-9][6-9][0-9]{7}", fullmatch=True))
    def test_a_brazilian_mobile_is_the_same_line_with_its_ninth_digit(self, old):
        assert Phone(old[:4] + "9" + old[4:]).same_line(Phone(old))

    @pytest.mark.parametrize(
        ("digits", "forms"),
        [
            ("5531988887777", ("5531988887777", "553188887777")),
            ("553188887777", ("553188887777", "5531988887777")),
            ("553133334444", ("553133334444",)),  # a landline
            ("14155550100", ("14155550100",)),
        ],
    )
    def test_line_forms(self, digits, forms):
        assert Phone(digits).line_forms() == forms

    @given(st.from_regex(r"[0-9]{8,15}", fullmatch=True))
    def test_every_line_form_is_the_same_line(self, digits):
        phone = Phone(digits)
        forms = phone.line_forms()
        assert forms[0] == digits
        assert all(Phone(form).same_line(phone) for form in forms)
        assert all(set(Phone(form).line_forms()) == set(forms) for form in forms)

    @given(st.from_regex(r"55[1-9][0-9][6-9][0-9]{7}", fullmatch=True))
    def test_a_brazilian_mobile_has_both_forms(self, old):
        assert set(Phone(old).line_forms()) == {old, old[:4] + "9" + old[4:]}


class TestTenant:
    def test_rejects_unknown_timezone(self):
        with pytest.raises(ValueError, match="timezone"):
            Tenant(slug="ct", name="CT", timezone="Mars/Olympus")

    def test_rejects_duplicate_modalities(self):
        with pytest.raises(ValueError, match="unique"):
            Tenant(slug="ct", name="CT", modalities=[Modality(name="Boxe"), Modality(name="boxe")])

    def test_rejects_bad_slug(self):
        with pytest.raises(ValueError, match="slug"):
            Tenant(slug="CT Exemplo", name="CT")

    def test_slot_needs_positive_duration(self):
        with pytest.raises(ValueError):
            ClassSlot(weekday="mon", start=dt.time(19), duration_minutes=0)

    def test_update_facts_keeps_identity(self):
        tenant = Tenant(slug="ct", name="Old")
        tenant_id = tenant.id
        tenant.update_facts(Tenant(slug="ct", name="New", human_contact="123"))
        assert (tenant.id, tenant.name, tenant.human_contact) == (tenant_id, "New", "123")

    def test_update_facts_refuses_another_tenant(self):
        with pytest.raises(ValueError):
            Tenant(slug="ct", name="A").update_facts(Tenant(slug="other", name="B"))


def _message(**changes) -> Message:
    values = dict(
        tenant_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        channel_id=uuid.uuid4(),
        direction=Direction.INBOUND,
        author=Author.MEMBER,
        text="oi",
        status=MessageStatus.RECEIVED,
        created_at=NOW,
    )
    return Message(**{**values, **changes})


class TestMessage:
    def test_needs_text(self):
        with pytest.raises(ValueError):
            _message(text="   ")

    def test_members_write_inbound_only(self):
        with pytest.raises(ValueError):
            _message(direction=Direction.OUTBOUND)

    def test_needs_aware_timestamp(self):
        with pytest.raises(ValueError):
            _message(created_at=dt.datetime(2026, 1, 1))

    def test_inbound_is_never_sent(self):
        with pytest.raises(ValueError):
            _message().mark_sent("x")


class TestOutboxEntry:
    def test_failure_schedules_retry(self):
        entry = OutboxEntry(tenant_id=uuid.uuid4(), message_id=uuid.uuid4(), recipient="5511", next_attempt_at=NOW)
        entry.record_failure("timeout", NOW, dt.timedelta(seconds=4))
        assert (entry.attempts, entry.next_attempt_at, entry.delivered_at) == (1, NOW + dt.timedelta(seconds=4), None)

    def test_giving_up_never_comes_due(self):
        entry = OutboxEntry(tenant_id=uuid.uuid4(), message_id=uuid.uuid4(), recipient="5511", next_attempt_at=NOW)
        entry.record_failure("400 bad number", NOW, None)
        assert entry.next_attempt_at > NOW + dt.timedelta(days=365 * 1000)

    def test_an_attempt_is_held_for_its_lease_and_stays_open_while_its_outcome_is_unknown(self):
        entry = OutboxEntry(tenant_id=uuid.uuid4(), message_id=uuid.uuid4(), recipient="5511", next_attempt_at=NOW)
        lease, later = dt.timedelta(seconds=30), NOW + dt.timedelta(minutes=1)
        entry.begin_attempt(NOW, lease)
        assert entry.next_attempt_at == NOW + lease and entry.outcome_unknown
        entry.record_failure("ReadTimeout", NOW, dt.timedelta(seconds=2), maybe_sent=True)
        entry.begin_attempt(later, lease)
        assert entry.attempt_started_at == NOW, "the lookup must reach back to the first open attempt"
        entry.record_failure("ConnectError", later, dt.timedelta(seconds=2))
        assert not entry.outcome_unknown
        entry.begin_attempt(later, lease)
        entry.record_delivery(later)
        assert not entry.outcome_unknown and entry.delivered_at == later


def _conversation() -> Conversation:
    return Conversation(tenant_id=uuid.uuid4(), client_id=uuid.uuid4(), created_at=NOW)


class TestConversation:
    def test_escalation_silences_the_bot_until_the_pause_ends(self):
        conversation = _conversation()
        change = conversation.hand_to_human(NOW, dt.timedelta(hours=12), "asked")
        assert (change.before, change.after, change.cause) == (ConversationStatus.BOT, ConversationStatus.WAITING_HUMAN, "asked")
        assert conversation.expire_pause(NOW + dt.timedelta(hours=11)) is None and not conversation.bot_may_reply
        assert conversation.expire_pause(NOW + dt.timedelta(hours=12)).cause == "pause ran out"
        assert conversation.bot_may_reply

    def test_staff_messages_extend_the_pause(self):
        conversation = _conversation()
        conversation.take_over(NOW, dt.timedelta(hours=12), "staff")
        assert conversation.take_over(NOW + dt.timedelta(hours=10), dt.timedelta(hours=12), "staff") is None
        assert conversation.expire_pause(NOW + dt.timedelta(hours=13)) is None

    def test_escalation_forgets_the_flow(self):
        conversation = _conversation()
        conversation.continue_interview(Interview(modality="Boxe", awaiting=Awaiting.WHEN))
        conversation.offer_human()
        conversation.hand_to_human(NOW, dt.timedelta(hours=1), "asked")
        assert conversation.flow == FlowState()

    def test_an_offer_lapses_and_the_interview_stays(self):
        conversation = _conversation()
        interview = Interview(modality="Boxe", awaiting=Awaiting.WHEN)
        conversation.continue_interview(interview)
        conversation.offer_human()
        conversation.forget_offer()
        assert conversation.flow == FlowState(interview=interview, offered_human=False)
        conversation.end_interview()
        assert conversation.interview is None

    def test_closed_cannot_be_resumed(self):
        conversation = _conversation()
        conversation.status = ConversationStatus.CLOSED
        with pytest.raises(InvalidTransition):
            conversation.resume(NOW, "staff")


class ConversationHandoff(RuleBasedStateMachine):
    """Whatever staff and time do, the bot speaks exactly when the conversation is with the bot."""

    def __init__(self) -> None:
        super().__init__()
        self.conversation = _conversation()
        self.now = NOW

    @rule(hours=st.integers(min_value=1, max_value=48))
    def escalate(self, hours):
        self.conversation.hand_to_human(self.now, dt.timedelta(hours=hours), "asked")
        assert not self.conversation.bot_may_reply

    @rule(hours=st.integers(min_value=1, max_value=48))
    def staff_writes(self, hours):
        self.conversation.take_over(self.now, dt.timedelta(hours=hours), "staff")
        assert not self.conversation.bot_may_reply

    @rule()
    def resume(self):
        self.conversation.resume(self.now, "staff")
        assert self.conversation.bot_may_reply

    @rule(minutes=st.integers(min_value=0, max_value=60 * 60))
    def time_passes(self, minutes):
        self.now += dt.timedelta(minutes=minutes)

    @precondition(lambda self: self.conversation.paused_until is not None)
    @rule()
    def pause_runs_out(self):
        self.now = self.conversation.paused_until
        assert self.conversation.expire_pause(self.now) is not None
        assert self.conversation.bot_may_reply

    @invariant()
    def quiet_exactly_while_paused(self):
        paused = self.conversation.paused_until
        self.conversation.expire_pause(self.now)
        assert self.conversation.bot_may_reply or (paused is not None and self.now < paused)


TestConversationHandoff = ConversationHandoff.TestCase


@given(st.text(st.characters(codec=None, categories=None), max_size=50))
def test_a_cleaned_text_can_be_stored(text):
    cleaned = clean_text(text)
    cleaned.encode("utf-8")  # a lone surrogate would raise here, as it does in the driver
    assert "\x00" not in cleaned and len(cleaned) <= len(text)


def test_a_lone_surrogate_reads_as_the_replacement_character():
    assert clean_text("oi \ud800 tudo \udfff bem") == "oi \ufffd tudo \ufffd bem"


def test_a_channel_drops_only_when_an_open_connection_closes():
    channel = Channel(tenant_id=uuid.uuid4(), kind="evolution", name="ct-exemplo")
    at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    assert not channel.down and channel.record_connection("connecting", at) is False and channel.down  # never open: no drop
    assert channel.record_connection("open", at) is False and not channel.down
    assert channel.record_connection("close", at) is True and channel.down
    assert channel.record_connection("close", at) is False  # said again: the same drop


class TestAddress:
    PHONE = Phone("5511987654321")

    def test_a_reply_goes_to_the_number_when_it_is_one_of_the_members_addresses(self):
        addresses = [Address(ChannelKind.EVOLUTION, "123456789012345@lid"), Address(ChannelKind.EVOLUTION, self.PHONE.digits)]
        assert reply_address(self.PHONE, addresses, ChannelKind.EVOLUTION) == self.PHONE.digits

    def test_a_member_known_only_by_an_alias_is_answered_at_it(self):
        addresses = [Address(ChannelKind.EVOLUTION, "123456789012345@lid"), Address(ChannelKind.CLI, self.PHONE.digits)]
        assert reply_address(self.PHONE, addresses, ChannelKind.EVOLUTION) == "123456789012345@lid"

    def test_no_address_of_the_kind_yet_is_the_number(self):
        assert reply_address(self.PHONE, [Address(ChannelKind.CLI, "x")], ChannelKind.EVOLUTION) == self.PHONE.digits

    @pytest.mark.parametrize("value", ["", "9" * (ADDRESS_MAX + 1)])
    def test_an_address_fits_its_column(self, value):
        with pytest.raises(ValueError):
            Address(ChannelKind.EVOLUTION, value)

    def test_only_known_kinds(self):
        with pytest.raises(ValueError):
            Address("telegraph", "x")


def test_a_channel_is_enabled_until_disabled():
    channel = Channel(tenant_id=uuid.uuid4(), kind=ChannelKind.EVOLUTION, name="ct")
    assert channel.enabled and channel.kind is ChannelKind.EVOLUTION
    channel.disable()
    assert not channel.enabled


class TestFrontDesk:
    HOURS = FrontDeskSettings(business_hours=[OpeningHours(weekday="mon", start=dt.time(6), end=dt.time(22))])

    @pytest.mark.parametrize(
        ("local", "staffed"),
        [
            (dt.datetime(2026, 3, 2, 6, 0), True),  # a Monday, at opening
            (dt.datetime(2026, 3, 2, 21, 59), True),
            (dt.datetime(2026, 3, 2, 22, 0), False),  # closing time is closed
            (dt.datetime(2026, 3, 2, 5, 59), False),
            (dt.datetime(2026, 3, 3, 12, 0), False),  # Tuesday: no hours that day
        ],
    )
    def test_staffed_only_within_the_business_hours_of_the_day(self, local, staffed):
        assert self.HOURS.staffed_at(local) is staffed

    def test_no_business_hours_is_always_staffed(self):
        assert FrontDeskSettings().staffed_at(dt.datetime(2026, 3, 3, 3, 0))

    def test_hours_end_after_they_start(self):
        with pytest.raises(ValueError, match="end after"):
            OpeningHours(weekday="mon", start=dt.time(22), end=dt.time(6))
