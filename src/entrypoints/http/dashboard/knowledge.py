from dishka import FromDishka
from litestar import Controller, Request, get, post
from litestar.exceptions import ValidationException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from application.list_sections import ListSections
from application.read_section import ReadSection
from application.reindex_knowledge import ReindexKnowledge
from application.try_question import TryQuestion
from entrypoints.http.dashboard.session import PREFIX, staff


class KnowledgeController(Controller):
    """The tenant's knowledge base as indexed, one section at a time, a question tried against it
    (nothing is sent) and a re-index. Another tenant's section key is a 404."""

    path = "/conhecimento"

    async def _page(self, request: Request, sections: ListSections, **extra: object) -> Template:
        identity = staff(request)
        context = {"sections": await sections.execute(identity.tenant_id), "staff": identity, "page": "knowledge", **extra}
        return Template("knowledge.html", context=context)

    @get("/")
    async def page(self, request: Request, sections: FromDishka[ListSections]) -> Template:
        report = {k: request.query_params.get(k) for k in ("indexadas", "iguais", "removidas")}
        return await self._page(request, sections, report=report if all(v and v.isdigit() for v in report.values()) else None)

    # A key is "tenant/file#heading": the rest of the path, its "#" percent-encoded in the link.
    @get("/secoes/{key:path}")
    async def section(self, request: Request, key: FromPath[str], read: FromDishka[ReadSection]) -> Template:
        identity = staff(request)
        found = await read.execute(identity.tenant_id, key.lstrip("/"))
        return Template("section.html", context={"section": found, "staff": identity, "page": "knowledge"})

    @post("/testar", status_code=200)
    async def try_question(self, request: Request, sections: FromDishka[ListSections], trial: FromDishka[TryQuestion]) -> Template:
        question = str((await request.form()).get("pergunta", "")).strip()
        if not question:
            raise ValidationException("Escreva a pergunta antes de testar.")
        result = await trial.execute(staff(request).tenant_id, question)
        return await self._page(request, sections, question=question, trial=result)

    @post("/reindexar", status_code=303)
    async def reindex(self, request: Request, action: FromDishka[ReindexKnowledge]) -> Redirect:
        report = await action.execute(staff(request).tenant_id)
        return Redirect(
            f"{PREFIX}/conhecimento?indexadas={report.indexed}&iguais={report.unchanged}&removidas={report.removed}", status_code=303
        )
