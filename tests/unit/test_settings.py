import io
import re
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from adapters.openai.prices import PRICES
from adapters.terminal import TerminalGateway
from application.gateway import Gateways
from application.pricing import Price, PriceTable
from entrypoints.container import make_container
from entrypoints.settings import Settings, SettingsError
from tests import PROJECT_ROOT


def _settings(**env: str) -> Settings:
    return Settings.from_env(env, env_file=None)


def test_defaults_run_everything_embedded():
    settings = _settings()
    assert (settings.database_url, settings.qdrant_url, settings.evolution_url) == (None, None, None)
    assert (settings.buffer_window, settings.buffer_max, settings.evolution_timeout) == (15.0, 60.0, 10.0)
    assert settings.send_lease == 30.0


def test_an_idle_connection_outlives_evolutions_client_and_is_not_cut_by_the_request_timeout():
    # Evolution (Node.js's global agent) reuses an idle connection for 5 s: closed by the bot at
    # that very moment, a webhook is lost with a reset. And the request timeout closes an idle
    # connection too, so above it the keep-alive would not be what decides.
    settings = _settings()
    assert 5.0 < settings.http_keep_alive < settings.http_request_timeout


def test_reads_the_environment():
    settings = _settings(DATABASE_URL="postgresql+asyncpg://db/x", BUFFER_WINDOW="2.5", HISTORY_LIMIT="7", LOG_LEVEL="info")
    assert (settings.database_url, settings.buffer_window, settings.history_limit, settings.log_level) == (
        "postgresql+asyncpg://db/x",
        2.5,
        7,
        "INFO",
    )


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("BUFFER_WINDOW", "quinze", "BUFFER_WINDOW must be a number of seconds"),
        ("BUFFER_WINDOW", "-1", "BUFFER_WINDOW must be at least 0"),
        ("EVOLUTION_TIMEOUT", "0", "EVOLUTION_TIMEOUT must be more than 0"),
        ("HISTORY_LIMIT", "0", "HISTORY_LIMIT must be >= 1"),
        ("PORT", "80.5", "PORT must be a whole number"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"),
    ],
)
def test_a_bad_value_names_the_variable(name, value, says):
    with pytest.raises(SettingsError, match=re.escape(says)):
        _settings(**{name: value})


def test_the_environment_wins_over_the_env_file(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text("BUFFER_WINDOW=3\nBUFFER_MAX=9\n", encoding="utf-8")
    settings = Settings.from_env({"BUFFER_WINDOW": "4"}, env_file=env_file)
    assert (settings.buffer_window, settings.buffer_max) == (4.0, 9.0)


def test_env_example_documents_every_variable():
    read = set(Settings.variables())
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z_]+)=", (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    assert len(read) > 20 and read <= documented, sorted(read - documented)


def test_every_field_is_read_from_its_variable():
    words = {"LOG_LEVEL": "DEBUG", "TATAME_ENGINE": "openai", "DATABASE_APP_ROLE": "role_7777"}
    given = {name: words.get(name, "7777") for name in Settings.variables()}
    settings = _settings(**given)
    defaults = _settings()
    for field, name in zip(attrs.fields(Settings), Settings.variables(), strict=True):
        assert getattr(settings, field.name) != getattr(defaults, field.name), name
        assert str(getattr(settings, field.name)).removesuffix(".0") == given[name], name


@pytest.mark.parametrize("role", ["Tatame", "tatame-app", 'x"; DROP TABLE clients; --', "1role"])
def test_the_application_role_must_be_a_plain_role_name(role):
    with pytest.raises(SettingsError, match="DATABASE_APP_ROLE"):
        _settings(DATABASE_APP_ROLE=role)


def test_settings_survive_the_trip_through_a_child_environment(tmp_path):
    """How `tatame serve` hands its settings (with what the command line changed) to the worker."""
    changed = Settings(
        knowledge_dir=tmp_path / "packs", database_url="postgresql+asyncpg://u@h/db", buffer_window=7.5, port=9123, log_level="debug"
    )
    assert changed != Settings()
    assert Settings.from_env(environ=changed.environment(), env_file=None) == changed
    assert Settings.from_env(environ=Settings().environment(), env_file=None) == Settings()


@pytest.mark.parametrize(
    ("env", "engine"),
    [
        ({}, "offline"),
        ({"OPENAI_API_KEY": "sk-test"}, "openai"),
        ({"OPENAI_API_KEY": "sk-test", "TATAME_ENGINE": "offline"}, "offline"),
        ({"OPENAI_API_KEY": "sk-test", "TATAME_ENGINE": "OpenAI"}, "openai"),
        ({"TATAME_ENGINE": "offline"}, "offline"),
    ],
)
def test_the_engine_is_openai_only_with_a_key(env, engine):
    assert _settings(**env).engine == engine


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"TATAME_ENGINE": "gpt"}, "TATAME_ENGINE must be offline or openai, got 'gpt'"),
        ({"TATAME_ENGINE": "openai"}, "TATAME_ENGINE=openai needs OPENAI_API_KEY"),
        ({"OPENAI_TIMEOUT": "0"}, "OPENAI_TIMEOUT must be more than 0"),
    ],
)
def test_a_bad_engine_setting_names_the_variable(env, says):
    with pytest.raises(SettingsError, match=re.escape(says)):
        _settings(**env)


def test_the_model_settings_and_their_defaults():
    assert (_settings().openai_model, _settings().openai_timeout, _settings().openai_base_url) == ("gpt-4o-mini", 15.0, None)
    settings = _settings(OPENAI_API_KEY="sk-test", OPENAI_BASE_URL="http://127.0.0.1:9/v1", OPENAI_MODEL="m", OPENAI_TIMEOUT="2.5")
    assert (settings.openai_base_url, settings.openai_model, settings.openai_timeout) == ("http://127.0.0.1:9/v1", "m", 2.5)
    assert "sk-test" not in repr(settings)
    assert Settings.from_env(settings.environment(), env_file=None) == settings


def test_the_embedding_model_is_optional():
    assert _settings().openai_embedding_model is None and _settings(OPENAI_EMBEDDING_MODEL="").openai_embedding_model is None
    settings = _settings(OPENAI_API_KEY="sk-test", OPENAI_EMBEDDING_MODEL="text-embedding-3-small")
    assert settings.openai_embedding_model == "text-embedding-3-small"
    assert Settings.from_env(settings.environment(), env_file=None) == settings


@pytest.mark.parametrize("env", [{"LLM_PRICE_INPUT": "0.1"}, {"LLM_PRICE_OUTPUT": "0.4"}, {"LLM_PRICE_CACHED_INPUT": "0.05"}])
def test_a_price_is_set_whole_or_not_at_all(env):
    with pytest.raises(SettingsError, match="LLM_PRICE_INPUT and LLM_PRICE_OUTPUT go together"):
        _settings(**env)


async def test_the_configured_models_price_from_the_environment_replaces_the_tables():
    settings = _settings(OPENAI_MODEL="llama3", LLM_PRICE_INPUT="0.2", LLM_PRICE_OUTPUT="0.6")
    container = make_container(settings, Gateways(TerminalGateway(io.StringIO())))
    try:
        table = await container.get(PriceTable)
    finally:
        await container.close()
    assert table.price("llama3") == Price(input=Decimal("0.2"), cached_input=Decimal("0.2"), output=Decimal("0.6"))
    assert table.price("gpt-4o") == PRICES.price("gpt-4o") and table.version == "env:llama3=0.2/0.2/0.6"
    container = make_container(_settings(), Gateways(TerminalGateway(io.StringIO())))
    try:
        assert await container.get(PriceTable) is PRICES
    finally:
        await container.close()
