"""Who may open which page: every page route against every role, and without a session.

Roles are enforced on the pages exactly as on the API: the same permissions decide.
``PAGES`` has one row per page route (GET); a route that the app has and the matrix
lacks fails ``test_every_page_route_is_in_the_matrix``: add a row when you add a page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import NOW, SECRET_KEY, Accounts
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pages import INLINE_SCRIPT, csrf_of, sign_in_as
from sqlalchemy import Engine

from inhouse.db.uow import UnitOfWork
from inhouse.identity.domain import Role

ROLES = tuple(r.value for r in Role)
EVERYONE = frozenset(ROLES)
ADMIN = frozenset({"admin"})
CLASSIFIERS = frozenset({"admin", "finance", "hr", "service_agent", "sales_system"})
STRUCTURE_READERS = frozenset({"admin", "finance", "hr", "service_agent"})
PEOPLE_READERS = frozenset({"admin", "hr", "service_agent", "employee"})  # employees: own only
PRICING_READERS = frozenset({"admin", "finance", "hr"})
DASHBOARD_READERS = EVERYONE - {"employee", "sales_system"}  # the others go to /me
# sales systems: the orders they placed; employees: the orders they bought
ORDER_READERS = EVERYONE - {"service_agent"}
BENEFIT_READERS = frozenset({"admin", "hr", "employee"})  # employees: own only
INCENTIVE_READERS = frozenset({"admin", "finance", "hr"})
TICKET_READERS = frozenset({"admin", "service_agent", "employee"})  # employees: own only
PARITY_READERS = frozenset({"admin", "finance", "hr", "service_agent"})

# route → (concrete path, roles that get 200)
PAGES: dict[str, tuple[str, frozenset[str]]] = {
    "/": ("/", DASHBOARD_READERS),  # employees and sales systems are sent to /me
    "/me": ("/me", EVERYONE),
    "/structure": ("/structure?on=2026-03-02&compare=2026-01-01", STRUCTURE_READERS),
    "/classify": ("/classify?seller=ORG&buyer=P1&on=2026-03-02", CLASSIFIERS),
    "/entities": ("/entities", STRUCTURE_READERS),
    "/stakes": ("/stakes", STRUCTURE_READERS),
    "/units": ("/units", STRUCTURE_READERS),
    "/people": ("/people", PEOPLE_READERS),
    "/people/{person}": ("/people/P1", PEOPLE_READERS),
    "/employments": ("/employments", PEOPLE_READERS),
    "/products": ("/products", PRICING_READERS),
    "/programmes": ("/programmes", PRICING_READERS),
    "/orders": ("/orders", ORDER_READERS),
    # bought by the employee, P1, at the sales system's till
    "/orders/{order_id}": ("/orders/ORD-P1", ORDER_READERS),
    "/benefits": ("/benefits?year=2026", BENEFIT_READERS),
    "/benefits/payroll.csv": ("/benefits/payroll.csv?year=2026", BENEFIT_READERS),
    "/benefits/payroll.xlsx": ("/benefits/payroll.xlsx?year=2026", BENEFIT_READERS),
    "/incentives": ("/incentives", INCENTIVE_READERS),
    "/tickets": ("/tickets", TICKET_READERS),
    "/tickets/new": ("/tickets/new", TICKET_READERS),
    "/tickets/{ticket_id}": ("/tickets/T-P1", TICKET_READERS),  # asked by the employee, P1
    "/me/surveys/{survey_id}": ("/me/surveys/1", frozenset({"employee"})),  # P1's survey
    "/surveys": ("/surveys", frozenset({"admin", "service_agent"})),
    "/parity": ("/parity?period=2026", PARITY_READERS),
    "/imports": ("/imports", ADMIN),
    "/users": ("/users", ADMIN),
    "/tokens": ("/tokens", EVERYONE),
    "/audit": ("/audit", ADMIN),
    "/audit/{entry_id}": ("/audit/1", ADMIN),  # making the role's user wrote entry 1
}
# the survey form: its one-time token is the credential (tested in test_care_api.py)
PUBLIC = {"/login", "/vendor/plotly.min.js", "/surveys/{token}"}
POSTS = {"/login", "/logout", "/language", "/imports", "/users", "/tokens",
         "/tokens/{token_id}/revoke", "/surveys/{token}", "/orders/{order_id}/returns",
         "/tickets", "/tickets/{ticket_id}/articles", "/tickets/{ticket_id}/status",
         "/tickets/{ticket_id}/surveys", "/me/surveys/{survey_id}", "/surveys"}  # fmt: skip
# the POSTs: test_each_role_may_post_only_its_forms here, CSRF and effects in test_pages.py


def page_routes(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for context in iter_route_contexts(app.routes):  # routes of included routers too
        path = context.path or ""
        if isinstance(context.original_route, APIRoute) and not path.startswith("/api/"):
            for method in (context.methods or set()) - {"HEAD", "OPTIONS"}:
                found.add((method, path))
    return found


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_page_route_is_in_the_matrix(app: FastAPI) -> None:
    expected = {("GET", p) for p in [*PAGES, *PUBLIC]} | {("POST", p) for p in POSTS}
    assert page_routes(app) == expected


def add_order_of_p1(engine: Engine, placed_by: int | None = None) -> None:
    """Order ORD-P1: P1 bought one unit from ORG as an employee (written as stored), at
    the till of the user ``placed_by``."""
    with UnitOfWork(engine) as uow:
        uow.orders.add_order(
            {"id": "ORD-P1", "seller": "ORG", "buyer": "P1", "on": date(2026, 3, 1),
             "relation": "employee", "seller_entity": "ORG", "buyer_entity": "ORG",
             "group": "ORG", "internal": True, "uncertain": False,
             "classification": ["P1 is employed by ORG on 2026-03-01"], "evidence": [],
             "source": "api", "created_at": NOW, "created_by": "test", "placed_by": placed_by},
            [{"order_id": "ORD-P1", "number": 1, "product": "MUG", "category": None,
              "kind": "goods", "for_employees_only": False, "quantity": Decimal(2),
              "currency": "EUR", "list_price": Decimal(10), "list_amount": Decimal(20),
              "unit_price": Decimal(8), "amount": Decimal(16), "discount": Decimal(4),
              "unit_cost": None, "market_price": None, "programme": None,
              "programme_kind": None, "base": "list_price", "cap_left": None,
              "evidence": ["list price 10.00 EUR"], "not_applied": []}],
        )  # fmt: skip
        uow.commit()


def add_ticket_of_p1(engine: Engine) -> None:
    """Ticket T-P1 that P1 asked ORG, and a CSAT survey of it waiting for P1 (survey 1)."""
    opened = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with UnitOfWork(engine) as uow:
        uow.care.add_ticket(
            {"id": "T-P1", "created_at": opened, "requester_kind": "person", "requester": "P1",
             "serving_entity": "ORG", "relation": "employee", "internal": True,
             "relation_evidence": ["P1 is employed by ORG on 2026-03-02"], "channel": "web",
             "priority": "normal", "subject": "Badge broken", "status": "resolved",
             "policy": None, "policy_pinned": False, "policy_evidence": []}
        )  # fmt: skip
        uow.care.add_survey(
            {"kind": "csat", "ticket": "T-P1", "serving_entity": "ORG", "requester": "P1",
             "relation": "employee", "token_hash": "0" * 64, "created_at": opened,
             "expires_at": NOW + timedelta(days=7), "answered_at": None, "score": None,
             "comment": None}
        )  # fmt: skip
        uow.commit()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_its_pages(
    client: TestClient, accounts: Accounts, staff: tuple[str, str], role: str
) -> None:
    # The employee user is person P1 (employed by ORG, like P2).
    add_order_of_p1(accounts.engine, placed_by=accounts.actor("sales_system").user_id)
    add_ticket_of_p1(accounts.engine)
    sign_in_as(client, accounts.actor(role), SECRET_KEY, NOW)
    for route, (path, allowed) in PAGES.items():
        answer = client.get(path, follow_redirects=False)
        if role in allowed:
            assert answer.status_code == 200, f"{role} {path}: {answer.status_code}"
            assert not INLINE_SCRIPT.search(answer.text), f"inline script on {path}"
        elif route == "/" and role in ("employee", "sales_system"):
            assert (answer.status_code, answer.headers["location"]) == (303, "/me")
        else:
            assert answer.status_code == 403, f"{role} {path}: {answer.status_code}"
            assert "text/html" in answer.headers["content-type"]


def test_an_employee_sees_only_themselves(client: TestClient, accounts: Accounts) -> None:
    sign_in_as(client, accounts.actor("employee", person="P1"), SECRET_KEY, NOW)
    people = client.get("/people").text
    assert "/people/P1" in people and "/people/P2" not in people
    employments = client.get("/employments?format=csv").text.splitlines()
    assert [line.split(",")[0] for line in employments] == ["person", "P1"]
    assert client.get("/people/P2").status_code == 404
    assert client.get("/people?q=P2&format=csv").text.splitlines() == ["id,name,email,employee_no"]
    assert "Petra Eins" in client.get("/me").text


def test_a_sales_system_sees_only_the_orders_it_placed_and_no_dashboard(
    client: TestClient, accounts: Accounts, staff: tuple[str, str]
) -> None:
    # given ORD-P1 placed at the till, and ORD-P2 that another user placed
    till = accounts.actor("sales_system")
    add_order_of_p1(accounts.engine, placed_by=till.user_id)
    with UnitOfWork(accounts.engine) as uow:
        head = uow.orders.order("ORD-P1")
        lines = uow.orders.lines(["ORD-P1"])["ORD-P1"]
        assert head is not None
        uow.orders.add_order({**head, "id": "ORD-P2", "buyer": "P2",
                              "placed_by": accounts.actor("finance").user_id},
                             [{**line, "order_id": "ORD-P2"} for line in lines])  # fmt: skip
        uow.commit()
    sign_in_as(client, till, SECRET_KEY, NOW)

    # when the till opens the start page, its orders and the other order
    start = client.get("/", follow_redirects=False)
    listed = client.get("/orders?format=csv").text.splitlines()
    other = client.get("/orders/ORD-P2")

    # then it has no dashboard, lists its own order only and the other is "not found"
    assert (start.status_code, start.headers["location"]) == (303, "/me")
    menu = client.get("/me").text.split('<nav aria-label="Main menu">')[1].split("</nav>")[0]
    assert ">Dashboard<" not in menu and 'href="/orders"' in menu
    assert [line.split(",")[0] for line in listed] == ["id", "ORD-P1"]
    assert other.status_code == 404
    assert "no order ORD-P2" in other.text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_without_a_session_every_page_asks_to_sign_in(client: TestClient) -> None:
    for path, _allowed in PAGES.values():
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=/"), path


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_forged_or_expired_session_is_no_session(
    client: TestClient, accounts: Accounts, headers_for: Callable[..., dict[str, str]]
) -> None:
    actor = accounts.actor("admin")
    sign_in_as(client, actor, "another secret key, not the server's own 0123456789", NOW)
    assert client.get("/", follow_redirects=False).status_code == 303
    from datetime import timedelta

    sign_in_as(client, actor, SECRET_KEY, NOW - timedelta(days=2))
    assert client.get("/", follow_redirects=False).status_code == 303
    # an API token is no session either
    client.cookies.clear()
    assert client.get("/", headers=headers_for("admin"), follow_redirects=False).status_code == 303


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_post_only_its_forms(
    client: TestClient, accounts: Accounts, staff: tuple[str, str], role: str
) -> None:
    """The forms that write check the role as the API does (with a valid CSRF token)."""
    sign_in_as(client, accounts.actor(role), SECRET_KEY, NOW)
    token = csrf_of(client, "/me")
    made = client.post("/users", data={"csrf_token": token, "username": f"new-{role}",
                                       "password": "a long password", "role": "hr"},
                       follow_redirects=False)  # fmt: skip
    assert made.status_code == (303 if role == "admin" else 403)
    upload = client.post("/imports", data={"csrf_token": token},
                         files={"files": ("entities.csv", b"id,name\nIMP,Imp GmbH\n", "text/csv")})  # fmt: skip
    assert upload.status_code == (200 if role == "admin" else 403)
    with UnitOfWork(accounts.engine) as uow:
        assert (uow.identity.user_by_name(f"new-{role}") is not None) == (role == "admin")
        assert (uow.groups.get("entities", "IMP") is not None) == (role == "admin")
    # everyone makes their own API tokens, and only admins make them for others
    own = client.post("/tokens", data={"csrf_token": token, "name": "mine"})
    assert own.status_code == 201
    other = client.post("/tokens", data={"csrf_token": token, "name": "theirs",
                                         "username": accounts.username("admin")})  # fmt: skip
    assert other.status_code == (201 if role == "admin" else 403)
