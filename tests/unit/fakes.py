"""In-memory implementations of the ports, for unit tests of the use cases."""

import copy
import datetime as dt
import uuid
from collections.abc import Collection, Sequence

import attrs

from adapters.offline.follow_up import OfflineFollowUpReader
from application.answer_question import AnswerQuestion
from application.booking_extractor import BookingDetails
from application.booking_interview import ConductBookingInterview
from application.cache import CacheKey
from application.escalate_to_human import EscalateToHuman
from application.gateway import DeliveryFailed
from application.handle_turn import HandleTurn
from application.inbox import Stored
from application.knowledge_index import Passage, SyncReport
from application.model_usage import Caller
from application.question_answerer import Answer
from application.record_erasure_request import RecordErasureRequest
from application.register_trial_class import RegisterTrialClass
from application.triage import Triage
from application.turn import TurnInput
from domain.address import Address
from domain.channel import Channel, ChannelKind
from domain.client import Client
from domain.conversation import Conversation, ConversationStatus, StatusChange
from domain.erasure import ErasureRequest
from domain.escalation import Escalation
from domain.knowledge import Chunk
from domain.message import Author, Direction, Message, MessageStatus
from domain.outbox import NEVER, OutboxEntry
from domain.phone import Phone
from domain.route import Route
from domain.staff import LoginFailure, StaffSession, StaffUser
from domain.tenant import Tenant
from domain.trial_class import TrialClass


@attrs.define
class FakeClock:
    current: dt.datetime = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current


@attrs.define
class _Store:
    items: list = attrs.field(factory=list)

    def add(self, item: object) -> None:
        self.items.append(item)

    def _delete(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        """Deletes the tenant's items of those conversations; how many went."""
        kept = [i for i in self.items if not (i.tenant_id == tenant_id and i.conversation_id in conversation_ids)]
        deleted, self.items = len(self.items) - len(kept), kept
        return deleted


class FakeTenants(_Store):
    async def get(self, tenant_id: uuid.UUID) -> Tenant | None:
        return next((t for t in self.items if t.id == tenant_id), None)

    async def by_slug(self, slug: str) -> Tenant | None:
        return next((t for t in self.items if t.slug == slug), None)

    async def listing(self) -> Sequence[Tenant]:
        return sorted(self.items, key=lambda t: t.slug)


class FakeChannels(_Store):
    async def find(self, name: str) -> Channel | None:
        return await self.by_name(name)

    async def by_name(self, name: str) -> Channel | None:
        return next((c for c in self.items if c.name == name), None)

    async def get(self, channel_id: uuid.UUID) -> Channel | None:
        return next((c for c in self.items if c.id == channel_id), None)

    async def listing(self) -> Sequence[Channel]:
        return sorted(self.items, key=lambda c: c.name)

    async def down(self) -> Sequence[Channel]:
        return sorted((c for c in self.items if c.enabled and c.down), key=lambda c: c.name)


@attrs.define
class FakeClients(_Store):
    held: dict[tuple[uuid.UUID, Address], uuid.UUID] = attrs.field(factory=dict)  # (tenant, address) -> client id

    async def add_or_get(self, client: Client) -> Client:
        existing = await self.by_phone(client.tenant_id, client.phone)
        if existing is None:
            self.items.append(client)
        return existing or client

    async def by_phone(self, tenant_id: uuid.UUID, phone: Phone) -> Client | None:
        return next((c for c in self.items if c.tenant_id == tenant_id and c.phone == phone), None)

    async def by_address(self, tenant_id: uuid.UUID, address: Address) -> Client | None:
        client_id = self.held.get((tenant_id, address))
        return None if client_id is None else await self.get(tenant_id, client_id)

    async def addresses(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[Address]:
        theirs = [address for (tenant, address), holder in self.held.items() if (tenant, holder) == (tenant_id, client_id)]
        return sorted(theirs, key=lambda a: (a.kind, a.value))

    async def attach(self, tenant_id: uuid.UUID, client_id: uuid.UUID, addresses: Sequence[Address]) -> None:
        for address in addresses:
            self.held.setdefault((tenant_id, address), client_id)

    async def get(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Client | None:
        return next((c for c in self.items if c.tenant_id == tenant_id and c.id == client_id), None)

    async def by_ids(self, tenant_id: uuid.UUID, client_ids: Collection[uuid.UUID]) -> Sequence[Client]:
        return [c for c in self.items if c.tenant_id == tenant_id and c.id in client_ids]

    async def delete(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> int:
        kept = [c for c in self.items if not (c.tenant_id == tenant_id and c.id == client_id)]
        deleted, self.items = len(self.items) - len(kept), kept
        self.held = {key: holder for key, holder in self.held.items() if (key[0], holder) != (tenant_id, client_id)}
        return deleted


@attrs.define
class Buffer:
    version: int = 0
    pending_since: dt.datetime | None = None
    due_at: dt.datetime | None = None
    claimed_until: dt.datetime | None = None


@attrs.define
class FakeConversations(_Store):
    buffers: dict[uuid.UUID, Buffer] = attrs.field(factory=dict)
    # Shared with the other stores of the unit of work, which wires them.
    messages: "FakeMessages" = attrs.field(factory=lambda: FakeMessages())
    channels: "FakeChannels" = attrs.field(factory=lambda: FakeChannels())
    outbox: "FakeOutbox" = attrs.field(factory=lambda: FakeOutbox())

    def _waits_on(self, conversation_id: uuid.UUID, channel_kind: str) -> bool:
        kinds = {c.id: c.kind for c in self.channels.items}
        return any(
            m.conversation_id == conversation_id and m.status is MessageStatus.RECEIVED and kinds.get(m.channel_id) == channel_kind
            for m in self.messages.items
        )

    def _reply_in_flight(self, conversation_id: uuid.UUID) -> bool:
        replies = {m.id for m in self.messages.items if m.conversation_id == conversation_id}
        return any(e.message_id in replies and e.delivered_at is None and e.next_attempt_at < NEVER for e in self.outbox.items)

    async def add_or_get(self, conversation: Conversation) -> Conversation:
        existing = await self.latest_for_client(conversation.tenant_id, conversation.client_id)
        if existing is None:
            self.items.append(conversation)
        return existing or conversation

    def record_inbound(self, conversation_id, at, window, max_wait) -> None:
        buffer = self.buffers.setdefault(conversation_id, Buffer())
        buffer.version += 1
        buffer.pending_since = buffer.pending_since or at
        buffer.due_at = min(at + window, buffer.pending_since + max_wait)

    async def inbound_version(self, tenant_id, conversation_id) -> int:
        return self.buffers.setdefault(conversation_id, Buffer()).version

    async def finish_turn(self, tenant_id, conversation_id, version) -> bool:
        buffer = self.buffers.setdefault(conversation_id, Buffer())
        if buffer.version != version:
            return False
        buffer.pending_since = buffer.due_at = None
        buffer.claimed_until = None
        return True

    async def claim_due(self, now, lease, limit, channel_kind):
        due = [
            (c.tenant_id, c.id)
            for c in self.items
            if (b := self.buffers.get(c.id))
            and b.due_at
            and b.due_at <= now
            and (b.claimed_until is None or b.claimed_until < now)
            and self._waits_on(c.id, channel_kind)
            and not self._reply_in_flight(c.id)
        ][:limit]
        for _, conversation_id in due:
            self.buffers[conversation_id].claimed_until = now + lease
        return due

    async def release(self, tenant_id, conversation_id) -> None:
        self.buffers[conversation_id].claimed_until = None

    async def count_overdue(self, before, channel_kind) -> int:
        return sum(
            1 for c in self.items if (b := self.buffers.get(c.id)) and b.due_at and b.due_at < before and self._waits_on(c.id, channel_kind)
        )

    async def latest_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Conversation | None:
        mine = [
            c for c in self.items if c.tenant_id == tenant_id and c.client_id == client_id and c.status is not ConversationStatus.CLOSED
        ]
        return mine[-1] if mine else None

    async def get(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation | None:
        return next((c for c in self.items if c.tenant_id == tenant_id and c.id == conversation_id), None)

    async def for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[Conversation]:
        return sorted((c for c in self.items if c.tenant_id == tenant_id and c.client_id == client_id), key=lambda c: c.created_at)

    async def inactive_before(self, cutoff: dt.datetime) -> Sequence[tuple[uuid.UUID, uuid.UUID]]:
        def last_activity(conversation: Conversation) -> dt.datetime:
            return max((m.created_at for m in self.messages.items if m.conversation_id == conversation.id), default=conversation.created_at)

        return [(c.tenant_id, c.id) for c in self.items if last_activity(c) < cutoff and self.buffers.get(c.id, Buffer()).due_at is None]

    async def delete(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        kept = [c for c in self.items if not (c.tenant_id == tenant_id and c.id in conversation_ids)]
        deleted, self.items = len(self.items) - len(kept), kept
        return deleted


class FakeStatusChanges(_Store):
    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[StatusChange]:
        return [s for s in self.items if s.tenant_id == tenant_id and s.conversation_id == conversation_id]

    async def delete_for_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        return self._delete(tenant_id, conversation_ids)


class FakeMessages(_Store):
    async def by_channel_message_id(self, channel_id: uuid.UUID, channel_message_id: str) -> Message | None:
        return next((m for m in self.items if m.channel_id == channel_id and m.channel_message_id == channel_message_id), None)

    async def in_flight(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, text: str) -> Message | None:
        return next(
            (
                m
                for m in self._of(tenant_id, conversation_id)
                if m.direction is Direction.OUTBOUND and m.channel_message_id is None and m.text == text
            ),
            None,
        )

    async def add_unique(self, message: Message) -> bool:
        if any(m.channel_id == message.channel_id and m.channel_message_id == message.channel_message_id for m in self.items):
            return False
        self.items.append(message)
        return True

    def _of(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> list[Message]:
        return [m for m in self.items if m.tenant_id == tenant_id and m.conversation_id == conversation_id]

    async def awaiting_turn(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> Sequence[Message]:
        return sorted(self._waiting(tenant_id, conversation_id), key=lambda m: m.created_at)[-limit:]

    async def mark_processed(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, route: str) -> int:
        waiting = self._waiting(tenant_id, conversation_id)
        for message in waiting:
            message.status, message.route = MessageStatus.PROCESSED, route
        return len(waiting)

    def _waiting(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> list[Message]:
        return [m for m in self._of(tenant_id, conversation_id) if m.direction is Direction.INBOUND and m.status is MessageStatus.RECEIVED]

    async def recent(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> Sequence[Message]:
        return [m for m in self._of(tenant_id, conversation_id) if m.status is not MessageStatus.RECEIVED][-limit:]

    async def get(self, tenant_id: uuid.UUID, message_id: uuid.UUID) -> Message | None:
        return next((m for m in self.items if m.tenant_id == tenant_id and m.id == message_id), None)

    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[Message]:
        return sorted(self._of(tenant_id, conversation_id), key=lambda m: m.created_at)

    async def delete_for_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        return self._delete(tenant_id, conversation_ids)


class FakeEscalations(_Store):
    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[Escalation]:
        return [e for e in self.items if e.tenant_id == tenant_id and e.conversation_id == conversation_id]

    async def delete_for_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        return self._delete(tenant_id, conversation_ids)


@attrs.define
class FakeOutbox(_Store):
    # Shared with the other stores of the unit of work, which wires them.
    messages: FakeMessages = attrs.field(factory=FakeMessages)
    channels: FakeChannels = attrs.field(factory=FakeChannels)

    async def due(self, now: dt.datetime, limit: int, channel_kind: str) -> Sequence[OutboxEntry]:
        due = [e for e in self._undelivered(channel_kind) if e.next_attempt_at <= now]
        return due[:limit]

    async def count_overdue(self, before: dt.datetime, channel_kind: str) -> int:
        return sum(1 for e in self._undelivered(channel_kind) if e.next_attempt_at < NEVER and self._decided_at(e) < before)

    async def count_given_up(self, since: dt.datetime, channel_kind: str) -> int:
        return sum(1 for e in self._undelivered(channel_kind) if e.next_attempt_at == NEVER and self._decided_at(e) >= since)

    async def delete_for_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        theirs = {m.id for m in self.messages.items if m.tenant_id == tenant_id and m.conversation_id in conversation_ids}
        kept = [e for e in self.items if e.message_id not in theirs]
        deleted, self.items = len(self.items) - len(kept), kept
        return deleted

    def _undelivered(self, channel_kind: str) -> list[OutboxEntry]:
        return [e for e in self.items if e.delivered_at is None and self._kind(e) == channel_kind]

    def _message(self, entry: OutboxEntry) -> Message:
        return next(m for m in self.messages.items if m.id == entry.message_id)

    def _kind(self, entry: OutboxEntry) -> str | None:
        return next(c.kind for c in self.channels.items if c.id == self._message(entry).channel_id)

    def _decided_at(self, entry: OutboxEntry) -> dt.datetime:
        return self._message(entry).created_at


class FakeTrialClasses(_Store):
    async def serialize_booking(self, tenant_id: uuid.UUID, client_id: uuid.UUID, modality: str, starts_at: dt.datetime) -> None:
        """One process, no concurrency: nothing to wait for."""

    async def seats_taken(self, tenant_id: uuid.UUID, modality: str, starts_at: dt.datetime) -> int:
        return sum(t.tenant_id == tenant_id and t.modality == modality and t.starts_at == starts_at and t.is_active for t in self.items)

    async def for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[TrialClass]:
        return sorted((t for t in self.items if t.tenant_id == tenant_id and t.client_id == client_id), key=lambda t: t.starts_at)

    async def get(self, tenant_id: uuid.UUID, trial_class_id: uuid.UUID) -> TrialClass | None:
        return next((t for t in self.items if t.tenant_id == tenant_id and t.id == trial_class_id), None)

    async def starting_between(self, tenant_id: uuid.UUID, start: dt.datetime, end: dt.datetime) -> Sequence[TrialClass]:
        chosen = (t for t in self.items if t.tenant_id == tenant_id and start <= t.starts_at < end)
        return sorted(chosen, key=lambda t: (t.starts_at, t.modality, t.created_at))

    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[TrialClass]:
        return [t for t in self.items if t.tenant_id == tenant_id and t.conversation_id == conversation_id]

    async def anonymize_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> int:
        theirs = [t for t in self.items if t.tenant_id == tenant_id and t.client_id == client_id]
        for trial in theirs:
            trial.client_id = trial.conversation_id = None
        return len(theirs)

    async def detach_from_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        theirs = [t for t in self.items if t.tenant_id == tenant_id and t.conversation_id in conversation_ids]
        for trial in theirs:
            trial.conversation_id = None
        return len(theirs)


class FakeErasureRequests(_Store):
    async def pending_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> ErasureRequest | None:
        return next((r for r in await self.for_client(tenant_id, client_id) if r.pending), None)

    async def for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[ErasureRequest]:
        return [r for r in self.items if r.tenant_id == tenant_id and r.client_id == client_id]

    async def fulfil_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID, now: dt.datetime) -> int:
        theirs = await self.for_client(tenant_id, client_id)
        pending = [r for r in theirs if r.pending]
        for request in pending:
            request.fulfilled_at = now
        for request in theirs:
            request.client_id = None
        return len(pending)

    async def listing(self, tenant_id: uuid.UUID | None) -> Sequence[ErasureRequest]:
        chosen = [r for r in self.items if tenant_id is None or r.tenant_id == tenant_id]
        return sorted(chosen, key=lambda r: (not r.pending, r.requested_at))


class FakeErasures(_Store):
    pass


class FakeStaffUsers(_Store):
    async def by_email(self, email: str) -> StaffUser | None:
        return next((u for u in self.items if u.email == email), None)

    async def get(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> StaffUser | None:
        return next((u for u in self.items if u.tenant_id == tenant_id and u.id == user_id), None)

    async def listing(self, tenant_id: uuid.UUID | None) -> Sequence[StaffUser]:
        chosen = [u for u in self.items if tenant_id is None or u.tenant_id == tenant_id]
        return sorted(chosen, key=lambda u: (str(u.tenant_id), u.email))


class FakeStaffSessions(_Store):
    async def get(self, session_id: str) -> StaffSession | None:
        return next((s for s in self.items if s.id == session_id), None)

    async def delete(self, session_id: str) -> None:
        self.items = [s for s in self.items if s.id != session_id]

    async def delete_for_user(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> int:
        kept = [s for s in self.items if not (s.tenant_id == tenant_id and s.user_id == user_id)]
        deleted, self.items = len(self.items) - len(kept), kept
        return deleted

    async def delete_expired(self, now: dt.datetime) -> int:
        kept = [s for s in self.items if s.active(now)]
        deleted, self.items = len(self.items) - len(kept), kept
        return deleted


class FakeLoginFailures(_Store):
    async def record(self, failure: LoginFailure) -> None:
        self.items.append(failure)

    async def for_account(self, email: str, since: dt.datetime) -> int:
        return sum(f.email == email and f.at >= since for f in self.items)

    async def from_address(self, address: str, since: dt.datetime) -> int:
        return sum(f.address == address and f.at >= since for f in self.items)

    async def delete_before(self, cutoff: dt.datetime) -> int:
        kept = [f for f in self.items if f.at >= cutoff]
        deleted, self.items = len(self.items) - len(kept), kept
        return deleted


@attrs.define
class FakePasswordHasher:
    """Reversible on purpose (tests read it); never a real hash."""

    async def hash(self, password: str) -> str:
        return f"fake${password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == f"fake${password}"


@attrs.define
class FakeInbox:
    """Stores into the unit of work's fakes and commits, as the real inbox commits on its own."""

    uow: "FakeUnitOfWork"

    async def store(self, channel, message, text, media, arrived_at, buffer) -> Stored:
        addresses = message.addresses(channel.kind)
        client = await self.uow.clients.by_address(channel.tenant_id, addresses[0]) or await self.uow.clients.add_or_get(
            Client(tenant_id=channel.tenant_id, phone=message.sender, name=message.sender_name)
        )
        await self.uow.clients.attach(channel.tenant_id, client.id, addresses)
        conversation = await self.uow.conversations.add_or_get(
            Conversation(tenant_id=channel.tenant_id, client_id=client.id, created_at=arrived_at)
        )
        stored = await self.uow.messages.add_unique(
            Message(
                tenant_id=channel.tenant_id,
                conversation_id=conversation.id,
                channel_id=channel.id,
                direction=Direction.INBOUND,
                author=Author.MEMBER,
                text=text,
                media=media,
                channel_message_id=message.channel_message_id,
                status=MessageStatus.RECEIVED,
                created_at=message.sent_at or arrived_at,
            )
        )
        tenant = await self.uow.tenants.get(channel.tenant_id)
        own = tenant.front_desk.buffer_window_seconds if tenant else None
        window = buffer.window if own is None else dt.timedelta(seconds=own)
        self.uow.conversations.record_inbound(conversation.id, arrived_at, window, max(window, buffer.max_wait))
        await self.uow.commit()
        return Stored(conversation_id=conversation.id, stored=stored)


@attrs.define
class FakeUnitOfWork:
    tenants: FakeTenants = attrs.field(factory=FakeTenants)
    channels: FakeChannels = attrs.field(factory=FakeChannels)
    clients: FakeClients = attrs.field(factory=FakeClients)
    conversations: FakeConversations = attrs.field(factory=FakeConversations)
    status_changes: FakeStatusChanges = attrs.field(factory=FakeStatusChanges)
    messages: FakeMessages = attrs.field(factory=FakeMessages)
    escalations: FakeEscalations = attrs.field(factory=FakeEscalations)
    outbox: FakeOutbox = attrs.field(factory=FakeOutbox)
    trial_classes: FakeTrialClasses = attrs.field(factory=FakeTrialClasses)
    erasure_requests: FakeErasureRequests = attrs.field(factory=FakeErasureRequests)
    erasures: FakeErasures = attrs.field(factory=FakeErasures)
    staff_users: FakeStaffUsers = attrs.field(factory=FakeStaffUsers)
    staff_sessions: FakeStaffSessions = attrs.field(factory=FakeStaffSessions)
    login_failures: FakeLoginFailures = attrs.field(factory=FakeLoginFailures)
    commits: int = 0

    _snapshot: dict = attrs.field(factory=dict)

    @property
    def inbox(self) -> FakeInbox:
        return FakeInbox(self)

    def __attrs_post_init__(self) -> None:
        self.outbox.messages = self.conversations.messages = self.messages
        self.outbox.channels = self.conversations.channels = self.channels
        self.conversations.outbox = self.outbox
        self._take_snapshot()

    def _stores(self) -> dict[str, _Store]:
        return {f.name: getattr(self, f.name) for f in attrs.fields(type(self)) if isinstance(getattr(self, f.name), _Store)}

    def _take_snapshot(self) -> None:
        self._snapshot = copy.deepcopy(
            {"items": {n: s.items for n, s in self._stores().items()}, "buffers": self.conversations.buffers, "held": self.clients.held}
        )

    @property
    def committed(self) -> bool:
        return self.commits > 0

    async def commit(self) -> None:
        self.commits += 1
        self._take_snapshot()

    def committed_copy(self, entity):
        """The entity as the last commit left it; None if it was not committed yet."""
        stored = (item for items in self._snapshot["items"].values() for item in items)
        return next((item for item in stored if type(item) is type(entity) and item.id == entity.id), None)

    async def rollback(self) -> None:
        """Back to the last commit, as a real transaction would be."""
        restored = copy.deepcopy(self._snapshot)
        for name, store in self._stores().items():
            store.items = restored["items"][name]
        self.conversations.buffers = restored["buffers"]
        self.clients.held = restored["held"]


@attrs.define
class ScriptedEngine:
    """Every decision of a turn, scripted by the test (it stands in for each engine port): triage
    as set, answers echo the first passage's heading."""

    route: Route = Route.FAQ
    paid_service: str | None = None
    human_requested: bool = False
    agrees: bool = False
    booking: BookingDetails = BookingDetails()
    answer_route: Route = Route.FAQ  # where the answerer sends a turn triaged as a question
    seen: list[TurnInput] = attrs.field(factory=list)
    extractions: int = 0

    async def extract_booking(self, turn: TurnInput) -> BookingDetails:
        self.extractions += 1
        return self.booking

    async def triage(self, turn: TurnInput) -> Triage:
        self.seen.append(turn)
        return Triage(route=self.route, paid_service=self.paid_service, human_requested=self.human_requested, agrees=self.agrees)

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> Answer:
        if self.answer_route is not Route.FAQ:
            return Answer(text="Olá!" if self.answer_route is Route.SMALLTALK else None, route=self.answer_route)
        return Answer(text=f"Sobre {passages[0].chunk.heading}: {passages[0].chunk.text}" if passages else None)

    async def smalltalk(self, turn: TurnInput) -> str:
        return "Olá!"


@attrs.define
class FakeIndex:
    chunks: dict[str, list[Chunk]] = attrs.field(factory=dict)

    async def sync(self, tenant: Tenant, chunks: Sequence[Chunk]) -> SyncReport:
        before = {c.key: c.content_hash for c in self.chunks.get(tenant.slug, [])}
        changed = sum(before.get(c.key) != c.content_hash for c in chunks)
        removed = len(set(before) - {c.key for c in chunks})
        self.chunks[tenant.slug] = list(chunks)
        return SyncReport(indexed=changed, unchanged=len(chunks) - changed, removed=removed)

    async def sections(self, tenant: str) -> Sequence[Chunk]:
        return sorted(self.chunks.get(tenant, []), key=lambda c: (c.source, c.heading))

    async def version(self, tenant: Tenant) -> str:
        return "|".join(sorted(f"{c.key}={c.content_hash}" for c in self.chunks.get(tenant.slug, [])))

    async def search(self, caller: Caller, query: str, limit: int) -> Sequence[Passage]:
        words = set(query.lower().split())
        scored = [(len(words & set(c.text.lower().split())), c) for c in self.chunks.get(caller.tenant.slug, [])]
        return [Passage(chunk=c, score=s) for s, c in sorted(scored, key=lambda p: -p[0]) if s > 0][:limit]


@attrs.define
class FakeGateway:
    """Records what it sends; the n-th message sent has the id `wamid-n`. `failures` are raised by
    the next sends in order; one with `maybe_sent` goes out first (the answer was lost, not the
    message). `lookup_failures` are raised by the next lookups."""

    sent: list[tuple[str, str]] = attrs.field(factory=list)
    failures: list[DeliveryFailed] = attrs.field(factory=list)
    lookup_failures: list[DeliveryFailed] = attrs.field(factory=list)
    lookups: int = 0
    kind: ChannelKind = ChannelKind.CLI

    async def send(self, channel: Channel, recipient: str, text: str) -> str | None:
        failure = self.failures.pop(0) if self.failures else None
        if failure is not None and not failure.maybe_sent:
            raise failure
        self.sent.append((recipient, text))
        if failure is not None:
            raise failure
        return f"wamid-{len(self.sent)}"

    async def find_sent(self, channel: Channel, recipient: str, text: str, since: dt.datetime) -> Sequence[str]:
        self.lookups += 1
        if self.lookup_failures:
            raise self.lookup_failures.pop(0)
        return [f"wamid-{n}" for n, sent in reversed(list(enumerate(self.sent, start=1))) if sent == (recipient, text)]


def handle_turn(
    uow: "FakeUnitOfWork", clock: FakeClock, engine: "ScriptedEngine", index: "FakeIndex | None" = None, pause_hours: int = 12
) -> HandleTurn:
    """The turn use case over the fakes, every decision of it `engine`'s."""
    return HandleTurn(
        uow,
        clock,
        engine,
        engine,
        engine,
        AnswerQuestion(engine, index or FakeIndex(), OfflineFollowUpReader()),
        EscalateToHuman(uow, clock, dt.timedelta(hours=pause_hours)),
        ConductBookingInterview(uow, clock, RegisterTrialClass(uow, clock)),
        RecordErasureRequest(uow, clock),
        history_limit=10,
    )


@attrs.define
class FakeCache:
    """`Cache` as a dict without expiry; `down` makes it read as empty and drop writes, as a cache
    that cannot be reached does."""

    values: dict[str, bytes] = attrs.field(factory=dict)
    ttls: dict[str, float] = attrs.field(factory=dict)
    down: bool = False

    async def get(self, key: CacheKey) -> bytes | None:
        return None if self.down else self.values.get(str(key))

    async def set(self, key: CacheKey, value: bytes, ttl: float) -> None:
        if not self.down:
            self.values[str(key)], self.ttls[str(key)] = value, ttl

    async def delete_prefix(self, prefix: str) -> None:
        self.values = {k: v for k, v in self.values.items() if not k.startswith(prefix)}
