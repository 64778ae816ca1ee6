"""Every decimal in every JSON answer is plain text: ``"480.00"``, never ``"4.8E+2"``.

Two ways round: every response model of the API writes each ``Decimal`` (and each
free-form value) through :mod:`inhouse.wire`, found by walking the models' pydantic
schemas, so that a new field cannot slip past; and the answers of representative
endpoints, with values that pydantic's default would write with an exponent (``30`` %
kept as ``3E+1``, a unit price ``4.8E+2`` from ``normalize()``, inputs like ``"1E+1"``),
hold no number with an exponent anywhere.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter

from inhouse import wire
from inhouse.web.app import API_PREFIX

HeadersFor = Callable[..., dict[str, str]]
EXPONENT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")
# A staff purchase at 80 % of 600.00: the unit price paid is 480, which benefits used to
# keep as Decimal("4.8E+2") (``normalize()``).
DATASET = {
    "entities.csv": "id,name,country,currency\nXYZ,XYZ GmbH,DE,EUR\n",
    "people.csv": "id,name,email,employee_no\nP1,Petra Eins,,E1\n",
    "employments.csv": "person,entity,unit,kind,valid_from,valid_to\n"
    "P1,XYZ,,employee,2020-01-01,\n",
    "products.csv": "id,seller,name,list_price,currency,kind,category,unit_cost,"
    "for_employees_only\nBIKE,XYZ,Bike,600,EUR,goods,bikes,400,false\n",
    "sales.csv": "id,date,seller,buyer,amount,currency,product,quantity,price_paid,"
    "market_price\nS1,2026-03-02,XYZ,P1,480,EUR,BIKE,1,480,\n",
    "programmes.toml": '[[programme]]\nid = "XYZ-STAFF"\nname = "Staff"\n'
    'kind = "staff_discount"\nscope_kind = "entity"\nscope_id = "XYZ"\ndiscount_pct = "20"\n',
}


# --------------------------------------------------------------------- every response model


def response_models(app: FastAPI) -> Iterator[tuple[str, Any]]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path or ""
        if isinstance(route, APIRoute) and path.startswith(API_PREFIX) and route.response_model:
            yield f"{sorted(route.methods or ())} {path}", route.response_model


def schema_nodes(schema: Any) -> Iterator[dict[str, Any]]:
    """Every node of a pydantic core schema (models, fields, items, definitions), not
    counting what a serialiser returns (``return_schema``)."""
    if isinstance(schema, dict):
        if isinstance(schema.get("type"), str):
            yield schema
        for key, value in schema.items():
            if key != "return_schema":
                yield from schema_nodes(value)
    elif isinstance(schema, list | tuple):
        for value in schema:
            yield from schema_nodes(value)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_response_model_writes_decimals_through_the_one_serialiser(app: FastAPI) -> None:
    # given every response model of the API
    models = dict(response_models(app))
    assert len(models) > 40

    # then each decimal in them serialises with wire.plain, each free-form value with
    # wire.jsonable (pydantic's own Decimal serialiser writes str(), exponents included)
    wrong: list[str] = []
    for route, model in models.items():
        for node in schema_nodes(TypeAdapter(model).core_schema):
            used = node.get("serialization", {}).get("function")
            if node["type"] == "decimal" and used is not wire.plain:
                wrong.append(f"{route}: a Decimal without PlainDecimal")
            if node["type"] == "any" and used is not wire.jsonable:
                wrong.append(f"{route}: an Any without PlainJson")
    assert wrong == []


def test_plain_writes_fixed_point_with_the_values_own_places() -> None:
    class Shape(BaseModel):
        amount: wire.PlainDecimal
        totals: dict[str, wire.PlainDecimal]
        free: wire.PlainJson

    made = Shape(amount=Decimal("4.8E+2"), totals={"EUR": Decimal("1E+1")},
                 free={"pct": [Decimal("3E+1"), Decimal("0.50")]})  # fmt: skip
    assert made.model_dump(mode="json") == {
        "amount": "480", "totals": {"EUR": "10"}, "free": {"pct": ["30", "0.50"]}
    }  # fmt: skip
    assert made.model_dump()["amount"] == Decimal("4.8E+2")  # Python keeps the Decimal
    assert wire.plain(Decimal("1E-7")) == "0.0000001"
    assert wire.plain(Decimal("480.00")) == "480.00"


# --------------------------------------------------------------------- representative answers


def exponents(value: Any, where: str = "$") -> list[str]:
    """Where a JSON value holds a number written with an exponent."""
    if isinstance(value, dict):
        return [w for k, v in value.items() for w in exponents(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [w for i, v in enumerate(value) for w in exponents(v, f"{where}[{i}]")]
    if isinstance(value, str) and EXPONENT.match(value):
        return [f"{where} = {value}"]
    return []


def dataset_zip() -> dict[str, Any]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, text in DATASET.items():
            zipped.writestr(name, text)
    return {"file": ("dataset.zip", buffer.getvalue(), "application/zip")}


def test_no_answer_writes_a_number_with_an_exponent(
    client: TestClient, headers_for: HeadersFor
) -> None:
    admin = headers_for("admin")
    answers: dict[str, Any] = {}

    def call(method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = client.request(method, API_PREFIX + path, headers=admin, **kwargs)
        assert response.status_code == status, (path, response.text)
        answers[f"{method} {path}"] = response.json()
        return response.json()

    # given a staff purchase at 480 (imported), values typed with exponents, and figures
    # that used to be kept normalised (30 % as 3E+1, 10 points as 1E+1)
    call("POST", "/imports", files=dataset_zip())
    call("POST", "/products", 201, json={"id": "MUG", "seller": "XYZ", "name": "Mug",
                                         "currency": "EUR", "list_price": "4.8E+2",
                                         "unit_cost": "1E+1"})  # fmt: skip
    call("POST", "/programmes", 201, json={"id": "CAPPED", "name": "Capped staff",
                                           "kind": "staff_discount", "scope_kind": "entity",
                                           "scope_id": "XYZ", "discount_pct": "1E+1",
                                           "annual_cap": "1E+3", "annual_cap_currency": "EUR",
                                           "valid_from": "2026-03-03"})  # fmt: skip
    call("PUT", "/gross-profit-percentages/XYZ/2026", json={"percent": "3E+1"})
    call("POST", "/incentive-programmes", 201, json={"id": "SPEND", "name": "Spend",
                                                     "kind": "points_per_spend",
                                                     "points_per_unit": "1E+1",
                                                     "currency": "EUR"})  # fmt: skip
    lines = [{"product": "MUG", "quantity": "1E+1"}]
    call("POST", "/quotes", json={"seller": "XYZ", "buyer": "P1", "on": "2026-03-03",
                                  "lines": lines})  # fmt: skip
    placed = call("POST", "/orders", 201, json={"seller": "XYZ", "buyer": "P1",
                                                "on": "2026-03-03", "lines": lines})  # fmt: skip
    call("POST", f"/orders/{placed['id']}/returns", 201,
         json={"on": "2026-03-04", "lines": [{"line": 1, "quantity": "1E+0"}]})  # fmt: skip

    # when the records are read back
    for path, query in (("/orders", None), ("/benefits", {"year": "2026"}),
                        ("/products", None), ("/products/MUG", None), ("/programmes", None),
                        ("/programmes/CAPPED", None), ("/gross-profit-percentages", None),
                        ("/incentive-programmes", None), ("/points/P1", None),
                        ("/participation", {"period": "2026-03"}),
                        ("/entities/XYZ/structure", {"on": "2026-03-02"}),
                        ("/parity", {"period": "2026-Q1"}),
                        ("/audit-log", {"limit": "1000"})):  # fmt: skip
        call("GET", path, params=query)

    # then no answer writes a number with an exponent
    found = [f"{name}: {w}" for name, body in answers.items() for w in exponents(body)]
    assert found == []
    # and the staff purchase's unit price reads as an amount in its currency
    line = answers["GET /benefits"]["statements"][0]["lines"][0]
    assert (line["list_price"], line["price_paid"]) == ("600.00", "480.00")
    assert answers["GET /gross-profit-percentages"] == [
        {"entity": "XYZ", "year": 2026, "percent": "30"}
    ]
