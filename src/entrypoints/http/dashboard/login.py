from dishka import FromDishka
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from application.errors import LoginRefused, TooManyLoginAttempts
from application.log_in import LogIn
from application.log_out import LogOut
from entrypoints.http.dashboard.address import client_address
from entrypoints.http.dashboard.session import LOGIN, PREFIX, SESSION_COOKIE, CookiePolicy


def _form(message: str | None = None, email: str = "", status_code: int = 200) -> Template:
    return Template("login.html", context={"message": message, "email": email}, status_code=status_code)


class LoginController(Controller):
    """Sign in and out. The form is the only dashboard page reached without a session."""

    @get("/login")
    async def form(self, request: Request) -> Response | Template:
        if request.scope.get("user") is not None:
            return Redirect(f"{PREFIX}/", status_code=303)
        return _form()

    @post("/login", status_code=303)
    async def log_in(self, request: Request, log_in: FromDishka[LogIn], cookie_policy: FromDishka[CookiePolicy]) -> Response | Template:
        form = await request.form()
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        address = client_address(request.client.host if request.client else None, request.headers)
        try:
            signed_in = await log_in.execute(email, password, address)
        except TooManyLoginAttempts:
            return _form("Muitas tentativas erradas. Espere um minuto e tente de novo.", email, status_code=429)
        except LoginRefused:
            return _form("E-mail ou senha incorretos.", email, status_code=401)
        return Redirect(f"{PREFIX}/", status_code=303, cookies=[cookie_policy.session(signed_in.token)])

    @post("/logout", status_code=303)
    async def log_out(self, request: Request, log_out: FromDishka[LogOut], cookie_policy: FromDishka[CookiePolicy]) -> Response:
        if token := request.cookies.get(SESSION_COOKIE):
            await log_out.execute(token)
        return Redirect(LOGIN, status_code=303, cookies=[cookie_policy.cleared()])
