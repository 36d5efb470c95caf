"""The turn worker: answers due conversations and delivers the outbox. Runs inside `tatame serve`
and as `tatame worker`; any number of them share the work through the database."""

import asyncio
import uuid

import structlog
from dishka import AsyncContainer

from application.claim_due_conversations import ClaimDueConversations
from application.deliver_outbox import DeliverOutbox
from application.handle_turn import HandleTurn, TurnResult
from entrypoints.requests import in_request

log = structlog.get_logger(__name__)


async def _turn(container: AsyncContainer, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> None:
    async def turn(request: AsyncContainer) -> TurnResult | None:
        return await (await request.get(HandleTurn)).execute(tenant_id, conversation_id)

    async def release(request: AsyncContainer) -> None:
        await (await request.get(ClaimDueConversations)).release(tenant_id, conversation_id)

    try:
        result = await in_request(container, turn)
    except Exception:
        # The lease brings the conversation back later; one bad turn must not stop the worker.
        log.exception("turn.failed", conversation=str(conversation_id))
        return
    if result is None:
        await in_request(container, release)
    else:
        log.info("turn.done", conversation=str(conversation_id), route=str(result.route), handled=result.handled)


async def _deliver(container: AsyncContainer, channel_kind: str) -> int:
    async def deliver(request: AsyncContainer) -> int:
        return await (await request.get(DeliverOutbox)).execute(channel_kind)

    return await in_request(container, deliver)


async def _answer(container: AsyncContainer, tenant_id: uuid.UUID, conversation_id: uuid.UUID, channel_kind: str) -> None:
    await _turn(container, tenant_id, conversation_id)
    # Send right away rather than after the whole round: a member waits on this reply.
    await _deliver(container, channel_kind)


async def work_once(container: AsyncContainer, batch: int = 8, channel_kind: str = "evolution") -> bool:
    """One round: the due conversations side by side (their database waits overlap), each reply
    sent as soon as it is decided, then whatever else is due (retries). Returns whether there
    was anything to do."""

    async def claim(request: AsyncContainer):
        return await (await request.get(ClaimDueConversations)).execute(batch, channel_kind)

    claimed = await in_request(container, claim)
    await asyncio.gather(*(_answer(container, tenant_id, conversation_id, channel_kind) for tenant_id, conversation_id in claimed))
    delivered = await _deliver(container, channel_kind)
    return bool(claimed or delivered)


async def run_worker(container: AsyncContainer, stop: asyncio.Event, poll: float) -> None:
    log.info("worker.started")
    while not stop.is_set():
        try:
            busy = await work_once(container)
        except Exception:
            log.exception("worker.round_failed")
            busy = False
        if not busy:
            try:
                await asyncio.wait_for(stop.wait(), poll)
            except TimeoutError:
                pass
    log.info("worker.stopped")
