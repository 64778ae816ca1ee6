"""Classification and group structure over HTTP, on the demo data, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from inhouse.clock import FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.demo import SEED_BUYER, SEED_DATE, SEED_SELLER
from inhouse.groups.domain import Register
from inhouse.groups.schemas import ClassificationRead
from inhouse.identity.domain import SYSTEM
from inhouse.identity.services import record

HeadersFor = Callable[..., dict[str, str]]
URL = "/api/v1/classifications"
ON = SEED_DATE.isoformat()  # 2026-03-02


def problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


@pytest.fixture
def sales(headers_for: HeadersFor, demo_loaded: Register) -> dict[str, str]:
    """The headers of a sales system (may classify, nothing else) with the demo loaded."""
    return headers_for("sales_system")


def expected(register: Register, seller: str, buyer: str, on: date) -> dict[str, Any]:
    """The domain's answer on the same register, as the API should send it."""
    return ClassificationRead.of(register.classify(seller, buyer, on)).model_dump(mode="json")


def test_abc_buying_from_xyz_on_the_seed_date_is_intercompany_with_its_evidence(
    client: TestClient, sales: dict[str, str]
) -> None:
    # when the sales system asks who ABC is to XYZ on 2026-03-02
    response = client.post(URL, headers=sales,
                           json={"seller": SEED_SELLER, "buyer": SEED_BUYER, "on": ON})  # fmt: skip

    # then ABC is an internal customer: both belong to JKL, and the answer says why
    assert response.status_code == 200, response.text
    assert response.json() == {
        "seller": "XYZ",
        "buyer": "ABC",
        "on": "2026-03-02",
        "relation": "intercompany",
        "internal": True,
        "seller_entity": "XYZ",
        "buyer_entity": "ABC",
        "group": "JKL",
        "uncertain": False,
        "evidence": [
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "JKL holds 100% of the votes in ABC (since 2019-01-01)",
            "XYZ and ABC are both controlled by JKL on 2026-03-02",
        ],
    }


def test_a_batch_answers_every_item_in_order(
    client: TestClient, sales: dict[str, str], demo_loaded: Register
) -> None:
    # given pairs of every kind: intercompany, group employee, unit to unit, outsiders
    pairs = [
        ("XYZ", "ABC", ON),
        ("XYZ", "P001", ON),
        ("XYZ-SHIP", "ABC-PURCH", ON),
        ("ABC-SHOP-CGN", "WALKIN-0157", ON),
        ("JKL", "UVW", ON),
        ("JKL", "GHI", ON),
        ("JKL", "LOG", "2026-03-31"),
        ("JKL", "LOG", "2026-04-01"),
    ]
    items = [{"seller": s, "buyer": b, "on": on} for s, b, on in pairs]

    # when they are asked in one batch
    response = client.post(URL, headers=sales, json={"items": items})

    # then each answer is the domain's answer for that item, in the order asked
    assert response.status_code == 200, response.text
    answers = response.json()["items"]
    assert answers == [expected(demo_loaded, s, b, date.fromisoformat(on)) for s, b, on in pairs]
    assert [(a["relation"], a["internal"]) for a in answers] == [
        ("intercompany", True),
        ("group_employee", True),
        ("intercompany", True),
        ("external", False),
        ("external", False),
        ("related_party", False),
        ("related_party", False),
        ("intercompany", True),
    ]
    assert answers[3]["evidence"] == [
        "ABC-SHOP-CGN is an org unit of ABC",
        "WALKIN-0157 is not a known party",
    ]
    assert answers[5]["evidence"] == [
        "JKL belongs to the JKL group and GHI to the GHI group on 2026-03-02",
        "The JKL group holds 50% of the votes in GHI of the GHI group: significant influence "
        "(IAS 28.5)",
    ]


def test_a_batch_of_exactly_ten_thousand_items_is_answered(
    client: TestClient, sales: dict[str, str]
) -> None:
    items = [{"seller": "XYZ", "buyer": "ABC" if i % 2 else "P001", "on": ON}
             for i in range(10_000)]  # fmt: skip

    response = client.post(URL, headers=sales, json={"items": items})

    assert response.status_code == 200, response.text[:500]
    answers = response.json()["items"]
    assert len(answers) == 10_000
    assert answers[0]["relation"] == "group_employee"
    assert answers[9_999]["relation"] == "intercompany"


def test_a_batch_of_ten_thousand_and_one_items_is_422_naming_the_limit(
    client: TestClient, sales: dict[str, str]
) -> None:
    items = [{"seller": "XYZ", "buyer": "ABC", "on": ON}] * 10_001

    response = client.post(URL, headers=sales, json={"items": items})

    body = problem(response, 422)
    assert body["title"] == "Invalid input"
    assert body["errors"] == [
        {
            "path": "body.items",
            "message": "List should have at most 10000 items after validation, not 10001",
        }
    ]


def test_an_unknown_seller_is_422_naming_it(client: TestClient, sales: dict[str, str]) -> None:
    response = client.post(URL, headers=sales, json={"seller": "NOPE", "buyer": "ABC", "on": ON})
    body = problem(response, 422)
    assert body["detail"] == "NOPE is not a known legal entity or org unit"


def test_an_unknown_seller_in_a_batch_names_the_item_and_nothing_is_answered(
    client: TestClient, sales: dict[str, str]
) -> None:
    items = [
        {"seller": "XYZ", "buyer": "ABC", "on": ON},
        {"seller": "NOPE", "buyer": "ABC", "on": ON},
        {"seller": "XYZ", "buyer": "XYZ", "on": ON},
    ]
    response = client.post(URL, headers=sales, json={"items": items})
    body = problem(response, 422)
    assert body["detail"] == (
        "item 1: NOPE is not a known legal entity or org unit; "
        "item 2: XYZ cannot buy from itself (XYZ)"
    )
    assert "items" not in body


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"seller": "XYZ", "buyer": "ABC", "on": "2026-02-30"}, ["body.on"]),
        ({"seller": "XYZ", "buyer": "ABC", "on": ON, "colour": "red"}, ["body.colour"]),
        ({"seller": "", "buyer": "ABC", "on": ON}, ["body.seller"]),
        ({"items": [{"seller": "XYZ", "on": ON}, {"seller": "XYZ", "buyer": "ABC", "on": "soon"}]},
         ["body.items.0.buyer", "body.items.1.on"]),
        ({"items": []}, ["body"]),
        ({"seller": "XYZ", "buyer": "ABC"}, ["body"]),
        ({"seller": "XYZ", "buyer": "ABC", "on": ON, "items": [{"seller": "XYZ", "buyer": "ABC",
                                                               "on": ON}]}, ["body"]),
        ([], ["body"]),
    ],
)  # fmt: skip
def test_a_malformed_body_is_422_with_field_paths(
    client: TestClient, sales: dict[str, str], body: Any, errors: list[str]
) -> None:
    response = client.post(URL, headers=sales, json=body)
    problem_body = problem(response, 422)
    assert [e["path"] for e in problem_body["errors"]] == errors
    assert all(e["message"] for e in problem_body["errors"])


def test_a_body_that_is_not_json_is_422(client: TestClient, sales: dict[str, str]) -> None:
    response = client.post(URL, headers={**sales, "Content-Type": "application/json"},
                           content=b"{not json")  # fmt: skip
    problem(response, 422)


# --------------------------------------------------------------------- structure


def test_the_structure_of_abcs_group_lists_every_member_with_its_evidence(
    client: TestClient, headers_for: HeadersFor, demo_loaded: Register
) -> None:
    # when finance asks for ABC's group on the seed date
    response = client.get("/api/v1/entities/ABC/structure", params={"on": ON},
                          headers=headers_for("finance"))  # fmt: skip

    # then every JKL member is listed with its parent, controller and interest (as text)
    assert response.status_code == 200, response.text
    members = response.json()
    assert [(m["entity"], m["ultimate_parent"], m["controller"], m["effective_pct"],
             m["nci_pct"], m["uncertain"]) for m in members] == [
        ("ABC", "JKL", "JKL", "100", "0", False),
        ("INS", "JKL", "JKL", "100", "0", False),
        ("JKL", "JKL", None, "100", "0", False),
        ("JKL-UK", "JKL", "JKL", "87.5", "12.5", False),
        ("JKL-US", "JKL", "JKL", "80", "20", False),
        ("PRT", "JKL", "XYZ", "60", "40", False),
        ("TEL", "JKL", "JKL", "100", "0", False),
        ("XYZ", "JKL", "JKL", "100", "0", False),
    ]  # fmt: skip
    assert members[0] == {
        "entity": "ABC",
        "name": "ABC Handel GmbH",
        "ultimate_parent": "JKL",
        "controller": "JKL",
        "effective_pct": "100",
        "nci_pct": "0",
        "uncertain": False,
        "evidence": ["JKL holds 100% of the votes in ABC (since 2019-01-01)"],
    }
    assert members[3]["evidence"][-1] == (
        "The effective interest in JKL-UK uses the midpoint of a share band"
    )


def test_logistics_joins_the_group_on_the_day_the_agreement_starts(
    client: TestClient, headers_for: HeadersFor, demo_loaded: Register
) -> None:
    headers = headers_for("service_agent")

    def members(on: str) -> list[str]:
        response = client.get("/api/v1/entities/JKL/structure", params={"on": on},
                              headers=headers)  # fmt: skip
        assert response.status_code == 200, response.text
        return sorted(m["entity"] for m in response.json())

    assert "LOG" not in members("2026-03-31")
    assert "LOG" in members("2026-04-01")


def test_the_structure_of_an_unknown_entity_is_422(
    client: TestClient, headers_for: HeadersFor, demo_loaded: Register
) -> None:
    response = client.get("/api/v1/entities/NOPE/structure", params={"on": ON},
                          headers=headers_for("finance"))  # fmt: skip
    assert problem(response, 422)["detail"] == "NOPE is not a known legal entity"


def test_the_structure_needs_a_date(
    client: TestClient, headers_for: HeadersFor, demo_loaded: Register
) -> None:
    response = client.get("/api/v1/entities/ABC/structure", headers=headers_for("finance"))
    assert [e["path"] for e in problem(response, 422)["errors"]] == ["query.on"]


# --------------------------------------------------------------------- the register cache


def test_the_register_cache_sees_a_write_made_after_the_first_request(
    client: TestClient, engine: Engine, clock: FixedClock, sales: dict[str, str]
) -> None:
    # given an answer about NEWCO before anyone recorded it (so the register is cached)
    question = {"seller": "XYZ", "buyer": "NEWCO", "on": ON}
    before = client.post(URL, headers=sales, json=question).json()
    assert (before["relation"], before["evidence"]) == ("external",
                                                        ["NEWCO is not a known party"])  # fmt: skip

    # when NEWCO and JKL's 100 % stake in it are written, with their audit entry
    with UnitOfWork(engine) as uow:
        entity = uow.groups.add("entities", {"id": "NEWCO", "name": "NewCo GmbH"})
        stake = uow.groups.add("stakes", {"holder": "JKL", "entity": "NEWCO", "voting": "100",
                                          "equity": "100", "valid_from": date(2026, 1, 1)})  # fmt: skip
        record(uow=uow, actor=SYSTEM, clock=clock, action="create", resource="entities",
               resource_id="NEWCO", after=entity)  # fmt: skip
        record(uow=uow, actor=SYSTEM, clock=clock, action="create", resource="stakes",
               resource_id=str(stake["id"]), after=stake)  # fmt: skip
        uow.commit()

    # then the next answer knows NEWCO as a member of the JKL group
    after = client.post(URL, headers=sales, json=question).json()
    assert after["relation"] == "intercompany"
    assert after["evidence"] == [
        "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
        "JKL holds 100% of the votes in NEWCO (since 2026-01-01)",
        "XYZ and NEWCO are both controlled by JKL on 2026-03-02",
    ]


def test_the_register_cache_sees_records_written_through_the_api(
    client: TestClient, headers_for: HeadersFor, sales: dict[str, str]
) -> None:
    # given an answer about NEWCO before it was recorded (so the register is cached)
    question = {"seller": "XYZ", "buyer": "NEWCO", "on": ON}
    assert client.post(URL, headers=sales, json=question).json()["relation"] == "external"

    # when finance records NEWCO and JKL's 100 % stake in it through the API
    finance = headers_for("finance")
    created = client.post("/api/v1/entities", headers=finance,
                          json={"id": "NEWCO", "name": "NewCo GmbH"})  # fmt: skip
    stake = client.post("/api/v1/stakes", headers=finance,
                        json={"holder": "JKL", "entity": "NEWCO", "voting": "100",
                              "valid_from": "2026-01-01"})  # fmt: skip
    assert (created.status_code, stake.status_code) == (201, 201), (created.text, stake.text)

    # then the next answer, and the group structure, know NEWCO as a JKL member
    after = client.post(URL, headers=sales, json=question).json()
    assert (after["relation"], after["group"]) == ("intercompany", "JKL")
    members = client.get("/api/v1/entities/NEWCO/structure", params={"on": ON},
                         headers=finance).json()  # fmt: skip
    assert "NEWCO" in [m["entity"] for m in members]
    assert "ABC" in [m["entity"] for m in members]
