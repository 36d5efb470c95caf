"""Deliveries that meet in the database at once: stores of several members in one group-commit
batch and across batches, repeated message ids, @lid aliases, and the worker's turns on the same
conversations. A valid delivery must never get a 5xx for what ran beside it, nor a turn fail for it:
PostgreSQL aborts one of two transactions that deadlock (a batch of stores and a turn meet on a
conversation's row and its messages in opposite orders), and the loser must be run again."""

import asyncio
import os
import random

import pytest
import structlog
from structlog.testing import capture_logs

from entrypoints.settings import Settings
from tests import PROJECT_ROOT
from tests.e2e.whatsapp import INSTANCE, SECRET, ShiftedClock, running_service, service_settings, text_message
from tests.fakes.evolution_server import FakeEvolution

# Before the fix the race met at the first iteration; 100 (about 35 s) keep the suite within its
# budget, and RACE_ITERATIONS=1000 hunts longer.
ITERATIONS = int(os.environ.get("RACE_ITERATIONS", "100"))
PHONES = [f"55119700050{n:02d}" for n in range(8)]


@pytest.fixture(scope="module")
def evolution():
    with FakeEvolution(instances={INSTANCE: "fake-instance-token"}) as server:
        yield server


@pytest.fixture(scope="module")
async def service(database_url, evolution, tmp_path_factory):
    base = Settings(database_url=database_url, data_dir=tmp_path_factory.mktemp("race"), knowledge_dir=PROJECT_ROOT / "knowledge")
    # No buffer window: the worker takes a turn on a conversation while its next messages arrive.
    changes = dict(buffer_window=0.0, buffer_max=0.0, worker_poll=0.005)
    async for running in running_service(service_settings(base, evolution, **changes), ShiftedClock()):
        yield running


def _delivery(phone: str, message_id: str, lid: str | None) -> dict:
    body = text_message(phone, "oi", message_id=message_id)
    if lid is not None:  # 2.3.6: the @lid in remoteJid, the phone in remoteJidAlt
        body["data"]["key"].update(remoteJid=lid, remoteJidAlt=f"{phone}@s.whatsapp.net")
    return body


async def _post(service, body: dict):
    # A slow answer is not what this test is about: the machine may be busy with other work.
    headers = {"x-webhook-secret": SECRET}
    return await service.http.post(service.url + "/webhooks/evolution", json=body, headers=headers, timeout=60)


async def test_concurrent_deliveries_never_fail(service):
    random_ = random.Random(4)  # the same interleavings on every run; the timing varies anyway
    # The worker's lines too: it runs in this process. Tracebacks rendered, for the failure's message.
    with capture_logs(processors=[structlog.processors.format_exc_info]) as logs:
        for iteration in range(ITERATIONS):
            # A few ids shared by several members and sent twice, in different orders, so that two
            # batches in flight write the same message keys and the same members in opposite orders.
            ids = [f"RACE{iteration:04d}{n}" for n in range(4)]
            bodies = []
            for _ in range(32):
                phone = random_.choice(PHONES)
                lid = f"{random_.choice([1, 2, 3])}0000000000000@lid" if random_.random() < 0.3 else None
                bodies.append(_delivery(phone, random_.choice(ids), lid))
            responses = await asyncio.gather(*(_post(service, body) for body in bodies))
            failures = [(r.status_code, r.text) for r in responses if r.status_code >= 500]
            assert failures == [], f"iteration {iteration}"
    assert [entry for entry in logs if entry["log_level"] in {"error", "critical"}] == []
