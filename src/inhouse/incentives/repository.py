"""Reading and writing incentive programmes, point accounts and entries, referrals and
the purchases points were booked for. Repositories never commit.

Locks: ``lock_account`` and ``lock_programmes`` hold the rows until the transaction
ends. On PostgreSQL that is ``SELECT … FOR UPDATE``; SQLite has one writer at a time,
and a write statement takes that writer's lock (waiting for it up to the busy timeout),
so there the lock is a write that changes nothing. Reads after taking a lock see what
the transactions before it committed (PostgreSQL READ COMMITTED; SQLite reads inside
the write transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from inhouse.dates import Period
from inhouse.incentives import tables as t
from inhouse.incentives.domain import (
    Entry,
    EntryKind,
    IncentiveProgramme,
    ProgrammeKind,
    Purchase,
    ScopeKind,
)
from inhouse.money import Money

Row = dict[str, Any]


def programme_of(row: Mapping[Any, Any]) -> IncentiveProgramme:
    rate = row["points_per_unit"]
    return IncentiveProgramme(
        id=row["id"],
        name=row["name"],
        kind=ProgrammeKind(row["kind"]),
        period=Period(row["valid_from"], row["valid_to"]),
        scope=ScopeKind(row["scope_kind"]),
        scope_id=row["scope_id"],
        budget=None if row["budget"] is None else int(row["budget"]),
        points_per_unit=None if rate is None else Decimal(str(rate)).normalize(),
        currency=row["currency"],
        bonus_points=row["bonus_points"],
        points_valid_days=row["points_valid_days"],
    )


def entry_of(row: Mapping[Any, Any]) -> Entry:
    return Entry(
        id=int(row["id"]),
        person=row["person"],
        kind=EntryKind(row["kind"]),
        points=int(row["points"]),
        on=row["booked_on"],
        programme=row["programme"],
        expires_on=row["expires_on"],
        lot=None if row["lot"] is None else int(row["lot"]),
    )


def purchase_of(row: Mapping[Any, Any]) -> Purchase:
    currency = row["currency"]
    return Purchase(
        order=row["order_id"],
        person=row["person"],
        seller=row["seller"],
        buyer_entity=row["buyer_entity"],
        unit=row["unit"],
        on=row["purchased_on"],
        amount=Money(Decimal(str(row["amount"])), currency),
        list_amount=Money(Decimal(str(row["list_amount"])), currency),
        internal=bool(row["internal"]),
        relation=row["relation"],
        group=row["group_id"],
    )


class IncentivesRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    @property
    def _postgresql(self) -> bool:
        return self.connection.dialect.name == "postgresql"

    # ------------------------------------------------------------------ programmes

    def programme(self, programme: str) -> Row | None:
        query = select(t.incentive_programmes).where(t.incentive_programmes.c.id == programme)
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def programmes(self) -> list[Row]:
        query = select(t.incentive_programmes).order_by(t.incentive_programmes.c.id)
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def programmes_on(self, on: date) -> list[Row]:
        """The programmes valid on ``on``."""
        c = t.incentive_programmes.c
        query = (
            select(t.incentive_programmes)
            .where(or_(c.valid_from.is_(None), c.valid_from <= on))
            .where(or_(c.valid_to.is_(None), c.valid_to > on))
            .order_by(c.id)
        )
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def add_programme(self, row: Row) -> None:
        self.connection.execute(insert(t.incentive_programmes).values(**row))

    def end_programme(self, programme: str, on: date) -> None:
        c = t.incentive_programmes.c
        self.connection.execute(
            update(t.incentive_programmes).where(c.id == programme).values(valid_to=on)
        )

    def lock_programmes(self, programmes: Iterable[str]) -> dict[str, Row]:
        """The programmes' rows, locked in id order (one order everywhere: no deadlocks)."""
        ids = sorted(set(programmes))
        if not ids:
            return {}
        c = t.incentive_programmes.c
        query = select(t.incentive_programmes).where(c.id.in_(ids)).order_by(c.id)
        if self._postgresql:
            query = query.with_for_update()
        else:
            self.connection.execute(
                update(t.incentive_programmes).where(c.id.in_(ids)).values(awarded=c.awarded)
            )
        return {r["id"]: dict(r) for r in self.connection.execute(query).mappings()}

    def use_budget(self, programme: str, points: int) -> bool:
        """Count ``points`` as awarded, unless that would exceed the budget (then False)."""
        c = t.incentive_programmes.c
        result = self.connection.execute(
            update(t.incentive_programmes)
            .where(c.id == programme)
            .where(or_(c.budget.is_(None), c.awarded + points <= c.budget))
            .values(awarded=c.awarded + points)
        )
        return result.rowcount == 1

    # ------------------------------------------------------------------ accounts and entries

    def lock_account(self, person: str) -> int:
        """Open the person's account if need be and lock it; returns the balance."""
        dialect = postgresql if self._postgresql else sqlite
        self.connection.execute(
            dialect.insert(t.point_accounts)
            .values(person=person, balance=0)
            .on_conflict_do_nothing(index_elements=["person"])
        )
        query = select(t.point_accounts.c.balance).where(t.point_accounts.c.person == person)
        if self._postgresql:
            query = query.with_for_update()
        return int(self.connection.execute(query).scalar_one())

    def balance(self, person: str) -> int:
        query = select(t.point_accounts.c.balance).where(t.point_accounts.c.person == person)
        found = self.connection.execute(query).scalar_one_or_none()
        return 0 if found is None else int(found)

    def entries_sum(self, person: str) -> int:
        query = select(func.coalesce(func.sum(t.point_entries.c.points), 0)).where(
            t.point_entries.c.person == person
        )
        return int(self.connection.execute(query).scalar_one())

    def add_entry(self, row: Row) -> Row:
        """Append an entry and move the account's balance by its points (locked by the caller)."""
        result = self.connection.execute(
            insert(t.point_entries).values(**row).returning(t.point_entries)
        )
        stored = dict(result.mappings().one())
        c = t.point_accounts.c
        self.connection.execute(
            update(t.point_accounts)
            .where(c.person == row["person"])
            .values(balance=c.balance + row["points"])
        )
        return stored

    def order_awards(self, order: str) -> list[Row]:
        """The points booked for an order, in booking order (programme by programme)."""
        c = t.point_entries.c
        query = (
            select(t.point_entries)
            .where(c.kind == "earn", c.reference == order, c.booking_key.like("order:%"))
            .order_by(c.programme, c.id)
        )
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def entries(self, person: str) -> list[Entry]:
        query = (
            select(t.point_entries)
            .where(t.point_entries.c.person == person)
            .order_by(t.point_entries.c.id)
        )
        return [entry_of(r) for r in self.connection.execute(query).mappings()]

    def entry_page(self, person: str, *, limit: int, before: int | None) -> list[Row]:
        """The person's entries, newest first, older than entry ``before``."""
        c = t.point_entries.c
        query = select(t.point_entries).where(c.person == person).order_by(c.id.desc())
        if before is not None:
            query = query.where(c.id < before)
        rows = self.connection.execute(query.limit(limit)).mappings()
        return [dict(r) for r in rows]

    def persons_with_expiring(self, on: date) -> list[str]:
        """Persons with credited points that expire on or before ``on`` (used up or not)."""
        c = t.point_entries.c
        query = (
            select(c.person)
            .where(and_(c.points > 0, c.expires_on.is_not(None), c.expires_on <= on))
            .group_by(c.person)
            .order_by(c.person)
        )
        return list(self.connection.execute(query).scalars())

    # ------------------------------------------------------------------ referrals

    def referral(self, referred: str) -> Row | None:
        query = select(t.referrals).where(t.referrals.c.referred == referred)
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def referrals(self, *, referrer: str | None = None) -> list[Row]:
        query = select(t.referrals).order_by(t.referrals.c.referred)
        if referrer is not None:
            query = query.where(t.referrals.c.referrer == referrer)
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def add_referral(self, row: Row) -> None:
        self.connection.execute(insert(t.referrals).values(**row))

    # ------------------------------------------------------------------ purchases

    def purchase(self, order: str) -> Row | None:
        query = select(t.incentive_purchases).where(t.incentive_purchases.c.order_id == order)
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def has_bought_internally(self, person: str, *, other_than: str) -> bool:
        c = t.incentive_purchases.c
        query = (
            select(c.order_id)
            .where(c.person == person, c.internal.is_(True), c.order_id != other_than)
            .limit(1)
        )
        return self.connection.execute(query).first() is not None

    def add_purchase(self, purchase: Purchase) -> None:
        self.connection.execute(
            insert(t.incentive_purchases).values(
                order_id=purchase.order,
                person=purchase.person,
                seller=purchase.seller,
                buyer_entity=purchase.buyer_entity,
                unit=purchase.unit,
                purchased_on=purchase.on,
                currency=purchase.amount.currency,
                amount=purchase.amount.amount,
                list_amount=purchase.list_amount.amount,
                internal=purchase.internal,
                relation=purchase.relation,
                group_id=purchase.group,
            )
        )

    def purchases_between(self, start: date, end: date) -> list[Purchase]:
        """Purchases on ``start`` ≤ day < ``end`` (a :class:`PurchaseSource`)."""
        c = t.incentive_purchases.c
        query = (
            select(t.incentive_purchases)
            .where(c.purchased_on >= start, c.purchased_on < end)
            .order_by(c.purchased_on, c.order_id)
        )
        return [purchase_of(r) for r in self.connection.execute(query).mappings()]

    # ------------------------------------------------------------------ returns

    def returned(self, return_id: str) -> Row | None:
        query = select(t.incentive_returns).where(t.incentive_returns.c.return_id == return_id)
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def returned_amount(self, order: str) -> Decimal:
        """What the returns of ``order`` add up to so far."""
        c = t.incentive_returns.c
        query = select(func.coalesce(func.sum(c.amount), 0)).where(c.order_id == order)
        return Decimal(str(self.connection.execute(query).scalar_one()))

    def add_return(self, row: Row) -> None:
        self.connection.execute(insert(t.incentive_returns).values(**row))

    def return_entries(self, return_id: str) -> list[Row]:
        c = t.point_entries.c
        query = (
            select(t.point_entries)
            .where(c.booking_key.startswith(f"return:{return_id}:", autoescape=True))
            .order_by(c.id)
        )
        return [dict(r) for r in self.connection.execute(query).mappings()]
