"""Wire shapes of the care context: calendars, SLA policies, tickets, surveys, parity."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from inhouse.care.domain import Alert, Clock, Segment
from inhouse.care.services import Invitation, ParityReport, TicketView
from inhouse.schema_types import Day, Instant
from inhouse.wire import PlainDecimal, PlainJson


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- calendars

_HOURS = (
    'Working hours per weekday, several ranges a day: {"mon-fri": [["09:00", "12:00"], '
    '["13:00", "17:00"]], "sat": [["10:00", "14:00"]]}; days not named have none'
)


class CalendarUpdate(_In):
    name: str = Field(min_length=1, max_length=300)
    tz: str = Field(min_length=1, max_length=64, description="IANA time zone, e.g. Europe/Berlin")
    hours: dict[str, list[list[str]]] = Field(description=_HOURS)
    holidays: list[Day] = Field(default_factory=list, description="Days without working hours")


class CalendarCreate(CalendarUpdate):
    id: str = Field(min_length=1, max_length=64)


class CalendarRead(BaseModel):
    id: str
    name: str
    tz: str
    hours: dict[str, list[list[str]]]
    holidays: list[date]
    tickets_recomputed: int | None = None


# --------------------------------------------------------------------------- policies


class PolicyUpdate(_In):
    name: str = Field(min_length=1, max_length=300)
    position: int = Field(ge=0, le=1_000_000, description="Policies are tried by position")
    calendar: str = Field(min_length=1, max_length=64)
    segments: list[str] = Field(
        default_factory=list,
        description="internal, external or relations (same_entity, intercompany, employee, "
        "group_employee, related_party, external); empty: any",
    )
    priorities: list[str] = Field(default_factory=list, description="Empty: any priority")
    first_response: int = Field(description="Target in business minutes")
    resolution: int = Field(description="Target in business minutes")
    next_response: int | None = Field(default=None, description="Target in business minutes")
    paused_statuses: list[str] | None = Field(
        default=None,
        description="Statuses that pause the resolution clock; default pending_customer, "
        "pending_reminder, resolved, closed",
    )


class PolicyCreate(PolicyUpdate):
    id: str = Field(min_length=1, max_length=64)


class PolicyRead(BaseModel):
    id: str
    name: str
    position: int
    calendar: str
    segments: list[str]
    priorities: list[str]
    first_response: int
    resolution: int
    next_response: int | None
    paused_statuses: list[str]
    tickets_recomputed: int | None = None


# --------------------------------------------------------------------------- tickets


class TicketCreate(_In):
    id: str = Field(min_length=1, max_length=64)
    requester: str = Field(
        min_length=1,
        max_length=200,
        description="A person id, an entity or org unit id, or a free customer account",
    )
    serving_entity: str = Field(min_length=1, max_length=64, description="The legal entity serving")
    subject: str = Field(min_length=1, max_length=500)
    channel: str = Field(default="email", description="email, phone, web, chat, in_person")
    priority: str = Field(default="normal", description="low, normal, high, urgent")
    body: str | None = Field(default=None, description="The requester's first message")
    created_at: Instant | None = Field(
        default=None, description="When it came in (with a UTC offset); default now"
    )
    policy: str | None = Field(default=None, description="Pin an SLA policy; default: by rules")


class ArticleCreate(_In):
    body: str = Field(min_length=1, max_length=100_000)
    public: bool = Field(
        default=True, description="False: an internal note the requester never sees"
    )
    author: str | None = Field(default=None, description="agent (default) or requester")
    at: Instant | None = Field(default=None, description="Default now")


class StatusChange(_In):
    status: str = Field(description="open, pending_customer, pending_reminder, resolved, closed")
    at: Instant | None = Field(default=None, description="Default now")


class PolicyPin(_In):
    policy: str | None = Field(description="An SLA policy id; null: choose by the rules again")


class EventRead(BaseModel):
    id: int
    at: datetime
    kind: str
    status: str | None
    author: str | None
    public: bool | None
    body: str | None
    written_by: str | None


class ClockRead(BaseModel):
    name: str
    target: int
    started: datetime
    stopped: datetime | None
    elapsed: int | None = Field(description="Business minutes counted")
    due: datetime | None = Field(description="null while the clock is paused")
    breached: bool | None
    breached_by: int | None
    overdue: bool = Field(description="Running and past its due time now")
    explanation: list[str] = Field(description="The counted and paused business spans")

    @classmethod
    def of(cls, clock: Clock, overdue: bool) -> ClockRead:
        return cls(name=clock.name, target=clock.target, started=clock.started,
                   stopped=clock.stopped, elapsed=clock.elapsed, due=clock.due,
                   breached=clock.breached, breached_by=clock.breached_by, overdue=overdue,
                   explanation=clock.explain())  # fmt: skip


class TicketSummary(BaseModel):
    id: str
    created_at: datetime
    requester_kind: str
    requester: str
    serving_entity: str
    relation: str
    internal: bool
    channel: str
    priority: str
    subject: str
    status: str
    policy: str | None
    first_response_minutes: int | None
    first_response_due: datetime | None
    resolution_minutes: int | None
    resolution_due: datetime | None
    breached: bool | None = Field(description="null: no policy or clocks still running")


class SurveyRead(BaseModel):
    id: int
    kind: str
    ticket: str | None
    serving_entity: str
    requester: str
    relation: str
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    score: int | None
    comment: str | None


class TicketRead(TicketSummary):
    relation_evidence: list[str]
    policy_evidence: list[str]
    events: list[EventRead]
    sla: list[ClockRead]
    surveys: list[SurveyRead]

    @classmethod
    def of(cls, view: TicketView) -> TicketRead:
        clocks = [] if view.sla is None else view.sla.clocks()
        return cls.model_validate({
            **view.ticket,
            "events": [EventRead.model_validate(e) for e in view.events],
            "sla": [ClockRead.of(c, view.overdue.get(c.name, False)) for c in clocks],
            "surveys": [SurveyRead.model_validate(s) for s in view.surveys],
        })  # fmt: skip


class TicketPage(BaseModel):
    items: list[TicketSummary]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null: last")


# --------------------------------------------------------------------------- surveys


class SurveyCreate(_In):
    kind: str = Field(description="csat (after resolution, 1–5) or nps (0–10)")
    ticket: str | None = None
    serving_entity: str | None = Field(default=None, description="NPS without a ticket")
    requester: str | None = Field(default=None, description="NPS without a ticket")
    days: int = Field(default=14, description="How long the link works")


class InvitationRead(BaseModel):
    survey: SurveyRead
    token: str = Field(description="Shown once; only its hash is stored")
    link: str = Field(description="The form to send to the requester")

    @classmethod
    def of(cls, invitation: Invitation) -> InvitationRead:
        return cls(survey=SurveyRead.model_validate(invitation.survey), token=invitation.token,
                   link=f"/surveys/{invitation.token}")  # fmt: skip


# --------------------------------------------------------------------------- parity


class SegmentRead(BaseModel):
    name: str
    tickets: int
    first_response_median: int | None
    first_response_p90: int | None
    resolution_median: int | None
    resolution_p90: int | None
    sla_decided: int
    sla_met: int
    attainment_pct: PlainDecimal | None
    csat_mean: PlainDecimal | None
    csat_count: int
    nps: PlainDecimal | None
    nps_count: int

    @classmethod
    def of(cls, segment: Segment) -> SegmentRead:
        return cls.model_validate(segment, from_attributes=True)


class AlertRead(BaseModel):
    metric: str
    internal: PlainDecimal
    external: PlainDecimal
    tolerance: str
    message: str
    ticket_count: int
    tickets: list[str] = Field(description="The internal tickets behind the gap (first 100)")

    @classmethod
    def of(cls, alert: Alert) -> AlertRead:
        return cls(metric=alert.metric, internal=Decimal(alert.internal),
                   external=Decimal(alert.external), tolerance=alert.tolerance,
                   message=alert.message, ticket_count=len(alert.tickets),
                   tickets=list(alert.tickets[:100]))  # fmt: skip


class ParityRead(BaseModel):
    period: str
    start: date
    end: date = Field(description="First day after the period")
    scope: str
    serving: list[str]
    segments: list[SegmentRead]
    alerts: list[AlertRead]
    notes: list[str]
    tolerances: dict[str, PlainJson]
    method: str

    @classmethod
    def of(cls, report: ParityReport) -> ParityRead:
        limits = report.tolerances
        return cls(period=report.period, start=report.start, end=report.end, scope=report.scope,
                   serving=report.serving,
                   segments=[SegmentRead.of(s) for s in report.segments],
                   alerts=[AlertRead.of(a) for a in report.alerts], notes=report.notes,
                   tolerances={"attainment_pct": limits.attainment_pct,
                               "median_pct": limits.median_pct,
                               "csat_points": limits.csat_points,
                               "min_tickets": limits.min_tickets},
                   method=report.method)  # fmt: skip
