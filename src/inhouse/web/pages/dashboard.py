"""The dashboard: charts with their numbers as tables."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from markupsafe import Markup

from inhouse.benefits import services as benefits
from inhouse.clock import today
from inhouse.db.uow import UnitOfWork
from inhouse.identity.domain import Actor, Permission
from inhouse.insights import services as insights
from inhouse.web.pages.core import N_, Language, language_of, redirect, render, signed_in
from inhouse.web.pages.groups import RELATIONS
from inhouse.web.pages.pricing import PROGRAMME_KINDS

router = APIRouter()
ORDER_READERS = (Permission.READ_ORDERS, Permission.READ_BENEFITS, Permission.READ_PARTICIPATION)

TITLES = {
    "group_sizes": N_("Groups and their number of entities"),
    "headcount_by_entity": N_("Employees per legal entity"),
    "headcount_over_time": N_("Employees and retirees over the last twelve months"),
    "programmes_by_kind": N_("Programmes running today, by kind"),
    "revenue_by_relation": N_("Revenue by relation over time"),
    "internal_share": N_("Internal share of revenue"),
    "staff_discount_cost": N_("Staff discount cost and taxable benefits"),
    "intercompany_matrix": N_("Intercompany sales: seller × buyer"),
    "service_parity": N_("Service parity: internal vs external customers"),
    "programme_participation": N_("Programme participation"),
}
SERIES = {
    "employees": N_("employees"),
    "retirees": N_("retirees"),
    "entities": N_("entities"),
    "programmes": N_("programmes"),
    **RELATIONS,
    "internal share (%)": N_("internal share (%)"),
    "staff discount cost": N_("staff discount cost"),
    "taxable benefits": N_("taxable benefits"),
    "participation (%)": N_("participation (%)"),
    "internal: SLA met (%)": N_("internal: SLA met (%)"),
    "external: SLA met (%)": N_("external: SLA met (%)"),
}
CATEGORY = {
    "group_sizes": N_("group (ultimate parent)"),
    "headcount_by_entity": N_("entity"),
    "headcount_over_time": N_("month"),
    "programmes_by_kind": N_("kind"),
    "revenue_by_relation": N_("month"),
    "internal_share": N_("month"),
    "staff_discount_cost": N_("month"),
    "intercompany_matrix": N_("seller entity"),
    "programme_participation": N_("month"),
    "service_parity": N_("month"),
}
TAXABLE_PENDING = N_(
    "Taxable benefits are being computed from every staff purchase; reload the page in a while to see them."
)
TAXABLE_PROBLEM = N_(
    "Taxable benefits are not shown: the benefit rules cannot value every line yet."
)
ROW_TITLE = {"intercompany_matrix": N_("buyer entity")}
LABEL_TITLE = {
    "programme_participation": N_("buyers / eligible employees"),
    "service_parity": N_("tickets with a decided SLA: internal / external"),
}


def _number(value: Decimal | int) -> float | int:
    return value if isinstance(value, int) else float(value)


def _category(figure: insights.Figure, category: str, language: Language) -> str:
    """A category as people read it: months of a time series in the page's language."""
    if figure.kind == "line":
        return language.formats.month(date.fromisoformat(category))
    if figure.key == "programmes_by_kind":
        return language.gettext(PROGRAMME_KINDS.get(category, category))
    return category


def plotly_figure(figure: insights.Figure, language: Language) -> dict[str, Any]:
    """The figure as Plotly's JSON (traces and layout), its words in the page's language."""
    _ = language.gettext
    x = [_category(figure, c, language) for c in figure.categories]
    if figure.kind == "heatmap":
        return {
            "data": [{
                "type": "heatmap",
                "x": x,
                "y": [s.name for s in figure.series],
                "z": [[_number(v) for v in s.values] for s in figure.series],
                "colorscale": "Blues",
                "hovertemplate": "%{x} → %{y}: %{z}<extra></extra>",
            }],
            "layout": {
                "margin": {"l": 96, "r": 16, "t": 16, "b": 64},
                "height": 320,
                "separators": ",." if language.code == "de" else ".,",
                "xaxis": {"title": {"text": _(CATEGORY[figure.key])}, "type": "category"},
                "yaxis": {"title": {"text": _(ROW_TITLE[figure.key])}, "type": "category"},
            },
        }  # fmt: skip
    traces = []
    for series in figure.series:
        trace: dict[str, Any] = {
            "type": "scatter" if figure.kind == "line" else "bar",
            "name": _(SERIES.get(series.name, series.name)),
            "x": x,
            "y": [_number(v) for v in series.values],
        }
        if figure.kind == "line":
            trace["mode"] = "lines+markers"
        if figure.labels:
            trace["hovertext"] = [figure.labels.get(c, c) for c in figure.categories]
            trace["hovertemplate"] = "%{x} %{hovertext}: %{y}<extra></extra>"
        traces.append(trace)
    layout = {
        "margin": {"l": 48, "r": 16, "t": 16, "b": 64},
        "height": 320,
        "separators": ",." if language.code == "de" else ".,",
        "showlegend": len(traces) > 1,
        "legend": {"orientation": "h"},
        "xaxis": {"title": {"text": _(CATEGORY.get(figure.key, ""))}, "type": "category"},
        "yaxis": {"rangemode": "tozero"},
    }
    return {"data": traces, "layout": layout}


def chart_json(data: dict[str, Any]) -> Markup:
    """JSON safe inside ``<script type="application/json">`` (which browsers never run)."""
    text = json.dumps(data, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@router.get("/")
def dashboard(request: Request, actor: Annotated[Actor, Depends(signed_in)]) -> Response:
    if not insights.has_dashboard(actor):  # employees and sales systems: no chart to see
        return redirect("/me")
    state = request.app.state
    on = today(state.clock)
    language = language_of(request)
    version = state.data_version.current()
    cached, up_to_date = state.dashboard_figures.current(
        insights.figures_slot(actor, on), version,
        lambda: insights.dashboard(
            uow_factory=lambda: UnitOfWork(state.engine),
            register=lambda: state.register_cache.current(UnitOfWork(state.engine), version),
            actor=actor, on=on),
    )  # fmt: skip
    assert cached is not None  # the first figures of a slot are computed in the request
    figures = list(cached)
    currencies: tuple[str, ...] = ()
    notes: dict[str, str] = {}  # chart → why part of it is missing (a message)
    problems: dict[str, str] = {}  # chart → the problem in detail
    currency = request.query_params.get("currency")
    if any(actor.may(p) for p in ORDER_READERS):
        found, numbers_ready = state.order_numbers.current(
            insights.numbers_slot(actor, on), version,
            lambda: insights.order_numbers(uow_factory=lambda: UnitOfWork(state.engine),
                                           actor=actor, on=on),
        )  # fmt: skip
        assert found is not None  # the first numbers of a slot are computed in the request
        up_to_date = up_to_date and numbers_ready
        taxable = None
        if actor.may(Permission.READ_BENEFITS):
            taxable, taxable_ready = state.taxable_numbers.current(
                (on,), version,
                lambda: insights.taxable_numbers(
                    actor=actor, on=on,
                    statements=lambda year: benefits.benefit_statements_for(
                        uow=UnitOfWork(state.engine), cache=state.register_cache, actor=actor,
                        year=year).statements),
                wait_first=False,
            )  # fmt: skip
            if taxable is None:
                notes["staff_discount_cost"] = TAXABLE_PENDING
            elif taxable.problem:
                notes["staff_discount_cost"] = TAXABLE_PROBLEM
                problems["staff_discount_cost"] = taxable.problem
            up_to_date = up_to_date and taxable_ready
        currencies = found.currencies
        currency = currency if currency in currencies else next(iter(currencies), None)
        figures += insights.order_charts(numbers=found, actor=actor, currency=currency,
                                         taxable=taxable)  # fmt: skip
    charts = [
        {
            "figure": figure,
            "categories": [_category(figure, c, language) for c in figure.categories],
            "title": TITLES[figure.key],
            "category": CATEGORY.get(figure.key, ""),
            "unit": figure.unit,
            "label_title": LABEL_TITLE.get(figure.key, N_("Name")),
            "note": notes.get(figure.key),
            "problem": problems.get(figure.key),
            "series_names": [SERIES.get(s.name, s.name) for s in figure.series],
            "json": chart_json(plotly_figure(figure, language)),
        }
        for figure in figures
    ]
    return render(request, "dashboard.html", {"charts": charts, "on": on,
                                              "currencies": currencies, "currency": currency,
                                              "up_to_date": up_to_date},
                  actor=actor)  # fmt: skip
