"""The cache of the dashboard's order aggregates: computed once per data version, and
after a write the older numbers are served while the new ones are computed."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

from inhouse.benefits.domain import TaxPeriod
from inhouse.insights.services import OrderNumbers, VersionedCache, taxable_by_month


def numbers(mark: int) -> OrderNumbers:
    return OrderNumbers((date(2026, 1, 1),), ({"mark": mark},), (), ())


def test_a_version_is_computed_once() -> None:
    cache = VersionedCache[OrderNumbers]()
    calls: list[int] = []

    def compute() -> OrderNumbers:
        calls.append(1)
        return numbers(1)

    first, fresh = cache.current(("slot",), 7, compute)
    again, fresh_again = cache.current(("slot",), 7, compute)
    assert first is not None and (first, fresh, fresh_again) == (again, True, True)
    assert len(calls) == 1


def test_after_a_write_the_older_numbers_are_served_until_the_new_ones_are_ready() -> None:
    cache = VersionedCache[OrderNumbers]()
    cache.current(("slot",), 1, lambda: numbers(1))
    release, done = threading.Event(), threading.Event()

    def slow() -> OrderNumbers:
        release.wait(10)
        done.set()
        return numbers(2)

    stale, fresh = cache.current(("slot",), 2, slow)
    assert stale is not None and (stale.sales[0]["mark"], fresh) == (1, False)
    # asking again while it runs starts no second computation
    again, _ = cache.current(("slot",), 2, lambda: numbers(99))
    assert again is not None and again.sales[0]["mark"] == 1
    release.set()
    assert done.wait(10)
    for _ in range(200):  # the thread stores the numbers right after computing them
        newest, fresh = cache.current(("slot",), 2, lambda: numbers(99))
        if fresh:
            break
        threading.Event().wait(0.01)
    assert newest is not None and (newest.sales[0]["mark"], fresh) == (2, True)


def test_another_slot_is_computed_in_the_request() -> None:
    cache = VersionedCache[OrderNumbers]()
    cache.current(("hr",), 1, lambda: numbers(1))
    answer, fresh = cache.current(("finance",), 1, lambda: numbers(5))
    assert answer is not None and (answer.sales[0]["mark"], fresh) == (5, True)


def test_without_waiting_the_first_value_comes_from_the_background() -> None:
    cache = VersionedCache[OrderNumbers]()
    release = threading.Event()

    def slow() -> OrderNumbers:
        release.wait(10)
        return numbers(3)

    assert cache.current(("slot",), 1, slow, wait_first=False) == (None, False)
    release.set()
    for _ in range(500):
        value, fresh = cache.current(("slot",), 1, slow, wait_first=False)
        if fresh:
            break
        threading.Event().wait(0.01)
    assert value is not None and (value.sales[0]["mark"], fresh) == (3, True)


def test_a_monthly_statement_counts_in_its_month() -> None:
    class Money:
        def __init__(self, amount: str) -> None:
            self.amount = Decimal(amount)

    class Statement:
        taxable = Money("55.00")
        currency = "EUR"
        period = TaxPeriod.calendar_month(2026, 3)
        lines = ()
        allowance = Money("50.00")

    owed = taxable_by_month([Statement()])  # type: ignore[list-item]
    assert owed == {("2026-03", "EUR"): Decimal("55.00")}
