"""The FastAPI application: API under /api/v1, docs at /docs."""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from sqlalchemy import Engine

from inhouse import __version__
from inhouse.clock import Clock, SystemClock
from inhouse.config import Settings, get_settings
from inhouse.db.engine import make_engine
from inhouse.errors import InhouseError
from inhouse.groups.services import RegisterCache
from inhouse.web import problems

API_PREFIX = "/api/v1"

DESCRIPTION = """
inhouse answers, for any sale, whether the buyer is an **internal customer** of the
seller on that date, and why.

Sign in with **Authorize** (username and password of an inhouse user) or send an API
token as `Authorization: Bearer ih_…`. Every answer carries its evidence.
"""


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
    problems.install(app)

    from inhouse.dataset.api import router as dataset_router
    from inhouse.groups.api import router as groups_router
    from inhouse.identity.api import router as identity_router

    app.include_router(identity_router, prefix=API_PREFIX)
    app.include_router(groups_router, prefix=API_PREFIX)
    app.include_router(dataset_router, prefix=API_PREFIX)
    return app
