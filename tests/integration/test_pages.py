"""The web pages: signing in, CSRF, cookies, headers, language, lists, and each page's job."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from conftest import NOW, SECRET_KEY, Accounts
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pages import INLINE_SCRIPT, csrf_of, post_form, post_zip, sign_in_as
from sqlalchemy import Engine, select

from inhouse.clock import FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.groups.domain import Register
from inhouse.identity import services as identity
from inhouse.identity.domain import SYSTEM
from inhouse.identity.tables import users
from inhouse.web.pages.core import CSP, CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE
from inhouse.web.pages.lists import spreadsheet_safe

PASSWORD = "pages password 1"
SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def add_user(
    engine: Engine, clock: FixedClock, name: str, role: str, person: str | None = None
) -> None:
    identity.add_user(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, username=name,
                      password=PASSWORD, role=role, person=person)  # fmt: skip


# --------------------------------------------------------------------------- signing in


@SQLITE
def test_signing_in_sets_a_session_cookie_that_scripts_cannot_read(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    add_user(engine, clock, "alice", "finance")
    answer = post_form(client, "/login", {"username": "alice", "password": PASSWORD,
                                          "next": "/structure"})  # fmt: skip
    assert (answer.status_code, answer.headers["location"]) == (303, "/structure")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "alice" in client.get("/structure").text
    # signing out ends the session
    answer = post_form(client, "/logout", {}, token_from="/structure")
    assert answer.status_code == 303
    assert client.get("/structure", follow_redirects=False).status_code == 303


@SQLITE
def test_sign_in_goes_only_to_local_pages(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    add_user(engine, clock, "alice", "finance")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        answer = post_form(client, "/login", {"username": "alice", "password": PASSWORD,
                                              "next": target})  # fmt: skip
        assert answer.headers["location"] == "/", target


@SQLITE
def test_wrong_passwords_are_refused_and_then_rate_limited(
    client: TestClient, engine: Engine, clock: FixedClock
) -> None:
    add_user(engine, clock, "alice", "admin")
    for _ in range(5):
        answer = post_form(client, "/login", {"username": "alice", "password": "wrong password"})
        assert answer.status_code == 401
        assert "Wrong username or password." in answer.text
    # now even the right password must wait: guessing is slowed down
    answer = post_form(client, "/login", {"username": "alice", "password": PASSWORD})
    assert answer.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in answer.text
    assert SESSION_COOKIE not in client.cookies


@SQLITE
def test_forms_without_the_csrf_token_change_nothing(
    client: TestClient, accounts: Accounts, engine: Engine
) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    client.get("/users")  # the browser has its CSRF cookie
    made = {"username": "mallory", "password": PASSWORD, "role": "admin"}
    assert client.post("/users", data=made).status_code == 403
    assert client.post("/users", data={**made, "csrf_token": "0" * 64}).status_code == 403
    # a token of another browser (another CSRF cookie) does not fit either
    other = TestClient(client.app)
    stolen = csrf_of(other)
    assert client.post("/users", data={**made, "csrf_token": stolen}).status_code == 403
    with UnitOfWork(engine) as uow:
        assert uow.identity.user_by_name("mallory") is None
    answer = post_form(client, "/users", made, token_from="/users")
    assert answer.status_code == 303
    with UnitOfWork(engine) as uow:
        assert uow.identity.user_by_name("mallory") is not None


@SQLITE
def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    page = client.get("/login")
    assert page.headers["content-security-policy"] == CSP
    assert "script-src 'self';" in CSP and "unsafe" not in CSP.split("script-src")[1].split(";")[0]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    cookie = next(c for c in page.headers.get_list("set-cookie") if c.startswith(CSRF_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    api = client.get("/api/v1/openapi.json")
    assert api.headers["x-content-type-options"] == "nosniff"
    assert not INLINE_SCRIPT.search(page.text)


@SQLITE
def test_plotly_is_served_from_the_installed_package(client: TestClient) -> None:
    answer = client.get("/vendor/plotly.min.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert b"plotly" in answer.content[:2000].lower()


# --------------------------------------------------------------------------- language


@SQLITE
def test_the_browser_language_is_the_default_and_can_be_switched(client: TestClient) -> None:
    assert "Anmelden" in client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"}).text
    assert ">Sign in<" in client.get("/login", headers={"Accept-Language": "fr, en;q=0.5"}).text
    answer = post_form(client, "/language", {"language": "de", "next": "/login"})
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")
    assert client.cookies[LANG_COOKIE] == "de"
    assert "Anmelden" in client.get("/login", headers={"Accept-Language": "en"}).text


def test_lists_and_dates_follow_the_language(
    client: TestClient, accounts: Accounts, demo_loaded: Register
) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    client.cookies.set(LANG_COOKIE, "de")
    german = client.get("/employments?q=P037").text
    assert "Gültig ab" in german and "01.06.2026" in german
    client.cookies.set(LANG_COOKIE, "en")
    english = client.get("/employments?q=P037").text
    assert "Valid from" in english and "1 Jun 2026" in english


# --------------------------------------------------------------------------- lists


def test_lists_search_page_and_export(
    client: TestClient, accounts: Accounts, demo_loaded: Register
) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    people = len(demo_loaded.persons)
    first = client.get("/people")
    assert f"Rows 1–50 of {people}" in first.text
    assert 'rel="next"' in first.text
    second = client.get("/people?page=2")
    assert f"Rows 51–{people} of {people}" in second.text
    found = client.get("/people?q=schr%C3%B6der")  # case-insensitive, on name
    assert "Jan Schröder" in found.text and "Rows 1–1 of 1" in found.text
    assert "Nothing matches" in client.get("/people?q=%25%25nobody").text
    rows = client.get("/people?format=csv&q=P03").text.splitlines()
    assert rows[0] == "id,name,email,employee_no"
    assert [r.split(",")[0] for r in rows[1:]] == [f"P03{n}" for n in range(10)]
    book = load_workbook(io.BytesIO(client.get("/stakes?format=xlsx").content))
    sheet = book["stakes"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header == ["holder", "entity", "voting", "equity", "control", "valid_from", "valid_to"]
    assert sheet.max_row == len(demo_loaded.stakes) + 1


# --------------------------------------------------------------------------- pages


def test_dashboard_charts_have_numbers_and_tables(
    client: TestClient, accounts: Accounts, demo_loaded: Register
) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    page = client.get("/").text
    for key in ("group_sizes", "headcount_by_entity", "headcount_over_time"):
        assert f'data-chart="chart-data-{key}"' in page
        assert f'<script type="application/json" id="chart-data-{key}">' in page
    assert "Table of the numbers" in page
    # the order charts read the orders: none are recorded here, so they are empty
    assert "No orders are recorded yet" not in page
    for key in ("revenue_by_relation", "internal_share", "staff_discount_cost",
                "intercompany_matrix", "programme_participation"):  # fmt: skip
        card = page.split(f'id="{key}"')[1].split("</section>")[0]
        assert "Nothing is recorded for this chart yet." in card, key
    # no tickets are recorded: the service parity chart is empty
    card = page.split('id="service_parity"')[1].split("</section>")[0]
    assert "Nothing is recorded for this chart yet." in card
    assert '<script src="/vendor/plotly.min.js">' in page


def test_dashboard_shows_each_role_only_its_charts(
    client: TestClient, accounts: Accounts, demo_loaded: Register
) -> None:
    sign_in_as(client, accounts.actor("finance"), SECRET_KEY, NOW)
    page = client.get("/").text
    assert "chart-data-group_sizes" in page
    assert "chart-data-headcount_by_entity" not in page  # finance may not read people


def test_structure_tree_and_changes(
    client: TestClient, accounts: Accounts, demo_loaded: Register
) -> None:
    sign_in_as(client, accounts.actor("finance"), SECRET_KEY, NOW)
    page = client.get("/structure?on=2026-04-15&compare=2026-03-01").text
    assert "JKL Holding AG" in page and "XYZ Widgets GmbH" in page
    # LOG comes under JKL's control by agreement from 2026-04-01
    changes = page.split('id="changes"')[1].split("</section>")[0]
    assert "LOG" in changes and "JKL" in changes
    assert "controls LOG by agreement" in changes
    bad = client.get("/structure?on=2026-13-01")
    assert bad.status_code == 200 and "is not a date" in bad.text
    # one group: the group of the entity asked for
    prt = client.get("/structure?on=2026-04-15&entity=PRT").text
    assert "XYZ Widgets GmbH" in prt and "Entities in no group" not in prt
    alone = client.get("/structure?on=2026-04-15&entity=UVW").text
    assert "No entity controls another on this day." in alone and "JKL Holding AG" not in alone
    unknown = client.get("/structure?entity=NOPE").text
    assert "NOPE is not a known legal entity" in unknown and "JKL Holding AG" in unknown
    # the entity list links each entity to its group
    assert 'href="/structure?entity=PRT"' in client.get("/entities?q=PRT").text


def test_classify_tool(client: TestClient, accounts: Accounts, demo_loaded: Register) -> None:
    sign_in_as(client, accounts.actor("sales_system"), SECRET_KEY, NOW)
    page = client.get("/classify?seller=XYZ&buyer=ABC&on=2026-03-02").text
    assert 'data-relation="intercompany"' in page
    assert "JKL" in page.split('id="answer"')[1]
    unknown = client.get("/classify?seller=NOBODY-HERE&buyer=ABC&on=2026-03-02")
    assert unknown.status_code == 422 and "NOBODY-HERE" in unknown.text


def test_imports_report_changes_or_every_problem(
    client: TestClient, accounts: Accounts, engine: Engine
) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    bad = {"entities.csv": "id,name\nA1,Alpha GmbH\n",
           "stakes.csv": "holder,entity,voting\nA1,NOPE,\"(50,75\"\n"}  # fmt: skip
    answer = post_zip(client, bad)
    assert answer.status_code == 422
    problems = answer.text.split('id="import-problems"')[1]
    assert "stakes.csv" in problems and "<td>2</td>" in problems and "voting" in problems
    with UnitOfWork(engine) as uow:
        assert uow.groups.get("entities", "A1") is None  # rejected whole
    # the CSV files of a folder, uploaded together
    good = [("files", ("entities.csv", b"id,name\nA1,Alpha GmbH\nB1,Beta GmbH\n", "text/csv")),
            ("files", ("stakes.csv", b"holder,entity,voting\nA1,B1,100\n", "text/csv"))]  # fmt: skip
    answer = client.post("/imports", data={"csrf_token": csrf_of(client, "/imports")}, files=good)
    assert answer.status_code == 200, answer.text
    report = answer.text.split('id="import-report"')[1]
    assert "entities" in report
    with UnitOfWork(engine) as uow:
        assert uow.groups.get("entities", "B1") is not None


def test_users_and_tokens_pages(
    client: TestClient,
    accounts: Accounts,
    engine: Engine,
    headers_for: Callable[..., dict[str, str]],
) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    answer = post_form(client, "/users", {"username": "bob", "password": "short", "role": "hr"},
                       token_from="/users")  # fmt: skip
    assert answer.status_code == 422 and "at least 10 characters" in answer.text
    with UnitOfWork(engine) as uow:
        assert (
            uow.connection.execute(select(users.c.id).where(users.c.username == "bob")).first()
            is None
        )
    # a token made on the page works on the API, and is shown once
    answer = post_form(client, "/tokens", {"name": "from the page"}, token_from="/tokens")
    assert answer.status_code == 201
    secret = answer.text.split('<code class="secret">')[1].split("</code>")[0]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["username"] == accounts.actor("admin").username
    assert secret not in client.get("/tokens").text
    audit = client.get("/audit?q=api_tokens&format=csv").text.splitlines()
    assert len(audit) >= 2 and "api_tokens" in audit[1]


def test_an_audit_entry_shows_the_record_before_and_after(
    client: TestClient, accounts: Accounts, engine: Engine
) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    post_form(client, "/users", {"username": "carol", "password": PASSWORD, "role": "finance"},
              token_from="/users")  # fmt: skip
    rows = client.get("/audit?q=users&format=csv").text.splitlines()
    entry = rows[1].split(",")[0]  # newest first: carol's
    page = client.get(f"/audit/{entry}").text
    details = page.split('id="audit-entry"')[1]
    assert accounts.actor("admin").username in details and "users" in details
    assert "&#34;username&#34;: &#34;carol&#34;" in page  # the record after, escaped
    assert "the record was new" in page
    assert client.get("/audit/999999").status_code == 404


@SQLITE
def test_a_sales_system_has_no_dashboard(client: TestClient, accounts: Accounts) -> None:
    # a till classifies, quotes and records orders: revenue charts are none of its business
    sign_in_as(client, accounts.actor("sales_system"), SECRET_KEY, NOW)
    start = client.get("/", follow_redirects=False)
    assert (start.status_code, start.headers["location"]) == (303, "/me")
    page = client.get("/me").text
    assert not re.findall(r'<section class="card chart-card[^"]*" id="([a-z_]+)"', page)


@SQLITE
def test_exported_text_stays_text(client: TestClient, accounts: Accounts, engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.groups.add("entities", {"id": "EVIL", "name": '=HYPERLINK("http://x.example","y")'})
        uow.commit()
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    book = load_workbook(io.BytesIO(client.get("/entities?q=EVIL&format=xlsx").content))
    cell = book["entities"]["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x.example","y")'
    exported = client.get("/entities?q=EVIL&format=csv").text.splitlines()
    assert exported[1] == 'EVIL,"\'=HYPERLINK(""http://x.example"",""y"")",,,,,'  # opens as text


@SQLITE
def test_exported_text_with_a_sign_opens_as_text_and_numbers_stay_numbers(
    client: TestClient, accounts: Accounts
) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    with UnitOfWork(accounts.engine) as uow:
        uow.groups.add("entities", {"id": "-DASH", "name": "+49 30 1234"})
        uow.commit()
    exported = client.get("/entities?q=DASH&format=csv").text.splitlines()
    assert exported[1] == "'-DASH,'+49 30 1234,,,,,"
    assert spreadsheet_safe(Decimal("-5.50")) == "-5.50"
