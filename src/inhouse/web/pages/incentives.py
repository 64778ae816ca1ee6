"""Incentives: programmes, points balances and entries per person, participation figures."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response

from inhouse.clock import today
from inhouse.db.uow import UnitOfWork
from inhouse.identity.domain import Actor, Permission
from inhouse.incentives import services as incentives
from inhouse.incentives.domain import Month
from inhouse.insights.services import Figure, Series
from inhouse.web.pages.core import N_, language_of, needs, render
from inhouse.web.pages.dashboard import chart_json, plotly_figure
from inhouse.web.pages.lists import Column, list_page

router = APIRouter()
P = Permission
IncentivesReader = Annotated[Actor, Depends(needs(P.READ_POINTS, P.READ_PARTICIPATION))]
PROGRAMME_KINDS = {
    "points_per_spend": N_("points per spend"),
    "first_purchase_bonus": N_("first purchase bonus"),
    "referral_bonus": N_("referral bonus"),
}
ENTRY_KINDS = {"earn": N_("earned"), "redeem": N_("redeemed"), "expire": N_("expired"),
               "adjust": N_("adjusted")}  # fmt: skip


def _person_link(row: dict[str, Any]) -> str:
    return f"/incentives?person={quote(str(row['person']), safe='')}#points"


@router.get("/incentives")
def incentives_page(
    request: Request, actor: IncentivesReader, person: str | None = None
) -> Response:
    state = request.app.state
    on = today(state.clock)

    def uow() -> UnitOfWork:
        return UnitOfWork(state.engine)

    programmes = incentives.list_incentive_programmes(uow=uow(), actor=actor)
    participation = None
    chart = None
    if actor.may(P.READ_PARTICIPATION):
        last = Month(on.year, on.month)
        first = Month(on.year - 1, on.month).next
        participation = incentives.participation_report(uow=uow(), actor=actor, first=first,
                                                        last=last)  # fmt: skip
        rated = [m for m in participation.months if m.rate.pct is not None]
        figure = Figure(
            "programme_participation", "line", tuple(m.month.first.isoformat() for m in rated),
            (Series("participation (%)", tuple(m.rate.pct or 0 for m in rated)),), unit="percent",
        )  # fmt: skip
        chart = chart_json(plotly_figure(figure, language_of(request)))
    statement = None
    if person and actor.may(P.READ_POINTS):
        statement = incentives.points_of(uow=uow(), actor=actor, person=person, limit=200)
    context = {"programmes": programmes, "participation": participation, "chart": chart,
               "statement": statement, "kinds": PROGRAMME_KINDS, "entry_kinds": ENTRY_KINDS, "on": on,
               "may_read_points": actor.may(P.READ_POINTS)}  # fmt: skip
    if not actor.may(P.READ_POINTS):
        return render(request, "incentives.html", {"title": N_("Incentives"), **context},
                      actor=actor)  # fmt: skip
    return list_page(request, actor, name="point_accounts", title=N_("Incentives"),
                     columns=[Column("person", N_("Person"), _person_link),
                              Column("balance", N_("Points"))],
                     context=context, template="incentives.html")  # fmt: skip
