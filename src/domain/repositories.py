"""Repository ports. Every query that touches member data is scoped by `tenant_id`."""

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from typing import Protocol

from domain.address import Address
from domain.channel import Channel
from domain.client import Client
from domain.conversation import Conversation, StatusChange
from domain.erasure import Erasure, ErasureRequest
from domain.escalation import Escalation
from domain.message import Message
from domain.outbox import OutboxEntry
from domain.phone import Phone
from domain.staff import LoginFailure, StaffSession, StaffUser
from domain.tenant import Tenant
from domain.trial_class import TrialClass


class TenantRepository(Protocol):
    async def get(self, tenant_id: uuid.UUID) -> Tenant | None: ...

    async def by_slug(self, slug: str) -> Tenant | None: ...

    async def listing(self) -> Sequence[Tenant]:
        """Every tenant, by slug: the deployment's operator's view."""

    def add(self, tenant: Tenant) -> None: ...


class ChannelRepository(Protocol):
    async def by_name(self, name: str) -> Channel | None:
        """Channel names are unique across the deployment (a WhatsApp instance name)."""

    async def get(self, channel_id: uuid.UUID) -> Channel | None: ...

    async def listing(self) -> Sequence[Channel]:
        """Every tenant's channels, by name: the deployment's operator's view."""

    async def down(self) -> Sequence[Channel]:
        """Every tenant's enabled channels whose gateway last said they are not connected: the
        deployment's health, not a tenant's data."""

    def add(self, channel: Channel) -> None: ...


class ClientRepository(Protocol):
    async def by_phone(self, tenant_id: uuid.UUID, phone: Phone) -> Client | None: ...

    async def by_address(self, tenant_id: uuid.UUID, address: Address) -> Client | None:
        """The client a channel of `address.kind` reaches at `address.value`."""

    async def addresses(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[Address]: ...

    async def attach(self, tenant_id: uuid.UUID, client_id: uuid.UUID, addresses: Sequence[Address]) -> None:
        """Records the addresses as the client's. One that another client holds stays theirs: two
        members claiming one address is the channel's confusion, not a reason to move it."""

    async def get(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Client | None: ...

    async def by_ids(self, tenant_id: uuid.UUID, client_ids: Collection[uuid.UUID]) -> Sequence[Client]:
        """The tenant's clients among `client_ids`, in no particular order; ids of no client of
        the tenant are left out."""

    def add(self, client: Client) -> None: ...

    async def add_or_get(self, client: Client) -> Client:
        """Stores `client`, or returns the one a concurrent delivery stored first for the same phone."""

    async def delete(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> int:
        """Deletes the client record; how many rows went (0 or 1)."""


class ConversationRepository(Protocol):
    async def latest_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Conversation | None:
        """The client's most recent conversation that is not closed."""

    async def get(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation | None: ...

    async def for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[Conversation]:
        """Every conversation of the client, closed ones too, oldest first."""

    async def inactive_before(self, cutoff: dt.datetime) -> Sequence[tuple[uuid.UUID, uuid.UUID]]:
        """(tenant_id, conversation_id), across tenants, of the conversations whose last activity (the
        newest message, else the start) is before `cutoff` and that wait for nothing (no burst due)."""

    async def delete(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        """Deletes the conversations; the caller deletes what refers to them first."""

    def add(self, conversation: Conversation) -> None: ...

    async def add_or_get(self, conversation: Conversation) -> Conversation:
        """Stores `conversation`, or returns the open one a concurrent delivery stored first for the
        same client: a client has one open conversation."""

    # The inbound buffer (filled by the `Inbox`). Kept in the database so a restart loses nothing
    # and several processes share the work; each operation is atomic against concurrent ones.

    async def inbound_version(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> int: ...

    async def finish_turn(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, version: int) -> bool:
        """Closes the burst if no message arrived since the turn read `version` (then True).
        False: the turn must not commit."""

    async def claim_due(
        self, now: dt.datetime, lease: dt.timedelta, limit: int, channel_kind: str
    ) -> Sequence[tuple[uuid.UUID, uuid.UUID]]:
        """(tenant_id, conversation_id) of due conversations nobody holds whose waiting messages
        came through a channel of `channel_kind`, now held for `lease`; concurrent claimers skip
        each other's rows. (The terminal answers its own turns: a worker must not race it.)
        A conversation whose last reply is still on its way (undelivered, not given up) waits for
        it: a member never has two replies in flight, and replies arrive in the order decided."""

    async def release(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> None:
        """Gives a claimed conversation back before its lease ends."""

    async def count_overdue(self, before: dt.datetime, channel_kind: str) -> int:
        """Conversations, across tenants, whose burst on a `channel_kind` channel was due before
        `before` and still waits: the workers are behind, or none runs."""


class StatusChangeRepository(Protocol):
    def add(self, change: StatusChange) -> None: ...

    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[StatusChange]:
        """Oldest first."""

    async def delete_for_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int: ...


class MessageRepository(Protocol):
    async def add_unique(self, message: Message) -> bool:
        """Stores a message unless one with the same (channel, channel message id) exists.
        Returns whether it was stored; a duplicate delivery is not an error."""

    async def by_channel_message_id(self, channel_id: uuid.UUID, channel_message_id: str) -> Message | None: ...

    async def in_flight(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, text: str) -> Message | None:
        """A reply (the bot's, or staff's from the dashboard) with this text that the channel has not
        given an id for yet (being sent)."""

    def add(self, message: Message) -> None: ...

    async def awaiting_turn(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> Sequence[Message]:
        """The newest `limit` inbound messages not handled by a turn yet, oldest (by the channel's
        own timestamp) first."""

    async def mark_processed(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, route: str) -> int:
        """Marks every inbound message of the conversation that waits for a turn as handled by one
        that took `route`, however many there are; returns how many."""

    async def recent(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> Sequence[Message]:
        """The last `limit` messages handled so far (inbound processed, and all outbound), oldest first."""

    async def get(self, tenant_id: uuid.UUID, message_id: uuid.UUID) -> Message | None: ...

    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[Message]:
        """Every message of the conversation, whatever its status, oldest first."""

    async def delete_for_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        """Deletes their messages; the caller deletes the outbox entries of those first."""


class EscalationRepository(Protocol):
    def add(self, escalation: Escalation) -> None: ...

    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[Escalation]:
        """Oldest first."""

    async def delete_for_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int: ...


class OutboxRepository(Protocol):
    def add(self, entry: OutboxEntry) -> None: ...

    async def due(self, now: dt.datetime, limit: int, channel_kind: str) -> Sequence[OutboxEntry]:
        """Undelivered entries for channels of `channel_kind` whose next attempt is due, across
        tenants (the delivery worker's view); each is locked for this unit of work and skipped by
        concurrent ones."""

    async def count_overdue(self, before: dt.datetime, channel_kind: str) -> int:
        """Replies on `channel_kind` channels, across tenants, decided before `before` and neither
        delivered nor given up."""

    async def count_given_up(self, since: dt.datetime, channel_kind: str) -> int:
        """Replies on `channel_kind` channels decided since `since` that were given up."""

    async def delete_for_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        """Deletes the entries of those conversations' replies, delivered or not: nothing more is sent."""


class TrialClassRepository(Protocol):
    def add(self, trial_class: TrialClass) -> None: ...

    async def serialize_booking(self, tenant_id: uuid.UUID, client_id: uuid.UUID, modality: str, starts_at: dt.datetime) -> None:
        """Until this unit of work ends, other bookings for the same client or the same class wait:
        the capacity and per-person checks that follow cannot race."""

    async def seats_taken(self, tenant_id: uuid.UUID, modality: str, starts_at: dt.datetime) -> int:
        """Trial classes of that class that are not cancelled: a member marked present (or absent)
        before the class starts still holds the seat."""

    async def get(self, tenant_id: uuid.UUID, trial_class_id: uuid.UUID) -> TrialClass | None: ...

    async def starting_between(self, tenant_id: uuid.UUID, start: dt.datetime, end: dt.datetime) -> Sequence[TrialClass]:
        """The tenant's classes, whatever their status, starting at or after `start` and before
        `end`; soonest first, then by modality."""

    async def for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[TrialClass]: ...

    async def for_conversation(self, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Sequence[TrialClass]: ...

    async def anonymize_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> int:
        """Unlinks the client's classes from the client and their conversations; they stay booked."""

    async def detach_from_conversations(self, tenant_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> int:
        """Unlinks the classes from those conversations (to be deleted); they stay booked and the client's."""


class ErasureRequestRepository(Protocol):
    def add(self, request: ErasureRequest) -> None: ...

    async def pending_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> ErasureRequest | None: ...

    async def for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Sequence[ErasureRequest]: ...

    async def fulfil_for_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID, now: dt.datetime) -> int:
        """Marks the client's pending requests fulfilled at `now` and unlinks every request of theirs
        from them (the client is about to be deleted); how many were pending."""

    async def listing(self, tenant_id: uuid.UUID | None) -> Sequence[ErasureRequest]:
        """One tenant's requests (None: every tenant's), pending first, then by deadline."""


class ErasureRepository(Protocol):
    """The audit trail of erasures. Appends only; rows hold counts, never personal data."""

    def add(self, erasure: Erasure) -> None: ...


class StaffUserRepository(Protocol):
    def add(self, user: StaffUser) -> None: ...

    async def by_email(self, email: str) -> StaffUser | None:
        """Across tenants (an address is unique in the deployment); `email` is normalized already."""

    async def get(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> StaffUser | None: ...

    async def listing(self, tenant_id: uuid.UUID | None) -> Sequence[StaffUser]:
        """One tenant's users (None: every tenant's), by tenant then e-mail."""


class StaffSessionRepository(Protocol):
    def add(self, session: StaffSession) -> None: ...

    async def get(self, session_id: str) -> StaffSession | None:
        """Across tenants: the session's id (a digest of a secret token) is what names its tenant."""

    async def delete(self, session_id: str) -> None: ...

    async def delete_for_user(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> int:
        """Signs the user out everywhere; how many sessions went."""

    async def delete_expired(self, now: dt.datetime) -> int: ...


class LoginFailureRepository(Protocol):
    """Failed logins, shared by every server process, for the rate limit."""

    async def record(self, failure: LoginFailure) -> None: ...

    async def for_account(self, email: str, since: dt.datetime) -> int:
        """How many failures named `email` since `since`."""

    async def from_address(self, address: str, since: dt.datetime) -> int:
        """How many failures came from `address` since `since`."""

    async def delete_before(self, cutoff: dt.datetime) -> int:
        """Forgets failures older than any window counts."""
