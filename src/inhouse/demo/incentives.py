"""The demo's incentives: JKL's points programmes, two referrals, and the points that the
demo year's sales earn.

JKL gives a point per euro spent at any group member (budget 200,000 points, points
valid 365 days), 100 points on a first internal purchase and 250 points to whoever
referred a new colleague, on the colleague's first internal purchase. The demo's
employee (the mover, P037) referred Mia Vogel (P039), who joins ABC on 2026-04-15.

Sales come from the demo's ``sales.csv``: each is classified against the register as
``place_order`` will classify it and booked with ``award_points_for_order``, all in
one transaction. Sales in US dollars earn nothing from the euro programme (said so in
the answer); sales to customers from outside are kept for the revenue figures.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from inhouse.clock import Clock
from inhouse.db.uow import UnitOfWork
from inhouse.groups.domain import Register
from inhouse.identity.domain import Actor
from inhouse.incentives import services
from inhouse.incentives.domain import Purchase
from inhouse.money import Money

PROGRAMMES: tuple[dict[str, Any], ...] = (
    {"id": "JKL-POINTS", "name": "A point per euro at JKL", "kind": "points_per_spend",
     "scope_kind": "group", "scope_id": "JKL", "valid_from": date(2025, 12, 1),
     "budget": 200_000, "points_per_unit": Decimal(1), "currency": "EUR",
     "points_valid_days": 365},
    {"id": "JKL-WELCOME", "name": "Welcome to shopping at JKL", "kind": "first_purchase_bonus",
     "scope_kind": "group", "scope_id": "JKL", "valid_from": date(2025, 12, 1),
     "budget": 10_000, "bonus_points": 100},
    {"id": "JKL-REFER", "name": "Bring a colleague", "kind": "referral_bonus",
     "scope_kind": "group", "scope_id": "JKL", "valid_from": date(2025, 12, 1),
     "bonus_points": 250},
)  # fmt: skip
REFERRALS: tuple[tuple[str, str, date], ...] = (
    ("P037", "P039", date(2026, 4, 15)),
    ("P011", "P019", date(2026, 1, 12)),
)


@dataclass(frozen=True, slots=True)
class IncentivesSetup:
    programmes: int
    referrals: int
    purchases: int
    points: int


def demo_purchases(folder: Path, register: Register) -> list[Purchase]:
    """The sales of a dataset folder as purchases, classified against ``register``."""
    list_prices: dict[str, Decimal] = {}
    with (folder / "products.csv").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            list_prices[row["id"]] = Decimal(row["list_price"])
    purchases: list[Purchase] = []
    with (folder / "sales.csv").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            on = date.fromisoformat(row["date"])
            sale = register.classify(row["seller"], row["buyer"], on)
            amount = Money(Decimal(row["amount"]), row["currency"])
            listed = list_prices.get(row["product"] or "")
            quantity = Decimal(row["quantity"] or "1")
            list_amount = amount if listed is None else Money(listed * quantity, amount.currency)
            person = row["buyer"] if register.kind_of(row["buyer"]) == "person" else None
            unit = None
            if person is not None:
                for employment in register.employments_of(person, on):
                    if employment.entity == sale.buyer_entity:
                        unit = employment.unit
                        break
            elif register.kind_of(row["buyer"]) == "unit":
                unit = row["buyer"]
            purchases.append(
                Purchase(
                    order=row["id"],
                    person=person,
                    seller=sale.seller_entity,
                    buyer_entity=sale.buyer_entity,
                    unit=unit,
                    on=on,
                    amount=amount,
                    list_amount=list_amount,
                    internal=sale.internal,
                    relation=sale.relation.value,
                    group=sale.group,
                )
            )
    return purchases


def set_up_incentives(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    folder: Path,
    register: Register,
    book_sales: bool = True,
) -> IncentivesSetup:
    """Define the programmes, record the referrals and book the points of every sale
    (``book_sales=False``: the sales are imported afterwards, and the import books them)."""
    for programme in PROGRAMMES:
        services.define_incentive_programme(uow=uow, actor=actor, clock=clock, **programme)
    for referrer, referred, on in REFERRALS:
        services.record_referral(uow=uow, actor=actor, clock=clock, referrer=referrer,
                                 referred=referred, on=on)  # fmt: skip
    if not book_sales:
        return IncentivesSetup(len(PROGRAMMES), len(REFERRALS), 0, 0)
    purchases = demo_purchases(folder, register)
    points = 0
    with uow:
        for purchase in sorted(purchases, key=lambda p: (p.on, p.order)):
            answer = services.award_points_for_order(uow=uow, clock=clock, order=purchase,
                                                     actor=actor)  # fmt: skip
            points += answer.total
        uow.commit()
    return IncentivesSetup(len(PROGRAMMES), len(REFERRALS), len(purchases), points)
