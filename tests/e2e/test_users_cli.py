"""`tatame users` as a process, on PostgreSQL: what an operator types to give staff a login."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from application.log_in import LogIn
from tests import PROJECT_ROOT

TATAME = [sys.executable, "-m", "entrypoints.cli"]


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([*TATAME, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120, cwd=PROJECT_ROOT)


@pytest.fixture
def env(database_url: str, tmp_path: Path, container) -> dict[str, str]:
    """The session's database, with the default tenant loaded (by `container`)."""
    variables = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "QDRANT_URL", "KNOWLEDGE_DIR"}}
    return {**variables, "DATABASE_URL": database_url, "TATAME_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(PROJECT_ROOT / "src")}


async def _log_in(container, email: str, password: str) -> bool:
    async with container() as request:
        try:
            await (await request.get(LogIn)).execute(email, password, f"test-{uuid.uuid4().hex[:8]}")
        except Exception:
            return False
        return True


async def test_add_reads_the_password_from_standard_input_and_the_user_can_log_in(env, container):
    email = f"Ana.{uuid.uuid4().hex[:6]}@CT.com.br"
    added = _run(["users", "add", email, "--tenant", "ct-exemplo", "--role", "admin"], env, "uma senha comprida\n")
    assert added.returncode == 0, added.stderr
    assert "password" not in added.stdout  # nothing generated, nothing shown
    listed = _run(["users", "list", "--tenant", "ct-exemplo"], env)
    assert f"ct-exemplo  {email.lower()}  admin  active" in listed.stdout
    assert await _log_in(container, email, "uma senha comprida")
    again = _run(["users", "add", email.lower(), "--tenant", "ct-exemplo"], env, "outra senha comprida\n")
    assert again.returncode == 1 and "already has a login" in again.stderr


async def test_without_input_a_password_is_generated_and_shown_once(env, container):
    email = f"bia.{uuid.uuid4().hex[:6]}@ct.com.br"
    added = _run(["users", "add", email, "--tenant", "ct-exemplo"], env)
    assert added.returncode == 0, added.stderr
    password = next(line.split(": ", 1)[1] for line in added.stdout.splitlines() if line.startswith("password (shown once): "))
    assert len(password) >= 12
    assert await _log_in(container, email, password)
    assert password not in _run(["users", "list"], env).stdout


async def test_a_disabled_user_can_no_longer_log_in(env, container):
    email = f"caio.{uuid.uuid4().hex[:6]}@ct.com.br"
    assert _run(["users", "add", email, "--tenant", "ct-exemplo"], env, "uma senha comprida\n").returncode == 0
    disabled = _run(["users", "disable", email.upper()], env)
    assert disabled.returncode == 0, disabled.stderr
    assert f"{email}  staff  disabled" in _run(["users", "list"], env).stdout
    assert not await _log_in(container, email, "uma senha comprida")


def test_unknown_tenants_and_users_are_errors(env):
    unknown = _run(["users", "add", "x@ct.com.br", "--tenant", "nowhere"], env, "uma senha comprida\n")
    assert unknown.returncode == 1 and "no tenant 'nowhere'" in unknown.stderr
    assert _run(["users", "disable", "nobody@ct.com.br"], env).returncode == 1
    short = _run(["users", "add", "x@ct.com.br", "--tenant", "ct-exemplo"], env, "curta\n")
    assert short.returncode == 1 and "at least 8" in short.stderr
