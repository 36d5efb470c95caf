import hmac
import time
from collections.abc import Mapping

import jwt
from litestar.exceptions import NotAuthorizedException

SECRET_HEADER = "x-webhook-secret"
# Evolution 2.3 signs a token for each event it posts (WebhookController.generateJwtToken):
# HS256 over {iat: now, exp: now + 600, app: "evolution", action: "webhook"}. A token that lives
# longer was not made by Evolution; left unbounded, one leaked token would open the webhook for
# as long as it says (30 years was accepted).
MAX_TOKEN_LIFETIME = 600
# Evolution's clock and ours may disagree this much (seconds) on iat and exp.
CLOCK_SKEW = 60
# Evolution retries a failed post with the token it signed for the first attempt, for about 20
# minutes. After an outage of ours longer than the token's 10 minutes, refusing the expired token
# would drop those messages (Evolution does not retry a 401); replaying one changes nothing, as
# each message is stored once by its id.
RETRIED_TOKEN_GRACE = 30 * 60


def authenticate(headers: Mapping[str, str], secret: str) -> str | None:
    """Accepts the shared secret in `X-Webhook-Secret`, or Evolution's `Authorization: Bearer`
    HS256 JWT signed with it (its `jwt_key`), issued (iat) and expiring (exp) at most
    `MAX_TOKEN_LIFETIME` apart, and expired at most `RETRIED_TOKEN_GRACE` ago. The body's `apikey` is not a credential: it is often null and,
    when present, it is the instance's own token. Returns the instance the token names (its
    `instance` claim; Evolution's name none), which the caller holds the body to."""
    if not secret:
        raise NotAuthorizedException(detail="the service has no WEBHOOK_SECRET configured")
    given = headers.get(SECRET_HEADER)
    if given is not None:
        if hmac.compare_digest(given.encode(), secret.encode()):
            return None
        raise NotAuthorizedException(detail="wrong webhook secret")
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException(detail=f"missing credentials: send {SECRET_HEADER} or Authorization: Bearer <jwt>")
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["iat", "exp"], "verify_exp": False}, leeway=CLOCK_SKEW
        )
    except jwt.PyJWTError as error:
        raise NotAuthorizedException(detail=f"invalid token: {error}") from error
    if time.time() > int(claims["exp"]) + RETRIED_TOKEN_GRACE:
        raise NotAuthorizedException(detail="invalid token: it expired longer ago than Evolution retries")
    if int(claims["exp"]) - int(claims["iat"]) > MAX_TOKEN_LIFETIME:
        raise NotAuthorizedException(detail=f"invalid token: it lives longer than {MAX_TOKEN_LIFETIME} s (exp - iat)")
    instance = claims.get("instance")
    return None if instance is None else str(instance)
