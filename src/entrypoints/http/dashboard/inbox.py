from dishka import FromDishka
from litestar import Controller, Request, get
from litestar.response import Template

from application.clock import Clock
from application.show_inbox import ShowInbox
from entrypoints.http.dashboard.session import staff


class InboxController(Controller):
    """The conversations, those waiting for staff first. The list refreshes itself (htmx polls the
    fragment, which carries the page title with the count of those waiting)."""

    async def _context(self, request: Request, show: ShowInbox, clock: Clock) -> dict[str, object]:
        identity = staff(request)
        return {"inbox": await show.execute(identity), "staff": identity, "now": clock.now(), "page": "inbox"}

    @get("/")
    async def page(self, request: Request, show: FromDishka[ShowInbox], clock: FromDishka[Clock]) -> Template:
        return Template("inbox.html", context=await self._context(request, show, clock))

    @get("/fragmentos/conversas")
    async def rows(self, request: Request, show: FromDishka[ShowInbox], clock: FromDishka[Clock]) -> Template:
        return Template("inbox_fragment.html", context=await self._context(request, show, clock))
