"""The demo's incentives: JKL's points programmes, two referrals, and the points that the
demo year's sales earn.

JKL gives a point per euro spent at any group member (budget 200,000 points, points
valid 365 days), 100 points on a first internal purchase and 250 points to whoever
referred a new colleague, on the colleague's first internal purchase. The demo's
employee (the mover, P037) referred Mia Vogel (P039), who joins ABC on 2026-04-15.

The programmes and referrals are set up after the demo's register and before its sales
are imported, so each imported sale earns its points as an order does. Sales in US
dollars earn nothing from the euro programme (said so in the answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from inhouse.clock import Clock
from inhouse.db.uow import UnitOfWork
from inhouse.identity.domain import Actor
from inhouse.incentives import services

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


def set_up_incentives(*, uow: UnitOfWork, actor: Actor, clock: Clock) -> IncentivesSetup:
    """Define the programmes and record the referrals; the sales imported afterwards earn
    their points as they are recorded (``import_dataset`` books them like ``place_order``)."""
    for programme in PROGRAMMES:
        services.define_incentive_programme(uow=uow, actor=actor, clock=clock, **programme)
    for referrer, referred, on in REFERRALS:
        services.record_referral(uow=uow, actor=actor, clock=clock, referrer=referrer,
                                 referred=referred, on=on)  # fmt: skip
    return IncentivesSetup(len(PROGRAMMES), len(REFERRALS))
