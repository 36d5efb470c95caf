import hmac

import jwt
from litestar.exceptions import NotAuthorizedException

SECRET_HEADER = "x-webhook-secret"


def authenticate(headers: dict[str, str] | object, secret: str) -> None:
    """Accepts the shared secret in `X-Webhook-Secret`, or Evolution's `Authorization: Bearer`
    HS256 JWT signed with it (its `jwt_key`). The body's `apikey` is not a credential: it is often
    null and, when present, it is the instance's own token."""
    if not secret:
        raise NotAuthorizedException(detail="the service has no WEBHOOK_SECRET configured")
    given = headers.get(SECRET_HEADER)
    if given is not None:
        if hmac.compare_digest(given.encode(), secret.encode()):
            return
        raise NotAuthorizedException(detail="wrong webhook secret")
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException(detail=f"missing credentials: send {SECRET_HEADER} or Authorization: Bearer <jwt>")
    try:
        jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError as error:
        raise NotAuthorizedException(detail=f"invalid token: {error}") from error
