"""The staff dashboard: server-rendered pages under /dashboard (pt-BR), htmx for the live parts.

Its middleware (security headers, the session, CSRF) belongs to its routers alone: the webhook,
/health and /metrics never run through it."""

import hashlib
import hmac
import secrets
from pathlib import Path

from dishka.integrations.litestar import DishkaRouter
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from application.errors import ApplicationError, UnknownConversation, UnknownTrialClass
from application.knowledge_index import KnowledgeSyncFailed
from application.read_section import UnknownSection
from domain.errors import DomainError, InvalidTransition
from entrypoints.http.dashboard.conversation import ConversationController
from entrypoints.http.dashboard.formatting import filters
from entrypoints.http.dashboard.inbox import InboxController
from entrypoints.http.dashboard.knowledge import KnowledgeController
from entrypoints.http.dashboard.login import LoginController
from entrypoints.http.dashboard.overview import OverviewController
from entrypoints.http.dashboard.security import SecurityHeaders
from entrypoints.http.dashboard.session import PREFIX, StaffSession
from entrypoints.http.dashboard.trial_classes import TrialClassesController, TrialClassesExportController
from entrypoints.settings import Settings

HERE = Path(__file__).parent
CSRF_COOKIE = "tatame_csrf"


def csrf_secret(settings: Settings) -> str:
    """DASHBOARD_SECRET; else one derived from WEBHOOK_SECRET, which every process of a deployment
    shares; else a random one, good for this process alone."""
    if settings.dashboard_secret:
        return settings.dashboard_secret
    if settings.webhook_secret:
        return hmac.new(settings.webhook_secret.encode(), b"tatame dashboard csrf", hashlib.sha256).hexdigest()
    return secrets.token_hex(32)


def template_config() -> TemplateConfig:
    environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
    environment.filters.update(filters())
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def _page(message: str, status_code: int) -> Template:
    return Template("error.html", context={"message": message}, status_code=status_code)


def _not_found(request: Request, error: Exception) -> Response:
    return _page("Conversa não encontrada.", 404)


def _trial_class_not_found(request: Request, error: Exception) -> Response:
    return _page("Aula experimental não encontrada.", 404)


def _section_not_found(request: Request, error: Exception) -> Response:
    return _page("Seção não encontrada.", 404)


def _sync_failed(request: Request, error: Exception) -> Response:
    return _page("A reindexação falhou: o modelo de embeddings não respondeu. Tente de novo em alguns minutos.", 503)


def _conflict(request: Request, error: Exception) -> Response:
    return _page("Não foi possível: a conversa mudou de situação. Recarregue a página.", 409)


def _refused(request: Request, error: Exception) -> Response:
    """A trial class that can no longer be marked or cancelled, a pack that cannot be read."""
    return _page("Não foi possível fazer isso agora. Recarregue a página e confira a situação.", 409)


def dashboard_routers(settings: Settings) -> list[Router]:
    csrf = CSRFConfig(
        secret=csrf_secret(settings),
        cookie_name=CSRF_COOKIE,
        cookie_path=PREFIX,
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,  # the pages carry the token (a hidden field, a meta tag); scripts need not read the cookie
        cookie_samesite="lax",
    )
    pages = DishkaRouter(
        path=PREFIX,
        route_handlers=[
            LoginController,
            InboxController,
            ConversationController,
            TrialClassesController,
            TrialClassesExportController,
            KnowledgeController,
            OverviewController,
        ],
        # Outermost first: headers on every answer, redirects included; the session before CSRF,
        # so a request without a session is sent to the login page, whatever it carries.
        middleware=[SecurityHeaders, StaffSession, DefineMiddleware(CSRFMiddleware, config=csrf)],
        exception_handlers={
            UnknownConversation: _not_found,
            UnknownTrialClass: _trial_class_not_found,
            UnknownSection: _section_not_found,
            InvalidTransition: _conflict,
            DomainError: _refused,
            KnowledgeSyncFailed: _sync_failed,
            ApplicationError: _refused,
        },
        include_in_schema=False,
    )
    static = create_static_files_router(
        path=f"{PREFIX}/static", directories=[HERE / "static"], middleware=[DefineMiddleware(SecurityHeaders, cache=True)]
    )
    return [pages, static]
