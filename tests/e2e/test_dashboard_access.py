"""Who may see and do what on the dashboard: plain HTTP against the app, on the real database."""

import datetime as dt
import io
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from dishka import AsyncContainer

from adapters.terminal import TerminalGateway
from application.gateway import Gateways
from application.unit_of_work import UnitOfWork
from domain.conversation import ConversationStatus
from domain.message import Author
from entrypoints.container import make_container
from entrypoints.http.app import make_app
from entrypoints.settings import Settings
from entrypoints.startup import prepare
from tests import PROJECT_ROOT
from tests.e2e.dashboard import PASSWORD, booked_trial_class, csrf_token, escalated_conversation, log_in, other_tenant, staff_user

ACTIONS = ["assumir", "responder", "devolver", "resolver", "encerrar"]
TRIAL_ACTIONS = ["compareceu", "faltou", "cancelar"]
PAGES = ["/dashboard/aulas", "/dashboard/aulas.csv", "/dashboard/conhecimento", "/dashboard/visao-geral"]
NOW = dt.datetime.now(dt.UTC)


def _client(container, address: str | None = None, settings: Settings | None = None) -> httpx.AsyncClient:
    """Each test comes from an address of its own: the per-address login limit is shared state."""
    transport = httpx.ASGITransport(
        app=make_app(container, settings=settings),  # type: ignore[arg-type]  # httpx types ASGI apps loosely
        client=(address or f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", 40000),
    )
    return httpx.AsyncClient(transport=transport, base_url="http://tatame.test")


@pytest.fixture
async def http(container) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(container) as client:
        yield client


async def test_without_a_session_every_page_and_action_leads_to_the_login_form(container, http):
    made = await escalated_conversation(container, "ct-exemplo", "Bia", NOW)
    base = f"/dashboard/conversas/{made.conversation_id}"
    for path in ["/dashboard/", "/dashboard/fragmentos/conversas", base, f"{base}/mensagens"]:
        response = await http.get(path)
        assert (response.status_code, response.headers.get("location")) == (303, "/dashboard/login"), path
    for action in [*ACTIONS, "../../logout"]:
        response = await http.post(f"{base}/{action}", data={"texto": "oi"})
        assert (response.status_code, response.headers.get("location")) == (303, "/dashboard/login"), action
    fragment = await http.get("/dashboard/fragmentos/conversas", headers={"HX-Request": "true"})
    assert fragment.headers["hx-redirect"] == "/dashboard/login"
    form = await http.get("/dashboard/login")
    assert form.status_code == 200 and 'name="password"' in form.text


async def test_a_signed_in_user_sees_the_inbox_with_secure_headers_and_cookie(container, http):
    email = await staff_user(container, "ct-exemplo")
    response = await log_in(http, email)
    assert (response.status_code, response.headers["location"]) == (303, "/dashboard/")
    cookie = next(value for value in response.headers.get_list("set-cookie") if value.startswith("tatame_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/dashboard" in cookie and "Secure" not in cookie
    inbox = await http.get("/dashboard/")
    assert inbox.status_code == 200 and "Conversas" in inbox.text
    csp = inbox.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert inbox.headers["x-content-type-options"] == "nosniff" and inbox.headers["cache-control"] == "no-store"
    assert "<script>" not in inbox.text and not re.search(r"<[^>]*\son[a-z]+\s*=", inbox.text)  # no inline script nor handler attribute


async def test_what_members_write_is_shown_as_text_never_as_markup(container, http):
    made = await escalated_conversation(container, "ct-exemplo", "<img src=x onerror=alert(1)>", NOW)
    await log_in(http, await staff_user(container, "ct-exemplo"))
    page = await http.get(f"/dashboard/conversas/{made.conversation_id}")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text and "<img" not in page.text


async def test_cookies_are_secure_when_the_public_url_is_https(container):
    settings = Settings(public_url="https://tatame.example.com.br")
    async with _client(container, settings=settings) as http:
        response = await log_in(http, await staff_user(container, "ct-exemplo"))
    assert all("Secure" in value for value in response.headers.get_list("set-cookie"))


async def test_the_webhook_health_and_metrics_get_none_of_the_dashboards_middleware(http):
    for response in [await http.get("/health"), await http.post("/webhooks/evolution", json={})]:
        assert "content-security-policy" not in response.headers
        assert not any(cookie.startswith(("tatame_csrf", "tatame_session")) for cookie in response.headers.get_list("set-cookie"))


async def test_another_tenants_conversation_is_not_found(container, http):
    other = await other_tenant(container)
    theirs = await escalated_conversation(container, other.slug, "Carla", NOW)
    await log_in(http, await staff_user(container, "ct-exemplo"))
    base = f"/dashboard/conversas/{theirs.conversation_id}"
    assert (await http.get(base)).status_code == 404
    assert (await http.get(f"{base}/mensagens")).status_code == 404
    token = csrf_token((await http.get("/dashboard/")).text)
    for action in ACTIONS:
        response = await http.post(f"{base}/{action}", data={"_csrf_token": token, "texto": "oi"})
        assert response.status_code == 404, action
    assert "Carla" not in (await http.get("/dashboard/")).text


async def test_a_post_without_the_csrf_token_is_refused(container, http):
    made = await escalated_conversation(container, "ct-exemplo", "Duda", NOW)
    await log_in(http, await staff_user(container, "ct-exemplo"))
    base = f"/dashboard/conversas/{made.conversation_id}"
    assert (await http.post(f"{base}/assumir")).status_code == 403
    assert (await http.post(f"{base}/assumir", data={"_csrf_token": "forged" * 20})).status_code == 403
    token = csrf_token((await http.get(base)).text)
    assert (await http.post(f"{base}/assumir", headers={"X-CSRFToken": token})).status_code == 303  # htmx sends it as a header
    async with _client(container) as stranger:
        page = await stranger.get("/dashboard/login")
        refused = await stranger.post("/dashboard/login", data={"email": "x@y.com.br", "password": PASSWORD})
        assert page.status_code == 200 and refused.status_code == 403


async def test_the_sixth_wrong_password_in_a_minute_is_refused_for_the_account(container):
    email = await staff_user(container, "ct-exemplo")
    for attempt in range(5):
        async with _client(container) as http:  # from a new address each time: the account's limit
            assert (await log_in(http, email, "senha errada")).status_code == 401, attempt
    async with _client(container) as http:
        assert (await log_in(http, email, "senha errada")).status_code == 429
        assert (await log_in(http, email)).status_code == 429  # the right password too, until the minute passes


async def test_the_sixth_wrong_password_in_a_minute_is_refused_from_an_address(container):
    email = await staff_user(container, "ct-exemplo")
    async with _client(container) as http:
        for attempt in range(5):
            assert (await log_in(http, f"guess{attempt}@ct-exemplo.com.br", "senha errada")).status_code == 401
        assert (await log_in(http, email)).status_code == 429


async def test_logging_out_ends_the_session(container, http):
    await log_in(http, await staff_user(container, "ct-exemplo"))
    page = await http.get("/dashboard/")
    out = await http.post("/dashboard/logout", data={"_csrf_token": csrf_token(page.text)})
    assert (out.status_code, out.headers["location"]) == (303, "/dashboard/login")
    assert (await http.get("/dashboard/")).status_code == 303


@pytest.fixture
async def own_container(own_database, tmp_path, clock) -> AsyncIterator[AsyncContainer]:
    """A database of its own for a test that leaves a reply to send: in the session's database, a
    `tatame chat` or a worker of another test would deliver it."""
    settings = Settings(database_url=own_database, data_dir=tmp_path / "own", knowledge_dir=PROJECT_ROOT / "knowledge")
    container = make_container(settings, Gateways(TerminalGateway(io.StringIO())), clock)
    await prepare(container)
    yield container
    await container.close()


async def test_every_action_is_recorded_with_the_user_who_did_it(own_container):
    container = own_container
    async with _client(container) as http:
        await _every_action(container, http)


async def _every_action(container: AsyncContainer, http: httpx.AsyncClient) -> None:
    made = await escalated_conversation(container, "ct-exemplo", "Fabi", NOW)
    email = await staff_user(container, "ct-exemplo")
    await log_in(http, email)
    base = f"/dashboard/conversas/{made.conversation_id}"
    for action in ["assumir", "responder", "resolver", "devolver", "encerrar"]:
        token = csrf_token((await http.get(base)).text)
        response = await http.post(f"{base}/{action}", data={"_csrf_token": token, "texto": "Oi Fabi, aqui é a recepção."})
        assert (response.status_code, response.headers["location"]) == (303, base), action
    async with container() as request:
        uow = await request.get(UnitOfWork)
        user = await uow.staff_users.by_email(email)
        assert user is not None
        changes = await uow.status_changes.for_conversation(user.tenant_id, made.conversation_id)
        messages = await uow.messages.for_conversation(user.tenant_id, made.conversation_id)
    staff_changes = [change for change in changes if change.actor is not None]
    assert {change.actor for change in staff_changes} == {user.id}
    assert [change.after for change in staff_changes] == [
        ConversationStatus.HUMAN,  # taken over
        ConversationStatus.HUMAN,  # replied
        ConversationStatus.HUMAN,  # escalation resolved
        ConversationStatus.BOT,  # handed back
        ConversationStatus.CLOSED,
    ]
    assert [m.text for m in messages if m.author is Author.STAFF] == ["Oi Fabi, aqui é a recepção."]
    assert "encerrada" in (await http.get(base)).text


def _later_today(clock) -> dt.datetime:
    """A class later on the test clock's day: attendance may be marked, and it may still be cancelled."""
    return clock.now() + dt.timedelta(hours=2)


async def _section_link(http: httpx.AsyncClient) -> str:
    found = re.search(r'href="(/dashboard/conhecimento/secoes/[^"]+)"', (await http.get("/dashboard/conhecimento")).text)
    assert found, "the knowledge page links no section"
    return found.group(1)


async def test_without_a_session_the_other_pages_and_their_actions_lead_to_the_login_form(container, http, clock):
    booked = await booked_trial_class(container, "ct-exemplo", "Gabi", _later_today(clock), clock.now())
    for path in [*PAGES, "/dashboard/conhecimento/secoes/ct-exemplo/modalidades.md%23Boxe"]:
        response = await http.get(path)
        assert (response.status_code, response.headers.get("location")) == (303, "/dashboard/login"), path
    posts = [f"/dashboard/aulas/{booked.trial_class_id}/{a}" for a in TRIAL_ACTIONS]
    for path in [*posts, "/dashboard/conhecimento/testar", "/dashboard/conhecimento/reindexar"]:
        response = await http.post(path, data={"pergunta": "quanto custa?"})
        assert (response.status_code, response.headers.get("location")) == (303, "/dashboard/login"), path


async def test_the_pages_render_with_a_csrf_field_in_every_form_and_no_inline_script(container, http, clock):
    await booked_trial_class(container, "ct-exemplo", "Helena Aula", _later_today(clock), clock.now())
    await log_in(http, await staff_user(container, "ct-exemplo"))
    for path in ["/dashboard/aulas", "/dashboard/conhecimento", "/dashboard/visao-geral", await _section_link(http)]:
        page = await http.get(path)
        assert page.status_code == 200, path
        assert page.text.count("<form") == page.text.count('name="_csrf_token"'), path
        assert "<script>" not in page.text and not re.search(r"<[^>]*\son[a-z]+\s*=", page.text), path
        assert "unsafe-inline" not in page.headers["content-security-policy"]
    schedule = (await http.get("/dashboard/aulas")).text
    assert "Helena Aula" in schedule and "Boxe" in schedule and re.search(r"Vagas: \d+ de 16<", schedule)
    overview = (await http.get("/dashboard/visao-geral")).text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in overview and "Aulas experimentais" in overview


async def test_the_csv_export_is_an_attachment_of_the_tenants_classes_alone(container, http, clock):
    other = await other_tenant(container)
    await booked_trial_class(container, "ct-exemplo", "Iara Planilha", _later_today(clock), clock.now())
    await log_in(http, await staff_user(container, "ct-exemplo"))
    response = await http.get("/dashboard/aulas.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.text.startswith("data,horário,modalidade") and "Iara Planilha" in response.text
    async with _client(container) as theirs:
        await log_in(theirs, await staff_user(container, other.slug))
        assert "Iara Planilha" not in (await theirs.get("/dashboard/aulas.csv")).text
        assert "Iara Planilha" not in (await theirs.get("/dashboard/aulas")).text


async def test_another_tenants_trial_class_and_section_are_not_found(container, http, clock):
    other = await other_tenant(container)
    booked = await booked_trial_class(container, "ct-exemplo", "Julia", _later_today(clock), clock.now())
    await log_in(http, await staff_user(container, "ct-exemplo"))
    section = await _section_link(http)
    assert (await http.get(section)).status_code == 200
    assert (await http.get("/dashboard/conhecimento/secoes/ct-exemplo/nada.md%23Nada")).status_code == 404
    async with _client(container) as theirs:
        await log_in(theirs, await staff_user(container, other.slug))
        token = csrf_token((await theirs.get("/dashboard/aulas")).text)
        for action in TRIAL_ACTIONS:
            response = await theirs.post(f"/dashboard/aulas/{booked.trial_class_id}/{action}", data={"_csrf_token": token})
            assert response.status_code == 404, action
        assert (await theirs.get(section)).status_code == 404
    assert "confirmada" in (await http.get("/dashboard/aulas")).text  # untouched


async def test_a_post_on_the_other_pages_without_the_csrf_token_is_refused(container, http, clock):
    booked = await booked_trial_class(container, "ct-exemplo", "Karen", _later_today(clock), clock.now())
    await log_in(http, await staff_user(container, "ct-exemplo"))
    posts = [f"/dashboard/aulas/{booked.trial_class_id}/{a}" for a in TRIAL_ACTIONS]
    for path in [*posts, "/dashboard/conhecimento/testar", "/dashboard/conhecimento/reindexar"]:
        assert (await http.post(path, data={"pergunta": "oi"})).status_code == 403, path
        assert (await http.post(path, data={"pergunta": "oi", "_csrf_token": "forged" * 20})).status_code == 403, path


async def test_marking_attendance_and_trying_a_question_send_nothing(container, http, clock):
    booked = await booked_trial_class(container, "ct-exemplo", "Lara", _later_today(clock), clock.now())
    await log_in(http, await staff_user(container, "ct-exemplo"))
    base = f"/dashboard/aulas/{booked.trial_class_id}"
    token = csrf_token((await http.get("/dashboard/aulas")).text)
    for action, label in [("faltou", "faltou"), ("compareceu", "compareceu")]:  # a mark may be corrected
        response = await http.post(f"{base}/{action}", data={"_csrf_token": token})
        assert (response.status_code, response.headers["location"]) == (303, "/dashboard/aulas"), action
        assert f'<span class="badge">{label}</span>' in (await http.get("/dashboard/aulas")).text
    tried = await http.post("/dashboard/conhecimento/testar", data={"_csrf_token": token, "pergunta": "quanto custa o plano mensal?"})
    assert tried.status_code == 200 and "pontuação" in tried.text and "R$ 189" in tried.text
    async with container() as request:
        uow = await request.get(UnitOfWork)
        tenant = await uow.tenants.by_slug("ct-exemplo")
        assert tenant is not None
        messages = await uow.messages.for_conversation(tenant.id, booked.conversation_id)
    assert len(messages) == 1  # the member's own: neither action wrote to them


async def test_cancelling_tells_the_member_and_reindexing_reports(own_container, clock):
    container = own_container
    booked = await booked_trial_class(container, "ct-exemplo", "Marta", _later_today(clock), clock.now())
    async with _client(container) as http:
        await log_in(http, await staff_user(container, "ct-exemplo"))
        token = csrf_token((await http.get("/dashboard/aulas")).text)
        response = await http.post(f"/dashboard/aulas/{booked.trial_class_id}/cancelar", data={"_csrf_token": token})
        assert response.status_code == 303
        assert '<span class="badge">cancelada</span>' in (await http.get("/dashboard/aulas")).text
        again = await http.post(f"/dashboard/aulas/{booked.trial_class_id}/cancelar", data={"_csrf_token": token})
        assert again.status_code == 409
        reindexed = await http.post("/dashboard/conhecimento/reindexar", data={"_csrf_token": token})
        assert reindexed.status_code == 303 and "iguais=" in reindexed.headers["location"]
        assert "Reindexado:" in (await http.get(reindexed.headers["location"])).text
    async with container() as request:
        uow = await request.get(UnitOfWork)
        tenant = await uow.tenants.by_slug("ct-exemplo")
        assert tenant is not None
        messages = await uow.messages.for_conversation(tenant.id, booked.conversation_id)
    assert [m.author for m in messages] == [Author.MEMBER, Author.BOT]  # the notice, through the outbox
