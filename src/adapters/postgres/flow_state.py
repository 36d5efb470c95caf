"""A conversation's `FlowState` as JSON in `conversations.flow_state`.

Rows carry a `version`. Rows written before it existed (`{"booking": {...}, "offer_human": true}`,
with the interview's fields as strings) still load: a conversation waiting on a member's "sim"
across an upgrade must not lose its booking."""

import datetime as dt
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from domain.flow import FlowState, Interview

VERSION = 1
_PARSE = {"day": dt.date.fromisoformat, "time": dt.time.fromisoformat, "starts_at": dt.datetime.fromisoformat}


def dump(flow: FlowState) -> dict[str, Any]:
    interview = None
    if flow.interview is not None:
        interview = {
            key: value.isoformat() if isinstance(value, dt.date | dt.time) else (str(value) if value is not None else None)
            for key, value in attrs.asdict(flow.interview, recurse=False).items()
        }
    return {"version": VERSION, "interview": interview, "offered_human": flow.offered_human}


def load(raw: dict[str, Any]) -> FlowState:
    if raw.get("version") is None:  # the format before versions
        return FlowState(interview=_interview(raw.get("booking")), offered_human=bool(raw.get("offer_human")))
    if raw["version"] != VERSION:
        raise ValueError(f"conversations.flow_state version {raw['version']!r} is newer than this program ({VERSION})")
    return FlowState(interview=_interview(raw.get("interview")), offered_human=bool(raw.get("offered_human")))


def _interview(raw: dict[str, Any] | None) -> Interview | None:
    if raw is None:
        return None
    fields = attrs.fields_dict(Interview)
    values: dict[str, Any] = {key: _PARSE[key](value) if key in _PARSE and value else value for key, value in raw.items() if key in fields}
    return Interview(**values)


class FlowStateType(sa.types.TypeDecorator[FlowState]):
    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: FlowState | None, dialect: Any) -> dict[str, Any] | None:
        return None if value is None else dump(value)

    def process_result_value(self, value: dict[str, Any] | None, dialect: Any) -> FlowState | None:
        return None if value is None else load(value)
