"""How `tatame eval` judges a reply: correct, abstained or wrong.

- abstained: the bot's "don't know" reply (the texts of `replies.no_answer` and `replies.not_found`
  for the tenant, whatever follows them);
- for a question the pack cannot answer (`section: null`), any other reply is wrong;
- for one it can answer, the reply is correct when it is an answer (route faq), states every
  `must_contain` fact and comes from the labelled section; anything else is wrong.

"Comes from the section": a reply whose sentences are all found, word for word, in the pack is an
extract, and each of its sentences must then be found in the labelled section (for `tenant.yaml`,
in the chunk rendered from tenant.yaml with that heading, or in any of them when none has it). A
reply extracted from what tenant.yaml renders is correct too when it states the facts asked for
(`must_contain`, never empty then), whichever section is labelled: tenant.yaml is where those facts
are kept (the booking flow enforces its trial-class rules and timetable), and a Markdown section that
repeats one ("agende com até 14 dias de antecedência") does not make the rendered fact a wrong
answer. The reverse does not hold: a Markdown extract for a tenant.yaml label may be out of date. A
reply with a sentence found nowhere in the pack paraphrases (a language model's answer): its words
cannot tell which passage it came from, so its `must_contain` facts alone decide.
"""

import re
from collections.abc import Sequence
from enum import StrEnum

import attrs

from adapters.bm25.analyzer import fold, words
from application import replies
from domain.route import Route
from entrypoints.eval_file import LabelledQuestion


class Verdict(StrEnum):
    CORRECT = "correct"
    ABSTAINED = "abstained"
    WRONG = "wrong"


@attrs.frozen
class Grade:
    verdict: Verdict
    reason: str = ""  # why a reply is wrong


@attrs.frozen
class Reference:
    """What a tenant's replies are judged against."""

    abstentions: tuple[str, ...]  # the tenant's "don't know" replies
    pack: tuple[str, ...]  # the text of every section of the tenant's pack
    section: tuple[str, ...]  # the text of the labelled section (several for tenant.yaml); empty when null
    facts: tuple[str, ...] = ()  # the text of every section rendered from tenant.yaml


_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


def _normal(text: str) -> str:
    return " ".join(fold(text).split())


def _phrase(text: str) -> str:
    # Words only, spaced: Markdown, punctuation and line breaks differ between a section and an extract of it.
    return f" {' '.join(words(text))} "


def _found_in(sentence: str, texts: Sequence[str]) -> bool:
    return any(sentence in _phrase(text) for text in texts)


def is_abstention(reply: str, abstentions: Sequence[str]) -> bool:
    return any(_normal(reply).startswith(_normal(text)) for text in abstentions)


def grade(question: LabelledQuestion, route: Route | None, reply: str | None, reference: Reference) -> Grade:
    if not reply:
        return Grade(Verdict.WRONG, "no reply")
    if is_abstention(reply, reference.abstentions):
        return Grade(Verdict.ABSTAINED)
    if question.section is None:
        return Grade(Verdict.WRONG, "answered a question the pack cannot answer")
    if route is not Route.FAQ:
        return Grade(Verdict.WRONG, f"route {route}, not an answer")
    # An answer given midway through a booking interview ends with the interview's pending question.
    answer = reply.partition(replies.back_to_booking(""))[0]
    missing = [fact for fact in question.must_contain if _normal(fact) not in _normal(answer)]
    if missing:
        return Grade(Verdict.WRONG, "lacks " + ", ".join(repr(fact) for fact in missing))
    sentences = [phrase for piece in _SENTENCE_END.split(answer) if (phrase := _phrase(piece)).strip()]
    extract = all(_found_in(s, reference.pack) for s in sentences)
    if extract and not all(_found_in(s, reference.section) for s in sentences):
        if question.must_contain and all(_found_in(s, reference.facts) for s in sentences):
            return Grade(Verdict.CORRECT)
        return Grade(Verdict.WRONG, f"not from {question.section}")
    return Grade(Verdict.CORRECT)
