"""A decision whose preferred engine fails is taken by the fallback, and the reason is logged."""

import datetime as dt
from collections.abc import Sequence

import pytest
from structlog.testing import capture_logs

from adapters.fallback import FallbackQuestionAnswerer
from adapters.openai.failure import ModelFailure
from application.knowledge_index import Passage
from application.turn import TurnInput
from domain.tenant import Tenant

TURN = TurnInput(text="tem sauna?", tenant=Tenant(slug="arena", name="Arena"), now=dt.datetime(2026, 3, 4, tzinfo=dt.UTC))


class Answerer:
    def __init__(self, answer: str | None = None, error: Exception | None = None) -> None:
        self.reply, self.error, self.asked = answer, error, 0

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> str | None:
        self.asked += 1
        if self.error:
            raise self.error
        return self.reply


@pytest.mark.parametrize("error, reason", [(ModelFailure("timeout"), "timeout"), (KeyError("choices"), "KeyError")])
async def test_a_failure_is_answered_by_the_fallback_and_logged(error, reason):
    with capture_logs() as logs:
        answer = await FallbackQuestionAnswerer(Answerer(error=error), Answerer("Sim, temos sauna.")).answer(TURN, [])
    assert answer == "Sim, temos sauna."
    assert [(log["event"], log["decision"], log["reason"]) for log in logs] == [("llm.fallback", "faq_answer", reason)]


@pytest.mark.parametrize("preferred", ["Temos sauna seca.", None])
async def test_the_preferred_decision_stands_even_when_it_is_no_answer(preferred):
    fallback = Answerer("Sim, temos sauna.")
    assert await FallbackQuestionAnswerer(Answerer(preferred), fallback).answer(TURN, []) == preferred
    assert fallback.asked == 0
