"""Property-based tests of the whole API against its own OpenAPI document (Schemathesis).

Every operation of ``/api/v1/openapi.json`` gets generated requests (valid and invalid),
in-process through the ASGI app, as an admin, on a SQLite database with the demo data.
Checks: no server error (5xx) and every response conforms to the documented schema
(status code, content type, body). Bounded to a few examples per operation.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from conftest import load_demo
from hypothesis import HealthCheck, settings
from schemathesis import checks

from inhouse.clock import FixedClock
from inhouse.config import Settings
from inhouse.db.engine import make_engine
from inhouse.db.uow import UnitOfWork
from inhouse.db.version import DataVersion
from inhouse.identity import services as identity
from inhouse.identity.domain import SYSTEM
from inhouse.web.app import API_PREFIX, create_app
from inhouse.web.auth import issue_access_token

NOW_TEXT = "2026-03-02T09:00:00+00:00"
SECRET_KEY = "schemathesis-secret-key-not-for-production-0123456789"
MAX_EXAMPLES = 20
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


# The app is made at import (Schemathesis reads its OpenAPI document to make one test per
# operation); its placeholder engine is swapped for the real database in ``admin_headers``,
# since every route takes the engine from ``app.state`` per request.
CLOCK = FixedClock(datetime.fromisoformat(NOW_TEXT))
APP = create_app(Settings(database_url="sqlite://", secret_key=SECRET_KEY),
                 engine=make_engine("sqlite://"), clock=CLOCK)  # fmt: skip
schema = schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", APP)


@pytest.fixture(scope="module")
def admin_headers(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[dict[str, str]]:
    """The app on a migrated SQLite copy with the demo data; an admin's bearer headers."""
    path = tmp_path_factory.mktemp("schemathesis") / "inhouse.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    load_demo(engine, CLOCK)
    row = identity.add_user(uow=UnitOfWork(engine), actor=SYSTEM, clock=CLOCK,
                            username="fuzzer", password=None, role="admin")  # fmt: skip
    # A signed access token, not an API token: a generated "revoke token 1" cannot revoke it.
    token = issue_access_token(identity.actor_of(row), SECRET_KEY, CLOCK.now())
    placeholder = APP.state.engine, APP.state.data_version
    APP.state.engine, APP.state.data_version = engine, DataVersion(engine, interval=0)
    yield {"Authorization": f"Bearer {token}"}
    APP.state.engine, APP.state.data_version = placeholder
    engine.dispose()


# The backend parameter names the database in each test id; it also keeps the ids apart
# (one per operation) under pytest 9, where Schemathesis 4.32's own ids lose the operation.
@pytest.mark.parametrize("backend", ["sqlite"])
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_keeps_the_promises_of_its_openapi_document(
    case: schemathesis.Case[Any], admin_headers: dict[str, str], backend: str
) -> None:
    assert backend == "sqlite"
    case.call_and_validate(headers=admin_headers, checks=CHECKS)
