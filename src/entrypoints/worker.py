"""The turn worker: answers due conversations and delivers the outbox. Runs inside `tatame serve`
and as `tatame worker`; any number of them share the work through the database."""

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import attrs
import structlog
from dishka import AsyncContainer

from application.apply_retention import ApplyRetention
from application.claim_due_conversations import ClaimDueConversations
from application.clock import Clock
from application.deliver_outbox import DeliverOutbox
from application.errors import StorageUnavailable
from application.gateway import Gateways
from application.handle_turn import HandleTurn, TurnResult
from application.model_usage import ModelUsage
from application.unit_of_work import UnitOfWork
from application.usage_stats import Engine, engine_of
from domain.channel import ChannelKind
from entrypoints.outage import Backoff
from entrypoints.process_metrics import process_metrics
from entrypoints.requests import in_request
from entrypoints.settings import Settings

T = TypeVar("T")
log = structlog.get_logger(__name__)


async def _in_request(container: AsyncContainer, action: Callable[[AsyncContainer], Awaitable[T]]) -> T:
    # No retry of an outage within a round: the round ends at once, and `run_rounds` waits, still
    # listening for the order to stop. A deadlock with a webhook's store is run again at once: the
    # store got through, and the member's reply should not wait for the lease to end.
    return await in_request(container, action, attempts=1)


async def _turn(container: AsyncContainer, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> None:
    async def turn(request: AsyncContainer) -> TurnResult | None:
        return await (await request.get(HandleTurn)).execute(tenant_id, conversation_id)

    async def release(request: AsyncContainer) -> None:
        await (await request.get(ClaimDueConversations)).release(tenant_id, conversation_id)

    started, started_at = time.monotonic(), time.time()
    with structlog.contextvars.bound_contextvars(tenant=str(tenant_id), conversation=str(conversation_id)):
        try:
            result = await _in_request(container, turn)
        except StorageUnavailable:
            raise  # the round's outage, not this turn's fault
        except Exception:
            # The lease brings the conversation back later; one bad turn must not stop the worker.
            log.exception("turn.failed")
            return
        if result is None:
            await _in_request(container, release)
        else:
            log.info("turn.done", route=str(result.route), handled=result.handled)
            await _count_turn(container, tenant_id, conversation_id, result, time.monotonic() - started, started_at)


async def _count_turn(
    container: AsyncContainer, tenant_id: uuid.UUID, conversation_id: uuid.UUID, result: TurnResult, seconds: float, started_at: float
) -> None:
    """The turn's figures for `/metrics`. Its engine is read from the ledger, as `tatame stats`
    reads it: the calls are recorded by whichever decision made them, not returned with the turn."""
    engine = Engine.OFFLINE
    if (await container.get(Settings)).engine == "openai":
        try:
            calls = await (await container.get(ModelUsage)).latest_turn_calls(tenant_id, conversation_id)
        except Exception as error:
            # The turn is done and committed: its figures are not worth failing the round.
            log.warning("metrics.turn_not_counted", error=f"{type(error).__name__}: {error}")
            return
        engine = engine_of([call.outcome for call in calls])
    metrics = process_metrics()
    metrics.turns.labels(route=str(result.route), engine=str(engine)).inc()
    metrics.turn_seconds.labels(route=str(result.route)).observe(seconds)
    # The burst's first message carries the member's phone's clock, which may run ahead of ours.
    metrics.buffer_wait_seconds.observe(max(0.0, started_at - result.burst_started_at.timestamp()))


async def _deliver(container: AsyncContainer, channel_kind: str) -> int:
    async def deliver(request: AsyncContainer) -> int:
        return await (await request.get(DeliverOutbox)).execute(channel_kind)

    return await _in_request(container, deliver)


async def _answer(container: AsyncContainer, tenant_id: uuid.UUID, conversation_id: uuid.UUID, channel_kind: str) -> None:
    await _turn(container, tenant_id, conversation_id)
    # Send right away rather than after the whole round: a member waits on this reply.
    await _deliver(container, channel_kind)


async def work_once(container: AsyncContainer, batch: int = 8) -> bool:
    """One round for every channel kind this process holds a gateway for (see `Gateways`).
    Returns whether there was anything to do."""
    busy = False
    for kind in (await container.get(Gateways)).kinds:
        busy = await _work_kind(container, batch, kind) or busy
    return busy


async def _work_kind(container: AsyncContainer, batch: int, channel_kind: ChannelKind) -> bool:
    """The due conversations of `channel_kind` side by side (their database waits overlap), each
    reply sent as soon as it is decided, then whatever else is due (retries)."""

    async def claim(request: AsyncContainer):
        return await (await request.get(ClaimDueConversations)).execute(batch, channel_kind)

    claimed = await _in_request(container, claim)
    # Every turn ends before the round does, even when one meets an outage: the worker stops (and
    # closes the container) only between rounds.
    answered = await asyncio.gather(
        *(_answer(container, tenant_id, conversation_id, channel_kind) for tenant_id, conversation_id in claimed),
        return_exceptions=True,
    )
    for outcome in answered:
        if isinstance(outcome, BaseException):
            raise outcome
    delivered = await _deliver(container, channel_kind)
    return bool(claimed or delivered)


@attrs.define
class DailyRetention:
    """Deletes the conversations inactive for `days`, on the worker's first round and then once a
    day. Every worker process does it: the deletion is idempotent, so the others find nothing left."""

    days: int
    next_run: float = 0.0  # time.monotonic()

    async def __call__(self, container: AsyncContainer) -> None:
        if time.monotonic() < self.next_run:
            return
        # Scheduled before it runs: a failed run is logged with its round and tried again tomorrow,
        # not every round in between.
        self.next_run = time.monotonic() + dt.timedelta(days=1).total_seconds()

        async def apply(request: AsyncContainer):
            retention = ApplyRetention(await request.get(UnitOfWork), await request.get(Clock), dt.timedelta(days=self.days))
            return await retention.execute()

        for erasure in await _in_request(container, apply):
            log.info("retention.done", tenant=str(erasure.tenant_id), conversations=erasure.conversations, messages=erasure.messages)


async def run_worker(
    container: AsyncContainer,
    stop: asyncio.Event,
    poll: float,
    first: Callable[[AsyncContainer], Awaitable[None]] | None = None,
    retention_days: int | None = None,
) -> None:
    """Rounds until `stop` is set. `first` (the migration, for a worker started on its own) runs
    before the first round and, like a round, waits out an outage instead of ending the worker.
    With `retention_days`, old conversations are deleted once a day (`DailyRetention`)."""
    retention = DailyRetention(retention_days) if retention_days else None

    async def work() -> bool:
        nonlocal first
        if first is not None:
            await first(container)
            first = None
        if retention is not None:
            await retention(container)
        return await work_once(container)

    await run_rounds(work, stop, poll, Backoff())


async def run_rounds(work: Callable[[], Awaitable[bool]], stop: asyncio.Event, poll: float, backoff: Backoff) -> None:
    """Runs `work` until `stop` is set: again at once while it finds something to do, after `poll`
    seconds when it does not, and after `backoff`'s growing wait while the database is
    unavailable. A wait ends as soon as `stop` is set; a round in hand is finished."""
    log.info("worker.started")
    while not stop.is_set():
        try:
            busy = await work()
        except StorageUnavailable as error:
            wait = backoff.failed()
            # The traceback once per outage: it names the cause, the next attempts only repeat it.
            log.warning(
                "worker.storage_unavailable",
                failures=backoff.failures,
                retry_in=wait,
                **({"exc_info": error} if backoff.failures == 1 else {"error": str(error)}),
            )
        except Exception:
            log.exception("worker.round_failed")
            wait = poll
        else:
            if failures := backoff.succeeded():
                log.warning("worker.storage_recovered", failures=failures)
            wait = 0.0 if busy else poll
        if wait:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
    log.info("worker.stopped")
