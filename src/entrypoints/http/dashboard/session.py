"""Who is signed in: the session cookie's token, looked up in the database by `AuthenticateStaff`.
Each dashboard request gets its own dishka request scope here (the webhook opens none)."""

import attrs
from dishka import AsyncContainer
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.response import Redirect
from litestar.types import ASGIApp, Receive, Scope, Send

from application.authenticate_staff import AuthenticateStaff
from application.staff_identity import StaffIdentity

SESSION_COOKIE = "tatame_session"
PREFIX = "/dashboard"
LOGIN = f"{PREFIX}/login"
# Reached without a session: the login form itself.
PUBLIC = frozenset({LOGIN})


@attrs.frozen
class CookiePolicy:
    secure: bool  # PUBLIC_URL is https
    max_age: int  # seconds, the session's lifetime

    def session(self, token: str) -> Cookie:
        return Cookie(key=SESSION_COOKIE, value=token, path=PREFIX, httponly=True, samesite="lax", secure=self.secure, max_age=self.max_age)

    def cleared(self) -> Cookie:
        return Cookie(key=SESSION_COOKIE, value="", path=PREFIX, httponly=True, samesite="lax", secure=self.secure, max_age=0)


def staff(request: Request) -> StaffIdentity:
    """The signed-in user of a request that passed `StaffSession`."""
    identity: StaffIdentity = request.scope["user"]
    return identity


def to_login(request: Request) -> Response:
    """htmx follows a redirect inside its request and would swap the login form into a fragment:
    it is told to load the login page instead."""
    if request.headers.get("hx-request"):
        return Response(content=b"", status_code=200, headers={"HX-Redirect": LOGIN})
    return Redirect(LOGIN, status_code=303)


class StaffSession:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        container: AsyncContainer = scope["litestar_app"].state.container
        request: Request = Request(scope, receive)
        async with container() as request_container:
            scope.setdefault("state", {})["dishka_container"] = request_container
            token = request.cookies.get(SESSION_COOKIE)
            identity = await (await request_container.get(AuthenticateStaff)).execute(token) if token else None
            if identity is None and scope["path"] not in PUBLIC:
                await to_login(request).to_asgi_response(app=None, request=request)(scope, receive, send)
                return
            scope["user"] = identity
            await self.app(scope, receive, send)
