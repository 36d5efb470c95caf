from litestar import Request, Response
from litestar.exceptions import HTTPException

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
