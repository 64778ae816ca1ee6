"""Who may call what: every endpoint of the API against every role, and without a token.

``MATRIX`` has one or more rows per route of ``/api/v1``: the method, the route's path as
declared, how to make the concrete path and body, the roles that may call it and the
status they get. A route that the app has and the matrix lacks fails
``test_every_api_route_is_in_the_matrix``: add a row when you add an endpoint.

For each row and each role: a role that may gets exactly the row's status (so neither
401 nor 403); a role the record is hidden from (``hidden``: it reads such records, but not
this one) gets 404 problem details, exactly as for an unknown id; any other role gets 403
problem details; no token gets 401.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from conftest import Accounts
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from inhouse.care import services as care
from inhouse.clock import FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.groups.services import RegisterCache
from inhouse.identity import services as identity
from inhouse.identity.domain import SYSTEM, Role
from inhouse.orders import services as orders
from inhouse.web.app import API_PREFIX

HeadersFor = Callable[..., dict[str, str]]
ROLES = tuple(r.value for r in Role)
EVERYONE = frozenset(ROLES)
ADMIN = frozenset({"admin"})
CLASSIFIERS = frozenset({"admin", "finance", "hr", "service_agent", "sales_system"})
STRUCTURE_READERS = frozenset({"admin", "finance", "hr", "service_agent"})
STRUCTURE_WRITERS = frozenset({"admin", "finance"})
UNIT_WRITERS = frozenset({"admin", "finance", "hr"})
PEOPLE_READERS = frozenset({"admin", "hr", "service_agent", "employee"})  # employees: own only
PEOPLE_WRITERS = frozenset({"admin", "hr"})
PRICING_READERS = frozenset({"admin", "finance", "hr"})
PRICING_WRITERS = frozenset({"admin", "finance"})
QUOTERS = frozenset({"admin", "finance", "sales_system"})
ORDER_PLACERS = frozenset({"admin", "finance", "sales_system"})  # sales systems: their own only
# sales systems: the orders they placed; employees: the orders they bought
ORDER_READERS = frozenset({"admin", "finance", "hr", "sales_system", "employee"})
ALL_ORDER_READERS = frozenset({"admin", "finance", "hr"})
ALL_ORDER_PLACERS = frozenset({"admin", "finance"})
BENEFIT_READERS = frozenset({"admin", "hr", "employee"})  # employees: their own only
GROSS_PROFIT_READERS = frozenset({"admin", "finance", "hr"})
INCENTIVE_MANAGERS = frozenset({"admin", "hr"})
INCENTIVE_READERS = frozenset({"admin", "finance", "hr", "employee"})
POINTS_USERS = frozenset({"admin", "hr", "employee"})  # employees: their own only
PARTICIPATION_READERS = frozenset({"admin", "finance", "hr"})
AGENTS = frozenset({"admin", "service_agent"})  # read and write every ticket, manage SLAs
REQUESTERS = frozenset({"admin", "service_agent", "employee"})  # employees: own tickets only
PARITY_READERS = frozenset({"admin", "finance", "hr", "service_agent"})
CALENDAR: dict[str, Any] = {
    "name": "Office",
    "tz": "Europe/Berlin",
    "hours": {"mon-fri": [["09:00", "17:00"]]},
}
POLICY: dict[str, Any] = {"name": "All", "calendar": "CAL", "first_response": 60, "resolution": 480}
STATUSES = ["open", "pending_customer", "resolved", "closed", "open", "pending_reminder", "open"]
PASSWORD = "matrix password 1"
END = {"on": "2026-06-01"}


@dataclass
class World:
    """What the rows point at, made before each row's test (see ``world``).

    ORG (employs P1, the employee user's person, and P2) holds 100 % of SUB; ORG has the
    org unit ORG-IT (nobody in it); ``bystander`` is a user whose token only admins revoke.
    The sales system placed ORD-P1 (P1 bought it); ORD-P2 (P2 bought it) came from the
    system user. Ticket T1 is P1's, T2 is P2's.
    """

    engine: Engine
    clock: FixedClock
    accounts: Accounts
    stake: int
    employments: dict[str, int]
    bystander_token: int
    spare_tokens: dict[str, int] = field(default_factory=dict)

    def spare_token(self, role: str | None) -> int:
        """A second token of the role's user (revoking it leaves the one in use alone)."""
        who = role or "admin"
        if who not in self.spare_tokens:
            made = identity.create_token(uow=UnitOfWork(self.engine), actor=SYSTEM,
                                         clock=self.clock,
                                         username=self.accounts.actor(who).username,
                                         name="spare")  # fmt: skip
            self.spare_tokens[who] = made.id
        return self.spare_tokens[who]


Maker = Callable[[World, "str | None"], Any]


def fixed(value: Any) -> Maker:
    return lambda _world, _role: value


def per_role(number: Callable[[int], Any]) -> Maker:
    """A value made from the role's position, so that each role writes a record of its own."""
    return lambda _world, role: number(ROLES.index(role) if role else len(ROLES))


def dataset_zip(_world: World, role: str | None) -> Any:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("entities.csv", f"id,name\nIMP-{role or 'none'},Imported GmbH\n")
    return {"file": ("dataset.zip", buffer.getvalue(), "application/zip")}


def referral(world: World, role: str | None) -> Any:
    """A referral of a new person of the role's own (a person is referred once)."""
    referred = f"REF-{role or 'none'}"
    with UnitOfWork(world.engine) as uow:
        if uow.groups.party_kind(referred) is None:
            uow.groups.add("persons", {"id": referred, "name": "Referred Person"})
            uow.commit()
    return {"referrer": "P2", "referred": referred, "on": "2026-03-01"}


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # the path as the app declares it, below /api/v1
    allowed: frozenset[str]
    status: int  # what a role that may gets
    path: Maker = field(default=fixed(None))  # the concrete path; None: the route itself
    json: Maker | None = None
    files: Maker | None = None
    data: Maker | None = None
    query: dict[str, str] | None = None
    public: bool = False  # no token needed
    hidden: frozenset[str] = frozenset()  # roles that get 404, as for an unknown id

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


MATRIX: list[Row] = [
    # ---------------------------------------------------------------- identity
    Row("POST", "/auth/token", EVERYONE, 200, public=True,
        data=fixed({"username": "signer", "password": PASSWORD})),
    Row("GET", "/me", EVERYONE, 200),
    Row("GET", "/users", ADMIN, 200),
    Row("POST", "/users", ADMIN, 201, json=per_role(lambda n: {"username": f"new-{n}", "role": "hr"})),
    Row("GET", "/tokens", EVERYONE, 200),
    Row("POST", "/tokens", EVERYONE, 201, json=fixed({"name": "matrix"})),
    Row("POST", "/tokens/{token_id}/revoke", EVERYONE, 200,
        path=lambda w, role: f"/tokens/{w.spare_token(role)}/revoke"),
    Row("POST", "/tokens/{token_id}/revoke", ADMIN, 200,
        path=lambda w, _role: f"/tokens/{w.bystander_token}/revoke", hidden=EVERYONE - ADMIN),
    Row("GET", "/audit-log", ADMIN, 200),
    # ---------------------------------------------------------------- classification, structure
    Row("POST", "/classifications", CLASSIFIERS, 200,
        json=fixed({"seller": "ORG", "buyer": "P1", "on": "2026-03-02"})),
    Row("GET", "/entities/{entity_id}/structure", STRUCTURE_READERS, 200,
        path=fixed("/entities/ORG/structure"), query={"on": "2026-03-02"}),
    # ---------------------------------------------------------------- entities
    Row("POST", "/entities", STRUCTURE_WRITERS, 201,
        json=per_role(lambda n: {"id": f"NEW-{n}", "name": "New GmbH"})),
    Row("GET", "/entities", STRUCTURE_READERS, 200),
    Row("GET", "/entities/{entity_id}", STRUCTURE_READERS, 200, path=fixed("/entities/ORG")),
    Row("PATCH", "/entities/{entity_id}", STRUCTURE_WRITERS, 200, path=fixed("/entities/ORG"),
        json=fixed({"name": "Org AG"})),
    Row("POST", "/entities/{entity_id}/end", STRUCTURE_WRITERS, 200,
        path=fixed("/entities/SUB/end"), json=fixed(END)),
    # ---------------------------------------------------------------- stakes
    Row("POST", "/stakes", STRUCTURE_WRITERS, 201,
        json=per_role(lambda n: {"holder": "P2", "entity": "SUB", "voting": "1",
                                 "valid_from": date(2025, 1, 1 + n).isoformat()})),
    Row("GET", "/stakes", STRUCTURE_READERS, 200),
    Row("GET", "/stakes/{stake_id}", STRUCTURE_READERS, 200, path=lambda w, _r: f"/stakes/{w.stake}"),
    Row("PATCH", "/stakes/{stake_id}", STRUCTURE_WRITERS, 200,
        path=lambda w, _r: f"/stakes/{w.stake}", json=fixed({"voting": "90"})),
    Row("POST", "/stakes/{stake_id}/end", STRUCTURE_WRITERS, 200,
        path=lambda w, _r: f"/stakes/{w.stake}/end", json=fixed(END)),
    # ---------------------------------------------------------------- org units
    Row("POST", "/units", UNIT_WRITERS, 201,
        json=per_role(lambda n: {"id": f"ORG-U{n}", "entity": "ORG", "name": "New unit"})),
    Row("GET", "/units", STRUCTURE_READERS, 200),
    Row("GET", "/units/{unit_id}", STRUCTURE_READERS, 200, path=fixed("/units/ORG-IT")),
    Row("PATCH", "/units/{unit_id}", UNIT_WRITERS, 200, path=fixed("/units/ORG-IT"),
        json=fixed({"name": "Information technology"})),
    Row("POST", "/units/{unit_id}/end", UNIT_WRITERS, 200, path=fixed("/units/ORG-IT/end"),
        json=fixed(END)),
    # ---------------------------------------------------------------- persons
    Row("POST", "/persons", PEOPLE_WRITERS, 201,
        json=per_role(lambda n: {"id": f"PN{n}", "name": "New Person"})),
    Row("GET", "/persons", PEOPLE_READERS, 200),
    Row("GET", "/persons/{person_id}", PEOPLE_READERS, 200, path=fixed("/persons/P1")),
    Row("PATCH", "/persons/{person_id}", PEOPLE_WRITERS, 200, path=fixed("/persons/P2"),
        json=fixed({"email": "paul.zwei@org.example"})),
    Row("POST", "/persons/{person_id}/end", PEOPLE_WRITERS, 200, path=fixed("/persons/P2/end"),
        json=fixed(END)),
    # ---------------------------------------------------------------- employments
    Row("POST", "/employments", PEOPLE_WRITERS, 201,
        json=per_role(lambda n: {"person": "P2", "entity": "SUB",
                                 "valid_from": date(2025, 1, 1 + n).isoformat()})),
    Row("GET", "/employments", PEOPLE_READERS, 200),
    Row("GET", "/employments/{employment_id}", PEOPLE_READERS, 200,
        path=lambda w, _r: f"/employments/{w.employments['P1']}"),
    Row("PATCH", "/employments/{employment_id}", PEOPLE_WRITERS, 200,
        path=lambda w, _r: f"/employments/{w.employments['P2']}", json=fixed({"kind": "retiree"})),
    Row("POST", "/employments/{employment_id}/end", PEOPLE_WRITERS, 200,
        path=lambda w, _r: f"/employments/{w.employments['P2']}/end", json=fixed(END)),
    # ---------------------------------------------------------------- datasets
    Row("POST", "/imports", ADMIN, 200, files=dataset_zip),
    Row("GET", "/exports", ADMIN, 200),
    # ---------------------------------------------------------------- pricing
    Row("POST", "/products", PRICING_WRITERS, 201,
        json=per_role(lambda n: {"id": f"PRD-{n}", "seller": "ORG", "name": "Thing",
                                 "currency": "EUR", "list_price": "10"})),
    Row("GET", "/products", PRICING_READERS, 200),
    Row("GET", "/products/{product_id}", PRICING_READERS, 200, path=fixed("/products/ORG-W")),
    Row("POST", "/products/{product_id}/prices", PRICING_WRITERS, 201,
        path=fixed("/products/ORG-W/prices"),
        json=per_role(lambda n: {"valid_from": date(2026, 2, 1 + n).isoformat(),
                                 "list_price": "11"})),
    Row("POST", "/programmes", PRICING_WRITERS, 201,
        json=per_role(lambda n: {"id": f"PR-{n}", "name": "Charge",
                                 "kind": "department_charge"})),
    Row("GET", "/programmes", PRICING_READERS, 200),
    Row("GET", "/programmes/{programme_id}", PRICING_READERS, 200, path=fixed("/programmes/PR1")),
    Row("POST", "/programmes/{programme_id}/end", PRICING_WRITERS, 200,
        path=fixed("/programmes/PR1/end"), json=fixed(END)),
    Row("POST", "/quotes", QUOTERS, 200,
        json=fixed({"seller": "ORG", "buyer": "P1", "on": "2026-03-02",
                    "lines": [{"product": "ORG-W", "quantity": "1"}]})),
    # ---------------------------------------------------------------- orders
    Row("POST", "/orders", ORDER_PLACERS, 201,
        json=fixed({"seller": "ORG", "buyer": "P1", "on": "2026-03-02",
                    "lines": [{"product": "ORG-W", "quantity": "1"}]})),
    Row("GET", "/orders", ORDER_READERS, 200),
    Row("GET", "/orders/{order_id}", ORDER_READERS, 200, path=fixed("/orders/ORD-P1")),
    Row("GET", "/orders/{order_id}", ALL_ORDER_READERS, 200, path=fixed("/orders/ORD-P2"),
        hidden=frozenset({"sales_system", "employee"})),
    Row("POST", "/orders/{order_id}/returns", ORDER_PLACERS, 201,
        path=fixed("/orders/ORD-P1/returns"), json=fixed({"lines": [{"line": 1, "quantity": "1"}]})),
    Row("POST", "/orders/{order_id}/returns", ALL_ORDER_PLACERS, 201,
        path=fixed("/orders/ORD-P2/returns"), json=fixed({"lines": [{"line": 1, "quantity": "1"}]}),
        hidden=frozenset({"sales_system"})),
    # ---------------------------------------------------------------- benefits
    Row("GET", "/benefits", BENEFIT_READERS, 200, query={"year": "2026"}),
    Row("GET", "/benefits/payroll.csv", BENEFIT_READERS, 200, query={"year": "2026"}),
    Row("GET", "/gross-profit-percentages", GROSS_PROFIT_READERS, 200),
    Row("PUT", "/gross-profit-percentages/{entity}/{year}", PRICING_WRITERS, 200,
        path=fixed("/gross-profit-percentages/ORG/2025"), json=fixed({"percent": "30"})),
    # ---------------------------------------------------------------- incentives
    Row("POST", "/incentive-programmes", INCENTIVE_MANAGERS, 201,
        json=per_role(lambda n: {"id": f"IP-{n}", "name": "Welcome",
                                 "kind": "first_purchase_bonus", "bonus_points": 10})),
    Row("GET", "/incentive-programmes", INCENTIVE_READERS, 200),
    Row("GET", "/incentive-programmes/{programme_id}", INCENTIVE_READERS, 200,
        path=fixed("/incentive-programmes/IP1")),
    Row("POST", "/incentive-programmes/{programme_id}/end", INCENTIVE_MANAGERS, 200,
        path=fixed("/incentive-programmes/IP1/end"), json=fixed(END)),
    Row("GET", "/points/{person_id}", POINTS_USERS, 200, path=fixed("/points/P1")),
    Row("POST", "/points/{person_id}/redemptions", POINTS_USERS, 201,
        path=fixed("/points/P1/redemptions"), json=fixed({"points": 1, "reason": "Voucher"})),
    Row("POST", "/points/{person_id}/adjustments", INCENTIVE_MANAGERS, 201,
        path=fixed("/points/P2/adjustments"), json=fixed({"points": 5, "reason": "Goodwill"})),
    Row("POST", "/referrals", INCENTIVE_MANAGERS, 201,
        json=referral),
    Row("GET", "/referrals", INCENTIVE_MANAGERS, 200),
    Row("GET", "/participation", PARTICIPATION_READERS, 200, query={"period": "2026-03"}),
    # ---------------------------------------------------------------- care
    Row("POST", "/calendars", AGENTS, 201, json=per_role(lambda n: {"id": f"CAL-{n}", **CALENDAR})),
    Row("GET", "/calendars", AGENTS, 200),
    Row("GET", "/calendars/{calendar_id}", AGENTS, 200, path=fixed("/calendars/CAL")),
    Row("PUT", "/calendars/{calendar_id}", AGENTS, 200, path=fixed("/calendars/CAL"),
        json=fixed(CALENDAR)),
    Row("POST", "/sla-policies", AGENTS, 201,
        json=per_role(lambda n: {"id": f"POL-{n}", "position": 100 + n, **POLICY})),
    Row("GET", "/sla-policies", AGENTS, 200),
    Row("GET", "/sla-policies/{policy_id}", AGENTS, 200, path=fixed("/sla-policies/POL")),
    Row("PUT", "/sla-policies/{policy_id}", AGENTS, 200, path=fixed("/sla-policies/POL"),
        json=fixed({"position": 1, **POLICY})),
    Row("POST", "/tickets", REQUESTERS, 201,
        json=per_role(lambda n: {"id": f"T-{n}", "requester": "P1", "serving_entity": "ORG",
                                 "subject": "Laptop broken"})),
    Row("GET", "/tickets", REQUESTERS, 200),
    Row("GET", "/tickets/{ticket_id}", REQUESTERS, 200, path=fixed("/tickets/T1")),
    Row("GET", "/tickets/{ticket_id}", AGENTS, 200, path=fixed("/tickets/T2"),
        hidden=frozenset({"employee"})),
    Row("POST", "/tickets/{ticket_id}/articles", REQUESTERS, 201,
        path=fixed("/tickets/T1/articles"), json=fixed({"body": "Any news?"})),
    Row("POST", "/tickets/{ticket_id}/articles", AGENTS, 201,
        path=fixed("/tickets/T2/articles"), json=fixed({"body": "Any news?"}),
        hidden=frozenset({"employee"})),
    Row("POST", "/tickets/{ticket_id}/status", AGENTS, 200, path=fixed("/tickets/T1/status"),
        json=per_role(lambda n: {"status": STATUSES[n]})),
    Row("PUT", "/tickets/{ticket_id}/policy", AGENTS, 200, path=fixed("/tickets/T1/policy"),
        json=fixed({"policy": None})),
    Row("POST", "/surveys", AGENTS, 201,
        json=fixed({"kind": "nps", "serving_entity": "ORG", "requester": "P2"})),
    Row("GET", "/parity", PARITY_READERS, 200, query={"period": "2026-Q1"}),
]  # fmt: skip


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path below /api/v1) that the app serves or documents."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):  # routes of included routers too
        path = context.path or ""
        if isinstance(context.original_route, APIRoute) and path.startswith(API_PREFIX):
            for method in (context.methods or set()) - {"HEAD", "OPTIONS"}:
                found.add((method, path.removeprefix(API_PREFIX)))
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            if method in ("get", "put", "post", "patch", "delete"):
                found.add((method.upper(), path.removeprefix(API_PREFIX)))
    return found


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_api_route_is_in_the_matrix(app: FastAPI) -> None:
    served = api_routes(app)
    listed = {(row.method, row.route) for row in MATRIX}
    missing = sorted(served - listed)
    stale = sorted(listed - served)
    assert missing == [], f"add rows to MATRIX in {__file__} for {missing}"
    assert stale == [], f"rows of MATRIX name routes the app does not serve: {stale}"


@pytest.fixture
def world(engine: Engine, clock: FixedClock, accounts: Accounts, staff: tuple[str, str]) -> World:
    with UnitOfWork(engine) as uow:
        groups = uow.groups
        groups.add("entities", {"id": "SUB", "name": "Sub GmbH"})
        groups.add("units", {"id": "ORG-IT", "entity": "ORG", "name": "IT"})
        stake = groups.add("stakes", {"holder": "ORG", "entity": "SUB", "voting": "100",
                                      "equity": "100", "valid_from": date(2021, 1, 1)})  # fmt: skip
        employments = {r["person"]: r["id"] for r in groups.all_rows("employments")}
        uow.pricing.add_product({"id": "ORG-W", "seller": "ORG", "name": "Widget",
                                 "kind": "goods", "currency": "EUR"})  # fmt: skip
        uow.pricing.add_price({"product": "ORG-W", "valid_from": date(2026, 1, 1),
                               "list_price": Decimal("10"), "unit_cost": Decimal("6")})  # fmt: skip
        uow.pricing.add_programme({"id": "PR1", "name": "Charge", "kind": "department_charge",
                                   "categories_included": [], "categories_excluded": [],
                                   "quantity_limits": [], "comparables": []})  # fmt: skip
        uow.incentives.add_programme({"id": "IP1", "name": "Welcome", "awarded": 0,
                                      "kind": "first_purchase_bonus", "bonus_points": 10})  # fmt: skip
        uow.incentives.lock_account("P1")
        uow.incentives.add_entry({"person": "P1", "kind": "adjust", "points": 100,
                                  "booked_on": date(2026, 3, 1), "reason": "Start",
                                  "recorded_at": clock.now(), "recorded_by": "system"})  # fmt: skip
        uow.commit()
    till = accounts.actor("sales_system")
    for placer, buyer in ((till, "P1"), (SYSTEM, "P2")):
        orders.place_order(uow=UnitOfWork(engine), cache=RegisterCache(), actor=placer,
                           clock=clock, seller="ORG", buyer=buyer, on=date(2026, 3, 2),
                           id=f"ORD-{buyer}", lines=[orders.OrderLineIn("ORG-W", Decimal(10))])  # fmt: skip
    care.define_calendar(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, id="CAL", **CALENDAR)
    care.define_policy(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, id="POL", position=1,
                       **POLICY)  # fmt: skip
    for ticket, requester in (("T1", "P1"), ("T2", "P2")):
        care.open_ticket(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                         cache=RegisterCache(), id=ticket, requester=requester,
                         serving_entity="ORG", subject="No network")  # fmt: skip
    identity.add_user(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, username="bystander",
                      password=None, role="hr")  # fmt: skip
    bystander = identity.create_token(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                                      username="bystander", name="kept")  # fmt: skip
    return World(engine, clock, accounts, stake["id"], employments, bystander.id)


def call(client: TestClient, world: World, row: Row, role: str | None,
         headers: dict[str, str]) -> Response:  # fmt: skip
    path = row.path(world, role) or row.route
    kwargs: dict[str, Any] = {"headers": headers, "params": row.query}
    for name, maker in (("json", row.json), ("files", row.files), ("data", row.data)):
        if maker is not None:
            kwargs[name] = maker(world, role)
    response: Response = client.request(row.method, API_PREFIX + path, **kwargs)
    return response


@pytest.mark.parametrize("row", MATRIX, ids=[f"{r.id} [{'+'.join(sorted(r.allowed))}]" for r in MATRIX])  # fmt: skip
def test_each_role_reaches_only_what_it_may(
    client: TestClient, world: World, headers_for: HeadersFor, row: Row
) -> None:
    if row.public:
        identity.add_user(uow=UnitOfWork(world.engine), actor=SYSTEM, clock=world.clock,
                          username="signer", password=PASSWORD, role="hr")  # fmt: skip

    # without a token: 401 (or the answer itself for a public route)
    anonymous = call(client, world, row, None, {})
    if row.public:
        assert anonymous.status_code == row.status, anonymous.text
    else:
        assert anonymous.status_code == 401, anonymous.text
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert anonymous.json()["title"] == "Not signed in"

    # with each role's token: the row's status where allowed, 404 where the record is
    # hidden from the role, 403 problem details elsewhere
    for role in ROLES if not row.public else ROLES[:1]:  # a public route ignores tokens
        response = call(client, world, row, role, headers_for(role))
        if role in row.allowed:
            assert response.status_code == row.status, (role, response.text)
        elif role in row.hidden:
            assert response.status_code == 404, (role, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["title"] == "Not found"
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            body = response.json()
            assert (body["status"], body["title"]) == (403, "Not allowed")
            assert body["detail"].startswith(f"the role {role} may not ")


# --------------------------------------------------------------------- employees see themselves


def test_an_employee_reads_their_own_person_and_employments(
    client: TestClient, world: World, headers_for: HeadersFor
) -> None:
    employee = headers_for("employee")  # person P1

    person = client.get(f"{API_PREFIX}/persons/P1", headers=employee)
    employment = client.get(f"{API_PREFIX}/employments/{world.employments['P1']}",
                            headers=employee)  # fmt: skip
    employments = client.get(f"{API_PREFIX}/employments", headers=employee)

    assert person.status_code == 200
    assert person.json() == {"id": "P1", "name": "Petra Eins", "email": None, "employee_no": None}
    assert employment.status_code == 200
    assert employment.json()["person"] == "P1"
    assert [e["person"] for e in employments.json()["items"]] == ["P1"]


def test_an_employee_cannot_see_another_persons_records(
    client: TestClient, world: World, headers_for: HeadersFor
) -> None:
    employee = headers_for("employee")  # person P1; P2 exists and is employed

    person = client.get(f"{API_PREFIX}/persons/P2", headers=employee)
    employment = client.get(f"{API_PREFIX}/employments/{world.employments['P2']}",
                            headers=employee)  # fmt: skip
    filtered = client.get(f"{API_PREFIX}/employments", params={"person": "P2"}, headers=employee)

    # then they answer as if P2 did not exist (404, not 403: nothing is given away)
    assert person.status_code == 404
    assert person.json()["detail"] == "no person P2"
    assert employment.status_code == 404
    assert employment.json()["detail"] == f"no employment {world.employments['P2']}"
    assert filtered.status_code == 200
    assert filtered.json()["items"] == []


def test_an_employee_listing_persons_sees_only_themselves(
    client: TestClient, world: World, headers_for: HeadersFor
) -> None:
    response = client.get(f"{API_PREFIX}/persons", headers=headers_for("employee", person="P2"))
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["items"]] == ["P2"]
    assert response.json()["next_cursor"] is None
    # while hr sees everyone
    everyone = client.get(f"{API_PREFIX}/persons", headers=headers_for("hr")).json()["items"]
    assert [p["id"] for p in everyone] == ["P1", "P2"]


# --------------------------------------------------------------------- a till: least privilege


def test_a_sales_system_lists_only_the_orders_it_placed(
    client: TestClient, world: World, headers_for: HeadersFor
) -> None:
    till = headers_for("sales_system")  # placed ORD-P1; the system user placed ORD-P2

    listed = client.get(f"{API_PREFIX}/orders", headers=till)
    by_buyer = client.get(f"{API_PREFIX}/orders", params={"buyer": "P2"}, headers=till)
    everything = client.get(f"{API_PREFIX}/orders", headers=headers_for("finance"))

    # then the till sees its own order only, also when it asks for another buyer's
    assert [o["id"] for o in listed.json()["items"]] == ["ORD-P1"]
    assert by_buyer.json()["items"] == []
    assert [o["id"] for o in everything.json()["items"]] == ["ORD-P1", "ORD-P2"]


def test_a_sales_system_reads_no_dashboard_figures_people_pricing_or_benefits(
    client: TestClient, world: World, headers_for: HeadersFor
) -> None:
    till = headers_for("sales_system")
    for path, query in (("/persons", None), ("/employments", None), ("/products", None),
                        ("/programmes", None), ("/benefits", {"year": "2026"}),
                        ("/participation", {"period": "2026-03"}), ("/points/P1", None),
                        ("/parity", {"period": "2026-Q1"}), ("/entities", None)):  # fmt: skip
        response = client.get(API_PREFIX + path, params=query, headers=till)
        assert response.status_code == 403, (path, response.text)
