import sqlalchemy as sa
from sqlalchemy.orm import registry, relationship

from adapters.postgres.flow_state import FlowStateType
from adapters.postgres.types import (
    FrontDeskSettingsType,
    LanguageModelSettingsType,
    ModalitiesType,
    PaidServicesType,
    PhoneType,
    StrEnumType,
    TrialRulesType,
)
from domain.address import ADDRESS_MAX
from domain.channel import CHANNEL_NAME_MAX, CONNECTION_STATE_MAX, Channel
from domain.client import Client
from domain.conversation import Conversation, ConversationStatus, StatusChange
from domain.erasure import Erasure, ErasureRequest
from domain.escalation import Escalation, EscalationReason
from domain.message import MESSAGE_ID_MAX, Author, Direction, Message, MessageStatus
from domain.outbox import OutboxEntry
from domain.route import Route
from domain.staff import EMAIL_MAX, StaffRole, StaffSession, StaffUser
from domain.tenant import Tenant
from domain.trial_class import TrialClass, TrialClassStatus

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
mapper_registry = registry(metadata=metadata)

TZ = sa.DateTime(timezone=True)


def _tenant_id() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True)


tenants = sa.Table(
    "tenants",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("slug", sa.String(63), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("human_contact", sa.Text),
    sa.Column("paid_services", PaidServicesType, nullable=False),
    sa.Column("modalities", ModalitiesType, nullable=False),
    sa.Column("trial_class", TrialRulesType, nullable=False),
    sa.Column("llm", LanguageModelSettingsType, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("front_desk", FrontDeskSettingsType, nullable=False, server_default=sa.text("'{}'::jsonb")),
)

channels = sa.Table(
    "channels",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _tenant_id(),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("name", sa.String(CHANNEL_NAME_MAX), nullable=False, unique=True),
    sa.Column("api_url", sa.Text),
    sa.Column("api_key", sa.Text),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("connected", sa.Boolean),
    sa.Column("connection_state", sa.String(CONNECTION_STATE_MAX)),
    sa.Column("connection_changed_at", TZ),
)

clients = sa.Table(
    "clients",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _tenant_id(),
    sa.Column("phone", PhoneType, nullable=False),
    sa.Column("name", sa.Text),
    sa.UniqueConstraint("tenant_id", "phone"),
)

# Where channels reach a client (`domain.address.Address`): a tenant's (kind, address) is one
# client's, whichever channel of that kind it came through. Kept by the channels' adapters.
client_addresses = sa.Table(
    "client_addresses",
    metadata,
    _tenant_id(),
    sa.Column("client_id", sa.Uuid, sa.ForeignKey("clients.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("address", sa.String(ADDRESS_MAX), nullable=False),
    sa.PrimaryKeyConstraint("tenant_id", "kind", "address"),
)

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _tenant_id(),
    sa.Column("client_id", sa.Uuid, sa.ForeignKey("clients.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("status", StrEnumType(ConversationStatus), nullable=False),
    sa.Column("paused_until", TZ),
    sa.Column("flow_state", FlowStateType, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    # The inbound buffer, kept by the repository in SQL rather than by the entity: concurrent
    # webhook deliveries update it atomically, and a turn commits only if inbound_version is still
    # what it read (a message that arrived meanwhile makes the turn start over with it).
    sa.Column("inbound_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("pending_since", TZ),
    sa.Column("due_at", TZ),
    sa.Column("claimed_until", TZ),
    sa.Index("ix_conversations_due", "due_at", postgresql_where=sa.text("due_at IS NOT NULL")),
    # One open conversation per client, even when its first messages arrive concurrently.
    sa.Index("uq_conversations_open_client", "client_id", unique=True, postgresql_where=sa.text("status <> 'closed'")),
)

status_changes = sa.Table(
    "status_changes",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _tenant_id(),
    sa.Column("conversation_id", sa.Uuid, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("before", StrEnumType(ConversationStatus), nullable=False),
    sa.Column("after", StrEnumType(ConversationStatus), nullable=False),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("at", TZ, nullable=False),
    # The staff user who made the change from the dashboard; SET NULL keeps the trail of a deleted user.
    sa.Column("actor", sa.Uuid, sa.ForeignKey("staff_users.id", ondelete="SET NULL")),
)

messages = sa.Table(
    "messages",
    metadata,
    # Insertion order breaks ties between messages with the same timestamp.
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    _tenant_id(),
    sa.Column("conversation_id", sa.Uuid, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("channel_id", sa.Uuid, sa.ForeignKey("channels.id"), nullable=False),
    sa.Column("direction", StrEnumType(Direction), nullable=False),
    sa.Column("author", StrEnumType(Author), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("channel_message_id", sa.String(MESSAGE_ID_MAX)),
    sa.Column("status", StrEnumType(MessageStatus), nullable=False),
    sa.Column("route", StrEnumType(Route)),
    sa.Column("delivery_status", sa.String(32)),
    sa.Column("media", sa.String(16)),
    sa.Column("created_at", TZ, nullable=False),
    sa.UniqueConstraint("channel_id", "channel_message_id"),
    sa.Index("ix_messages_conversation_created", "conversation_id", "created_at"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _tenant_id(),
    sa.Column("message_id", sa.Uuid, sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False, unique=True),
    sa.Column("recipient", sa.String(64), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", TZ, nullable=False),
    sa.Column("attempt_started_at", TZ),
    sa.Column("delivered_at", TZ),
    sa.Column("last_error", sa.Text),
    sa.Index("ix_outbox_due", "next_attempt_at", postgresql_where=sa.text("delivered_at IS NULL")),
)

escalations = sa.Table(
    "escalations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _tenant_id(),
    sa.Column("conversation_id", sa.Uuid, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("reason", StrEnumType(EscalationReason), nullable=False),
    sa.Column("subject", sa.Text),
    sa.Column("resolved_at", TZ),
    sa.Column("created_at", TZ, nullable=False),
)

trial_classes = sa.Table(
    "trial_classes",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _tenant_id(),
    # SET NULL: an erased member's or a deleted conversation's class keeps its seat (capacity, stats).
    sa.Column("client_id", sa.Uuid, sa.ForeignKey("clients.id", ondelete="SET NULL"), index=True),
    sa.Column("conversation_id", sa.Uuid, sa.ForeignKey("conversations.id", ondelete="SET NULL"), index=True),
    sa.Column("modality", sa.Text, nullable=False),
    sa.Column("starts_at", TZ, nullable=False),
    sa.Column("status", StrEnumType(TrialClassStatus), nullable=False),
    sa.Column("created_at", TZ, nullable=False),
)


# A member's request to have their data erased. It outlives the erasure, without its member, to
# show staff that it was honoured.
erasure_requests = sa.Table(
    "erasure_requests",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _tenant_id(),
    sa.Column("client_id", sa.Uuid, sa.ForeignKey("clients.id", ondelete="SET NULL"), index=True),
    sa.Column("requested_at", TZ, nullable=False),
    sa.Column("fulfilled_at", TZ),
    # Asking again while a request is pending is the same request.
    sa.Index("uq_erasure_requests_pending_client", "client_id", unique=True, postgresql_where=sa.text("fulfilled_at IS NULL")),
)

# The audit trail of erasures (by command or by retention): counts, and nothing of the member.
erasures = sa.Table(
    "erasures",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _tenant_id(),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("at", TZ, nullable=False),
    *(
        sa.Column(name, sa.Integer, nullable=False)
        for name in ("clients", "conversations", "messages", "outbox", "escalations", "status_changes", "trial_classes", "requests")
    ),
)


# The ledger of model calls. No foreign keys to the conversation or message: a billed call stays on
# record whatever becomes of them. `id` orders calls made at the same instant (a clock that stands still).
model_calls = sa.Table(
    "model_calls",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    _tenant_id(),
    sa.Column("conversation_id", sa.Uuid),
    sa.Column("message_id", sa.Uuid, index=True),
    sa.Column("decision", sa.String(64), nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("prompt_tokens", sa.Integer, nullable=False),
    sa.Column("cached_tokens", sa.Integer, nullable=False),
    sa.Column("completion_tokens", sa.Integer, nullable=False),
    sa.Column("latency_ms", sa.Integer, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("cost_usd", sa.Numeric(18, 10)),
    sa.Column("price_version", sa.Text, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    # A tenant's spend this month (before every call); the latest calls to a model (the breaker).
    sa.Index("ix_model_calls_tenant_created", "tenant_id", "created_at"),
    sa.Index("ix_model_calls_model_id", "model", "id"),
)

# One row per tenant, month and threshold: the primary key makes "staff are told once" hold
# across processes.
budget_alerts = sa.Table(
    "budget_alerts",
    metadata,
    sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("threshold", sa.SmallInteger, primary_key=True),
    sa.Column("spent", sa.Numeric(24, 10), nullable=False),
    sa.Column("ceiling", sa.Numeric(24, 10), nullable=False),
    sa.Column("unit", sa.String(8), nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.Index("ix_budget_alerts_month", "month"),
)


staff_users = sa.Table(
    "staff_users",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    _tenant_id(),
    # Unique across tenants: the login form asks for the address alone.
    sa.Column("email", sa.String(EMAIL_MAX), nullable=False, unique=True),
    sa.Column("role", StrEnumType(StaffRole), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
)

# Server-side sessions: every server process of `tatame serve` sees the same ones.
staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the cookie's token, in hex
    _tenant_id(),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("expires_at", TZ, nullable=False, index=True),
)

# Failed logins, counted per account and per address by the rate limit; kept for minutes.
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("email", sa.String(EMAIL_MAX), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("at", TZ, nullable=False),
    sa.Index("ix_login_failures_email_at", "email", "at"),
    sa.Index("ix_login_failures_address_at", "address", "at"),
)


def _parents(**targets: type) -> dict[str, object]:
    """The domain refers to parents by id only. These private many-to-one relationships are never
    read; they exist so that one flush inserts parents before children (a tenant before its
    channel, a client before its conversation), which SQLAlchemy orders by relationships alone."""
    return {f"_{name}_row": relationship(target, lazy="raise") for name, target in targets.items()}


def map_tables() -> None:
    """Maps the domain classes onto the tables. Idempotent: the app, the CLI and alembic all call it."""
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(Tenant, tenants)
    mapper_registry.map_imperatively(Channel, channels, properties=_parents(tenant=Tenant))
    mapper_registry.map_imperatively(Client, clients, properties=_parents(tenant=Tenant))
    mapper_registry.map_imperatively(
        Conversation,
        conversations,
        exclude_properties=["inbound_version", "pending_since", "due_at", "claimed_until"],
        properties={"flow": conversations.c.flow_state, **_parents(tenant=Tenant, client=Client)},
    )
    mapper_registry.map_imperatively(StatusChange, status_changes, properties=_parents(tenant=Tenant, conversation=Conversation))
    mapper_registry.map_imperatively(
        Message, messages, exclude_properties=["seq"], properties=_parents(tenant=Tenant, conversation=Conversation, channel=Channel)
    )
    mapper_registry.map_imperatively(OutboxEntry, outbox, properties=_parents(tenant=Tenant, message=Message))
    mapper_registry.map_imperatively(Escalation, escalations, properties=_parents(tenant=Tenant, conversation=Conversation))
    mapper_registry.map_imperatively(
        TrialClass, trial_classes, properties=_parents(tenant=Tenant, client=Client, conversation=Conversation)
    )
    mapper_registry.map_imperatively(ErasureRequest, erasure_requests, properties=_parents(tenant=Tenant, client=Client))
    mapper_registry.map_imperatively(Erasure, erasures, properties=_parents(tenant=Tenant))
    mapper_registry.map_imperatively(StaffUser, staff_users, properties=_parents(tenant=Tenant))
    mapper_registry.map_imperatively(StaffSession, staff_sessions, properties=_parents(tenant=Tenant, user=StaffUser))
