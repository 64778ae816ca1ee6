"""Read-only queries for lists and charts, on the unit of work's connection. Never writes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    String,
    Table,
    and_,
    cast,
    func,
    or_,
    select,
)

from inhouse.groups import tables as groups

Row = dict[str, Any]
STREAM_BATCH = 5_000


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching(columns: Sequence[Column[Any]], search: str | None) -> ColumnElement[bool] | None:
    """Rows where any of ``columns`` contains ``search`` (case-insensitive), or None."""
    text = (search or "").strip().lower()
    if not text:
        return None
    pattern = f"%{_escaped(text)}%"
    return or_(*(func.lower(cast(c, String)).like(pattern, escape="\\") for c in columns))


def valid_on(table: Table, on: date) -> ColumnElement[bool]:
    return and_(
        or_(table.c.valid_from.is_(None), table.c.valid_from <= on),
        or_(table.c.valid_to.is_(None), table.c.valid_to > on),
    )


class InsightsRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def browse(
        self,
        table: Table,
        *,
        columns: Sequence[str],
        search_columns: Sequence[str],
        search: str | None,
        where: Sequence[ColumnElement[bool]] = (),
        order_by: Sequence[Any] = (),
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[Row], int]:
        """One page of ``table`` matching ``search`` and ``where``, with the count of all matches."""
        conditions = list(where)
        found = matching([table.c[c] for c in search_columns], search)
        if found is not None:
            conditions.append(found)
        count = select(func.count()).select_from(table)
        query = select(*(table.c[c] for c in columns))
        if conditions:
            count = count.where(*conditions)
            query = query.where(*conditions)
        query = query.order_by(*order_by).offset(offset).limit(limit)
        total = int(self.connection.execute(count).scalar_one())
        rows = [dict(r) for r in self.connection.execute(query).mappings()]
        return rows, total

    def stream(
        self,
        table: Table,
        *,
        columns: Sequence[str],
        search_columns: Sequence[str],
        search: str | None,
        where: Sequence[ColumnElement[bool]] = (),
        order_by: Sequence[Any] = (),
        limit: int,
    ) -> Iterator[Row]:
        """Every matching row (up to ``limit``), fetched in batches: for exports."""
        conditions = list(where)
        found = matching([table.c[c] for c in search_columns], search)
        if found is not None:
            conditions.append(found)
        query = select(*(table.c[c] for c in columns)).order_by(*order_by).limit(limit)
        if conditions:
            query = query.where(*conditions)
        result = self.connection.execution_options(yield_per=STREAM_BATCH).execute(query)
        for row in result.mappings():
            yield dict(row)

    # ------------------------------------------------------------------ charts

    def headcount_by_entity(self, on: date) -> list[tuple[str, str, int]]:
        """Entity id, name and the number of people employed there on ``on`` (not retirees)."""
        e, j = groups.employments, groups.entities
        query = (
            select(j.c.id, j.c.name, func.count(func.distinct(e.c.person)))
            .join(j, j.c.id == e.c.entity)
            .where(valid_on(e, on), e.c.kind == "employee")
            .group_by(j.c.id, j.c.name)
            .order_by(func.count(func.distinct(e.c.person)).desc(), j.c.id)
        )
        return [(str(a), str(b), int(c)) for a, b, c in self.connection.execute(query)]

    def headcount_on(self, days: Sequence[date]) -> list[tuple[date, int, int]]:
        """For each day: people employed (kind employee) and retirees on that day."""
        e = employments = groups.employments
        answers: list[tuple[date, int, int]] = []
        for day in days:
            query = (
                select(e.c.kind, func.count(func.distinct(e.c.person)))
                .where(valid_on(employments, day))
                .group_by(e.c.kind)
            )
            counts = {str(kind): int(n) for kind, n in self.connection.execute(query)}
            answers.append((day, counts.get("employee", 0), counts.get("retiree", 0)))
        return answers

    def programme_kinds(self, on: date) -> list[tuple[str, int]]:
        """Programme kinds running on ``on`` with their number of programmes."""
        from inhouse.pricing import tables as pricing

        p = pricing.programmes
        query = (
            select(p.c.kind, func.count())
            .where(valid_on(p, on))
            .group_by(p.c.kind)
            .order_by(p.c.kind)
        )
        return [(str(k), int(n)) for k, n in self.connection.execute(query)]
