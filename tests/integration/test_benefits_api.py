"""Benefits of staff discounts from recorded orders, over HTTP, on SQLite and PostgreSQL.

The demo group: XYZ (DE) sells the e-bike-priced item BIKE (list 40,000.00 EUR, cost
30,000.00) and the widget W100 (list 100.00 EUR). P011 works at XYZ (employee: § 8 (3)),
P030 at ABC (group employee: § 8 (2)). Programmes: S1 staff 20 %, G1 group staff 30 %.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from inhouse.groups.domain import Register

HeadersFor = Callable[..., dict[str, str]]
API = "/api/v1"

PRODUCTS = [
    {"id": "BIKE", "seller": "XYZ", "name": "Car", "category": "cars", "currency": "EUR",
     "list_price": "40000", "unit_cost": "30000", "valid_from": "2026-01-01"},
    {"id": "W100", "seller": "XYZ", "name": "Widget", "category": "widgets", "currency": "EUR",
     "list_price": "100", "unit_cost": "60", "valid_from": "2026-01-01"},
]  # fmt: skip
PROGRAMMES = [
    {"id": "S1", "name": "Staff", "kind": "staff_discount", "scope_kind": "entity",
     "scope_id": "XYZ", "discount_pct": "20"},
    {"id": "G1", "name": "Group staff", "kind": "group_staff_discount", "scope_kind": "group",
     "scope_id": "JKL", "discount_pct": "30"},
]  # fmt: skip


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def shop(client: TestClient, headers_for: HeadersFor, demo_loaded: Register) -> TestClient:
    finance = headers_for("finance")
    for product in PRODUCTS:
        ok(client.post(f"{API}/products", json=product, headers=finance), 201)
    for programme in PROGRAMMES:
        ok(client.post(f"{API}/programmes", json=programme, headers=finance), 201)
    return client


def buy(client: TestClient, headers: dict[str, str], buyer: str, product: str, on: str,
        quantity: str = "1") -> dict[str, Any]:  # fmt: skip
    body = {"seller": "XYZ", "buyer": buyer, "on": on,
            "lines": [{"product": product, "quantity": quantity}]}  # fmt: skip
    made: dict[str, Any] = ok(client.post(f"{API}/orders", json=body, headers=headers), 201)
    return made


def test_an_own_employers_discount_is_valued_under_section_8_3(
    shop: TestClient, headers_for: HeadersFor
) -> None:
    # given DE-1: list 40,000, paid 32,000 at the own employer
    buy(shop, headers_for("sales_system"), "P011", "BIKE", "2026-03-02")
    # when HR asks for the year
    answer = ok(shop.get(f"{API}/benefits", params={"year": 2026}, headers=headers_for("hr")))
    # then 38,400 − 32,000 = 6,400 benefit, 1,080 allowance, 5,320 taxable
    [statement] = answer["statements"]
    assert (statement["person"], statement["employee_number"], statement["employer"],
            statement["scheme"], statement["period"]) == (
        "P011", "E10011", "XYZ", "§ 8 (3) EStG", "2026")  # fmt: skip
    assert (statement["benefit"], statement["allowance_used"], statement["taxable"]) == (
        "6400.00", "1080.00", "5320.00")  # fmt: skip
    assert statement["lines"][0]["rule"] == "§ 8 (3) EStG: 96 % of the end price − price paid"
    assert answer["payroll"] == [
        {"employee_number": "E10011", "period": "2026", "wage_type": "DE83-TAXABLE",
         "amount": "5320.00", "currency": "EUR"},
        {"employee_number": "E10011", "period": "2026", "wage_type": "DE83-FREE",
         "amount": "1080.00", "currency": "EUR"},
    ]  # fmt: skip


def test_a_sister_companys_discount_uses_the_monthly_freigrenze(
    shop: TestClient, headers_for: HeadersFor
) -> None:
    sales = headers_for("sales_system")
    buy(shop, sales, "P030", "W100", "2026-03-02")  # 30.00 benefit in March: ≤ 50
    buy(shop, sales, "P030", "W100", "2026-04-02")  # April: 30 + 30 = 60 > 50
    buy(shop, sales, "P030", "W100", "2026-04-20")
    answer = ok(shop.get(f"{API}/benefits", params={"year": 2026}, headers=headers_for("hr")))
    assert [(s["period"], s["benefit"], s["taxable"]) for s in answer["statements"]] == [
        ("2026-03", "30.00", "0.00"),
        ("2026-04", "60.00", "60.00"),
    ]
    month = ok(shop.get(f"{API}/benefits", params={"year": 2026, "month": 3},
                        headers=headers_for("hr")))  # fmt: skip
    assert [s["period"] for s in month["statements"]] == ["2026-03"]


def test_a_return_in_january_corrects_the_december_statement(
    shop: TestClient, headers_for: HeadersFor
) -> None:
    sales = headers_for("sales_system")
    made = buy(shop, sales, "P030", "W100", "2026-12-10", quantity="2")  # 60.00 > 50
    ok(shop.post(f"{API}/orders/{made['id']}/returns",
                 json={"on": "2027-01-08", "lines": [{"line": 1, "quantity": "1"}]},
                 headers=sales), 201)  # fmt: skip
    answer = ok(shop.get(f"{API}/benefits", params={"year": 2026}, headers=headers_for("hr")))
    [december] = answer["statements"]
    assert (december["period"], december["benefit"], december["taxable"]) == (
        "2026-12", "30.00", "0.00")  # fmt: skip
    assert december["changed_after"] == "2027-01-08"
    # the position at the end of December did not know the return yet
    before = ok(shop.get(f"{API}/benefits", params={"year": 2026, "month": 12},
                         headers=headers_for("hr")))  # fmt: skip
    assert before["statements"][0]["taxable"] == "60.00"


def test_the_payroll_export_is_csv(shop: TestClient, headers_for: HeadersFor) -> None:
    buy(shop, headers_for("sales_system"), "P011", "BIKE", "2026-03-02")
    response = shop.get(f"{API}/benefits/payroll.csv", params={"year": 2026},
                        headers=headers_for("admin"))  # fmt: skip
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="payroll-2026.csv"' in response.headers["content-disposition"]
    assert list(csv.reader(io.StringIO(response.text))) == [
        ["employee_number", "period", "wage_type", "amount", "currency"],
        ["E10011", "2026", "DE83-TAXABLE", "5320.00", "EUR"],
        ["E10011", "2026", "DE83-FREE", "1080.00", "EUR"],
    ]


def test_an_employee_sees_only_their_own_benefits(
    shop: TestClient, headers_for: HeadersFor
) -> None:
    sales = headers_for("sales_system")
    buy(shop, sales, "P011", "W100", "2026-03-02")
    buy(shop, sales, "P030", "W100", "2026-03-02")
    own = headers_for("employee", person="P030")
    answer = ok(shop.get(f"{API}/benefits", params={"year": 2026}, headers=own))
    assert {s["person"] for s in answer["statements"]} == {"P030"}
    other = shop.get(f"{API}/benefits", params={"year": 2026, "person": "P011"}, headers=own)
    assert other.status_code == 403


def test_us_goods_need_the_gross_profit_percentage(
    client: TestClient, headers_for: HeadersFor, demo_sold: Register
) -> None:
    hr = headers_for("hr")
    answer = ok(client.get(f"{API}/benefits", params={"year": 2026, "person": "P072"},
                           headers=hr))  # fmt: skip
    [statement] = answer["statements"]
    assert (statement["jurisdiction"], statement["scheme"]) == ("US", "IRC § 132(c)")
    # every discount is within 32.5 % of its price (the staff discount is 20 %)
    assert (statement["benefit"], statement["tax_free"], statement["taxable"]) == (
        "146.20", "146.20", "0.00")  # fmt: skip
    figures = ok(client.get(f"{API}/gross-profit-percentages", headers=hr))
    assert {"entity": "JKL-US", "year": 2025, "percent": "32.5"} in figures
    changed = client.put(f"{API}/gross-profit-percentages/JKL-US/2025", json={"percent": "5"},
                         headers=headers_for("finance"))  # fmt: skip
    assert ok(changed) == {"entity": "JKL-US", "year": 2025, "percent": "5"}
    again = ok(client.get(f"{API}/benefits", params={"year": 2026, "person": "P072"},
                          headers=hr))["statements"][0]  # fmt: skip
    # goods now tax-free up to 5 % of their price; the service still up to 20 %
    assert (again["tax_free"], again["taxable"]) == ("54.55", "91.65")
    assert [x["tax_free"] for x in again["lines"] if "(1)(B)" in x["rule"]] == ["24.00"]


def test_the_demo_year_has_statements_for_every_kind_of_staff(
    client: TestClient, headers_for: HeadersFor, demo_sold: Register
) -> None:
    answer = ok(client.get(f"{API}/benefits", params={"year": 2026}, headers=headers_for("hr")))
    schemes = {s["scheme"] for s in answer["statements"]}
    assert schemes == {"§ 8 (3) EStG", "§ 8 (2) EStG", "IRC § 132(c)", "HMRC EIM21704"}
    uk = [s for s in answer["statements"] if s["scheme"] == "HMRC EIM21704"]
    assert ("P076", "2026-27", "3.00") in [(s["person"], s["period"], s["taxable"]) for s in uk]
    assert answer["not_valued"] == []
