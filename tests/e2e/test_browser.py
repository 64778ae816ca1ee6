"""The web app in a real browser: Playwright for Python driving Debian's Chromium.

The app runs with uvicorn in a thread on a free port, on a SQLite database with the demo
data and the demo users (as ``inhouse serve --demo``), one server and one browser per
test process; each test has a fresh browser context (no cookies) and saves a
screenshot of its page in ``artifacts/screenshots/``.

Chromium comes from Debian (``apt-get install chromium``, ``/usr/bin/chromium``); it is
never downloaded by Playwright. Without it the tests are skipped, except under
``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn

from inhouse.clock import FixedClock
from inhouse.config import Settings
from inhouse.db.engine import make_engine
from inhouse.db.migrate import upgrade
from inhouse.db.uow import UnitOfWork
from inhouse.demo import MOVER
from inhouse.demo.users import DEMO_USERS, DemoUser, set_up_demo
from inhouse.identity.domain import SYSTEM, Role
from inhouse.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
EXPECTED_STATUS = "Failed to load resource: the server responded with a status of 4"
SECRET_KEY = "browser-tests-secret-key-not-for-production-0123456789"

if not CHROMIUM.exists():
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{CHROMIUM} is missing, but CI=true: the browser tests must run "
                    "(apt-get install -y chromium)", pytrace=False)  # fmt: skip
    pytest.skip(f"the browser tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import Browser, FilePayload, Page, expect, sync_playwright  # noqa: E402

# Waiting is no timing assertion: a busy machine (a parallel test run) may take long to
# draw; the default of 5 s made the tests flaky there.
expect.set_options(timeout=30_000)


def user(role: Role) -> DemoUser:
    return next(u for u in DEMO_USERS if u.role is role)


@dataclass(frozen=True)
class Server:
    base: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    folder = Path(tempfile.mkdtemp(prefix="inhouse-browser-"))
    url = f"sqlite:///{folder / 'demo.db'}"
    engine = make_engine(url)
    upgrade(engine)
    clock = FixedClock(NOW)
    set_up_demo(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock)
    app = create_app(Settings(database_url=url, secret_key=SECRET_KEY), engine=engine, clock=clock)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}")
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page in English (a test may switch); saves a screenshot when the test ends."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    opened = context.new_page()
    errors: list[str] = []
    # A page answered 401/404 on purpose shows up as "Failed to load resource": not an error
    # of ours; anything else (a script error, what the CSP blocked) is.
    opened.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith(EXPECTED_STATUS)
            else None
        ),
    )
    opened.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield opened
        # no script errors, and nothing the Content-Security-Policy had to block
        assert errors == []
    finally:
        if not request.node.stash.get(SNAPPED, False):
            snap(opened, request)
        context.close()


SNAPPED = pytest.StashKey[bool]()


def snap(page: Page, request: pytest.FixtureRequest) -> None:
    """Save the test's screenshot now (at the page that matters), not when it ends."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    request.node.stash[SNAPPED] = True


def sign_in(page: Page, server: Server, who: DemoUser) -> None:
    page.goto(f"{server.base}/login")
    page.fill("input[name=username]", who.username)
    page.fill("input[name=password]", who.password)
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator(".who")).to_contain_text(who.username)


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_signing_in_per_role(page: Page, server: Server, role: Role) -> None:
    who = user(role)
    sign_in(page, server, who)
    expect(page.locator(".who")).to_have_attribute("data-role", role.value)
    menu = page.locator("header nav a")
    if role is Role.EMPLOYEE:
        assert page.url == f"{server.base}/me"
        expect(menu).to_have_text(["My page", "Tickets", "API tokens"])
    elif role is Role.SALES_SYSTEM:  # a till has no dashboard: it lands on its own page
        assert page.url == f"{server.base}/me"
    else:
        assert page.url == f"{server.base}/"
        expect(page.locator("h1")).to_have_text("Dashboard")
    labels = menu.all_inner_texts()
    assert ("Users" in labels) == (role is Role.ADMIN)
    assert ("Classify" in labels) == (role is not Role.EMPLOYEE)
    assert ("People" in labels) == (role in (Role.ADMIN, Role.HR, Role.SERVICE_AGENT))


def test_wrong_password_is_refused(page: Page, server: Server) -> None:
    page.goto(f"{server.base}/login")
    page.fill("input[name=username]", "demo-admin")
    page.fill("input[name=password]", "not the password")
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator("p.error")).to_have_text("Wrong username or password.")


def test_dashboard_draws_its_charts(page: Page, server: Server) -> None:
    sign_in(page, server, user(Role.ADMIN))
    charts = page.locator(".chart[data-drawn=true]")
    expect(charts).to_have_count(10)  # 4 of the register and programmes, 5 of the orders,
    # and service parity
    # the seller × buyer matrix is a heatmap: Plotly paints it as an image
    expect(page.locator("#intercompany_matrix .chart g.hm image").first).to_be_attached()
    for key in ("group_sizes", "headcount_by_entity", "headcount_over_time",
                "revenue_by_relation", "internal_share", "staff_discount_cost",
                "programme_participation", "service_parity"):  # fmt: skip
        drawn = page.locator(f"#{key} .chart svg.main-svg").first
        expect(drawn).to_be_visible()
        # Plotly drew bars or lines from the numbers
        expect(page.locator(f"#{key} .chart g.trace").first).to_be_attached()
        assert page.locator(f"#{key} .chart g.trace path").count() > 0
    # every chart has its numbers as a table
    page.click("#headcount_by_entity details.numbers summary")
    table = page.locator("#headcount_by_entity details.numbers table")
    expect(table).to_be_visible()
    expect(table.locator("tbody")).to_contain_text("ABC Handel GmbH")
    page.click("#service_parity details.numbers summary")
    parity = page.locator("#service_parity details.numbers table")
    expect(parity.locator("thead")).to_contain_text("internal: SLA met (%)")


def test_classify_tool(page: Page, server: Server) -> None:
    sign_in(page, server, user(Role.FINANCE))
    page.click("header nav >> text=Classify")
    page.fill("input[name=seller]", "XYZ")
    page.fill("input[name=buyer]", "ABC")
    page.fill("input[name=on]", "2026-03-02")
    page.click("#classify-form button[type=submit]")
    answer = page.locator("#answer")
    expect(answer).to_have_attribute("data-relation", "intercompany")
    expect(answer.locator("h2")).to_contain_text("internal")
    expect(answer.locator("ul.evidence")).to_contain_text("JKL")


def test_group_structure_on_a_date_and_its_changes(page: Page, server: Server) -> None:
    sign_in(page, server, user(Role.SERVICE_AGENT))
    page.goto(f"{server.base}/structure")
    page.fill("input[name=on]", "2026-04-15")
    page.fill("input[name=compare]", "2026-03-01")
    page.click("form.filters button[type=submit]")
    expect(page.locator("ul.tree.root > li > details > summary").first).to_contain_text("JKL")
    expect(page.locator("#changes")).to_contain_text("LOG")


def test_import_with_an_error_report(
    page: Page, server: Server, request: pytest.FixtureRequest
) -> None:
    sign_in(page, server, user(Role.ADMIN))
    page.goto(f"{server.base}/imports")
    files: list[FilePayload] = [
        {"name": "entities.csv", "mimeType": "text/csv", "buffer": b"id,name\nNEW1,New GmbH\n"},
        {"name": "stakes.csv", "mimeType": "text/csv",
         "buffer": b'holder,entity,voting\nNEW1,NOWHERE,"(50,75"\n'},
    ]  # fmt: skip
    page.set_input_files("input[name=files]", files=files)
    page.click("#import-form button[type=submit]")
    problems = page.locator("#import-problems")
    expect(problems.locator("h2")).to_contain_text("nothing was imported")
    expect(problems.locator("tbody")).to_contain_text("stakes.csv")
    expect(problems.locator("tbody")).to_contain_text("voting")
    snap(page, request)
    page.goto(f"{server.base}/entities?q=NEW1")
    expect(page.locator("p.empty")).to_be_visible()  # rejected whole


def test_employee_page(page: Page, server: Server, request: pytest.FixtureRequest) -> None:
    sign_in(page, server, user(Role.EMPLOYEE))
    assert page.url.endswith("/me")
    expect(page.locator("#me-person h2")).to_contain_text(MOVER)
    rows = page.locator("#my-employments tbody tr")
    expect(rows).to_have_count(2)  # ABC until 2026-05-31, XYZ from 2026-06-01
    purchases = page.locator("#me-purchases tbody tr")
    expect(purchases.first).to_be_visible()
    assert purchases.count() > 0
    expect(page.locator("#me-purchases")).to_contain_text("TEL-DSL250")
    expect(page.locator("#my-allowance")).to_contain_text("§ 8 (3) EStG")
    expect(page.locator("#my-caps")).to_contain_text("ABC-STAFF")
    expect(page.locator("#points-balance")).to_be_visible()
    expect(page.locator("#me-points table.points-entries tbody tr").first).to_be_visible()
    snap(page, request)
    # anyone else's record is as if it did not exist
    page.goto(f"{server.base}/people/P001")
    expect(page.locator("h1")).to_have_text("Not found")


def test_language_switch(page: Page, server: Server, request: pytest.FixtureRequest) -> None:
    sign_in(page, server, user(Role.HR))
    page.goto(f"{server.base}/employments?q={MOVER}")
    expect(page.locator("table.list thead")).to_contain_text("Valid from")
    expect(page.locator("table.list tbody")).to_contain_text("1 Jun 2026")
    page.click("button[data-language=de]")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("table.list thead")).to_contain_text("Gültig ab")
    expect(page.locator("table.list tbody")).to_contain_text("01.06.2026")
    expect(page.locator("#sign-out")).to_have_text("Abmelden")
    expect(page.locator("table.list tbody")).to_contain_text("Beschäftigte(r)")
    snap(page, request)
    page.click("button[data-language=en]")
    expect(page.locator("#sign-out")).to_have_text("Sign out")


def test_the_browser_language_is_the_default(browser: Browser, server: Server) -> None:
    context = browser.new_context(locale="de-DE")
    try:
        german = context.new_page()
        german.goto(f"{server.base}/login")
        expect(german.locator("h1")).to_have_text("Anmelden")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        german.screenshot(path=str(SCREENSHOTS / "test_the_browser_language_is_the_default.png"))
    finally:
        context.close()


def test_an_order_explains_its_prices(
    page: Page, server: Server, request: pytest.FixtureRequest
) -> None:
    sign_in(page, server, user(Role.FINANCE))
    page.click("header nav >> text=Orders")
    page.fill("input[name=q]", "S01451")
    page.click("form.search button[type=submit]")
    page.click("table.list tbody a >> text=S01451")
    expect(page.locator("h1")).to_contain_text("S01451")
    expect(page.locator("#order-head")).to_have_attribute("data-relation", "employee")
    expect(page.locator("#classification li").first).to_be_visible()
    line = page.locator("#line-1")
    expect(line.locator(".programme")).to_have_text("ABC-STAFF")
    expect(line.locator(".cap-left")).to_be_visible()
    expect(line.locator("ul.evidence").first).not_to_be_empty()
    expect(page.locator("#return-form")).to_be_visible()
    snap(page, request)


def test_benefits_page_with_the_payroll_download(
    page: Page, server: Server, request: pytest.FixtureRequest
) -> None:
    sign_in(page, server, user(Role.HR))
    page.click("header nav >> text=Benefits")
    expect(page.locator("#statements tbody tr").first).to_be_visible()
    expect(page.locator("#statements")).to_contain_text("§ 8 (3) EStG")
    link = page.locator("#payroll-download")
    expect(link).to_have_attribute("href", "/benefits/payroll.csv?year=2026")
    with page.expect_download() as waiting:
        link.click()
    download = waiting.value
    assert download.suggested_filename == "payroll-2026.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0] == "employee_number,period,wage_type,amount,currency"
    snap(page, request)


def test_an_employee_answers_a_survey_and_opens_a_ticket(
    page: Page, server: Server, request: pytest.FixtureRequest
) -> None:
    sign_in(page, server, user(Role.EMPLOYEE))
    expect(page.locator("#my-tickets tbody tr").first).to_be_visible()
    page.click("#me-surveys a.answer-survey")  # the demo left one survey waiting for them
    expect(page.locator("#survey-form legend")).to_contain_text("How satisfied were you")
    page.check("#survey-form input[name=score][value='4']")
    page.fill("#survey-form textarea[name=comment]", "Friendly and quick")
    page.click("#survey-form button[type=submit]")
    assert page.url.endswith("/me#me-surveys")
    expect(page.locator("#me-surveys")).to_have_count(0)  # answered: nothing waits any more

    page.click("#me-open-ticket")
    page.fill("#ticket-form input[name=subject]", "My staff discount is missing")
    page.fill("#ticket-form textarea[name=body]", "The shop charged the list price.")
    page.click("#ticket-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("My staff discount is missing")
    expect(page.locator("#ticket-head")).to_have_attribute("data-relation", "employee")
    expect(page.locator("#relation-evidence li").first).to_contain_text(MOVER)
    expect(page.locator("#sla-clocks tr[data-clock='first response']")).to_be_visible()
    expect(page.locator("#status-form")).to_have_count(0)  # statuses are the agents'
    snap(page, request)


def test_an_agent_works_a_ticket_and_the_requester_rates_it_by_link(
    page: Page, browser: Browser, server: Server, request: pytest.FixtureRequest
) -> None:
    sign_in(page, server, user(Role.SERVICE_AGENT))
    page.click("header nav >> text=Tickets")
    page.click("#open-ticket")
    page.fill("#ticket-form input[name=requester]", MOVER)
    page.fill("#ticket-form input[name=serving_entity]", "XYZ")
    page.fill("#ticket-form input[name=subject]", "Parcel lost")
    page.click("#ticket-form button[type=submit]")
    expect(page.locator("#ticket-head")).to_have_attribute("data-status", "new")
    page.fill("#article-form textarea[name=body]", "Carrier says: depot Kassel")
    page.check("#article-form input[name=internal]")
    page.click("#article-form button[type=submit]")
    expect(page.locator("#history li.internal-note")).to_contain_text("depot Kassel")
    expect(page.locator("#sla-clocks tr[data-clock='first response']")).to_be_visible()
    page.select_option("#status-form select[name=status]", "resolved")
    page.click("#status-form button[type=submit]")
    expect(page.locator("#ticket-head")).to_have_attribute("data-status", "resolved")
    page.click("#survey-send-form button[type=submit]")
    link = page.locator("#survey-link code.secret").inner_text()
    snap(page, request)

    requester = browser.new_context(locale="de-DE")  # the requester, not signed in, German
    try:
        form = requester.new_page()
        form.goto(link)
        expect(form.locator("#survey-form legend")).to_contain_text("Wie zufrieden waren Sie")
        form.check("#survey-form input[name=score][value='5']")
        form.click("#survey-form button[type=submit]")
        expect(form.locator("#survey-recorded")).to_have_text("Ihre Bewertung wurde gespeichert.")
        form.goto(link)
        expect(form.locator("#survey-closed")).to_contain_text("wurde schon verwendet")
    finally:
        requester.close()


def test_the_parity_page_shows_where_internal_customers_fare_worse(
    page: Page, server: Server, request: pytest.FixtureRequest
) -> None:
    sign_in(page, server, user(Role.SERVICE_AGENT))
    page.click("header nav >> text=Service parity")
    expect(page.locator("#parity-segments tr[data-segment=internal]")).to_be_visible()
    expect(page.locator("#parity-segments tr[data-segment=external]")).to_be_visible()
    expect(page.locator("#parity-alerts li.alert").first).to_be_visible()
    page.locator("#parity-alerts li.alert a.tag").first.click()
    expect(page.locator("#ticket-head")).to_have_attribute("data-relation", re.compile(".+"))
    expect(page.locator("#sla-clocks")).to_be_visible()
    snap(page, request)
