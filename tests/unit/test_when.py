import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.offline.when import When, parse_when

BRT = dt.timezone(dt.timedelta(hours=-3))
MON = dt.datetime(2026, 3, 2, 10, 0, tzinfo=BRT)  # a Monday
SAT = dt.datetime(2026, 3, 7, 10, 0, tzinfo=BRT)
END_OF_JANUARY = dt.datetime(2026, 1, 31, 9, 0, tzinfo=BRT)  # a Saturday; February 2026 has 28 days
DEC = dt.datetime(2026, 12, 20, 18, 0, tzinfo=BRT)  # a Sunday


def d(month: int, day: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def t(hour: int, minute: int = 0) -> dt.time:
    return dt.time(hour, minute)


# (text, now, expected): what a member writes and what the booking flow should get.
EXAMPLES = [
    # The whole sentence, as members write it.
    ("quero fazer uma aula de muay thai amanhã às 19h, sou a Ana", MON, When(d(3, 3), t(19))),
    ("oi! pode ser sábado de manhã?", MON, When(d(3, 7), period="manha")),
    ("Queria experimentar o jiu-jitsu na quinta às 7 da noite", MON, When(d(3, 5), t(19), "noite")),
    ("tenho 40 anos, dia 12 às 19h dá?", MON, When(d(3, 12), t(19))),
    ("hj as 18", MON, When(d(3, 2), t(18))),
    # Relative days.
    ("hoje", MON, When(d(3, 2))),
    ("amanha", MON, When(d(3, 3))),
    ("AMANHÃ", MON, When(d(3, 3))),
    ("depois de amanhã", MON, When(d(3, 4))),
    ("dps de amanha", MON, When(d(3, 4))),
    ("amanhã", END_OF_JANUARY, When(d(2, 1))),
    ("amanhã", DEC, When(d(12, 21))),
    # Weekdays: the next occurrence, today included.
    ("segunda", MON, When(d(3, 2))),
    ("segunda-feira", MON, When(d(3, 2))),
    ("seg", MON, When(d(3, 2))),
    ("2ª feira", MON, When(d(3, 2))),
    ("terça", MON, When(d(3, 3))),
    ("terca-feira", MON, When(d(3, 3))),
    ("quarta", MON, When(d(3, 4))),
    ("quinta", MON, When(d(3, 5))),
    ("sexta", MON, When(d(3, 6))),
    ("sábado", MON, When(d(3, 7))),
    ("sabado", MON, When(d(3, 7))),
    ("sab", MON, When(d(3, 7))),
    ("domingo", MON, When(d(3, 8))),
    ("dom", MON, When(d(3, 8))),
    ("sábado", SAT, When(d(3, 7))),
    ("segunda", SAT, When(d(3, 9))),
    ("sexta", SAT, When(d(3, 13))),
    ("nesta quinta às 18h", MON, When(d(3, 5), t(18))),
    ("essa quinta", MON, When(d(3, 5))),
    ("esta sexta", MON, When(d(3, 6))),
    # "próxima" / "que vem": that weekday in next week, weeks running Monday to Sunday.
    ("próxima quinta", MON, When(d(3, 12))),
    ("proxima segunda", MON, When(d(3, 9))),
    ("quinta que vem", MON, When(d(3, 12))),
    ("semana que vem na quinta", MON, When(d(3, 12))),
    ("quinta da semana que vem", MON, When(d(3, 12))),
    ("próxima semana, na quarta", MON, When(d(3, 11))),
    ("próximo domingo", MON, When(d(3, 15))),
    ("próxima segunda", SAT, When(d(3, 9))),  # already next week: same as plain "segunda"
    ("próximo sábado", SAT, When(d(3, 14))),
    ("domingo que vem", SAT, When(d(3, 15))),
    ("segunda que vem", DEC, When(d(12, 21))),  # said on a Sunday: next week starts tomorrow
    ("próximo domingo", DEC, When(d(12, 27))),
    # Day of the month: this month if not past, else the next month that has it.
    ("dia 12", MON, When(d(3, 12))),
    ("no dia 2", MON, When(d(3, 2))),
    ("no dia 1", MON, When(d(4, 1))),
    ("dia 1º de abril", MON, When(d(4, 1))),
    ("dia 31", END_OF_JANUARY, When(d(1, 31))),
    ("dia 1", END_OF_JANUARY, When(d(2, 1))),
    ("dia 30", END_OF_JANUARY, When(d(3, 30))),  # February has no 30th
    ("dia 29", END_OF_JANUARY, When(d(3, 29))),
    ("dia 5", DEC, When(d(1, 5, 2027))),
    ("dia 31", DEC, When(d(12, 31))),
    # Day and month: this year, or next year once past.
    ("12/03", MON, When(d(3, 12))),
    ("2/3", MON, When(d(3, 2))),
    ("12/3", MON, When(d(3, 12))),
    ("12/03/2026", MON, When(d(3, 12))),
    ("12/03/26", MON, When(d(3, 12))),
    ("01/03", MON, When(d(3, 1, 2027))),
    ("05/01", DEC, When(d(1, 5, 2027))),
    ("20/12/2027", DEC, When(d(12, 20, 2027))),
    ("12 de março", MON, When(d(3, 12))),
    ("20/03 às 18h", MON, When(d(3, 20), t(18))),
    # Times.
    ("19h", MON, When(time=t(19))),
    ("19h30", MON, When(time=t(19, 30))),
    ("19h30min", MON, When(time=t(19, 30))),
    ("19:30", MON, When(time=t(19, 30))),
    ("19:30h", MON, When(time=t(19, 30))),
    ("07h", MON, When(time=t(7))),
    ("19 horas", MON, When(time=t(19))),
    ("às 19", MON, When(time=t(19))),
    ("por volta das 19h", MON, When(time=t(19))),
    ("a aula de 19h", MON, When(time=t(19))),
    ("19 e 30", MON, When(time=t(19, 30))),
    ("meio-dia", MON, When(time=t(12))),
    ("meio dia", MON, When(time=t(12))),
    ("meio dia e meia", MON, When(time=t(12, 30))),
    ("meia-noite", MON, When(time=t(0))),
    ("às sete", MON, When(time=t(7))),
    ("entre 18h e 20h", MON, When(time=t(18))),
    # A bare small hour is ambiguous: 07:00, and the caller matches it against the timetable.
    ("às 7", MON, When(time=t(7))),
    # A part of the day makes a 12-hour reading 24-hour, and is reported as said.
    ("as 7 da noite", MON, When(time=t(19), period="noite")),
    ("7 da manhã", MON, When(time=t(7), period="manha")),
    ("2 da tarde", MON, When(time=t(14), period="tarde")),
    ("uma e meia da tarde", MON, When(time=t(13, 30), period="tarde")),
    ("7 e meia da noite", MON, When(time=t(19, 30), period="noite")),
    ("sexta as 7 e 15 da noite", MON, When(d(3, 6), t(19, 15), "noite")),
    ("amanhã à noite às 7", MON, When(d(3, 3), t(19), "noite")),
    ("amanhã de manhã às 9", MON, When(d(3, 3), t(9), "manha")),
    ("às 12 da noite", MON, When(time=t(0), period="noite")),
    ("às 2 da madrugada", MON, When(time=t(2))),
    # Parts of the day alone.
    ("de manhã", MON, When(period="manha")),
    ("pela manhã", MON, When(period="manha")),
    ("manha", MON, When(period="manha")),
    ("à tarde", MON, When(period="tarde")),
    ("de tarde", MON, When(period="tarde")),
    ("à noite", MON, When(period="noite")),
    ("de noite", MON, When(period="noite")),
    ("noitinha", MON, When(period="noite")),
    ("sexta à noite", MON, When(d(3, 6), period="noite")),
    # What the member rules out is not what they want.
    ("hoje não, amanhã às 8", MON, When(d(3, 3), t(8))),
    ("não posso hoje, só sexta", MON, When(d(3, 6))),
    ("19h não, 20h", MON, When(time=t(20))),
    ("não, amanhã", MON, When(d(3, 3))),
    # Not dates or times.
    ("R$ 189", MON, When()),
    ("o plano custa R$ 189,00 por mês", MON, When()),
    ("meu telefone é (11) 99999-0000", MON, When()),
    ("11987654321", MON, When()),
    ("tenho 12 anos", MON, When()),
    ("1 aula", MON, When()),
    ("2 pessoas", MON, When()),
    ("posso levar as 2 pessoas?", MON, When()),
    ("qual das 3 turmas", MON, When()),
    ("uma aula de uma hora", MON, When()),
    ("a aula dura 1h?", MON, When()),
    ("treino por 1h30", MON, When()),
    ("dia 35", MON, When()),
    ("25h", MON, When()),
    ("31/04", MON, When()),
    ("29/02", END_OF_JANUARY, When()),  # neither 2026 nor 2027 has it
    ("12/03/2025", MON, When()),  # past
    ("15/03/2028", DEC, When()),  # beyond the horizon
    ("abre 24/7?", MON, When()),
    ("tem aula de segunda a sexta?", MON, When()),
    ("é minha segunda vez", MON, When()),
    ("boa tarde, tudo bem?", MON, When()),
    ("boa noite", MON, When()),
    ("mais tarde eu vejo", MON, When()),
    ("hoje em dia treino em casa", MON, When()),
    ("quanto custa o plano mensal?", MON, When()),
    ("", MON, When()),
]


@pytest.mark.parametrize(("text", "now", "expected"), EXAMPLES, ids=[f"{e[0]}@{e[1]:%a}" for e in EXAMPLES])
def test_examples(text, now, expected):
    assert parse_when(text, now) == expected


def test_truthiness():
    assert not When()
    assert When(day=d(3, 3)) and When(time=t(7)) and When(period="noite")


# Property tests --------------------------------------------------------------------------------

# Phrases whose reading must not depend on the words around them. ("às sete" alone is left out:
# a number word followed by a word reads as a count, "as sete turmas".)
PHRASES = [e[0] for e in EXAMPLES if e[2] and e[0] != "às sete"]
# Unrelated words: none about days, times, counts or refusals.
FILLER = [
    "oi",
    "olá, tudo bem",
    "quero marcar uma aula experimental",
    "de jiu-jitsu",
    "muay thai",
    "pode ser",
    "por favor",
    "sou a Ana",
    "obrigado",
    "beleza",
    "meu nome é João",
    "posso levar kimono",
    "valeu",
    "CT Exemplo",
]
SEPARATORS = [" ", ", ", ". ", "! ", "? "]
# Pieces of date and time talk, to put the grammar's corners under pressure.
PIECES = [
    "dia",
    "12",
    "31",
    "0",
    "7",
    "19",
    "29/02",
    "12/13",
    "01/01/2027",
    "próxima",
    "quinta",
    "que vem",
    "semana",
    "amanhã",
    "hoje",
    "depois de",
    "às",
    "e",
    "meia",
    "da",
    "de",
    "noite",
    "tarde",
    "manhã",
    "h",
    ":",
    "30",
    "/",
    "2027",
    "março",
    "não",
    "R$",
    "anos",
    "meio-dia",
]

nows = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(BRT))
pieces = st.lists(st.sampled_from(PIECES), max_size=8).flatmap(
    lambda words: st.lists(st.sampled_from(["", " ", ", "]), min_size=len(words), max_size=len(words)).map(
        lambda seps: "".join(w + s for w, s in zip(words, seps, strict=True))
    )
)


@given(st.one_of(st.text(), pieces), nows)
def test_never_raises_and_days_stay_in_the_horizon(text, now):
    found = parse_when(text, now)
    assert found.day is None or now.date() <= found.day <= now.date() + dt.timedelta(days=400)
    assert found.period in (None, "manha", "tarde", "noite")


def _restyle(text: str, styles: list[int]) -> str:
    """Each character upper-cased, given an accent, stripped of its accent or left alone: how
    members' keyboards vary."""
    decomposed = unicodedata.normalize("NFD", text)
    out = []
    for ch, style in zip(decomposed, styles + [0] * len(decomposed), strict=False):
        if style == 1:
            out.append(ch.upper())
        elif style == 2 and ch.isalpha():
            out.append(ch + "\u0301")
        elif not (style == 3 and unicodedata.combining(ch)):
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


@given(st.sampled_from(PHRASES + FILLER), st.lists(st.integers(0, 3), max_size=80))
def test_accents_and_case_do_not_matter(phrase, styles):
    assert parse_when(_restyle(phrase, styles), MON) == parse_when(phrase, MON)


@given(
    st.sampled_from(PHRASES),
    st.lists(st.sampled_from(FILLER), max_size=3),
    st.lists(st.sampled_from(FILLER), max_size=3),
    st.sampled_from(SEPARATORS),
    st.sampled_from([MON, SAT, DEC]),
)
def test_unrelated_words_around_a_phrase_do_not_change_it(phrase, before, after, separator, now):
    sentence = separator.join([*before, phrase, *after])
    assert parse_when(sentence, now) == parse_when(phrase, now)
