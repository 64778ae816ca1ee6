"""HTTP routes of the groups context."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from inhouse.db.uow import UnitOfWork
from inhouse.groups import services
from inhouse.groups.schemas import (
    ClassificationBatch,
    ClassificationRead,
    ClassificationRequest,
    GroupPositionRead,
)
from inhouse.identity.domain import Actor, Permission
from inhouse.web.auth import requires
from inhouse.web.problems import PROBLEM_RESPONSES

router = APIRouter(responses=PROBLEM_RESPONSES)


@router.post(
    "/classifications",
    response_model=ClassificationRead | ClassificationBatch,
    tags=["classification"],
)
def classify(
    request: Request,
    body: ClassificationRequest,
    _actor: Annotated[Actor, Depends(requires(Permission.CLASSIFY))],
) -> ClassificationRead | ClassificationBatch:
    """Who is the buyer to the seller on that date, and why. One pair, or a batch in ``items``.

    Nothing is stored, so retries are safe without an Idempotency-Key.
    """
    state = request.app.state
    questions = [services.SaleQuestion(q.seller, q.buyer, q.on) for q in body.questions()]
    answers = services.classify_stored(
        uow=UnitOfWork(state.engine), cache=state.register_cache, questions=questions
    )
    if body.items is None:
        return ClassificationRead.of(answers[0])
    return ClassificationBatch(items=[ClassificationRead.of(a) for a in answers])


@router.get(
    "/entities/{entity_id}/structure",
    response_model=list[GroupPositionRead],
    tags=["groups"],
)
def structure(
    request: Request,
    entity_id: str,
    on: Annotated[date, Query(description="The date of the structure")],
    _actor: Annotated[Actor, Depends(requires(Permission.READ_GROUP_STRUCTURE))],
) -> list[GroupPositionRead]:
    """The group that ``entity_id`` belongs to on ``on``: every member with its evidence."""
    state = request.app.state
    positions = services.structure_stored(
        uow=UnitOfWork(state.engine), cache=state.register_cache, on=on, entity=entity_id
    )
    return [GroupPositionRead.of(p) for p in positions]
