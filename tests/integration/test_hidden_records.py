"""A record one may not read answers exactly like a record that does not exist.

For every endpoint that names one record (or filters by one person), each role calls it
twice: with another person's record (P2's, or a record of another user) and with an id
that nobody has. Wherever the first is refused (403 or 404), the second must be refused
the same way: the same status and the same problem details, only the id differs. So a
caller learns nothing about what exists beyond what it may read. Where a role reads such
records but not this one (an employee and P2's order, a sales system and an order it did
not place), the answer is 404, as for an unknown id. The web pages for those records do
the same with their 404 page.

The employee user is person P1; P2 is another employee of ORG.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from conftest import NOW, SECRET_KEY, Accounts
from fastapi.testclient import TestClient
from httpx import Response
from pages import csrf_of, sign_in_as
from sqlalchemy import Engine

from inhouse.care import services as care
from inhouse.clock import FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.groups.services import RegisterCache
from inhouse.identity import services as identity
from inhouse.identity.domain import SYSTEM, Role
from inhouse.orders import services as orders
from inhouse.web.app import API_PREFIX

ROLES = tuple(r.value for r in Role)
HeadersFor = Callable[..., dict[str, str]]
NOBODY = "NOBODY"
UNKNOWN_NUMBER = "999999"
CALENDAR: dict[str, Any] = {"name": "Office", "tz": "Europe/Berlin",
                            "hours": {"mon-fri": [["09:00", "17:00"]]}}  # fmt: skip
END = {"on": "2026-06-01"}


@dataclass
class Things:
    """Ids of records that are not the employee's (P1's) and not the sales system's."""

    employment: str  # P2's employment
    token: str  # a token of the hr user "bystander"
    survey: str  # a survey waiting for P2


@pytest.fixture
def things(engine: Engine, clock: FixedClock, accounts: Accounts, staff: tuple[str, str]) -> Things:
    with UnitOfWork(engine) as uow:
        employment = next(r["id"] for r in uow.groups.all_rows("employments")
                          if r["person"] == "P2")  # fmt: skip
        uow.groups.add("units", {"id": "ORG-IT", "entity": "ORG", "name": "IT"})
        uow.pricing.add_product({"id": "ORG-W", "seller": "ORG", "name": "Widget",
                                 "kind": "goods", "currency": "EUR"})  # fmt: skip
        uow.pricing.add_price({"product": "ORG-W", "valid_from": date(2026, 1, 1),
                               "list_price": Decimal("10"), "unit_cost": Decimal("6")})  # fmt: skip
        uow.pricing.add_programme({"id": "PR1", "name": "Charge", "kind": "department_charge",
                                   "categories_included": [], "categories_excluded": [],
                                   "quantity_limits": [], "comparables": []})  # fmt: skip
        uow.incentives.add_programme({"id": "IP1", "name": "Welcome", "awarded": 0,
                                      "kind": "first_purchase_bonus", "bonus_points": 10})  # fmt: skip
        for person in ("P1", "P2"):
            uow.incentives.lock_account(person)
            uow.incentives.add_entry({"person": person, "kind": "adjust", "points": 100,
                                      "booked_on": date(2026, 3, 1), "reason": "Start",
                                      "recorded_at": clock.now(), "recorded_by": "system"})  # fmt: skip
        uow.commit()
    # P2's order, placed by the system user (so by no sales system), and P2's ticket
    orders.place_order(uow=UnitOfWork(engine), cache=RegisterCache(), actor=SYSTEM, clock=clock,
                       seller="ORG", buyer="P2", on=date(2026, 3, 2), id="ORD-P2",
                       lines=[orders.OrderLineIn("ORG-W", Decimal(10))])  # fmt: skip
    care.define_calendar(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, id="CAL", **CALENDAR)
    care.define_policy(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, id="POL", position=1,
                       name="All", calendar="CAL", first_response=60, resolution=480)  # fmt: skip
    care.open_ticket(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, cache=RegisterCache(),
                     id="T2", requester="P2", serving_entity="ORG", subject="No network")  # fmt: skip
    with UnitOfWork(engine) as uow:
        survey = uow.care.add_survey(
            {"kind": "csat", "ticket": "T2", "serving_entity": "ORG", "requester": "P2",
             "relation": "employee", "token_hash": "0" * 64, "created_at": NOW,
             "expires_at": NOW + timedelta(days=7), "answered_at": None, "score": None,
             "comment": None}
        )  # fmt: skip
        uow.commit()
    identity.add_user(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, username="bystander",
                      password=None, role="hr")  # fmt: skip
    token = identity.create_token(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                                  username="bystander", name="kept")  # fmt: skip
    return Things(str(employment), str(token.id), str(survey["id"]))


@dataclass(frozen=True)
class Call:
    """One endpoint: ``{id}`` in the path (or the query) is another's record or unknown."""

    method: str
    path: str
    real: Callable[[Things], str]
    unknown: str = NOBODY
    json: dict[str, Any] | None = None
    query: str | None = None  # the name of the query parameter that takes the id
    hidden: frozenset[str] = frozenset()  # roles that must get 404 for the real record
    params: dict[str, str] = field(default_factory=dict)  # other query parameters
    unknown_status: int = 404  # what a role that may gets for the unknown id

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}" + (f"?{self.query}=" if self.query else "")

    def request(self, client: TestClient, key: str, headers: dict[str, str]) -> Response:
        path = self.path if self.query else self.path.replace("{id}", key)
        params = {**self.params, **({self.query: key} if self.query else {})}
        answer: Response = client.request(self.method, API_PREFIX + path, params=params,
                                          json=self.json, headers=headers)  # fmt: skip
        return answer


def fixed(value: str) -> Callable[[Things], str]:
    return lambda _things: value


EMPLOYEE = frozenset({"employee"})
NOT_ADMIN = frozenset(ROLES) - {"admin"}
CALLS = [
    # people: an employee reads only their own person and employments
    Call("GET", "/persons/{id}", fixed("P2"), hidden=EMPLOYEE),
    Call("PATCH", "/persons/{id}", fixed("P2"), json={"name": "Paul Zwo"}),
    Call("GET", "/employments/{id}", lambda t: t.employment, UNKNOWN_NUMBER, hidden=EMPLOYEE),
    Call(
        "PATCH",
        "/employments/{id}",
        lambda t: t.employment,
        UNKNOWN_NUMBER,
        json={"kind": "retiree"},
    ),
    Call("GET", "/employments", fixed("P2"), query="person"),
    # orders: an employee reads the orders they bought, a sales system those it placed
    Call(
        "GET",
        "/orders/{id}",
        fixed("ORD-P2"),
        "ORD-NOBODY",
        hidden=frozenset({"employee", "sales_system"}),
    ),
    Call(
        "POST",
        "/orders/{id}/returns",
        fixed("ORD-P2"),
        "ORD-NOBODY",
        json={"lines": [{"line": 1, "quantity": "1"}]},
        hidden=frozenset({"sales_system"}),
    ),
    Call("GET", "/orders", fixed("P2"), query="buyer"),
    Call("GET", "/benefits", fixed("P2"), query="person", params={"year": "2026"}),
    # points: an employee reads and redeems only their own
    Call("GET", "/points/{id}", fixed("P2"), hidden=EMPLOYEE),
    Call(
        "POST",
        "/points/{id}/redemptions",
        fixed("P2"),
        json={"points": 1, "reason": "Voucher"},
        hidden=EMPLOYEE,
    ),
    Call("POST", "/points/{id}/adjustments", fixed("P2"), json={"points": 5, "reason": "Goodwill"}),
    # tickets: an employee reads and writes only the tickets they asked
    Call("GET", "/tickets/{id}", fixed("T2"), "T-NOBODY", hidden=EMPLOYEE),
    Call(
        "POST",
        "/tickets/{id}/articles",
        fixed("T2"),
        "T-NOBODY",
        json={"body": "Any news?"},
        hidden=EMPLOYEE,
    ),
    Call(
        "POST", "/tickets/{id}/status", fixed("T2"), "T-NOBODY", json={"status": "pending_customer"}
    ),
    Call("PUT", "/tickets/{id}/policy", fixed("T2"), "T-NOBODY", json={"policy": None}),
    Call("GET", "/tickets", fixed("P2"), query="requester"),
    # tokens: anyone revokes their own; another user's is hidden from all but admins
    Call("POST", "/tokens/{id}/revoke", lambda t: t.token, UNKNOWN_NUMBER, hidden=NOT_ADMIN),
    # records that a role reads all or none of: refused alike, known or not
    Call("GET", "/entities/{id}", fixed("ORG")),
    Call(
        "GET",
        "/entities/{id}/structure",
        fixed("ORG"),
        params={"on": "2026-03-02"},
        unknown_status=422,
    ),  # an unknown party
    Call("GET", "/units/{id}", fixed("ORG-IT")),
    Call("GET", "/products/{id}", fixed("ORG-W")),
    Call("GET", "/programmes/{id}", fixed("PR1")),
    Call("POST", "/programmes/{id}/end", fixed("PR1"), json=END),
    Call("GET", "/calendars/{id}", fixed("CAL")),
    Call("GET", "/sla-policies/{id}", fixed("POL")),
    Call("GET", "/incentive-programmes/{id}", fixed("IP1")),
]


def same_answer(known: Response, unknown: Response, real: str, other: str) -> None:
    """The two answers are one, but for the id they name."""
    assert known.status_code == unknown.status_code, (known.text, unknown.text)
    named = re.sub(rf"(?<![\w-]){re.escape(real)}(?![\w-])", other, known.text)
    assert named == unknown.text


@pytest.mark.parametrize("call", CALLS, ids=[c.id for c in CALLS])
def test_a_record_one_may_not_read_answers_like_an_unknown_one(
    client: TestClient, things: Things, headers_for: HeadersFor, call: Call
) -> None:
    real = call.real(things)
    for role in ROLES:
        headers = headers_for(role)

        # when the role asks for another's record and for one that nobody has
        known = call.request(client, real, headers)
        unknown = call.request(client, call.unknown, headers)

        # then where the record is refused, the unknown id is refused in the same words
        if role in call.hidden:
            assert known.status_code == 404, (role, known.text)
        if known.status_code in (403, 404):
            assert known.headers["content-type"] == "application/problem+json"
            same_answer(known, unknown, real, call.unknown)
        if role == "admin" and call.query is None:  # the unknown id is really unknown
            assert unknown.status_code == call.unknown_status, unknown.text


# --------------------------------------------------------------------- the web pages

PAGES = [
    ("/people/{id}", fixed("P2"), NOBODY, EMPLOYEE),
    ("/orders/{id}", fixed("ORD-P2"), "ORD-NOBODY", frozenset({"employee", "sales_system"})),
    ("/tickets/{id}", fixed("T2"), "T-NOBODY", EMPLOYEE),
    ("/me/surveys/{id}", lambda t: t.survey, UNKNOWN_NUMBER, EMPLOYEE),
]
FORMS = [
    ("/orders/{id}/returns", fixed("ORD-P2"), "ORD-NOBODY", {"line-1": "1"},
     frozenset({"sales_system"})),
    ("/tickets/{id}/articles", fixed("T2"), "T-NOBODY", {"body": "Any news?"}, EMPLOYEE),
]  # fmt: skip
_CSRF = re.compile(r'value="[0-9a-f]{64}"')


def _page_text(answer: Response) -> str:
    """What the page says about the record: its title and main part (no CSRF token)."""
    text = _CSRF.sub('value="…"', answer.text)
    title = text.split("<title>")[1].split("</title>")[0]
    return title + text.split("<main>")[1].split("</main>")[0]


def same_page(known: Response, unknown: Response, real: str, other: str) -> None:
    assert known.status_code == unknown.status_code, (known.status_code, unknown.status_code)
    named = re.sub(rf"(?<![\w/-]){re.escape(real)}(?![\w-])", other, _page_text(known))
    named = named.replace(f"/{real}", f"/{other}")
    expected = _page_text(unknown)
    assert named == expected, "\n".join(
        difflib.unified_diff(expected.splitlines(), named.splitlines(), lineterm="", n=0)
    )


@pytest.mark.parametrize("role", ROLES)
def test_a_page_of_a_record_one_may_not_read_is_the_not_found_page(
    client: TestClient, things: Things, accounts: Accounts, role: str
) -> None:
    sign_in_as(client, accounts.actor(role), SECRET_KEY, NOW)
    token = csrf_of(client, "/me")
    for path, real_of, other, hidden in PAGES:
        real = real_of(things)
        known = client.get(path.replace("{id}", real), follow_redirects=False)
        unknown = client.get(path.replace("{id}", other), follow_redirects=False)
        if role in hidden:
            assert known.status_code == 404, (path, known.status_code)
        if known.status_code in (403, 404):
            same_page(known, unknown, real, other)
    for path, real_of, other, form, hidden in FORMS:
        real = real_of(things)
        data = {"csrf_token": token, **form}
        known = client.post(path.replace("{id}", real), data=data, follow_redirects=False)
        unknown = client.post(path.replace("{id}", other), data=data, follow_redirects=False)
        if role in hidden:
            assert known.status_code == 404, (path, known.status_code)
        if known.status_code in (403, 404):
            same_page(known, unknown, real, other)


def test_nothing_was_changed_by_the_refused_calls(
    client: TestClient, things: Things, headers_for: HeadersFor, engine: Engine
) -> None:
    # given P2's points
    employee, till = headers_for("employee"), headers_for("sales_system")
    with UnitOfWork(engine) as uow:
        points = uow.incentives.balance("P2")

    # when the employee and the sales system try to write to records hidden from them
    client.post(f"{API_PREFIX}/orders/ORD-P2/returns", headers=till,
                json={"lines": [{"line": 1, "quantity": "1"}]})  # fmt: skip
    client.post(f"{API_PREFIX}/tickets/T2/articles", headers=employee, json={"body": "Hi"})
    client.post(f"{API_PREFIX}/points/P2/redemptions", headers=employee,
                json={"points": 1, "reason": "Voucher"})  # fmt: skip
    client.post(f"{API_PREFIX}/tokens/{things.token}/revoke", headers=employee)

    # then the order has no return, the ticket no article, P2 all points, the token works
    with UnitOfWork(engine) as uow:
        assert uow.orders.returned("ORD-P2") == {}
        assert [e["kind"] for e in uow.care.events("T2") if e["kind"] == "article"] == []
        assert uow.incentives.balance("P2") == points
        assert uow.identity.token(int(things.token))["revoked_at"] is None  # type: ignore[index]
