"""The labelled question file of `tatame eval`: any YAML document is a question set or an error
that names the file and the field."""

import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import find, given, settings
from hypothesis import strategies as st

from entrypoints.eval_file import EvalFileError, LabelledQuestion, QuestionSet, Section, load_question_set

_FIELD = re.compile(r"^(\(file\)|tenant|questions(\[\d+\](\.(question|history|section|must_contain))?)?): ")

_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6
)
_sections = st.sampled_from(["sobre.md#Qual é o endereço?", "tenant.yaml#Horários de Boxe", "sobre.md", "#x", "x.txt#y", None])
_texts = st.text(alphabet="abcdeçã ?", min_size=1, max_size=10).filter(str.strip)
_questions = st.builds(
    LabelledQuestion,
    question=_texts,
    section=st.builds(Section, source=st.sampled_from(["sobre.md", "tenant.yaml"]), heading=_texts),
    history=st.lists(_texts, max_size=2).map(tuple),
    must_contain=st.lists(_texts, max_size=2).map(tuple),
) | st.builds(LabelledQuestion, question=_texts, section=st.none(), history=st.lists(_texts, max_size=2).map(tuple))


def _written(questions: list[LabelledQuestion]) -> dict:
    items = [
        {
            "question": q.question,
            "history": list(q.history),
            "section": str(q.section) if q.section else None,
            "must_contain": list(q.must_contain),
        }
        for q in questions
    ]
    return {"tenant": "ct-teste", "questions": items}


@st.composite
def _documents(draw: st.DrawFn) -> str:
    """A valid set, whole or with one key (of the file or of a question) dropped, added or set to
    any YAML value; or any text at all."""
    if draw(st.booleans()):
        return draw(st.text(max_size=40))
    document = _written(draw(st.lists(_questions, min_size=1, max_size=3)))
    target = draw(st.sampled_from([document, *document["questions"]]))
    key = draw(st.sampled_from([*target, "other"]))
    change = draw(st.sampled_from(["none", "drop", "set"]))
    if change == "drop":
        target.pop(key, None)
    elif change == "set":
        target[key] = draw(_values | _sections)
    return yaml.safe_dump(document, allow_unicode=True)


def _load(text: str) -> QuestionSet:
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "perguntas.yaml"
        file.write_text(text, encoding="utf-8")
        try:
            return load_question_set(file)
        except EvalFileError as error:
            where, _, rest = str(error).partition(": ")
            assert where == str(file) and _FIELD.match(rest), str(error)
            raise


def _outcome(text: str) -> QuestionSet | None:
    try:
        return _load(text)
    except EvalFileError:
        return None


@given(_documents())
def test_any_document_is_a_question_set_or_an_error_naming_file_and_field(text):
    _outcome(text)


# The property above checks nothing unless random documents reach valid sets and every check
# (`find` fails when none does). Derandomized: a search that found its document by luck would fail
# now and then.
SEARCH = settings(derandomize=True, max_examples=2_000, database=None)


def test_random_documents_reach_valid_sets():
    find(_documents(), lambda text: _outcome(text) is not None, settings=SEARCH)


@pytest.mark.parametrize("field", ["(file)", "tenant", "questions", "questions[0]", "question", "history", "section", "must_contain"])
def test_random_documents_reach_each_check(field):
    find(_documents(), lambda text: _error_field(text).endswith(field), settings=SEARCH)


def _error_field(text: str) -> str:
    try:
        _load(text)
    except EvalFileError as error:
        return str(error).split(": ")[1]
    return ""


@given(st.lists(_questions, min_size=1, max_size=4))
def test_a_written_set_reads_back_the_same(questions):
    assert _load(yaml.safe_dump(_written(questions), allow_unicode=True)).questions == tuple(questions)


VALID = {"question": "onde fica?", "section": "sobre.md#Endereço"}


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ("tenant: [", "(file)"),
        ("- a list", "(file)"),
        ({"tenant": "ct", "questions": [VALID], "thresholds": 1}, "(file)"),
        ({"questions": [VALID]}, "tenant"),
        ({"tenant": "ct", "questions": []}, "questions"),
        ({"tenant": "ct", "questions": [VALID, "onde fica?"]}, "questions[1]"),
        ({"tenant": "ct", "questions": [{**VALID, "must_contains": ["x"]}]}, "questions[0]"),
        ({"tenant": "ct", "questions": [{"section": "sobre.md#Endereço"}]}, "questions[0].question"),
        ({"tenant": "ct", "questions": [{"question": "onde fica?"}]}, "questions[0].section"),
        ({"tenant": "ct", "questions": [{**VALID, "section": "sobre.md"}]}, "questions[0].section"),
        ({"tenant": "ct", "questions": [{**VALID, "section": "sobre.txt#Endereço"}]}, "questions[0].section"),
        ({"tenant": "ct", "questions": [{**VALID, "history": [["oi"]]}]}, "questions[0].history"),
        ({"tenant": "ct", "questions": [{**VALID, "must_contain": [""]}]}, "questions[0].must_contain"),
        ({"tenant": "ct", "questions": [{"question": "tem sauna?", "section": None, "must_contain": ["x"]}]}, "questions[0].must_contain"),
    ],
)
def test_errors_name_the_field(document, field):
    text = document if isinstance(document, str) else yaml.safe_dump(document)
    with pytest.raises(EvalFileError, match=re.escape(f"perguntas.yaml: {field}: ")):
        _load(text)


def test_a_null_section_is_a_question_the_pack_cannot_answer():
    loaded = _load(yaml.safe_dump({"tenant": "ct", "questions": [{"question": "tem sauna?", "section": None, "history": "oi"}]}))
    assert loaded.questions == (LabelledQuestion(question="tem sauna?", section=None, history=("oi",)),)
