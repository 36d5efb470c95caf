"""`tatame channels connect` against the fake Evolution API, which answers as 2.3.7 does."""

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.evolution.instances import WEBHOOK_EVENTS
from entrypoints.cli import main
from entrypoints.http.auth import authenticate
from tests.fakes.evolution_server import QR_PNG, FakeEvolution

WEBHOOK_URL = "http://bot:8000/webhooks/evolution"
SECRET = "s3cret-webhook"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeEvolution]:
    with FakeEvolution(instances={"ct-exemplo": "instance-token", "ct-outro": "other-token"}, global_key="global-key") as fake:
        yield fake


@pytest.fixture
def evolution(server: FakeEvolution, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeEvolution:
    server.reset()
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    # `main` configures logging for the process, for good (structlog caches its loggers at the level
    # set): run in the test process, it would hide the INFO events later tests capture.
    monkeypatch.setattr("entrypoints.cli.configure_logging", lambda level: None)
    for name, value in {
        "EVOLUTION_URL": server.base_url,
        "EVOLUTION_API_KEY": "global-key",
        "EVOLUTION_INSTANCE": "ct-exemplo",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_URL": WEBHOOK_URL,
    }.items():
        monkeypatch.setenv(name, value)
    return server


def test_sets_the_webhook_tatame_reads_and_starts_pairing(evolution, capsys, tmp_path):
    qr = tmp_path / "qr.png"
    assert main(["channels", "connect", "--phone", "5511999990000", "--qr", str(qr)]) == 0
    out = capsys.readouterr().out

    webhook = evolution.webhooks["ct-exemplo"]
    assert webhook["url"] == WEBHOOK_URL and webhook["enabled"] is True
    assert webhook["events"] == list(WEBHOOK_EVENTS) and webhook["webhookByEvents"] is False
    # What Evolution will send back with every event is what the webhook route accepts.
    assert authenticate({k.lower(): v for k, v in webhook["headers"].items()}, SECRET) is None

    assert "ct-exemplo: connecting, not paired yet" in out
    assert "pairing code: " in out and qr.read_bytes() == QR_PNG
    assert evolution.states["ct-exemplo"] == "connecting"


def test_a_paired_number_is_reported_open_and_its_webhook_replaced(evolution, capsys):
    assert main(["channels", "connect", "--webhook-url", "https://old.example/webhooks/evolution"]) == 0
    evolution.states["ct-exemplo"] = "open"
    capsys.readouterr()

    assert main(["channels", "connect"]) == 0
    assert "ct-exemplo: open, connected to WhatsApp" in capsys.readouterr().out
    assert evolution.webhooks["ct-exemplo"]["url"] == WEBHOOK_URL
    # An open number is not asked to connect again (that would only repeat its state).
    assert [r.path for r in evolution.requests if r.path.startswith("/instance/connect/")] == ["/instance/connect/ct-exemplo"]


def test_another_instance_by_name(evolution, capsys):
    assert main(["channels", "connect", "--instance", "ct-outro"]) == 0
    assert set(evolution.webhooks) == {"ct-outro"}
    assert "ct-outro: connecting" in capsys.readouterr().out


def test_creates_a_missing_instance_only_when_asked(evolution, capsys, monkeypatch):
    monkeypatch.setenv("EVOLUTION_INSTANCE", "ct-nova")
    assert main(["channels", "connect"]) == 1
    assert "Evolution has no instance 'ct-nova'" in capsys.readouterr().err and "ct-nova" not in evolution.instances

    assert main(["channels", "connect", "--create"]) == 0
    assert "ct-nova" in evolution.instances and evolution.webhooks["ct-nova"]["url"] == WEBHOOK_URL
    assert "ct-nova: connecting, not paired yet" in capsys.readouterr().out
    # Once it exists, --create changes nothing.
    assert main(["channels", "connect", "--create"]) == 0
    assert [r.path for r in evolution.requests].count("/instance/create") == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"EVOLUTION_API_KEY": "wrong"}, "refused the API key (401)"),
        ({"EVOLUTION_INSTANCE": "ct-nenhum"}, "Evolution has no instance 'ct-nenhum'"),
    ],
)
def test_refusals_say_what_to_check(evolution, capsys, monkeypatch, change, expected):
    for name, value in change.items():
        monkeypatch.setenv(name, value)
    assert main(["channels", "connect"]) == 1
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert evolution.webhooks == {}


def test_an_evolution_that_is_down_is_named(evolution, capsys, monkeypatch):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    monkeypatch.setenv("EVOLUTION_URL", f"http://127.0.0.1:{port}")
    assert main(["channels", "connect"]) == 1
    assert f"Evolution at http://127.0.0.1:{port} cannot be reached" in capsys.readouterr().err


def test_without_a_webhook_url_nothing_is_sent(evolution, capsys, monkeypatch):
    monkeypatch.delenv("WEBHOOK_URL")
    assert main(["channels", "connect"]) == 2
    assert "set WEBHOOK_URL or pass --webhook-url" in capsys.readouterr().err
    assert evolution.requests == []
