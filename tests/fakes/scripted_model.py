"""A scripted model for `FakeOpenAI(responder=...)`: it answers each decision of ours the way the
offline engine would, reading only what the request carries (the prompt, the schema) and the
center's pack on disk, which the prompt names. So the scenario suite can run with
TATAME_ENGINE=openai and expect what it expects of the offline engine. It is a test double, not a
model: it parses our own prompt format."""

import datetime as dt
import re
from functools import cache
from typing import Any

from adapters.knowledge_pack.loader import load_pack
from adapters.offline.answer import asked_words, choose, excerpt
from adapters.offline.booking import extract_booking
from adapters.offline.smalltalk import reply
from adapters.openai.booking import ASKED
from adapters.openai.prompt import MEMBER
from application.knowledge_index import Passage
from application.turn import TurnInput
from domain.flow import FlowState, Interview
from domain.knowledge import Chunk
from domain.tenant import Tenant
from tests import PROJECT_ROOT

_PASSAGE = re.compile(r"^\[(P\d+)\] (.*)$", re.MULTILINE)
_CENTER = re.compile(r"^Centro: (.+)$", re.MULTILINE)
_CHOSEN = re.compile(r"\(modalidade ([^;)]+)")
PACKS = (PROJECT_ROOT / "knowledge", PROJECT_ROOT / "tests" / "e2e" / "scenario-packs")


def respond(request: dict[str, Any]) -> object:
    decision = request["response_format"]["json_schema"]["name"]
    system, *_, last = (str(message["content"]) for message in request["messages"])
    head, _, said = last.rpartition(MEMBER)
    return DECISIONS[decision](_tenant(system), head, said)


def _faq_answer(tenant: Tenant, head: str, question: str) -> object:
    passages = _passages(head)
    asked = asked_words(question)
    chosen = choose(asked, [passage for _, passage in passages])
    for pid, passage in passages:
        if passage.chunk is chosen:
            return {"route": "faq", "answer": excerpt(question, chosen), "passage_ids": [pid], "passages_answer": True}
    return {"route": "faq", "answer": "", "passage_ids": [], "passages_answer": False}


def _passages(body: str) -> list[tuple[str, Passage]]:
    marks = list(_PASSAGE.finditer(body))
    passages = []
    ends = ([mark.start() for mark in marks[1:]] + [len(body)])[: len(marks)]
    for rank, (mark, end) in enumerate(zip(marks, ends, strict=True)):
        text = body[mark.end() : end].strip()
        chunk = Chunk(tenant="scripted", source="prompt", heading=mark[2], text=text)
        passages.append((mark[1], Passage(chunk=chunk, score=1.0 / (rank + 1))))
    return passages


def _booking_details(tenant: Tenant, head: str, said: str) -> object:
    details = extract_booking(
        TurnInput(text=said, tenant=tenant, now=dt.datetime.now(tenant.zone), flow=FlowState(interview=_interview(head)))
    )
    return {
        "intent": str(details.intent),
        "modality": details.modality,
        # "As the member wrote it": all of it, so our grammar reads exactly what it reads offline.
        "day": said if details.day or details.time or details.period else None,
        "time": None,
        "name": details.name,
        "answer": {True: "yes", False: "no", None: None}[details.answer],
    }


def _interview(state: str) -> Interview | None:
    """The interview as `adapters.openai.booking.state` describes it."""
    if "Agendamento em andamento" not in state:
        return None
    chosen = _CHOSEN.search(state)
    awaiting = next((awaiting for awaiting, asked in ASKED.items() if f"sobre: {asked}." in state), None)
    return Interview(modality=chosen[1] if chosen else None, awaiting=awaiting)


def _smalltalk(tenant: Tenant, head: str, said: str) -> object:
    return {"reply": reply(TurnInput(text=said, tenant=tenant, now=dt.datetime.now(tenant.zone)))}


def _tenant(system: str) -> Tenant:
    """The center the prompt names, with the aliases of its modalities from its pack."""
    center = _CENTER.search(system)
    assert center, "every prompt names its center"
    return _packs()[center[1]]


@cache
def _packs() -> dict[str, Tenant]:
    tenants = [load_pack(folder.parent).tenant for root in PACKS for folder in root.glob("*/tenant.yaml")]
    return {tenant.name: tenant for tenant in tenants}


DECISIONS = {"faq_answer": _faq_answer, "booking_details": _booking_details, "smalltalk": _smalltalk}
