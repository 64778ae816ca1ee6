"""HTTP routes of the groups context."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from inhouse.db.uow import UnitOfWork
from inhouse.groups import services
from inhouse.groups.schemas import (
    ClassificationBatch,
    ClassificationRead,
    ClassificationRequest,
    EmploymentCreate,
    EmploymentPage,
    EmploymentRead,
    EmploymentUpdate,
    EndRequest,
    EntityCreate,
    EntityEnding,
    EntityPage,
    EntityRead,
    EntityUpdate,
    GroupPositionRead,
    PersonCreate,
    PersonEnding,
    PersonPage,
    PersonRead,
    PersonUpdate,
    StakeCreate,
    StakePage,
    StakeRead,
    StakeUpdate,
    UnitCreate,
    UnitEnding,
    UnitPage,
    UnitRead,
    UnitUpdate,
)
from inhouse.identity.domain import Actor, Permission
from inhouse.schema_types import Day
from inhouse.web.auth import CurrentActor, requires
from inhouse.web.problems import PROBLEM_RESPONSES
from inhouse.web.requests import IdempotencyKey, once, uow_for

router = APIRouter(responses=PROBLEM_RESPONSES)


@router.post(
    "/classifications",
    response_model=ClassificationRead | ClassificationBatch,
    tags=["classification"],
)
async def classify(
    request: Request,
    body: ClassificationRequest,
    _actor: Annotated[Actor, Depends(requires(Permission.CLASSIFY))],
) -> ClassificationRead | ClassificationBatch:
    """Who is the buyer to the seller on that date, and why. One pair, or a batch in ``items``.

    Nothing is stored, so retries are safe without an Idempotency-Key.
    """
    state = request.app.state
    questions = [services.SaleQuestion(q.seller, q.buyer, q.on) for q in body.questions()]
    version = state.data_version.current()

    def answer() -> ClassificationRead | ClassificationBatch:
        answers = services.classify_stored(
            uow=UnitOfWork(state.engine),
            cache=state.register_cache,
            questions=questions,
            version=version,
        )
        if body.items is None:
            return ClassificationRead.of(answers[0])
        return ClassificationBatch(items=[ClassificationRead.of(a) for a in answers])

    # Answers from the derived timeline are lookups: give them on the event loop.
    # Loading the register and sweeping its changes takes longer: a worker thread.
    small = len(questions) <= 100
    if small and state.register_cache.ready(version):
        return answer()
    return await run_in_threadpool(answer)


@router.get(
    "/entities/{entity_id}/structure",
    response_model=list[GroupPositionRead],
    tags=["groups"],
)
def structure(
    request: Request,
    entity_id: str,
    on: Annotated[Day, Query(description="The date of the structure")],
    _actor: Annotated[Actor, Depends(requires(Permission.READ_GROUP_STRUCTURE))],
) -> list[GroupPositionRead]:
    """The group that ``entity_id`` belongs to on ``on``: every member with its evidence."""
    state = request.app.state
    positions = services.structure_stored(
        uow=UnitOfWork(state.engine), cache=state.register_cache, on=on, entity=entity_id
    )
    return [GroupPositionRead.of(p) for p in positions]


# =========================================================================== the records

Limit = Annotated[int, Query(ge=1, le=services.MAX_PAGE, description="Items per page")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
On = Annotated[
    str | None,
    Query(description="Only records valid on this day (YYYY-MM-DD): valid_from ≤ on < valid_to"),
]
# Stakes and employments are numbered by the database (32-bit integers on PostgreSQL).
RecordNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]
_PAGING = (
    "In key order, `limit` (default 100, at most 1000) at a time; pass `next_cursor` as "
    "`cursor` for the next page (`null` on the last)."
)
_EMPLOYEE_SELF = (
    " An `employee` sees only their own person record and employments: anyone else's "
    "answers 404, as if it did not exist."
)


# --------------------------------------------------------------------------- entities

WriteStructure = Annotated[Actor, Depends(requires(Permission.WRITE_GROUP_STRUCTURE))]
ReadStructure = Annotated[Actor, Depends(requires(Permission.READ_GROUP_STRUCTURE))]
WriteUnits = Annotated[Actor, Depends(requires(Permission.WRITE_UNITS))]
WritePeople = Annotated[Actor, Depends(requires(Permission.WRITE_PEOPLE))]


@router.post("/entities", status_code=201, response_model=EntityRead, tags=["entities"])
def create_entity(
    request: Request, body: EntityCreate, actor: WriteStructure, key: IdempotencyKey = None
) -> JSONResponse:
    """Register a legal entity. Its id must not name any entity, org unit or person (409)."""

    def run() -> EntityRead:
        row = services.register_entity(uow=uow_for(request), actor=actor,
                                       clock=request.app.state.clock, **body.model_dump())  # fmt: skip
        return EntityRead.model_validate(row)

    return once(request, actor, key, "/entities", body, run)


@router.get(
    "/entities",
    response_model=EntityPage,
    tags=["entities"],
    description="Legal entities. " + _PAGING,
)
def list_entities(
    request: Request, actor: ReadStructure, limit: Limit = 100, cursor: Cursor = None
) -> EntityPage:
    page = services.list_entities(uow=uow_for(request), actor=actor, limit=limit, cursor=cursor)
    return EntityPage(items=[EntityRead.model_validate(r) for r in page.items],
                      next_cursor=page.next_cursor)  # fmt: skip


@router.get("/entities/{entity_id}", response_model=EntityRead, tags=["entities"])
def get_entity(request: Request, entity_id: str, actor: ReadStructure) -> EntityRead:
    row = services.get_entity(uow=uow_for(request), actor=actor, entity=entity_id)
    return EntityRead.model_validate(row)


@router.patch("/entities/{entity_id}", response_model=EntityRead, tags=["entities"])
def update_entity(
    request: Request, entity_id: str, body: EntityUpdate, actor: WriteStructure
) -> EntityRead:
    """Change the fields given (`null` clears an optional one); the id never changes."""
    row = services.change_entity(uow=uow_for(request), actor=actor, clock=request.app.state.clock,
                                 entity=entity_id, changes=body.model_dump(exclude_unset=True))  # fmt: skip
    return EntityRead.model_validate(row)


@router.post("/entities/{entity_id}/end", response_model=EntityEnding, tags=["entities"])
def end_entity(
    request: Request,
    entity_id: str,
    body: EndRequest,
    actor: WriteStructure,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """End a legal entity on `on` (it is sold, merged or wound up).

    An entity has no validity of its own in the dataset format, so ending it ends what
    makes it count: every stake it holds or that is held in it, and every employment at
    it, that is still valid on `on` gets `valid_to = on`. Records already over are left
    alone. The entity record stays (its id is never reused) and is returned unchanged,
    with the stakes and employments ended. Refused with 409 if one of those records
    starts on or after `on`; ending employments also needs the permission to change
    people (403 otherwise). Ending again on the same day changes nothing.
    """

    def run() -> EntityEnding:
        ending = services.end_entity(uow=uow_for(request), actor=actor,
                                     clock=request.app.state.clock, entity=entity_id, on=body.on)  # fmt: skip
        return EntityEnding(
            entity=EntityRead.model_validate(ending.record),
            on=ending.on,
            stakes=[StakeRead.model_validate(r) for r in ending.stakes],
            employments=[EmploymentRead.model_validate(r) for r in ending.employments],
        )

    return once(request, actor, key, f"/entities/{entity_id}/end", body, run, 200)


# --------------------------------------------------------------------------- stakes


@router.post("/stakes", status_code=201, response_model=StakeRead, tags=["stakes"])
def create_stake(
    request: Request, body: StakeCreate, actor: WriteStructure, key: IdempotencyKey = None
) -> JSONResponse:
    """Record a stake of `holder` (an entity or a person) in `entity`.

    One stake per holder, entity and `valid_from` (409 for a second one).
    """

    def run() -> StakeRead:
        row = services.record_stake(uow=uow_for(request), actor=actor,
                                    clock=request.app.state.clock, **body.model_dump())  # fmt: skip
        return StakeRead.model_validate(row)

    return once(request, actor, key, "/stakes", body, run)


@router.get(
    "/stakes",
    response_model=StakePage,
    tags=["stakes"],
    description="Stakes, by holder and entity, valid on a day. " + _PAGING,
)
def list_stakes(
    request: Request,
    actor: ReadStructure,
    limit: Limit = 100,
    cursor: Cursor = None,
    on: On = None,
    holder: Annotated[str | None, Query(description="Only stakes of this holder")] = None,
    entity: Annotated[str | None, Query(description="Only stakes in this entity")] = None,
) -> StakePage:
    page = services.list_stakes(uow=uow_for(request), actor=actor, limit=limit, cursor=cursor,
                                on=on, holder=holder, entity=entity)  # fmt: skip
    return StakePage(items=[StakeRead.model_validate(r) for r in page.items],
                     next_cursor=page.next_cursor)  # fmt: skip


@router.get("/stakes/{stake_id}", response_model=StakeRead, tags=["stakes"])
def get_stake(request: Request, stake_id: RecordNumber, actor: ReadStructure) -> StakeRead:
    return StakeRead.model_validate(
        services.get_stake(uow=uow_for(request), actor=actor, stake=stake_id)
    )


@router.patch("/stakes/{stake_id}", response_model=StakeRead, tags=["stakes"])
def update_stake(
    request: Request, stake_id: RecordNumber, body: StakeUpdate, actor: WriteStructure
) -> StakeRead:
    """Correct shares, validity or control. Holder and entity never change: end the stake
    and record a new one. When `voting` changes without `equity`, equity follows voting
    if the two were equal."""
    row = services.change_stake(uow=uow_for(request), actor=actor, clock=request.app.state.clock,
                                stake=stake_id, changes=body.model_dump(exclude_unset=True))  # fmt: skip
    return StakeRead.model_validate(row)


@router.post("/stakes/{stake_id}/end", response_model=StakeRead, tags=["stakes"])
def end_stake(
    request: Request,
    stake_id: RecordNumber,
    body: EndRequest,
    actor: WriteStructure,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """End the stake: `valid_to = on` (valid up to the day before). `on` must be after
    `valid_from`; a stake that ended earlier answers 409; the same day again changes nothing."""

    def run() -> StakeRead:
        row = services.end_stake(uow=uow_for(request), actor=actor, clock=request.app.state.clock,
                                 stake=stake_id, on=body.on)  # fmt: skip
        return StakeRead.model_validate(row)

    return once(request, actor, key, f"/stakes/{stake_id}/end", body, run, 200)


# --------------------------------------------------------------------------- org units


@router.post("/units", status_code=201, response_model=UnitRead, tags=["units"])
def create_unit(
    request: Request, body: UnitCreate, actor: WriteUnits, key: IdempotencyKey = None
) -> JSONResponse:
    """Add an org unit of `entity`, below `parent` (an org unit of the same entity)."""

    def run() -> UnitRead:
        row = services.add_unit(uow=uow_for(request), actor=actor, clock=request.app.state.clock,
                                **body.model_dump())  # fmt: skip
        return UnitRead.model_validate(row)

    return once(request, actor, key, "/units", body, run)


@router.get(
    "/units",
    response_model=UnitPage,
    tags=["units"],
    description="Org units. " + _PAGING,
)
def list_units(
    request: Request,
    actor: ReadStructure,
    limit: Limit = 100,
    cursor: Cursor = None,
    entity: Annotated[str | None, Query(description="Only org units of this entity")] = None,
    parent: Annotated[str | None, Query(description="Only org units right below this one")] = None,
) -> UnitPage:
    page = services.list_units(uow=uow_for(request), actor=actor, limit=limit, cursor=cursor,
                               entity=entity, parent=parent)  # fmt: skip
    return UnitPage(items=[UnitRead.model_validate(r) for r in page.items],
                    next_cursor=page.next_cursor)  # fmt: skip


@router.get("/units/{unit_id}", response_model=UnitRead, tags=["units"])
def get_unit(request: Request, unit_id: str, actor: ReadStructure) -> UnitRead:
    return UnitRead.model_validate(
        services.get_unit(uow=uow_for(request), actor=actor, unit=unit_id)
    )


@router.patch("/units/{unit_id}", response_model=UnitRead, tags=["units"])
def update_unit(request: Request, unit_id: str, body: UnitUpdate, actor: WriteUnits) -> UnitRead:
    """Rename, move below another unit of the same entity (no cycles), change the cost centre.
    The id and the entity never change."""
    row = services.change_unit(uow=uow_for(request), actor=actor, clock=request.app.state.clock,
                               unit=unit_id, changes=body.model_dump(exclude_unset=True))  # fmt: skip
    return UnitRead.model_validate(row)


@router.post("/units/{unit_id}/end", response_model=UnitEnding, tags=["units"])
def end_unit(
    request: Request,
    unit_id: str,
    body: EndRequest,
    actor: WriteUnits,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Close an org unit, and the units below it, on `on`; the people stay employed.

    An org unit has no validity of its own in the dataset format, so closing it moves its
    people out: each employment in those units still valid on `on` ends on `on` and
    continues from `on` at the same entity without a unit (same person, kind and
    `valid_to`); one that starts on or after `on` loses its unit. The units stay (ids are
    never reused), with their place in the tree. Changing employments also needs the
    permission to change people (403 otherwise). Closing again changes nothing more.
    """

    def run() -> UnitEnding:
        ending = services.end_unit(uow=uow_for(request), actor=actor,
                                   clock=request.app.state.clock, unit=unit_id, on=body.on)  # fmt: skip
        return UnitEnding(
            unit=UnitRead.model_validate(ending.record),
            on=ending.on,
            employments=[EmploymentRead.model_validate(r) for r in ending.employments],
        )

    return once(request, actor, key, f"/units/{unit_id}/end", body, run, 200)


# --------------------------------------------------------------------------- persons


@router.post("/persons", status_code=201, response_model=PersonRead, tags=["persons"])
def create_person(
    request: Request, body: PersonCreate, actor: WritePeople, key: IdempotencyKey = None
) -> JSONResponse:
    """Register a natural person. The id must not name any entity, org unit or person (409)."""

    def run() -> PersonRead:
        row = services.register_person(uow=uow_for(request), actor=actor,
                                       clock=request.app.state.clock, **body.model_dump())  # fmt: skip
        return PersonRead.model_validate(row)

    return once(request, actor, key, "/persons", body, run)


@router.get(
    "/persons",
    response_model=PersonPage,
    tags=["persons"],
    description="Persons. " + _PAGING + _EMPLOYEE_SELF,
)
def list_persons(
    request: Request, actor: CurrentActor, limit: Limit = 100, cursor: Cursor = None
) -> PersonPage:
    page = services.list_persons(uow=uow_for(request), actor=actor, limit=limit, cursor=cursor)
    return PersonPage(items=[PersonRead.model_validate(r) for r in page.items],
                      next_cursor=page.next_cursor)  # fmt: skip


@router.get(
    "/persons/{person_id}",
    response_model=PersonRead,
    tags=["persons"],
    description="One person." + _EMPLOYEE_SELF,
)
def get_person(request: Request, person_id: str, actor: CurrentActor) -> PersonRead:
    row = services.get_person(uow=uow_for(request), actor=actor, person=person_id)
    return PersonRead.model_validate(row)


@router.patch("/persons/{person_id}", response_model=PersonRead, tags=["persons"])
def update_person(
    request: Request, person_id: str, body: PersonUpdate, actor: WritePeople
) -> PersonRead:
    """Change the fields given (`null` clears an optional one); the id never changes."""
    row = services.change_person(uow=uow_for(request), actor=actor, clock=request.app.state.clock,
                                 person=person_id, changes=body.model_dump(exclude_unset=True))  # fmt: skip
    return PersonRead.model_validate(row)


@router.post("/persons/{person_id}/end", response_model=PersonEnding, tags=["persons"])
def end_person(
    request: Request,
    person_id: str,
    body: EndRequest,
    actor: WritePeople,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """A person leaves on `on` (retires for good, dies, is no longer in scope).

    A person has no validity of their own in the dataset format, so this ends their
    employments and the stakes they hold that are still valid on `on` (`valid_to = on`).
    The person record stays. Refused with 409 if one of those records starts on or after
    `on`; ending stakes also needs the permission to change the group structure.
    """

    def run() -> PersonEnding:
        ending = services.end_person(uow=uow_for(request), actor=actor,
                                     clock=request.app.state.clock, person=person_id, on=body.on)  # fmt: skip
        return PersonEnding(
            person=PersonRead.model_validate(ending.record),
            on=ending.on,
            stakes=[StakeRead.model_validate(r) for r in ending.stakes],
            employments=[EmploymentRead.model_validate(r) for r in ending.employments],
        )

    return once(request, actor, key, f"/persons/{person_id}/end", body, run, 200)


# --------------------------------------------------------------------------- employments


@router.post("/employments", status_code=201, response_model=EmploymentRead, tags=["employments"])
def create_employment(
    request: Request, body: EmploymentCreate, actor: WritePeople, key: IdempotencyKey = None
) -> JSONResponse:
    """Record an employment of `person` at `entity` (`unit` must be an org unit of it).

    One employment per person, entity, unit and `valid_from` (409 for a second one).
    """

    def run() -> EmploymentRead:
        row = services.hire(uow=uow_for(request), actor=actor, clock=request.app.state.clock,
                            **body.model_dump())  # fmt: skip
        return EmploymentRead.model_validate(row)

    return once(request, actor, key, "/employments", body, run)


@router.get(
    "/employments",
    response_model=EmploymentPage,
    tags=["employments"],
    description="Employments, by person, entity and unit, valid on a day. "
    + _PAGING
    + _EMPLOYEE_SELF,
)
def list_employments(
    request: Request,
    actor: CurrentActor,
    limit: Limit = 100,
    cursor: Cursor = None,
    on: On = None,
    person: Annotated[str | None, Query(description="Only this person's employments")] = None,
    entity: Annotated[str | None, Query(description="Only employments at this entity")] = None,
    unit: Annotated[str | None, Query(description="Only employments in this org unit")] = None,
) -> EmploymentPage:
    page = services.list_employments(uow=uow_for(request), actor=actor, limit=limit,
                                     cursor=cursor, on=on, person=person, entity=entity,
                                     unit=unit)  # fmt: skip
    return EmploymentPage(items=[EmploymentRead.model_validate(r) for r in page.items],
                          next_cursor=page.next_cursor)  # fmt: skip


@router.get(
    "/employments/{employment_id}",
    response_model=EmploymentRead,
    tags=["employments"],
    description="One employment." + _EMPLOYEE_SELF,
)
def get_employment(
    request: Request, employment_id: RecordNumber, actor: CurrentActor
) -> EmploymentRead:
    row = services.get_employment(uow=uow_for(request), actor=actor, employment=employment_id)
    return EmploymentRead.model_validate(row)


@router.patch("/employments/{employment_id}", response_model=EmploymentRead, tags=["employments"])
def update_employment(
    request: Request, employment_id: RecordNumber, body: EmploymentUpdate, actor: WritePeople
) -> EmploymentRead:
    """Correct the unit, kind or validity. Person and entity never change: end the
    employment and record a new one."""
    row = services.change_employment(uow=uow_for(request), actor=actor,
                                     clock=request.app.state.clock, employment=employment_id,
                                     changes=body.model_dump(exclude_unset=True))  # fmt: skip
    return EmploymentRead.model_validate(row)


@router.post("/employments/{employment_id}/end", response_model=EmploymentRead,
             tags=["employments"])  # fmt: skip
def end_employment(
    request: Request,
    employment_id: RecordNumber,
    body: EndRequest,
    actor: WritePeople,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """End the employment: `valid_to = on` (the last day employed is the day before). `on`
    must be after `valid_from`; one that ended earlier answers 409; the same day again
    changes nothing."""

    def run() -> EmploymentRead:
        row = services.end_employment(uow=uow_for(request), actor=actor,
                                      clock=request.app.state.clock, employment=employment_id,
                                      on=body.on)  # fmt: skip
        return EmploymentRead.model_validate(row)

    return once(request, actor, key, f"/employments/{employment_id}/end", body, run, 200)
