"""Group structure as of a date (a tree, and what changed between two dates), the classify
tool, legal entities, org units and stakes."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from inhouse.db.uow import UnitOfWork
from inhouse.errors import InhouseError, UnknownParty
from inhouse.groups import services as groups
from inhouse.identity.domain import Actor, Permission
from inhouse.insights import services as insights
from inhouse.web.pages.core import N_, day_param, needs, render
from inhouse.web.pages.lists import Column, list_page

router = APIRouter()
P = Permission
StructureReader = Annotated[Actor, Depends(needs(P.READ_GROUP_STRUCTURE))]
Classifier = Annotated[Actor, Depends(needs(P.CLASSIFY))]

RELATIONS = {
    "same_entity": N_("same entity"),
    "intercompany": N_("intercompany"),
    "employee": N_("employee"),
    "group_employee": N_("employee of a group company"),
    "related_party": N_("related party"),
    "external": N_("external"),
}
CONTROL = {"yes": N_("by agreement"), "no": N_("votes never count"), "": N_("from the votes")}
CHANGE_KINDS = {
    "group": N_("group (ultimate parent)"),
    "controller": N_("controlled by"),
    "effective_pct": N_("effective interest (%)"),
    "uncertain": N_("control uncertain"),
}


def _register(request: Request) -> Any:
    state = request.app.state
    return state.register_cache.current(UnitOfWork(state.engine), state.data_version.current())


@router.get("/structure")
def structure(
    request: Request,
    actor: StructureReader,
    on: str | None = None,
    compare: str | None = None,
    entity: str | None = None,
) -> Response:
    day, problem = day_param(request, on)
    earlier, compare_problem = day_param(request, compare) if compare else (None, None)
    register = _register(request)
    chosen = (entity or "").strip() or None
    try:
        tree = insights.structure_tree(register=register, actor=actor, on=day, entity=chosen)
    except UnknownParty as error:
        problem = str(error)
        tree = insights.structure_tree(register=register, actor=actor, on=day)
    changes = None
    if earlier is not None and compare_problem is None:
        changes = insights.structure_changes(register=register, actor=actor, before=earlier,
                                             after=day)  # fmt: skip
    return render(
        request,
        "structure.html",
        {"tree": tree, "on": day, "on_text": on or day.isoformat(), "compare_text": compare or "",
         "entity": chosen or "", "entities": sorted(register.entities)[:1000],
         "problem": problem or compare_problem, "changes": changes, "change_kinds": CHANGE_KINDS},
        actor=actor,
    )  # fmt: skip


@router.get("/classify")
async def classify(
    request: Request,
    actor: Classifier,
    seller: str | None = None,
    buyer: str | None = None,
    on: str | None = None,
) -> Response:
    """The classify tool: a GET form (nothing is written), so it needs no CSRF token."""
    state = request.app.state
    answer = None
    error = None
    day, problem = day_param(request, on)
    asked = bool(seller or buyer or on)
    if asked:
        if problem:
            error = problem
        elif not (seller and buyer):
            error = N_("Give a seller and a buyer.")
        else:
            question = groups.SaleQuestion(seller.strip(), buyer.strip(), day)
            try:
                answers = await run_in_threadpool(
                    groups.classify_stored,
                    uow=UnitOfWork(state.engine),
                    cache=state.register_cache,
                    questions=[question],
                    version=state.data_version.current(),
                )
                answer = answers[0]
            except InhouseError as failure:
                error = str(failure)
    entities = sorted(_register(request).entities.values(), key=lambda e: e.id)
    return render(
        request,
        "classify.html",
        {"seller": seller or "", "buyer": buyer or "", "on": on or day.isoformat(),
         "answer": answer, "error": error, "relations": RELATIONS,
         "entities": entities[:1000]},
        actor=actor,
        status=422 if error else 200,
    )  # fmt: skip


def _group_link(row: dict[str, Any]) -> str:
    return f"/structure?entity={quote(str(row['id']), safe='')}"


@router.get("/entities")
def entities(request: Request, actor: StructureReader) -> Response:
    columns = [
        Column("id", N_("Id"), _group_link),
        Column("name", N_("Name"), _group_link),
        Column("country", N_("Country")),
        Column("currency", N_("Currency")),
        Column("line_of_business", N_("Line of business")),
        Column("lei", N_("LEI")),
        Column("vat_id", N_("VAT ID")),
    ]
    return list_page(request, actor, name="entities", title=N_("Legal entities"), columns=columns)


@router.get("/stakes")
def stakes(request: Request, actor: StructureReader) -> Response:
    columns = [
        Column("holder", N_("Holder")),
        Column("entity", N_("Entity")),
        Column("voting", N_("Votes (%)")),
        Column("equity", N_("Equity (%)")),
        Column("control", N_("Control"), values=CONTROL),
        Column("valid_from", N_("Valid from")),
        Column("valid_to", N_("Valid to")),
    ]
    return list_page(request, actor, name="stakes", title=N_("Stakes"), columns=columns)


@router.get("/units")
def units(request: Request, actor: StructureReader) -> Response:
    columns = [
        Column("id", N_("Id")),
        Column("entity", N_("Entity")),
        Column("name", N_("Name")),
        Column("parent", N_("Parent unit")),
        Column("cost_centre", N_("Cost centre")),
    ]
    return list_page(request, actor, name="units", title=N_("Org units"), columns=columns)
