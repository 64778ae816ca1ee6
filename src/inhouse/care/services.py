"""Use cases of the care context: calendars, SLA policies, tickets, surveys, parity.

Every write checks the whole request first and names every bad field at once
(``InvalidFields``), then what collides with stored records (``Clash``), then writes,
appends to the audit log in the same transaction, and commits.

A ticket's SLA figures are computed from its whole history whenever it changes, and
for every affected ticket when a policy or a calendar changes; they are stored on the
ticket so that the parity monitor only aggregates.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from inhouse.care.domain import (
    RELATIONS,
    SEGMENTS_ANY,
    Alert,
    Author,
    Calendar,
    CareError,
    Channel,
    Policy,
    Priority,
    ReportPeriod,
    RequesterKind,
    Segment,
    SlaReport,
    Status,
    SurveyKind,
    TicketFigures,
    Tolerances,
    check_score,
    choose_policy,
    measure,
    parity_alerts,
    parse_period,
    segment_of,
)
from inhouse.care.repository import history_of
from inhouse.clock import Clock
from inhouse.dates import check_day, check_instant
from inhouse.errors import FieldProblem, InhouseError, InvalidFields, InvalidRequest
from inhouse.groups.domain import Register
from inhouse.groups.services import Clash, RegisterCache
from inhouse.identity.domain import Actor, Permission
from inhouse.identity.services import Conflict, NotAllowed, NotFound, record, require

if TYPE_CHECKING:
    from inhouse.db.uow import UnitOfWork

Row = dict[str, Any]
P = Permission
MAX_PAGE = 1000
SURVEY_DAYS = 14
"""How long a survey link works."""


def _fail(problems: list[FieldProblem], where: str = "body") -> None:
    if problems:
        raise InvalidFields(problems, where=where)


def _audit(uow: UnitOfWork, actor: Actor, clock: Clock, action: str, resource: str,
           resource_id: str, before: Any, after: Any) -> None:  # fmt: skip
    record(uow=uow, actor=actor, clock=clock, action=action, resource=resource,
           resource_id=resource_id, before=before, after=after)  # fmt: skip


def _enum(problems: list[FieldProblem], name: str, value: str, kind: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(k.value for k in kind)
        problems.append(FieldProblem(name, f'"{value}" is not one of {known}'))
        return None


def _check_id(problems: list[FieldProblem], name: str, value: str) -> None:
    if not value or "/" in value or len(value) > 64:
        problems.append(FieldProblem(name, f'"{value}" is not an id (1 to 64 characters, no "/")'))


# =========================================================================== calendars


def _calendar_row(
    problems: list[FieldProblem],
    *,
    id: str,
    name: str,
    tz: str,
    hours: Mapping[str, Sequence[Sequence[str]]],
    holidays: Sequence[date],
) -> Row:
    try:
        calendar = Calendar.of(id=id, name=name, tz=tz, hours=hours, holidays=holidays)
    except CareError as error:
        field_name = "tz" if "time zone" in str(error) else "hours"
        problems.append(FieldProblem(field_name, str(error)))
        return {}
    return {"id": id, "name": name, "tz": tz, "hours": calendar.hours_text(),
            "holidays": sorted(d.isoformat() for d in set(holidays))}  # fmt: skip


def define_calendar(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    id: str,
    name: str,
    tz: str,
    hours: Mapping[str, Sequence[Sequence[str]]],
    holidays: Sequence[date] = (),
) -> Row:
    """A business calendar: time zone, working hours per weekday, holidays."""
    require(actor, P.MANAGE_SLA)
    problems: list[FieldProblem] = []
    _check_id(problems, "id", id)
    row = _calendar_row(problems, id=id, name=name, tz=tz, hours=hours, holidays=holidays)
    _fail(problems)
    with uow:
        if uow.care.calendar(id) is not None:
            raise Clash([FieldProblem("id", f'"{id}" is already a calendar')])
        try:
            uow.care.add_calendar(row)
        except IntegrityError:
            raise Clash([FieldProblem("id", f'"{id}" is already a calendar')]) from None
        _audit(uow, actor, clock, "create", "care_calendars", id, None, row)
        uow.commit()
        return row


def change_calendar(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    calendar: str,
    name: str,
    tz: str,
    hours: Mapping[str, Sequence[Sequence[str]]],
    holidays: Sequence[date] = (),
) -> Row:
    """Replace a calendar's settings; the SLA figures of every ticket under it are recomputed."""
    require(actor, P.MANAGE_SLA)
    problems: list[FieldProblem] = []
    row = _calendar_row(problems, id=calendar, name=name, tz=tz, hours=hours, holidays=holidays)
    _fail(problems)
    with uow:
        before = uow.care.calendar(calendar)
        if before is None:
            raise NotFound(f"no calendar {calendar}")
        uow.care.replace_calendar(row)
        using = [p["id"] for p in uow.care.policies() if p["calendar"] == calendar]
        count = _recompute(uow, uow.care.ticket_ids(policies=using)) if using else 0
        _audit(uow, actor, clock, "update", "care_calendars", calendar, before,
               {**row, "tickets_recomputed": count})  # fmt: skip
        uow.commit()
        return {**row, "tickets_recomputed": count}


def list_calendars(*, uow: UnitOfWork, actor: Actor) -> list[Row]:
    require(actor, P.READ_TICKETS)
    with uow:
        return uow.care.calendars()


def get_calendar(*, uow: UnitOfWork, actor: Actor, calendar: str) -> Row:
    require(actor, P.READ_TICKETS)
    with uow:
        row = uow.care.calendar(calendar)
    if row is None:
        raise NotFound(f"no calendar {calendar}")
    return row


# =========================================================================== policies


def _policy_row(
    uow: UnitOfWork,
    problems: list[FieldProblem],
    *,
    id: str,
    name: str,
    position: int,
    calendar: str,
    first_response: int,
    resolution: int,
    next_response: int | None,
    segments: Sequence[str],
    priorities: Sequence[str],
    paused_statuses: Sequence[str] | None,
) -> Row:
    known = set(RELATIONS) | set(SEGMENTS_ANY)
    for index, segment in enumerate(segments):
        if segment not in known:
            problems.append(FieldProblem(
                f"segments.{index}",
                f'"{segment}" is not internal, external or a relation ({", ".join(RELATIONS)})',
            ))  # fmt: skip
    for index, priority in enumerate(priorities):
        _enum(problems, f"priorities.{index}", priority, Priority)
    paused = list(paused_statuses) if paused_statuses is not None else [
        "pending_customer", "pending_reminder", "resolved", "closed"]  # fmt: skip
    for index, status in enumerate(paused):
        _enum(problems, f"paused_statuses.{index}", status, Status)
    for label, value in (("first_response", first_response), ("resolution", resolution),
                         ("next_response", next_response)):  # fmt: skip
        if value is not None and not 1 <= value <= 10_000_000:
            problems.append(FieldProblem(label, f"{value} is not a number of minutes (1 or more)"))
    if uow.care.calendar(calendar) is None:
        problems.append(FieldProblem("calendar", f'"{calendar}" is not a known calendar'))
    return {"id": id, "name": name, "position": position, "calendar": calendar,
            "segments": sorted(set(segments)), "priorities": sorted(set(priorities)),
            "first_response": first_response, "resolution": resolution,
            "next_response": next_response, "paused_statuses": sorted(set(paused))}  # fmt: skip


def define_policy(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    id: str,
    name: str,
    position: int,
    calendar: str,
    first_response: int,
    resolution: int,
    next_response: int | None = None,
    segments: Sequence[str] = (),
    priorities: Sequence[str] = (),
    paused_statuses: Sequence[str] | None = None,
) -> Row:
    """An SLA policy; tickets are matched to policies again and their figures recomputed."""
    require(actor, P.MANAGE_SLA)
    problems: list[FieldProblem] = []
    _check_id(problems, "id", id)
    with uow:
        row = _policy_row(uow, problems, id=id, name=name, position=position, calendar=calendar,
                          first_response=first_response, resolution=resolution,
                          next_response=next_response, segments=segments, priorities=priorities,
                          paused_statuses=paused_statuses)  # fmt: skip
        _fail(problems)
        if uow.care.policy(id) is not None:
            raise Clash([FieldProblem("id", f'"{id}" is already an SLA policy')])
        _check_position(uow, id, position)
        try:
            uow.care.add_policy(row)
        except IntegrityError:
            raise Clash([FieldProblem("id", f'"{id}" or its position is taken')]) from None
        count = _recompute(uow, uow.care.ticket_ids())
        _audit(uow, actor, clock, "create", "sla_policies", id, None, row)
        uow.commit()
        return {**row, "tickets_recomputed": count}


def _check_position(uow: UnitOfWork, id: str, position: int) -> None:
    for other in uow.care.policies():
        if other["position"] == position and other["id"] != id:
            raise Clash([FieldProblem(
                "position", f"SLA policy {other['id']} has position {position} already"
            )])  # fmt: skip


def change_policy(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    policy: str,
    name: str,
    position: int,
    calendar: str,
    first_response: int,
    resolution: int,
    next_response: int | None = None,
    segments: Sequence[str] = (),
    priorities: Sequence[str] = (),
    paused_statuses: Sequence[str] | None = None,
) -> Row:
    """Replace a policy's settings; every ticket is matched again and its figures recomputed
    from creation."""
    require(actor, P.MANAGE_SLA)
    problems: list[FieldProblem] = []
    with uow:
        before = uow.care.policy(policy)
        if before is None:
            raise NotFound(f"no SLA policy {policy}")
        row = _policy_row(uow, problems, id=policy, name=name, position=position,
                          calendar=calendar, first_response=first_response,
                          resolution=resolution, next_response=next_response,
                          segments=segments, priorities=priorities,
                          paused_statuses=paused_statuses)  # fmt: skip
        _fail(problems)
        _check_position(uow, policy, position)
        uow.care.replace_policy(row)
        count = _recompute(uow, uow.care.ticket_ids())
        _audit(uow, actor, clock, "update", "sla_policies", policy, before, row)
        uow.commit()
        return {**row, "tickets_recomputed": count}


def list_policies(*, uow: UnitOfWork, actor: Actor) -> list[Row]:
    require(actor, P.READ_TICKETS)
    with uow:
        return uow.care.policies()


def get_policy(*, uow: UnitOfWork, actor: Actor, policy: str) -> Row:
    require(actor, P.READ_TICKETS)
    with uow:
        row = uow.care.policy(policy)
    if row is None:
        raise NotFound(f"no SLA policy {policy}")
    return row


# =========================================================================== SLA figures


@dataclass(slots=True)
class Rules:
    """The stored policies and calendars, loaded once for many tickets."""

    policies: list[Policy]
    calendars: dict[str, Calendar]

    @classmethod
    def load(cls, uow: UnitOfWork) -> Rules:
        return cls(uow.care.load_policies(), uow.care.load_calendars())


def figures_of(ticket: Mapping[str, Any], events: Iterable[Mapping[str, Any]], rules: Rules
               ) -> tuple[Row, SlaReport | None]:  # fmt: skip
    """The columns that a ticket stores about its policy and SLA clocks, and the report."""
    history = history_of(ticket["created_at"], events)
    chosen: Policy | None
    if ticket.get("policy_pinned") and ticket.get("policy"):
        chosen = next((p for p in rules.policies if p.id == ticket["policy"]), None)
        evidence: tuple[str, ...] = (f"SLA policy {ticket['policy']} was set on the ticket",)
    else:
        choice = choose_policy(rules.policies, ticket["relation"], Priority(ticket["priority"]))
        chosen, evidence = choice.policy, choice.evidence
    values: Row = {
        "status": history.status_at_end().value,
        "policy": None if chosen is None else chosen.id,
        "policy_evidence": list(evidence),
        "first_response_at": None, "first_response_minutes": None,
        "first_response_due": None, "resolved_at": None, "resolution_minutes": None,
        "resolution_due": None, "next_response_minutes": None, "breached": None,
    }  # fmt: skip
    if chosen is None:
        return values, None
    report = measure(history, chosen, rules.calendars[chosen.calendar])
    first, resolution, following = report.first_response, report.resolution, report.next_response
    assert first is not None and resolution is not None
    clocks = report.clocks()
    decided = all(c.elapsed is not None for c in clocks)
    values.update(
        first_response_at=first.stopped,
        first_response_minutes=first.elapsed,
        first_response_due=first.due,
        resolved_at=resolution.stopped,
        resolution_minutes=resolution.elapsed,
        resolution_due=resolution.due,
        next_response_minutes=None if following is None else following.elapsed,
        breached=True if report.breached else (False if decided else None),
    )
    return values, report


def _recompute(uow: UnitOfWork, tickets: Sequence[str]) -> int:
    """Match the tickets to policies again and store their figures, from creation."""
    rules = Rules.load(uow)
    done = 0
    for start in range(0, len(tickets), 2000):
        chunk = list(tickets[start : start + 2000])
        rows = uow.care.existing_tickets(chunk)
        events = uow.care.events_of(chunk)
        updates = []
        for ticket in chunk:
            values, _report = figures_of(rows[ticket], events[ticket], rules)
            updates.append({"id": ticket, **values})
        uow.care.update_tickets(updates)
        done += len(chunk)
    return done


# =========================================================================== tickets


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket with its events, SLA clocks (with explanations) and surveys."""

    ticket: Row
    events: list[Row]
    sla: SlaReport | None
    overdue: dict[str, bool]
    surveys: list[Row] = field(default_factory=list)


def _may_see(actor: Actor, ticket: Mapping[str, Any]) -> bool:
    if actor.may(P.READ_TICKETS):
        return True
    return (
        actor.may(P.OWN_TICKETS)
        and actor.person is not None
        and (ticket["requester"] == actor.person)
    )


def _requester_kind(register: Register, requester: str) -> RequesterKind:
    kind = register.kind_of(requester)
    if kind == "person":
        return RequesterKind.PERSON
    if kind in ("entity", "unit"):
        return RequesterKind.ENTITY
    return RequesterKind.ACCOUNT


def _as_utc(at: datetime, problems: list[FieldProblem], name: str) -> datetime:
    if at.tzinfo is None:
        problems.append(FieldProblem(name, f"{at.isoformat()} has no UTC offset; give one"))
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


def _new_ticket_row(
    register: Register,
    problems: list[FieldProblem],
    *,
    id: str,
    created_at: datetime,
    requester: str,
    serving_entity: str,
    subject: str,
    channel: str,
    priority: str,
    policy: str | None,
    policies: Mapping[str, Any],
) -> Row:
    """A ticket's row with its relation classified on its creation date, or problems."""
    _check_id(problems, "id", id)
    _enum(problems, "channel", channel, Channel)
    _enum(problems, "priority", priority, Priority)
    if not subject.strip():
        problems.append(FieldProblem("subject", "a subject is required"))
    elif len(subject) > 500:
        problems.append(FieldProblem("subject", f"{len(subject)} characters; at most 500"))
    if not requester.strip() or len(requester) > 200:
        problems.append(FieldProblem("requester", "a requester of 1 to 200 characters is required"))
    if policy is not None and policy not in policies:
        problems.append(FieldProblem("policy", f'"{policy}" is not a known SLA policy'))
    if serving_entity not in register.entities:
        problems.append(
            FieldProblem("serving_entity", f'"{serving_entity}" is not a known legal entity')
        )
        return {}
    relation, evidence = "external", []
    try:
        answer = register.classify(serving_entity, requester, created_at.date())
        relation, evidence = answer.relation.value, list(answer.evidence)
    except InhouseError as error:
        problems.append(FieldProblem("requester", str(error)))
    return {
        "id": id, "created_at": created_at,
        "requester_kind": _requester_kind(register, requester).value,
        "requester": requester, "serving_entity": serving_entity, "relation": relation,
        "internal": relation in RELATIONS[:4], "relation_evidence": evidence,
        "channel": channel, "priority": priority, "subject": subject, "status": "new",
        "policy": policy, "policy_pinned": policy is not None, "policy_evidence": [],
    }  # fmt: skip


def new_ticket_id(on: date) -> str:
    """An id for a ticket opened without one (on the web): the day and a random part."""
    return f"W{on:%Y%m%d}-{secrets.token_hex(3).upper()}"


def open_ticket(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    cache: RegisterCache,
    id: str,
    requester: str,
    serving_entity: str,
    subject: str,
    channel: str = "email",
    priority: str = "normal",
    body: str | None = None,
    created_at: datetime | None = None,
    policy: str | None = None,
) -> TicketView:
    """Open a ticket: its relation is classified on the creation day (with evidence), an
    SLA policy chosen, and the requester's first message stored as a public article."""
    own = not actor.may(P.WRITE_TICKETS)
    if own:
        require(actor, P.OWN_TICKETS)
        if actor.person is None or requester != actor.person:
            raise NotAllowed("an employee opens tickets only for themselves")
        if created_at is not None or policy is not None:
            raise NotAllowed("only agents set created_at or a policy")
    problems: list[FieldProblem] = []
    at = _as_utc(created_at, problems, "created_at") if created_at else clock.now().astimezone(UTC)
    register = cache.current(uow)
    with uow:
        policies = {p["id"]: p for p in uow.care.policies()}
        row = _new_ticket_row(register, problems, id=id, created_at=at, requester=requester,
                              serving_entity=serving_entity, subject=subject, channel=channel,
                              priority=priority, policy=policy, policies=policies)  # fmt: skip
        _fail(problems)
        if uow.care.ticket(id) is not None:
            raise Clash([FieldProblem("id", f'"{id}" is already a ticket')])
        try:
            uow.care.add_ticket(row)
        except IntegrityError:
            raise Clash([FieldProblem("id", f'"{id}" is already a ticket')]) from None
        if body:
            uow.care.add_event({"ticket": id, "at": at, "kind": "article", "author": "requester",
                                "public": True, "body": body,
                                "written_by": actor.username})  # fmt: skip
        view = _refresh(uow, id, clock, actor)
        _audit(uow, actor, clock, "create", "tickets", id, None, view.ticket)
        uow.commit()
        return view


def _refresh(uow: UnitOfWork, ticket: str, clock: Clock, actor: Actor) -> TicketView:
    row = uow.care.ticket(ticket)
    assert row is not None
    events = uow.care.events(ticket)
    values, report = figures_of(row, events, Rules.load(uow))
    uow.care.update_ticket(ticket, values)
    row.update(values)
    return _view(row, events, report, clock, uow.care.surveys_of(ticket), actor)


def _view(row: Row, events: list[Row], report: SlaReport | None, clock: Clock,
          surveys: list[Row], actor: Actor) -> TicketView:  # fmt: skip
    """What the actor may see of a ticket: agents everything, the requester no internal
    notes (``public`` is false only for those; status changes have none)."""
    now = clock.now()
    overdue = {}
    if report is not None:
        for item in report.clocks():
            overdue[item.name] = bool(item.stopped is None and item.due is not None
                                      and item.due <= now)  # fmt: skip
    if not actor.may(P.READ_TICKETS):
        events = [e for e in events if e["public"] is not False]
    shown = [{k: v for k, v in s.items() if k != "token_hash"} for s in surveys]
    return TicketView(row, events, report, overdue, shown)


def get_ticket(*, uow: UnitOfWork, actor: Actor, clock: Clock, ticket: str) -> TicketView:
    """A ticket with its history and SLA clocks, each explained span by span. A role that
    reads no tickets is refused whatever the id; a ticket the actor may not read (another
    requester's for an employee) is "not found", exactly like an unknown id."""
    if not (actor.may(P.READ_TICKETS) or actor.may(P.OWN_TICKETS)):
        raise NotAllowed(f"the role {actor.role.value} may not read tickets")
    with uow:
        row = uow.care.ticket(ticket)
        if row is None or not _may_see(actor, row):
            raise NotFound(f"no ticket {ticket}")
        events = uow.care.events(ticket)
        _values, report = figures_of(row, events, Rules.load(uow))
        return _view(row, events, report, clock, uow.care.surveys_of(ticket), actor)


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Row]
    next_cursor: str | None


def _cursor(key: str) -> str:
    text = json.dumps(["tickets", key], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _after(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        name, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if name == "tickets" and isinstance(key, str):
            return key
    except (ValueError, TypeError):
        pass
    raise InvalidFields([FieldProblem(
        "cursor", f'"{cursor}" is not a cursor of this list (give next_cursor of a page)'
    )], where="query")  # fmt: skip


def list_tickets(
    *,
    uow: UnitOfWork,
    actor: Actor,
    limit: int = 100,
    cursor: str | None = None,
    requester: str | None = None,
    serving_entity: str | None = None,
    status: str | None = None,
) -> Page:
    """Tickets in id order, ``limit`` at a time; employees see only their own."""
    if not actor.may(P.READ_TICKETS):
        require(actor, P.OWN_TICKETS)
        if actor.person is None:
            return Page([], None)
        if requester is not None and requester != actor.person:
            raise NotAllowed("an employee sees only their own tickets")
        requester = actor.person
    problems: list[FieldProblem] = []
    if not 1 <= limit <= MAX_PAGE:
        problems.append(FieldProblem("limit", f"{limit} is not between 1 and {MAX_PAGE}"))
    if status is not None:
        _enum(problems, "status", status, Status)
    _fail(problems, "query")
    after = _after(cursor)
    with uow:
        rows = uow.care.tickets_page(limit=limit + 1, after=after, requester=requester,
                                     serving_entity=serving_entity, status=status)  # fmt: skip
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    return Page(rows, _cursor(rows[-1]["id"]))


def _locked_ticket(uow: UnitOfWork, actor: Actor, ticket: str) -> Row:
    row = uow.care.ticket(ticket, lock=True)
    if row is None or not _may_see(actor, row):
        raise NotFound(f"no ticket {ticket}")
    return row


def add_article(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    ticket: str,
    body: str,
    public: bool = True,
    author: str | None = None,
    at: datetime | None = None,
) -> TicketView:
    """A message on a ticket: by an agent (public, or an internal note) or the requester.

    Agents may record a requester's message (``author = requester``); employees always
    write as the requester, publicly. A public agent article may stop the SLA clocks.
    """
    problems: list[FieldProblem] = []
    if actor.may(P.WRITE_TICKETS):
        kind = _enum(problems, "author", author or "agent", Author)
    else:
        require(actor, P.OWN_TICKETS)
        if author not in (None, "requester") or not public or at is not None:
            raise NotAllowed("an employee writes public messages as the requester, now")
        kind = Author.REQUESTER
    if kind is Author.REQUESTER and not public:
        problems.append(FieldProblem("public", "a requester's message is always public"))
    if not body.strip():
        problems.append(FieldProblem("body", "a message needs text"))
    when = _as_utc(at, problems, "at") if at else clock.now().astimezone(UTC)
    _fail(problems)
    with uow:
        row = _locked_ticket(uow, actor, ticket)
        _not_before(row, when, "at")
        event = uow.care.add_event({"ticket": ticket, "at": when, "kind": "article",
                                    "author": kind.value, "public": public, "body": body,
                                    "written_by": actor.username})  # fmt: skip
        view = _refresh(uow, ticket, clock, actor)
        _audit(uow, actor, clock, "create", "ticket_events", str(event["id"]), None, event)
        uow.commit()
        return view


def _not_before(row: Mapping[str, Any], when: datetime, name: str) -> None:
    if when < row["created_at"]:
        raise InvalidFields([FieldProblem(
            name, f"{when.isoformat()} is before the ticket was created "
            f"({row['created_at'].isoformat()})"
        )])  # fmt: skip


def change_status(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    ticket: str,
    status: str,
    at: datetime | None = None,
) -> TicketView:
    """Move a ticket to a status; the SLA clocks pause, resume or stop accordingly."""
    require(actor, P.WRITE_TICKETS)
    problems: list[FieldProblem] = []
    new = _enum(problems, "status", status, Status)
    when = _as_utc(at, problems, "at") if at else clock.now().astimezone(UTC)
    if new is Status.NEW:
        problems.append(FieldProblem("status", "a ticket cannot go back to new"))
    _fail(problems)
    with uow:
        row = _locked_ticket(uow, actor, ticket)
        _not_before(row, when, "at")
        if row["status"] == status:
            raise Conflict(f"ticket {ticket} is {status} already")
        event = uow.care.add_event({"ticket": ticket, "at": when, "kind": "status",
                                    "status": status, "written_by": actor.username})  # fmt: skip
        view = _refresh(uow, ticket, clock, actor)
        _audit(uow, actor, clock, "update", "tickets", ticket, {"status": row["status"]},
               {"status": status, "event": event["id"]})  # fmt: skip
        uow.commit()
        return view


def set_ticket_policy(
    *, uow: UnitOfWork, actor: Actor, clock: Clock, ticket: str, policy: str | None
) -> TicketView:
    """Pin a ticket to an SLA policy (``None``: choose by the policies' conditions again);
    its due times and figures are recomputed from creation."""
    require(actor, P.WRITE_TICKETS)
    with uow:
        row = _locked_ticket(uow, actor, ticket)
        if policy is not None and uow.care.policy(policy) is None:
            raise InvalidFields([FieldProblem("policy", f'"{policy}" is not a known SLA policy')])
        uow.care.update_ticket(ticket, {"policy": policy, "policy_pinned": policy is not None})
        view = _refresh(uow, ticket, clock, actor)
        _audit(uow, actor, clock, "update", "tickets", ticket,
               {"policy": row["policy"], "policy_pinned": row["policy_pinned"]},
               {"policy": view.ticket["policy"], "policy_pinned": policy is not None})  # fmt: skip
        uow.commit()
        return view


# =========================================================================== surveys


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Invitation:
    """A survey sent: the token is shown this once (only its hash is stored)."""

    survey: Row
    token: str


def invite(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    cache: RegisterCache,
    kind: str,
    ticket: str | None = None,
    serving_entity: str | None = None,
    requester: str | None = None,
    days: int = SURVEY_DAYS,
) -> Invitation:
    """A one-time survey link for a requester: CSAT after a resolved ticket, or NPS for a
    requester of a serving entity (eNPS for its own employees)."""
    require(actor, P.WRITE_TICKETS)
    problems: list[FieldProblem] = []
    survey_kind = _enum(problems, "kind", kind, SurveyKind)
    if not 1 <= days <= 365:
        problems.append(FieldProblem("days", f"{days} is not between 1 and 365"))
    if survey_kind is SurveyKind.CSAT and ticket is None:
        problems.append(FieldProblem("ticket", "a CSAT survey is about a ticket"))
    if (
        survey_kind is SurveyKind.NPS
        and ticket is None
        and (serving_entity is None or requester is None)
    ):
        problems.append(FieldProblem("serving_entity", "an NPS survey without a ticket needs "
                                     "serving_entity and requester"))  # fmt: skip
    _fail(problems)
    now = clock.now().astimezone(UTC)
    register = cache.current(uow) if ticket is None else None
    with uow:
        if ticket is not None:
            row = uow.care.ticket(ticket)
            if row is None:
                raise NotFound(f"no ticket {ticket}")
            if survey_kind is SurveyKind.CSAT and row["status"] not in ("resolved", "closed"):
                raise Conflict(f"ticket {ticket} is {row['status']}; CSAT follows resolution")
            for earlier in uow.care.surveys_of(ticket):
                if earlier["kind"] == kind and (
                    earlier["answered_at"] is not None or earlier["expires_at"] > now
                ):
                    raise Conflict(f"ticket {ticket} has a {kind} survey already "
                                   f"(survey {earlier['id']})")  # fmt: skip
            who, serving, relation = row["requester"], row["serving_entity"], row["relation"]
        else:
            assert register is not None and serving_entity is not None and requester is not None
            if serving_entity not in register.entities:
                raise InvalidFields([FieldProblem(
                    "serving_entity", f'"{serving_entity}" is not a known legal entity')])  # fmt: skip
            answer = register.classify(serving_entity, requester, now.date())
            who, serving, relation = requester, serving_entity, answer.relation.value
        token = secrets.token_urlsafe(24)
        survey = uow.care.add_survey({
            "kind": kind, "ticket": ticket, "serving_entity": serving, "requester": who,
            "relation": relation, "token_hash": _token_hash(token), "created_at": now,
            "expires_at": now + timedelta(days=days), "answered_at": None, "score": None,
            "comment": None,
        })  # fmt: skip
        shown = {k: v for k, v in survey.items() if k != "token_hash"}
        _audit(uow, actor, clock, "create", "surveys", str(survey["id"]), None, shown)
        uow.commit()
        return Invitation(shown, token)


class SurveyClosed(Conflict):
    """A survey link used already or expired."""


def survey_for(*, uow: UnitOfWork, clock: Clock, token: str) -> Row:
    """The survey behind a link, to show its form. Reading it changes nothing."""
    with uow:
        row = uow.care.survey_by_token(_token_hash(token))
    if row is None:
        raise NotFound("this survey link is not known")
    _usable(row, clock.now())
    return {k: v for k, v in row.items() if k != "token_hash"}


def _usable(row: Mapping[str, Any], now: datetime) -> None:
    if row["answered_at"] is not None:
        raise SurveyClosed("this survey link was used already; thank you")
    if row["expires_at"] <= now:
        raise SurveyClosed(f"this survey link expired on {row['expires_at']:%Y-%m-%d %H:%M} UTC")


def answer_survey(
    *,
    uow: UnitOfWork,
    clock: Clock,
    token: str,
    score: int,
    comment: str | None = None,
    actor: Actor | None = None,
) -> Row:
    """Record the requester's rating; the link works once. A signed-in user who is not the
    requester (an agent clicking the link) is refused: ratings come from requesters."""
    with uow:
        row = uow.care.survey_by_token(_token_hash(token), lock=True)
        if row is None:
            raise NotFound("this survey link is not known")
        if actor is not None and actor.person != row["requester"]:
            raise NotAllowed("only the requester rates; agents and others cannot")
        return _record_answer(uow, row, clock, score, comment)


def surveys_waiting(*, uow: UnitOfWork, actor: Actor, clock: Clock) -> list[Row]:
    """The surveys the signed-in requester can still answer (oldest first), so that an
    employee answers from their own page without the link."""
    require(actor, P.OWN_TICKETS)
    if actor.person is None:
        return []
    with uow:
        rows = uow.care.open_surveys_of(actor.person, clock.now())
    return [{k: v for k, v in r.items() if k != "token_hash"} for r in rows]


def _requester(actor: Actor) -> None:
    require(actor, P.OWN_TICKETS)
    if actor.person is None:
        raise NotAllowed("no person is linked to this user; requesters answer their surveys")


def own_survey(*, uow: UnitOfWork, actor: Actor, clock: Clock, survey: int) -> Row:
    """One survey of the signed-in requester, to show its form."""
    _requester(actor)
    with uow:
        row = uow.care.survey(survey)
    if row is None or row["requester"] != actor.person:
        raise NotFound(f"no survey {survey} of yours")
    _usable(row, clock.now())
    return {k: v for k, v in row.items() if k != "token_hash"}


def answer_own_survey(
    *, uow: UnitOfWork, actor: Actor, clock: Clock, survey: int, score: int,
    comment: str | None = None,
) -> Row:  # fmt: skip
    """The signed-in requester answers one of their surveys (once, like the link)."""
    _requester(actor)
    with uow:
        row = uow.care.survey(survey, lock=True)
        if row is None or row["requester"] != actor.person:
            raise NotFound(f"no survey {survey} of yours")
        return _record_answer(uow, row, clock, score, comment)


def _record_answer(uow: UnitOfWork, row: Row, clock: Clock, score: int, comment: str | None) -> Row:
    now = clock.now().astimezone(UTC)
    _usable(row, now)
    try:
        check_score(SurveyKind(row["kind"]), score)
    except CareError as error:
        raise InvalidFields([FieldProblem("score", str(error))]) from None
    if comment is not None and len(comment) > 5000:
        raise InvalidFields([FieldProblem("comment", "at most 5000 characters")])
    values = {"answered_at": now, "score": score, "comment": comment or None}
    if not uow.care.answer_survey(row["id"], values):
        raise SurveyClosed("this survey link was used already; thank you")
    uow.commit()
    return {**{k: v for k, v in row.items() if k != "token_hash"}, **values}


# =========================================================================== parity


@dataclass(frozen=True, slots=True)
class ParityReport:
    period: str
    start: date
    end: date
    serving: list[str]
    scope: str
    segments: list[Segment]
    alerts: list[Alert]
    notes: list[str]
    tolerances: Tolerances
    method: str = (
        "Business minutes of each ticket's SLA policy; percentiles by the nearest-rank method "
        "(the value at rank ⌈p·n⌉, no interpolation; median = 50th percentile); attainment = "
        "tickets with no breached clock ÷ tickets whose clocks are decided (stopped, or due "
        "and not stopped, which counts as breached); CSAT of tickets created in the period; "
        "NPS of answers given in the period."
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def parity(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    cache: RegisterCache,
    period: str,
    entity: str | None = None,
    group: str | None = None,
    tolerances: Tolerances | None = None,
) -> ParityReport:
    """Are internal customers served as well as external ones? Tickets created in the
    period (UTC days) by the serving entity (or every member of a group, or everyone)."""
    require(actor, P.READ_PARITY)
    limits = tolerances or Tolerances()
    problems: list[FieldProblem] = []
    try:
        span = _period_in_window(period)
    except ValueError as error:  # a CareError, or a day outside the date window
        problems.append(FieldProblem("period", str(error)))
    if entity is not None and group is not None:
        problems.append(FieldProblem("group", "give an entity or a group, not both"))
    if limits.min_tickets < 1:
        problems.append(FieldProblem("min_tickets", "at least 1"))
    for name, value in (("attainment_pct", limits.attainment_pct),
                        ("median_pct", limits.median_pct), ("csat_points", limits.csat_points)):  # fmt: skip
        if value < 0:
            problems.append(FieldProblem(name, f"{value} is below 0"))
    _fail(problems, "query")
    register = cache.current(uow)
    serving: list[str] | None = None
    scope = "all serving entities"
    if entity is not None:
        if entity not in register.entities:
            raise InvalidFields([FieldProblem("entity", f'"{entity}" is not a known legal entity')],
                                where="query")  # fmt: skip
        serving, scope = [entity], f"serving entity {entity}"
    elif group is not None:
        members = register.structure_on(span.end - timedelta(days=1)).members().get(group)
        if members is None:
            raise InvalidFields([FieldProblem(
                "group", f'"{group}" does not head a group on {span.end - timedelta(days=1)}'
            )], where="query")  # fmt: skip
        serving, scope = sorted(members), f"group {group} ({', '.join(sorted(members))})"
    start, end = _midnight(span.start), _midnight(span.end)
    now = clock.now()
    with uow:
        figures_rows = uow.care.figures(start=start, end=end, serving=serving, as_of=now)
        csat_rows = uow.care.csat_answers(start=start, end=end, serving=serving)
        nps_rows = uow.care.answers(kind="nps", start=start, end=end, serving=serving)
    csat: dict[str, list[int]] = {}
    for row in csat_rows:
        csat.setdefault(row["ticket"], []).append(int(row["score"]))
    rated = {ticket: tuple(scores) for ticket, scores in csat.items()}
    tickets = [
        TicketFigures(i, r, f, m, None if b is None else bool(b), rated.get(i, ()))
        for i, r, f, m, b in figures_rows
    ]
    by_relation: dict[str, list[TicketFigures]] = {relation: [] for relation in RELATIONS}
    for ticket in tickets:
        by_relation.setdefault(ticket.relation, []).append(ticket)
    nps_by: dict[str, list[int]] = {}
    for row in nps_rows:
        nps_by.setdefault(row["relation"], []).append(int(row["score"]))
    inside = [t for rel in RELATIONS[:4] for t in by_relation[rel]]
    outside = [t for rel, found in by_relation.items() if rel not in RELATIONS[:4] for t in found]
    internal_nps = [s for rel, scores in nps_by.items() if rel in RELATIONS[:4] for s in scores]
    external_nps = [s for rel, scores in nps_by.items() if rel not in RELATIONS[:4]
                    for s in scores]  # fmt: skip
    internal = segment_of("internal", inside, internal_nps)
    external = segment_of("external", outside, external_nps)
    segments = [internal, external]
    for relation in RELATIONS:
        segments.append(segment_of(relation, by_relation[relation], nps_by.get(relation, [])))
    alerts, notes = parity_alerts(inside, outside, internal, external, limits)
    return ParityReport(span.name, span.start, span.end, serving or [], scope, segments,
                        alerts, notes, limits)  # fmt: skip


def period_bounds(period: str) -> tuple[date, date]:
    try:
        span = _period_in_window(period)
    except ValueError as error:  # a CareError, or a day outside the date window
        raise InvalidRequest(str(error)) from None
    return span.start, span.end


def _period_in_window(period: str) -> ReportPeriod:
    """A report period whose days lie in the date window (``ValueError`` otherwise)."""
    span = parse_period(period)
    check_day(span.start)
    check_day(span.end - timedelta(days=1))
    return span


# =========================================================================== dataset import


@dataclass(frozen=True, slots=True)
class HistoryImport:
    """What importing ``tickets.csv`` and ``ticket_events.csv`` did (counts per file)."""

    tickets: dict[str, int]
    events: dict[str, int]


_TICKET_COMPARED = ("created_at", "requester", "serving_entity", "subject", "channel",
                    "priority")  # fmt: skip
_COLUMN_OF = {"created_at": "created"}


def _instant(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f'"{text}" is not a time (ISO 8601, e.g. 2026-03-02T08:00+01:00)'
        ) from None
    if at.tzinfo is None:
        raise ValueError(f'"{text}" has no UTC offset (e.g. 2026-03-02T08:00+01:00 or …Z)')
    return check_instant(at).astimezone(UTC)


def import_history(*, uow: UnitOfWork, path: Any, register: Register) -> HistoryImport | None:
    """Tickets and their events from a dataset folder, inside the caller's transaction.

    Checked whole before anything is written; every problem names file, row and column
    (``DatasetError``). Idempotent by natural keys: a ticket by ``id``, an event by
    ``ticket, at, kind, status, author``; a stored ticket is never changed (a row that
    differs from it is an error), stored events are kept. Tickets that gained events are
    matched to policies and measured again. ``None`` when the dataset has neither file.
    """
    from inhouse.dataset.errors import DatasetError, Problem
    from inhouse.dataset.reader import open_dataset

    with open_dataset(path) as dataset:
        if not (dataset.has("tickets") or dataset.has("ticket_events")):
            return None
        labels = {name: source.label for name, source in dataset.sources.items()}
        ticket_rows = list(dataset.read_table("tickets"))
        event_rows = list(dataset.read_table("ticket_events"))
        problems: list[Problem] = list(dataset.problems)
    policies = {p["id"] for p in uow.care.policies()}
    given: dict[str, Row] = {}
    first_row: dict[str, int] = {}
    for row in ticket_rows:
        if not row.complete:
            continue
        checks: list[FieldProblem] = []
        try:
            created = _instant(row.values["created"])
        except ValueError as error:
            problems.append(row.problem("created", str(error)))
            continue
        ticket = _new_ticket_row(
            register, checks, id=row.values["id"], created_at=created,
            requester=row.values["requester"], serving_entity=row.values["serving_entity"],
            subject=row.values["subject"], channel=row.get("channel") or "email",
            priority=row.get("priority") or "normal", policy=row.get("policy"),
            policies=dict.fromkeys(policies),
        )  # fmt: skip
        problems.extend(row.problem(_COLUMN_OF.get(c.field, c.field), c.reason) for c in checks)
        if checks:
            continue
        if ticket["id"] in given:
            problems.append(row.problem("id", f"ticket {ticket['id']} is given in row "
                                        f"{first_row[ticket['id']]} already"))  # fmt: skip
            continue
        given[ticket["id"]] = ticket
        first_row[ticket["id"]] = row.number
    stored = uow.care.existing_tickets(sorted(given | {r.values.get("ticket", ""): {}
                                                       for r in event_rows}))  # fmt: skip
    new_tickets: list[Row] = []
    unchanged = 0
    for ticket_id, ticket in given.items():
        before = stored.get(ticket_id)
        if before is None:
            new_tickets.append(ticket)
            continue
        differs = [c for c in _TICKET_COMPARED if before[c] != ticket[c]]
        if differs:
            column = differs[0]
            problems.append(Problem(labels["tickets"], first_row[ticket_id],
                                    _COLUMN_OF.get(column, column),
                                    f"the database holds ticket {ticket_id} with {column} "
                                    f"{before[column]}; an import does not change tickets"))  # fmt: skip
        else:
            unchanged += 1
    created_of = {k: v["created_at"] for k, v in stored.items()}
    created_of.update({k: v["created_at"] for k, v in given.items()})
    stored_events = uow.care.events_of(sorted(k for k in created_of if k in stored))
    known_keys = {
        (e["ticket"], e["at"], e["kind"], e["status"], e["author"])
        for events in stored_events.values() for e in events
    }  # fmt: skip
    seen: dict[tuple[Any, ...], int] = {}
    new_events: list[Row] = []
    events_unchanged = 0
    for row in event_rows:
        if not row.complete:
            continue
        event, reasons = _event_of(row.values, created_of)
        problems.extend(row.problem(column, reason) for column, reason in reasons)
        if event is None:
            continue
        key = (event["ticket"], event["at"], event["kind"], event["status"], event["author"])
        if key in seen:
            problems.append(row.problem(None, f"the same event as row {seen[key]} (ticket, at, "
                                        "kind, status and author); give it once"))  # fmt: skip
            continue
        seen[key] = row.number
        if key in known_keys:
            events_unchanged += 1
        else:
            new_events.append(event)
    if problems:
        raise DatasetError(sorted(problems, key=lambda p: (p.file != labels.get("tickets"),
                                                           p.row or 0)))  # fmt: skip
    uow.care.add_tickets(new_tickets)
    uow.care.add_events(new_events)
    touched = sorted({t["id"] for t in new_tickets} | {e["ticket"] for e in new_events})
    _recompute(uow, touched)
    total = uow.care.count_tickets()
    events_total = sum(len(v) for v in stored_events.values())
    return HistoryImport(
        tickets={"added": len(new_tickets), "unchanged": unchanged,
                 "kept": total - len(new_tickets) - unchanged},
        events={"added": len(new_events), "unchanged": events_unchanged,
                "kept": events_total - events_unchanged},
    )  # fmt: skip


def _event_of(values: Mapping[str, str], created_of: Mapping[str, datetime]
              ) -> tuple[Row | None, list[tuple[str | None, str]]]:  # fmt: skip
    reasons: list[tuple[str | None, str]] = []
    ticket = values["ticket"]
    created = created_of.get(ticket)
    if created is None:
        reasons.append(("ticket", f'"{ticket}" is not a ticket of tickets.csv or the database'))
    try:
        at: datetime | None = _instant(values["at"])
    except ValueError as error:
        reasons.append(("at", str(error)))
        at = None
    if at is not None and created is not None and at < created:
        reasons.append(("at", f"{values['at']} is before the ticket was created "
                        f"({created.isoformat()})"))  # fmt: skip
    kind = values["kind"]
    status = values.get("status")
    author = values.get("author")
    visibility = values.get("visibility", "public")
    if kind == "status":
        if status is None:
            reasons.append(("status", "a status event needs a status"))
        elif status not in {s.value for s in Status} or status == "new":
            reasons.append(("status", f'"{status}" is not open, pending_customer, '
                            "pending_reminder, resolved or closed"))  # fmt: skip
        for column in ("author", "body"):
            if values.get(column):
                reasons.append((column, "a status event has no " + column))
        author = None
    elif kind == "article":
        if author not in ("agent", "requester"):
            reasons.append(("author", f'"{author or ""}" is not agent or requester'))
        if visibility not in ("public", "internal"):
            reasons.append(("visibility", f'"{visibility}" is not public or internal'))
        elif author == "requester" and visibility == "internal":
            reasons.append(("visibility", "a requester's message is always public"))
        if status is not None:
            reasons.append(("status", "an article has no status"))
        status = None
    else:
        reasons.append(("kind", f'"{kind}" is not status or article'))
    if reasons or at is None:
        return None, reasons
    return {"ticket": ticket, "at": at, "kind": kind, "status": status, "author": author,
            "public": None if kind == "status" else visibility == "public",
            "body": values.get("body"), "written_by": "import"}, []  # fmt: skip
