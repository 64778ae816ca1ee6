"""Importing ticket history (tickets.csv, ticket_events.csv): checked whole, idempotent.

ORG employs P1 since 2020; ACME is an unknown customer account. A 24/7 policy measures
every ticket, so the import's figures can be checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from inhouse.care import services as care
from inhouse.care import tables as t
from inhouse.clock import FixedClock
from inhouse.dataset.errors import DatasetError
from inhouse.dataset.services import import_dataset
from inhouse.db.uow import UnitOfWork
from inhouse.identity.domain import SYSTEM

ENTITIES = "id,name\nORG,Org GmbH\n"
PEOPLE = "id,name\nP1,Petra Eins\n"
EMPLOYMENTS = "person,entity,kind,valid_from\nP1,ORG,employee,2020-01-01\n"
TICKETS = (
    "id,created,requester,serving_entity,subject,priority\n"
    "T1,2026-03-02T08:00:00+01:00,P1,ORG,Badge broken,high\n"
    "T2,2026-03-02T09:00:00Z,ACME,ORG,Invoice,\n"
)
EVENTS = (
    "ticket,at,kind,status,author,visibility,body\n"
    "T1,2026-03-02T08:05:00+01:00,article,,agent,internal,looking\n"
    "T1,2026-03-02T08:30:00+01:00,article,,agent,public,Fixed?\n"
    "T1,2026-03-02T08:40:00+01:00,status,resolved,,,\n"
    "T2,2026-03-02T09:45:00Z,article,,agent,public,Sent again\n"
)


def folder(tmp_path: Path, tickets: str = TICKETS, events: str = EVENTS) -> Path:
    for name, text in (("entities.csv", ENTITIES), ("people.csv", PEOPLE),
                       ("employments.csv", EMPLOYMENTS), ("tickets.csv", tickets),
                       ("ticket_events.csv", events)):  # fmt: skip
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (t.tickets, t.ticket_events)
        )


@pytest.fixture
def rules(engine: Engine, clock: FixedClock) -> None:
    care.define_calendar(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, id="ALWAYS",
                         name="24/7", tz="UTC", hours={"mon-sun": [["00:00", "24:00"]]})  # fmt: skip
    care.define_policy(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, id="ALL", name="All",
                       position=1, calendar="ALWAYS", first_response=30, resolution=60)  # fmt: skip


def test_tickets_and_events_are_imported_classified_and_measured_once(
    engine: Engine, clock: FixedClock, tmp_path: Path, rules: None
) -> None:
    path = folder(tmp_path)

    report = import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, path=path)
    again = import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, path=path)

    assert report.table("tickets").added == 2 and report.table("ticket_events").added == 4
    assert again.nothing_to_change
    assert again.table("tickets").unchanged == 2 and again.table("ticket_events").unchanged == 4
    assert report.not_imported == ()
    with engine.connect() as connection:
        rows = {r.id: r for r in connection.execute(select(t.tickets))}
    assert (rows["T1"].relation, rows["T1"].first_response_minutes, rows["T1"].status) == (
        "employee", 30, "resolved")  # fmt: skip
    assert rows["T1"].resolution_minutes == 40 and rows["T1"].breached is False
    assert (rows["T2"].relation, rows["T2"].requester_kind) == ("external", "account")
    assert rows["T2"].first_response_minutes == 45 and rows["T2"].breached is True


def test_events_added_later_extend_a_stored_ticket(
    engine: Engine, clock: FixedClock, tmp_path: Path, rules: None
) -> None:
    import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, path=folder(tmp_path))
    more = EVENTS + "T2,2026-03-02T10:00:00Z,status,closed,,,\n"

    report = import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                            path=folder(tmp_path, events=more))  # fmt: skip

    assert report.table("ticket_events").added == 1
    with engine.connect() as connection:
        t2 = connection.execute(select(t.tickets).where(t.tickets.c.id == "T2")).one()
    assert (t2.status, t2.resolution_minutes) == ("closed", 60)


def test_every_bad_row_is_named_and_nothing_is_written(
    engine: Engine, clock: FixedClock, tmp_path: Path, rules: None
) -> None:
    tickets = TICKETS + (
        "T3,2026-03-02 08:00,P1,ORG,No offset,\n"
        "T4,2026-03-02T08:00Z,P1,NOPE,Unknown server,asap\n"
        "T1,2026-03-02T08:00Z,P1,ORG,Twice,\n"
    )
    events = EVENTS + (
        "T9,2026-03-02T08:00Z,status,open,,,\n"
        "T1,2026-03-01T08:00Z,status,open,,,\n"
        "T1,2026-03-02T09:00Z,note,,,,\n"
        "T2,2026-03-02T09:50Z,article,,requester,internal,psst\n"
    )

    with pytest.raises(DatasetError) as raised:
        import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                       path=folder(tmp_path, tickets, events))  # fmt: skip

    assert [str(p) for p in raised.value.problems] == [
        'tickets.csv row 4, column created: "2026-03-02 08:00" has no UTC offset '
        "(e.g. 2026-03-02T08:00+01:00 or …Z)",
        'tickets.csv row 5, column priority: "asap" is not one of low, normal, high, urgent',
        'tickets.csv row 5, column serving_entity: "NOPE" is not a known legal entity',
        "tickets.csv row 6, column id: ticket T1 is given in row 2 already",
        'ticket_events.csv row 6, column ticket: "T9" is not a ticket of tickets.csv or the '
        "database",
        "ticket_events.csv row 7, column at: 2026-03-01T08:00Z is before the ticket was "
        "created (2026-03-02T07:00:00+00:00)",
        'ticket_events.csv row 8, column kind: "note" is not status or article',
        "ticket_events.csv row 9, column visibility: a requester's message is always public",
    ]
    assert counts(engine) == (0, 0)
    with UnitOfWork(engine) as uow:
        assert uow.groups.count("entities") == 0  # the whole dataset was refused


def test_a_row_that_differs_from_a_stored_ticket_is_refused(
    engine: Engine, clock: FixedClock, tmp_path: Path, rules: None
) -> None:
    import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, path=folder(tmp_path))
    changed = TICKETS.replace("Badge broken", "Badge lost")

    with pytest.raises(DatasetError) as raised:
        import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                       path=folder(tmp_path, changed))  # fmt: skip

    assert [str(p) for p in raised.value.problems] == [
        "tickets.csv row 2, column subject: the database holds ticket T1 with subject Badge "
        "broken; an import does not change tickets"
    ]
    assert counts(engine) == (2, 4)
