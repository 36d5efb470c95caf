"""`GET /metrics`: never public, and fed by every process of `tatame serve` (its two server
processes and its worker process count into one folder) and by the database."""

import asyncio
import datetime as dt
import time
import uuid
from decimal import Decimal

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from adapters.postgres.metrics import PostgresMetrics
from application.model_usage import ModelCall, ModelUsage
from application.pricing import Tokens
from application.unit_of_work import UnitOfWork
from entrypoints.http.metrics import StoredFigures
from entrypoints.settings import Settings
from tests import PROJECT_ROOT
from tests.e2e.serve_process import free_port, serve_environment, start_serve, wait_healthy
from tests.e2e.whatsapp import INSTANCE, SECRET, TOKEN, ShiftedClock, running_service, service_settings, text_message, wait_for_replies
from tests.fakes.evolution_server import FakeEvolution

METRICS_TOKEN = "a-scraper-token"
FAMILIES = {
    "tatame_messages_received",
    "tatame_messages_sent",
    "tatame_webhook_responses",
    "tatame_turns",
    "tatame_turn_seconds",
    "tatame_buffer_wait_seconds",
    "tatame_outbox_pending",
    "tatame_outbox_retrying",
    "tatame_outbox_given_up",
    "tatame_outbox_oldest_pending_seconds",
    "tatame_database_up",
}


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
def evolution():
    with FakeEvolution(instances={INSTANCE: TOKEN}) as server:
        yield server


@pytest.fixture(scope="module", params=["1", "2"])
def serve(request, database_url, evolution, tmp_path_factory):
    """One server process (which is also where serve prepared the metrics folder), and two, so
    that a scrape reaching either must show what the other and the worker counted."""
    port, folder = free_port(), tmp_path_factory.mktemp("metrics")
    env = serve_environment(database_url, folder / "data", evolution, PORT=str(port), METRICS_TOKEN=METRICS_TOKEN)
    # A file, not a pipe nobody reads: a service that logs much would block on a full pipe.
    with open(folder / "serve.log", "wb") as log:
        process = start_serve(env, "--processes", request.param, stderr=log)
        try:
            # Three processes starting on a loaded machine take longer than the usual minute.
            wait_healthy(process, port, lambda: (folder / "serve.log").read_text(), timeout=180)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=20)


def scrape(url: str, token: str | None = METRICS_TOKEN) -> httpx.Response:
    return httpx.get(url + "/metrics", headers={"authorization": f"Bearer {token}"} if token else {}, timeout=10)


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {METRICS_TOKEN}", METRICS_TOKEN])
def test_with_a_token_set_metrics_need_it_even_from_loopback(serve, authorization):
    response = httpx.get(serve + "/metrics", headers={"authorization": authorization} if authorization else {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "tatame_" not in response.text


def test_with_the_token_metrics_are_prometheus_text(serve):
    response = scrape(serve)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert value(samples(response.text), "tatame_database_up") == 1


async def test_a_webhook_and_its_turn_move_the_counters_of_every_process(serve, evolution):
    """A family with labels appears with its first sample: after this, every one is there."""
    before = samples(scrape(serve).text)
    phone = "5511977770101"
    async with httpx.AsyncClient() as client:
        response = await client.post(
            serve + "/webhooks/evolution", json=text_message(phone, "qual o endereço?"), headers={"x-webhook-secret": SECRET}
        )
        refused = await client.post(serve + "/webhooks/evolution", json=text_message(phone, "oi"), headers={"x-webhook-secret": "wrong"})
    assert (response.status_code, refused.status_code) == (200, 401)
    assert len(await wait_for_replies(evolution, phone, 1, timeout=20, settle=0)) == 1
    deadline = time.monotonic() + 10
    while True:
        # The reply is delivered before the worker commits its delivery: look again briefly.
        after = samples(scrape(serve).text)
        if value(after, "tatame_messages_sent_total", channel=INSTANCE) > value(before, "tatame_messages_sent_total", channel=INSTANCE):
            break
        assert time.monotonic() < deadline, "the delivered reply was not counted"
        await asyncio.sleep(0.1)

    assert {family.name for family in text_string_to_metric_families(scrape(serve).text)} >= FAMILIES

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("tatame_messages_received_total", channel=INSTANCE) == 1
    assert moved("tatame_webhook_responses_total", status="200") == 1
    assert moved("tatame_webhook_responses_total", status="401") == 1
    assert moved("tatame_turns_total", route="faq", engine="offline") == 1
    assert moved("tatame_turn_seconds_count", route="faq") == 1
    assert moved("tatame_buffer_wait_seconds_count") == 1
    # The burst waited its BUFFER_WINDOW (0.2 s) at least.
    assert moved("tatame_buffer_wait_seconds_sum") >= 0.2
    assert moved("tatame_messages_sent_total", channel=INSTANCE) == 1
    assert value(after, "tatame_outbox_pending", channel=INSTANCE) == 0


@pytest.fixture(scope="module")
async def tokenless(database_url, evolution, tmp_path_factory):
    base = Settings(database_url=database_url, data_dir=tmp_path_factory.mktemp("tokenless"), knowledge_dir=PROJECT_ROOT / "knowledge")
    async for running in running_service(service_settings(base, evolution), ShiftedClock()):
        yield running


async def test_without_a_token_loopback_may_scrape(tokenless):
    response = await tokenless.http.get(tokenless.url + "/metrics")
    assert response.status_code == 200
    assert "tatame_database_up 1.0" in response.text
    assert "tatame_llm_" not in response.text  # the offline engine makes no model calls


async def test_with_a_language_model_configured_its_calls_are_served(database_url, evolution, tmp_path):
    base = Settings(database_url=database_url, data_dir=tmp_path, knowledge_dir=PROJECT_ROOT / "knowledge", openai_api_key="unused")
    async for running in running_service(service_settings(base, evolution), ShiftedClock()):
        families = {family.name for family in text_string_to_metric_families((await running.http.get(running.url + "/metrics")).text)}
        assert {"tatame_llm_calls", "tatame_llm_tokens", "tatame_llm_cost_usd"} <= families


@pytest.mark.parametrize("header", ["x-forwarded-for", "forwarded", "x-real-ip"])
async def test_without_a_token_a_request_a_proxy_forwarded_is_refused(tokenless, header):
    response = await tokenless.http.get(tokenless.url + "/metrics", headers={header: "203.0.113.9"})
    assert response.status_code == 403
    assert "tatame_" not in response.text


async def test_model_calls_are_read_from_the_ledger_by_model_decision_and_outcome(container):
    """What `/metrics` serves with a language model: the ledger's calls, summed, whichever process made them."""
    async with container() as request:
        tenant = await (await request.get(UnitOfWork)).tenants.by_slug("ct-exemplo")
    assert tenant is not None
    model, usage = f"model-{uuid.uuid4().hex[:8]}", await container.get(ModelUsage)
    for outcome, tokens, cost in [
        ("ok", Tokens(prompt=700, cached=100, completion=50), Decimal("0.0002")),
        ("ok", Tokens(prompt=300, completion=30), Decimal("0.0001")),
        ("timeout", Tokens(), None),
    ]:
        await usage.record(
            ModelCall(
                tenant_id=tenant.id,
                conversation_id=None,
                message_id=None,
                decision="faq_answer",
                model=model,
                tokens=tokens,
                latency_ms=900,
                outcome=outcome,
                cost_usd=cost,
                price_version="test",
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    rows = [row for row in await (await container.get(PostgresMetrics)).model_calls() if row.model == model]
    registry = CollectorRegistry()
    registry.register(StoredFigures(outbox=[], calls=rows))
    found = samples(generate_latest(registry).decode())

    assert value(found, "tatame_llm_calls_total", model=model, decision="faq_answer", outcome="ok") == 2
    assert value(found, "tatame_llm_calls_total", model=model, decision="faq_answer", outcome="failed") == 1
    assert value(found, "tatame_llm_tokens_total", model=model, decision="faq_answer", kind="prompt") == 1000
    assert value(found, "tatame_llm_tokens_total", model=model, decision="faq_answer", kind="cached") == 100
    assert value(found, "tatame_llm_tokens_total", model=model, decision="faq_answer", kind="completion") == 80
    assert value(found, "tatame_llm_cost_usd_total", model=model, decision="faq_answer") == pytest.approx(0.0003)
