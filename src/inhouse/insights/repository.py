"""Read-only queries for lists and charts, on the unit of work's connection. Never writes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    String,
    Table,
    and_,
    case,
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

    # ------------------------------------------------------------------ order charts

    def _month(self, day: Any) -> Any:
        """``YYYY-MM`` of a date column, in the database's own words."""
        if self.connection.dialect.name == "postgresql":
            return func.to_char(day, "YYYY-MM")
        return func.strftime("%Y-%m", day)

    def sales_by_month(self, since: date, until: date) -> list[Row]:
        """Per month, relation and currency (``since`` ≤ day < ``until``): what orders sold
        and what returns gave back in that month, and the staff discounts of both.

        ``sold``/``staff_discount`` count order lines by the order's day; ``returned`` and
        ``discount_returned`` count return lines by the return's day.
        """
        from inhouse.orders import tables as orders
        from inhouse.orders.repository import STAFF_KINDS

        o, line = orders.orders, orders.order_lines
        r, rl = orders.order_returns, orders.return_lines
        staff = line.c.programme_kind.in_(STAFF_KINDS)
        month = self._month(o.c.on)
        sold = (
            select(
                month.label("month"),
                o.c.relation,
                line.c.currency,
                func.sum(line.c.amount),
                func.sum(case((staff, line.c.discount), else_=0)),
            )
            .select_from(line.join(o, o.c.id == line.c.order_id))
            .where(o.c.on >= since, o.c.on < until)
            .group_by(month, o.c.relation, line.c.currency)
        )
        back_month = self._month(r.c.on)
        returned = (
            select(
                back_month.label("month"),
                o.c.relation,
                line.c.currency,
                func.sum(rl.c.amount),
                func.sum(case((staff, rl.c.discount), else_=0)),
            )
            .select_from(
                rl.join(r, r.c.id == rl.c.return_id)
                .join(o, o.c.id == rl.c.order_id)
                .join(line, and_(line.c.order_id == rl.c.order_id, line.c.number == rl.c.line))
            )
            .where(r.c.on >= since, r.c.on < until)
            .group_by(back_month, o.c.relation, line.c.currency)
        )
        found: dict[tuple[str, str, str], Row] = {}
        for query, sign in ((sold, 1), (returned, -1)):
            for m, relation, currency, amount, discount in self.connection.execute(query):
                key = (str(m), str(relation), str(currency))
                row = found.setdefault(key, {"month": key[0], "relation": key[1],
                                             "currency": key[2], "amount": Decimal(0),
                                             "staff_discount": Decimal(0)})  # fmt: skip
                row["amount"] += sign * Decimal(str(amount or 0))
                row["staff_discount"] += sign * Decimal(str(discount or 0))
        return sorted(found.values(), key=lambda x: (x["month"], x["relation"], x["currency"]))

    def intercompany_sales(self, since: date, until: date) -> list[Row]:
        """Seller entity, buyer entity, currency and the net amount of intercompany orders
        (``since`` ≤ order day < ``until``), returns of those orders deducted."""
        from inhouse.orders import tables as orders

        o, line, rl = orders.orders, orders.order_lines, orders.return_lines
        inside = and_(o.c.relation == "intercompany", o.c.on >= since, o.c.on < until)
        sold = (
            select(o.c.seller_entity, o.c.buyer_entity, line.c.currency, func.sum(line.c.amount))
            .select_from(line.join(o, o.c.id == line.c.order_id))
            .where(inside)
            .group_by(o.c.seller_entity, o.c.buyer_entity, line.c.currency)
        )
        returned = (
            select(o.c.seller_entity, o.c.buyer_entity, line.c.currency, func.sum(rl.c.amount))
            .select_from(
                rl.join(o, o.c.id == rl.c.order_id).join(
                    line, and_(line.c.order_id == rl.c.order_id, line.c.number == rl.c.line)
                )
            )
            .where(inside)
            .group_by(o.c.seller_entity, o.c.buyer_entity, line.c.currency)
        )
        found: dict[tuple[str, str, str], Decimal] = {}
        for query, sign in ((sold, 1), (returned, -1)):
            for seller, buyer, currency, amount in self.connection.execute(query):
                key = (str(seller), str(buyer or ""), str(currency))
                found[key] = found.get(key, Decimal(0)) + sign * Decimal(str(amount or 0))
        return [
            {"seller": s, "buyer": b, "currency": c, "amount": a}
            for (s, b, c), a in sorted(found.items())
        ]

    def participation_by_month(self, months: Sequence[date]) -> list[tuple[date, int, int]]:
        """For each month (its first day): employees employed on at least one day of it
        (retirees not counted) and how many of them bought internally in it."""
        from inhouse.orders import tables as orders

        e, o = groups.employments, orders.orders
        answers: list[tuple[date, int, int]] = []
        for first in months:
            end = date(first.year + 1, 1, 1) if first.month == 12 else date(first.year,
                                                                           first.month + 1, 1)  # fmt: skip
            overlaps = and_(
                e.c.kind == "employee",
                or_(e.c.valid_from.is_(None), e.c.valid_from < end),
                or_(e.c.valid_to.is_(None), e.c.valid_to > first),
            )
            eligible = select(func.count(func.distinct(e.c.person))).where(overlaps)
            bought = select(func.count(func.distinct(o.c.buyer))).where(
                o.c.on >= first,
                o.c.on < end,
                o.c.internal.is_(True),
                o.c.buyer.in_(select(e.c.person).where(overlaps)),
            )
            answers.append(
                (
                    first,
                    int(self.connection.execute(eligible).scalar_one()),
                    int(self.connection.execute(bought).scalar_one()),
                )
            )
        return answers

    # ------------------------------------------------------------------ service parity

    def _utc_month(self, moment: Any) -> Any:
        """``YYYY-MM`` of a UTC moment column (PostgreSQL: whatever the session's zone)."""
        if self.connection.dialect.name == "postgresql":
            return func.to_char(func.timezone("UTC", moment), "YYYY-MM")
        return func.strftime("%Y-%m", moment)

    def attainment_by_month(self, since: date, until: date) -> list[Row]:
        """Per month (UTC) of tickets created ``since`` ≤ UTC day < ``until`` and per
        segment (``internal`` true or false): ``tickets``, ``decided`` (their stored SLA
        outcome is known: ``breached`` not null) and ``met`` (``breached`` false)."""
        from inhouse.care import tables as care

        k = care.tickets
        month = self._utc_month(k.c.created_at)
        query = (
            select(
                month.label("month"),
                k.c.internal,
                func.count(),
                func.count(k.c.breached),
                func.sum(case((k.c.breached.is_(False), 1), else_=0)),
            )
            .where(
                k.c.created_at >= datetime.combine(since, time(), UTC),
                k.c.created_at < datetime.combine(until, time(), UTC),
            )
            .group_by(month, k.c.internal)
            .order_by(month, k.c.internal)
        )
        return [
            {"month": str(m), "internal": bool(i), "tickets": int(n), "decided": int(d),
             "met": int(x or 0)}
            for m, i, n, d, x in self.connection.execute(query)
        ]  # fmt: skip

    def capped_programmes(self, year: int) -> list[Row]:
        """Staff programmes with an annual cap that run on at least one day of ``year``."""
        from inhouse.orders.repository import STAFF_KINDS
        from inhouse.pricing import tables as pricing

        p = pricing.programmes
        query = (
            select(p.c.id, p.c.name, p.c.annual_cap, p.c.annual_cap_currency)
            .where(
                p.c.kind.in_(STAFF_KINDS),
                p.c.annual_cap.is_not(None),
                or_(p.c.valid_from.is_(None), p.c.valid_from < date(year + 1, 1, 1)),
                or_(p.c.valid_to.is_(None), p.c.valid_to > date(year, 1, 1)),
            )
            .order_by(p.c.id)
        )
        return [dict(r) for r in self.connection.execute(query).mappings()]
