"""Products, programmes and quotes over HTTP, on SQLite and PostgreSQL.

The demo group: JKL holds ABC and XYZ. XYZ sells the widget W100 (list 12.50 EUR, unit
cost 7.80 EUR). P011 works at XYZ since 2005-08-01, P030 at ABC; XYZ-FOUNDRY is an org
unit of XYZ; WALK-IN is unknown, so external. Quotes are on 2026-03-02 for 3 widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select

from inhouse.db.uow import UnitOfWork
from inhouse.groups.domain import Register
from inhouse.pricing import tables as t

HeadersFor = Callable[..., dict[str, str]]
API = "/api/v1"

W100 = {"id": "W100", "seller": "XYZ", "name": "Widget W100", "category": "widgets",
        "currency": "EUR", "list_price": "12.50", "unit_cost": "7.80",
        "valid_from": "2026-01-01"}  # fmt: skip
PROGRAMMES = [
    {"id": "S1", "name": "Staff purchases", "kind": "staff_discount", "scope_kind": "entity",
     "scope_id": "XYZ", "discount_pct": "20", "waiting_days": 90},
    {"id": "S2", "name": "Long service", "kind": "staff_discount", "scope_kind": "entity",
     "scope_id": "XYZ", "discount_pct": "30", "waiting_days": 10000, "priority": 5},
    {"id": "G1", "name": "Group staff", "kind": "group_staff_discount", "scope_kind": "group",
     "scope_id": "JKL", "discount_pct": "10", "annual_cap": "500", "annual_cap_currency": "EUR"},
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


def count(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (t.products, t.product_prices, t.programmes)
        )


@pytest.fixture
def priced(client: TestClient, headers_for: HeadersFor, demo_loaded: Register) -> TestClient:
    finance = headers_for("finance")
    ok(client.post(f"{API}/products", json=W100, headers=finance), 201)
    for programme in PROGRAMMES:
        ok(client.post(f"{API}/programmes", json=programme, headers=finance), 201)
    return client


def quote(client: TestClient, headers: dict[str, str], buyer: str) -> dict[str, Any]:
    body = {"seller": "XYZ", "buyer": buyer, "on": "2026-03-02",
            "lines": [{"product": "W100", "quantity": "3"}]}  # fmt: skip
    answer: dict[str, Any] = ok(client.post(f"{API}/quotes", json=body, headers=headers))
    return answer


# --------------------------------------------------------------------- products


def test_a_product_is_created_read_and_repriced(
    priced: TestClient, headers_for: HeadersFor, engine: Engine
) -> None:
    finance = headers_for("finance")
    got = ok(priced.get(f"{API}/products/W100", headers=headers_for("hr")))
    assert got == {
        "id": "W100", "seller": "XYZ", "name": "Widget W100", "kind": "goods",
        "category": "widgets", "currency": "EUR", "for_employees_only": False,
        "prices": [{"valid_from": "2026-01-01", "valid_to": None, "list_price": "12.50",
                    "unit_cost": "7.80"}],
    }  # fmt: skip
    body = {"valid_from": "2026-04-01", "list_price": "13.00", "unit_cost": "8.00"}
    repriced = ok(priced.post(f"{API}/products/W100/prices", json=body, headers=finance), 201)
    assert repriced["prices"] == [
        {"valid_from": "2026-01-01", "valid_to": "2026-04-01", "list_price": "12.50",
         "unit_cost": "7.80"},
        {"valid_from": "2026-04-01", "valid_to": None, "list_price": "13.00",
         "unit_cost": "8.00"},
    ]  # fmt: skip
    listed = ok(priced.get(f"{API}/products", params={"seller": "XYZ"}, headers=finance))
    assert ([p["id"] for p in listed["items"]], listed["next_cursor"]) == (["W100"], None)
    assert count(engine) == (1, 2, 5)


def test_a_price_that_does_not_start_after_the_open_one_is_refused(
    priced: TestClient, headers_for: HeadersFor, engine: Engine
) -> None:
    body = {"valid_from": "2026-01-01", "list_price": "13.00"}
    response = priced.post(f"{API}/products/W100/prices", json=body, headers=headers_for("admin"))
    assert errors(response, 409) == [
        ("body.valid_from", "the price of W100 valid from 2026-01-01 starts on or after "
         "2026-01-01; a new price starts after it"),
    ]  # fmt: skip
    assert count(engine) == (1, 1, 5)


def test_bad_product_fields_are_named_and_nothing_is_written(
    client: TestClient, headers_for: HeadersFor, demo_loaded: Register, engine: Engine
) -> None:
    body = {**W100, "seller": "NOPE", "currency": "XXY", "kind": "gift", "list_price": "-1",
            "unit_cost": "1.00001"}  # fmt: skip
    assert errors(client.post(f"{API}/products", json=body, headers=headers_for("finance"))) == [
        ("body.seller", '"NOPE" is not a known entity'),
        ("body.currency", '"XXY" is not an ISO 4217 currency code'),
        ("body.kind", '"gift" is not goods or service'),
        ("body.list_price", "-1 is not an amount of at least 0"),
        ("body.unit_cost", "1.00001 has more than 4 decimal places"),
    ]
    assert count(engine) == (0, 0, 0)


def test_a_product_id_is_used_once(priced: TestClient, headers_for: HeadersFor) -> None:
    response = priced.post(f"{API}/products", json=W100, headers=headers_for("finance"))
    assert errors(response, 409) == [("body.id", '"W100" is already a product')]


# --------------------------------------------------------------------- programmes


def test_a_programme_is_read_listed_and_ended(priced: TestClient, headers_for: HeadersFor) -> None:
    finance = headers_for("finance")
    got = ok(priced.get(f"{API}/programmes/G1", headers=headers_for("hr")))
    assert got == {
        "id": "G1", "name": "Group staff", "kind": "group_staff_discount",
        "scope_kind": "group", "scope_id": "JKL", "categories_included": [],
        "categories_excluded": [], "valid_from": None, "valid_to": None, "priority": 0,
        "discount_pct": "10", "markup_pct": None, "margin_pct": None, "method": None,
        "include_retirees": False, "waiting_days": 0, "annual_cap": "500.00",
        "annual_cap_currency": "EUR", "quantity_limits": [], "comparables": [],
    }  # fmt: skip
    listed = ok(priced.get(f"{API}/programmes", headers=finance))
    assert [p["id"] for p in listed["items"]] == ["D1", "G1", "S1", "S2", "T1"]
    first = ok(priced.get(f"{API}/programmes", params={"limit": 2}, headers=finance))
    assert ([p["id"] for p in first["items"]], first["next_cursor"]) == (["D1", "G1"], "G1")
    rest = ok(priced.get(f"{API}/programmes", params={"limit": 3, "cursor": "G1"},
                         headers=finance))  # fmt: skip
    assert ([p["id"] for p in rest["items"]], rest["next_cursor"]) == (["S1", "S2", "T1"], None)
    ended = ok(priced.post(f"{API}/programmes/G1/end", json={"on": "2026-06-01"}, headers=finance))
    assert ended["valid_to"] == "2026-06-01"


def test_bad_programme_fields_are_named_and_nothing_is_written(
    client: TestClient, headers_for: HeadersFor, demo_loaded: Register, engine: Engine
) -> None:
    body = {"id": "X1", "name": "Bad", "kind": "gift", "scope_kind": "entity",
            "valid_from": "2026-05-01", "valid_to": "2026-01-01",
            "annual_cap": "10"}  # fmt: skip
    response = client.post(f"{API}/programmes", json=body, headers=headers_for("finance"))
    assert errors(response) == [
        ("body.kind", '"gift" is not one of staff_discount, group_staff_discount, '
                 "department_charge, transfer_price"),
        ("body.scope_id", "an entity or group scope names its id; scope all has none"),
        ("body.annual_cap_currency", "an annual cap has its currency"),
        ("body.valid_to", "valid_to 2026-01-01 must be after valid_from 2026-05-01"),
    ]  # fmt: skip
    rules = {"id": "X2", "name": "Bad", "kind": "staff_discount"}
    response = client.post(f"{API}/programmes", json=rules, headers=headers_for("finance"))
    assert errors(response) == [
        ("body.body", "programme X2: discount_pct is required for a staff discount"),
    ]
    assert count(engine) == (0, 0, 0)


# --------------------------------------------------------------------- quotes


def test_an_employee_gets_the_staff_discount(priced: TestClient, headers_for: HeadersFor) -> None:
    answer = quote(priced, headers_for("sales_system"), "P011")
    assert answer["relation"] == "employee"
    assert answer["totals"] == {"EUR": "30.00"}
    line = answer["lines"][0]
    assert (line["programme"], line["unit_price"], line["discount"], line["amount"]) == (
        "S1",
        "10.00",
        "7.50",
        "30.00",
    )
    assert line["evidence"][:5] == [
        "Line 1: 3 × Widget W100 (W100, category widgets) from XYZ on 2026-03-02 at a list "
        "price of 12.50 EUR",
        "staff discount S1 (Staff purchases) applies to an employee of the seller: "
        "20% off the list price",
        "Discount: 20% of 37.50 EUR = 7.50 EUR",
        "Price: 37.50 EUR − 7.50 EUR = 30.00 EUR (a unit: 10.00 EUR, 2.50 EUR off; the line "
        "is rounded once and is what is charged)",
        "staff discount S2 (Long service) does not apply: waiting period: 7518 of 10000 days",
    ]
    assert [(n["programme"], n["reason"]) for n in line["not_applied"]] == [
        ("S2", "waiting_period"),
        ("D1", "relation"),
        ("G1", "relation"),
        ("T1", "relation"),
    ]


def test_a_group_employee_gets_the_group_staff_discount(
    priced: TestClient, headers_for: HeadersFor
) -> None:
    line = quote(priced, headers_for("sales_system"), "P030")["lines"][0]
    assert (line["relation"], line["programme"], line["amount"], line["cap_left"]) == (
        "group_employee",
        "G1",
        "33.75",
        "496.25",
    )
    assert line["evidence"][1:5] == [
        "group staff discount G1 (Group staff) applies to an employee of another company of "
        "the seller's group: 10% off the list price",
        "Discount: 10% of 37.50 EUR = 3.75 EUR",
        "Annual cap of G1: 500.00 EUR; 0.00 EUR received this year before this line, "
        "3.75 EUR on this line, 496.25 EUR left",
        "Price: 37.50 EUR − 3.75 EUR = 33.75 EUR (a unit: 11.25 EUR, 1.25 EUR off; the line "
        "is rounded once and is what is charged)",
    ]
    assert line["not_applied"][2] == {
        "programme": "S1",
        "reason": "relation",
        "sentence": "staff discount S1 (Staff purchases) does not apply: wrong relation: it is "
        "for employees of the seller (employee), the buyer is an employee of another company "
        "of the seller's group (group_employee)",
    }


def test_a_department_is_charged_at_cost(priced: TestClient, headers_for: HeadersFor) -> None:
    line = quote(priced, headers_for("sales_system"), "XYZ-FOUNDRY")["lines"][0]
    assert (line["relation"], line["programme"], line["base"], line["amount"]) == (
        "same_entity",
        "D1",
        "unit_cost",
        "23.40",
    )
    assert line["evidence"][1:3] == [
        "department charge D1 (Internal charge) applies to a unit of the seller's own legal "
        "entity: unit cost 7.80 EUR",
        "Price: 3 × 7.80 EUR = 23.40 EUR",
    ]


def test_a_sister_company_pays_the_transfer_price(
    priced: TestClient, headers_for: HeadersFor
) -> None:
    line = quote(priced, headers_for("sales_system"), "ABC")["lines"][0]
    assert (line["relation"], line["programme"], line["unit_price"], line["amount"]) == (
        "intercompany",
        "T1",
        "8.58",
        "25.74",
    )
    assert line["evidence"][1:3] == [
        "transfer price T1 (Widgets to group) applies to another company of the seller's "
        "group: unit cost 7.80 EUR plus 10% (cost plus method)",
        "Price: 3 × 8.58 EUR = 25.74 EUR",
    ]


def test_an_external_buyer_pays_the_list_price(priced: TestClient, headers_for: HeadersFor) -> None:
    line = quote(priced, headers_for("sales_system"), "WALK-IN")["lines"][0]
    assert (line["relation"], line["programme"], line["amount"], line["discount"]) == (
        "external",
        None,
        "37.50",
        "0.00",
    )
    assert line["evidence"][1] == "No programme applies: 3 × 12.50 EUR = 37.50 EUR at list price"
    assert [n["programme"] for n in line["not_applied"]] == ["S2", "D1", "G1", "S1", "T1"]
    assert line["not_applied"][4]["sentence"] == (
        "transfer price T1 (Widgets to group) does not apply: wrong relation: it is for other "
        "companies of the seller's group (intercompany), the buyer is an external customer "
        "(external)"
    )


def test_a_quote_names_unknown_products_and_bad_quantities(
    priced: TestClient, headers_for: HeadersFor
) -> None:
    body = {"seller": "XYZ", "buyer": "P011", "on": "2026-03-02",
            "lines": [{"product": "NOPE", "quantity": "1"}]}  # fmt: skip
    response = priced.post(f"{API}/quotes", json=body, headers=headers_for("sales_system"))
    assert errors(response) == [("body.lines.0.product", '"NOPE" is not a known product')]


def test_a_quote_refuses_a_product_of_another_seller(
    priced: TestClient, headers_for: HeadersFor
) -> None:
    body = {"seller": "ABC", "buyer": "P011", "on": "2026-03-02",
            "lines": [{"product": "W100", "quantity": "1"}]}  # fmt: skip
    response = priced.post(f"{API}/quotes", json=body, headers=headers_for("sales_system"))
    assert errors(response) == [("body.lines.0.product", "W100 is sold by XYZ, not by ABC")]


def test_an_ended_programme_no_longer_prices(priced: TestClient, headers_for: HeadersFor) -> None:
    finance = headers_for("finance")
    ok(priced.post(f"{API}/programmes/S1/end", json={"on": "2026-03-01"}, headers=finance))
    line = quote(priced, headers_for("sales_system"), "P011")["lines"][0]
    assert (line["programme"], line["amount"]) == (None, "37.50")
    assert line["not_applied"][0] == {
        "programme": "S2",
        "reason": "waiting_period",
        "sentence": "staff discount S2 (Long service) does not apply: waiting period: 7518 of "
        "10000 days",
    }
    assert [(n["programme"], n["reason"]) for n in line["not_applied"]] == [
        ("S2", "waiting_period"), ("D1", "relation"), ("G1", "relation"), ("S1", "validity"),
        ("T1", "relation"),
    ]  # fmt: skip


def test_unknown_products_and_programmes_are_not_found(
    priced: TestClient, headers_for: HeadersFor
) -> None:
    finance = headers_for("finance")
    assert priced.get(f"{API}/products/NOPE", headers=finance).status_code == 404
    assert priced.get(f"{API}/programmes/NOPE", headers=finance).status_code == 404
    body = {"valid_from": "2026-04-01", "list_price": "1"}
    assert priced.post(f"{API}/products/NOPE/prices", json=body, headers=finance).status_code == 404
    assert priced.post(f"{API}/programmes/NOPE/end", json={"on": "2026-04-01"},
                       headers=finance).status_code == 404  # fmt: skip


def test_every_pricing_write_is_audited(
    priced: TestClient, headers_for: HeadersFor, engine: Engine
) -> None:
    finance = headers_for("finance")
    body = {"valid_from": "2026-04-01", "list_price": "13.00"}
    ok(priced.post(f"{API}/products/W100/prices", json=body, headers=finance), 201)
    ok(priced.post(f"{API}/programmes/G1/end", json={"on": "2026-06-01"}, headers=finance))
    with UnitOfWork(engine) as uow:
        products = uow.identity.audit_page(limit=100, resource="products")
        programmes = uow.identity.audit_page(limit=100, resource="programmes")
    assert [(r["action"], r["resource_id"]) for r in reversed(products)] == [
        ("create", "W100"), ("update", "W100")
    ]  # fmt: skip
    assert [(r["action"], r["resource_id"]) for r in reversed(programmes)] == [
        ("create", "S1"), ("create", "S2"), ("create", "G1"), ("create", "D1"), ("create", "T1"),
        ("end", "G1"),
    ]  # fmt: skip
    last = products[0]
    assert last["before"]["prices"][0]["valid_to"] is None
    assert last["after"]["prices"][0]["valid_to"] == "2026-04-01"
    assert last["after"]["prices"][1]["list_price"] == "13.00"
