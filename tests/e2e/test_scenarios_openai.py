"""Every scenario file again, with TATAME_ENGINE=openai: the model's decisions come from a fake
OpenAI-compatible server whose scripted model answers as the offline engine would, so each scenario
expects what it expects offline, now through prompts, JSON schemas, the gates and the fallbacks."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from entrypoints.scenario_file import load_scenario, scenario_files
from entrypoints.scenarios import ScenarioRunner
from entrypoints.settings import Settings
from tests import PROJECT_ROOT
from tests.fakes.openai_server import FakeOpenAI, own_model
from tests.fakes.scripted_model import respond

SCENARIOS = scenario_files([Path(__file__).parent / "scenarios"])


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(responder=respond) as fake:
        yield fake


@pytest.fixture(scope="module")
async def runner(database_url: str, tmp_path_factory: pytest.TempPathFactory, model: FakeOpenAI) -> AsyncIterator[ScenarioRunner]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("scenarios-openai"),
        knowledge_dir=PROJECT_ROOT / "knowledge",
        openai_api_key="sk-fake",
        openai_base_url=model.base_url,
        openai_model=own_model(),
    )
    assert settings.engine == "openai"
    runner = ScenarioRunner(settings)
    await runner.start()
    yield runner
    await runner.close()


@pytest.mark.parametrize("file", SCENARIOS, ids=[f.stem for f in SCENARIOS])
async def test_scenario_with_the_model(runner: ScenarioRunner, model: FakeOpenAI, file: Path):
    scenario = load_scenario(file)
    before = len(model.requests)

    with capture_logs() as logs:
        outcome = await runner.run(scenario)

    assert outcome.passed, "\n".join(outcome.failures)
    assert not [log for log in logs if log["event"] == "llm.fallback"], "the model is up: no turn may fall back"
    if any(step.expect.route == "faq" for step in scenario.steps):
        assert len(model.requests) > before, "a FAQ turn was answered without asking the model"
