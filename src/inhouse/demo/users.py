"""The demo's sign-ins: one user per role, with passwords anyone may read.

``inhouse serve --demo`` loads the demo dataset into a fresh database and adds these
users, so that every role can be tried in the API docs. The passwords are fixed and
printed on purpose: a demo database holds nothing worth protecting and is thrown away.
The employee is linked to the demo's mover (:data:`inhouse.demo.MOVER`), whose
employment changes from ABC to XYZ during the demo year.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect

from inhouse.care import services as care
from inhouse.clock import Clock
from inhouse.dataset.services import ImportReport, import_dataset
from inhouse.db.metadata import metadata
from inhouse.db.uow import UnitOfWork
from inhouse.demo import CARE_CALENDARS, CARE_POLICIES, DATA_DIR, MOVER, PARITY_LAGGARD
from inhouse.demo.incentives import IncentivesSetup, set_up_incentives
from inhouse.groups.repository import TABLES as GROUPS_TABLES
from inhouse.identity import services as identity
from inhouse.identity.domain import Actor, Role

DEMO_YEAR = 2026


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    role: Role
    password: str
    person: str | None = None


def _demo_user(role: Role, person: str | None = None) -> DemoUser:
    name = role.value.replace("_", "-")
    return DemoUser(f"demo-{name}", role, f"demo-{name}-{DEMO_YEAR}", person)


DEMO_USERS: tuple[DemoUser, ...] = tuple(
    _demo_user(role, MOVER if role is Role.EMPLOYEE else None) for role in Role
)
"""``demo-admin`` / ``demo-admin-2026`` … ``demo-employee`` / ``demo-employee-2026`` (P037)."""


REGISTER_FILES = ("entities.csv", "stakes.csv", "units.csv", "people.csv", "employments.csv")


@dataclass(frozen=True, slots=True)
class DemoSetup:
    register: ImportReport  # the first import: entities, stakes, units, people, employments
    report: ImportReport  # the second: products, programmes and the year's sales
    users: tuple[DemoUser, ...]
    incentives: IncentivesSetup | None = None

    def summary(self) -> str:
        return f"{self.register.summary()}; {self.report.summary()}"


def set_up_demo(*, uow: UnitOfWork, actor: Actor, clock: Clock) -> DemoSetup:
    """Load the demo into an empty database, one user per role included.

    The order matters: the register first; then the incentive programmes and referrals,
    and the SLA calendars and policies; then products, programmes, sales and tickets, so
    that the sales earn their points and the tickets are measured as they are recorded;
    then a sample of resolved tickets gets its CSAT answer.
    """
    with tempfile.TemporaryDirectory(prefix="inhouse-demo-") as folder:
        for name in REGISTER_FILES:
            shutil.copyfile(DATA_DIR / name, Path(folder) / name)
        register = import_dataset(uow=uow, actor=actor, clock=clock, path=Path(folder))
    incentives = set_up_incentives(uow=uow, actor=actor, clock=clock)
    for calendar in CARE_CALENDARS:
        care.define_calendar(uow=uow, actor=actor, clock=clock, **calendar)  # type: ignore[arg-type]
    for policy in CARE_POLICIES:
        care.define_policy(uow=uow, actor=actor, clock=clock, **policy)  # type: ignore[arg-type]
    report = import_dataset(uow=uow, actor=actor, clock=clock, path=DATA_DIR)
    demo_surveys(uow=uow, actor=actor, clock=clock)
    for user in DEMO_USERS:
        identity.add_user(
            uow=uow,
            actor=actor,
            clock=clock,
            username=user.username,
            password=user.password,
            role=user.role.value,
            person=user.person,
        )
    return DemoSetup(register, report, DEMO_USERS, incentives)


def _survey_row(row: dict[str, Any], now: datetime, expires: datetime) -> dict[str, Any]:
    token = hashlib.sha256(f"demo-{row['id']}-{secrets.token_hex(8)}".encode())
    return {"kind": "csat", "ticket": row["id"], "serving_entity": row["serving_entity"],
            "requester": row["requester"], "relation": row["relation"],
            "token_hash": token.hexdigest(), "created_at": now, "expires_at": expires,
            "answered_at": None, "score": None, "comment": None}  # fmt: skip


def demo_surveys(*, uow: UnitOfWork, actor: Actor, clock: Clock) -> int:
    """CSAT answers for every third resolved demo ticket, and NPS answers of every second
    requester of each serving entity, in one transaction; the laggard's internal customers
    are less happy. Deterministic: a score follows from the ticket's number. (The links
    are made and used up at once: nobody holds their tokens.) The demo employee's latest
    resolved ticket without an answer gets a survey still waiting, which they answer on
    their page."""
    now = clock.now()
    with uow:
        tickets = uow.care.tickets_page(limit=100_000, after=None)
        rows = [r for r in tickets if r["status"] in ("resolved", "closed")]
        rated = {r["id"] for r in rows[::3]}
        unanswered = [r for r in rows if r["id"] not in rated and r["requester"] == MOVER]
        if unanswered:
            uow.care.add_survey(_survey_row(unanswered[-1], now, now + timedelta(days=30)))
        for row in rows[::3]:
            number = int(row["id"][2:])
            unhappy = row["serving_entity"] == PARITY_LAGGARD and row["internal"]
            score = (1 + number % 3) if unhappy else (3 + number % 3)
            uow.care.add_survey({**_survey_row(row, now, now), "answered_at": now,
                                 "score": score})  # fmt: skip
        asked = {(r["serving_entity"], r["requester"]): r for r in reversed(tickets)}
        recommenders = list(asked.values())[::2]
        for n, row in enumerate(recommenders):
            unhappy = row["serving_entity"] == PARITY_LAGGARD and row["internal"]
            score = (3 + n % 5) if unhappy else (6 + n % 5)  # 3–7 against 6–10
            uow.care.add_survey({**_survey_row(row, now, now), "kind": "nps", "ticket": None,
                                 "answered_at": now, "score": score})  # fmt: skip
        answered = len(rated) + len(recommenders)
        identity.record(uow=uow, actor=actor, clock=clock, action="import_add",
                        resource="surveys", resource_id="demo survey answers",
                        after={"count": answered})  # fmt: skip
        uow.commit()
    return answered


def database_is_empty(engine: Engine) -> bool:
    """True for a database without tables, or one just initialised (no records, no users)."""
    tables = set(inspect(engine).get_table_names())
    if not tables:
        return True
    if not tables <= {*metadata.tables, "alembic_version"} or "users" not in tables:
        return False  # someone else's tables, or an older schema: not ours to fill
    with UnitOfWork(engine) as uow:
        records = sum(uow.groups.count(resource) for resource in GROUPS_TABLES)
        return records == 0 and not uow.identity.users()
