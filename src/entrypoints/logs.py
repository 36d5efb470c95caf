import logging
import re
import sys

import structlog
from structlog.types import EventDict, WrappedLogger

# A phone number (10 to 15 digits, as WhatsApp's JIDs and our own `Phone` write them, maybe with a
# "+") anywhere in a value: whatever logged it, only its last 4 digits reach the log.
_PHONE = re.compile(r"(?<!\d)\+?\d{6,11}(\d{4})(?!\d)")


def _masked(value: object) -> object:
    if isinstance(value, str):
        return _PHONE.sub(r"***\1", value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(item) for item in value]
    return value


def mask_phones(logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
    """The members' phone numbers stay out of the logs, in our events and in the libraries' records
    (an error from the driver or from Evolution may quote one)."""
    return {key: _masked(value) for key, value in event.items()}


# What every line carries, whether it was logged through structlog (ours) or through the standard
# library (alembic, httpx, uvicorn, asyncio ...).
_SHARED: list[structlog.types.Processor] = [
    # The turn's tenant, conversation and message, bound where a turn starts.
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso"),
]


def configure_logging(level: str) -> None:
    """JSON lines on stderr (stdout belongs to the conversation in `tatame chat`), one per event,
    tracebacks included. Our events and the libraries' records go through one handler, so a log
    shipper reads every line the same way and lines from two sources never interleave."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_SHARED,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                mask_phones,  # after the traceback is text: it may quote a number too
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
