"""Entities, stakes, org units, persons and employments over HTTP, on SQLite and PostgreSQL.

Create, read, change, end and list each kind of record; validation with exact field
paths and reasons; references and the one id namespace; employees' self-service; the
audit log; and that a rejected write leaves the database exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select

from inhouse.clock import FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.errors import FieldProblem, InvalidFields
from inhouse.groups import services
from inhouse.groups import tables as t
from inhouse.identity.domain import SYSTEM, Actor, Role
from inhouse.identity.services import NotAllowed

HeadersFor = Callable[..., dict[str, str]]
Headers = dict[str, str]
API = "/api/v1"


# --------------------------------------------------------------------- helpers


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def problem(response: Response, status: int) -> dict[str, Any]:
    """An RFC 9457 body, checked for its shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def errors(response: Response, status: int = 422) -> list[tuple[str, str]]:
    """The ``errors`` of a problem as (path, message) pairs."""
    return [(e["path"], e["message"]) for e in problem(response, status)["errors"]]


def audit(engine: Engine, resource: str) -> list[tuple[str, str, Any, Any]]:
    """The audit entries of one resource, oldest first: (action, id, before, after)."""
    with UnitOfWork(engine) as uow:
        rows = uow.identity.audit_page(limit=1000, resource=resource)
    return [(r["action"], r["resource_id"], r["before"], r["after"]) for r in reversed(rows)]


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the groups tables and the audit log's size: to show nothing changed."""
    tables = [t.parties, t.entities, t.stakes, t.units, t.persons, t.employments]
    with UnitOfWork(engine) as uow:
        state = {
            table.name: [
                tuple(r) for r in uow.connection.execute(select(table).order_by(*table.primary_key))
            ]
            for table in tables
        }
        state["audit_log"] = [(uow.identity.latest_audit_id(),)]
    return state


def ids(page: dict[str, Any]) -> list[Any]:
    return [item["id"] for item in page["items"]]


@pytest.fixture
def admin(headers_for: HeadersFor) -> Headers:
    return headers_for("admin")


def entity(client: TestClient, headers: Headers, entity_id: str, **fields: Any) -> Any:
    body = {"id": entity_id, "name": f"{entity_id} GmbH", **fields}
    return ok(client.post(f"{API}/entities", headers=headers, json=body), 201)


def person(client: TestClient, headers: Headers, person_id: str, **fields: Any) -> Any:
    body = {"id": person_id, "name": f"Person {person_id}", **fields}
    return ok(client.post(f"{API}/persons", headers=headers, json=body), 201)


def unit(client: TestClient, headers: Headers, unit_id: str, owner: str, **fields: Any) -> Any:
    body = {"id": unit_id, "entity": owner, "name": f"Unit {unit_id}", **fields}
    return ok(client.post(f"{API}/units", headers=headers, json=body), 201)


def stake(client: TestClient, headers: Headers, holder: str, owned: str, voting: str = "100",
          **fields: Any) -> Any:  # fmt: skip
    body = {"holder": holder, "entity": owned, "voting": voting, **fields}
    return ok(client.post(f"{API}/stakes", headers=headers, json=body), 201)


def employment(client: TestClient, headers: Headers, who: str, employer: str, **fields: Any) -> Any:
    body = {"person": who, "entity": employer, **fields}
    return ok(client.post(f"{API}/employments", headers=headers, json=body), 201)


def end(client: TestClient, headers: Headers, path: str, on: str) -> Response:
    response: Response = client.post(f"{API}/{path}/end", headers=headers, json={"on": on})
    return response


# --------------------------------------------------------------------- entities


def test_an_entity_is_created_read_changed_and_audited(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    # when an entity is registered with codes in lower case and a spaced VAT ID
    created = client.post(f"{API}/entities", headers=admin, json={
        "id": "JKL", "name": "JKL Holding AG", "country": "de", "currency": "eur",
        "lei": "529900JKLHOLDING0098", "vat_id": "DE 214 500 175"})  # fmt: skip
    # then it is stored in canonical form
    stored = {"id": "JKL", "name": "JKL Holding AG", "country": "DE", "currency": "EUR",
              "lei": "529900JKLHOLDING0098", "vat_id": "DE214500175", "line_of_business": None}  # fmt: skip
    assert ok(created, 201) == stored
    assert ok(client.get(f"{API}/entities/JKL", headers=admin)) == stored
    # when two fields change and one is cleared
    changed = client.patch(f"{API}/entities/JKL", headers=admin,
                           json={"name": "JKL Group AG", "line_of_business": "holding", "lei": None})  # fmt: skip
    after = {**stored, "name": "JKL Group AG", "line_of_business": "holding", "lei": None}
    assert ok(changed) == after
    assert ok(client.get(f"{API}/entities/JKL", headers=admin)) == after
    # then the audit log has both acts with before and after
    assert audit(engine, "entities") == [
        ("create", "JKL", None, stored),
        ("update", "JKL", stored, after),
    ]


def test_changing_an_entity_to_what_it_is_writes_nothing(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    entity(client, admin, "JKL", country="DE")
    before = snapshot(engine)
    same = client.patch(
        f"{API}/entities/JKL", headers=admin, json={"country": "de", "name": "JKL GmbH"}
    )
    assert ok(same)["country"] == "DE"
    assert snapshot(engine) == before


def test_bad_entity_fields_are_all_named_and_nothing_is_written(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    before = snapshot(engine)
    response = client.post(f"{API}/entities", headers=admin, json={
        "id": "A/B", "name": "  ", "country": "XX", "currency": "EURO", "lei": "123",
        "vat_id": "DE1"})  # fmt: skip
    assert errors(response) == [
        ("body.id", '"A/B" has a "/"; ids are parts of addresses and have none'),
        ("body.name", "a value is required"),
        ("body.country", '"XX" is not an ISO 3166-1 alpha-2 country code'),
        ("body.currency", '"EURO" is not an ISO 4217 currency code'),
        ("body.lei", '"123" is not a valid LEI (the number\'s checksum or check digit is invalid)'),
        ("body.vat_id", '"DE1" is not a valid VAT ID (the number has an invalid length)'),
    ]
    assert snapshot(engine) == before


def test_a_vat_id_is_checked_again_when_the_country_changes(
    client: TestClient, admin: Headers
) -> None:
    entity(client, admin, "USCO", country="US", vat_id="12-3456789")
    response = client.patch(f"{API}/entities/USCO", headers=admin, json={"country": "DK"})
    assert errors(response) == [
        (
            "body.vat_id",
            '"12-3456789" is not a valid VAT ID for DK (the number has an invalid length)',
        )
    ]


def test_the_request_schema_names_missing_and_unknown_fields(
    client: TestClient, admin: Headers
) -> None:
    missing = client.post(f"{API}/entities", headers=admin, json={"id": "JKL"})
    assert errors(missing) == [("body.name", "Field required")]
    entity(client, admin, "JKL")
    renamed = client.patch(f"{API}/entities/JKL", headers=admin, json={"id": "JKL2"})
    assert errors(renamed) == [("body.id", "Extra inputs are not permitted")]


def test_unknown_records_are_not_found(client: TestClient, admin: Headers) -> None:
    assert (
        problem(client.get(f"{API}/entities/NOPE", headers=admin), 404)["detail"]
        == "no entity NOPE"
    )
    assert problem(client.get(f"{API}/stakes/99", headers=admin), 404)["detail"] == "no stake 99"
    assert (
        problem(client.get(f"{API}/units/NOPE", headers=admin), 404)["detail"] == "no org unit NOPE"
    )
    assert (
        problem(client.get(f"{API}/persons/NOPE", headers=admin), 404)["detail"] == "no person NOPE"
    )
    assert (
        problem(client.get(f"{API}/employments/99", headers=admin), 404)["detail"]
        == "no employment 99"
    )
    huge = client.get(f"{API}/stakes/{2**31}", headers=admin)
    assert errors(huge) == [("path.stake_id", "Input should be less than or equal to 2147483647")]
    patched = client.patch(f"{API}/stakes/99", headers=admin, json={"voting": "50"})
    assert problem(patched, 404)["detail"] == "no stake 99"
    assert (
        problem(end(client, admin, "employments/99", "2026-01-01"), 404)["detail"]
        == "no employment 99"
    )


# --------------------------------------------------------------------- one namespace of ids


def test_an_id_names_one_entity_unit_or_person_only(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    entity(client, admin, "ABC")
    person(client, admin, "P9")
    unit(client, admin, "ABC-SALES", "ABC")
    before = snapshot(engine)
    as_person = client.post(f"{API}/persons", headers=admin, json={"id": "ABC", "name": "Abc"})
    assert errors(as_person, 409) == [("body.id", '"ABC" is already used by an entity')]
    as_unit = client.post(
        f"{API}/units", headers=admin, json={"id": "P9", "entity": "ABC", "name": "x"}
    )
    assert errors(as_unit, 409) == [("body.id", '"P9" is already used by a person')]
    as_entity = client.post(f"{API}/entities", headers=admin, json={"id": "ABC-SALES", "name": "x"})
    assert errors(as_entity, 409) == [("body.id", '"ABC-SALES" is already used by an org unit')]
    again = client.post(f"{API}/entities", headers=admin, json={"id": "ABC", "name": "x"})
    assert problem(again, 409)["detail"] == 'id: "ABC" is already used by an entity'
    assert snapshot(engine) == before


def test_an_idempotency_key_replays_the_first_answer(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    headers = {**admin, "Idempotency-Key": "create-jkl"}
    body = {"id": "JKL", "name": "JKL AG"}
    first = client.post(f"{API}/entities", headers=headers, json=body)
    second = client.post(f"{API}/entities", headers=headers, json=body)
    assert ok(second, 201) == ok(first, 201)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert [entry[0] for entry in audit(engine, "entities")] == ["create"]
    other = client.post(f"{API}/entities", headers=headers, json={"id": "XYZ", "name": "XYZ"})
    assert problem(other, 422)["detail"] == (
        "this Idempotency-Key was used for a different request; use a new key"
    )


# --------------------------------------------------------------------- stakes


def test_a_stake_is_recorded_changed_ended_and_audited(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    entity(client, admin, "JKL")
    entity(client, admin, "ABC")
    # when a stake is given as a band, with equity left out and a number for a share
    created = stake(client, admin, "JKL", "ABC", "( 50, 75.0]", valid_from="2019-01-01")
    first = {"id": created["id"], "holder": "JKL", "entity": "ABC", "voting": "(50,75]",
             "equity": "(50,75]", "valid_from": "2019-01-01", "valid_to": None, "control": None}  # fmt: skip
    assert created == first
    assert ok(client.get(f"{API}/stakes/{created['id']}", headers=admin)) == first
    path = f"{API}/stakes/{created['id']}"
    # when voting changes alone, equity follows it (they were equal)
    followed = ok(client.patch(path, headers=admin, json={"voting": 80}))
    assert (followed["voting"], followed["equity"]) == ("80", "80")
    # when equity differs, a change of voting leaves it
    ok(client.patch(path, headers=admin, json={"equity": "70"}))
    kept = ok(client.patch(path, headers=admin, json={"voting": "90", "control": "yes"}))
    assert (kept["voting"], kept["equity"], kept["control"]) == ("90", "70", "yes")
    # when the stake ends
    ended = ok(end(client, admin, f"stakes/{created['id']}", "2026-01-01"))
    assert ended == {**kept, "valid_to": "2026-01-01"}
    # then ending it again on that day changes nothing; a later day is a conflict
    entries = len(audit(engine, "stakes"))
    assert ok(end(client, admin, f"stakes/{created['id']}", "2026-01-01")) == ended
    assert len(audit(engine, "stakes")) == entries
    later = end(client, admin, f"stakes/{created['id']}", "2026-02-01")
    assert errors(later, 409) == [("body.on", "the stake ended already on 2026-01-01")]
    # and the audit log tells every step with before and after
    stake_id = str(created["id"])
    stored = {**first, "control": ""}
    v80 = {**stored, "voting": "80", "equity": "80"}
    e70 = {**v80, "equity": "70"}
    v90 = {**e70, "voting": "90", "control": "yes"}
    assert audit(engine, "stakes") == [
        ("create", stake_id, None, stored),
        ("update", stake_id, stored, v80),
        ("update", stake_id, v80, e70),
        ("update", stake_id, e70, v90),
        ("end", stake_id, v90, {**v90, "valid_to": "2026-01-01"}),
    ]


def test_a_stake_ends_after_it_starts(client: TestClient, admin: Headers, engine: Engine) -> None:
    entity(client, admin, "JKL")
    entity(client, admin, "ABC")
    made = stake(client, admin, "JKL", "ABC", valid_from="2020-01-01")
    before = snapshot(engine)
    same_day = end(client, admin, f"stakes/{made['id']}", "2020-01-01")
    assert errors(same_day) == [("body.on", "2020-01-01 must be after valid_from 2020-01-01")]
    not_a_day = end(client, admin, f"stakes/{made['id']}", "2020-02-30")
    assert errors(not_a_day) == [("body.on", '"2020-02-30" is not a date (YYYY-MM-DD)')]
    assert snapshot(engine) == before


def test_bad_stake_fields_and_references_are_all_named(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    entity(client, admin, "ABC")
    person(client, admin, "P9")
    unit(client, admin, "ABC-SALES", "ABC")
    before = snapshot(engine)
    response = client.post(f"{API}/stakes", headers=admin, json={
        "holder": "ABC-SALES", "entity": "P9", "voting": "(50,75", "equity": "120",
        "valid_from": "2021-01-01", "valid_to": "2020-01-01", "control": "maybe"})  # fmt: skip
    assert errors(response) == [
        ("body.holder", '"ABC-SALES" is an org unit, not an entity or a person'),
        ("body.entity", '"P9" is a person, not an entity'),
        ("body.voting", '"(50,75" is not a share'),
        ("body.equity", '"120" is not a share'),
        ("body.control", '"maybe" is not a control value (expected yes, no or empty)'),
        ("body.valid_to", "valid_to 2020-01-01 must be after valid_from 2021-01-01"),
    ]
    unknown = client.post(f"{API}/stakes", headers=admin,
                          json={"holder": "NOPE", "entity": "ABC", "voting": "", "valid_to": "2020-13-01"})  # fmt: skip
    assert errors(unknown) == [
        ("body.holder", '"NOPE" is not a known entity or person'),
        ("body.voting", "a value is required"),
        ("body.valid_to", '"2020-13-01" is not a date (YYYY-MM-DD)'),
    ]
    itself = client.post(
        f"{API}/stakes", headers=admin, json={"holder": "ABC", "entity": "ABC", "voting": "5"}
    )
    assert errors(itself) == [("body.entity", '"ABC" cannot hold a stake in itself')]
    assert snapshot(engine) == before


def test_a_stake_is_identified_by_holder_entity_and_valid_from(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    entity(client, admin, "JKL")
    entity(client, admin, "ABC")
    first = stake(client, admin, "JKL", "ABC", "60", valid_from="2019-01-01")
    later = stake(client, admin, "JKL", "ABC", "70", valid_from="2020-01-01")
    before = snapshot(engine)
    twice = client.post(f"{API}/stakes", headers=admin,
                        json={"holder": "JKL", "entity": "ABC", "voting": "80", "valid_from": "2019-01-01"})  # fmt: skip
    message = (f"stake {first['id']} has the same holder, entity and valid_from; a stake is "
               f"identified by them: change or end stake {first['id']} instead")  # fmt: skip
    assert errors(twice, 409) == [("body.valid_from", message)]
    moved = client.patch(
        f"{API}/stakes/{later['id']}", headers=admin, json={"valid_from": "2019-01-01"}
    )
    assert errors(moved, 409) == [("body.valid_from", message)]
    assert snapshot(engine) == before


def test_stakes_are_listed_by_holder_entity_and_day(client: TestClient, admin: Headers) -> None:
    for name in ("JKL", "ABC", "XYZ"):
        entity(client, admin, name)
    person(client, admin, "P9")
    s1 = stake(client, admin, "JKL", "ABC", valid_from="2020-01-01", valid_to="2021-01-01")["id"]
    s2 = stake(client, admin, "JKL", "XYZ", valid_from="2021-01-01")["id"]
    s3 = stake(client, admin, "P9", "JKL", "30")["id"]

    def listed(query: str) -> list[Any]:
        return ids(ok(client.get(f"{API}/stakes?{query}", headers=admin)))

    assert listed("") == [s1, s2, s3]
    assert listed("on=2019-12-31") == [s3]
    assert listed("on=2020-01-01") == [s1, s3]  # valid_from is the first day
    assert listed("on=2020-12-31") == [s1, s3]
    assert listed("on=2021-01-01") == [s2, s3]  # valid_to is the first day no longer valid
    assert listed("holder=JKL") == [s1, s2]
    assert listed("entity=JKL") == [s3]
    assert listed("holder=JKL&on=2021-01-01") == [s2]
    assert errors(client.get(f"{API}/stakes?on=2021-1-1", headers=admin)) == [
        ("query.on", '"2021-1-1" is not a date (YYYY-MM-DD)')
    ]


# --------------------------------------------------------------------- pagination


def test_a_cursor_walks_every_page_once(client: TestClient, admin: Headers) -> None:
    for number in range(7, 0, -1):
        entity(client, admin, f"E{number:02}")
    seen: list[str] = []
    pages = 0
    cursor: str | None = None
    while True:
        query = "limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = ok(client.get(f"{API}/entities?{query}", headers=admin))
        seen += ids(page)
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["E01", "E02", "E03", "E04", "E05", "E06", "E07"]
    assert pages == 3
    full = ok(client.get(f"{API}/entities?limit=7", headers=admin))
    assert (len(full["items"]), full["next_cursor"]) == (7, None)


def test_a_cursor_walks_numbered_records_too(client: TestClient, admin: Headers) -> None:
    entity(client, admin, "JKL")
    owned = [entity(client, admin, f"S{n}")["id"] for n in range(5)]
    made = [stake(client, admin, "JKL", s)["id"] for s in owned]
    first = ok(client.get(f"{API}/stakes?limit=2", headers=admin))
    second = ok(client.get(f"{API}/stakes?limit=2&cursor={first['next_cursor']}", headers=admin))
    third = ok(client.get(f"{API}/stakes?limit=2&cursor={second['next_cursor']}", headers=admin))
    assert [ids(first), ids(second), ids(third)] == [made[:2], made[2:4], made[4:]]
    assert third["next_cursor"] is None
    # a cursor belongs to its list
    wrong = client.get(f"{API}/entities?cursor={first['next_cursor']}", headers=admin)
    assert errors(wrong) == [
        (
            "query.cursor",
            f'"{first["next_cursor"]}" is not a cursor of this list (give next_cursor of a page)',
        )
    ]


def test_page_sizes_are_limited(client: TestClient, admin: Headers) -> None:
    too_many = client.get(f"{API}/entities?limit=1001", headers=admin)
    assert errors(too_many) == [("query.limit", "Input should be less than or equal to 1000")]
    none = client.get(f"{API}/units?limit=0", headers=admin)
    assert errors(none) == [("query.limit", "Input should be greater than or equal to 1")]
    garbage = client.get(f"{API}/persons?cursor=abc", headers=admin)
    assert errors(garbage) == [
        ("query.cursor", '"abc" is not a cursor of this list (give next_cursor of a page)')
    ]


# --------------------------------------------------------------------- org units


def test_org_units_form_a_tree_inside_their_entity(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    entity(client, admin, "JKL")
    entity(client, admin, "ABC")
    board = unit(client, admin, "U1", "JKL", cost_centre="1000")
    assert board == {
        "id": "U1",
        "entity": "JKL",
        "name": "Unit U1",
        "parent": None,
        "cost_centre": "1000",
    }
    unit(client, admin, "U2", "JKL", parent="U1")
    unit(client, admin, "U3", "JKL", parent="U2")
    unit(client, admin, "UA", "ABC")
    before = snapshot(engine)
    elsewhere = client.post(f"{API}/units", headers=admin,
                            json={"id": "U4", "entity": "ABC", "name": "x", "parent": "U1"})  # fmt: skip
    assert errors(elsewhere) == [("body.parent", '"U1" is an org unit of JKL, not of ABC')]
    no_entity = client.post(f"{API}/units", headers=admin,
                            json={"id": "U4", "entity": "U1", "name": "x", "parent": "JKL"})  # fmt: skip
    assert errors(no_entity) == [
        ("body.entity", '"U1" is an org unit, not an entity'),
        ("body.parent", '"JKL" is an entity, not an org unit'),
    ]
    cycle = client.patch(f"{API}/units/U1", headers=admin, json={"parent": "U3"})
    assert errors(cycle) == [("body.parent", "the parents form a cycle: U1 → U3 → U2 → U1")]
    itself = client.patch(f"{API}/units/U2", headers=admin, json={"parent": "U2"})
    assert errors(itself) == [("body.parent", "the parents form a cycle: U2 → U2")]
    moved_out = client.patch(f"{API}/units/U2", headers=admin, json={"parent": "UA"})
    assert errors(moved_out) == [("body.parent", '"UA" is an org unit of ABC, not of JKL')]
    stays = client.patch(f"{API}/units/U2", headers=admin, json={"entity": "ABC"})
    assert errors(stays) == [("body.entity", "Extra inputs are not permitted")]
    assert snapshot(engine) == before
    # when U3 moves right below U1 and gets a new name
    moved = ok(
        client.patch(f"{API}/units/U3", headers=admin, json={"parent": "U1", "name": "Plant"})
    )
    assert moved == {
        "id": "U3",
        "entity": "JKL",
        "name": "Plant",
        "parent": "U1",
        "cost_centre": None,
    }
    assert ids(ok(client.get(f"{API}/units?entity=JKL", headers=admin))) == ["U1", "U2", "U3"]
    assert ids(ok(client.get(f"{API}/units?parent=U1", headers=admin))) == ["U2", "U3"]
    assert audit(engine, "units")[-1] == (
        "update", "U3",
        {"id": "U3", "entity": "JKL", "name": "Unit U3", "parent": "U2", "cost_centre": None},
        moved,
    )  # fmt: skip


# --------------------------------------------------------------------- persons and employments


def test_persons_and_employments_are_recorded_and_checked(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    entity(client, admin, "JKL")
    entity(client, admin, "ABC")
    unit(client, admin, "U1", "JKL")
    unit(client, admin, "UA", "ABC")
    made = person(client, admin, "P9", email="p9@jkl.example", employee_no="E9")
    assert made == {"id": "P9", "name": "Person P9", "email": "p9@jkl.example", "employee_no": "E9"}
    bad_email = client.post(
        f"{API}/persons", headers=admin, json={"id": "P8", "name": "x", "email": "nobody"}
    )
    assert errors(bad_email) == [("body.email", '"nobody" is not an email address')]
    hired = employment(
        client, admin, "P9", "JKL", unit="U1", kind="Retiree", valid_from="2024-01-01"
    )
    assert hired == {"id": hired["id"], "person": "P9", "entity": "JKL", "unit": "U1",
                     "kind": "retiree", "valid_from": "2024-01-01", "valid_to": None}  # fmt: skip
    before = snapshot(engine)
    wrong = client.post(f"{API}/employments", headers=admin, json={
        "person": "JKL", "entity": "JKL", "unit": "UA", "kind": "intern",
        "valid_from": "2024-01-01", "valid_to": "2024-01-01"})  # fmt: skip
    assert errors(wrong) == [
        ("body.person", '"JKL" is an entity, not a person'),
        ("body.unit", '"UA" is an org unit of ABC, not of JKL'),
        ("body.kind", '"intern" is not an employment kind (expected employee or retiree)'),
        ("body.valid_to", "valid_to 2024-01-01 must be after valid_from 2024-01-01"),
    ]
    twice = client.post(f"{API}/employments", headers=admin,
                        json={"person": "P9", "entity": "JKL", "unit": "U1", "valid_from": "2024-01-01"})  # fmt: skip
    assert errors(twice, 409) == [
        (
            "body.valid_from",
            f"employment {hired['id']} has the same person, entity, unit and valid_from; an "
            f"employment is identified by them: change or end employment {hired['id']} instead",
        )
    ]
    assert snapshot(engine) == before
    # when the employment moves out of its unit and becomes an employee's, then ends
    path = f"{API}/employments/{hired['id']}"
    changed = ok(client.patch(path, headers=admin, json={"unit": None, "kind": "employee"}))
    assert (changed["unit"], changed["kind"]) == (None, "employee")
    ended = ok(end(client, admin, f"employments/{hired['id']}", "2025-07-01"))
    assert ended == {**changed, "valid_to": "2025-07-01"}
    assert [e[0] for e in audit(engine, "employments")] == ["create", "update", "end"]
    renamed = ok(
        client.patch(f"{API}/persons/P9", headers=admin, json={"email": None, "name": "P. Neun"})
    )
    assert renamed == {"id": "P9", "name": "P. Neun", "email": None, "employee_no": "E9"}


def test_employments_are_listed_by_person_entity_unit_and_day(
    client: TestClient, admin: Headers
) -> None:
    entity(client, admin, "JKL")
    entity(client, admin, "ABC")
    unit(client, admin, "U1", "JKL")
    person(client, admin, "P8")
    person(client, admin, "P9")
    e1 = employment(
        client, admin, "P8", "JKL", unit="U1", valid_from="2020-01-01", valid_to="2022-01-01"
    )["id"]
    e2 = employment(client, admin, "P8", "ABC", valid_from="2022-01-01")["id"]
    e3 = employment(client, admin, "P9", "JKL")["id"]

    def listed(query: str) -> list[Any]:
        return ids(ok(client.get(f"{API}/employments?{query}", headers=admin)))

    assert listed("person=P8") == [e1, e2]
    assert listed("entity=JKL") == [e1, e3]
    assert listed("unit=U1") == [e1]
    assert listed("on=2021-12-31") == [e1, e3]
    assert listed("on=2022-01-01") == [e2, e3]
    assert listed("person=P8&on=2019-12-31") == []


# --------------------------------------------------------------------- employees and roles


def test_an_employee_sees_only_their_own_person_and_employments(
    client: TestClient, headers_for: HeadersFor, admin: Headers
) -> None:
    employee = headers_for("employee")  # person P1 of entity ORG; P2 works there too
    own = ok(client.get(f"{API}/employments?person=P1", headers=admin))["items"]
    other = ok(client.get(f"{API}/employments?person=P2", headers=admin))["items"]
    assert ok(client.get(f"{API}/persons/P1", headers=employee)) == {
        "id": "P1", "name": "Petra Eins", "email": None, "employee_no": None}  # fmt: skip
    # another person's record answers as if it did not exist
    hidden = problem(client.get(f"{API}/persons/P2", headers=employee), 404)
    missing = problem(client.get(f"{API}/persons/P7", headers=employee), 404)
    assert (hidden["detail"], missing["detail"]) == ("no person P2", "no person P7")
    assert ids(ok(client.get(f"{API}/persons", headers=employee))) == ["P1"]
    assert ok(client.get(f"{API}/employments", headers=employee))["items"] == own
    assert ok(client.get(f"{API}/employments?person=P2", headers=employee))["items"] == []
    assert ok(client.get(f"{API}/employments/{own[0]['id']}", headers=employee)) == own[0]
    theirs = client.get(f"{API}/employments/{other[0]['id']}", headers=employee)
    assert problem(theirs, 404)["detail"] == f"no employment {other[0]['id']}"
    # and writes nothing, reads nothing else
    assert problem(client.patch(f"{API}/persons/P1", headers=employee, json={"name": "x"}), 403)
    assert problem(end(client, employee, f"employments/{own[0]['id']}", "2030-01-01"), 403)
    assert problem(
        client.post(f"{API}/persons", headers=employee, json={"id": "X", "name": "x"}), 403
    )
    assert problem(client.get(f"{API}/entities", headers=employee), 403)
    assert problem(client.get(f"{API}/stakes", headers=employee), 403)


@pytest.mark.parametrize(
    ("role", "method", "path", "status"),
    [
        ("finance", "GET", "/persons", 403),
        ("finance", "GET", "/employments", 403),
        ("finance", "POST", "/persons", 403),
        ("hr", "POST", "/stakes", 403),
        ("hr", "POST", "/entities", 403),
        ("service_agent", "POST", "/units", 403),
        ("service_agent", "GET", "/persons", 200),
        ("sales_system", "GET", "/entities", 403),
        ("sales_system", "GET", "/units", 403),
        ("finance", "GET", "/units", 200),
    ],
)
def test_roles_reach_only_their_records(
    client: TestClient, headers_for: HeadersFor, role: str, method: str, path: str, status: int
) -> None:
    body = {"id": "X1", "name": "x"} if method == "POST" else None
    response = client.request(method, f"{API}{path}", headers=headers_for(role), json=body)
    assert response.status_code == status, response.text


def test_writing_units_is_for_finance_and_hr(
    client: TestClient, headers_for: HeadersFor, admin: Headers
) -> None:
    entity(client, admin, "JKL")
    assert unit(client, headers_for("finance"), "U1", "JKL")["id"] == "U1"
    assert unit(client, headers_for("hr"), "U2", "JKL")["id"] == "U2"


# --------------------------------------------------------------------- ending parties


@pytest.fixture
def jkl(client: TestClient, admin: Headers) -> dict[str, Any]:
    """JKL owns ABC; ABC owns XYZ until 2030; JKL held XYZ 2010–2015; P9 holds 10 % of ABC
    and works at ABC and at JKL."""
    for name in ("JKL", "ABC", "XYZ"):
        entity(client, admin, name)
    person(client, admin, "P9")
    return {
        "jkl_abc": stake(client, admin, "JKL", "ABC", valid_from="2019-01-01"),
        "abc_xyz": stake(client, admin, "ABC", "XYZ", "60", valid_from="2020-01-01", valid_to="2030-01-01"),
        "jkl_xyz": stake(client, admin, "JKL", "XYZ", valid_from="2010-01-01", valid_to="2015-01-01"),
        "p9_abc": stake(client, admin, "P9", "ABC", "10"),
        "at_abc": employment(client, admin, "P9", "ABC", valid_from="2022-01-01"),
        "at_jkl": employment(client, admin, "P9", "JKL", valid_from="2022-01-01"),
    }  # fmt: skip


def test_ending_an_entity_ends_its_stakes_and_employments(
    client: TestClient, admin: Headers, engine: Engine, jkl: dict[str, Any]
) -> None:
    ending = ok(end(client, admin, "entities/ABC", "2026-06-30"))
    closed = [{**jkl[k], "valid_to": "2026-06-30"} for k in ("jkl_abc", "abc_xyz", "p9_abc")]
    assert ending == {
        "entity": {"id": "ABC", "name": "ABC GmbH", "country": None, "currency": None, "lei": None,
                   "vat_id": None, "line_of_business": None},
        "on": "2026-06-30",
        "stakes": closed,
        "employments": [{**jkl["at_abc"], "valid_to": "2026-06-30"}],
    }  # fmt: skip
    # the records of others, and the ones over already, are untouched
    assert ok(client.get(f"{API}/stakes/{jkl['jkl_xyz']['id']}", headers=admin)) == jkl["jkl_xyz"]
    assert (
        ok(client.get(f"{API}/employments/{jkl['at_jkl']['id']}", headers=admin)) == jkl["at_jkl"]
    )
    assert ids(ok(client.get(f"{API}/stakes?on=2026-06-30", headers=admin))) == []
    assert ids(ok(client.get(f"{API}/stakes?on=2026-06-29", headers=admin))) == [
        jkl["jkl_abc"]["id"], jkl["abc_xyz"]["id"], jkl["p9_abc"]["id"]]  # fmt: skip
    # every record written is in the audit log, and the act itself
    entity_entries = audit(engine, "entities")
    assert entity_entries[-1][:2] == ("end", "ABC")
    assert entity_entries[-1][3] == {**entity_entries[-1][2], "ended_on": "2026-06-30"}
    assert [e[:2] for e in audit(engine, "stakes") if e[0] == "end"] == [
        ("end", str(jkl[k]["id"])) for k in ("jkl_abc", "abc_xyz", "p9_abc")]  # fmt: skip
    assert audit(engine, "employments")[-1] == (
        "end", str(jkl["at_abc"]["id"]), {**jkl["at_abc"]}, {**jkl["at_abc"], "valid_to": "2026-06-30"})  # fmt: skip
    # and ending it again on that day changes no record
    again = ok(end(client, admin, "entities/ABC", "2026-06-30"))
    assert (again["stakes"], again["employments"]) == ([], [])


def test_an_entity_does_not_end_before_a_record_starts(
    client: TestClient, admin: Headers, engine: Engine, jkl: dict[str, Any]
) -> None:
    planned = stake(client, admin, "JKL", "ABC", "20", valid_from="2027-01-01")
    before = snapshot(engine)
    refused = end(client, admin, "entities/ABC", "2026-06-30")
    assert problem(refused, 409)["detail"] == (
        f"ABC cannot end on 2026-06-30: stake {planned['id']} starts on 2027-01-01; an ended "
        "record must have started before the end, so correct those first"
    )
    assert snapshot(engine) == before


def test_ending_an_entity_with_employments_needs_the_right_to_change_people(
    client: TestClient, headers_for: HeadersFor, engine: Engine, jkl: dict[str, Any]
) -> None:
    finance = headers_for("finance")
    before = snapshot(engine)
    refused = end(client, finance, "entities/ABC", "2026-06-30")
    assert problem(refused, 403)["detail"] == (
        "ending ABC also changes 1 employment, and the role finance may not change persons "
        "and employments"
    )
    assert snapshot(engine) == before
    # XYZ employs nobody: finance may end it
    ended = ok(end(client, finance, "entities/XYZ", "2026-06-30"))
    assert [s["id"] for s in ended["stakes"]] == [jkl["abc_xyz"]["id"]]


def test_ending_a_person_ends_their_employments_and_stakes(
    client: TestClient, admin: Headers, headers_for: HeadersFor, engine: Engine,
    jkl: dict[str, Any],
) -> None:  # fmt: skip
    hr = headers_for("hr")
    before = snapshot(engine)
    refused = end(client, hr, "persons/P9", "2026-06-30")
    assert problem(refused, 403)["detail"] == (
        "ending P9 also changes 1 stake, and the role hr may not change entities and stakes"
    )
    assert snapshot(engine) == before
    ending = ok(end(client, admin, "persons/P9", "2026-06-30"))
    assert ending == {
        "person": {"id": "P9", "name": "Person P9", "email": None, "employee_no": None},
        "on": "2026-06-30",
        "stakes": [{**jkl["p9_abc"], "valid_to": "2026-06-30"}],
        "employments": [{**jkl[k], "valid_to": "2026-06-30"} for k in ("at_abc", "at_jkl")],
    }
    assert audit(engine, "persons")[-1][:2] == ("end", "P9")


def test_closing_a_unit_moves_its_people_out_and_keeps_them_employed(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    entity(client, admin, "JKL")
    unit(client, admin, "U1", "JKL")
    unit(client, admin, "U2", "JKL", parent="U1")
    unit(client, admin, "U9", "JKL")
    for who in ("P1", "P2", "P3", "P4", "P5"):
        person(client, admin, who)
    e1 = employment(client, admin, "P1", "JKL", unit="U1", valid_from="2020-01-01")
    e2 = employment(
        client, admin, "P2", "JKL", unit="U2", valid_from="2020-01-01", valid_to="2028-01-01"
    )
    e3 = employment(client, admin, "P3", "JKL", unit="U2", valid_from="2027-01-01", kind="retiree")
    e4 = employment(
        client, admin, "P4", "JKL", unit="U1", valid_from="2010-01-01", valid_to="2015-01-01"
    )
    e5 = employment(client, admin, "P5", "JKL", unit="U9")
    ending = ok(end(client, admin, "units/U1", "2026-07-01"))
    first_new = e5["id"] + 1
    assert ending == {
        "unit": {"id": "U1", "entity": "JKL", "name": "Unit U1", "parent": None, "cost_centre": None},
        "on": "2026-07-01",
        "employments": [
            {**e1, "valid_to": "2026-07-01"},
            {**e1, "id": first_new, "unit": None, "valid_from": "2026-07-01"},
            {**e2, "valid_to": "2026-07-01"},
            {**e2, "id": first_new + 1, "unit": None, "valid_from": "2026-07-01"},
            {**e3, "unit": None},
        ],
    }  # fmt: skip
    assert ok(client.get(f"{API}/employments/{e4['id']}", headers=admin)) == e4
    assert ok(client.get(f"{API}/employments/{e5['id']}", headers=admin)) == e5
    # P1 and P2 are employed by JKL on every day, before and after
    for day in ("2026-06-30", "2026-07-01"):
        employed = ok(client.get(f"{API}/employments?on={day}&entity=JKL", headers=admin))["items"]
        assert sorted(e["person"] for e in employed) == ["P1", "P2", "P5"]
    assert [e[:2] for e in audit(engine, "employments")[-5:]] == [
        ("end", str(e1["id"])), ("create", str(first_new)), ("end", str(e2["id"])),
        ("create", str(first_new + 1)), ("update", str(e3["id"]))]  # fmt: skip
    assert audit(engine, "units")[-1][:2] == ("end", "U1")


# --------------------------------------------------------------------- the register cache


def test_a_classification_sees_a_stake_recorded_a_moment_ago(
    client: TestClient, admin: Headers
) -> None:
    for name in ("JKL", "ABC", "XYZ"):
        entity(client, admin, name)
    question = {"seller": "XYZ", "buyer": "ABC", "on": "2026-03-02"}

    def relation() -> str:
        answer = ok(client.post(f"{API}/classifications", headers=admin, json=question))
        return str(answer["relation"])

    assert relation() == "external"
    stake(client, admin, "JKL", "ABC", valid_from="2019-01-01")
    jkl_xyz = stake(client, admin, "JKL", "XYZ", valid_from="2020-07-01")
    assert relation() == "intercompany"
    ok(end(client, admin, f"stakes/{jkl_xyz['id']}", "2026-03-02"))
    assert relation() == "external"


# --------------------------------------------------------------------- the services alone


def test_the_services_check_what_the_api_schema_checks_too(
    engine: Engine, clock: FixedClock
) -> None:
    # the command line and other callers do not pass through the API's schema
    with pytest.raises(InvalidFields) as long_number:
        services.register_person(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, id="P1",
                                 name="Petra", employee_no="E" * 65)  # fmt: skip
    assert long_number.value.problems == [
        FieldProblem("employee_no", "65 characters; the database keeps at most 64")
    ]
    services.register_entity(
        uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, id="JKL", name="JKL"
    )
    with pytest.raises(InvalidFields) as renamed:
        services.change_entity(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, entity="JKL",
                               changes={"id": "JKL2", "name": "JKL AG"})  # fmt: skip
    assert renamed.value.problems == [
        FieldProblem(
            "id",
            "cannot be changed (what may change: name, country, currency, lei, "
            "vat_id, line_of_business)",
        )
    ]
    employee = Actor(user_id=9, username="p1", role=Role.EMPLOYEE, person="P1")
    with pytest.raises(NotAllowed):
        services.register_entity(
            uow=UnitOfWork(engine), actor=employee, clock=clock, id="X", name="X"
        )
