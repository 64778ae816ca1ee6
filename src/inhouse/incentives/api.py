"""HTTP routes of the incentives context: programmes, points, referrals, participation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from inhouse.identity.domain import Actor, Permission
from inhouse.incentives import services
from inhouse.incentives.schemas import (
    AdjustmentCreate,
    BookingRead,
    IncentiveProgrammeCreate,
    IncentiveProgrammeEnd,
    IncentiveProgrammeRead,
    ParticipationRead,
    PointsRead,
    RedemptionCreate,
    ReferralCreate,
    ReferralRead,
)
from inhouse.web.auth import CurrentActor, requires
from inhouse.web.problems import PROBLEM_RESPONSES
from inhouse.web.requests import IdempotencyKey, once, uow_for

router = APIRouter(responses=PROBLEM_RESPONSES)

ReadProgrammes = Annotated[Actor, Depends(requires(Permission.READ_INCENTIVE_PROGRAMMES))]
Manage = Annotated[Actor, Depends(requires(Permission.MANAGE_INCENTIVES))]
ReadPoints = Annotated[Actor, Depends(requires(Permission.READ_POINTS))]
ReadParticipation = Annotated[Actor, Depends(requires(Permission.READ_PARTICIPATION))]
_OWN = (
    " An `employee` reaches only their own points: anyone else's answer 404, as if they "
    "did not exist."
)


# --------------------------------------------------------------------------- programmes


@router.post(
    "/incentive-programmes",
    status_code=201,
    response_model=IncentiveProgrammeRead,
    tags=["incentives"],
)
def create_incentive_programme(
    request: Request, body: IncentiveProgrammeCreate, actor: Manage, key: IdempotencyKey = None
) -> JSONResponse:
    """Define an incentive programme: points per spend, a first-purchase bonus or a
    referral bonus, with an optional budget of points, a validity and a seller scope."""

    def run() -> IncentiveProgrammeRead:
        row = services.define_incentive_programme(uow=uow_for(request), actor=actor,
                                                  clock=request.app.state.clock,
                                                  **body.model_dump())  # fmt: skip
        return IncentiveProgrammeRead.model_validate(row)

    return once(request, actor, key, "/incentive-programmes", body, run)


@router.get(
    "/incentive-programmes", response_model=list[IncentiveProgrammeRead], tags=["incentives"]
)
def list_incentive_programmes(
    request: Request, actor: ReadProgrammes
) -> list[IncentiveProgrammeRead]:
    rows = services.list_incentive_programmes(uow=uow_for(request), actor=actor)
    return [IncentiveProgrammeRead.model_validate(r) for r in rows]


@router.get(
    "/incentive-programmes/{programme_id}",
    response_model=IncentiveProgrammeRead,
    tags=["incentives"],
)
def get_incentive_programme(
    request: Request, programme_id: str, actor: ReadProgrammes
) -> IncentiveProgrammeRead:
    row = services.get_incentive_programme(uow=uow_for(request), actor=actor,
                                           programme=programme_id)  # fmt: skip
    return IncentiveProgrammeRead.model_validate(row)


@router.post(
    "/incentive-programmes/{programme_id}/end",
    response_model=IncentiveProgrammeRead,
    tags=["incentives"],
)
def end_incentive_programme(
    request: Request,
    programme_id: str,
    body: IncentiveProgrammeEnd,
    actor: Manage,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """End a programme: it awards points for purchases up to the day before `on`."""

    def run() -> IncentiveProgrammeRead:
        row = services.end_incentive_programme(uow=uow_for(request), actor=actor,
                                               clock=request.app.state.clock,
                                               programme=programme_id, on=body.on)  # fmt: skip
        return IncentiveProgrammeRead.model_validate(row)

    return once(request, actor, key, f"/incentive-programmes/{programme_id}/end", body, run, 200)


# --------------------------------------------------------------------------- points

Limit = Annotated[int, Query(ge=1, le=services.MAX_PAGE, description="Entries per page")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]


@router.get(
    "/points/{person_id}",
    response_model=PointsRead,
    tags=["incentives"],
    description="A person's balance, the points not used yet with their expiry, and the "
    "ledger entries newest first, `limit` at a time (pass `next_cursor` as `cursor`)." + _OWN,
)
def get_points(
    request: Request, person_id: str, actor: CurrentActor, limit: Limit = 100,
    cursor: Cursor = None,
) -> PointsRead:  # fmt: skip
    statement = services.points_of(uow=uow_for(request), actor=actor, person=person_id,
                                   limit=limit, cursor=cursor)  # fmt: skip
    return PointsRead.of(statement)


@router.post(
    "/points/{person_id}/redemptions",
    status_code=201,
    response_model=BookingRead,
    tags=["incentives"],
    description="Redeem points: refused (422, nothing booked) if the balance is smaller. "
    "Points due to expire today are expired first. Send an `Idempotency-Key` to retry "
    "safely." + _OWN,
)
def redeem_points(
    request: Request,
    person_id: str,
    body: RedemptionCreate,
    actor: CurrentActor,
    key: IdempotencyKey = None,
) -> JSONResponse:
    def run() -> BookingRead:
        booking = services.redeem_points(uow=uow_for(request), actor=actor,
                                         clock=request.app.state.clock, person=person_id,
                                         **body.model_dump())  # fmt: skip
        return BookingRead.of(booking)

    return once(request, actor, key, f"/points/{person_id}/redemptions", body, run)


@router.post(
    "/points/{person_id}/adjustments",
    status_code=201,
    response_model=BookingRead,
    tags=["incentives"],
)
def adjust_points(
    request: Request,
    person_id: str,
    body: AdjustmentCreate,
    actor: Manage,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Add (positive) or take off (negative) points by hand, with the reason. A negative
    adjustment cannot take the balance below zero (422)."""

    def run() -> BookingRead:
        booking = services.adjust_points(uow=uow_for(request), actor=actor,
                                         clock=request.app.state.clock, person=person_id,
                                         **body.model_dump())  # fmt: skip
        return BookingRead.of(booking)

    return once(request, actor, key, f"/points/{person_id}/adjustments", body, run)


# --------------------------------------------------------------------------- referrals


@router.post("/referrals", status_code=201, response_model=ReferralRead, tags=["incentives"])
def create_referral(
    request: Request, body: ReferralCreate, actor: Manage, key: IdempotencyKey = None
) -> JSONResponse:
    """Record that `referrer` referred `referred`: the referrer earns the bonus of a
    referral programme on the referred person's first internal purchase. A person is
    referred once, and only before buying internally (409 otherwise)."""

    def run() -> ReferralRead:
        row = services.record_referral(uow=uow_for(request), actor=actor,
                                       clock=request.app.state.clock, referrer=body.referrer,
                                       referred=body.referred, on=body.on)  # fmt: skip
        return ReferralRead.model_validate(row)

    return once(request, actor, key, "/referrals", body, run)


@router.get("/referrals", response_model=list[ReferralRead], tags=["incentives"])
def list_referrals(
    request: Request,
    actor: ReadPoints,
    referrer: Annotated[str | None, Query(description="Only this person's referrals")] = None,
) -> list[ReferralRead]:
    rows = services.list_referrals(uow=uow_for(request), actor=actor, referrer=referrer)
    return [ReferralRead.model_validate(r) for r in rows]


# --------------------------------------------------------------------------- participation


@router.get("/participation", response_model=ParticipationRead, tags=["incentives"])
def get_participation(
    request: Request,
    actor: ReadParticipation,
    period: Annotated[str | None, Query(description="One month, YYYY-MM")] = None,
    first: Annotated[
        str | None, Query(alias="from", description="First month, YYYY-MM (with `to`)")
    ] = None,
    last: Annotated[str | None, Query(alias="to", description="Last month, YYYY-MM")] = None,
) -> ParticipationRead:
    """Per month, entity and org unit: eligible employees (employed, not retired, on some
    day of the month) and those who bought internally at least once; the internal share
    of revenue and the cost of discounts, per currency; the change against the month
    before and the trend. At most 36 months."""
    start, end = services.months_asked(period=period, first=first, last=last)
    answer = services.participation_report(uow=uow_for(request), actor=actor, first=start,
                                           last=end)  # fmt: skip
    return ParticipationRead.of(answer)
