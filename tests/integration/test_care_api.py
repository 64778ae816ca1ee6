"""Tickets, calendars, SLA policies, surveys and parity over HTTP, on SQLite and PostgreSQL.

ORG employs P1 and P2 since 2020 (the ``staff`` fixture); ACME-4711 is a customer
account nobody knows, so external. The office calendar is Mon–Fri 09:00–17:00
Europe/Berlin; the 24/7 calendar counts every minute.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import NOW, SECRET_KEY, Accounts
from fastapi.testclient import TestClient
from httpx import Response
from pages import csrf_of, sign_in_as
from sqlalchemy import Engine, func, select

from inhouse.care import tables as t
from inhouse.clock import FixedClock
from inhouse.web.pages.core import CSRF_FIELD

HeadersFor = Callable[..., dict[str, str]]
API = "/api/v1"
OFFICE = {"id": "OFFICE", "name": "Office", "tz": "Europe/Berlin",
          "hours": {"mon-fri": [["09:00", "17:00"]]}}  # fmt: skip
ALWAYS = {"id": "ALWAYS", "name": "24/7", "tz": "Europe/Berlin",
          "hours": {"mon-sun": [["00:00", "24:00"]]}}  # fmt: skip


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (t.tickets, t.ticket_events, t.surveys)
        )


@pytest.fixture
def care(client: TestClient, headers_for: HeadersFor, staff: tuple[str, str]) -> dict[str, str]:
    """Calendars and two policies: internal tickets on office hours, a 24/7 fallback."""
    agent = headers_for("service_agent")
    ok(client.post(f"{API}/calendars", json=OFFICE, headers=agent), 201)
    ok(client.post(f"{API}/calendars", json=ALWAYS, headers=agent), 201)
    ok(client.post(f"{API}/sla-policies", headers=agent, json={
        "id": "INTERNAL", "name": "Internal", "position": 1, "calendar": "OFFICE",
        "segments": ["internal"], "first_response": 60, "resolution": 480}), 201)  # fmt: skip
    ok(client.post(f"{API}/sla-policies", headers=agent, json={
        "id": "ANY", "name": "Everyone else", "position": 9, "calendar": "ALWAYS",
        "first_response": 30, "resolution": 75}), 201)  # fmt: skip
    return agent


def open_ticket(client: TestClient, headers: dict[str, str], **fields: Any) -> Any:
    body = {"id": "T1", "requester": "P1", "serving_entity": "ORG", "subject": "VPN down",
            "created_at": "2026-03-06T16:00:00+01:00", **fields}  # fmt: skip
    return ok(client.post(f"{API}/tickets", json=body, headers=headers), 201)


def answer(client: TestClient, link: str, data: dict[str, str]) -> Response:
    """Submit a survey link's form as a browser does (with the page's CSRF token)."""
    answered: Response = client.post(link, data={CSRF_FIELD: csrf_of(client, link), **data})
    return answered


def clock_of(ticket: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in ticket["sla"] if c["name"] == name)
    return found


# --------------------------------------------------------------------------- tickets


def test_a_ticket_of_an_employee_is_classified_and_measured_on_office_hours(
    client: TestClient, care: dict[str, str]
) -> None:
    ticket = open_ticket(client, care, body="The VPN drops every minute")
    assert ticket["relation"] == "employee" and ticket["internal"] is True
    assert ticket["requester_kind"] == "person"
    assert any("P1" in line and "ORG" in line for line in ticket["relation_evidence"])
    assert ticket["policy"] == "INTERNAL"
    assert ticket["policy_evidence"] == [
        "SLA policy INTERNAL (position 1) applies: the first that matches"
    ]

    answered = ok(client.post(f"{API}/tickets/T1/articles", headers=care, json={
        "body": "Restarted the gateway", "at": "2026-03-09T10:00:00+01:00"}), 201)  # fmt: skip

    first = clock_of(answered, "first response")
    assert (first["elapsed"], first["breached"], first["breached_by"]) == (120, True, 60)
    assert first["explanation"][2:4] == [
        "counted Fri 2026-03-06 16:00–17:00 CET (60 min)",
        "counted Mon 2026-03-09 09:00–10:00 CET (60 min)",
    ]
    assert answered["first_response_minutes"] == 120
    assert [e["kind"] for e in answered["events"]] == ["article", "article"]


def test_an_unknown_customer_account_is_external_and_gets_the_fallback(
    client: TestClient, care: dict[str, str]
) -> None:
    ticket = open_ticket(client, care, requester="ACME-4711",
                         created_at="2026-03-02T08:00:00+01:00")  # fmt: skip
    assert (ticket["relation"], ticket["requester_kind"], ticket["policy"]) == (
        "external", "account", "ANY")  # fmt: skip

    ok(client.post(f"{API}/tickets/T1/status", headers=care,
                   json={"status": "pending_customer", "at": "2026-03-02T08:10:00+01:00"}))  # fmt: skip
    back = ok(client.post(f"{API}/tickets/T1/status", headers=care,
                          json={"status": "open", "at": "2026-03-02T08:20:00+01:00"}))  # fmt: skip

    assert clock_of(back, "resolution")["due"] == "2026-03-02T08:25:00Z"  # 09:25 Berlin (SLA-2)


def test_a_ticket_across_the_spring_forward_night_counts_real_minutes(
    client: TestClient, care: dict[str, str]
) -> None:
    open_ticket(client, care, requester="ACME-4711", created_at="2026-03-28T22:00:00+01:00")
    answered = ok(client.post(f"{API}/tickets/T1/articles", headers=care, json={
        "body": "On it", "at": "2026-03-29T04:00:00+02:00"}), 201)  # fmt: skip
    assert clock_of(answered, "first response")["elapsed"] == 300


def test_a_ticket_across_the_fall_back_night_counts_real_minutes(
    client: TestClient, care: dict[str, str]
) -> None:
    open_ticket(client, care, requester="ACME-4711", created_at="2026-10-24T22:00:00+02:00")
    answered = ok(client.post(f"{API}/tickets/T1/articles", headers=care, json={
        "body": "On it", "at": "2026-10-25T04:00:00+01:00"}), 201)  # fmt: skip
    assert clock_of(answered, "first response")["elapsed"] == 420


def test_changing_a_policy_recomputes_the_tickets_from_creation(
    client: TestClient, care: dict[str, str], engine: Engine
) -> None:
    open_ticket(client, care)
    ok(client.post(f"{API}/tickets/T1/articles", headers=care, json={
        "body": "Done", "at": "2026-03-09T10:00:00+01:00"}), 201)  # fmt: skip

    changed = ok(client.put(f"{API}/sla-policies/INTERNAL", headers=care, json={
        "name": "Internal", "position": 1, "calendar": "ALWAYS", "segments": ["internal"],
        "first_response": 60, "resolution": 480}))  # fmt: skip

    assert changed["tickets_recomputed"] == 1
    ticket = ok(client.get(f"{API}/tickets/T1", headers=care))
    assert ticket["first_response_minutes"] == 3 * 24 * 60 - 6 * 60  # Fri 16:00 → Mon 10:00
    assert clock_of(ticket, "first response")["due"] == "2026-03-06T16:00:00Z"


def test_changing_a_calendar_recomputes_and_pinning_a_policy_recomputes_too(
    client: TestClient, care: dict[str, str]
) -> None:
    open_ticket(client, care)
    ok(client.post(f"{API}/tickets/T1/articles", headers=care, json={
        "body": "Done", "at": "2026-03-09T10:00:00+01:00"}), 201)  # fmt: skip

    holiday = {**OFFICE, "holidays": ["2026-03-09"]}
    del holiday["id"]
    ok(client.put(f"{API}/calendars/OFFICE", headers=care, json=holiday))
    assert ok(client.get(f"{API}/tickets/T1", headers=care))["first_response_minutes"] == 60

    pinned = ok(client.put(f"{API}/tickets/T1/policy", headers=care, json={"policy": "ANY"}))
    assert pinned["policy"] == "ANY"
    assert pinned["policy_evidence"] == ["SLA policy ANY was set on the ticket"]
    assert pinned["first_response_minutes"] == 3 * 24 * 60 - 6 * 60


def test_a_reopened_ticket_resumes_its_clock(client: TestClient, care: dict[str, str]) -> None:
    open_ticket(client, care, requester="ACME-4711", created_at="2026-03-02T08:00:00Z")
    for status, at in (("resolved", "08:30"), ("open", "10:00"), ("resolved", "10:20")):
        ticket = ok(client.post(f"{API}/tickets/T1/status", headers=care,
                                json={"status": status, "at": f"2026-03-02T{at}:00Z"}))  # fmt: skip
    assert ticket["resolution_minutes"] == 50  # 30 + 20: the 90 minutes resolved do not count
    assert ticket["status"] == "resolved"
    assert clock_of(ticket, "resolution")["breached"] is False  # target 75
    first = clock_of(ticket, "first response")  # no agent ever answered: running, due 08:30
    assert (first["elapsed"], first["due"], first["overdue"]) == (
        None,
        "2026-03-02T08:30:00Z",
        True,
    )
    assert ticket["breached"] is None


def test_bad_tickets_are_refused_naming_every_field_and_nothing_is_written(
    client: TestClient, care: dict[str, str], engine: Engine
) -> None:
    response = client.post(f"{API}/tickets", headers=care, json={
        "id": "a/b", "requester": "P1", "serving_entity": "NOPE", "subject": "x",
        "channel": "fax", "priority": "asap"})  # fmt: skip

    assert response.status_code == 422
    paths = sorted(e["path"] for e in response.json()["errors"])
    assert paths == ["body.channel", "body.id", "body.priority", "body.serving_entity"]
    assert counts(engine) == (0, 0, 0)
    early = client.post(f"{API}/tickets", headers=care, json={
        "id": "T9", "requester": "P1", "serving_entity": "ORG", "subject": "x",
        "created_at": "2026-03-02T08:00:00Z"})  # fmt: skip
    assert early.status_code == 201
    before = client.post(f"{API}/tickets/T9/articles", headers=care,
                         json={"body": "hi", "at": "2026-03-01T08:00:00Z"})  # fmt: skip
    assert before.status_code == 422
    assert counts(engine) == (1, 0, 0)


def test_employees_open_and_see_only_their_own_tickets(
    client: TestClient, care: dict[str, str], headers_for: HeadersFor
) -> None:
    me = headers_for("employee", person="P1")
    mine = ok(client.post(f"{API}/tickets", headers=me, json={
        "id": "MINE", "requester": "P1", "serving_entity": "ORG", "subject": "Badge"}), 201)  # fmt: skip
    assert mine["created_at"] == "2026-03-02T09:00:00Z"
    open_ticket(client, care, id="THEIRS", requester="P2")

    for_other = client.post(f"{API}/tickets", headers=me, json={
        "id": "X", "requester": "P2", "serving_entity": "ORG", "subject": "x"})  # fmt: skip
    assert for_other.status_code == 403
    assert [t["id"] for t in ok(client.get(f"{API}/tickets", headers=me))["items"]] == ["MINE"]
    assert client.get(f"{API}/tickets/THEIRS", headers=me).status_code == 404
    note = client.post(f"{API}/tickets/MINE/articles", headers=me,
                       json={"body": "psst", "public": False})  # fmt: skip
    assert note.status_code == 403


def test_tickets_are_listed_a_page_at_a_time(client: TestClient, care: dict[str, str]) -> None:
    for n in range(5):
        open_ticket(client, care, id=f"T{n}")
    first = ok(client.get(f"{API}/tickets", headers=care, params={"limit": 2}))
    second = ok(client.get(f"{API}/tickets", headers=care,
                           params={"limit": 2, "cursor": first["next_cursor"]}))  # fmt: skip
    last = ok(client.get(f"{API}/tickets", headers=care,
                         params={"limit": 2, "cursor": second["next_cursor"]}))  # fmt: skip
    assert [t["id"] for t in first["items"] + second["items"] + last["items"]] == [
        "T0", "T1", "T2", "T3", "T4"]  # fmt: skip
    assert last["next_cursor"] is None
    bad = client.get(f"{API}/tickets", headers=care, params={"cursor": "nonsense"})
    assert bad.status_code == 422


# --------------------------------------------------------------------------- surveys


def resolved(client: TestClient, care: dict[str, str]) -> None:
    open_ticket(client, care, created_at="2026-03-02T08:00:00Z")
    ok(client.post(f"{API}/tickets/T1/status", headers=care,
                   json={"status": "resolved", "at": "2026-03-02T08:30:00Z"}))  # fmt: skip


def test_a_csat_link_shows_its_form_any_number_of_times_and_takes_one_answer(
    client: TestClient, care: dict[str, str], engine: Engine
) -> None:
    resolved(client, care)
    invitation = ok(client.post(f"{API}/surveys", headers=care,
                                json={"kind": "csat", "ticket": "T1"}), 201)  # fmt: skip
    link = invitation["link"]
    with engine.connect() as connection:
        stored = connection.execute(select(t.surveys.c.token_hash)).scalar_one()
    assert invitation["token"] not in stored  # only the hash is kept

    for _ in range(2):  # a mail scanner following the link uses nothing up
        form = client.get(link)
        assert form.status_code == 200 and 'id="survey-form"' in form.text
    answered = answer(client, link, {"score": "4", "comment": "Quick, thanks"})
    again = answer(client, link, {"score": "1"})
    shown = client.get(link)

    assert answered.status_code == 200 and "recorded" in answered.text
    assert again.status_code == 410 and "used already" in again.text
    assert shown.status_code == 410
    ticket = ok(client.get(f"{API}/tickets/T1", headers=care))
    assert [(s["score"], s["comment"]) for s in ticket["surveys"]] == [(4, "Quick, thanks")]


def test_an_expired_link_and_a_bad_score_record_nothing(
    client: TestClient, care: dict[str, str], clock: FixedClock, engine: Engine
) -> None:
    resolved(client, care)
    link = ok(client.post(f"{API}/surveys", headers=care,
                          json={"kind": "csat", "ticket": "T1", "days": 1}), 201)["link"]  # fmt: skip
    out_of_scale = answer(client, link, {"score": "6"})
    assert out_of_scale.status_code == 422 and "1 to 5" in out_of_scale.text

    clock.at = clock.at + timedelta(days=1)
    expired = answer(client, link, {"score": "5"})

    assert expired.status_code == 410 and "expired" in expired.text
    with engine.connect() as connection:
        assert connection.execute(select(t.surveys.c.score)).scalar_one() is None


def test_agents_cannot_rate_and_csat_waits_for_resolution(
    client: TestClient, care: dict[str, str], accounts: Accounts
) -> None:
    open_ticket(client, care, created_at="2026-03-02T08:00:00Z")
    early = client.post(f"{API}/surveys", headers=care, json={"kind": "csat", "ticket": "T1"})
    assert early.status_code == 409
    ok(client.post(f"{API}/tickets/T1/status", headers=care, json={"status": "resolved"}))
    link = ok(client.post(f"{API}/surveys", headers=care,
                          json={"kind": "csat", "ticket": "T1"}), 201)["link"]  # fmt: skip

    sign_in_as(client, accounts.actor("service_agent"), SECRET_KEY, NOW)
    by_agent = answer(client, link, {"score": "5"})
    sign_in_as(client, accounts.actor("employee", person="P1"), SECRET_KEY, NOW)
    by_requester = answer(client, link, {"score": "5"})

    assert by_agent.status_code == 403 and "only the requester rates" in by_agent.text
    assert by_requester.status_code == 200


def test_an_nps_link_takes_zero_to_ten(client: TestClient, care: dict[str, str]) -> None:
    invitation = ok(client.post(f"{API}/surveys", headers=care, json={
        "kind": "nps", "serving_entity": "ORG", "requester": "P2"}), 201)  # fmt: skip
    assert invitation["survey"]["relation"] == "employee"  # eNPS-style
    assert answer(client, invitation["link"], {"score": "0"}).status_code == 200


# --------------------------------------------------------------------------- parity


def test_parity_alerts_when_internal_customers_wait_longer(
    client: TestClient, care: dict[str, str]
) -> None:
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
    for n in range(10):
        created = (start + timedelta(days=7 * n)).isoformat()
        for who, wait in (("P1", 90), ("ACME", 20)):
            ticket_id = f"{who}-{n}"
            open_ticket(client, care, id=ticket_id, requester=who, created_at=created)
            at = (start + timedelta(days=7 * n, minutes=60 + wait)).isoformat()
            ok(client.post(f"{API}/tickets/{ticket_id}/articles", headers=care,
                           json={"body": "Hello", "at": at}), 201)  # fmt: skip

    report = ok(client.get(f"{API}/parity", headers=care,
                           params={"period": "2026-Q1", "entity": "ORG"}))  # fmt: skip
    segments = {s["name"]: s for s in report["segments"]}
    assert segments["internal"]["tickets"] == 5 and segments["external"]["tickets"] == 5
    assert report["alerts"] == []  # 5 on each side: below the minimum of 10
    assert report["notes"][0].startswith("too few tickets to compare (5 internal, 5 external")

    relaxed = ok(client.get(f"{API}/parity", headers=care,
                            params={"period": "2026", "entity": "ORG", "min_tickets": 10}))  # fmt: skip
    segments = {s["name"]: s for s in relaxed["segments"]}
    assert segments["internal"]["first_response_median"] == 150  # inside office hours
    assert segments["external"]["first_response_median"] == 80
    assert segments["employee"]["tickets"] == 10
    assert [a["metric"] for a in relaxed["alerts"]] == ["first_response_median"]
    alert = relaxed["alerts"][0]
    assert (alert["internal"], alert["external"], alert["ticket_count"]) == ("150", "80", 10)
    assert sorted(alert["tickets"])[0] == "P1-0"

    grouped = ok(client.get(f"{API}/parity", headers=care,
                            params={"period": "2026", "group": "ORG", "min_tickets": 10}))  # fmt: skip
    assert grouped["scope"] == "group ORG (ORG)" and grouped["alerts"] == relaxed["alerts"]
    unknown = client.get(f"{API}/parity", headers=care, params={"period": "2026", "group": "X"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["path"] == "query.group"

    wide = ok(client.get(f"{API}/parity", headers=care, params={
        "period": "2026", "entity": "ORG", "median_pct": "87.5", "min_tickets": 10}))  # fmt: skip
    assert wide["alerts"] == []  # 150 is exactly 87.5 % above 80


def test_parity_refuses_a_bad_period(client: TestClient, care: dict[str, str]) -> None:
    response = client.get(f"{API}/parity", headers=care, params={"period": "2026-Q7"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "query.period"
