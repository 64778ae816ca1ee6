"""Alembic environment: runs on the connection handed over by ``inhouse.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import inhouse.benefits.tables
import inhouse.care.tables
import inhouse.groups.tables
import inhouse.identity.tables
import inhouse.incentives.tables
import inhouse.orders.tables
import inhouse.pricing.tables  # noqa: F401  (registers the tables on the metadata)
from inhouse.db.metadata import metadata

config = context.config
target_metadata = metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = engine_from_config(
            config.get_section(config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        with engine.begin() as own:
            _migrate(own)
    else:
        _migrate(connection)


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
