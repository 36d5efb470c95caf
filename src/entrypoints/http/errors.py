import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException

log = structlog.get_logger(__name__)

# Enough to name the field at fault and show the start of its value. A reason quotes what the
# caller sent (an instance name, a field's value), and a caller may send megabytes of it.
MAX_DETAIL = 200


def capped(text: str, limit: int = MAX_DETAIL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def client_error(request: Request, error: HTTPException) -> Response[dict[str, object]]:
    """Every HTTP error a handler or Litestar raises (an unknown route's 404 too): its status and
    its reason, capped."""
    return Response(
        {"status_code": error.status_code, "detail": capped(error.detail)},
        status_code=error.status_code,
        headers=error.headers,
    )


def internal_error(request: Request, error: Exception) -> Response[dict[str, str]]:
    """Any failure no other handler claims: logged with its traceback, since Evolution retries a
    5xx and a failure nobody sees repeats forever. The log names the event, never its text or the
    member's phone; the answer names nothing, as a driver's error may name the database."""
    log.error(
        "request.failed",
        method=request.method,
        path=request.url.path,
        kind=request.state.get("event_kind"),
        message_id=request.state.get("message_id"),
        exc_info=error,
    )
    return Response({"detail": "internal error"}, status_code=500)
