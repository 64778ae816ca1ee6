"""The web pages: server-rendered HTML (Jinja2) in German and English, beside the API.

Adding a context's pages:

1. a module ``inhouse/web/pages/<context>.py`` with an ``APIRouter`` whose handlers take
   the user from ``needs(Permission.X)`` (the permission the API uses for the same
   records), call one service and ``render(request, "<context>.html", {...}, actor=actor)``
   or, for lists, ``list_page(...)`` with a ``ListSpec`` in ``inhouse.insights.services``;
2. its templates in ``inhouse/web/templates/`` extending ``base.html``; every text
   through ``_()`` (messages defined in Python: ``N_()``), forms with ``{{ csrf() }}``;
3. its router and menu entry in :data:`ROUTERS` and :func:`_menu` below;
4. the German of every new message: ``python -m inhouse.web.i18n`` adds the new
   messages to ``web/locales/de/LC_MESSAGES/messages.po``; translate the blanks (a test
   fails on any message without German);
5. its routes in the page role matrix (``tests/integration/test_page_roles.py``).

Evidence: the domain explains itself in English sentences (and the API returns them so).
A template shows each one through the ``evidence`` filter (``{{ line | evidence }}``,
``{{ lines | map("evidence") | join(" ") }}``), which gives the German on German pages:
:mod:`inhouse.web.evidence` holds a pattern per sentence shape with its German. A new
sentence in the domain needs a row there (English pattern, German); a sentence without one
stays English, and ``tests/integration/test_evidence_german.py`` fails on it.

Problem reasons: the reasons of a rejected import (``p.reason``), of a form's fields
(``FieldProblem``) and the errors that a page shows as the service wrote them
(``str(error)``) are English too (and the API and CLI give them so). A template shows each
through the ``reason`` filter (``{{ p.reason | reason }}``), which gives the German on
German pages: :mod:`inhouse.web.reasons` holds a pattern per reason shape with its German,
in the same way as the evidence. A new reason in the code needs a row there (English
pattern, German); ``tests/unit/test_web_reasons.py`` collects the reasons from the source
and fails on one without a row.
"""

from __future__ import annotations

import inspect
from http import HTTPStatus
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from inhouse.errors import InhouseError
from inhouse.identity.domain import Permission
from inhouse.identity.services import NotAllowed, NotFound
from inhouse.insights.services import (
    Figure,
    OrderNumbers,
    TaxableNumbers,
    VersionedCache,
    has_dashboard,
)
from inhouse.web.pages import (
    admin,
    benefits,
    care,
    dashboard,
    groups,
    imports,
    incentives,
    orders,
    people,
    pricing,
    session,
)
from inhouse.web.pages.core import (
    N_,
    STATIC_DIR,
    PageSecurity,
    SignInRequired,
    is_page,
    page_actor,
    redirect,
    render,
)
from inhouse.web.pages.menu import add
from inhouse.web.pages.session import SignInLimiter

ROUTERS = (
    session.router,
    dashboard.router,
    groups.router,
    people.router,
    pricing.router,
    orders.router,
    benefits.router,
    incentives.router,
    care.router,
    imports.router,
    admin.router,
)
P = Permission


def _menu() -> None:
    add("/", N_("Dashboard"), order=10, allowed=has_dashboard)
    add("/me", N_("My page"), order=15)
    add("/structure", N_("Group structure"), P.READ_GROUP_STRUCTURE, order=20)
    add("/classify", N_("Classify"), P.CLASSIFY, order=25)
    add("/entities", N_("Entities"), P.READ_GROUP_STRUCTURE, order=30)
    add("/stakes", N_("Stakes"), P.READ_GROUP_STRUCTURE, order=32)
    add("/units", N_("Org units"), P.READ_GROUP_STRUCTURE, order=34)
    add("/people", N_("People"), P.READ_PEOPLE, order=40)
    add("/employments", N_("Employments"), P.READ_PEOPLE, order=42)
    add("/products", N_("Products"), P.READ_PRICING, order=50)
    add("/programmes", N_("Programmes"), P.READ_PRICING, order=52)
    add("/orders", N_("Orders"), P.READ_ORDERS, P.READ_PLACED_ORDERS, order=60)
    add("/benefits", N_("Benefits"), P.READ_BENEFITS, order=62)
    add("/incentives", N_("Incentives"), P.READ_POINTS, P.READ_PARTICIPATION, order=64)
    add("/tickets", N_("Tickets"), P.READ_TICKETS, P.OWN_TICKETS, order=70)
    add("/surveys", N_("Surveys"), P.READ_TICKETS, order=71)
    add("/parity", N_("Service parity"), P.READ_PARITY, order=72)
    add("/imports", N_("Imports"), P.IMPORT_DATASETS, order=80)
    add("/users", N_("Users"), P.MANAGE_USERS, order=90)
    add("/tokens", N_("API tokens"), order=92)
    add("/audit", N_("Audit log"), P.READ_AUDIT_LOG, order=94)


def plotly_js() -> Path:
    """plotly.js as shipped inside the installed ``plotly`` Python package (no CDN)."""
    return Path(str(files("plotly") / "package_data" / "plotly.min.js"))


def install(app: FastAPI) -> None:
    """Add the pages, their static files and HTML error pages to the app."""
    app.state.sign_in_limiter = SignInLimiter()
    app.state.dashboard_figures = VersionedCache[tuple[Figure, ...]]()
    app.state.order_numbers = VersionedCache[OrderNumbers]()
    app.state.taxable_numbers = VersionedCache[TaxableNumbers]()
    app.add_middleware(PageSecurity)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip

    _menu()
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)

    api_http = app.exception_handlers[StarletteHTTPException]
    api_domain = app.exception_handlers[InhouseError]
    api_validation = app.exception_handlers[RequestValidationError]

    async def sign_in_first(request: Request, _error: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return redirect(f"/login?next={quote(target, safe='/')}")

    async def http_error(request: Request, error: Exception) -> Response:
        if not is_page(request.url.path):
            return await _call(api_http, request, error)
        assert isinstance(error, StarletteHTTPException)
        # the status's bare phrase ("Not Found") says no more than the page's heading
        bare = error.detail == HTTPStatus(error.status_code).phrase
        return _error_page(request, error.status_code, "" if bare else str(error.detail))

    async def domain_error(request: Request, error: Exception) -> Response:
        if not is_page(request.url.path):
            return await _call(api_domain, request, error)
        status = (
            403 if isinstance(error, NotAllowed) else 404 if isinstance(error, NotFound) else 422
        )
        return _error_page(request, status, str(error))

    async def validation_error(request: Request, error: Exception) -> Response:
        if not is_page(request.url.path):
            return await _call(api_validation, request, error)
        return _error_page(request, 422, N_("the address has a value that does not fit"))

    app.add_exception_handler(SignInRequired, sign_in_first)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(InhouseError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)


async def _call(handler: Any, request: Request, error: Exception) -> Response:
    """The API's own handler (problem details) for errors outside the pages."""
    answer = handler(request, error)
    if inspect.isawaitable(answer):
        answer = await answer
    assert isinstance(answer, Response)
    return answer


def _error_page(request: Request, status: int, detail: str) -> Response:
    return render(request, "error.html", {"status": status, "detail": detail},
                  actor=page_actor(request), status=status)  # fmt: skip
