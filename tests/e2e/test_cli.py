"""`tatame` as a process: what an operator types, what they see, and the exit status."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import PROJECT_ROOT
from tests.fakes.openai_server import FakeOpenAI, failure

TATAME = [sys.executable, "-m", "entrypoints.cli"]


def _run(args: list[str], env: dict[str, str], stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*TATAME, *args], input=stdin, capture_output=True, text=True, env=env, timeout=timeout, cwd=PROJECT_ROOT)


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    variables = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "QDRANT_URL", "KNOWLEDGE_DIR"}}
    return {**variables, "DATABASE_URL": database_url, "TATAME_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(PROJECT_ROOT / "src")}


def _replies(stdout: str) -> list[str]:
    return [line[len("bot> ") :] for line in stdout.splitlines() if line.startswith("bot> ")]


def test_chat_answers_each_line_and_remembers_across_restarts(env):
    first = _run(["chat", "--phone", "5511933330001"], env, "oi\nquanto custa o plano mensal?\n")
    assert first.returncode == 0, first.stderr
    replies = _replies(first.stdout)
    assert len(replies) == 2 and "CT Exemplo" in replies[0] and "R$ 189" in replies[1]

    escalated = _run(["chat", "--phone", "5511933330001"], env, "quero falar com um atendente\n")
    assert "equipe" in _replies(escalated.stdout)[0]
    paused = _run(["chat", "--phone", "5511933330001"], env, "oi?\n")
    assert _replies(paused.stdout) == [] and "tatame resume 5511933330001" in paused.stdout

    resumed = _run(["resume", "5511933330001"], env)
    assert resumed.returncode == 0, resumed.stderr
    back = _run(["chat", "--phone", "5511933330001"], env, "bom dia\n")
    assert len(_replies(back.stdout)) == 1


def test_ingest_is_incremental(env):
    first = _run(["ingest"], env)
    assert first.returncode == 0, first.stderr
    again = _run(["ingest"], env)
    assert "ct-exemplo: 0 indexed" in again.stdout


def test_ingest_says_when_the_embedding_model_fails_and_can_be_run_again(env):
    with FakeOpenAI() as fake:
        env = {**env, "OPENAI_API_KEY": "sk-fake", "OPENAI_BASE_URL": fake.base_url, "OPENAI_EMBEDDING_MODEL": "fake-embedder"}
        fake.plan_embeddings(failure(500))
        failed = _run(["ingest"], env)
        assert failed.returncode == 1
        assert "tatame: error: the embedding model fake-embedder failed (status 500) on the sections of ct-exemplo" in failed.stderr
        again = _run(["ingest"], env)
        assert again.returncode == 0, again.stderr
        assert "ct-exemplo: 0 indexed" not in again.stdout and len(fake.embedding_requests) > 1


def test_broken_pack_names_file_and_field(env, tmp_path):
    pack = tmp_path / "packs" / "ct-quebrado"
    pack.mkdir(parents=True)
    (pack / "tenant.yaml").write_text("name: CT\nmodalities:\n  - name: Boxe\n    schedule:\n      - {weekday: segunda, start: '19:00'}\n")
    result = _run(["ingest", "--knowledge", str(tmp_path / "packs")], env)
    assert result.returncode == 2
    assert f"{pack / 'tenant.yaml'}: modalities[0].schedule[0].weekday" in result.stderr
    assert "Traceback" not in result.stderr


def test_scenarios_report_each_and_fail_the_run(env, tmp_path):
    (tmp_path / "ok.yaml").write_text(
        'name: price\nnow: "2026-03-02T10:00:00-03:00"\nsteps:\n  - user: "quanto custa o plano mensal?"\n'
        '    expect: {route: faq, reply_contains: ["r$ 189"]}\nexpect_after: {escalations: 0, trial_classes: 0}\n'
    )
    (tmp_path / "bad.yaml").write_text('name: wrong on purpose\nsteps:\n  - user: "oi"\n    expect: {route: escalate}\n')
    result = _run(["scenarios", "run", str(tmp_path / "ok.yaml"), str(tmp_path / "bad.yaml")], env)
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert (
        lines[0] == "PASS  price"
        and lines[1].startswith("FAIL  wrong on purpose")
        and "route: expected escalate, got smalltalk" in lines[1]
    )
    assert lines[-1] == "1 passed, 1 failed"

    passing = _run(["scenarios", "run", str(tmp_path / "ok.yaml")], env)
    assert passing.returncode == 0 and passing.stdout.splitlines()[-1] == "1 passed, 0 failed"


def test_malformed_scenario_is_a_clear_error(env, tmp_path):
    (tmp_path / "broken.yaml").write_text("name: x\nsteps:\n  - user: oi\n    expect: {route: dance}\n")
    result = _run(["scenarios", "run", str(tmp_path / "broken.yaml")], env)
    assert result.returncode == 2 and "steps[0].expect.route" in result.stderr
