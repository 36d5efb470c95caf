import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal

import attrs
import structlog
from dishka import AsyncContainer
from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Receive, Scope, Send

from application.errors import StorageUnavailable
from application.gateway import Gateways
from application.report_backlog import Backlog, ReportBacklog
from application.report_channels import ReportChannels
from application.report_model_health import ReportModelHealth
from entrypoints.http.dashboard import dashboard_routers, template_config
from entrypoints.http.errors import client_error, internal_error
from entrypoints.http.metrics import metrics
from entrypoints.http.webhook import evolution_webhook
from entrypoints.http.webhook_status import CountWebhookResponses
from entrypoints.settings import Settings

log = structlog.get_logger(__name__)

_SLASHES = re.compile(r"/{2,}")


@get("/health")
async def health(request: Request) -> Response[dict[str, object]]:
    """200 while the database answers, with what members are owed on every channel kind this
    service answers ("behind" when something is late: no worker runs, or Evolution refuses
    sends); 503 when it does not. Anyone who reaches the port may ask, so the driver's error,
    which names the database and its host, goes to the log."""
    container: AsyncContainer = request.app.state.container
    try:
        async with container() as scope:
            report = await scope.get(ReportBacklog)
            backlog = sum([await report.execute(kind) for kind in (await scope.get(Gateways)).kinds], Backlog())
            down = await (await scope.get(ReportChannels)).down()
    except Exception as error:
        log.warning("health.unhealthy", error=f"{type(error).__name__}: {error}")
        return Response({"status": "unhealthy", "reason": "database unavailable"}, status_code=503)
    # A number that is down is a center whose members get no reply: worse than "behind", though the
    # service itself is up (200), so a monitor reading `status` notices it.
    status = "channel_down" if down else "behind" if backlog.behind else "ok"
    return Response(
        {
            "status": status,
            "backlog": attrs.asdict(backlog),
            "channels_down": [
                {"channel": channel.name, "state": channel.state, "since": channel.since.isoformat() if channel.since else None}
                for channel in down
            ],
            "llm": await _model_health(container),
        }
    )


async def _model_health(container: AsyncContainer) -> dict[str, object]:
    """The members are answered whatever the model does (the offline engine steps in), so the
    model's side of health never fails the check: when it cannot be read, it says so."""
    try:
        health = await (await container.get(ReportModelHealth)).execute()
    except Exception as error:
        log.warning("health.llm_unknown", error=f"{type(error).__name__}: {error}")
        return {"status": "unknown"}
    report: dict[str, object] = {"engine": "offline" if health.model is None else "openai"}
    if health.circuit is not None:
        report |= {"model": health.model, "circuit": str(health.circuit.state)}
        if health.circuit.until is not None:
            report["circuit_until"] = health.circuit.until.isoformat()
    report["budget_alerts"] = [
        {
            "tenant": alert.tenant,
            "threshold": alert.threshold,
            "spent": _number(alert.spent),
            "ceiling": _number(alert.ceiling),
            "unit": alert.unit,
            "at": alert.created_at.isoformat(),
        }
        for alert in health.budget_alerts
    ]
    return report


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")  # 20, not 20.0000000000 nor 2E+1


def _storage_unavailable(request: Request, error: StorageUnavailable) -> Response[dict[str, str]]:
    # Evolution retries a 5xx with backoff, so an outage costs time, not messages. The outage is
    # the worker's and /health's to report: a line per refused webhook would flood the log.
    return Response({"detail": "storage unavailable, retry later"}, status_code=503)


class CollapseSlashes:
    """`<url>/` plus Evolution's `/messages-upsert` makes `//`; route it as one slash."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "//" in scope["path"]:
            path = _SLASHES.sub("/", scope["path"])
            scope = {**scope, "path": path, "raw_path": path.encode()}  # type: ignore[assignment]  # a TypedDict copied
        await self.app(scope, receive, send)


def make_app(container: AsyncContainer, on_close: Callable[[], Awaitable[None]] | None = None, settings: Settings | None = None) -> ASGIApp:
    """The webhook service and the staff dashboard; turns run elsewhere (the worker). The lifespan
    closes the container, then calls `on_close` (what the caller opened for it). `settings` shape
    the dashboard's cookies and CSRF secret (None: the defaults)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await container.close()
            if on_close:
                await on_close()

    app = Litestar(
        route_handlers=[evolution_webhook, health, metrics, *dashboard_routers(settings or Settings())],
        template_config=template_config(),
        lifespan=[lifespan],
        exception_handlers={
            HTTPException: client_error,
            StorageUnavailable: _storage_unavailable,
            Exception: internal_error,
        },
        # No /schema (OpenAPI, Swagger, ReDoc ...): the service has one caller, Evolution, and an
        # API explorer on a public port maps it for everyone else (and loads scripts from a CDN).
        openapi_config=None,
        # Litestar would replace the root logger's handler with its own text format; the
        # entrypoint configured JSON lines (entrypoints.logs) and keeps them.
        logging_config=None,
        # No app-wide dishka middleware: it would open a request scope for every call, and the
        # webhook's member messages need none; a handler opens one from `container` when it needs
        # one, and the dashboard's own middleware opens one for each of its requests.
        state=State({"container": container}),
    )
    return CollapseSlashes(CountWebhookResponses(app))
