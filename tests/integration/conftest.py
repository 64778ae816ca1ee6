"""Shared fixtures of the integration tests.

Every test that asks for ``engine`` runs twice: on SQLite (a file of its own) and on
PostgreSQL (a schema ``t_<uuid>`` of its own, only when ``INHOUSE_TEST_DATABASE_URL``
is set; under ``CI=true`` a missing variable fails the test instead of skipping it).
Both databases are built by the Alembic migrations, never by ``create_all``, and are
thrown away after the test, also when it fails.

Fixtures:

``backend``        ``"sqlite"`` or ``"postgresql"`` (parametrize it directly to pin one)
``empty_engine``   an engine on an empty database (no tables; for migration tests)
``engine``         an engine on a database migrated to head
``clock``          a :class:`FixedClock` at :data:`NOW`; set ``clock.at`` to move time
``app``            the FastAPI app on that engine and clock, with :data:`SECRET_KEY`
``client``         a ``TestClient`` of the app
``staff``          entity ``ORG`` with two employed persons ``P1`` and ``P2``
``accounts``       makes users per role and their API tokens (see :class:`Accounts`)
``headers_for``    ``headers_for("admin")`` → ``{"Authorization": "Bearer ih_…"}``; one user
                   per role and person, made on first use; ``headers_for("employee")`` is
                   person ``P1``, ``headers_for("employee", person="P2")`` another employee
``demo_register``  the demo dataset read from ``inhouse.demo.DATA_DIR`` (session-wide)
``demo_loaded``    the demo's register imported (``import_dataset``, audited, by ``system``);
                   returns the demo register
``demo_sold``      the whole demo imported, with products, programmes and a year of sales
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from inhouse.clock import FixedClock
from inhouse.config import Settings
from inhouse.dataset import load_register
from inhouse.dataset.services import import_dataset
from inhouse.db.engine import make_engine
from inhouse.db.migrate import upgrade
from inhouse.db.uow import UnitOfWork
from inhouse.demo import DATA_DIR
from inhouse.groups.domain import Register
from inhouse.identity import services as identity
from inhouse.identity.domain import SYSTEM, Actor, Role
from inhouse.web.app import create_app

DATABASE_URL_VARIABLE = "INHOUSE_TEST_DATABASE_URL"
BACKENDS = ("sqlite", "postgresql")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""The fixed clock's time: 09:00 UTC on the demo's seed date."""
SECRET_KEY = "integration-tests-secret-key-not-for-production-0123456789"
STAFF_ENTITY = "ORG"
STAFF_SINCE = date(2020, 1, 1)


# --------------------------------------------------------------------- databases


def postgresql_url() -> str:
    """The PostgreSQL URL of the test run; skip without it, fail without it under CI."""
    url = os.environ.get(DATABASE_URL_VARIABLE, "").strip()
    if url:
        return url
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(
            f"{DATABASE_URL_VARIABLE} is not set, but CI=true: the PostgreSQL tests must run "
            "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
            pytrace=False,
        )
    pytest.skip(
        f"PostgreSQL tests need {DATABASE_URL_VARIABLE} "
        "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
    )


@pytest.fixture(scope="session")
def postgresql_admin() -> Iterator[Engine]:
    """An engine on the test database's default schema: creates and drops test schemas."""
    engine = make_engine(postgresql_url(), pool_size=1, max_overflow=2)
    yield engine
    engine.dispose()


@contextmanager
def postgresql_schema(admin: Engine) -> Iterator[Engine]:
    """An engine whose connections see only a new schema ``t_<uuid>``; dropped on exit."""
    schema = f"t_{uuid.uuid4().hex}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(
        admin.url.render_as_string(hide_password=False),
        connect_args={"options": f"-csearch_path={schema}"},
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_engine(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a database without any table."""
    if backend == "postgresql":
        with postgresql_schema(request.getfixturevalue("postgresql_admin")) as made:
            yield made
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per worker; tests get copies of it."""
    path = tmp_path_factory.mktemp("template") / "inhouse.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closed: the WAL is folded into the file
    return path


@pytest.fixture
def engine(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a database of its own, migrated to head (``alembic upgrade head``)."""
    if backend == "postgresql":
        with postgresql_schema(request.getfixturevalue("postgresql_admin")) as made:
            upgrade(made)
            yield made
        return
    path = tmp_path / "inhouse.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    made = make_engine(f"sqlite:///{path}")
    try:
        yield made
    finally:
        made.dispose()


# --------------------------------------------------------------------- the app


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def app(engine: Engine, clock: FixedClock) -> FastAPI:
    # freshness 0: tests that write behind the app's back see the change at once
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key=SECRET_KEY,
        freshness_seconds=0,
    )
    return create_app(settings, engine=engine, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as made:
        yield made


# --------------------------------------------------------------------- people and users


@pytest.fixture
def staff(engine: Engine) -> tuple[str, str]:
    """Entity ORG employing persons P1 and P2 since 2020-01-01; returns ("P1", "P2")."""
    with UnitOfWork(engine) as uow:
        uow.groups.add("entities", {"id": STAFF_ENTITY, "name": "Org GmbH", "country": "DE",
                                    "currency": "EUR"})  # fmt: skip
        for person, name in (("P1", "Petra Eins"), ("P2", "Paul Zwei")):
            uow.groups.add("persons", {"id": person, "name": name})
            uow.groups.add("employments", {"person": person, "entity": STAFF_ENTITY,
                                           "kind": "employee", "valid_from": STAFF_SINCE})  # fmt: skip
        uow.commit()
    return ("P1", "P2")


class Accounts:
    """Users per role with an API token each, made by the system user on first use."""

    def __init__(self, engine: Engine, clock: FixedClock, request: pytest.FixtureRequest) -> None:
        self.engine = engine
        self.clock = clock
        self.request = request
        self.actors: dict[tuple[str, str | None], Actor] = {}
        self.tokens: dict[tuple[str, str | None], str] = {}

    @staticmethod
    def username(role: str, person: str | None = None) -> str:
        return f"{role}-{person.lower()}" if person else f"{role}-user"

    def _key(self, role: str | Role, person: str | None) -> tuple[str, str | None]:
        name = role.value if isinstance(role, Role) else role
        if name == Role.EMPLOYEE.value and person is None:
            person = "P1"
        if person is not None:
            self.request.getfixturevalue("staff")
        return (name, person)

    def actor(self, role: str | Role, *, person: str | None = None) -> Actor:
        key = self._key(role, person)
        if key not in self.actors:
            self._make(*key)
        return self.actors[key]

    def token(self, role: str | Role, *, person: str | None = None) -> str:
        key = self._key(role, person)
        if key not in self.tokens:
            self._make(*key)
        return self.tokens[key]

    def headers_for(self, role: str | Role, *, person: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, person=person)}"}

    def _make(self, role: str, person: str | None) -> None:
        username = self.username(role, person)
        row = identity.add_user(uow=UnitOfWork(self.engine), actor=SYSTEM, clock=self.clock,
                                username=username, password=None, role=role, person=person)  # fmt: skip
        made = identity.create_token(uow=UnitOfWork(self.engine), actor=SYSTEM, clock=self.clock,
                                     username=username, name="integration tests")  # fmt: skip
        self.actors[(role, person)] = identity.actor_of(row)
        self.tokens[(role, person)] = made.secret


@pytest.fixture
def accounts(engine: Engine, clock: FixedClock, request: pytest.FixtureRequest) -> Accounts:
    return Accounts(engine, clock, request)


@pytest.fixture
def headers_for(accounts: Accounts) -> Callable[..., dict[str, str]]:
    """``headers_for(role, person=None)`` → bearer headers of a user with that role."""
    return accounts.headers_for


# --------------------------------------------------------------------- the demo data


@pytest.fixture(scope="session")
def demo_register() -> Register:
    return load_register(DATA_DIR)


REGISTER_FILES = ("entities.csv", "stakes.csv", "units.csv", "people.csv", "employments.csv")


@pytest.fixture(scope="session")
def demo_register_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's register files alone: no products, programmes or sales."""
    folder = tmp_path_factory.mktemp("demo-register")
    for name in REGISTER_FILES:
        shutil.copyfile(DATA_DIR / name, folder / name)
    return folder


def load_demo(engine: Engine, clock: FixedClock, path: Path = DATA_DIR) -> None:
    """Import the demo dataset as the system user (as ``inhouse demo`` does): audited."""
    import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, path=path)


@pytest.fixture
def demo_loaded(
    engine: Engine, clock: FixedClock, demo_register: Register, demo_register_dir: Path
) -> Register:
    """The demo's register imported into the database (without its products, programmes
    and sales, so tests define their own); returns the same register, read once."""
    load_demo(engine, clock, demo_register_dir)
    return demo_register


@pytest.fixture
def demo_sold(engine: Engine, clock: FixedClock, demo_register: Register) -> Register:
    """The whole demo dataset imported: register, products, programmes and a year of sales."""
    load_demo(engine, clock)
    return demo_register
