"""The demo's sign-ins: one user per role, with passwords anyone may read.

``inhouse serve --demo`` loads the demo dataset into a fresh database and adds these
users, so that every role can be tried in the API docs. The passwords are fixed and
printed on purpose: a demo database holds nothing worth protecting and is thrown away.
The employee is linked to the demo's mover (:data:`inhouse.demo.MOVER`), whose
employment changes from ABC to XYZ during the demo year.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select

from inhouse.clock import Clock
from inhouse.dataset import load_register
from inhouse.dataset.services import ImportReport, import_dataset
from inhouse.db.metadata import metadata
from inhouse.db.uow import UnitOfWork
from inhouse.demo import DATA_DIR, MOVER
from inhouse.demo.incentives import IncentivesSetup, set_up_incentives
from inhouse.groups.repository import TABLES as GROUPS_TABLES
from inhouse.identity import services as identity
from inhouse.identity.domain import Actor, Role
from inhouse.incentives.tables import point_entries
from inhouse.orders.tables import orders

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


@dataclass(frozen=True, slots=True)
class DemoSetup:
    report: ImportReport
    users: tuple[DemoUser, ...]
    incentives: IncentivesSetup | None = None


def set_up_demo(*, uow: UnitOfWork, actor: Actor, clock: Clock) -> DemoSetup:
    """Import the demo dataset, add one user per role and the incentives with the points
    of the demo's sales (into an empty database).

    Importing a sale books its points, and a referral counts only before the referred
    person's first purchase: so the register, products and programmes come first, then
    the incentive programmes and referrals, then the sales (the whole folder again, which
    adds only what is new).
    """
    with tempfile.TemporaryDirectory(prefix="inhouse-demo-") as folder:
        for path in DATA_DIR.iterdir():
            if path.is_file() and path.name != "sales.csv":
                shutil.copyfile(path, Path(folder) / path.name)
        first = import_dataset(uow=uow, actor=actor, clock=clock, path=Path(folder))
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
    made = set_up_incentives(uow=uow, actor=actor, clock=clock, folder=DATA_DIR,
                             register=load_register(DATA_DIR), book_sales=False)  # fmt: skip
    with_sales = import_dataset(uow=uow, actor=actor, clock=clock, path=DATA_DIR)
    report = _both(first, with_sales)
    entries = point_entries.c
    with uow:
        sales = int(uow.connection.execute(select(func.count()).select_from(orders)).scalar_one())
        points = uow.connection.execute(
            select(func.coalesce(func.sum(entries.points), 0)).where(entries.kind == "earn")
        ).scalar_one()
    incentives = IncentivesSetup(made.programmes, made.referrals, sales, int(points))
    return DemoSetup(report, DEMO_USERS, incentives)


def _both(first: ImportReport, then: ImportReport) -> ImportReport:
    """One report of two imports of the same folder (the second adds the sales)."""
    later = {t.table: t for t in then.tables}
    tables = tuple(
        replace(t, added=t.added + later[t.table].added, changed=t.changed + later[t.table].changed,
                ended=t.ended + later[t.table].ended)
        if t.table in later else t
        for t in first.tables
    )  # fmt: skip
    commerce = {**first.commerce}
    for table, counts in then.commerce.items():
        merged = dict(commerce.get(table, {}))
        for what, n in counts.items():
            merged[what] = n if what == "unchanged" else merged.get(what, 0) + n
        commerce[table] = merged
    return ImportReport(then.source, tables, then.not_imported, commerce)


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
