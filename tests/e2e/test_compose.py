"""compose/ and the image, checked offline: the compose file as Docker Compose resolves it (Debian's
docker-compose, `config`), the Dockerfile as written and by hadolint, the Caddyfile by caddy.
CI installs the tools (.ci/run) and fails here without them; elsewhere a missing tool skips its
test."""

import importlib.metadata
import os
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "compose"
DOCKERFILE = COMPOSE / "Dockerfile"
ENV_EXAMPLE = COMPOSE / ".env.example"
# The one service allowed to publish ports: everything else is reached through it.
PROXY = "caddy"
# Services that run once and exit: nothing to keep healthy.
ONE_SHOT = {"migrate"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|API_KEY|TOKEN")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed: .ci/run installs it, and CI must run this check")
        pytest.skip(f"{name} is not installed (CI installs it: .ci/run)")
    return path


def _compose(*args: str, env_file: str = str(ENV_EXAMPLE), env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [_tool("docker-compose"), "--env-file", env_file, "-f", str(COMPOSE / "docker-compose.yml"), *args]
    # Only the env file speaks: a variable of the caller's environment would win over it.
    clean = {k: v for k, v in os.environ.items() if k not in _interpolated()}
    return subprocess.run(command, capture_output=True, text=True, env={**clean, **(env or {})}, timeout=60)


def _interpolated() -> set[str]:
    return set(re.findall(r"\$\{(\w+)", (COMPOSE / "docker-compose.yml").read_text(encoding="utf-8")))


def _mounts(service: dict[str, Any]) -> list[dict[str, Any]]:
    """Volumes in the long form, whichever form `config` printed (docker-compose v1 prints
    `source:target:mode`, v2 the long form)."""
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target, *mode = volume.split(":")
            kind = "bind" if source.startswith(("/", ".")) else "volume"
            volume = {"type": kind, "source": source, "target": target, "read_only": mode == ["ro"]}
        mounts.append(volume)
    return mounts


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    resolved = _compose("config")
    assert resolved.returncode == 0, resolved.stderr
    return yaml.safe_load(resolved.stdout)


@pytest.fixture(scope="module")
def services(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return config["services"]


def test_the_stack_is_all_there(services):
    assert {"migrate", "bot", "postgres", "qdrant", "redis", "evolution", PROXY} <= set(services)


def test_only_the_proxy_publishes_ports(services):
    published = {name for name, service in services.items() if service.get("ports") or service.get("network_mode") == "host"}
    assert published == {PROXY}
    assert {int(port["published"]) for port in services[PROXY]["ports"]} == {80, 443}


def test_every_service_that_stays_up_has_a_healthcheck(services):
    for name, service in services.items():
        if name in ONE_SHOT:
            continue
        if "build" in service:  # the image's HEALTHCHECK (test_the_image_...) covers it
            assert service["build"]["dockerfile"] == "compose/Dockerfile", name
            assert "healthcheck" not in service or not service["healthcheck"].get("disable"), name
        else:
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_every_service_rotates_its_logs(services):
    for name, service in services.items():
        logging = service.get("logging", {})
        assert logging.get("driver") == "json-file", name
        assert {"max-size", "max-file"} <= set(logging.get("options", {})), name


def test_services_restart_by_themselves_and_migrate_runs_once_before_the_bot(services):
    for name, service in services.items():
        assert service.get("restart") == ("no" if name in ONE_SHOT else "unless-stopped"), name
    assert services["migrate"]["command"] == ["tatame", "migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["bot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_evolution_is_pinned_to_the_stable_release_with_its_database_made_on_first_start(services):
    evolution = services["evolution"]
    # 2.4.0's release candidates refuse business endpoints without a license (503 LICENSE_REQUIRED).
    assert evolution["image"] == "evoapicloud/evolution-api:v2.3.7"
    database = evolution["environment"]["DATABASE_CONNECTION_URI"].rsplit("/", 1)[1]
    init = [v for v in _mounts(services["postgres"]) if v["target"] == "/docker-entrypoint-initdb.d"]
    assert len(init) == 1 and init[0]["read_only"]
    scripts = " ".join(p.read_text(encoding="utf-8") for p in sorted((COMPOSE / "postgres-init").glob("*.sql")))
    assert re.search(rf"CREATE DATABASE {database}\b", scripts)


def test_qdrant_server_is_on_the_minor_version_of_the_client(services):
    client = importlib.metadata.version("qdrant-client")
    tag = services["qdrant"]["image"].rsplit(":", 1)[1]
    assert tag.removeprefix("v").split(".")[:2] == client.split(".")[:2], (tag, client)


def test_data_lives_in_named_volumes_and_host_files_are_read_only(config, services):
    named = set(config["volumes"])
    for name, service in services.items():
        for volume in _mounts(service):
            if volume["type"] == "volume":
                assert volume["source"] in named, (name, volume)
            else:
                assert volume["type"] == "bind" and volume.get("read_only"), (name, volume)


def test_secrets_come_only_from_the_env_file(services):
    raw = yaml.safe_load((COMPOSE / "docker-compose.yml").read_text(encoding="utf-8"))
    for name, service in raw["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            # A secret by its name, or inside a URL with credentials (user:password@host).
            if SECRET_NAME.search(variable) or ("://" in str(value) and "@" in str(value)):
                assert "${" in str(value), f"{name}: {variable} is written in the compose file"
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M))
    assert _interpolated() <= documented, sorted(_interpolated() - documented)


def test_a_missing_secret_is_named(tmp_path):
    env_file = tmp_path / ".env"
    kept = [line for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines() if not line.startswith("WEBHOOK_SECRET=")]
    env_file.write_text("\n".join(kept) + "\n", encoding="utf-8")
    missing = _compose("config", env_file=str(env_file))
    assert missing.returncode != 0 and "WEBHOOK_SECRET" in missing.stderr


def test_the_proxy_serves_the_bot_and_evolutions_manager_on_the_domain(services):
    caddyfile = (COMPOSE / "Caddyfile").read_text(encoding="utf-8")
    assert "{$DOMAIN}" in caddyfile and "reverse_proxy bot:8000" in caddyfile and "reverse_proxy evolution:8080" in caddyfile
    assert "/metrics" not in re.findall(r"@bot path (.*)", caddyfile)[0].split()
    assert services[PROXY]["environment"]["DOMAIN"]
    assert services["bot"]["environment"]["WEBHOOK_URL"] == "http://bot:8000/webhooks/evolution"


def _final_stage() -> list[str]:
    lines = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    assert len(starts) >= 2, "the image is built in stages"
    return [line for line in lines[starts[-1] :] if line.strip() and not line.startswith("#")]


def test_the_image_runs_as_a_user_and_checks_its_health():
    final = _final_stage()
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    healthcheck = [line for line in final if line.startswith("HEALTHCHECK ")]
    assert len(healthcheck) == 1 and "/health" in healthcheck[0]


def test_the_image_installs_the_lock_by_hash_and_a_built_wheel():
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"pip install --require-hashes -r requirements\.lock", text)
    assert re.search(r"pip wheel --no-deps --wheel-dir /wheels \.", text) and "pip install --no-deps /wheels/*.whl" in text
    assert not re.search(r"pip install[^\n]*(-e|--editable)\b", text)


def test_the_dockerfile_passes_hadolint():
    linted = subprocess.run([_tool("hadolint"), str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_caddyfile_is_valid_for_the_caddy_of_the_image(services, tmp_path):
    caddy = _tool("caddy")
    version = subprocess.run([caddy, "version"], capture_output=True, text=True, timeout=30).stdout.split()[0]
    assert services[PROXY]["image"] == f"caddy:{version.removeprefix('v')}-alpine"
    # Provisioning may write Caddy's storage: into the test's folder, not the user's.
    folders = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env = {**os.environ, **folders, "DOMAIN": services[PROXY]["environment"]["DOMAIN"], "ACME_EMAIL": "ops@example.com"}
    checked = subprocess.run(
        [caddy, "validate", "--config", str(COMPOSE / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    formatted = subprocess.run([caddy, "fmt", str(COMPOSE / "Caddyfile")], capture_output=True, text=True, timeout=30)
    assert formatted.stdout == (COMPOSE / "Caddyfile").read_text(encoding="utf-8"), "run caddy fmt --overwrite compose/Caddyfile"
