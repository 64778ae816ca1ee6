"""The window of dates inhouse accepts (1900-01-01 to 2199-12-31 by default), on SQLite and
PostgreSQL: a far-future date inside it gives a small, exact answer; one outside it is a
422 naming the field (an import: the file, row and column) and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select

from inhouse.care import tables as t
from inhouse.clock import FixedClock
from inhouse.dataset.errors import DatasetError
from inhouse.dataset.services import import_dataset
from inhouse.db.uow import UnitOfWork
from inhouse.groups.domain import Register
from inhouse.identity.domain import SYSTEM
from inhouse.orders import tables as orders_tables

HeadersFor = Callable[..., dict[str, str]]
API = "/api/v1"
OFFICE = {"id": "OFFICE", "name": "Office", "tz": "Europe/Berlin",
          "hours": {"mon-fri": [["09:00", "12:00"], ["13:00", "17:00"]]},
          "holidays": ["2026-04-03", "2026-04-06", "2026-12-25"]}  # fmt: skip
UPDATE = {k: v for k, v in OFFICE.items() if k != "id"}
AFTER = "2400-01-01 is after the latest date inhouse accepts (2199-12-31)"


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def errors(response: Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    return [(e["path"], e["message"]) for e in response.json()["errors"]]


def rows(engine: Engine, *tables: Any) -> tuple[int, ...]:
    with engine.connect() as connection:
        return tuple(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in tables
        )


@pytest.fixture
def agent(client: TestClient, headers_for: HeadersFor, staff: tuple[str, str]) -> dict[str, str]:
    """The office calendar and one policy for every ticket; P1 is employed by ORG."""
    headers = headers_for("service_agent")
    ok(client.post(f"{API}/calendars", json=OFFICE, headers=headers), 201)
    ok(client.post(f"{API}/sla-policies", headers=headers, json={
        "id": "STANDARD", "name": "Standard", "position": 9, "calendar": "OFFICE",
        "first_response": 240, "resolution": 960, "next_response": 120}), 201)  # fmt: skip
    ok(client.post(f"{API}/tickets", headers=headers, json={
        "id": "T1", "requester": "P1", "serving_entity": "ORG", "subject": "VPN down",
        "created_at": "2026-03-06T16:00:00+01:00"}), 201)  # fmt: skip
    return headers


# --------------------------------------------------------------------------- tickets


def test_a_ticket_answered_in_2199_has_a_small_exact_answer(
    client: TestClient, agent: dict[str, str]
) -> None:
    # given a ticket of 2026-03-06 first answered on Monday 2199-12-02 at 10:00
    ok(client.post(f"{API}/tickets/T1/articles", headers=agent, json={
        "body": "Sorry for the wait", "at": "2199-12-02T10:00:00+01:00"}), 201)  # fmt: skip

    # when it is read
    response = client.get(f"{API}/tickets/T1", headers=agent)

    # then the answer is small, every clock's explanation a few lines, the figures exact
    ticket = ok(response)
    assert len(response.content) < 50_000
    first = next(c for c in ticket["sla"] if c["name"] == "first response")
    assert all(len(clock["explanation"]) <= 12 for clock in ticket["sla"])
    assert first["explanation"][2] == "counted Fri 2026-03-06 16:00–17:00 CET (60 min)"
    assert first["explanation"][3].startswith("counted 2026-03-07 to 2199-12-01: ")
    assert first["explanation"][4] == "counted Mon 2199-12-02 09:00–10:00 CET (60 min)"
    assert first["elapsed"] == sum(
        int(line.rsplit("(", 1)[1].split(" ")[0])
        for line in first["explanation"]
        if line.startswith("counted ")
    )
    assert first["breached"] is True


def test_an_article_of_2400_is_refused_and_nothing_is_written(
    client: TestClient, agent: dict[str, str], engine: Engine
) -> None:
    before = rows(engine, t.ticket_events)

    response = client.post(f"{API}/tickets/T1/articles", headers=agent,
                           json={"body": "Late", "at": "2400-01-01T10:00:00+00:00"})  # fmt: skip

    assert errors(response) == [
        ("body.at", "2400-01-01T10:00:00+00:00 is after the latest date inhouse accepts "
                    "(2199-12-31)"),
    ]  # fmt: skip
    assert rows(engine, t.ticket_events) == before


def test_calendars_policies_and_statuses_refuse_dates_outside_the_window(
    client: TestClient, agent: dict[str, str]
) -> None:
    holiday = client.put(f"{API}/calendars/OFFICE", headers=agent,
                         json={**UPDATE, "holidays": ["2026-04-03", "2400-01-01"]})  # fmt: skip
    status = client.post(f"{API}/tickets/T1/status", headers=agent,
                         json={"status": "open", "at": "1899-12-31T23:00:00+00:00"})  # fmt: skip
    created = client.post(f"{API}/tickets", headers=agent, json={
        "id": "T2", "requester": "P1", "serving_entity": "ORG", "subject": "Old",
        "created_at": "3473-01-01T00:00:00Z"})  # fmt: skip

    assert errors(holiday) == [("body.holidays.1", AFTER)]
    assert errors(status) == [
        ("body.at", "1899-12-31T23:00:00+00:00 is before the earliest date inhouse accepts "
                    "(1900-01-01)"),
    ]  # fmt: skip
    assert errors(created) == [
        ("body.created_at", "3473-01-01T00:00:00+00:00 is after the latest date inhouse "
                            "accepts (2199-12-31)"),
    ]  # fmt: skip
    assert (
        ok(client.get(f"{API}/calendars/OFFICE", headers=agent))["holidays"] == OFFICE["holidays"]
    )


def test_recomputing_a_far_ticket_on_a_changed_calendar_keeps_its_figures_exact(
    client: TestClient, agent: dict[str, str]
) -> None:
    # given the ticket answered in 2199
    ok(client.post(f"{API}/tickets/T1/articles", headers=agent, json={
        "body": "Sorry", "at": "2199-12-02T10:00:00+01:00"}), 201)  # fmt: skip
    before = ok(client.get(f"{API}/tickets/T1", headers=agent))

    # when Monday 2199-12-02 becomes a holiday too
    holidays = [*OFFICE["holidays"], "2199-12-02"]
    ok(client.put(f"{API}/calendars/OFFICE", headers=agent, json={**UPDATE, "holidays": holidays}))

    # then the first response lost exactly that morning's hour
    after = ok(client.get(f"{API}/tickets/T1", headers=agent))
    assert after["first_response_minutes"] == before["first_response_minutes"] - 60


# --------------------------------------------------------------------------- orders, stakes


def test_an_order_and_its_list_refuse_a_day_after_the_window(
    client: TestClient, headers_for: HeadersFor, demo_loaded: Register, engine: Engine
) -> None:
    sales = headers_for("sales_system")
    body = {"seller": "XYZ", "buyer": "P030", "on": "2299-01-01",
            "lines": [{"product": "W100", "quantity": "1"}]}  # fmt: skip

    made = client.post(f"{API}/orders", json=body, headers=sales)
    quoted = client.post(f"{API}/quotes", json=body, headers=sales)
    listed = client.get(f"{API}/orders?from=2026-01-01&to=2400-01-01",
                        headers=headers_for("finance"))  # fmt: skip
    classified = client.post(f"{API}/classifications", headers=sales,
                             json={"seller": "XYZ", "buyer": "ABC", "on": "1899-12-31"})  # fmt: skip

    later = "2299-01-01 is after the latest date inhouse accepts (2199-12-31)"
    assert errors(made) == [("body.on", later)]
    assert errors(quoted) == [("body.on", later)]
    assert errors(listed) == [("query.to", AFTER)]
    assert errors(classified) == [
        ("body.on", "1899-12-31 is before the earliest date inhouse accepts (1900-01-01)")
    ]
    assert rows(engine, orders_tables.orders) == (0,)


def test_a_stake_valid_to_2999_is_refused_by_mistake_or_not(
    client: TestClient, headers_for: HeadersFor, demo_loaded: Register
) -> None:
    # given the common slip of a register: "valid until 2999-12-31" for "until further notice"
    response = client.post(f"{API}/stakes", headers=headers_for("admin"), json={
        "holder": "JKL", "entity": "ABC", "voting": "10", "valid_from": "2026-01-01",
        "valid_to": "2999-12-31"})  # fmt: skip

    # then it is refused with the reason: an open end says "until further notice"
    assert errors(response) == [
        ("body.valid_to", "2999-12-31 is after the latest date inhouse accepts (2199-12-31)")
    ]


# --------------------------------------------------------------------------- imports


def test_an_import_row_of_2400_is_a_named_problem_and_nothing_is_written(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    for name, text in (
        ("entities.csv", "id,name\nORG,Org GmbH\nSUB,Sub GmbH\n"),
        ("stakes.csv", "holder,entity,voting,valid_from,valid_to\nORG,SUB,100,2020-01-01,"
                       "2999-12-31\n"),
        ("people.csv", "id,name\nP1,Petra Eins\n"),
        ("employments.csv", "person,entity,valid_from\nP1,ORG,2400-01-01\n"),
        ("tickets.csv", "id,created,requester,serving_entity,subject\n"
                        "T1,2026-03-02T08:00:00+01:00,P1,ORG,Badge broken\n"),
        ("ticket_events.csv", "ticket,at,kind,status,author,visibility,body\n"
                              "T1,2400-01-01T08:05:00+01:00,article,,agent,public,Late\n"),
    ):  # fmt: skip
        (tmp_path / name).write_text(text, encoding="utf-8")

    with pytest.raises(DatasetError) as caught:
        import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, path=tmp_path)

    problems = [str(problem) for problem in caught.value.problems]
    assert "stakes.csv row 2, column valid_to: 2999-12-31 is after the latest date inhouse " \
           "accepts (2199-12-31)" in problems  # fmt: skip
    assert f"employments.csv row 2, column valid_from: {AFTER}" in problems
    assert rows(engine, t.tickets, t.ticket_events) == (0, 0)


def test_ticket_events_of_2400_are_named_problems(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    for name, text in (
        ("entities.csv", "id,name\nORG,Org GmbH\n"),
        ("tickets.csv", "id,created,requester,serving_entity,subject\n"
                        "T1,2026-03-02T08:00:00+01:00,ACME,ORG,Badge broken\n"
                        "T2,5909-03-02T08:00:00+01:00,ACME,ORG,Far away\n"),
        ("ticket_events.csv", "ticket,at,kind,status,author,visibility,body\n"
                              "T1,2400-01-01T08:05:00+01:00,article,,agent,public,Late\n"),
    ):  # fmt: skip
        (tmp_path / name).write_text(text, encoding="utf-8")

    with pytest.raises(DatasetError) as caught:
        import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, path=tmp_path)

    problems = [str(problem) for problem in caught.value.problems]
    assert problems == [
        "tickets.csv row 3, column created: 5909-03-02T08:00:00+01:00 is after the latest "
        "date inhouse accepts (2199-12-31)",
        "ticket_events.csv row 2, column at: 2400-01-01T08:05:00+01:00 is after the latest "
        "date inhouse accepts (2199-12-31)",
    ]
    assert rows(engine, t.tickets, t.ticket_events) == (0, 0)


def test_a_bods_statement_of_2400_is_a_named_problem(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    statement = {"statementId": "s1", "declarationSubject": "e1", "recordId": "e1",
                 "recordType": "entity", "recordStatus": "new",
                 "statementDate": "2400-01-01",
                 "recordDetails": {"entityType": {"type": "registeredEntity"},
                                   "name": "Org GmbH", "isComponent": False}}  # fmt: skip
    path = tmp_path / "register.json"
    path.write_text(json.dumps([statement]), encoding="utf-8")

    with pytest.raises(DatasetError) as caught:
        import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, path=path)

    assert [str(p) for p in caught.value.problems] == [
        f"register.json row 1, column statementDate: {AFTER}"
    ]


def test_report_periods_outside_the_window_are_refused(
    client: TestClient, headers_for: HeadersFor
) -> None:
    finance = headers_for("finance")

    parity = client.get(f"{API}/parity?period=2400-Q1", headers=finance)
    participation = client.get(f"{API}/participation?from=2026-01&to=2400-12", headers=finance)

    assert errors(parity) == [("query.period", AFTER)]
    assert errors(participation) == [
        ("query.to", "2400-12-01 is after the latest date inhouse accepts (2199-12-31)")
    ]
