import uuid

from dishka import FromDishka
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from application.cancel_trial_class_by_staff import CancelTrialClassByStaff
from application.clock import Clock
from application.export_trial_classes import ExportTrialClasses
from application.list_trial_classes import ListTrialClasses
from application.mark_trial_class_attendance import MarkTrialClassAttendance
from entrypoints.http.dashboard.session import PREFIX, staff

_BACK = f"{PREFIX}/aulas"


class TrialClassesController(Controller):
    """The tenant's upcoming trial classes by day and class, with what staff can do with each. The
    tenant is the signed-in user's: another tenant's class id is a 404."""

    path = "/aulas"

    @get("/")
    async def page(self, request: Request, listing: FromDishka[ListTrialClasses], clock: FromDishka[Clock]) -> Template:
        identity = staff(request)
        schedule = await listing.execute(identity.tenant_id)
        return Template(
            "trial_classes.html", context={"schedule": schedule, "staff": identity, "now": clock.now(), "page": "trial_classes"}
        )

    @post("/{trial_class_id:uuid}/compareceu", status_code=303)
    async def attended(
        self, request: Request, trial_class_id: FromPath[uuid.UUID], action: FromDishka[MarkTrialClassAttendance]
    ) -> Redirect:
        identity = staff(request)
        await action.execute(identity.tenant_id, trial_class_id, attended=True, actor=identity.email)
        return Redirect(_BACK, status_code=303)

    @post("/{trial_class_id:uuid}/faltou", status_code=303)
    async def no_show(
        self, request: Request, trial_class_id: FromPath[uuid.UUID], action: FromDishka[MarkTrialClassAttendance]
    ) -> Redirect:
        identity = staff(request)
        await action.execute(identity.tenant_id, trial_class_id, attended=False, actor=identity.email)
        return Redirect(_BACK, status_code=303)

    @post("/{trial_class_id:uuid}/cancelar", status_code=303)
    async def cancel(self, request: Request, trial_class_id: FromPath[uuid.UUID], action: FromDishka[CancelTrialClassByStaff]) -> Redirect:
        identity = staff(request)
        await action.execute(identity.tenant_id, trial_class_id, actor=identity.email)
        return Redirect(_BACK, status_code=303)


class TrialClassesExportController(Controller):
    path = "/aulas.csv"

    @get("/")
    async def export(self, request: Request, export: FromDishka[ExportTrialClasses]) -> Response[str]:
        text = await export.execute(staff(request).tenant_id)
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="aulas-experimentais.csv"'},
        )
