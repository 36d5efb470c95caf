"""When a member wants their trial class: day, time and part of the day in a pt-BR message.

A small grammar of our own rather than dateparser, which misreads colloquial pt-BR ("amanhã às
19h" -> the day after tomorrow at 05:00, "quinta às 18h" -> two weeks later at midnight).
Patterns run on the folded text (lowercase, no accents: "amanhã" -> "amanha", "2ª" -> "2a"), so
they are written without accents. Order matters: noise (prices, phones, durations) is blanked
first, then days are found and blanked, then times, so "dia 12 e 13" or "12/03" never read as
times. Where a message names several days or times, the first one the member does not rule
out ("hoje não, amanhã") wins.
"""

import datetime
import re
from collections.abc import Callable, Iterable
from typing import TypeVar

import attrs

from adapters.bm25.analyzer import fold

PERIODS = ("manha", "tarde", "noite")
# Nobody books a trial class more than a year ahead: a day beyond this is a misreading.
HORIZON = datetime.timedelta(days=400)

T = TypeVar("T")


@attrs.frozen
class When:
    """What a message says about when; any part may be missing."""

    day: datetime.date | None = None  # resolved calendar day, local to the tenant
    time: datetime.time | None = None  # an exact time, when the member gave one
    period: str | None = None  # the part of the day the member named: "manha" | "tarde" | "noite"

    def __bool__(self) -> bool:
        return self.day is not None or self.time is not None or self.period is not None


WEEKDAYS = {"segunda": 0, "seg": 0, "terca": 1, "quarta": 2, "quinta": 3, "sexta": 4, "sabado": 5, "sab": 5, "domingo": 6, "dom": 6}
_WEEKDAY = "|".join(WEEKDAYS)
MONTHS = {
    name: number
    for number, name in enumerate("janeiro fevereiro marco abril maio junho julho agosto setembro outubro novembro dezembro".split(), 1)
}
HOUR_WORDS = {
    "uma": 1,
    "duas": 2,
    "tres": 3,
    "quatro": 4,
    "cinco": 5,
    "seis": 6,
    "sete": 7,
    "oito": 8,
    "nove": 9,
    "dez": 10,
    "onze": 11,
    "doze": 12,
}
# Plural nouns that make a number a count: "as 2 pessoas", "umas 3 aulas", "tenho 12 anos".
COUNTED = (
    "anos|aulas|pessoas|reais|vezes|meses|dias|semanas|minutos|turmas|alunos|alunas|filhos|"
    "filhas|criancas|opcoes|unidades|planos|modalidades|amigos|amigas|treinos|kg|quilos|km"
)

# Nouns after which a weekday word is an ordinal: "segunda vez", "quinta aula".
ORDINAL_OF = "vez|aula|opcao|turma|parcela|mensalidade|semana|serie|unidade|etapa|faixa"

# Numbers that are not dates or times; blanked before anything else is read.
NOISE = re.compile(
    r"r\$\s*[0-9][0-9.,]*|\b[0-9][0-9.,]*\s*reais\b"  # prices
    r"|(?<![0-9/])(?:\+?55\s?)?(?:\(?[0-9]{2}\)?\s?)?9?\s?[0-9]{4}[\s.-]?[0-9]{4}(?![0-9])"  # phones
    # Durations: "dura 1h", "por 2 horas", "1h de aula".
    r"|\b(?:dura\w*|durante|leva|por)\s+(?:umas?\s+|cerca\s+de\s+)?"
    r"[0-9]{1,2}\s?(?:h|hs|hrs?|horas?|min\w*)(?:\s?[0-9]{2})?\b"
    r"|\b[1-4]\s?(?:h|horas?)(?:\s?[0-9]{2})?\s+(?:de|por)\s+(?:aula|treino|duracao|dia|semana)\b"
    r"|\b24/7\b|\bhoje\s+em\s+dia\b"  # "open 24/7", "nowadays"
    # "de segunda a sexta" describes the timetable, not a day.
    rf"|\b(?:de\s+)?(?:{_WEEKDAY})(?:[\s-]*feira)?\s+(?:a|ate)\s+(?:{_WEEKDAY})\b"
)

# "12/03", "12/3", "12/03/2026", "12/03/26" (day first, as Brazilians write it).
DATE = re.compile(r"(?<![0-9/.,:])(?P<d>[0-9]{1,2})/(?P<m>[0-9]{1,2})(?:/(?P<y>[0-9]{4}|[0-9]{2}))?(?![0-9/])")
# "12 de março", "dia 1º de abril de 2027" ("º" folds to "o").
DAY_MONTH = re.compile(rf"\b(?:dia\s+)?(?P<d>[0-9]{{1,2}})o?\s+de\s+(?P<month>{'|'.join(MONTHS)})(?:\s+de\s+(?P<y>[0-9]{{4}}))?\b")
# "dia 12", "no dia 5": a day of the month, never a bare number (ages, counts, prices).
DAY_OF_MONTH = re.compile(r"\bdia\s+(?P<d>[0-9]{1,2})o?(?![\w/:])")
# Longest first, so "depois de amanhã" is not read as "amanhã".
RELATIVE = re.compile(r"\b(?:(?:depois|dps)\s+de\s+amanha|amanha|hoje|hj)\b")
# A weekday, maybe of next week: "próxima quinta", "semana que vem na quinta", "quinta que vem".
# "nesta/essa quinta" needs nothing: it is the plain weekday.
WEEKDAY = re.compile(
    r"\b(?P<next>proxim[oa]\s+|(?:n?a\s+)?(?:semana\s+que\s+vem|proxima\s+semana)[\s,]*(?:n[oa]\s+)?)?"
    rf"(?:(?P<wd>{_WEEKDAY})\b(?!\s+(?:{ORDINAL_OF})\b)"
    r"(?:[\s-]*feira)?|(?P<num>[2-6])a?[\s-]*feira)"
    r"(?P<next_after>\s+que\s+vem|\s+(?:da|na)\s+(?:semana\s+que\s+vem|proxima\s+semana))?\b"
)

# A clock time. Accepted only with a marker (see `_hour_minute`): "h"/":", "e meia", a part of
# the day, or a leading "às"; a number alone is never a time.
TIME = re.compile(
    r"(?P<lead>\b(?:as|das|pelas|umas)\s+)?(?<![\w/:.,])"
    rf"(?:(?P<hour>[01]?[0-9]|2[0-3])|(?P<word>{'|'.join(HOUR_WORDS)})\b"
    r"|(?P<noon>meio[\s-]?dia)|(?P<midnight>meia[\s-]?noite))"
    r"(?:\s?:\s?(?P<colon>[0-5][0-9])(?:\s?h)?"
    r"|\s?(?P<h>horas?|hrs?|hs|h)(?:\s?(?P<hmin>[0-5][0-9]))?(?:\s?min(?:utos)?)?)?"
    r"(?:\s+e\s+(?P<emin>meia|quinze|[0-5][0-9]))?"
    r"(?:\s+(?P<prep>da|de|pela)\s+(?P<period>manha|tarde|noite|madrugada))?"
    rf"(?![\w/:%]|[.,][0-9])(?!\s*(?:{COUNTED})\b)"
)
# A part of the day on its own. "tarde"/"noite" need a preposition: "boa tarde" is a greeting and
# "mais tarde" means later.
PERIOD = re.compile(r"\b(?:(?:de|da|pela|na|nas|a|as|pelas)\s+(?:tardes?|noites?)|manhas?|manhazinha|tardinha|noitinha)\b")

# "hoje não", "não posso hoje": a slot the member rules out is not the one they want. A comma
# breaks it: "não, amanhã" asks for tomorrow.
NEGATED_BEFORE = re.compile(r"\b(?:nao|n|nem)\s+(?:[a-z]+\s+)?$")
NEGATED_AFTER = re.compile(r"\s+(?:nao|n)\b")


def parse_when(text: str, now: datetime.datetime) -> When:
    """`now` is timezone-aware and already in the tenant's local time; relative words resolve
    against now.date(). A day found is between today and today + HORIZON."""
    today = now.date()
    folded = _blank(NOISE, fold(text))
    days: list[tuple[int, int, datetime.date | None]] = []
    for pattern, resolve in _DAY_RULES:
        days += [(m.start(), m.end(), resolve(m, today)) for m in pattern.finditer(folded)]
        folded = _blank(pattern, folded)  # so that "dia 12 e 13" leaves no "12 e 13" to read as 12:13
    day = _first(folded, ((s, e, d) for s, e, d in days if d and today <= d <= today + HORIZON))
    times = ((m.start(), m.end(), _hour_minute(m, folded)) for m in TIME.finditer(folded))
    hour_minute = _first(folded, times)
    # A part of the day said with the hour ("7 da noite") wins over one said elsewhere.
    periods = ((m.start(), m.end(), _period_name(m.group())) for m in PERIOD.finditer(folded))
    period = (hour_minute and hour_minute[2]) or _first(folded, periods)
    time = _clock(hour_minute[0], hour_minute[1], period) if hour_minute else None
    return When(day=day, time=time, period=period if period in PERIODS else None)


def _blank(pattern: re.Pattern[str], text: str) -> str:
    """The text with the pattern's matches replaced by spaces; positions are kept."""
    return pattern.sub(lambda m: " " * len(m.group()), text)


def _first(text: str, found: Iterable[tuple[int, int, T | None]]) -> T | None:
    """The value found first in the text that the member does not rule out."""
    for start, end, value in sorted(found, key=lambda f: f[0]):
        negated = NEGATED_BEFORE.search(text[max(0, start - 30) : start]) or NEGATED_AFTER.match(text, end)
        if value is not None and not negated:
            return value
    return None


def _relative(m: re.Match[str], today: datetime.date) -> datetime.date:
    word = m.group()
    return today + datetime.timedelta(days=2 if word[0] == "d" else 1 if word == "amanha" else 0)


def _weekday(m: re.Match[str], today: datetime.date) -> datetime.date:
    """The next occurrence, today included; "próxima"/"que vem" is that weekday in next week,
    weeks running Monday to Sunday (so 1 to 13 days ahead)."""
    weekday = WEEKDAYS[m["wd"]] if m["wd"] else int(m["num"]) - 2
    if m["next"] or m["next_after"]:
        next_monday = today + datetime.timedelta(days=7 - today.weekday())
        return next_monday + datetime.timedelta(days=weekday)
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7)


def _day_of_month(m: re.Match[str], today: datetime.date) -> datetime.date | None:
    """The first day numbered so from today on: this month, or the next month that has it."""
    year, month = today.year, today.month
    for _ in range(4):  # "dia 30" on Jan 31 skips February: three months at most
        candidate = _date(year, month, int(m["d"]))
        if candidate and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _calendar_date(m: re.Match[str], today: datetime.date) -> datetime.date | None:
    """A day and month, this year or next when it has passed; with a year, just that date."""
    month = MONTHS[m["month"]] if "month" in m.re.groupindex else int(m["m"])
    if m["y"]:
        year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
        return _date(year, month, int(m["d"]))
    for year in (today.year, today.year + 1):
        candidate = _date(year, month, int(m["d"]))
        if candidate and candidate >= today:
            return candidate
    return None


def _date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:  # "dia 35", "31/04", "29/02" outside leap years
        return None


Resolver = Callable[[re.Match[str], datetime.date], datetime.date | None]
# Most specific first: "12/03" before "dia 12", each blanked before the next pattern reads.
_DAY_RULES: tuple[tuple[re.Pattern[str], Resolver], ...] = (
    (DATE, _calendar_date),
    (DAY_MONTH, _calendar_date),
    (DAY_OF_MONTH, _day_of_month),
    (RELATIVE, _relative),
    (WEEKDAY, _weekday),
)


def _hour_minute(m: re.Match[str], text: str) -> tuple[int, int, str | None] | None:
    """Hour, minute and the part of the day said with them, or None when the match is no time."""
    if m["noon"] or m["midnight"]:
        hour = 12 if m["noon"] else 0
    elif m["word"]:
        # Number words are also articles and counts ("uma aula", "as duas turmas"): they need
        # "e meia", "da tarde", or "às" closing the clause ("às sete", "às sete horas").
        clause_ends = not text[m.end() :].lstrip()[:1].isalnum()
        if not (m["emin"] or m["prep"] == "da" or (m["lead"] and (m["h"] or clause_ends))):
            return None
        hour = HOUR_WORDS[m["word"]]
    elif m["lead"] or m["colon"] or m["h"] or m["emin"] or m["period"]:
        hour = int(m["hour"])
    else:
        return None
    minute = m["colon"] or m["hmin"] or {"meia": "30", "quinze": "15"}.get(m["emin"], m["emin"]) or "0"
    return hour, int(minute), m["period"]


def _clock(hour: int, minute: int, period: str | None) -> datetime.time:
    """A 12-hour reading made 24-hour by the part of the day: "7 da noite" is 19:00, "1 da tarde"
    13:00, "12 da noite" midnight; "2 da noite" stays 02:00 (late night, not evening)."""
    if (period == "tarde" and 1 <= hour <= 11) or (period == "noite" and 6 <= hour <= 11):
        hour += 12
    elif period == "noite" and hour == 12:
        hour = 0
    return datetime.time(hour, minute)


def _period_name(phrase: str) -> str:
    word = phrase.split()[-1]
    return "manha" if word.startswith("manha") else "tarde" if word.startswith("tard") else "noite"
