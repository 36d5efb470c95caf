import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from entrypoints.http.dashboard.formatting import day_label, duration, filters


def test_a_day_is_named_by_its_weekday_and_date():
    assert day_label(dt.date(2026, 12, 2)) == "qua 02/12"
    assert day_label(dt.date(2026, 3, 1)) == "dom 01/03"


def test_a_duration_reads_in_seconds_minutes_or_hours():
    assert duration(None) == ""
    assert duration(dt.timedelta(seconds=45)) == "45 s"
    assert duration(dt.timedelta(minutes=12, seconds=59)) == "12 min"
    assert duration(dt.timedelta(hours=1, minutes=5)) == "1 h 05 min"


@given(st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=30)))
def test_every_duration_has_a_label(span):
    assert duration(span).endswith(("s", "min"))


def test_trial_class_statuses_read_in_portuguese():
    label = filters()["trial_status_label"]
    assert [label(s) for s in ("confirmed", "cancelled", "attended", "no_show")] == ["confirmada", "cancelada", "compareceu", "faltou"]
