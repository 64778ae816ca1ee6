"""People and their employments; an employee sees only themselves."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from inhouse.db.uow import UnitOfWork
from inhouse.groups import services as groups
from inhouse.identity.domain import Actor, Permission
from inhouse.identity.services import NotFound
from inhouse.insights import services as insights
from inhouse.web.pages.core import N_, needs, render
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
    """The signed-in user's own page: their person, employments and (to come) purchases,
    allowance, points and tickets."""
    record = own_person(request, actor)
    jobs = None
    if record is not None:
        jobs = insights.browse(uow=UnitOfWork(request.app.state.engine), actor=actor,
                               name="employments", query=insights.ListQuery(limit=200),
                               where={"person": record["id"]})  # fmt: skip
    return render(request, "me.html", {"person": record, "jobs": jobs, "kinds": EMPLOYMENT_KINDS},
                  actor=actor)  # fmt: skip
