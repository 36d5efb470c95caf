"""The labelled question set of `tatame eval` (README): questions a center's pack should answer,
each with the section that answers it, loaded and validated."""

from pathlib import Path
from typing import Any

import attrs
import yaml

PACK_FILE = "tenant.yaml"
_TOP_KEYS = {"tenant", "questions"}
_QUESTION_KEYS = {"question", "history", "section", "must_contain"}


class EvalFileError(ValueError):
    def __init__(self, file: Path, field: str, reason: str) -> None:
        super().__init__(f"{file}: {field}: {reason}")


@attrs.frozen
class Section:
    """`file.md#Heading`, or `tenant.yaml#...` for a fact of tenant.yaml."""

    source: str
    heading: str

    def __str__(self) -> str:
        return f"{self.source}#{self.heading}"


@attrs.frozen
class LabelledQuestion:
    question: str
    section: Section | None  # None: the pack cannot answer, the bot should say it does not know
    history: tuple[str, ...] = ()  # the member's earlier messages, asked first in the same conversation
    must_contain: tuple[str, ...] = ()  # facts the reply states, compared without accents and case


@attrs.frozen
class QuestionSet:
    file: Path
    tenant: str
    questions: tuple[LabelledQuestion, ...]


def _text(value: Any) -> str | None:
    # YAML reads `question: 2024` as a number; bools, dates and nulls are no text anyone means.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
        return None
    return str(value)


def _texts(file: Path, field: str, value: Any) -> tuple[str, ...]:
    values = [] if value is None else [value] if not isinstance(value, list) else value
    texts = [_text(v) for v in values]
    if any(t is None for t in texts):
        raise EvalFileError(file, field, "expected text or a list of texts")
    return tuple(t for t in texts if t is not None)


def _section(file: Path, field: str, value: Any) -> Section | None:
    if value is None:
        return None
    source, hash_, heading = str(value).partition("#") if isinstance(value, str) else ("", "", "")
    if not hash_ or not heading.strip() or not (source == PACK_FILE or (source.endswith(".md") and len(source) > 3)):
        raise EvalFileError(file, field, f"expected `file.md#Heading`, `{PACK_FILE}#...` or null (the pack cannot answer), got {value!r}")
    return Section(source=source, heading=heading)


def _question(file: Path, index: int, raw: Any) -> LabelledQuestion:
    field = f"questions[{index}]"
    if not isinstance(raw, dict) or set(raw) - _QUESTION_KEYS:
        raise EvalFileError(file, field, f"expected a mapping with keys among {sorted(_QUESTION_KEYS)}")
    question = _text(raw.get("question"))
    if question is None:
        raise EvalFileError(file, f"{field}.question", "expected the member's question")
    # Required, even when null: a forgotten label must not pass for "the pack cannot answer".
    if "section" not in raw:
        raise EvalFileError(file, f"{field}.section", "expected the section that answers (`file.md#Heading`), or null")
    section = _section(file, f"{field}.section", raw["section"])
    must_contain = _texts(file, f"{field}.must_contain", raw.get("must_contain"))
    if section is None and must_contain:
        raise EvalFileError(file, f"{field}.must_contain", "a question the pack cannot answer has no facts to state")
    history = _texts(file, f"{field}.history", raw.get("history"))
    return LabelledQuestion(question=question, section=section, history=history, must_contain=must_contain)


def load_question_set(file: Path) -> QuestionSet:
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise EvalFileError(file, "(file)", str(error)) from error
    if not isinstance(raw, dict) or set(raw) - _TOP_KEYS:
        raise EvalFileError(file, "(file)", "expected a mapping with `tenant` and `questions`")
    tenant = _text(raw.get("tenant"))
    if tenant is None:
        raise EvalFileError(file, "tenant", "expected the slug of the tenant pack the questions are for")
    questions = raw.get("questions")
    if not isinstance(questions, list) or not questions:
        raise EvalFileError(file, "questions", "expected a non-empty list")
    return QuestionSet(file=file, tenant=tenant, questions=tuple(_question(file, i, q) for i, q in enumerate(questions)))
