"""The dashboard in a real browser (Debian's Chromium, headless, driven by Playwright) against the
real service: webhooks in, the worker answering, replies out to the fake Evolution API. Screenshots
of each page go to the test's own folder."""

import datetime as dt
import io
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from adapters.terminal import TerminalGateway
from application.add_staff_user import AddStaffUser
from application.gateway import Gateways
from entrypoints.container import make_container
from entrypoints.settings import Settings
from tests import PROJECT_ROOT
from tests.e2e.dashboard import PASSWORD, booked_trial_class
from tests.e2e.database import create_database, drop_database
from tests.e2e.whatsapp import INSTANCE, Service, ShiftedClock, running_service, service_settings, text_message, wait_for_replies
from tests.fakes.evolution_server import FakeEvolution

CHROMIUM = Path("/usr/bin/chromium")
# Polling refreshes the pages every 5 s; a step waits for the one after the change.
STEP = 15_000
expect.set_options(timeout=STEP)


@pytest.fixture(scope="module")
def evolution() -> Iterator[FakeEvolution]:
    with FakeEvolution(instances={INSTANCE: "fake-instance-token"}) as server:
        yield server


@pytest.fixture(scope="module")
async def own_settings(admin_url, evolution, tmp_path_factory) -> AsyncIterator[Settings]:
    """A database of its own: the inbox must hold this module's conversations alone."""
    url = await create_database(admin_url)
    base = Settings(database_url=url, data_dir=tmp_path_factory.mktemp("dashboard"), knowledge_dir=PROJECT_ROOT / "knowledge")
    yield service_settings(base, evolution)
    await drop_database(admin_url, url)


@pytest.fixture(scope="module")
async def service(own_settings) -> AsyncIterator[Service]:
    async for running in running_service(own_settings, ShiftedClock()):
        yield running


@pytest.fixture(scope="module")
async def email(service, own_settings) -> str:
    container = make_container(own_settings, Gateways(TerminalGateway(io.StringIO())))
    try:
        async with container() as request:
            user = await (await request.get(AddStaffUser)).execute("ct-exemplo", "recepcao@ct-exemplo.com.br", PASSWORD)
    finally:
        await container.close()
    return user.email


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium, and CI must run the browser tests")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        await browser.close()


async def _signed_in(browser: Browser, service: Service, email: str, width: int = 1280, height: int = 800) -> Page:
    page = await (await browser.new_context(viewport={"width": width, "height": height}, base_url=service.url)).new_page()
    page.set_default_timeout(STEP)
    await page.goto("/dashboard/")
    await expect(page).to_have_url(f"{service.url}/dashboard/login")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{service.url}/dashboard/")
    return page


async def _member_writes(service: Service, phone: str, name: str, text: str) -> None:
    body = text_message(phone, text)
    body["data"]["pushName"] = name
    assert (await service.post(body)).status_code == 200


def _phone() -> str:
    return "55119" + str(uuid.uuid4().int)[:8]


@pytest.fixture(scope="module")
async def members(service, evolution) -> dict[str, str]:
    """Two members who asked for a person, one after the other, and a third the bot answered last."""
    phones = {"Ana Escalada": _phone(), "Bruno Escalado": _phone(), "Carla Atendida": _phone()}
    for name in ("Ana Escalada", "Bruno Escalado"):
        await _member_writes(service, phones[name], name, "quero falar com um atendente")
        assert "equipe" in (await wait_for_replies(evolution, phones[name], 1, settle=0.1))[0]
    long_word = "x" * 120  # a word no narrow screen can hold whole
    await _member_writes(service, phones["Carla Atendida"], "Carla Atendida", f"quanto custa o plano mensal? {long_word}")
    await wait_for_replies(evolution, phones["Carla Atendida"], 1, settle=0.1)
    return phones


async def test_escalations_come_first_oldest_first_with_their_count_in_the_title(browser, service, email, members, tmp_path):
    page = await _signed_in(browser, service, email)
    names = page.locator("li.conversation .name")
    await expect(names).to_have_text(["Ana Escalada", "Bruno Escalado", "Carla Atendida"])
    await expect(page).to_have_title("(2) Conversas · Tatame")
    first = page.locator("li.conversation").first
    await expect(first.locator(".badge")).to_have_text("aguardando atendente")
    await expect(first.locator(".phone")).to_have_text("•••• " + members["Ana Escalada"][-4:])
    await expect(first.locator(".waiting")).to_contain_text("esperando")
    await page.screenshot(path=tmp_path / "inbox.png", full_page=True)


async def test_take_over_reply_and_hand_back(browser, service, evolution, email, members, tmp_path):
    phone = members["Bruno Escalado"]
    page = await _signed_in(browser, service, email)
    await page.click("text=Bruno Escalado")
    await expect(page.locator("h1")).to_contain_text("Bruno Escalado")
    await expect(page.locator(".escalation.open")).to_contain_text("pediu para falar com uma pessoa")

    await page.click("button:has-text('Assumir conversa')")
    await expect(page.locator("#status")).to_have_text("atendente")

    await page.fill("#texto", "Oi Bruno, aqui é a Paula da recepção. Como posso ajudar?")
    await page.click("button:has-text('Enviar')")
    replies = await wait_for_replies(evolution, phone, 2, settle=0.1)
    assert replies[-1] == "Oi Bruno, aqui é a Paula da recepção. Como posso ajudar?"
    staff_line = page.locator(".line.author-staff").last
    await expect(staff_line).to_contain_text("Paula da recepção")
    await expect(staff_line.locator(".delivery")).to_have_text("enviada")  # the transcript refreshes itself
    await page.screenshot(path=tmp_path / "conversation-staff.png", full_page=True)

    await page.click("button:has-text('Devolver ao bot')")
    await expect(page.locator("#status")).to_have_text("bot")
    await expect(page.locator(".escalation.open")).to_have_count(0)
    await _member_writes(service, phone, "Bruno Escalado", "quanto custa o plano mensal?")
    replies = await wait_for_replies(evolution, phone, 3, settle=0.1)
    assert "R$ 189" in replies[-1]
    await expect(page.locator(".line.author-bot").last).to_contain_text("R$ 189")
    await page.screenshot(path=tmp_path / "conversation-handed-back.png", full_page=True)
    await page.goto("/dashboard/")
    await expect(page).to_have_title("(1) Conversas · Tatame")


async def test_a_phone_wide_screen_never_scrolls_sideways(browser, service, email, members, tmp_path):
    page = await _signed_in(browser, service, email, width=390, height=844)
    await expect(page.locator("li.conversation")).to_have_count(3)
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert await page.evaluate(overflow) == 0
    await page.screenshot(path=tmp_path / "inbox-390.png", full_page=True)
    await page.click("text=Carla Atendida")
    await expect(page.locator(".line.author-member").first).to_contain_text("xxxxxxxx")
    assert await page.evaluate(overflow) == 0
    await page.screenshot(path=tmp_path / "conversation-390.png", full_page=True)


async def test_the_login_page_and_a_wrong_password(browser, service, email, tmp_path):
    page = await (await browser.new_context(base_url=service.url)).new_page()
    page.set_default_timeout(STEP)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    await page.goto("/dashboard/login")
    await page.fill("#email", email)
    await page.fill("#password", "não é esta")
    await page.click("button[type=submit]")
    await expect(page.locator(".alert")).to_have_text("E-mail ou senha incorretos.")
    await page.screenshot(path=tmp_path / "login.png", full_page=True)
    # The CSP lets the app's own scripts run (htmx loaded) and refused nothing the page uses.
    assert await page.evaluate("typeof htmx") == "object"
    assert not [text for text in console if "Content Security Policy" in text]


async def test_marking_a_trial_class_attended(browser, service, own_settings, email, tmp_path):
    # Started this minute: on today's list whatever the hour, and open to marking.
    starts_at = service.clock.now().replace(second=0, microsecond=0)
    container = make_container(own_settings, TerminalGateway(io.StringIO()), service.clock)
    try:
        booked = await booked_trial_class(container, "ct-exemplo", "Nina Experimental", starts_at, starts_at - dt.timedelta(days=1))
    finally:
        await container.close()
    page = await _signed_in(browser, service, email)
    await page.click("nav >> text=Aulas experimentais")
    row = page.locator(f"#aula-{booked.trial_class_id}")
    await expect(row.locator(".name")).to_have_text("Nina Experimental")
    await expect(row.locator(".badge")).to_have_text("confirmada")
    await row.locator("button:has-text('Compareceu')").click()
    await expect(page.locator(f"#aula-{booked.trial_class_id} .badge")).to_have_text("compareceu")
    await expect(page.locator(f"#aula-{booked.trial_class_id} button:has-text('Cancelar')")).to_have_count(0)
    await page.screenshot(path=tmp_path / "trial-classes.png", full_page=True)


async def test_trying_a_question_shows_the_passages_and_the_reply(browser, service, email, tmp_path):
    page = await _signed_in(browser, service, email)
    await page.click("nav >> text=Conhecimento")
    await expect(page.locator(".sections li").first).to_be_visible()
    await page.fill("#pergunta", "quanto custa o plano mensal?")
    await page.click("button:has-text('Testar')")
    await expect(page.locator("#resultado .badge")).to_have_text("dúvida")
    assert await page.locator(".passage").count() > 0
    await expect(page.locator(".passage .meta").first).to_contain_text("pontuação")
    await expect(page.locator("#resultado .line")).to_contain_text("R$ 189")
    await page.screenshot(path=tmp_path / "knowledge-try.png", full_page=True)
    await page.locator(".passage .meta a").first.click()
    await expect(page.locator("a:has-text('← Conhecimento')")).to_be_visible()
    await page.screenshot(path=tmp_path / "knowledge-section.png", full_page=True)


async def test_the_overview_draws_its_charts(browser, service, email, members, tmp_path):
    page = await _signed_in(browser, service, email, width=390, height=844)
    await page.goto("/dashboard/visao-geral")
    await expect(page.locator("svg.chart").first).to_be_visible()
    await expect(page.locator("h1")).to_have_text("Visão geral")
    assert await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    await page.screenshot(path=tmp_path / "overview-390.png", full_page=True)
