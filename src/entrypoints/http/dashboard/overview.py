from dishka import FromDishka
from litestar import Controller, Request, get
from litestar.response import Template
from markupsafe import Markup

from application.report_overview import Overview, ReportOverview
from entrypoints.http.dashboard.formatting import ROUTE
from entrypoints.http.dashboard.session import staff
from entrypoints.http.dashboard_charts import Series, bar_chart

DAYS = 14


def _charts(overview: Overview) -> dict[str, Markup]:
    # bar_chart escapes every text it draws: its SVG is safe to put in the page as is.
    days = [f"{d.day:%d/%m}" for d in overview.messages]
    messages = bar_chart(
        "Mensagens por dia",
        days,
        [Series("recebidas", [d.inbound for d in overview.messages]), Series("enviadas", [d.outbound for d in overview.messages])],
        chart_id="chart-messages",
    )
    charts = {"messages": Markup(messages)}
    if overview.turns_by_route:
        routes = bar_chart(
            "Mensagens por caminho",
            [ROUTE.get(r, r) for r in overview.turns_by_route],
            [Series("mensagens", list(overview.turns_by_route.values()))],
            chart_id="chart-routes",
        )
        charts["routes"] = Markup(routes)
    return charts


class OverviewController(Controller):
    """What the bot and staff did for the tenant over its last days."""

    path = "/visao-geral"

    @get("/")
    async def page(self, request: Request, report: FromDishka[ReportOverview]) -> Template:
        identity = staff(request)
        overview = await report.execute(identity.tenant_id, DAYS)
        return Template("overview.html", context={"overview": overview, "charts": _charts(overview), "staff": identity, "page": "overview"})
