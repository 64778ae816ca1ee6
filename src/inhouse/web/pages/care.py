"""Care: tickets with their SLA clocks explained, articles and statuses, surveys (by the
one-time link and from the employee's own page) and the service parity report.

Agents (``write tickets``) see and work every ticket; an employee opens tickets for
themselves, reads their own without internal notes, writes messages and answers their
surveys. The survey link needs no sign-in: its token is the credential.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData

from inhouse.care import services as care
from inhouse.care.domain import Tolerances
from inhouse.clock import today
from inhouse.db.uow import UnitOfWork
from inhouse.errors import FieldProblem, InhouseError, InvalidFields
from inhouse.identity.domain import Actor, Permission
from inhouse.identity.services import NotAllowed, NotFound
from inhouse.web.pages.core import (
    N_,
    checked_form,
    needs,
    page_actor,
    redirect,
    render,
)
from inhouse.web.pages.groups import RELATIONS
from inhouse.web.pages.lists import Column, list_page

router = APIRouter()
P = Permission
TicketReader = Annotated[Actor, Depends(needs(P.READ_TICKETS, P.OWN_TICKETS))]
TicketWriter = Annotated[Actor, Depends(needs(P.WRITE_TICKETS))]
SurveyTaker = Annotated[Actor, Depends(needs(P.OWN_TICKETS))]
ParityReader = Annotated[Actor, Depends(needs(P.READ_PARITY))]
Form = Annotated[FormData, Depends(checked_form)]

STATUSES = {
    "new": N_("new"),
    "open": N_("open"),
    "pending_customer": N_("waiting for the customer"),
    "pending_reminder": N_("waiting for a reminder"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}
PRIORITIES = {"low": N_("low"), "normal": N_("normal"), "high": N_("high"),
              "urgent": N_("urgent")}  # fmt: skip
CHANNELS = {"email": N_("email"), "phone": N_("phone"), "web": N_("web"), "chat": N_("chat"),
            "in_person": N_("in person")}  # fmt: skip
CLOCKS = {
    "first response": N_("First response"),
    "resolution": N_("Resolution"),
    "next response": N_("Next response"),
}
SEGMENTS = {"internal": N_("internal customers"), "external": N_("external customers")}
SURVEY_KINDS = {"csat": N_("satisfaction (CSAT)"), "nps": N_("recommendation (NPS)")}
# care.services.ParityReport.method, to translate it (a test keeps the two the same); one
# literal right after the bracket, as the catalogue reads only those
PARITY_METHOD = N_(
    "Business minutes of each ticket's SLA policy; percentiles by the nearest-rank method (the value at rank ⌈p·n⌉, no interpolation; median = 50th percentile); attainment = tickets with no breached clock ÷ tickets whose clocks are decided (stopped, or due and not stopped, which counts as breached); CSAT of tickets created in the period; NPS of answers given in the period."
)
METRICS = {
    "sla_attainment_pct": N_("SLA attainment"),
    "first_response_median": N_("median first response"),
    "resolution_median": N_("median resolution"),
    "csat_mean": N_("mean CSAT"),
}


def ticket_link(row: dict[str, Any]) -> str:
    return f"/tickets/{quote(str(row['id']), safe='')}"


TICKET_COLUMNS = [
    Column("id", N_("Ticket"), ticket_link),
    Column("created_at", N_("Opened")),
    Column("requester", N_("Requester")),
    Column("serving_entity", N_("Serving entity")),
    Column("relation", N_("Relation"), values=RELATIONS),
    Column("priority", N_("Priority"), values=PRIORITIES),
    Column("status", N_("Status"), values=STATUSES),
    Column("subject", N_("Subject")),
    Column("resolution_due", N_("Resolution due")),
    Column("breached", N_("SLA breached")),
]


def _uow(request: Request) -> UnitOfWork:
    return UnitOfWork(request.app.state.engine)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


# --------------------------------------------------------------------------- tickets


@router.get("/tickets")
def ticket_list(request: Request, actor: TicketReader) -> Response:
    status = request.query_params.get("status")
    where = {"status": status} if status in STATUSES else None
    return list_page(request, actor, name="tickets", title=N_("Tickets"), columns=TICKET_COLUMNS,
                     where=where, template="tickets.html",
                     context={"statuses": STATUSES, "status": status if where else "",
                              "may_open": actor.may(P.WRITE_TICKETS)
                              or actor.may(P.OWN_TICKETS)})  # fmt: skip


def _serving_choices(request: Request, actor: Actor) -> list[tuple[str, str]]:
    """Whom a ticket can be about: an employee's own employers today; for agents every
    legal entity of the register."""
    state = request.app.state
    register = state.register_cache.current(_uow(request), state.data_version.current())
    if actor.may(P.WRITE_TICKETS):
        ids = sorted(register.entities)
    else:
        on = today(state.clock)
        ids = list(dict.fromkeys(e.entity for e in register.employments_of(actor.person or "", on)))
    return [(i, register.entities[i].name) for i in ids if i in register.entities]


def _new_ticket_page(request: Request, actor: Actor, *, form: dict[str, str],
                     problems: list[FieldProblem], status: int = 200) -> Response:  # fmt: skip
    return render(request, "ticket_new.html",
                  {"form": form, "problems": problems, "choices": _serving_choices(request, actor),
                   "agent": actor.may(P.WRITE_TICKETS), "channels": CHANNELS,
                   "priorities": PRIORITIES}, actor=actor, status=status)  # fmt: skip


@router.get("/tickets/new")
def new_ticket(request: Request, actor: TicketReader) -> Response:
    if not (actor.may(P.WRITE_TICKETS) or actor.may(P.OWN_TICKETS)):
        raise NotAllowed(f"the role {actor.role.value} may not open tickets")
    return _new_ticket_page(request, actor, form={}, problems=[])


@router.post("/tickets")
def open_ticket(request: Request, actor: TicketReader, form: Form) -> Response:
    """Open a ticket: agents for anyone, employees for themselves (the API's rules)."""
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    agent = actor.may(P.WRITE_TICKETS)
    state = request.app.state
    try:
        view = care.open_ticket(
            uow=_uow(request), actor=actor, clock=state.clock, cache=state.register_cache,
            id=care.new_ticket_id(today(state.clock)),
            requester=_text(form, "requester") if agent else (actor.person or ""),
            serving_entity=_text(form, "serving_entity"), subject=_text(form, "subject"),
            channel=_text(form, "channel") if agent else "web",
            priority=_text(form, "priority") or "normal", body=_text(form, "body") or None,
        )  # fmt: skip
    except InvalidFields as error:
        return _new_ticket_page(request, actor, form=values, problems=error.problems, status=422)
    return redirect(ticket_link(view.ticket))


def _ticket_page(request: Request, actor: Actor, ticket: str, *, problems: list[FieldProblem]
                 | None = None, link: str | None = None, status: int = 200) -> Response:  # fmt: skip
    view = care.get_ticket(uow=_uow(request), actor=actor, clock=request.app.state.clock,
                           ticket=ticket)  # fmt: skip
    clocks = [] if view.sla is None else view.sla.clocks()
    return render(
        request,
        "ticket.html",
        {"ticket": view.ticket, "events": view.events, "sla": view.sla, "clocks": clocks,
         "overdue": view.overdue, "surveys": view.surveys, "relations": RELATIONS,
         "statuses": STATUSES, "priorities": PRIORITIES, "channels": CHANNELS,
         "clock_names": CLOCKS, "survey_kinds": SURVEY_KINDS, "agent": actor.may(P.WRITE_TICKETS),
         "problems": problems or [], "survey_link": link, "now": request.app.state.clock.now()},
        actor=actor,
        status=status,
    )  # fmt: skip


@router.get("/tickets/{ticket_id}")
def ticket_page(request: Request, ticket_id: str, actor: TicketReader) -> Response:
    return _ticket_page(request, actor, ticket_id)


@router.post("/tickets/{ticket_id}/articles")
def write_article(request: Request, ticket_id: str, actor: TicketReader, form: Form) -> Response:
    """A reply or internal note by an agent; the requester's message by an employee."""
    agent = actor.may(P.WRITE_TICKETS)
    try:
        care.add_article(uow=_uow(request), actor=actor, clock=request.app.state.clock,
                         ticket=ticket_id, body=_text(form, "body"),
                         public=not (agent and form.get("internal") == "yes"))  # fmt: skip
    except InvalidFields as error:
        return _ticket_page(request, actor, ticket_id, problems=error.problems, status=422)
    return redirect(f"{ticket_link({'id': ticket_id})}#history")


@router.post("/tickets/{ticket_id}/status")
def move_ticket(request: Request, ticket_id: str, actor: TicketWriter, form: Form) -> Response:
    try:
        care.change_status(uow=_uow(request), actor=actor, clock=request.app.state.clock,
                           ticket=ticket_id, status=_text(form, "status"))  # fmt: skip
    except InvalidFields as error:
        return _ticket_page(request, actor, ticket_id, problems=error.problems, status=422)
    except InhouseError as error:  # e.g. the ticket has that status already
        if isinstance(error, NotFound | NotAllowed):
            raise
        problems = [FieldProblem("status", str(error))]
        return _ticket_page(request, actor, ticket_id, problems=problems, status=409)
    return redirect(ticket_link({"id": ticket_id}))


@router.post("/tickets/{ticket_id}/surveys")
def send_survey(request: Request, ticket_id: str, actor: TicketWriter, form: Form) -> Response:
    """A CSAT survey for the requester of a resolved ticket: the link is shown this once."""
    state = request.app.state
    try:
        invitation = care.invite(uow=_uow(request), actor=actor, clock=state.clock,
                                 cache=state.register_cache, kind="csat", ticket=ticket_id)  # fmt: skip
    except InhouseError as error:
        if isinstance(error, NotFound | NotAllowed):
            raise
        problems = getattr(error, "problems", None) or [FieldProblem("survey", str(error))]
        return _ticket_page(request, actor, ticket_id, problems=problems, status=409)
    return _ticket_page(request, actor, ticket_id, link=_survey_url(request, invitation.token))


# --------------------------------------------------------------------------- surveys


def _survey_ticket_link(row: dict[str, Any]) -> str | None:
    return ticket_link({"id": row["ticket"]}) if row["ticket"] else None


SURVEY_COLUMNS = [
    Column("id", N_("Survey")),
    Column("kind", N_("Kind"), values=SURVEY_KINDS),
    Column("ticket", N_("Ticket"), _survey_ticket_link),
    Column("serving_entity", N_("Serving entity")),
    Column("requester", N_("Requester")),
    Column("relation", N_("Relation"), values=RELATIONS),
    Column("created_at", N_("Sent")),
    Column("expires_at", N_("Works until")),
    Column("answered_at", N_("Answered")),
    Column("score", N_("Score")),
    Column("comment", N_("Comment")),
]


def _survey_list(request: Request, actor: Actor, *, form: dict[str, str] | None = None,
                 problems: list[FieldProblem] | None = None, link: str | None = None,
                 status: int = 200) -> Response:  # fmt: skip
    response = list_page(request, actor, name="surveys", title=N_("Surveys"),
                         columns=SURVEY_COLUMNS, template="surveys.html",
                         context={"form": form or {}, "problems": problems or [],
                                  "survey_link": link,
                                  "may_send": actor.may(P.WRITE_TICKETS)})  # fmt: skip
    response.status_code = status
    return response


@router.get("/surveys")
def survey_list(
    request: Request, actor: Annotated[Actor, Depends(needs(P.READ_TICKETS))]
) -> Response:
    """Every survey sent, answered or not (tokens are never shown again)."""
    return _survey_list(request, actor)


@router.post("/surveys")
def send_nps_survey(request: Request, actor: TicketWriter, form: Form) -> Response:
    """An NPS survey link for a requester of a serving entity (eNPS for its employees)."""
    state = request.app.state
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        invitation = care.invite(uow=_uow(request), actor=actor, clock=state.clock,
                                 cache=state.register_cache, kind="nps",
                                 serving_entity=_text(form, "serving_entity") or None,
                                 requester=_text(form, "requester") or None)  # fmt: skip
    except InvalidFields as error:
        return _survey_list(request, actor, form=values, problems=error.problems, status=422)
    return _survey_list(request, actor, link=_survey_url(request, invitation.token))


def _survey_url(request: Request, token: str) -> str:
    return str(request.base_url).rstrip("/") + f"/surveys/{token}"


def _survey_page(request: Request, survey: dict[str, Any], *, action: str, actor: Actor | None,
                 problems: list[FieldProblem] | None = None, status: int = 200) -> Response:  # fmt: skip
    low, high = (1, 5) if survey["kind"] == "csat" else (0, 10)
    return render(request, "survey.html",
                  {"survey": survey, "scores": list(range(low, high + 1)), "action": action,
                   "problems": problems or []}, actor=actor, status=status)  # fmt: skip


def _survey_closed(request: Request, error: InhouseError, actor: Actor | None) -> Response:
    status = 404 if isinstance(error, NotFound) else 403 if isinstance(error, NotAllowed) else 410
    return render(request, "survey.html", {"closed": str(error)}, actor=actor, status=status)


def _score(form: FormData) -> tuple[int, list[FieldProblem]]:
    try:
        return int(_text(form, "score")), []
    except ValueError:
        return 0, [FieldProblem("score", "choose a score")]


@router.get("/surveys/{token}")
def survey_form(request: Request, token: str) -> Response:
    """The form behind a survey link; showing it uses nothing up (mail scanners follow
    links)."""
    actor = page_actor(request)
    try:
        survey = care.survey_for(uow=_uow(request), clock=request.app.state.clock, token=token)
    except InhouseError as error:
        return _survey_closed(request, error, actor)
    return _survey_page(request, survey, action=f"/surveys/{quote(token, safe='')}", actor=actor)


def _answer(
    request: Request,
    form: FormData,
    actor: Actor | None,
    *,
    action: str,
    record: Callable[[int, str | None], object],
    survey: Callable[[], dict[str, Any]],
    closed: type[InhouseError],
) -> Response | None:
    """Record a survey form's answer: ``None`` when recorded, else the form again with
    its problems, or the page saying the survey is closed."""
    score, problems = _score(form)
    try:
        if problems:
            raise InvalidFields(problems)
        record(score, _text(form, "comment") or None)
    except InvalidFields as error:
        return _survey_page(request, survey(), action=action, actor=actor,
                            problems=error.problems, status=422)  # fmt: skip
    except closed as error:
        return _survey_closed(request, error, actor)
    return None


@router.post("/surveys/{token}")
def survey_answer(request: Request, token: str, form: Form) -> Response:
    """The link's answer, once. Signed in as someone other than the requester (an agent
    clicking the link) is refused: ratings come from requesters."""
    actor = page_actor(request)
    clock = request.app.state.clock
    failed = _answer(
        request, form, actor, action=f"/surveys/{quote(token, safe='')}",
        record=lambda score, comment: care.answer_survey(
            uow=_uow(request), clock=clock, token=token, score=score, comment=comment,
            actor=actor),
        survey=lambda: care.survey_for(uow=_uow(request), clock=clock, token=token),
        closed=InhouseError,
    )  # fmt: skip
    return failed or render(request, "survey.html", {"thanks": True}, actor=actor)


@router.get("/me/surveys/{survey_id}")
def own_survey_form(request: Request, survey_id: int, actor: SurveyTaker) -> Response:
    try:
        survey = care.own_survey(uow=_uow(request), actor=actor, clock=request.app.state.clock,
                                 survey=survey_id)  # fmt: skip
    except care.SurveyClosed as error:
        return _survey_closed(request, error, actor)
    return _survey_page(request, survey, action=f"/me/surveys/{survey_id}", actor=actor)


@router.post("/me/surveys/{survey_id}")
def own_survey_answer(request: Request, survey_id: int, actor: SurveyTaker, form: Form) -> Response:
    """An employee answers a survey of theirs from their page (no link needed)."""
    clock = request.app.state.clock
    failed = _answer(
        request, form, actor, action=f"/me/surveys/{survey_id}",
        record=lambda score, comment: care.answer_own_survey(
            uow=_uow(request), actor=actor, clock=clock, survey=survey_id, score=score,
            comment=comment),
        survey=lambda: care.own_survey(uow=_uow(request), actor=actor, clock=clock,
                                       survey=survey_id),
        closed=care.SurveyClosed,
    )  # fmt: skip
    return failed or redirect("/me#me-surveys")


# --------------------------------------------------------------------------- parity


def _tolerance(value: str | None, default: Decimal, name: str,
               problems: list[FieldProblem]) -> Decimal:  # fmt: skip
    if not value:
        return default
    try:
        return Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        problems.append(FieldProblem(name, f'"{value}" is not a number'))
        return default


@router.get("/parity")
def parity_page(request: Request, actor: ParityReader) -> Response:
    """Internal against external customers in a period: times, SLA attainment, CSAT, NPS,
    and alerts where internal customers fare worse beyond the tolerances."""
    params = request.query_params
    state = request.app.state
    on: date = today(state.clock)
    period = (params.get("period") or "").strip() or str(on.year)
    entity = (params.get("entity") or "").strip() or None
    group = (params.get("group") or "").strip() or None
    problems: list[FieldProblem] = []
    defaults = Tolerances()
    limits = Tolerances(
        _tolerance(params.get("attainment_pct"), defaults.attainment_pct, "attainment_pct",
                   problems),
        _tolerance(params.get("median_pct"), defaults.median_pct, "median_pct", problems),
        _tolerance(params.get("csat_points"), defaults.csat_points, "csat_points", problems),
        defaults.min_tickets,
    )  # fmt: skip
    report = None
    if not problems:
        try:
            report = care.parity(uow=_uow(request), actor=actor, clock=state.clock,
                                 cache=state.register_cache, period=period, entity=entity,
                                 group=group, tolerances=limits)  # fmt: skip
        except InvalidFields as error:
            problems = error.problems
    form = {"period": period, "entity": entity or "", "group": group or "", "attainment_pct": str(limits.attainment_pct),
            "median_pct": str(limits.median_pct), "csat_points": str(limits.csat_points)}  # fmt: skip
    return render(request, "parity.html",
                  {"report": report, "problems": problems, "form": form, "segments": SEGMENTS,
                   "relations": RELATIONS,
                   "metrics": METRICS}, actor=actor,
                  status=422 if problems else 200)  # fmt: skip
