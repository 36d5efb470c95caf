from dishka import AsyncContainer
from litestar import Request, post
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException

from adapters.evolution.events import (
    ConnectionUpdate,
    DeliveryUpdate,
    Ignored,
    InboundMedia,
    InboundText,
    OwnMessage,
    WebhookEvent,
)
from adapters.evolution.parsing import MalformedWebhook, parse_body
from application.errors import UnknownChannel
from application.inbox import ChannelDirectory, InboundMessage
from application.receive_message import ReceiveMessage
from application.record_channel_event import RecordChannelEvent
from application.record_own_message import OwnMessage as OwnMessageIn
from application.record_own_message import RecordOwnMessage
from domain.channel import ChannelKind
from domain.phone import Phone
from entrypoints.http.auth import authenticate
from entrypoints.process_metrics import process_metrics
from entrypoints.settings import Settings


def _phone(value: str) -> Phone:
    try:
        return Phone(value)
    except ValueError as error:
        raise ClientException(detail=f"unusable phone number: {error}") from error


def _aliases(event: InboundText | InboundMedia | OwnMessage) -> tuple[str, ...]:
    """WhatsApp's @lid alias, when it named one beside the number: another address of the member."""
    return (event.lid,) if event.lid is not None and event.lid != event.address else ()


def _event(raw: bytes) -> WebhookEvent:
    try:
        return parse_body(raw)
    except MalformedWebhook as error:
        raise ClientException(detail=f"not an Evolution webhook event: {error}") from error


async def _check_takes_webhooks(container: AsyncContainer, instance: str) -> None:
    """The instance names the channel, and the channel its tenant. Only enabled Evolution
    channels are fed by this webhook: the terminal channel (`cli:<tenant>`) has no one to answer
    it here, and a disabled channel takes nothing (`tatame channels disable`)."""
    channel = await (await container.get(ChannelDirectory)).find(instance)
    if channel is None:
        raise NotFoundException(detail=f"unknown instance {instance!r}: no channel of that name (`tatame channels add`)")
    if channel.kind != ChannelKind.EVOLUTION:
        raise NotFoundException(detail=f"instance {instance!r} is a {channel.kind} channel, not an Evolution instance")
    if not channel.enabled:
        raise NotFoundException(detail=f"instance {instance!r} is disabled")


# Evolution posts to <url>/<event-name> when webhooks go "by events"; the suffix carries nothing
# the body does not.
@post(["/webhooks/evolution", "/webhooks/evolution/{event_name:str}"], status_code=200)
async def evolution_webhook(request: Request) -> dict[str, str]:
    """Stores what Evolution reports and answers at once; replies are computed later by the worker.
    Member messages, nearly all the traffic, need no unit of work, so they are served from the
    app's container; the other events open a request scope for theirs only when they come."""
    container: AsyncContainer = request.app.state.container
    token_instance = authenticate(request.headers, (await container.get(Settings)).webhook_secret or "")
    event = _event(await request.body())
    # For the log of a failure (`errors.internal_error`): which event it was, not what it said.
    request.state.event_kind = type(event).__name__
    request.state.message_id = getattr(event, "message_id", None)
    if token_instance is not None and event.instance != token_instance:
        raise PermissionDeniedException(detail="the token was issued for another instance")
    if not isinstance(event, Ignored):
        await _check_takes_webhooks(container, event.instance)
    try:
        match event:
            case Ignored(reason=reason):
                return {"result": "ignored", "reason": reason}
            case InboundText() | InboundMedia():
                received = await (await container.get(ReceiveMessage)).execute(
                    InboundMessage(
                        channel=event.instance,
                        sender=_phone(event.phone),
                        text=event.text if isinstance(event, InboundText) else None,
                        media=event.kind if isinstance(event, InboundMedia) else None,
                        channel_message_id=event.message_id,
                        sent_at=event.timestamp,
                        sender_name=event.push_name,
                        address=event.address,
                        aliases=_aliases(event),
                    )
                )
                if received.stored:
                    process_metrics().messages_received.labels(channel=event.instance).inc()
                return {"result": "stored" if received.stored else "duplicate"}
            case OwnMessage():
                async with container() as scope:
                    outcome = await (await scope.get(RecordOwnMessage)).execute(
                        OwnMessageIn(
                            channel=event.instance,
                            recipient=_phone(event.phone),
                            text=event.text,
                            channel_message_id=event.message_id,
                            sent_at=event.timestamp,
                            address=event.address,
                            aliases=_aliases(event),
                        )
                    )
                return {"result": str(outcome)}
            case DeliveryUpdate():
                async with container() as scope:
                    known = await (await scope.get(RecordChannelEvent)).delivery(event.instance, event.message_id, str(event.status))
                return {"result": "recorded" if known else "ignored", "reason": "" if known else "not a message of ours"}
            case ConnectionUpdate():
                async with container() as scope:
                    await (await scope.get(RecordChannelEvent)).connection(event.instance, event.state)
                return {"result": "recorded"}
    except UnknownChannel as error:
        raise NotFoundException(detail=f"unknown instance: {error}") from error
    raise ClientException(detail=f"unhandled event {type(event).__name__}")
