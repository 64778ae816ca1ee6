"""No check-then-act on points and budgets (design/README.md, rule 10), shown with real
concurrency on PostgreSQL (and on SQLite, whose one writer at a time the locks wait
for): 32 requests at once, each on a connection of its own.

The requests wait at a barrier and go together; nothing here measures time. What is
checked is the outcome: the balance never went below zero, every accepted redemption
is in the ledger and accounts for the difference, and a budget is used to the point.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from inhouse.clock import FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.identity.domain import SYSTEM
from inhouse.incentives import services
from inhouse.incentives.domain import EntryKind, InsufficientPoints, Purchase, PurchasePoints
from inhouse.money import Money

HeadersFor = Callable[..., dict[str, str]]
API = "/api/v1"
REQUESTS = 32


def together(count: int, act: Callable[[int], Any]) -> list[Any]:
    """Run ``act(0)`` … ``act(count - 1)`` in ``count`` threads released at once."""
    barrier = threading.Barrier(count)

    def run(number: int) -> Any:
        barrier.wait()
        return act(number)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_32_simultaneous_redemptions_never_drive_the_balance_below_zero(
    client: TestClient, headers_for: HeadersFor, engine: Engine, clock: FixedClock
) -> None:
    # given P1 with 100 points
    employee = headers_for("employee")  # P1
    services.adjust_points(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, person="P1",
                           points=100, reason="Start")  # fmt: skip

    # when 32 redemptions of 7 points each arrive at once
    def redeem(number: int) -> Response:
        answer: Response = client.post(
            f"{API}/points/P1/redemptions",
            json={"points": 7, "reason": f"Voucher {number}"},
            headers=employee,
        )
        return answer

    answers = together(REQUESTS, redeem)

    # then exactly as many as the balance allows are accepted (14 × 7 = 98), one at a time
    accepted = [a.json() for a in answers if a.status_code == 201]
    refused = [a.json() for a in answers if a.status_code != 201]
    assert len(accepted) == 14
    assert sorted(b["balance"] for b in accepted) == list(range(2, 100, 7))
    assert {(r["status"], r["detail"]) for r in refused} == {
        (422, "P1 has 2 points; 7 points cannot be taken")
    }
    # and every accepted redemption is in the ledger: accepted = start − final balance
    with UnitOfWork(engine) as uow:
        final = uow.incentives.balance("P1")
        entries = uow.incentives.entries("P1")
    redeemed = [e for e in entries if e.kind is EntryKind.REDEEM]
    assert final == 2
    assert sum(e.points for e in entries) == final
    assert sorted(e.id for e in redeemed) == sorted(b["entry"]["id"] for b in accepted)
    assert -sum(e.points for e in redeemed) == sum(7 for _ in accepted) == 100 - final
    running = 0
    for entry in entries:  # in booking order the balance never dips below zero
        running += entry.points
        assert running >= 0


def test_32_simultaneous_service_redemptions_each_on_its_own_connection(
    engine: Engine, clock: FixedClock, staff: tuple[str, str]
) -> None:
    services.adjust_points(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, person="P2",
                           points=50, reason="Start")  # fmt: skip

    def redeem(number: int) -> int:
        try:
            booking = services.redeem_points(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                                             person="P2", points=3 + number % 3,
                                             reason="Voucher")  # fmt: skip
        except InsufficientPoints:
            return 0
        return int(-booking.entry["points"])

    taken = together(REQUESTS, redeem)

    with UnitOfWork(engine) as uow:
        final = uow.incentives.balance("P2")
        assert uow.incentives.entries_sum("P2") == final
        redeemed = [e for e in uow.incentives.entries("P2") if e.kind is EntryKind.REDEEM]
    assert final >= 0
    assert sum(taken) == 50 - final
    assert sorted(-e.points for e in redeemed) == sorted(t for t in taken if t)


def test_32_simultaneous_orders_use_a_budget_to_the_point_and_no_further(
    client: TestClient, headers_for: HeadersFor, engine: Engine, clock: FixedClock,
    staff: tuple[str, str],
) -> None:  # fmt: skip
    # given a programme of a point per euro with a budget of 1,000 points
    body = {"id": "SPEND", "name": "A point per euro", "kind": "points_per_spend",
            "points_per_unit": "1", "currency": "EUR", "budget": 1000}  # fmt: skip
    assert client.post(f"{API}/incentive-programmes", json=body,
                       headers=headers_for("hr")).status_code == 201  # fmt: skip

    # when 32 orders of 70 EUR each are recorded at once
    def order(number: int) -> PurchasePoints:
        purchase = Purchase(
            order=f"O-{number}", person="P1" if number % 2 else "P2", seller="ORG",
            buyer_entity="ORG", unit=None, on=date(2026, 3, 2), amount=Money.of("70", "EUR"),
            list_amount=Money.of("70", "EUR"), internal=True, relation="employee",
        )  # fmt: skip
        return services.book_purchase_points(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                                             order=purchase)  # fmt: skip

    answers = together(REQUESTS, order)

    # then 14 get 70 points, one gets the 20 left, the other 17 nothing
    totals = sorted((a.total for a in answers), reverse=True)
    assert totals == [70] * 14 + [20] + [0] * 17
    shown = client.get(f"{API}/incentive-programmes/SPEND", headers=headers_for("hr")).json()
    assert (shown["awarded"], shown["budget_left"]) == (1000, 0)
    with UnitOfWork(engine) as uow:
        earned = uow.incentives.entries("P1") + uow.incentives.entries("P2")
    assert sum(e.points for e in earned) == 1000


def test_32_simultaneous_first_orders_of_one_person_earn_one_welcome_bonus(
    engine: Engine, clock: FixedClock, staff: tuple[str, str]
) -> None:
    # given a welcome bonus without a budget (its row is not locked by orders)
    services.define_incentive_programme(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                                        id="FIRST", name="Welcome", kind="first_purchase_bonus",
                                        bonus_points=50)  # fmt: skip

    # when P1's first 32 orders arrive at once
    def order(number: int) -> PurchasePoints:
        purchase = Purchase(
            order=f"O-{number}", person="P1", seller="ORG", buyer_entity="ORG", unit=None,
            on=date(2026, 3, 2), amount=Money.of("10", "EUR"), list_amount=Money.of("10", "EUR"),
            internal=True, relation="employee",
        )  # fmt: skip
        return services.book_purchase_points(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                                             order=purchase)  # fmt: skip

    answers = together(REQUESTS, order)

    # then exactly one of them earns the bonus
    assert sorted(a.total for a in answers) == [0] * 31 + [50]
    with UnitOfWork(engine) as uow:
        assert [e.points for e in uow.incentives.entries("P1")] == [50]
        assert uow.incentives.balance("P1") == 50
