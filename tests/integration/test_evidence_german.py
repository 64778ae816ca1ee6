"""Every evidence sentence of the demo has German, and the pages show it in the page's
language (``inhouse.web.evidence``).

The demo-wide test sets up the whole demo (``set_up_demo``: register, incentives, SLA
policies, a year of sales and tickets) on SQLite, gathers each sentence that the pages
would show by calling the services the pages call, and asks that a pattern knows it: a new
domain sentence without a row in ``web/evidence.py`` fails here, named with where it was found.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest
from conftest import NOW, SECRET_KEY, Accounts
from fastapi.testclient import TestClient
from pages import sign_in_as
from sqlalchemy import Engine

from inhouse.benefits import services as benefits
from inhouse.care import services as care
from inhouse.care.domain import Tolerances
from inhouse.clock import Clock, FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.demo.users import set_up_demo
from inhouse.groups.services import RegisterCache
from inhouse.identity.domain import SYSTEM
from inhouse.incentives import services as incentives
from inhouse.incentives.domain import Month
from inhouse.insights import services as insights
from inhouse.insights.services import TreeNode
from inhouse.orders import services as orders
from inhouse.web.evidence import german, matches

DAYS = (date(2025, 12, 1), date(2026, 3, 2), date(2026, 4, 1), date(2026, 4, 15),
        date(2026, 7, 1), date(2026, 11, 25))  # fmt: skip
"""Days around the demo's turns (the management agreement from 2026-04-01, the mover)."""
PERIODS = ("2025", "2026", "2026-Q1", "2026-Q2", "2026-03")
SAME_IN_BOTH: frozenset[str] = frozenset()
"""Sentences that read the same in German (none so far)."""


def _nodes(node: TreeNode) -> list[TreeNode]:
    return [node, *(n for child in node.children for n in _nodes(child))]


def every_sentence(engine: Engine, clock: Clock) -> dict[str, str]:
    """Each evidence sentence the pages would show, with where it was found."""
    found: dict[str, str] = {}

    def add(where: str, *sentences: str) -> None:
        for sentence in sentences:
            found.setdefault(sentence, where)

    def uow() -> UnitOfWork:
        return UnitOfWork(engine)

    cache = RegisterCache()
    register = cache.current(uow())
    # the order page: classification, the quote's words, each line's, programmes not applied,
    # returns
    cursor: str | None = None
    while True:
        page = orders.list_orders(uow=uow(), actor=SYSTEM, limit=500, cursor=cursor)
        for item in page.items:
            order = orders.get_order(uow=uow(), actor=SYSTEM, order=item["id"])
            where = f"order {order['id']}"
            add(where, *order["classification"], *order["evidence"])
            for line in order["lines"]:
                add(where, *line["evidence"], *(n["sentence"] for n in line["not_applied"]))
            for made in order["returns"]:
                for back in made["lines"]:
                    add(where, *back["evidence"])
        cursor = page.next_cursor
        if cursor is None:
            break
    # the classify page: every entity and unit selling to every party, on the days
    parties = [*register.entities, *register.units, *register.persons, "NOBODY"]
    for day in DAYS:
        snapshot = register.structure_on(day)
        for seller in [*register.entities, *register.units]:
            for buyer in parties:
                if buyer not in (seller, snapshot.entity_of(seller)):
                    answer = snapshot.classify(seller, buyer)
                    add(f"classify {seller} {buyer} {day}", *answer.evidence)
    # the benefits page: statements, their lines, lines without rules
    for year in (2025, 2026):
        benefit = benefits.benefit_statements_for(uow=uow(), cache=cache, actor=SYSTEM,
                                                  year=year)  # fmt: skip
        add(f"benefits {year}", *benefit.not_valued)
        for statement in benefit.statements:
            add(f"benefits {year} {statement.person}", *statement.evidence)
            for valued in statement.lines:
                add(f"benefits {valued.line.id}", *valued.evidence)
    # the ticket page: relation, policy, each clock explained
    cursor = None
    while True:
        tickets = care.list_tickets(uow=uow(), actor=SYSTEM, limit=500, cursor=cursor)
        for row in tickets.items:
            view = care.get_ticket(uow=uow(), actor=SYSTEM, clock=clock, ticket=row["id"])
            where = f"ticket {row['id']}"
            add(where, *view.ticket["relation_evidence"], *view.ticket["policy_evidence"])
            for counted in [] if view.sla is None else view.sla.clocks():
                add(where, *counted.explain())
        cursor = tickets.next_cursor
        if cursor is None:
            break
    # the parity page: notes and alerts per period, for all, the group and each entity
    scopes = [(None, None), (None, "JKL"), *((entity, None) for entity in register.entities)]
    for period in PERIODS:
        for entity, group in scopes:
            report = care.parity(uow=uow(), actor=SYSTEM, clock=clock, cache=cache,
                                 period=period, entity=entity, group=group,
                                 tolerances=Tolerances())  # fmt: skip
            where = f"parity {period} {entity or group or 'all'}"
            add(where, *report.notes, *(alert.message for alert in report.alerts))
    # the structure page: positions on the days, stakes that changed between them
    for day in DAYS:
        tree = insights.structure_tree(register=register, actor=SYSTEM, on=day)
        for head in tree.groups:
            for node in _nodes(head):
                add(f"structure {day}", *node.position.evidence)
        for alone in tree.standalone:
            add(f"structure {day}", *alone.evidence)
    for before, after in pairwise(DAYS):
        changes = insights.structure_changes(register=register, actor=SYSTEM, before=before,
                                             after=after)  # fmt: skip
        add(f"changes {before} {after}", *(stake.sentence for stake in changes.stakes))
    # the incentives page and the employee's page: the trend, each points entry's reason
    for last in (Month(2025, 12), Month(2026, 3), Month(2026, 11)):
        first = Month(last.year - 1, last.month).next
        participation = incentives.participation_report(uow=uow(), actor=SYSTEM, first=first,
                                                        last=last)  # fmt: skip
        add(f"participation {last}", participation.trend)
    for person in register.persons:
        points = incentives.points_of(uow=uow(), actor=SYSTEM, person=person, limit=500)
        add(f"points {person}", *(e["reason"] for e in points.entries if e["reason"]))
    return found


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_evidence_sentence_of_the_demo_has_german(engine: Engine, clock: FixedClock) -> None:
    set_up_demo(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock)
    found = every_sentence(engine, clock)
    assert len(found) > 1000  # orders, tickets, benefits, classifications, points …
    untranslated = {
        sentence: where
        for sentence, where in found.items()
        if sentence not in SAME_IN_BOTH and (not matches(sentence) or german(sentence) == sentence)
    }
    assert untranslated == {}


def test_the_classify_page_shows_the_evidence_in_the_page_language(
    client: TestClient, accounts: Accounts, staff: tuple[str, str]
) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    query = "/classify?seller=ORG&buyer=P1&on=2026-03-02"
    page = client.get(query, headers={"Accept-Language": "de"}).text
    assert "<li>P1 ist bei ORG beschäftigt (seit 2020-01-01)</li>" in page
    assert "P1 is employed by ORG" not in page
    page = client.get(query, headers={"Accept-Language": "en"}).text
    assert "<li>P1 is employed by ORG (since 2020-01-01)</li>" in page
