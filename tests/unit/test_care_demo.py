"""The demo's year of tickets: measured by the care domain, only TEL fails its internal
customers (the planted parity problem), and the files are what the generator writes."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from typing import Any

import pytest

from inhouse import demo
from inhouse.care.domain import (
    Calendar,
    Policy,
    Priority,
    Targets,
    TicketFigures,
    Tolerances,
    parity_alerts,
    segment_of,
)
from inhouse.care.services import Rules, figures_of
from inhouse.demo import generate

AS_OF = datetime(2026, 11, 26, tzinfo=UTC)


def _rules() -> Rules:
    calendars = {
        str(c["id"]): Calendar.of(id=str(c["id"]), tz=str(c["tz"]), hours=c["hours"],  # type: ignore[arg-type]
                                  holidays=c["holidays"])  # type: ignore[arg-type]
        for c in demo.CARE_CALENDARS
    }  # fmt: skip
    policies = [
        Policy(id=str(p["id"]), position=int(p["position"]), calendar=str(p["calendar"]),  # type: ignore[call-overload]
               targets=Targets(int(p["first_response"]), int(p["resolution"]),  # type: ignore[call-overload]
                               p.get("next_response")),  # type: ignore[arg-type]
               priorities=frozenset(Priority(x) for x in p.get("priorities", [])))  # type: ignore[attr-defined]
        for p in demo.CARE_POLICIES
    ]  # fmt: skip
    return Rules(policies, calendars)


def _rows(name: str) -> list[dict[str, str]]:
    with (demo.DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def by_entity() -> dict[str, list[TicketFigures]]:
    register = generate.build_register()
    rules = _rules()
    events: dict[str, list[dict[str, Any]]] = {}
    for row in _rows("ticket_events.csv"):
        events.setdefault(row["ticket"], []).append({
            "at": datetime.fromisoformat(row["at"]).astimezone(UTC), "kind": row["kind"],
            "status": row["status"] or None, "author": row["author"] or None,
            "public": row["visibility"] == "public"})  # fmt: skip
    found: dict[str, list[TicketFigures]] = {}
    for row in _rows("tickets.csv"):
        created = datetime.fromisoformat(row["created"]).astimezone(UTC)
        if created.year != 2026:
            continue
        relation = register.classify(row["serving_entity"], row["requester"],
                                     created.date()).relation.value  # fmt: skip
        values, _ = figures_of({"created_at": created, "relation": relation,
                                "priority": row["priority"]}, events[row["id"]], rules)  # fmt: skip
        breached = values["breached"]
        overdue = [(values[at] is None and values[due] is not None and values[due] <= AS_OF)
                   for at, due in (("first_response_at", "first_response_due"),
                                   ("resolved_at", "resolution_due"))]  # fmt: skip
        found.setdefault(row["serving_entity"], []).append(TicketFigures(
            row["id"], relation, values["first_response_minutes"],
            values["resolution_minutes"], True if any(overdue) else breached))  # fmt: skip
    return found


def test_only_tel_fails_its_internal_customers_in_2026(
    by_entity: dict[str, list[TicketFigures]],
) -> None:
    alerts = {}
    for entity, tickets in sorted(by_entity.items()):
        inside = [t for t in tickets if t.internal]
        outside = [t for t in tickets if not t.internal]
        found, _notes = parity_alerts(inside, outside, segment_of("internal", inside),
                                      segment_of("external", outside), Tolerances())  # fmt: skip
        alerts[entity] = [a.metric for a in found]

    assert alerts == {
        "ABC": [], "INS": [], "XYZ": [],
        demo.PARITY_LAGGARD: ["sla_attainment_pct", "first_response_median",
                              "resolution_median"],
    }  # fmt: skip


def test_the_ticket_files_are_what_the_generator_writes() -> None:
    tables = generate.ticket_tables()
    for name in ("tickets.csv", "ticket_events.csv"):
        with (demo.DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
            assert list(csv.reader(handle)) == tables[name], name
