"""Small talk by a language model, without the network: a short reply that states no facts."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.openai.failure import ModelFailure
from adapters.openai.smalltalk import INSTRUCTIONS, MAX_CHARS, SCHEMA, messages, read
from application.turn import TurnInput
from domain.tenant import LanguageModelSettings, Tenant

TENANT = Tenant(slug="arena", name="Arena", llm=LanguageModelSettings(tone="animado, com gírias de academia"))
TURN = TurnInput(text="bom dia!!\U000e0041", tenant=TENANT, now=dt.datetime(2026, 3, 4, tzinfo=dt.UTC))


def test_a_short_reply_is_sent_as_it_is():
    assert (
        read({"reply": " Bom dia, guerreiro! Bora treinar? Como posso ajudar? "}) == "Bom dia, guerreiro! Bora treinar? Como posso ajudar?"
    )


@pytest.mark.parametrize(
    "said",
    [
        "Bom dia! O plano mensal sai por R$ 189.",  # a fact, maybe made up: small talk states none
        "Bom dia! Te espero às 7h.",
        "Oi! Treino ½ hora e já era",
        "",
        "Oi! " * (MAX_CHARS // 4 + 1),
        "Claro: " + INSTRUCTIONS.splitlines()[0],
    ],
)
def test_a_reply_unfit_for_small_talk_is_a_failure(said):
    with pytest.raises(ModelFailure, match="smalltalk"):
        read({"reply": said})


@pytest.mark.parametrize("value", ["Bom dia!", {}, {"reply": 3}, {"reply": "Oi", "route": "faq"}, [{"reply": "Oi"}], None])
def test_a_reply_out_of_schema_is_a_failure(value):
    with pytest.raises(ModelFailure, match="schema"):
        read(value)


def test_the_prompt_carries_the_tone_and_the_members_text_last():
    system, user = messages(TURN)
    assert "animado, com gírias de academia" in str(system["content"]) and SCHEMA["required"] == ["reply"]
    assert user["content"] == "Mensagem da pessoa:\nbom dia!!"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["reply", "x"]) | st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@given(JSON)
def test_any_json_value_is_a_reply_or_a_model_failure(value):
    try:
        said = read(value)
    except ModelFailure:
        return
    assert said and len(said) <= MAX_CHARS and not any(ch.isnumeric() for ch in said)
