import os
import shutil
import subprocess

import pytest

from tests import PROJECT_ROOT


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose (Debian package) is not installed")
def test_compose_file_is_valid_and_names_its_required_secrets():
    env = {**os.environ, "POSTGRES_PASSWORD": "p", "EVOLUTION_API_KEY": "k", "EVOLUTION_INSTANCE": "ct", "WEBHOOK_SECRET": "s"}
    ok = subprocess.run(["docker-compose", "config"], cwd=PROJECT_ROOT / "compose", env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert {"bot:", "postgres:", "qdrant:", "redis:", "evolution:"} <= {line.strip() for line in ok.stdout.splitlines()}
    missing = subprocess.run(
        ["docker-compose", "config"],
        cwd=PROJECT_ROOT / "compose",
        capture_output=True,
        text=True,
        env={k: v for k, v in env.items() if k != "WEBHOOK_SECRET"},
    )
    assert missing.returncode != 0 and "WEBHOOK_SECRET" in missing.stderr
