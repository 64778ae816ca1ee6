"""Wire shapes of the incentives context. Points are whole numbers; amounts decimal text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from inhouse.incentives.domain import Participation
from inhouse.incentives.services import Booking, ExpiryRun, Statement
from inhouse.schema_types import Day
from inhouse.wire import PlainDecimal

POINTS = Field(ge=-(10**12) + 1, le=10**12 - 1)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncentiveProgrammeCreate(_In):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=300)
    kind: str = Field(description="points_per_spend, first_purchase_bonus or referral_bonus")
    scope_kind: str = Field(
        default="all", description="Whose sales count: entity, group (its head's id) or all"
    )
    scope_id: str | None = Field(default=None, max_length=64)
    valid_from: Day | None = None
    valid_to: Day | None = Field(default=None, description="First day it no longer applies")
    budget: int | None = Field(
        default=None, ge=0, le=10**12 - 1, description="Points it may award in all; null: no cap"
    )
    points_per_unit: PlainDecimal | None = Field(
        default=None, description="points_per_spend: points per unit of currency spent"
    )
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    bonus_points: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="The bonus of the two bonus kinds"
    )
    points_valid_days: int | None = Field(
        default=None, ge=1, le=36_500, description="Days until earned points expire; null: never"
    )


class IncentiveProgrammeRead(BaseModel):
    id: str
    name: str
    kind: str
    scope_kind: str
    scope_id: str | None
    valid_from: date | None
    valid_to: date | None
    budget: int | None
    awarded: int
    budget_left: int | None
    points_per_unit: PlainDecimal | None
    currency: str | None
    bonus_points: int | None
    points_valid_days: int | None


class IncentiveProgrammeEnd(_In):
    on: Day = Field(description="The first day on which the programme no longer applies")


class EntryRead(BaseModel):
    id: int
    person: str
    programme: str | None
    kind: str = Field(description="earn, redeem, expire or adjust")
    points: int = Field(description="Positive: credited; negative: taken off")
    booked_on: date
    expires_on: date | None
    lot: int | None = Field(description="expire: the entry whose points expire")
    reason: str
    reference: str | None
    recorded_at: datetime
    recorded_by: str


class LotRead(BaseModel):
    entry: int
    programme: str | None
    points: int
    left: int
    expires_on: date | None


class PointsRead(BaseModel):
    person: str
    balance: int
    open: list[LotRead] = Field(description="Points not used yet, in the order they are used")
    items: list[EntryRead] = Field(description="Entries, newest first")
    next_cursor: str | None

    @classmethod
    def of(cls, statement: Statement) -> PointsRead:
        return cls(
            person=statement.person,
            balance=statement.balance,
            open=[
                LotRead(
                    entry=lot.entry,
                    programme=lot.programme,
                    points=lot.points,
                    left=lot.left,
                    expires_on=lot.expires_on,
                )
                for lot in statement.lots
            ],
            items=[EntryRead.model_validate(r) for r in statement.entries],
            next_cursor=statement.next_cursor,
        )


class RedemptionCreate(_In):
    points: int = Field(ge=1, le=10**12 - 1)
    reason: str = Field(min_length=1, max_length=500, description="What the points are for")
    reference: str | None = Field(default=None, max_length=200)


class AdjustmentCreate(_In):
    points: int = POINTS
    reason: str = Field(min_length=1, max_length=500)
    reference: str | None = Field(default=None, max_length=200)


class BookingRead(BaseModel):
    entry: EntryRead
    expired: list[EntryRead] = Field(description="Expiries due today, booked first")
    balance: int

    @classmethod
    def of(cls, booking: Booking) -> BookingRead:
        return cls(
            entry=EntryRead.model_validate(booking.entry),
            expired=[EntryRead.model_validate(r) for r in booking.expired],
            balance=booking.balance,
        )


class ExpiryRunRead(BaseModel):
    on: date
    points: int
    entries: list[EntryRead]

    @classmethod
    def of(cls, run: ExpiryRun) -> ExpiryRunRead:
        return cls(on=run.on, points=run.points,
                   entries=[EntryRead.model_validate(r) for r in run.entries])  # fmt: skip


class ReferralCreate(_In):
    referrer: str = Field(min_length=1, max_length=64)
    referred: str = Field(min_length=1, max_length=64)
    on: Day = Field(description="The day of the referral")


class ReferralRead(BaseModel):
    referrer: str
    referred: str
    referred_on: date
    recorded_at: datetime
    recorded_by: str


class RateRead(BaseModel):
    eligible: int
    participants: int
    pct: PlainDecimal | None = Field(description="Participants of eligible, percent")


class EntityRateRead(RateRead):
    entity: str


class UnitRateRead(RateRead):
    entity: str
    unit: str


class RevenueRead(BaseModel):
    currency: str
    total: PlainDecimal
    internal: PlainDecimal
    internal_pct: PlainDecimal | None
    discount_cost: PlainDecimal


class MonthRead(BaseModel):
    month: str
    eligible: int
    participants: int
    pct: PlainDecimal | None
    change_pts: PlainDecimal | None = Field(
        description="Percentage points against the month before"
    )
    entities: list[EntityRateRead]
    units: list[UnitRateRead]
    revenue: list[RevenueRead]
    evidence: list[str]


class ParticipationRead(BaseModel):
    months: list[MonthRead]
    trend: str

    @classmethod
    def of(cls, answer: Participation) -> ParticipationRead:
        months: list[MonthRead] = []
        for m in answer.months:
            months.append(
                MonthRead(
                    month=str(m.month),
                    eligible=m.rate.eligible,
                    participants=m.rate.participants,
                    pct=m.rate.pct,
                    change_pts=m.change_pts,
                    entities=[EntityRateRead(entity=e.entity, **_rate(e.rate)) for e in m.entities],
                    units=[
                        UnitRateRead(entity=u.entity, unit=u.unit, **_rate(u.rate)) for u in m.units
                    ],
                    revenue=[
                        RevenueRead(
                            currency=r.currency,
                            total=r.total.amount,
                            internal=r.internal.amount,
                            internal_pct=r.internal_pct,
                            discount_cost=r.discount_cost.amount,
                        )
                        for r in m.revenue
                    ],
                    evidence=list(m.evidence),
                )
            )
        return cls(months=months, trend=answer.trend)


def _rate(rate: Any) -> dict[str, Any]:
    return {"eligible": rate.eligible, "participants": rate.participants, "pct": rate.pct}
