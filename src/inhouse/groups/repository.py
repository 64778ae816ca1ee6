"""Reading and writing the groups context's records. Repositories never commit."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, func, insert, or_, select, update

from inhouse.dates import Period
from inhouse.groups import tables as t
from inhouse.groups.domain import (
    Control,
    Employment,
    EmploymentKind,
    Entity,
    OrgUnit,
    Person,
    Register,
    Share,
    Stake,
)

Row = dict[str, Any]

# The record kinds of the groups context, by their plural resource name.
TABLES: Mapping[str, Table] = {
    "entities": t.entities,
    "stakes": t.stakes,
    "units": t.units,
    "persons": t.persons,
    "employments": t.employments,
}
# Records with their own ids are parties (one namespace); stakes and employments are
# numbered by the database.
PARTY_KIND = {"entities": "entity", "units": "unit", "persons": "person"}
DATED = ("stakes", "employments")
BATCH = 5000


def entity_of(row: Mapping[Any, Any]) -> Entity:
    return Entity(
        id=row["id"],
        name=row["name"],
        country=row["country"],
        currency=row["currency"],
        lei=row["lei"],
        vat_id=row["vat_id"],
        line_of_business=row["line_of_business"],
    )


def stake_of(row: Mapping[Any, Any]) -> Stake:
    return Stake(
        holder=row["holder"],
        entity=row["entity"],
        voting=Share.parse(row["voting"]),
        equity=Share.parse(row["equity"]),
        period=Period(row["valid_from"], row["valid_to"]),
        control=Control(row["control"] or ""),
    )


def unit_of(row: Mapping[Any, Any]) -> OrgUnit:
    return OrgUnit(
        id=row["id"],
        entity=row["entity"],
        name=row["name"],
        parent=row["parent"],
        cost_centre=row["cost_centre"],
    )


def person_of(row: Mapping[Any, Any]) -> Person:
    return Person(
        id=row["id"], name=row["name"], email=row["email"], employee_no=row["employee_no"]
    )


def employment_of(row: Mapping[Any, Any]) -> Employment:
    return Employment(
        person=row["person"],
        entity=row["entity"],
        unit=row["unit"],
        kind=EmploymentKind(row["kind"]),
        period=Period(row["valid_from"], row["valid_to"]),
    )


def row_of_stake(stake: Stake) -> Row:
    return {
        "holder": stake.holder,
        "entity": stake.entity,
        "voting": stake.voting.notation(),
        "equity": stake.equity.notation(),
        "valid_from": stake.period.valid_from,
        "valid_to": stake.period.valid_to,
        "control": stake.control.value,
    }


def row_of_employment(employment: Employment) -> Row:
    return {
        "person": employment.person,
        "entity": employment.entity,
        "unit": employment.unit,
        "kind": employment.kind.value,
        "valid_from": employment.period.valid_from,
        "valid_to": employment.period.valid_to,
    }


def row_of_entity(entity: Entity) -> Row:
    return {
        "id": entity.id,
        "name": entity.name,
        "country": entity.country,
        "currency": entity.currency,
        "lei": entity.lei,
        "vat_id": entity.vat_id,
        "line_of_business": entity.line_of_business,
    }


def row_of_unit(unit: OrgUnit) -> Row:
    return {
        "id": unit.id,
        "entity": unit.entity,
        "name": unit.name,
        "parent": unit.parent,
        "cost_centre": unit.cost_centre,
    }


def row_of_person(person: Person) -> Row:
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "employee_no": person.employee_no,
    }


class GroupsRepository:
    """Rows of entities, stakes, units, persons and employments on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # ------------------------------------------------------------------ whole register

    def load_register(self) -> Register:
        c = self.connection
        return Register(
            entities=[entity_of(r) for r in c.execute(select(t.entities)).mappings()],
            stakes=[stake_of(r) for r in c.execute(select(t.stakes)).mappings()],
            units=[unit_of(r) for r in c.execute(select(t.units)).mappings()],
            persons=[person_of(r) for r in c.execute(select(t.persons)).mappings()],
            employments=[employment_of(r) for r in c.execute(select(t.employments)).mappings()],
        )

    def party_kind(self, party: str) -> str | None:
        return self.connection.execute(
            select(t.parties.c.kind).where(t.parties.c.id == party)
        ).scalar_one_or_none()

    def party_kinds(self, parties: Iterable[str]) -> dict[str, str]:
        wanted = list(set(parties))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            found.update(
                self.connection.execute(
                    select(t.parties.c.id, t.parties.c.kind).where(t.parties.c.id.in_(chunk))
                ).all()
            )
        return found

    def count(self, resource: str) -> int:
        table = TABLES[resource]
        return int(self.connection.execute(select(func.count()).select_from(table)).scalar_one())

    # ------------------------------------------------------------------ single records

    def get(self, resource: str, key: str | int) -> Row | None:
        table = TABLES[resource]
        found = self.connection.execute(select(table).where(_key(table) == key)).mappings().first()
        return dict(found) if found else None

    def add(self, resource: str, values: Mapping[str, Any]) -> Row:
        table = TABLES[resource]
        if resource in PARTY_KIND:
            self.connection.execute(
                insert(t.parties).values(id=values["id"], kind=PARTY_KIND[resource])
            )
        result = self.connection.execute(insert(table).values(**values).returning(table))
        return dict(result.mappings().one())

    def change(self, resource: str, key: str | int, values: Mapping[str, Any]) -> Row:
        table = TABLES[resource]
        result = self.connection.execute(
            update(table).where(_key(table) == key).values(**values).returning(table)
        )
        return dict(result.mappings().one())

    def page(
        self,
        resource: str,
        *,
        limit: int,
        after: str | int | None = None,
        on: date | None = None,
        filters: Mapping[str, Any] | None = None,
        only_ids: Sequence[str] | None = None,
    ) -> list[Row]:
        """Records in key order after the cursor; dated records valid on ``on`` if given."""
        table = TABLES[resource]
        key = _key(table)
        query = select(table).order_by(key).limit(limit)
        if after is not None:
            query = query.where(key > after)
        if on is not None and resource in DATED:
            query = query.where(
                and_(
                    or_(table.c.valid_from.is_(None), table.c.valid_from <= on),
                    or_(table.c.valid_to.is_(None), table.c.valid_to > on),
                )
            )
        for column, value in (filters or {}).items():
            if value is not None:
                query = query.where(table.c[column] == value)
        if only_ids is not None:
            query = query.where(key.in_(list(only_ids)))
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def lock(self, resource: str, key: str | int) -> Row | None:
        """The row, locked against other writers until the transaction ends (PostgreSQL)."""
        table = TABLES[resource]
        query = select(table).where(_key(table) == key).with_for_update()
        found = self.connection.execute(query).mappings().first()
        return dict(found) if found else None

    def ongoing(
        self, resource: str, *, after: date, where: Mapping[str, Collection[Any]]
    ) -> list[Row]:
        """Dated records not over by ``after`` (``valid_to`` empty or later) in key order,
        where any of the columns holds one of its values."""
        table = TABLES[resource]
        matches = [table.c[column].in_(list(values)) for column, values in where.items() if values]
        if not matches:
            return []
        query = (
            select(table)
            .where(or_(*matches))
            .where(or_(table.c.valid_to.is_(None), table.c.valid_to > after))
            .order_by(_key(table))
        )
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def keys_where(self, resource: str, values: Mapping[str, Any]) -> list[Any]:
        """Keys of the rows whose columns equal ``values`` (``None`` matches an empty column)."""
        table = TABLES[resource]
        query = select(_key(table)).order_by(_key(table))
        for column, value in values.items():
            query = query.where(
                table.c[column].is_(None) if value is None else table.c[column] == value
            )
        return list(self.connection.execute(query).scalars())

    def unit_parents(self, entity: str) -> dict[str, str | None]:
        """Each org unit of ``entity`` with its parent."""
        query = select(t.units.c.id, t.units.c.parent).where(t.units.c.entity == entity)
        return dict(self.connection.execute(query).all())

    # ------------------------------------------------------------------ bulk (import)

    def add_many(self, resource: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert many rows with executemany in batches (imports of millions of rows)."""
        table = TABLES[resource]
        if resource in PARTY_KIND:
            kind = PARTY_KIND[resource]
            self._executemany(t.parties, [{"id": r["id"], "kind": kind} for r in rows])
        self._executemany(table, rows)

    def change_many(self, resource: str, rows: Sequence[Mapping[str, Any]]) -> None:
        table = TABLES[resource]
        for row in rows:
            key = row["id"]
            values = {k: v for k, v in row.items() if k != "id"}
            self.connection.execute(update(table).where(_key(table) == key).values(**values))

    def all_rows(self, resource: str) -> list[Row]:
        table = TABLES[resource]
        return [
            dict(r) for r in self.connection.execute(select(table).order_by(_key(table))).mappings()
        ]

    def iter_values(
        self, resource: str, columns: Sequence[str], *, batch: int = BATCH
    ) -> Iterator[tuple[Any, ...]]:
        """The values of ``columns`` of every row in key order, fetched ``batch`` rows at a time
        (imports and exports of millions of rows)."""
        table = TABLES[resource]
        query = (
            select(*(table.c[column] for column in columns))
            .order_by(_key(table))
            .execution_options(yield_per=batch)
        )
        for found in self.connection.execute(query):
            yield tuple(found)

    def load_many(
        self, resource: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert many rows given as values in ``columns`` order, as fast as the database
        takes them: COPY on PostgreSQL, executemany elsewhere (imports)."""
        if self.connection.dialect.name != "postgresql":
            self.add_many(resource, [dict(zip(columns, row, strict=True)) for row in rows])
            return
        if resource in PARTY_KIND:
            at = list(columns).index("id")
            kind = PARTY_KIND[resource]
            self._copy(t.parties, ("id", "kind"), [(row[at], kind) for row in rows])
        self._copy(TABLES[resource], columns, rows)

    def _copy(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        driver: Any = self.connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def replace_many(self, resource: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Overwrite whole rows by ``id`` with executemany in batches (imports).

        Every row carries ``id`` and the same other columns.
        """
        if not rows:
            return
        table = TABLES[resource]
        columns = [column for column in rows[0] if column != "id"]
        statement = (
            update(table)
            .where(_key(table) == bindparam("key_"))
            .values({column: bindparam(f"{column}_") for column in columns})
        )
        for start in range(0, len(rows), BATCH):
            chunk = [
                {"key_": row["id"], **{f"{column}_": row[column] for column in columns}}
                for row in rows[start : start + BATCH]
            ]
            self.connection.execute(statement, chunk)

    def lock_all(self) -> None:
        """Keep other writers out of every groups table until the transaction ends, while
        reads go on (PostgreSQL ``EXCLUSIVE`` mode): for compare-then-write imports.

        SQLite has one writer at a time anyway: a write that would interleave fails instead.
        """
        if self.connection.dialect.name != "postgresql":
            return
        from psycopg import sql

        names = [t.parties.name, *(table.name for table in TABLES.values())]
        statement = sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(
            sql.SQL(", ").join(map(sql.Identifier, names))
        )
        driver: Any = self.connection.connection.driver_connection
        with driver.cursor() as cursor:
            cursor.execute(statement)

    def _executemany(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            if chunk:
                self.connection.execute(insert(table), list(chunk))


def _key(table: Table) -> Any:
    return table.c.id
