"""Members' data rights (LGPD): a member's request to have their data erased, and the record an
erasure leaves behind, which holds nothing personal."""

import datetime as dt
import re
import unicodedata
import uuid

import attrs

# LGPD art. 19: a data subject's request is answered within 15 days.
ERASURE_DEADLINE = dt.timedelta(days=15)

# "apagar meus dados", "excluir os meus dados", "quero que deletem meus dados pessoais", "remova
# todas as minhas informações": a verb of deleting, then, a few words on, the member's data. Rules,
# not a model: the request must be recorded when no model answers.
_ERASE = re.compile(
    r"\b(apag|exclu|delet|remov|elimin|esquec)\w*(\W+\w+){0,4}?\W+"
    r"(meus\W+dados|minhas\W+informacoes|dados\W+pessoais|meu\W+cadastro)\b"
)


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def asks_for_erasure(text: str) -> bool:
    """Whether a member's words ask for their data to be deleted (pt-BR, accents and case ignored)."""
    return _ERASE.search(_folded(text)) is not None


@attrs.define(slots=False, kw_only=True)
class ErasureRequest:
    """A member asked for their data to be erased; staff must do it by `deadline`. The request
    outlives the erasure (then without its member) to show it was honoured."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    client_id: uuid.UUID | None  # None once the member's data is erased
    requested_at: dt.datetime
    fulfilled_at: dt.datetime | None = None

    def __attrs_post_init__(self) -> None:
        if self.requested_at.tzinfo is None:
            raise ValueError("requested_at must be timezone-aware: the deadline is a legal instant")

    @property
    def deadline(self) -> dt.datetime:
        return self.requested_at + ERASURE_DEADLINE

    @property
    def pending(self) -> bool:
        return self.fulfilled_at is None


def _not_negative(instance: object, attribute: "attrs.Attribute[int]", value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} counts rows, got {value}")


def _count() -> int:
    return attrs.field(default=0, validator=_not_negative)


@attrs.define(slots=False, kw_only=True)
class Erasure:
    """What one erasure removed, for the audit trail: counts, never whose data it was."""

    id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    tenant_id: uuid.UUID
    cause: str  # the command or job that erased: "tatame members erase", "retention"
    at: dt.datetime
    clients: int = _count()
    conversations: int = _count()
    messages: int = _count()
    outbox: int = _count()
    escalations: int = _count()
    status_changes: int = _count()
    trial_classes: int = _count()  # anonymized, not deleted: their seats stay counted
    requests: int = _count()  # erasure requests this fulfilled
