"""Orders and returns over HTTP, on SQLite and PostgreSQL, and 64 orders at once.

The demo group: JKL holds ABC and XYZ. XYZ sells the widget W100 (list 12.50 EUR, unit
cost 7.80 EUR). P011 works at XYZ (employee), P030 at ABC (group employee of XYZ's
group); WALK-IN is an unknown customer account. Programmes: S1 staff 20 % (at most 5
widgets a year), G1 group staff 10 % with an annual cap of 5.00 EUR, D1 department
charge, T1 transfer price cost plus 10 %.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select

from inhouse.clock import FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.groups.domain import Register
from inhouse.groups.services import RegisterCache
from inhouse.identity.domain import SYSTEM
from inhouse.orders import services
from inhouse.orders import tables as t

HeadersFor = Callable[..., dict[str, str]]
API = "/api/v1"

W100 = {"id": "W100", "seller": "XYZ", "name": "Widget W100", "category": "widgets",
        "currency": "EUR", "list_price": "12.50", "unit_cost": "7.80",
        "valid_from": "2026-01-01"}  # fmt: skip
PROGRAMMES = [
    {"id": "S1", "name": "Staff purchases", "kind": "staff_discount", "scope_kind": "entity",
     "scope_id": "XYZ", "discount_pct": "20",
     "quantity_limits": [{"max_quantity": "5", "category": "widgets"}]},
    {"id": "G1", "name": "Group staff", "kind": "group_staff_discount", "scope_kind": "group",
     "scope_id": "JKL", "discount_pct": "10", "annual_cap": "5.00", "annual_cap_currency": "EUR"},
    {"id": "D1", "name": "Internal charge", "kind": "department_charge"},
    {"id": "T1", "name": "Widgets to group", "kind": "transfer_price", "method": "cost_plus",
     "markup_pct": "10"},
]  # fmt: skip


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def errors(response: Response, status: int = 422) -> list[tuple[str, str]]:
    assert response.status_code == status, response.text
    return [(e["path"], e["message"]) for e in response.json()["errors"]]


def counts(engine: Engine) -> tuple[int, int, int, int]:
    with engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (t.orders, t.order_lines, t.order_returns, t.return_lines)
        )


@pytest.fixture
def priced(client: TestClient, headers_for: HeadersFor, demo_loaded: Register) -> TestClient:
    finance = headers_for("finance")
    ok(client.post(f"{API}/products", json=W100, headers=finance), 201)
    for programme in PROGRAMMES:
        ok(client.post(f"{API}/programmes", json=programme, headers=finance), 201)
    return client


def order(
    client: TestClient, headers: dict[str, str], buyer: str, quantity: str, on: str = "2026-03-02",
    **extra: Any,
) -> dict[str, Any]:  # fmt: skip
    body = {"seller": "XYZ", "buyer": buyer, "on": on,
            "lines": [{"product": "W100", "quantity": quantity}], **extra}  # fmt: skip
    made: dict[str, Any] = ok(client.post(f"{API}/orders", json=body, headers=headers), 201)
    return made


def quoted_line(client: TestClient, headers: dict[str, str], buyer: str, on: str) -> Any:
    body = {"seller": "XYZ", "buyer": buyer, "on": on,
            "lines": [{"product": "W100", "quantity": "1"}]}  # fmt: skip
    return ok(client.post(f"{API}/quotes", json=body, headers=headers))["lines"][0]


# --------------------------------------------------------------------- placing and reading


def test_an_order_stores_its_classification_and_price_explanation(
    priced: TestClient, headers_for: HeadersFor, engine: Engine
) -> None:
    sales = headers_for("sales_system")
    made = order(priced, sales, "P030", "2", id="WEB-1")
    assert (made["id"], made["relation"], made["seller_entity"], made["buyer_entity"]) == (
        "WEB-1", "group_employee", "XYZ", "ABC",
    )  # fmt: skip
    assert (made["internal"], made["group"], made["source"], made["created_by"]) == (
        True, "JKL", "api", "sales_system-user",
    )  # fmt: skip
    assert made["classification"][0].startswith("P030 is employed by ABC")
    line = made["lines"][0]
    assert (line["programme"], line["unit_price"], line["amount"], line["discount"],
            line["cap_left"], line["unit_cost"]) == (
        "G1", "11.25", "22.50", "2.50", "2.50", "7.80")  # fmt: skip
    assert line["evidence"][3] == (
        "Annual cap of G1: 5.00 EUR; 0.00 EUR received this year before this line, "
        "2.50 EUR on this line, 2.50 EUR left"
    )
    assert made["totals"] == {"EUR": "22.50"}
    assert counts(engine) == (1, 1, 0, 0)

    # when the programme ends later, the stored order still says what it was
    ok(priced.post(f"{API}/programmes/G1/end", json={"on": "2026-03-01"},
                   headers=headers_for("finance")))  # fmt: skip
    again = ok(priced.get(f"{API}/orders/WEB-1", headers=headers_for("hr")))
    assert again["lines"][0]["programme"] == "G1"
    assert again["lines"][0]["evidence"] == line["evidence"]


def test_orders_use_up_the_cap_and_a_quote_counts_them(
    priced: TestClient, headers_for: HeadersFor
) -> None:
    sales = headers_for("sales_system")
    first = order(priced, sales, "P030", "2")  # 2.50 EUR discount
    assert first["lines"][0]["cap_left"] == "2.50"
    exactly = order(priced, sales, "P030", "2")  # another 2.50: exactly at the cap
    assert (exactly["lines"][0]["discount"], exactly["lines"][0]["cap_left"]) == ("2.50", "0.00")
    over = order(priced, sales, "P030", "1")  # nothing left: the list price
    assert (over["lines"][0]["discount"], over["lines"][0]["amount"]) == ("0.00", "12.50")
    reasons = {n["programme"]: n["reason"] for n in over["lines"][0]["not_applied"]}
    assert reasons["G1"] == "cap_used_up"
    # a new calendar year has the whole cap again
    next_year = quoted_line(priced, sales, "P030", "2027-01-04")
    assert (next_year["discount"], next_year["cap_left"]) == ("1.25", "3.75")


def test_one_cent_over_the_cap_gets_the_discount_up_to_the_cap(
    priced: TestClient, headers_for: HeadersFor
) -> None:
    sales = headers_for("sales_system")
    order(priced, sales, "P030", "3")  # 3.75 EUR of 5.00 used
    line = order(priced, sales, "P030", "1.0008")["lines"][0]  # 1.2510 → 1.25 EUR; fits
    assert (line["discount"], line["cap_left"]) == ("1.25", "0.00")
    line = order(priced, sales, "P030", "1")["lines"][0]
    assert (line["discount"], line["amount"], line["programme"]) == ("0.00", "12.50", None)


def test_a_return_gives_back_the_discount_to_the_cap(
    priced: TestClient, headers_for: HeadersFor, engine: Engine
) -> None:
    sales = headers_for("sales_system")
    made = order(priced, sales, "P030", "4")  # the whole cap: 5.00 EUR
    back = ok(priced.post(f"{API}/orders/{made['id']}/returns",
                          json={"on": "2026-03-10", "lines": [{"line": 1, "quantity": "1"}]},
                          headers=sales), 201)  # fmt: skip
    assert [(x["quantity"], x["amount"], x["discount"], x["quantity_given_back"])
            for x in back["lines"]] == [("1", "11.25", "1.25", "1")]  # fmt: skip
    assert back["lines"][0]["evidence"][1] == (
        "1.25 EUR of discount goes back to the annual cap of G1 for 2026, and 1 to its "
        "quantity limits"
    )
    line = quoted_line(priced, sales, "P030", "2026-03-11")
    assert (line["discount"], line["cap_left"]) == ("1.25", "0.00")
    stored = ok(priced.get(f"{API}/orders/{made['id']}", headers=sales))
    assert stored["refunded"] == {"EUR": "11.25"}
    assert [r["id"] for r in stored["returns"]] == [back["id"]]
    assert counts(engine) == (1, 1, 1, 1)


def test_a_return_of_more_than_is_left_is_refused_and_nothing_is_written(
    priced: TestClient, headers_for: HeadersFor, engine: Engine
) -> None:
    sales = headers_for("sales_system")
    made = order(priced, sales, "P030", "2")
    path = f"{API}/orders/{made['id']}/returns"
    ok(priced.post(path, json={"lines": [{"line": 1, "quantity": "1"}]}, headers=sales), 201)
    body = {"lines": [{"line": 1, "quantity": "2"}, {"line": 7, "quantity": "1"}]}
    assert errors(priced.post(path, json=body, headers=sales)) == [
        ("body.lines.0.quantity", "line 1 has 1 of 2 left to return, not 2"),
        ("body.lines.1.line", f"order {made['id']} has no line 7"),
    ]
    assert counts(engine) == (1, 1, 1, 1)
    missing = priced.post(f"{API}/orders/NOPE/returns", json=body, headers=sales)
    assert missing.status_code == 404


def test_a_return_before_the_order_is_refused(priced: TestClient, headers_for: HeadersFor) -> None:
    sales = headers_for("sales_system")
    made = order(priced, sales, "P030", "2")
    body = {"on": "2026-03-01", "lines": [{"line": 1, "quantity": "1"}]}
    response = priced.post(f"{API}/orders/{made['id']}/returns", json=body, headers=sales)
    assert errors(response) == [("body.on", "2026-03-01 is before the order's day, 2026-03-02")]


def test_bad_orders_name_every_problem_and_write_nothing(
    priced: TestClient, headers_for: HeadersFor, engine: Engine
) -> None:
    sales = headers_for("sales_system")
    body = {"seller": "XYZ", "buyer": "P030", "on": "2026-03-02",
            "lines": [{"product": "NOPE", "quantity": "1"},
                      {"product": "W100", "quantity": "1.00001"}]}  # fmt: skip
    assert errors(priced.post(f"{API}/orders", json=body, headers=sales)) == [
        ("body.lines.1.quantity", "1.00001 has more than 4 decimal places"),
    ]
    body["lines"] = [{"product": "NOPE", "quantity": "1"}]
    assert errors(priced.post(f"{API}/orders", json=body, headers=sales)) == [
        ("body.lines.0.product", '"NOPE" is not a known product'),
    ]
    order(priced, sales, "P030", "1", id="ONCE")
    assert errors(
        priced.post(f"{API}/orders", json={**body, "id": "ONCE"}, headers=sales), 409
    ) == [("body.id", '"ONCE" is already an order')]
    assert counts(engine) == (1, 1, 0, 0)


def test_an_idempotency_key_records_an_order_once(
    priced: TestClient, headers_for: HeadersFor, engine: Engine
) -> None:
    headers = {**headers_for("sales_system"), "Idempotency-Key": "checkout-77"}
    body = {"seller": "XYZ", "buyer": "WALK-IN", "on": "2026-03-02",
            "lines": [{"product": "W100", "quantity": "1"}]}  # fmt: skip
    first = priced.post(f"{API}/orders", json=body, headers=headers)
    again = priced.post(f"{API}/orders", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert first.json()["relation"] == "external"
    assert counts(engine) == (1, 1, 0, 0)


def test_employees_see_only_their_own_orders(priced: TestClient, headers_for: HeadersFor) -> None:
    sales = headers_for("sales_system")
    own = order(priced, sales, "P011", "1")
    other = order(priced, sales, "P030", "1")
    employee = headers_for("employee", person="P011")
    listed = ok(priced.get(f"{API}/orders", headers=employee))
    assert [o["id"] for o in listed["items"]] == [own["id"]]
    assert ok(priced.get(f"{API}/orders/{own['id']}", headers=employee))["buyer"] == "P011"
    # another person's order answers exactly like an unknown one: nothing is given away
    hidden = priced.get(f"{API}/orders/{other['id']}", headers=employee)
    assert (hidden.status_code, hidden.json()["detail"]) == (404, f"no order {other['id']}")
    response = priced.get(f"{API}/orders", params={"buyer": "P030"}, headers=employee)
    assert response.status_code == 403


def test_orders_are_listed_by_day_in_pages(priced: TestClient, headers_for: HeadersFor) -> None:
    sales = headers_for("sales_system")
    for day, name in (("2026-03-03", "C"), ("2026-03-02", "B"), ("2026-03-02", "A")):
        order(priced, sales, "WALK-IN", "1", on=day, id=name)
    finance = headers_for("finance")
    first = ok(priced.get(f"{API}/orders", params={"limit": 2}, headers=finance))
    assert [o["id"] for o in first["items"]] == ["A", "B"]
    rest = ok(priced.get(f"{API}/orders", params={"limit": 2, "cursor": first["next_cursor"]},
                         headers=finance))  # fmt: skip
    assert ([o["id"] for o in rest["items"]], rest["next_cursor"]) == (["C"], None)
    dated = ok(priced.get(f"{API}/orders", params={"from": "2026-03-03"}, headers=finance))
    assert [o["id"] for o in dated["items"]] == ["C"]


def test_orders_and_returns_are_audited(priced: TestClient, headers_for: HeadersFor) -> None:
    sales = headers_for("sales_system")
    made = order(priced, sales, "P030", "2", id="AUD-1")
    ok(priced.post(f"{API}/orders/AUD-1/returns", json={"id": "AUD-R", "lines": [
        {"line": 1, "quantity": "1"}]}, headers=sales), 201)  # fmt: skip
    log = ok(priced.get(f"{API}/audit-log", headers=headers_for("admin")))["items"]
    mine = [(e["action"], e["resource"], e["resource_id"]) for e in log
            if e["resource"] == "orders"]  # fmt: skip
    assert mine == [("return", "orders", "AUD-1"), ("create", "orders", "AUD-1")]
    assert made["lines"][0]["discount"] == "2.50"


# --------------------------------------------------------------------- at once


@pytest.mark.parametrize("backend", ["postgresql"])
def test_64_simultaneous_orders_never_pass_the_cap_or_the_quantity_limit(
    priced: TestClient, engine: Engine, clock: FixedClock
) -> None:
    cache = RegisterCache()
    start = threading.Barrier(64)

    def place(number: int) -> dict[str, Any]:
        buyer = "P030" if number % 2 else "P011"  # P030: the 5.00 cap; P011: 5 widgets
        start.wait()
        return services.place_order(
            uow=UnitOfWork(engine), cache=cache, actor=SYSTEM, clock=clock, seller="XYZ",
            buyer=buyer, on=date(2026, 3, 2), id=f"RUSH-{number:02}",
            lines=[services.OrderLineIn("W100", Decimal(1))],
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=64) as pool:
        made = list(pool.map(place, range(64)))

    assert len(made) == 64  # no accepted order is lost
    stored = {o["id"]: o for o in services.list_orders(
        uow=UnitOfWork(engine), actor=SYSTEM, limit=1000).items}  # fmt: skip
    assert sorted(stored) == sorted(o["id"] for o in made)
    group = [o["lines"][0] for o in stored.values() if o["buyer"] == "P030"]
    staff = [o["lines"][0] for o in stored.values() if o["buyer"] == "P011"]
    assert sum(line["discount"] for line in group) == Decimal("5.00")  # the cap, exactly
    assert sorted(line["discount"] for line in group).count(Decimal("1.25")) == 4
    assert [line["programme"] for line in staff].count("S1") == 5  # the quantity limit
    # each order saw all orders before it: the caps left it recorded fall one step at a time
    caps_left = sorted((line["cap_left"] for line in group if line["discount"]), reverse=True)
    assert caps_left == [Decimal("3.75"), Decimal("2.50"), Decimal("1.25"), Decimal("0.00")]


def test_the_demo_explains_staff_group_department_and_intercompany_prices(
    client: TestClient, headers_for: HeadersFor, demo_sold: Register
) -> None:
    finance = headers_for("finance")
    kinds = {"employee": "staff_discount", "group_employee": "group_staff_discount",
             "same_entity": "department_charge", "intercompany": "transfer_price"}  # fmt: skip
    for relation, kind in kinds.items():
        page = ok(client.get(f"{API}/orders", params={"relation": relation, "limit": 50},
                             headers=finance))  # fmt: skip
        lines = [line for o in page["items"] for line in o["lines"]]
        priced = [line for line in lines if line["programme_kind"] == kind]
        assert priced, relation
        line = priced[0]
        assert line["evidence"][0].startswith("Recorded from sales.csv row ")
        assert any(line["programme"] in sentence for sentence in line["evidence"][1:])
