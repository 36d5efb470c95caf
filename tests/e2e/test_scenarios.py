"""Every scenario file in tests/e2e/scenarios, run through the same runner as `tatame scenarios run`."""

from pathlib import Path

import pytest

from entrypoints.scenario_file import load_scenario, scenario_files
from entrypoints.scenarios import ScenarioRunner
from entrypoints.settings import Settings
from tests import PROJECT_ROOT

SCENARIOS = scenario_files([Path(__file__).parent / "scenarios"])


@pytest.fixture(scope="module")
async def runner(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    settings = Settings(database_url=database_url, data_dir=tmp_path_factory.mktemp("scenarios"), knowledge_dir=PROJECT_ROOT / "knowledge")
    runner = ScenarioRunner(settings)
    await runner.start()
    yield runner
    await runner.close()


@pytest.mark.parametrize("file", SCENARIOS, ids=[f.stem for f in SCENARIOS])
async def test_scenario(runner: ScenarioRunner, file: Path):
    outcome = await runner.run(load_scenario(file))
    assert outcome.passed, "\n".join(outcome.failures)
