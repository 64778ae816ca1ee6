"""HTTP routes of the benefits context: statements, the payroll export, gross profit figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse

from inhouse.benefits import services
from inhouse.benefits.schemas import BenefitsRead, GrossProfitRead, GrossProfitSet
from inhouse.identity.domain import Actor, Permission
from inhouse.web.auth import current_actor, requires
from inhouse.web.problems import PROBLEM_RESPONSES
from inhouse.web.requests import uow_for

router = APIRouter(responses=PROBLEM_RESPONSES, tags=["benefits"])

Reader = Annotated[Actor, Depends(current_actor)]
Writer = Annotated[Actor, Depends(requires(Permission.WRITE_PRICING))]
Year = Annotated[int, Query(ge=1900, le=9998, description="Statements of this year")]
Month = Annotated[
    int | None, Query(ge=1, le=12, description="The position at the end of this month")
]
Person = Annotated[str | None, Query(description="Only this person's statements")]


def _answer(request: Request, actor: Actor, year: int, month: int | None,
            person: str | None) -> services.BenefitsAnswer:  # fmt: skip
    return services.benefit_statements_for(uow=uow_for(request),
                                           cache=request.app.state.register_cache, actor=actor,
                                           year=year, month=month, person=person)  # fmt: skip


@router.get("/benefits", response_model=BenefitsRead)
def benefits(
    request: Request, actor: Reader, year: Year, month: Month = None, person: Person = None
) -> BenefitsRead:
    """Taxable benefits of staff discounts per employee, employment and period, from the
    recorded orders and returns, with every line and the words that explain each figure.
    Employees see only their own."""
    return BenefitsRead.of(_answer(request, actor, year, month, person))


@router.get(
    "/benefits/payroll.csv",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def payroll_export(
    request: Request, actor: Reader, year: Year, month: Month = None, person: Person = None
) -> PlainTextResponse:
    """The payroll export: employee number, period, wage type, amount, currency."""
    answer = _answer(request, actor, year, month, person)
    name = f"payroll-{year}" + ("" if month is None else f"-{month:02d}") + ".csv"
    return PlainTextResponse(
        services.payroll_csv(answer.payroll),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/gross-profit-percentages", response_model=list[GrossProfitRead])
def list_gross_profit(request: Request, actor: Reader) -> list[GrossProfitRead]:
    """US § 132(c): gross profit percentages per entity and year."""
    figures = services.list_gross_profit_percentages(uow=uow_for(request), actor=actor)
    return [GrossProfitRead.of(f) for f in figures]


@router.put("/gross-profit-percentages/{entity}/{year}", response_model=GrossProfitRead)
def set_gross_profit(
    request: Request, entity: str, year: int, body: GrossProfitSet, actor: Writer
) -> GrossProfitRead:
    """Set an entity's gross profit percentage of a year; it limits the next year's tax-free
    discounts on goods (Treas. Reg. § 1.132-3(c)(2))."""
    figure = services.set_gross_profit_percentage(uow=uow_for(request), actor=actor,
                                                  clock=request.app.state.clock, entity=entity,
                                                  year=year, percent=body.percent)  # fmt: skip
    return GrossProfitRead.of(figure)
