"""People and their employments; an employee sees only themselves."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from inhouse.benefits import services as benefits
from inhouse.care import services as care
from inhouse.clock import today
from inhouse.db.uow import UnitOfWork
from inhouse.groups import services as groups
from inhouse.identity.domain import Actor, Permission
from inhouse.identity.services import NotFound
from inhouse.incentives import services as incentives
from inhouse.insights import services as insights
from inhouse.orders import services as orders
from inhouse.web.pages.care import STATUSES
from inhouse.web.pages.core import N_, needs, render
from inhouse.web.pages.incentives import ENTRY_KINDS
from inhouse.web.pages.lists import Column, list_page

router = APIRouter()
P = Permission
PeopleReader = Annotated[Actor, Depends(needs(P.READ_PEOPLE, P.READ_OWN_PERSON))]


def _person_link(row: dict[str, Any]) -> str:
    return f"/people/{quote(str(row['id']), safe='')}"


def _employment_person_link(row: dict[str, Any]) -> str:
    return f"/people/{quote(str(row['person']), safe='')}"


EMPLOYMENT_KINDS = {"employee": N_("employee"), "retiree": N_("retiree")}
EMPLOYMENT_COLUMNS = [
    Column("person", N_("Person"), _employment_person_link),
    Column("entity", N_("Entity")),
    Column("unit", N_("Org unit")),
    Column("kind", N_("Kind"), values=EMPLOYMENT_KINDS),
    Column("valid_from", N_("Valid from")),
    Column("valid_to", N_("Valid to")),
]


@router.get("/people")
def people(request: Request, actor: PeopleReader) -> Response:
    columns = [
        Column("id", N_("Id"), _person_link),
        Column("name", N_("Name"), _person_link),
        Column("email", N_("Email")),
        Column("employee_no", N_("Employee number")),
    ]
    return list_page(request, actor, name="persons", title=N_("People"), columns=columns)


@router.get("/employments")
def employments(request: Request, actor: PeopleReader) -> Response:
    return list_page(request, actor, name="employments", title=N_("Employments"),
                     columns=EMPLOYMENT_COLUMNS)  # fmt: skip


@router.get("/people/{person}")
def person(request: Request, person: str, actor: PeopleReader) -> Response:
    engine = request.app.state.engine
    try:
        record = groups.get_person(uow=UnitOfWork(engine), actor=actor, person=person)
    except NotFound:
        raise HTTPException(404, f"no person {person}") from None
    return list_page(
        request,
        actor,
        name="employments",
        title=N_("Employments"),
        columns=EMPLOYMENT_COLUMNS,
        where={"person": person},
        context={"person": record},
        template="person.html",
    )


def own_person(request: Request, actor: Actor) -> dict[str, Any] | None:
    if actor.person is None:
        return None
    return groups.get_person(uow=UnitOfWork(request.app.state.engine), actor=actor,
                             person=actor.person)  # fmt: skip


@router.get("/me")
def me(request: Request, actor: Annotated[Actor, Depends(needs())]) -> Response:
    """The signed-in user's own page: their person, employments, purchases, discount
    allowance and caps left this year, points, tickets and the surveys waiting for them."""
    record = own_person(request, actor)
    engine = request.app.state.engine
    values: dict[str, Any] = {"person": record, "kinds": EMPLOYMENT_KINDS, "jobs": None}
    if record is not None:
        person = record["id"]
        year = today(request.app.state.clock).year
        values["year"] = year
        values["jobs"] = insights.browse(uow=UnitOfWork(engine), actor=actor, name="employments",
                                         query=insights.ListQuery(limit=200),
                                         where={"person": person})  # fmt: skip
        if actor.may(P.READ_ORDERS) or actor.may(P.READ_OWN_ORDERS):
            # this year's purchases (the year of the allowance and caps), newest first
            this_year = orders.list_orders(uow=UnitOfWork(engine), actor=actor, buyer=person,
                                           since=date(year, 1, 1), limit=200).items  # fmt: skip
            values["purchases"] = sorted(this_year, key=lambda o: (o["on"], o["id"]),
                                         reverse=True)  # fmt: skip
            values["caps"] = insights.caps_left(uow=UnitOfWork(engine), actor=actor,
                                                person=person, year=year)  # fmt: skip
        if actor.may(P.READ_BENEFITS) or actor.may(P.READ_OWN_BENEFITS):
            answer = benefits.benefit_statements_for(uow=UnitOfWork(engine),
                                                     cache=request.app.state.register_cache,
                                                     actor=actor, year=year, person=person)  # fmt: skip
            # the yearly allowances (DE § 8 (3)), not the monthly Freigrenze of § 8 (2)
            values["allowances"] = [s for s in answer.statements if s.allowance is not None
                                    and (s.period.end - s.period.start).days > 31]  # fmt: skip
        if actor.may_see_points_of(person):
            values["points"] = incentives.points_of(uow=UnitOfWork(engine), actor=actor,
                                                    person=person, limit=50)  # fmt: skip
            values["entry_kinds"] = ENTRY_KINDS
        if actor.may(P.OWN_TICKETS):
            values["tickets"] = insights.browse(uow=UnitOfWork(engine), actor=actor, name="tickets",
                                                query=insights.ListQuery(limit=20),
                                                where={"requester": person})  # fmt: skip
            values["surveys"] = care.surveys_waiting(uow=UnitOfWork(engine), actor=actor,
                                                     clock=request.app.state.clock)  # fmt: skip
            values["statuses"] = STATUSES
    return render(request, "me.html", values, actor=actor)
