"""The FastAPI application: API under /api/v1, docs at /docs."""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from inhouse import __version__
from inhouse.clock import Clock, SystemClock
from inhouse.config import Settings, get_settings
from inhouse.db.engine import make_engine
from inhouse.db.version import DataVersion
from inhouse.errors import InhouseError
from inhouse.groups.services import RegisterCache
from inhouse.web import problems
from inhouse.web.auth import TokenCache

API_PREFIX = "/api/v1"

DESCRIPTION = """
inhouse answers, for any sale, whether the buyer is an **internal customer** of the
seller on that date, and why.

Sign in with **Authorize** (username and password of an inhouse user) or send an API
token as `Authorization: Bearer ih_…`. Every answer carries its evidence.
"""


_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class WritesMakeDataStale:
    """After any write request, the next request asks the database for the data version."""

    def __init__(self, app: ASGIApp, version: DataVersion) -> None:
        self.app = app
        self.version = version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http" and scope["method"] not in _SAFE:
                self.version.mark_stale()


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    demo: bool = False,
) -> FastAPI:
    settings = settings or get_settings()
    secret_key = settings.secret_key
    if not secret_key:
        if not demo:
            raise InhouseError(
                "set INHOUSE_SECRET_KEY (a long random string) before serving; "
                "only demo mode makes one up"
            )
        secret_key = secrets.token_urlsafe(32)
    app = FastAPI(
        title="inhouse",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    app.state.clock = clock or SystemClock()
    app.state.secret_key = secret_key
    app.state.register_cache = RegisterCache()
    app.state.data_version = DataVersion(app.state.engine, settings.freshness_seconds)
    app.state.token_cache = TokenCache()
    app.add_middleware(WritesMakeDataStale, version=app.state.data_version)
    problems.install(app)

    from inhouse.benefits.api import router as benefits_router
    from inhouse.care.api import router as care_router
    from inhouse.dataset.api import router as dataset_router
    from inhouse.groups.api import router as groups_router
    from inhouse.identity.api import router as identity_router
    from inhouse.incentives.api import router as incentives_router
    from inhouse.orders.api import router as orders_router
    from inhouse.pricing.api import router as pricing_router

    app.include_router(identity_router, prefix=API_PREFIX)
    app.include_router(groups_router, prefix=API_PREFIX)
    app.include_router(dataset_router, prefix=API_PREFIX)
    app.include_router(pricing_router, prefix=API_PREFIX)
    app.include_router(orders_router, prefix=API_PREFIX)
    app.include_router(benefits_router, prefix=API_PREFIX)
    app.include_router(incentives_router, prefix=API_PREFIX)
    app.include_router(care_router, prefix=API_PREFIX)

    from inhouse.web.pages import install as install_pages

    install_pages(app)
    return app
