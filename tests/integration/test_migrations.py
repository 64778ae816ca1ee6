"""The Alembic migrations build exactly the schema that the ``tables`` modules declare.

Runs on SQLite and on PostgreSQL: from an empty database to head, every table and
column of the metadata present (no drift), down to base and up again, and the audit
log refusing UPDATE and DELETE inside the database itself.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, func, inspect, select, text
from sqlalchemy.exc import DBAPIError

import inhouse
from inhouse.db.metadata import metadata
from inhouse.db.migrate import alembic_config, current_revision, head_revision, upgrade
from inhouse.db.uow import UnitOfWork
from inhouse.identity.tables import audit_log


def declared_metadata() -> MetaData:
    """The metadata with every context's ``tables`` module imported (new contexts included)."""
    for module in pkgutil.walk_packages(inhouse.__path__, "inhouse."):
        if module.name.rsplit(".", 1)[-1] == "tables":
            importlib.import_module(module.name)
    return metadata


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def tables_in(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def drift(engine: Engine) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match the metadata."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, declared_metadata()))


def test_an_empty_database_upgrades_to_head(empty_engine: Engine) -> None:
    # given an empty database
    assert current_revision(empty_engine) is None
    assert tables_in(empty_engine) == set()

    # when it is upgraded
    upgrade(empty_engine)

    # then it stands at the newest revision with every declared table
    assert current_revision(empty_engine) == head_revision()
    assert tables_in(empty_engine) == set(declared_metadata().tables)


def test_every_declared_table_has_its_columns_after_the_migrations(engine: Engine) -> None:
    # given a database built by the migrations
    inspector = inspect(engine)

    # then each table of the metadata has exactly the declared columns and nullability
    for table in declared_metadata().sorted_tables:
        found = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert list(found) == [c.name for c in table.columns], table.name
        for column in table.columns:
            assert found[column.name]["nullable"] == column.nullable, (table.name, column.name)
        primary = inspector.get_pk_constraint(table.name)["constrained_columns"]
        assert primary == [c.name for c in table.primary_key.columns], table.name
        declared_fks = {
            (tuple(fk.column_keys), fk.referred_table.name) for fk in table.foreign_key_constraints
        }
        found_fks = {
            (tuple(fk["constrained_columns"]), fk["referred_table"])
            for fk in inspector.get_foreign_keys(table.name)
        }
        assert found_fks == declared_fks, table.name
        declared_indexes = {(i.name, tuple(c.name for c in i.columns)) for i in table.indexes}
        found_indexes = {
            (i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table.name)
        }
        assert declared_indexes <= found_indexes, table.name


def test_the_migrations_and_the_tables_modules_do_not_drift_apart(engine: Engine) -> None:
    # given a database built by the migrations
    # when Alembic compares it with the metadata (types, indexes, constraints included)
    differences = drift(engine)

    # then there is nothing to change
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(engine: Engine) -> None:
    # given a database at head
    assert current_revision(engine) == head_revision()

    # when it goes down to base
    downgrade(engine, "base")

    # then nothing of the schema is left
    assert current_revision(engine) is None
    assert tables_in(engine) == set()

    # and when it goes up again, it is whole again
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert tables_in(engine) == set(declared_metadata().tables)
    assert drift(engine) == []


def test_each_revision_goes_up_and_down_one_step_at_a_time(empty_engine: Engine) -> None:
    # given every revision, oldest first
    revisions = revisions_oldest_first()
    assert revisions[-1] == head_revision()

    # when the database climbs one revision at a time, then it stands at each one
    for revision in revisions:
        upgrade(empty_engine, revision)
        assert current_revision(empty_engine) == revision

    # and when it steps down one at a time, then it stands at the one before
    for below in [*reversed(revisions[:-1]), None]:
        downgrade(empty_engine, "-1")
        assert current_revision(empty_engine) == below
    assert tables_in(empty_engine) == set()


def _append_entry(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.identity.append_audit(
            {
                "at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
                "actor": "admin-user",
                "action": "create",
                "resource": "entities",
                "resource_id": "ABC",
                "before": None,
                "after": {"id": "ABC", "name": "ABC Handel GmbH"},
            }
        )
        uow.commit()


def _entries(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        query = select(audit_log.c.actor, audit_log.c.resource_id).order_by(audit_log.c.id)
        return [(r.actor, r.resource_id) for r in connection.execute(query)]


def test_the_audit_log_takes_new_entries(engine: Engine) -> None:
    # when two entries are appended
    _append_entry(engine)
    _append_entry(engine)

    # then both are there
    assert _entries(engine) == [("admin-user", "ABC"), ("admin-user", "ABC")]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'intruder'",
        "UPDATE audit_log SET after = NULL WHERE resource_id = 'ABC'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE resource_id = 'ABC'",
    ],
)
def test_the_audit_log_refuses_update_and_delete(engine: Engine, statement: str) -> None:
    # given an entry in the audit log
    _append_entry(engine)

    # when someone changes or removes it with plain SQL, then the database refuses
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))

    # and the entry is as it was
    assert _entries(engine) == [("admin-user", "ABC")]
    with engine.connect() as connection:
        after = connection.execute(select(audit_log.c.after)).scalar_one()
        count = connection.execute(select(func.count()).select_from(audit_log)).scalar_one()
    assert after == {"id": "ABC", "name": "ABC Handel GmbH"}
    assert count == 1


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_audit_log_refuses_truncate_on_postgresql(engine: Engine) -> None:
    # given an entry in the audit log
    _append_entry(engine)

    # when someone empties the table at once, then PostgreSQL refuses
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_log"))

    # and the entry is still there
    assert _entries(engine) == [("admin-user", "ABC")]


def test_0007_gives_orders_placed_through_the_api_their_user_and_goes_back(
    empty_engine: Engine,
) -> None:
    # given a database at 0006 with the user "till" and two orders: one it placed through
    # the API, one imported (under the same name), and one by a user that is gone
    upgrade(empty_engine, "0006")
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with empty_engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (username, role, active, created_at) "
                 "VALUES ('till', 'sales_system', :yes, :at)"),
            {"yes": True, "at": at},
        )  # fmt: skip
        for id, source, by in (("ORD-1", "api", "till"), ("ORD-2", "import", "till"),
                               ("ORD-3", "api", "someone-gone")):  # fmt: skip
            connection.execute(
                text('INSERT INTO orders (id, seller, buyer, "on", relation, seller_entity, '
                     "internal, uncertain, classification, evidence, source, created_at, "
                     "created_by) VALUES (:id, 'ORG', 'P1', :on, 'employee', 'ORG', :yes, "
                     ":no, '[]', '[]', :source, :at, :by)"),
                {"id": id, "on": at.date(), "yes": True, "no": False, "source": source,
                 "at": at, "by": by},
            )  # fmt: skip
        till = connection.execute(text("SELECT id FROM users")).scalar_one()

    # when it is upgraded to 0007
    upgrade(empty_engine, "0007")

    # then the order placed through the API has the till's id, the others none
    with empty_engine.connect() as connection:
        placed = connection.execute(text("SELECT id, placed_by FROM orders ORDER BY id")).all()
    assert [tuple(r) for r in placed] == [("ORD-1", till), ("ORD-2", None), ("ORD-3", None)]

    # and when it goes back to 0006, the column is gone and the orders are kept
    downgrade(empty_engine, "0006")
    columns = {c["name"] for c in inspect(empty_engine).get_columns("orders")}
    assert "placed_by" not in columns
    with empty_engine.connect() as connection:
        kept = connection.execute(text("SELECT id FROM orders ORDER BY id")).scalars().all()
    assert kept == ["ORD-1", "ORD-2", "ORD-3"]
