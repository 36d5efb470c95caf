"""The capacity scenarios (tests/e2e/scenarios-lotado) against their own pack, where a Muay Thai
class takes one person. They share one database and run in file-name order: the first books the
only seat, the next ones find it taken. So they run as one test, on the session's fresh database."""

from pathlib import Path

from entrypoints.scenario_file import load_scenario, scenario_files
from entrypoints.scenarios import ScenarioRunner, describe
from entrypoints.settings import Settings

HERE = Path(__file__).parent
SCENARIOS = scenario_files([HERE / "scenarios-lotado"])


async def test_capacity_scenarios_pass_in_order(database_url: str, tmp_path: Path):
    assert len(SCENARIOS) >= 3
    settings = Settings(database_url=database_url, data_dir=tmp_path / "data", knowledge_dir=HERE / "scenario-packs")
    runner = ScenarioRunner(settings)
    await runner.start()
    try:
        outcomes = [await runner.run(load_scenario(file)) for file in SCENARIOS]
    finally:
        await runner.close()
    failed = [describe(outcome) for outcome in outcomes if not outcome.passed]
    assert not failed, "\n".join(failed)
