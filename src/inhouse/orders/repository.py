"""Reading and writing orders, returns and the per-buyer ledger locks. Repositories never commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from inhouse.groups.domain import trim
from inhouse.money import Money
from inhouse.orders import tables as t
from inhouse.orders.domain import RecordedLine, UsageEntry
from inhouse.pricing.domain import ProgrammeKind
from inhouse.pricing.repository import amount_of

Row = dict[str, Any]
STAFF_KINDS = (ProgrammeKind.STAFF_DISCOUNT.value, ProgrammeKind.GROUP_STAFF_DISCOUNT.value)


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def quantity_of(value: Any) -> Decimal:
    """A stored quantity without the column's trailing zeros: ``2.0000`` → ``2``."""
    return trim(Decimal(str(value)))


def line_of(row: Row, on: date) -> RecordedLine:
    """A stored order line as the domain's recorded line."""
    currency = row["currency"]
    kind = row["programme_kind"]
    return RecordedLine(
        order=row["order_id"],
        number=int(row["number"]),
        product=row["product"],
        category=row["category"],
        on=on,
        quantity=quantity_of(row["quantity"]),
        programme=row["programme"],
        programme_kind=None if kind is None else ProgrammeKind(kind),
        list_amount=Money(amount_of(row["list_amount"], currency), currency),
        amount=Money(amount_of(row["amount"], currency), currency),
        discount=Money(amount_of(row["discount"], currency), currency),
    )


class OrdersRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # ------------------------------------------------------------------ the lock

    def lock_ledger(self, buyer: str, year: int) -> None:
        """Take the buyer's ledger of ``year`` until the transaction ends.

        One upsert makes the row if it is missing and updates it if not: on PostgreSQL
        that holds its row lock, on SQLite the database's write lock, so two orders of
        one buyer and year never count usage at the same time.
        """
        dialect = self.connection.dialect.name
        maker = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = maker(t.order_ledgers).values(buyer=buyer, year=year, version=1)
        statement = statement.on_conflict_do_update(
            index_elements=["buyer", "year"],
            set_={"version": t.order_ledgers.c.version + 1},
        )
        self.connection.execute(statement)

    # ------------------------------------------------------------------ writing

    def add_order(self, row: Row, lines: Sequence[Row]) -> None:
        self.connection.execute(insert(t.orders).values(**row))
        self.connection.execute(insert(t.order_lines), [dict(line) for line in lines])

    def add_return(self, row: Row, lines: Sequence[Row]) -> None:
        self.connection.execute(insert(t.order_returns).values(**row))
        self.connection.execute(insert(t.return_lines), [dict(line) for line in lines])

    def add_orders(self, rows: Sequence[Row], lines: Sequence[Row]) -> None:
        """Many orders at once (an import)."""
        if rows:
            self.connection.execute(insert(t.orders), list(rows))
            self.connection.execute(insert(t.order_lines), list(lines))

    def add_returns(self, rows: Sequence[Row], lines: Sequence[Row]) -> None:
        if rows:
            self.connection.execute(insert(t.order_returns), list(rows))
            self.connection.execute(insert(t.return_lines), list(lines))

    # ------------------------------------------------------------------ reading

    def order(self, order: str) -> Row | None:
        found = self.connection.execute(select(t.orders).where(t.orders.c.id == order))
        row = found.mappings().first()
        return None if row is None else dict(row)

    def known_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 10_000):
            chunk = list(ids[start : start + 10_000])
            for table in (t.orders, t.order_returns):
                query = select(table.c.id).where(table.c.id.in_(chunk))
                found.update(self.connection.execute(query).scalars())
        return found

    def lines(self, orders: Sequence[str]) -> dict[str, list[Row]]:
        found: dict[str, list[Row]] = {o: [] for o in orders}
        if orders:
            query = (
                select(t.order_lines)
                .where(t.order_lines.c.order_id.in_(list(orders)))
                .order_by(t.order_lines.c.order_id, t.order_lines.c.number)
            )
            for row in self.connection.execute(query).mappings():
                found[row["order_id"]].append(dict(row))
        return found

    def returns(self, orders: Sequence[str]) -> dict[str, list[Row]]:
        """The returns of ``orders`` with their lines (``lines``), oldest first."""
        found: dict[str, list[Row]] = {o: [] for o in orders}
        if not orders:
            return found
        query = (
            select(t.order_returns)
            .where(t.order_returns.c.order_id.in_(list(orders)))
            .order_by(t.order_returns.c.on, t.order_returns.c.created_at, t.order_returns.c.id)
        )
        heads = [dict(r) for r in self.connection.execute(query).mappings()]
        lines: dict[str, list[Row]] = defaultdict(list)
        if heads:
            query = (
                select(t.return_lines)
                .where(t.return_lines.c.return_id.in_([h["id"] for h in heads]))
                .order_by(t.return_lines.c.return_id, t.return_lines.c.line)
            )
            for row in self.connection.execute(query).mappings():
                lines[row["return_id"]].append(dict(row))
        for head in heads:
            found[head["order_id"]].append({**head, "lines": lines[head["id"]]})
        return found

    def returned(self, order: str) -> dict[int, Decimal]:
        """Units returned so far per line of ``order``."""
        query = (
            select(t.return_lines.c.line, func.sum(t.return_lines.c.quantity))
            .where(t.return_lines.c.order_id == order)
            .group_by(t.return_lines.c.line)
        )
        return {int(line): _decimal(q) for line, q in self.connection.execute(query)}

    def page(
        self,
        *,
        limit: int | None,
        after: tuple[date, str] | None = None,
        buyer: str | None = None,
        placed_by: int | None = None,
        seller_entity: str | None = None,
        relation: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[Row]:
        """Orders by date and id after the cursor; ``until`` is exclusive; ``placed_by``:
        only the orders that this user placed."""
        o = t.orders.c
        query = select(t.orders).order_by(o.on, o.id).limit(limit)
        if after is not None:
            query = query.where(tuple_(o.on, o.id) > tuple_(after[0], after[1]))
        for column, value in ((o.buyer, buyer), (o.placed_by, placed_by),
                              (o.seller_entity, seller_entity), (o.relation, relation)):  # fmt: skip
            if value is not None:
                query = query.where(column == value)
        if since is not None:
            query = query.where(o.on >= since)
        if until is not None:
            query = query.where(o.on < until)
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def usage_entries(self, buyer: str, year: int) -> list[UsageEntry]:
        """The buyer's staff-programme lines of ``year`` and what returns gave back of them."""
        o, line, ret = t.orders.c, t.order_lines.c, t.return_lines.c
        in_year = and_(
            o.buyer == buyer,
            o.on >= date(year, 1, 1),
            o.on < date(year + 1, 1, 1),
            line.programme_kind.in_(STAFF_KINDS),
        )
        bought = (
            select(
                line.programme,
                line.product,
                line.category,
                line.currency,
                func.sum(line.discount),
                func.sum(line.quantity),
            )
            .select_from(t.order_lines.join(t.orders, o.id == line.order_id))
            .where(in_year)
            .group_by(line.programme, line.product, line.category, line.currency)
        )
        given_back = (
            select(
                line.programme,
                line.product,
                line.category,
                line.currency,
                func.sum(ret.discount),
                func.sum(ret.quantity_given_back),
            )
            .select_from(
                t.return_lines.join(
                    t.order_lines,
                    and_(line.order_id == ret.order_id, line.number == ret.line),
                ).join(t.orders, o.id == line.order_id)
            )
            .where(in_year)
            .group_by(line.programme, line.product, line.category, line.currency)
        )
        entries: list[UsageEntry] = []
        for sign, query in ((1, bought), (-1, given_back)):
            for (
                programme,
                product,
                category,
                currency,
                discount,
                quantity,
            ) in self.connection.execute(query):
                entries.append(
                    UsageEntry(
                        programme=programme,
                        year=year,
                        discount=Money(sign * amount_of(discount, currency), currency),
                        product=product,
                        category=category,
                        quantity=sign * _decimal(quantity),
                    )
                )
        return entries

    def staff_purchases(
        self, since: date, until: date, recorded_until: date | None, buyer: str | None = None
    ) -> list[Row]:
        """Order lines bought as staff in [since, until) with their orders' facts (of one
        ``buyer`` if given)."""
        o, line = t.orders.c, t.order_lines.c
        query = (
            select(t.order_lines, o.buyer, o.on, o.relation, o.seller_entity, o.buyer_entity)
            .select_from(t.order_lines.join(t.orders, o.id == line.order_id))
            .where(
                o.relation.in_(("employee", "group_employee")),
                o.on >= since,
                o.on < until,
            )
            .order_by(o.on, line.order_id, line.number)
        )
        if recorded_until is not None:
            query = query.where(o.on < recorded_until)
        if buyer is not None:
            query = query.where(o.buyer == buyer)
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def returns_of_lines(
        self, keys: Sequence[tuple[str, int]], recorded_until: date | None
    ) -> list[Row]:
        """Return lines of the given (order, line) pairs, with their return's date."""
        found: list[Row] = []
        ret, head = t.return_lines.c, t.order_returns.c
        for start in range(0, len(keys), 5_000):
            chunk = list(keys[start : start + 5_000])
            query = (
                select(t.return_lines, head.on)
                .select_from(t.return_lines.join(t.order_returns, head.id == ret.return_id))
                .where(tuple_(ret.order_id, ret.line).in_(chunk))
                .order_by(head.on, ret.return_id, ret.line)
            )
            if recorded_until is not None:
                query = query.where(head.on < recorded_until)
            found.extend(dict(r) for r in self.connection.execute(query).mappings())
        return found
