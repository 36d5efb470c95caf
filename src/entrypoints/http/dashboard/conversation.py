import uuid

from dishka import FromDishka
from litestar import Controller, Request, get, post
from litestar.exceptions import ValidationException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from application.clock import Clock
from application.close_conversation import CloseConversation
from application.hand_back_to_bot import HandBackToBot
from application.reply_as_staff import ReplyAsStaff
from application.resolve_escalation import ResolveEscalation
from application.show_conversation import ShowConversation
from application.take_over_conversation import TakeOverConversation
from entrypoints.http.dashboard.session import PREFIX, staff


def _back(conversation_id: uuid.UUID) -> Redirect:
    """Post, then redirect: a reload does not repeat the action."""
    return Redirect(f"{PREFIX}/conversas/{conversation_id}", status_code=303)


class ConversationController(Controller):
    """One conversation: its transcript (refreshing itself) and what staff can do with it. The
    conversation is looked up in the signed-in user's tenant only: another tenant's id is a 404."""

    path = "/conversas/{conversation_id:uuid}"

    async def _context(
        self, request: Request, conversation_id: FromPath[uuid.UUID], show: ShowConversation, clock: Clock
    ) -> dict[str, object]:
        identity = staff(request)
        transcript = await show.execute(identity, conversation_id)
        return {"transcript": transcript, "staff": identity, "now": clock.now(), "page": "conversation"}

    @get("/")
    async def page(
        self, request: Request, conversation_id: FromPath[uuid.UUID], show: FromDishka[ShowConversation], clock: FromDishka[Clock]
    ) -> Template:
        return Template("conversation.html", context=await self._context(request, conversation_id, show, clock))

    @get("/mensagens")
    async def lines(
        self, request: Request, conversation_id: FromPath[uuid.UUID], show: FromDishka[ShowConversation], clock: FromDishka[Clock]
    ) -> Template:
        return Template("transcript.html", context=await self._context(request, conversation_id, show, clock))

    @post("/assumir", status_code=303)
    async def take_over(self, request: Request, conversation_id: FromPath[uuid.UUID], action: FromDishka[TakeOverConversation]) -> Redirect:
        await action.execute(staff(request), conversation_id)
        return _back(conversation_id)

    @post("/responder", status_code=303)
    async def reply(self, request: Request, conversation_id: FromPath[uuid.UUID], action: FromDishka[ReplyAsStaff]) -> Redirect:
        text = str((await request.form()).get("texto", "")).strip()
        if not text:
            raise ValidationException("Escreva a mensagem antes de enviar.")
        await action.execute(staff(request), conversation_id, text)
        return _back(conversation_id)

    @post("/devolver", status_code=303)
    async def hand_back(self, request: Request, conversation_id: FromPath[uuid.UUID], action: FromDishka[HandBackToBot]) -> Redirect:
        await action.execute(staff(request), conversation_id)
        return _back(conversation_id)

    @post("/resolver", status_code=303)
    async def resolve(self, request: Request, conversation_id: FromPath[uuid.UUID], action: FromDishka[ResolveEscalation]) -> Redirect:
        await action.execute(staff(request), conversation_id)
        return _back(conversation_id)

    @post("/encerrar", status_code=303)
    async def close(self, request: Request, conversation_id: FromPath[uuid.UUID], action: FromDishka[CloseConversation]) -> Redirect:
        await action.execute(staff(request), conversation_id)
        return _back(conversation_id)
