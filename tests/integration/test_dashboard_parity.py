"""The dashboard's service parity chart: SLA attainment of internal and external
customers' tickets per month, aggregated by the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from conftest import NOW, SECRET_KEY, Accounts
from fastapi.testclient import TestClient
from pages import sign_in_as
from sqlalchemy import Engine, insert, select, text

from inhouse.care import services as care_services
from inhouse.care import tables as care
from inhouse.clock import FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.demo import CARE_CALENDARS, CARE_POLICIES
from inhouse.groups.domain import Register
from inhouse.identity.domain import SYSTEM, Actor, Role
from inhouse.identity.services import NotAllowed
from inhouse.insights import services as insights
from inhouse.insights.repository import InsightsRepository

ON = date(2026, 3, 15)  # the twelve months 2025-04 … 2026-03
CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))
TICKETS = (  # id, created, internal, breached
    ("T01", datetime(2026, 2, 3, 10, 0, tzinfo=UTC), True, False),
    ("T02", datetime(2026, 2, 10, 10, 0, tzinfo=UTC), True, False),
    ("T03", datetime(2026, 2, 20, 10, 0, tzinfo=UTC), True, True),
    ("T04", datetime(2026, 2, 21, 10, 0, tzinfo=UTC), True, None),  # still running
    ("T05", datetime(2026, 3, 1, 0, 30, tzinfo=CET), False, False),  # 2026-02-28 23:30 UTC
    ("T06", datetime(2026, 2, 5, 10, 0, tzinfo=UTC), False, True),
    ("T07", datetime(2026, 3, 2, 10, 0, tzinfo=UTC), True, False),
    ("T08", datetime(2026, 3, 3, 10, 0, tzinfo=UTC), False, False),
    ("T09", datetime(2026, 3, 4, 10, 0, tzinfo=UTC), False, False),
    ("T10", datetime(2026, 3, 5, 10, 0, tzinfo=UTC), False, False),
    ("T11", datetime(2026, 3, 31, 23, 30, tzinfo=UTC), False, True),
    ("T12", datetime(2026, 1, 10, 10, 0, tzinfo=UTC), False, False),  # no internal in January
    ("T13", datetime(2025, 3, 31, 23, 59, tzinfo=UTC), True, True),  # before the twelve months
    ("T14", datetime(2026, 4, 1, 0, 10, tzinfo=CEST), False, False),  # 2026-03-31 22:10 UTC
    ("T15", datetime(2026, 4, 1, 0, 0, tzinfo=UTC), False, True),  # after them
)


def _write_tickets(engine: Engine, tickets: tuple[tuple[Any, ...], ...] = TICKETS) -> None:
    if tickets is TICKETS:
        with UnitOfWork(engine) as uow:
            uow.groups.add("entities", {"id": "SRV", "name": "Service GmbH"})
            uow.commit()
    with engine.begin() as connection:
        for ticket, created, internal, breached in tickets:
            connection.execute(insert(care.tickets).values(
                id=ticket, created_at=created, requester_kind="account", requester="ACCT-1",
                serving_entity="SRV", relation="same_entity" if internal else "external",
                internal=internal, relation_evidence=[], channel="email", priority="normal",
                subject="A question", status="open", policy_evidence={}, breached=breached,
            ))  # fmt: skip


def test_attainment_is_counted_per_utc_month_and_segment(engine: Engine) -> None:
    _write_tickets(engine)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # months are UTC whatever the session's zone
            connection.execute(text("SET TIME ZONE 'Pacific/Kiritimati'"))
        rows = InsightsRepository(connection).attainment_by_month(date(2025, 4, 1),
                                                                  date(2026, 4, 1))  # fmt: skip
    assert rows == [
        {"month": "2026-01", "internal": False, "tickets": 1, "decided": 1, "met": 1},
        {"month": "2026-02", "internal": False, "tickets": 2, "decided": 2, "met": 1},
        {"month": "2026-02", "internal": True, "tickets": 4, "decided": 3, "met": 2},
        {"month": "2026-03", "internal": False, "tickets": 5, "decided": 5, "met": 4},
        {"month": "2026-03", "internal": True, "tickets": 1, "decided": 1, "met": 1},
    ]


def test_the_parity_chart_compares_the_months_with_both_segments(engine: Engine) -> None:
    _write_tickets(engine)
    figure = insights.service_parity(uow=UnitOfWork(engine), actor=SYSTEM, on=ON)
    assert figure.key == "service_parity" and figure.kind == "line" and figure.unit == "percent"
    assert figure.categories == ("2026-02-01", "2026-03-01")  # January: no internal ticket
    assert [s.name for s in figure.series] == ["internal: SLA met (%)", "external: SLA met (%)"]
    assert figure.series[0].values == (Decimal("66.7"), Decimal("100.0"))
    assert figure.series[1].values == (Decimal("50.0"), Decimal("80.0"))
    assert figure.labels == {"2026-02-01": "3 / 2", "2026-03-01": "1 / 5"}
    # no ticket at all: the chart is empty
    later = insights.service_parity(uow=UnitOfWork(engine), actor=SYSTEM, on=date(2028, 1, 1))
    assert later.empty and later.categories == ()


def test_only_parity_readers_get_the_chart(engine: Engine) -> None:
    seller = Actor(1, "pos", Role.SALES_SYSTEM)
    with pytest.raises(NotAllowed):
        insights.service_parity(uow=UnitOfWork(engine), actor=seller, on=ON)
    figures = insights.dashboard(uow_factory=lambda: UnitOfWork(engine),
                                 register=lambda: pytest.fail("no register needed"), actor=seller,
                                 on=ON)  # fmt: skip
    assert figures == ()


@pytest.fixture
def demo_measured(engine: Engine, clock: FixedClock, demo_sold: Register) -> Register:
    """The whole demo with its SLA calendars and policies (as ``inhouse demo`` sets them
    up), so that its tickets are measured."""
    for calendar in CARE_CALENDARS:
        care_services.define_calendar(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                                      **calendar)  # type: ignore[arg-type]  # fmt: skip
    for policy in CARE_POLICIES:
        care_services.define_policy(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                                    **policy)  # type: ignore[arg-type]  # fmt: skip
    return demo_sold


def test_the_demo_tickets_add_up(engine: Engine, demo_measured: Register) -> None:
    """On the demo's tickets: the chart's numbers are the tickets counted one by one."""
    on = date(2026, 11, 26)
    with engine.connect() as connection:
        stored = list(connection.execute(select(care.tickets.c.created_at, care.tickets.c.internal,
                                                care.tickets.c.breached)))  # fmt: skip
    assert len(stored) > 1000
    counted: dict[tuple[str, bool], list[int]] = {}
    for created, internal, breached in stored:
        month = created.astimezone(UTC).date().replace(day=1).isoformat()
        if "2025-12-01" <= month <= "2026-11-01" and breached is not None:
            found = counted.setdefault((month, bool(internal)), [0, 0])
            found[0] += 1
            found[1] += 0 if breached else 1
    figure = insights.service_parity(uow=UnitOfWork(engine), actor=SYSTEM, on=on)
    assert len(figure.categories) == 12
    for i, month in enumerate(figure.categories):
        inside, outside = counted[(month, True)], counted[(month, False)]
        assert figure.series[0].values[i] == (Decimal(inside[1]) * 100 / inside[0]).quantize(
            Decimal("0.1")
        )
        assert figure.series[1].values[i] == (Decimal(outside[1]) * 100 / outside[0]).quantize(
            Decimal("0.1")
        )
        assert figure.labels[month] == f"{inside[0]} / {outside[0]}"


def test_the_dashboard_draws_the_parity_chart_for_its_readers(
    client: TestClient, accounts: Accounts, demo_measured: Register
) -> None:
    sign_in_as(client, accounts.actor("service_agent"), SECRET_KEY, NOW)
    page = client.get("/").text
    assert 'data-chart="chart-data-service_parity"' in page
    card = page.split('id="service_parity"')[1].split("</section>")[0]
    assert "internal: SLA met (%)" in card and "tickets with a decided SLA" in card
    german = client.get("/", headers={"Accept-Language": "de"}).text
    assert "intern: SLA eingehalten (%)" in german.split('id="service_parity"')[1]
    sign_in_as(client, accounts.actor("sales_system"), SECRET_KEY, NOW)
    assert 'id="service_parity"' not in client.get("/").text


def _parity(page: str) -> list[list[float]]:
    found = re.search(r'<script type="application/json" id="chart-data-service_parity">(.*?)'
                      r"</script>", page, re.S)  # fmt: skip
    assert found
    return [trace["y"] for trace in json.loads(found.group(1))["data"]]


def test_the_parity_numbers_are_kept_per_data_version(
    client: TestClient, accounts: Accounts, engine: Engine
) -> None:
    _write_tickets(engine)
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    assert _parity(client.get("/").text) == [[66.7, 100.0], [50.0, 80.0]]
    # a ticket written behind the app's back, without a new data version: the kept numbers
    _write_tickets(engine, (("T16", datetime(2026, 2, 6, 10, 0, tzinfo=UTC), False, False),))
    assert _parity(client.get("/").text) == [[66.7, 100.0], [50.0, 80.0]]
    # a write (an audit-log row) makes a new version: the older numbers at once, marked as
    # such, while the new ones are computed in the background
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO audit_log (at, actor, action, resource, resource_id) "
                                "VALUES (CURRENT_TIMESTAMP, 'test', 'update', 'test', 'x')"))  # fmt: skip
    for _ in range(100):
        page = client.get("/").text
        if 'id="refreshing"' not in page:
            break
        assert _parity(page) == [[66.7, 100.0], [50.0, 80.0]]
        time.sleep(0.1)
    assert _parity(page) == [[66.7, 100.0], [66.7, 80.0]]  # February: 2 of 3 external met
