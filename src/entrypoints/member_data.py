"""How `tatame members` shows what it finds: the export as JSON, erasures and requests as lines."""

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from enum import Enum
from typing import cast

import attrs
from attrs import AttrsInstance

from application.export_member_data import MemberRecord
from application.list_erasure_requests import ErasureRequestView
from domain.erasure import Erasure
from domain.phone import Phone


def _plain(value: object) -> object:
    """`value` as JSON's types: entities as objects of their fields, instants in ISO 8601."""
    if isinstance(value, Phone):
        return value.digits
    if attrs.has(type(value)):
        return {field.name: _plain(getattr(value, field.name)) for field in attrs.fields(cast(type[AttrsInstance], type(value)))}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID | dt.date | dt.time):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    return value


def export_json(tenant: str, phone: Phone, records: Sequence[MemberRecord]) -> str:
    return json.dumps({"tenant": tenant, "phone": phone.digits, "records": _plain(list(records))}, ensure_ascii=False, indent=2)


def erasure_line(tenant: str, erasure: Erasure) -> str:
    return (
        f"{tenant}: deleted {erasure.clients} client record(s), {erasure.conversations} conversation(s), "
        f"{erasure.messages} message(s), {erasure.outbox} outbox entr(ies), {erasure.escalations} escalation(s), "
        f"{erasure.status_changes} status change(s); {erasure.trial_classes} trial class(es) anonymized (still counted); "
        f"{erasure.requests} request(s) fulfilled"
    )


def request_lines(requests: Sequence[ErasureRequestView], now: dt.datetime) -> list[str]:
    lines = []
    for request in requests:
        if request.fulfilled_at is not None:
            status = f"done {request.fulfilled_at:%Y-%m-%d}"
        else:
            status = "OVERDUE" if request.deadline < now else "pending"
        phone = request.phone.digits if request.phone else "(erased)"
        lines.append(
            f"{request.tenant}  {phone}  requested {request.requested_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC  deadline {request.deadline:%Y-%m-%d}  {status}"
        )
    pending = sum(request.fulfilled_at is None for request in requests)
    return [*lines, f"{pending} pending, {len(requests) - pending} done"]
