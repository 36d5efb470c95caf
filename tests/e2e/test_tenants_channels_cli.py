"""`tatame tenants` and `tatame channels` in-process against PostgreSQL: what an operator types to
add a center and its numbers, and what they see."""

import asyncio
import shutil
from pathlib import Path

import pytest

from entrypoints.cli import main
from entrypoints.settings import Settings
from tests import PROJECT_ROOT

KEY = "evo-key-0123456789-abcd"


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys):
    """Runs `tatame ...` in this process on a knowledge folder of its own; returns (exit code, stdout, stderr)."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "ct-exemplo", knowledge / "ct-exemplo")
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setattr("entrypoints.cli.configure_logging", lambda level: None)
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(knowledge))

    async def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(main, list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


async def test_an_operator_adds_a_center_and_its_numbers(cli, tmp_path):
    pack = tmp_path / "novo-pack"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "ct-exemplo", pack)
    code, out, err = await cli("tenants", "add", "ct-cli-novo", "--knowledge", str(pack))
    assert code == 0, err
    assert "\nct-cli-novo: added to " in "\n" + out and (tmp_path / "knowledge" / "ct-cli-novo" / "tenant.yaml").is_file()

    add = ("channels", "add", "--tenant", "ct-cli-novo", "--url", "http://evolution:8080")
    assert (await cli(*add, "--instance", "ct-cli-novo-centro", "--api-key", KEY))[0] == 0
    assert (await cli(*add, "--instance", "ct-cli-novo-sul", "--api-key", "short"))[0] == 0
    code, out, _ = await cli("tenants", "list")
    assert (
        code == 0
        and "ct-cli-novo  CT Exemplo Vila Mariana  channels: cli:ct-cli-novo, ct-cli-novo-centro, ct-cli-novo-sul" in out.splitlines()
    )

    assert (await cli("channels", "disable", "ct-cli-novo-sul"))[0] == 0
    code, out, _ = await cli("channels", "list")
    lines = {line.split("  ")[0]: line for line in out.splitlines()}
    assert code == 0 and KEY not in out and "short" not in out
    assert lines["ct-cli-novo-centro"].startswith("ct-cli-novo-centro  ct-cli-novo  evolution  enabled")
    assert lines["ct-cli-novo-centro"].endswith("key: ********abcd")
    assert " disabled " in lines["ct-cli-novo-sul"] and lines["ct-cli-novo-sul"].endswith("key: ********")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("channels", "add", "--tenant", "nobody", "--instance", "x", "--url", "http://e", "--api-key", "k"), "no tenant 'nobody'"),
        (
            ("channels", "add", "--tenant", "ct-exemplo", "--instance", "cli:ct-exemplo", "--url", "http://e", "--api-key", "k"),
            "cli channel",
        ),
        (("channels", "disable", "nobody-knows-it"), "no channel named 'nobody-knows-it'"),
    ],
)
async def test_mistakes_are_usage_errors_that_say_what_is_wrong(cli, args, says):
    assert (await cli("tenants", "list"))[0] == 0  # ingests ct-exemplo
    code, _, err = await cli(*args)
    assert code == 2 and says in err


async def test_a_broken_pack_names_its_file_and_field_and_is_not_added(cli, tmp_path):
    pack = tmp_path / "quebrado"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "ct-exemplo", pack)
    (pack / "tenant.yaml").write_text("name: CT Quebrado\ntimezone: Lua/Crateras\n", encoding="utf-8")
    code, _, err = await cli("tenants", "add", "ct-cli-quebrado", "--knowledge", str(pack))
    assert code == 2 and "tenant.yaml: timezone: unknown timezone" in err
    assert not (tmp_path / "knowledge" / "ct-cli-quebrado").exists()
