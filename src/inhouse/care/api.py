"""HTTP routes of the care context: calendars, SLA policies, tickets, surveys, parity.

The survey form behind a link (``/surveys/{token}``) is a web page (``inhouse.web.pages.care``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from inhouse.care import services
from inhouse.care.domain import Tolerances
from inhouse.care.schemas import (
    ArticleCreate,
    CalendarCreate,
    CalendarRead,
    CalendarUpdate,
    InvitationRead,
    ParityRead,
    PolicyCreate,
    PolicyPin,
    PolicyRead,
    PolicyUpdate,
    StatusChange,
    SurveyCreate,
    TicketCreate,
    TicketPage,
    TicketRead,
    TicketSummary,
)
from inhouse.identity.domain import Actor, Permission
from inhouse.web.auth import CurrentActor, requires
from inhouse.web.problems import PROBLEM_RESPONSES
from inhouse.web.requests import IdempotencyKey, once, uow_for

router = APIRouter(responses=PROBLEM_RESPONSES)

ManageSla = Annotated[Actor, Depends(requires(Permission.MANAGE_SLA))]
ReadTickets = Annotated[Actor, Depends(requires(Permission.READ_TICKETS))]
WriteTickets = Annotated[Actor, Depends(requires(Permission.WRITE_TICKETS))]
ReadParity = Annotated[Actor, Depends(requires(Permission.READ_PARITY))]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many (default 100)")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]


# --------------------------------------------------------------------------- calendars


@router.post("/calendars", status_code=201, response_model=CalendarRead, tags=["care"])
def create_calendar(
    request: Request, body: CalendarCreate, actor: ManageSla, key: IdempotencyKey = None
) -> JSONResponse:
    """A business calendar: IANA time zone, working hours per weekday, holidays."""

    def run() -> CalendarRead:
        row = services.define_calendar(uow=uow_for(request), actor=actor,
                                       clock=request.app.state.clock, **body.model_dump())  # fmt: skip
        return CalendarRead.model_validate(row)

    return once(request, actor, key, "/calendars", body, run)


@router.get("/calendars", response_model=list[CalendarRead], tags=["care"])
def list_calendars(request: Request, actor: ReadTickets) -> list[CalendarRead]:
    rows = services.list_calendars(uow=uow_for(request), actor=actor)
    return [CalendarRead.model_validate(r) for r in rows]


@router.get("/calendars/{calendar_id}", response_model=CalendarRead, tags=["care"])
def get_calendar(request: Request, calendar_id: str, actor: ReadTickets) -> CalendarRead:
    row = services.get_calendar(uow=uow_for(request), actor=actor, calendar=calendar_id)
    return CalendarRead.model_validate(row)


@router.put("/calendars/{calendar_id}", response_model=CalendarRead, tags=["care"])
def change_calendar(
    request: Request, calendar_id: str, body: CalendarUpdate, actor: ManageSla
) -> CalendarRead:
    """Replace a calendar; every ticket under a policy on it is recomputed."""
    row = services.change_calendar(uow=uow_for(request), actor=actor,
                                   clock=request.app.state.clock, calendar=calendar_id,
                                   **body.model_dump())  # fmt: skip
    return CalendarRead.model_validate(row)


# --------------------------------------------------------------------------- policies


@router.post("/sla-policies", status_code=201, response_model=PolicyRead, tags=["care"])
def create_policy(
    request: Request, body: PolicyCreate, actor: ManageSla, key: IdempotencyKey = None
) -> JSONResponse:
    """An SLA policy. Policies are tried by position; the first that matches applies."""

    def run() -> PolicyRead:
        row = services.define_policy(uow=uow_for(request), actor=actor,
                                     clock=request.app.state.clock, **body.model_dump())  # fmt: skip
        return PolicyRead.model_validate(row)

    return once(request, actor, key, "/sla-policies", body, run)


@router.get("/sla-policies", response_model=list[PolicyRead], tags=["care"])
def list_policies(request: Request, actor: ReadTickets) -> list[PolicyRead]:
    rows = services.list_policies(uow=uow_for(request), actor=actor)
    return [PolicyRead.model_validate(r) for r in rows]


@router.get("/sla-policies/{policy_id}", response_model=PolicyRead, tags=["care"])
def get_policy(request: Request, policy_id: str, actor: ReadTickets) -> PolicyRead:
    row = services.get_policy(uow=uow_for(request), actor=actor, policy=policy_id)
    return PolicyRead.model_validate(row)


@router.put("/sla-policies/{policy_id}", response_model=PolicyRead, tags=["care"])
def change_policy(
    request: Request, policy_id: str, body: PolicyUpdate, actor: ManageSla
) -> PolicyRead:
    """Replace a policy; every ticket is matched again and recomputed from creation."""
    row = services.change_policy(uow=uow_for(request), actor=actor,
                                 clock=request.app.state.clock, policy=policy_id,
                                 **body.model_dump())  # fmt: skip
    return PolicyRead.model_validate(row)


# --------------------------------------------------------------------------- tickets


@router.post("/tickets", status_code=201, response_model=TicketRead, tags=["care"])
def create_ticket(
    request: Request, body: TicketCreate, actor: CurrentActor, key: IdempotencyKey = None
) -> JSONResponse:
    """Open a ticket; its relation to the serving entity is classified on the creation day.

    Agents open tickets for anyone; employees only for themselves.
    """

    def run() -> TicketRead:
        state = request.app.state
        view = services.open_ticket(uow=uow_for(request), actor=actor, clock=state.clock,
                                    cache=state.register_cache, **body.model_dump())  # fmt: skip
        return TicketRead.of(view)

    return once(request, actor, key, "/tickets", body, run)


@router.get("/tickets", response_model=TicketPage, tags=["care"])
def list_tickets(
    request: Request,
    actor: CurrentActor,
    limit: Limit = 100,
    cursor: Cursor = None,
    requester: Annotated[str | None, Query()] = None,
    serving_entity: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
) -> TicketPage:
    """Tickets in id order; employees see their own only."""
    page = services.list_tickets(uow=uow_for(request), actor=actor, limit=limit, cursor=cursor,
                                 requester=requester, serving_entity=serving_entity,
                                 status=status)  # fmt: skip
    return TicketPage(items=[TicketSummary.model_validate(r) for r in page.items],
                      next_cursor=page.next_cursor)  # fmt: skip


@router.get("/tickets/{ticket_id}", response_model=TicketRead, tags=["care"])
def get_ticket(request: Request, ticket_id: str, actor: CurrentActor) -> TicketRead:
    """A ticket with relation evidence, history, and SLA clocks explained span by span."""
    view = services.get_ticket(uow=uow_for(request), actor=actor,
                               clock=request.app.state.clock, ticket=ticket_id)  # fmt: skip
    return TicketRead.of(view)


@router.post(
    "/tickets/{ticket_id}/articles", status_code=201, response_model=TicketRead, tags=["care"]
)
def create_article(
    request: Request,
    ticket_id: str,
    body: ArticleCreate,
    actor: CurrentActor,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """A message: an agent's reply or internal note, or the requester's message."""

    def run() -> TicketRead:
        view = services.add_article(uow=uow_for(request), actor=actor,
                                    clock=request.app.state.clock, ticket=ticket_id,
                                    **body.model_dump())  # fmt: skip
        return TicketRead.of(view)

    return once(request, actor, key, f"/tickets/{ticket_id}/articles", body, run)


@router.post("/tickets/{ticket_id}/status", response_model=TicketRead, tags=["care"])
def change_status(
    request: Request,
    ticket_id: str,
    body: StatusChange,
    actor: WriteTickets,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Move a ticket to a status; SLA clocks pause, resume or stop."""

    def run() -> TicketRead:
        view = services.change_status(uow=uow_for(request), actor=actor,
                                      clock=request.app.state.clock, ticket=ticket_id,
                                      status=body.status, at=body.at)  # fmt: skip
        return TicketRead.of(view)

    return once(request, actor, key, f"/tickets/{ticket_id}/status", body, run, 200)


@router.put("/tickets/{ticket_id}/policy", response_model=TicketRead, tags=["care"])
def pin_policy(
    request: Request, ticket_id: str, body: PolicyPin, actor: WriteTickets
) -> TicketRead:
    """Set the ticket's SLA policy (null: by the rules); due times are recomputed."""
    view = services.set_ticket_policy(uow=uow_for(request), actor=actor,
                                      clock=request.app.state.clock, ticket=ticket_id,
                                      policy=body.policy)  # fmt: skip
    return TicketRead.of(view)


# --------------------------------------------------------------------------- surveys


@router.post("/surveys", status_code=201, response_model=InvitationRead, tags=["care"])
def create_survey(
    request: Request, body: SurveyCreate, actor: WriteTickets, key: IdempotencyKey = None
) -> JSONResponse:
    """A one-time survey link for the requester (the token is shown once)."""

    def run() -> InvitationRead:
        state = request.app.state
        invitation = services.invite(uow=uow_for(request), actor=actor, clock=state.clock,
                                     cache=state.register_cache, **body.model_dump())  # fmt: skip
        return InvitationRead.of(invitation)

    return once(request, actor, key, "/surveys", body, run)


# --------------------------------------------------------------------------- parity


@router.get("/parity", response_model=ParityRead, tags=["care"])
def get_parity(
    request: Request,
    actor: ReadParity,
    period: Annotated[str, Query(description="2026, 2026-Q1 or 2026-03")],
    entity: Annotated[str | None, Query(description="One serving entity")] = None,
    group: Annotated[str | None, Query(description="Every member of a group")] = None,
    attainment_pct: Annotated[Decimal, Query(description="Tolerance, relative %")] = Decimal(10),
    median_pct: Annotated[Decimal, Query(description="Tolerance, relative %")] = Decimal(10),
    csat_points: Annotated[Decimal, Query(description="Tolerance, points")] = Decimal("0.3"),
    min_tickets: Annotated[int, Query(description="Minimum on each side")] = 10,
) -> ParityRead:
    """Internal against external customers: times, SLA attainment, CSAT, NPS, alerts."""
    state = request.app.state
    report = services.parity(uow=uow_for(request), actor=actor, clock=state.clock,
                             cache=state.register_cache, period=period, entity=entity,
                             group=group, tolerances=Tolerances(attainment_pct, median_pct,
                                                                csat_points, min_tickets))  # fmt: skip
    return ParityRead.of(report)
