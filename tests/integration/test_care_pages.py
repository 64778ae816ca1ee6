"""The care pages: tickets opened and worked in the browser, SLA clocks explained, internal
notes kept from the requester, surveys answered by link and from the employee's page, and
the service parity report; on SQLite and PostgreSQL.

ORG employs P1 and P2 since 2020 (the ``staff`` fixture); the office calendar is
Mon–Fri 09:00–17:00 Europe/Berlin; the clock stands at Monday 2026-03-02 10:00 Berlin.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import NOW, SECRET_KEY, Accounts
from fastapi.testclient import TestClient
from httpx import Response
from pages import csrf_of, sign_in_as
from sqlalchemy import Engine, func, select

from inhouse.care import tables as t
from inhouse.care.services import ParityReport
from inhouse.web.pages.care import PARITY_METHOD
from inhouse.web.pages.core import CSRF_FIELD

HeadersFor = Callable[..., dict[str, str]]
API = "/api/v1"


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def care(client: TestClient, headers_for: HeadersFor, staff: tuple[str, str]) -> dict[str, str]:
    """The office calendar and one policy for everyone: first response 60, resolution 480."""
    agent = headers_for("service_agent")
    ok(client.post(f"{API}/calendars", headers=agent, json={
        "id": "OFFICE", "name": "Office", "tz": "Europe/Berlin",
        "hours": {"mon-fri": [["09:00", "17:00"]]}}), 201)  # fmt: skip
    ok(client.post(f"{API}/sla-policies", headers=agent, json={
        "id": "STD", "name": "Standard", "position": 1, "calendar": "OFFICE",
        "first_response": 60, "resolution": 480}), 201)  # fmt: skip
    return agent


def post(client: TestClient, path: str, data: dict[str, str], *, token_from: str) -> Response:
    answer: Response = client.post(path, data={CSRF_FIELD: csrf_of(client, token_from), **data},
                                   follow_redirects=False)  # fmt: skip
    return answer


def open_t1(client: TestClient, care: dict[str, str]) -> None:
    """Ticket T1: P1 asks ORG, Monday 2026-03-02 09:00 in Berlin."""
    ok(client.post(f"{API}/tickets", headers=care, json={
        "id": "T1", "requester": "P1", "serving_entity": "ORG", "subject": "VPN down",
        "created_at": "2026-03-02T08:00:00Z"}), 201)  # fmt: skip


def tickets_in(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(select(t.tickets))]


def test_an_employee_opens_a_ticket_for_themselves_and_reads_why_they_are_internal(
    client: TestClient, care: dict[str, str], accounts: Accounts, engine: Engine
) -> None:
    sign_in_as(client, accounts.actor("employee", person="P1"), SECRET_KEY, NOW)
    form = client.get("/tickets/new").text
    assert '<option value="ORG"' in form  # their employer is offered

    made = post(client, "/tickets", {"serving_entity": "ORG", "subject": "Badge broken",
                                     "body": "My badge does not open the door",
                                     "requester": "P2", "priority": "high"},
                token_from="/tickets/new")  # fmt: skip

    [ticket] = tickets_in(engine)
    assert made.status_code == 303 and made.headers["location"] == f"/tickets/{ticket['id']}"
    assert re.fullmatch(r"W20260302-[0-9A-F]{6}", ticket["id"])
    assert (ticket["requester"], ticket["relation"], ticket["channel"], ticket["priority"]) == (
        "P1",
        "employee",
        "web",
        "high",
    )  # the requester field of the form is ignored
    page = client.get(made.headers["location"]).text
    assert "Why the requester is employee" in page and "My badge does not open the door" in page
    assert 'data-clock="first response" data-state="running"' in page
    assert ticket["id"] in client.get("/me").text


def test_a_ticket_form_with_problems_is_shown_again_and_nothing_is_stored(
    client: TestClient, care: dict[str, str], accounts: Accounts, engine: Engine
) -> None:
    sign_in_as(client, accounts.actor("service_agent"), SECRET_KEY, NOW)

    refused = post(client, "/tickets", {"requester": "ACME", "serving_entity": "NOPE",
                                        "subject": "Hello", "channel": "fax"},
                   token_from="/tickets/new")  # fmt: skip

    assert refused.status_code == 422
    assert "serving_entity: &#34;NOPE&#34; is not a known legal entity" in refused.text
    assert "channel: &#34;fax&#34;" in refused.text
    assert 'value="ACME"' in refused.text  # what was typed stays
    assert tickets_in(engine) == []


def test_the_requester_never_sees_internal_notes(
    client: TestClient, care: dict[str, str], accounts: Accounts, headers_for: HeadersFor
) -> None:
    open_t1(client, care)
    sign_in_as(client, accounts.actor("service_agent"), SECRET_KEY, NOW)
    noted = post(client, "/tickets/T1/articles", {"body": "Router of the 3rd floor again",
                                                  "internal": "yes"}, token_from="/tickets/T1")  # fmt: skip
    replied = post(client, "/tickets/T1/articles", {"body": "We are on it"},
                   token_from="/tickets/T1")  # fmt: skip
    agent_page = client.get("/tickets/T1").text

    sign_in_as(client, accounts.actor("employee", person="P1"), SECRET_KEY, NOW)
    own_page = client.get("/tickets/T1").text
    own_api = ok(client.get(f"{API}/tickets/T1", headers=headers_for("employee", person="P1")))
    written = post(client, "/tickets/T1/articles", {"body": "Thanks", "internal": "yes"},
                   token_from="/tickets/T1")  # fmt: skip

    assert (noted.status_code, replied.status_code, written.status_code) == (303, 303, 303)
    assert "Router of the 3rd floor again" in agent_page and "We are on it" in agent_page
    assert "Router of the 3rd floor again" not in own_page and "We are on it" in own_page
    assert [e["body"] for e in own_api["events"] if e["kind"] == "article"] == ["We are on it"]
    assert 'id="status-form"' not in own_page  # statuses are the agents'
    agent_view = ok(client.get(f"{API}/tickets/T1", headers=care))
    assert [(e["author"], e["public"]) for e in agent_view["events"]] == [
        ("agent", False),
        ("agent", True),
        ("requester", True),
    ]  # the employee wrote publicly


def test_an_agent_resolves_a_ticket_and_the_requester_rates_it_by_link_once(
    client: TestClient, care: dict[str, str], accounts: Accounts, engine: Engine
) -> None:
    open_t1(client, care)
    sign_in_as(client, accounts.actor("service_agent"), SECRET_KEY, NOW)
    early = post(client, "/tickets/T1/surveys", {}, token_from="/tickets/T1")
    moved = post(client, "/tickets/T1/status", {"status": "resolved"}, token_from="/tickets/T1")
    again = post(client, "/tickets/T1/status", {"status": "resolved"}, token_from="/tickets/T1")
    sent = post(client, "/tickets/T1/surveys", {}, token_from="/tickets/T1")

    assert early.status_code == 409 and "CSAT follows resolution" in early.text
    assert moved.status_code == 303 and again.status_code == 409
    link = re.search(r'<code class="secret">http://testserver(/surveys/[\w-]+)</code>', sent.text)
    assert sent.status_code == 200 and link
    page = client.get("/tickets/T1").text
    assert 'data-clock="resolution" data-state="met"' in page and link.group(1) not in page
    # resolved without a public answer: the first response is still owed, and late
    assert 'data-clock="first response" data-state="overdue"' in page

    client.cookies.clear()  # the requester opens the link without signing in
    form = client.get(link.group(1))
    bad = post(client, link.group(1), {"score": "9"}, token_from=link.group(1))
    rated = post(client, link.group(1), {"score": "4", "comment": "Fast"},
                 token_from=link.group(1))  # fmt: skip
    used = post(client, link.group(1), {"score": "5"}, token_from=link.group(1))

    assert form.status_code == 200 and "How satisfied were you with how ticket T1" in form.text
    assert bad.status_code == 422 and "score: a CSAT score is 1 to 5, not 9" in bad.text
    assert rated.status_code == 200 and "Your rating was recorded." in rated.text
    assert used.status_code == 410 and "used already" in used.text
    with engine.connect() as connection:
        scores = connection.execute(select(t.surveys.c.score, t.surveys.c.comment)).all()
    assert [tuple(s) for s in scores] == [(4, "Fast")]


def test_a_survey_form_without_the_csrf_token_is_refused(
    client: TestClient, care: dict[str, str], engine: Engine
) -> None:
    open_t1(client, care)
    ok(client.post(f"{API}/tickets/T1/status", headers=care, json={"status": "resolved"}))
    link = ok(client.post(f"{API}/surveys", headers=care,
                          json={"kind": "csat", "ticket": "T1"}), 201)["link"]  # fmt: skip

    forged = client.post(link, data={"score": "1"})

    assert forged.status_code == 403
    with engine.connect() as connection:
        assert connection.execute(select(t.surveys.c.answered_at)).scalar_one() is None


def test_an_employee_answers_a_waiting_survey_on_their_page(
    client: TestClient, care: dict[str, str], accounts: Accounts, engine: Engine
) -> None:
    open_t1(client, care)
    ok(client.post(f"{API}/tickets/T1/status", headers=care, json={"status": "resolved"}))
    ok(client.post(f"{API}/surveys", headers=care, json={"kind": "csat", "ticket": "T1"}), 201)
    ok(
        client.post(
            f"{API}/surveys",
            headers=care,
            json={"kind": "nps", "serving_entity": "ORG", "requester": "P2"},
        ),
        201,
    )  # P2's, not P1's
    with engine.connect() as connection:
        mine, theirs = connection.execute(select(t.surveys.c.id).order_by(t.surveys.c.id)).scalars()
    sign_in_as(client, accounts.actor("employee", person="P1"), SECRET_KEY, NOW)
    before = client.get("/me").text

    answered = post(client, f"/me/surveys/{mine}", {"score": "5"}, token_from="/me")
    again = post(client, f"/me/surveys/{mine}", {"score": "1"}, token_from="/me")
    not_mine = client.get(f"/me/surveys/{theirs}")

    assert f'href="/me/surveys/{mine}"' in before and f"/me/surveys/{theirs}" not in before
    assert answered.status_code == 303 and answered.headers["location"] == "/me#me-surveys"
    assert again.status_code == 410 and not_mine.status_code == 404
    assert f"/me/surveys/{mine}" not in client.get("/me").text
    with engine.connect() as connection:
        scores = connection.execute(select(t.surveys.c.score).order_by(t.surveys.c.id)).all()
    assert [s for (s,) in scores] == [5, None]


def test_ticket_lists_show_an_employee_only_their_own_and_filter_by_status(
    client: TestClient, care: dict[str, str], accounts: Accounts
) -> None:
    for ticket, requester in (("T1", "P1"), ("T2", "P2"), ("T3", "ACME")):
        ok(client.post(f"{API}/tickets", headers=care, json={
            "id": ticket, "requester": requester, "serving_entity": "ORG", "subject": "Help",
            "created_at": f"2026-03-02T0{ticket[1]}:00:00Z"}), 201)  # fmt: skip
    ok(client.post(f"{API}/tickets/T3/status", headers=care, json={"status": "open"}))

    sign_in_as(client, accounts.actor("service_agent"), SECRET_KEY, NOW)
    every = client.get("/tickets?format=csv").text.splitlines()
    open_ones = client.get("/tickets?status=open&format=csv").text.splitlines()
    sign_in_as(client, accounts.actor("employee", person="P1"), SECRET_KEY, NOW)
    own = client.get("/tickets?format=csv").text.splitlines()

    assert [line.split(",")[0] for line in every] == ["id", "T3", "T2", "T1"]  # newest first
    assert [line.split(",")[0] for line in open_ones] == ["id", "T3"]
    assert [line.split(",")[0] for line in own] == ["id", "T1"]
    assert client.get("/tickets/T2").status_code == 404


def test_the_parity_page_alerts_when_internal_customers_wait_longer(
    client: TestClient, care: dict[str, str], accounts: Accounts
) -> None:
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Berlin
    for n in range(10):
        for who, wait in (("P1", 90), ("ACME", 20)):
            created = start + timedelta(days=7 * n)
            ok(client.post(f"{API}/tickets", headers=care, json={
                "id": f"{who}-{n}", "requester": who, "serving_entity": "ORG", "subject": "?",
                "created_at": created.isoformat()}), 201)  # fmt: skip
            ok(client.post(f"{API}/tickets/{who}-{n}/articles", headers=care, json={
                "body": "Hello", "at": (created + timedelta(minutes=wait)).isoformat()}), 201)  # fmt: skip
    sign_in_as(client, accounts.actor("hr"), SECRET_KEY, NOW)

    page = client.get("/parity?period=2026&entity=ORG")
    bad = client.get("/parity?period=2026-Q7")
    german = client.get("/parity?period=2026&entity=ORG", headers={"Accept-Language": "de"})

    assert page.status_code == 200
    assert '<li class="alert" data-metric="first_response_median">' in page.text
    assert "10 internal tickets behind the gap" in page.text and 'href="/tickets/P1-0"' in page.text
    assert re.search(r'data-segment="internal".*?<td class="num">1 h 30 min</td>', page.text, re.S)
    assert re.search(r'data-segment="external".*?<td class="num">20 min</td>', page.text, re.S)
    assert bad.status_code == 422 and "period:" in bad.text
    assert "10 interne Tickets hinter der Abweichung" in german.text
    assert "leistende Gesellschaft ORG" in german.text and "Nächster-Rang-Methode" in german.text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_status_changes_and_survey_links_are_the_agents(
    client: TestClient, care: dict[str, str], accounts: Accounts, engine: Engine
) -> None:
    open_t1(client, care)
    sign_in_as(client, accounts.actor("employee", person="P1"), SECRET_KEY, NOW)

    moved = post(client, "/tickets/T1/status", {"status": "closed"}, token_from="/tickets/T1")
    surveyed = post(client, "/tickets/T1/surveys", {}, token_from="/tickets/T1")

    assert (moved.status_code, surveyed.status_code) == (403, 403)
    with engine.connect() as connection:
        assert connection.execute(select(t.tickets.c.status)).scalar_one() == "new"
        assert connection.execute(select(func.count()).select_from(t.surveys)).scalar_one() == 0


def test_an_agent_asks_an_employee_for_a_recommendation_and_sees_every_survey(
    client: TestClient, care: dict[str, str], accounts: Accounts, engine: Engine
) -> None:
    sign_in_as(client, accounts.actor("service_agent"), SECRET_KEY, NOW)
    missing = post(client, "/surveys", {"serving_entity": "", "requester": "P2"},
                   token_from="/surveys")  # fmt: skip
    made = post(client, "/surveys", {"serving_entity": "ORG", "requester": "P2"},
                token_from="/surveys")  # fmt: skip
    link = re.search(r'<code class="secret">http://testserver(/surveys/[\w-]+)</code>', made.text)
    assert missing.status_code == 422 and "serving_entity: an NPS survey without a ticket" in (
        missing.text
    )
    assert made.status_code == 200 and link

    client.cookies.clear()
    rated = post(client, link.group(1), {"score": "9"}, token_from=link.group(1))
    sign_in_as(client, accounts.actor("service_agent"), SECRET_KEY, NOW)
    listed = client.get("/surveys?format=csv").text.splitlines()

    assert rated.status_code == 200
    assert listed[0] == (
        "id,kind,ticket,serving_entity,requester,relation,created_at,"
        "expires_at,answered_at,score,comment"
    )  # never the token's hash
    assert listed[1].split(",")[1:6] == ["nps", "", "ORG", "P2", "employee"]
    assert listed[1].split(",")[9] == "9"


def test_the_parity_method_shown_on_the_page_is_the_reports() -> None:
    # the page translates the report's method by its English text: the two must agree
    [method] = [f.default for f in fields(ParityReport) if f.name == "method"]
    assert method == PARITY_METHOD
