"""The language model's FAQ answer, without the network: its prompt, and the gates its reply must pass."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.openai.answer import INSTRUCTIONS, SCHEMA, messages, passage_ids, read
from adapters.openai.failure import ModelFailure
from adapters.openai.text import visible
from application.knowledge_index import Passage
from application.question_answerer import Answer
from application.turn import TurnInput
from domain.knowledge import Chunk
from domain.route import Route
from domain.tenant import Modality, Tenant

NOW = dt.datetime(2026, 3, 4, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
TENANT = Tenant(slug="arena", name="Arena Luta Livre", modalities=[Modality(name="Muay Thai")])
PASSAGES = [
    Passage(chunk=Chunk(tenant="arena", source="faq.md", heading="Tem sauna?", text="Sim, sauna seca das 17h às 21h."), score=3.0),
    Passage(chunk=Chunk(tenant="arena", source="faq.md", heading="Plano mensal", text="O plano mensal custa R$ 210,00."), score=1.0),
]
SENT = passage_ids(PASSAGES)


def reply(**changes: object) -> dict:
    return {"route": "faq", "answer": "O plano mensal custa R$ 210,00.", "passage_ids": ["P2"], "passages_answer": True, **changes}


def test_a_grounded_reply_is_the_answer():
    assert read(reply(answer=" O plano mensal custa R$ 210,00. "), SENT) == Answer(text="O plano mensal custa R$ 210,00.")


@pytest.mark.parametrize(
    "changes",
    [
        {"passage_ids": ["P3"]},  # a passage that was not sent
        {"passage_ids": ["P2", "ct-exemplo/faq.md#Preços"]},
        {"passage_ids": []},  # cites nothing
        {"passages_answer": False},
        {"answer": "  "},
        # Asked for its prompt, the model recites it: that is no answer either.
        {"answer": "Minhas instruções: " + INSTRUCTIONS.splitlines()[0]},
    ],
)
def test_an_ungrounded_reply_is_no_answer(changes):
    assert read(reply(**changes), SENT) == Answer()


@pytest.mark.parametrize("route", [Route.ESCALATE, Route.BOOKING])
def test_a_turn_that_is_no_question_takes_the_route_the_model_says(route):
    assert read(reply(route=str(route), passage_ids=[], passages_answer=False), SENT) == Answer(route=route)


def test_small_talk_comes_with_its_reply():
    said = reply(route="smalltalk", answer="Oi! Como posso ajudar?", passage_ids=[], passages_answer=False)
    assert read(said, SENT) == Answer(text="Oi! Como posso ajudar?", route=Route.SMALLTALK)


@pytest.mark.parametrize("answer", ["Oi! O plano custa R$ 210,00.", "", "Oi! " + INSTRUCTIONS.splitlines()[-1]])
def test_small_talk_unfit_to_send_is_a_failure(answer):
    with pytest.raises(ModelFailure, match="smalltalk"):
        read(reply(route="smalltalk", answer=answer), SENT)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=16), inner, max_size=5),
    max_leaves=12,
)
REPLY_LIKE = st.fixed_dictionaries(
    {
        "route": st.sampled_from(["faq", "escalate", "booking", "smalltalk", "vendas"]) | JSON,
        "answer": st.sampled_from(["O plano custa R$ 210,00.", "Oi!", ""]) | JSON,
        "passage_ids": st.lists(st.sampled_from(["P1", "P2", "P3"])) | JSON,
        "passages_answer": st.booleans() | JSON,
    }
)


@given(JSON | REPLY_LIKE)
def test_any_json_value_is_an_answer_or_a_model_failure(value):
    try:
        answer = read(value, SENT)
    except ModelFailure:
        return
    assert isinstance(answer, Answer)
    assert answer.text is None or answer.text.strip() == answer.text != ""


@pytest.mark.parametrize(
    "value",
    [
        "O plano custa R$ 210,00.",  # plain text, the schema ignored
        [],
        reply(extra="x"),
        {k: v for k, v in reply().items() if k != "route"},
        reply(route="vendas"),
        reply(passages_answer="true"),
        reply(passage_ids="P2"),
        reply(passage_ids=[2]),
        reply(answer=None),
    ],
)
def test_a_reply_out_of_schema_is_a_failure(value):
    with pytest.raises(ModelFailure, match="schema"):
        read(value, SENT)


def test_the_schema_is_strict():
    assert SCHEMA["additionalProperties"] is False and set(SCHEMA["required"]) == set(SCHEMA["properties"])


def test_the_prompt_puts_the_stable_part_first_and_the_member_last():
    system, user = messages(TurnInput(text="quanto custa?\u200b\U000e0069\U000e0067", tenant=TENANT, now=NOW), PASSAGES)
    assert system["role"] == "system" and "Arena Luta Livre" in system["content"] and "Muay Thai" in system["content"]
    assert str(system["content"]).startswith(INSTRUCTIONS)
    content = user["content"]
    assert isinstance(content, str)
    assert content.index("[P1] Tem sauna?") < content.index("[P2] Plano mensal") < content.index("quanto custa?")
    assert content.endswith("quanto custa?")


HIDDEN = st.characters(min_codepoint=0xE0000, max_codepoint=0xE007F) | st.sampled_from("\u200b\u200d\ufe0f\u2060\ufeff\u202e\u00ad")


@given(st.text(), st.lists(HIDDEN, min_size=1))
def test_invisible_characters_are_stripped_and_nothing_else(text, hidden):
    shown = visible(text)
    assert visible("".join(hidden)) == ""
    assert visible(f"{shown}{''.join(hidden)}{shown}") == shown + shown
    assert visible(shown) == shown and all(ch in text for ch in shown)


def test_what_a_person_reads_is_kept():
    assert visible("Olá! Quanto custa o jiu-jítsu? 💪🏽") == "Olá! Quanto custa o jiu-jítsu? 💪🏽"
