"""Taxable benefits of staff discounts per employee and period, and the payroll export.
HR and administrators see everyone; an employee only their own statements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from inhouse.benefits import services as benefits
from inhouse.clock import today
from inhouse.db.uow import UnitOfWork
from inhouse.identity.domain import Actor, Permission
from inhouse.web.pages.core import needs, render
from inhouse.web.pages.lists import _xlsx as xlsx

router = APIRouter()
BenefitsReader = Annotated[
    Actor, Depends(needs(Permission.READ_BENEFITS, Permission.READ_OWN_BENEFITS))
]
Year = Annotated[int | None, Query(ge=1900, le=9998)]
Month = Annotated[int | None, Query(ge=1, le=12)]


def _answer(request: Request, actor: Actor, year: int, month: int | None,
            person: str | None) -> benefits.BenefitsAnswer:  # fmt: skip
    state = request.app.state
    return benefits.benefit_statements_for(uow=UnitOfWork(state.engine),
                                           cache=state.register_cache, actor=actor, year=year,
                                           month=month, person=person)  # fmt: skip


@router.get("/benefits")
def benefit_page(request: Request, actor: BenefitsReader, year: Year = None, month: Month = None,
                 person: str | None = None) -> Response:  # fmt: skip
    year = year or today(request.app.state.clock).year
    person = (person or "").strip() or None
    answer = _answer(request, actor, year, month, person)
    query = f"year={year}" + (f"&month={month}" if month else "") + (
        f"&person={person}" if person else "")  # fmt: skip
    return render(request, "benefits.html",
                  {"answer": answer, "year": year, "month": month, "person": person or "",
                   "payroll_url": f"/benefits/payroll.csv?{query}",
                   "payroll_xlsx_url": f"/benefits/payroll.xlsx?{query}",
                   "everyone": actor.may(Permission.READ_BENEFITS)},
                  actor=actor)  # fmt: skip


@router.get("/benefits/payroll.csv")
def payroll(request: Request, actor: BenefitsReader, year: Year = None, month: Month = None,
            person: str | None = None) -> Response:  # fmt: skip
    year = year or today(request.app.state.clock).year
    answer = _answer(request, actor, year, month, (person or "").strip() or None)
    name = f"payroll-{year}" + ("" if month is None else f"-{month:02d}") + ".csv"
    return Response(benefits.payroll_csv(answer.payroll), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/benefits/payroll.xlsx")
def payroll_xlsx(request: Request, actor: BenefitsReader, year: Year = None, month: Month = None,
                 person: str | None = None) -> Response:  # fmt: skip
    """The payroll export as a spreadsheet: the same rows, amounts as numbers."""
    year = year or today(request.app.state.clock).year
    answer = _answer(request, actor, year, month, (person or "").strip() or None)
    name = f"payroll-{year}" + ("" if month is None else f"-{month:02d}")
    rows = ({"employee_number": r.employee_number, "period": r.period,
             "wage_type": r.wage_type.value, "amount": r.amount, "currency": r.currency}
            for r in answer.payroll)  # fmt: skip
    return xlsx(name, list(benefits.PAYROLL_COLUMNS), rows)
