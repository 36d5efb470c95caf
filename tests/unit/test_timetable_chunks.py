"""The timetable of tenant.yaml as the text members are answered with: a compact list."""

import datetime as dt

from adapters.knowledge_pack.loader import timetable_chunks
from domain.tenant import ClassSlot, Modality, Tenant, Weekday


def _slot(weekday: Weekday, hour: int, minute: int = 0, minutes: int = 60) -> ClassSlot:
    return ClassSlot(weekday=weekday, start=dt.time(hour, minute), duration_minutes=minutes)


def _text(*schedule: ClassSlot) -> str:
    modality = Modality(name="Boxe", aliases=("boxing",), capacity=12, schedule=schedule)
    [chunk] = timetable_chunks(Tenant(slug="ct", name="CT", modalities=[modality]))
    assert chunk.heading == "Horários de Boxe"
    return chunk.text


def test_days_that_share_their_times_are_one_group_in_the_order_of_the_week():
    text = _text(
        _slot(Weekday.FRI, 7), _slot(Weekday.MON, 19, 30), _slot(Weekday.MON, 7), _slot(Weekday.FRI, 19, 30), _slot(Weekday.SAT, 10)
    )
    assert text == (
        "Horários das aulas de Boxe (também chamado de boxing): segunda-feira e sexta-feira às 7h e 19h30; sábado às 10h; "
        "60 min cada. Cada turma de Boxe recebe até 12 pessoas."
    )


def test_a_class_of_another_length_says_its_own():
    text = _text(_slot(Weekday.TUE, 6, 30, minutes=45), _slot(Weekday.SAT, 8, minutes=90), _slot(Weekday.THU, 6, 30, minutes=45))
    assert "terça-feira e quinta-feira às 6h30; sábado às 8h (90 min); as demais, 45 min" in text
