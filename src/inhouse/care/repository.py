"""Reading and writing calendars, SLA policies, tickets, their events and surveys.

Repositories never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, insert, or_, select, true, update

from inhouse.care import tables as t
from inhouse.care.domain import (
    Article,
    Author,
    Calendar,
    History,
    Policy,
    Priority,
    Status,
    StatusChange,
    Targets,
)

Row = dict[str, Any]


def calendar_of(row: Mapping[str, Any]) -> Calendar:
    return Calendar.of(
        id=row["id"],
        name=row["name"],
        tz=row["tz"],
        hours=row["hours"],
        holidays=[date.fromisoformat(d) for d in row["holidays"]],
    )


def policy_of(row: Mapping[str, Any]) -> Policy:
    return Policy(
        id=row["id"],
        name=row["name"],
        position=int(row["position"]),
        calendar=row["calendar"],
        targets=Targets(
            int(row["first_response"]),
            int(row["resolution"]),
            None if row["next_response"] is None else int(row["next_response"]),
        ),
        segments=frozenset(row["segments"]),
        priorities=frozenset(Priority(p) for p in row["priorities"]),
        paused=frozenset(Status(s) for s in row["paused_statuses"]),
    )


def history_of(created: datetime, events: Iterable[Mapping[str, Any]]) -> History:
    changes: list[StatusChange] = []
    articles: list[Article] = []
    for event in events:
        if event["kind"] == "status":
            changes.append(StatusChange(event["at"], Status(event["status"])))
        else:
            articles.append(Article(event["at"], Author(event["author"]), bool(event["public"])))
    return History(created, tuple(changes), tuple(articles))


class CareRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _one(self, query: Any) -> Row | None:
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def _all(self, query: Any) -> list[Row]:
        return [dict(r) for r in self.connection.execute(query).mappings()]

    # ------------------------------------------------------------------ calendars

    def calendar(self, calendar: str) -> Row | None:
        return self._one(select(t.care_calendars).where(t.care_calendars.c.id == calendar))

    def calendars(self) -> list[Row]:
        return self._all(select(t.care_calendars).order_by(t.care_calendars.c.id))

    def add_calendar(self, row: Row) -> None:
        self.connection.execute(insert(t.care_calendars).values(**row))

    def replace_calendar(self, row: Row) -> None:
        table = t.care_calendars
        self.connection.execute(update(table).where(table.c.id == row["id"]).values(**row))

    def load_calendars(self) -> dict[str, Calendar]:
        return {r["id"]: calendar_of(r) for r in self.calendars()}

    # ------------------------------------------------------------------ policies

    def policy(self, policy: str) -> Row | None:
        return self._one(select(t.sla_policies).where(t.sla_policies.c.id == policy))

    def policies(self) -> list[Row]:
        table = t.sla_policies
        return self._all(select(table).order_by(table.c.position, table.c.id))

    def add_policy(self, row: Row) -> None:
        self.connection.execute(insert(t.sla_policies).values(**row))

    def replace_policy(self, row: Row) -> None:
        table = t.sla_policies
        self.connection.execute(update(table).where(table.c.id == row["id"]).values(**row))

    def load_policies(self) -> list[Policy]:
        return [policy_of(r) for r in self.policies()]

    # ------------------------------------------------------------------ tickets

    def ticket(self, ticket: str, *, lock: bool = False) -> Row | None:
        query = select(t.tickets).where(t.tickets.c.id == ticket)
        if lock:
            query = query.with_for_update()
        return self._one(query)

    def tickets_page(
        self,
        *,
        limit: int,
        after: str | None,
        requester: str | None = None,
        serving_entity: str | None = None,
        status: str | None = None,
    ) -> list[Row]:
        table = t.tickets
        query = select(table).order_by(table.c.id).limit(limit)
        if after is not None:
            query = query.where(table.c.id > after)
        if requester is not None:
            query = query.where(table.c.requester == requester)
        if serving_entity is not None:
            query = query.where(table.c.serving_entity == serving_entity)
        if status is not None:
            query = query.where(table.c.status == status)
        return self._all(query)

    def existing_tickets(self, ids: Sequence[str]) -> dict[str, Row]:
        found: dict[str, Row] = {}
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            for row in self._all(select(t.tickets).where(t.tickets.c.id.in_(chunk))):
                found[row["id"]] = row
        return found

    def ticket_ids(self, *, policies: Sequence[str] | None = None) -> list[str]:
        """Tickets whose clocks depend on these policies (all tickets when ``None``)."""
        query = select(t.tickets.c.id).order_by(t.tickets.c.id)
        if policies is not None:
            query = query.where(or_(t.tickets.c.policy.in_(policies), t.tickets.c.policy.is_(None)))
        return list(self.connection.execute(query).scalars())

    def add_ticket(self, row: Row) -> None:
        self.connection.execute(insert(t.tickets).values(**row))

    def add_tickets(self, rows: Sequence[Row]) -> None:
        if rows:
            self.connection.execute(insert(t.tickets), list(rows))

    def update_ticket(self, ticket: str, values: Row) -> None:
        table = t.tickets
        self.connection.execute(update(table).where(table.c.id == ticket).values(**values))

    def update_tickets(self, rows: Sequence[Row]) -> None:
        """Several tickets' figures at once: each row has ``id`` and the columns to set."""
        for row in rows:
            values = {k: v for k, v in row.items() if k != "id"}
            self.update_ticket(row["id"], values)

    # ------------------------------------------------------------------ events

    def events(self, ticket: str) -> list[Row]:
        table = t.ticket_events
        query = select(table).where(table.c.ticket == ticket).order_by(table.c.at, table.c.id)
        return self._all(query)

    def events_of(self, tickets: Sequence[str]) -> dict[str, list[Row]]:
        found: dict[str, list[Row]] = {ticket: [] for ticket in tickets}
        table = t.ticket_events
        for start in range(0, len(tickets), 5000):
            chunk = tickets[start : start + 5000]
            query = select(table).where(table.c.ticket.in_(chunk)).order_by(table.c.at, table.c.id)
            for row in self._all(query):
                found[row["ticket"]].append(row)
        return found

    def add_event(self, row: Row) -> Row:
        result = self.connection.execute(insert(t.ticket_events).values(**row))
        key = result.inserted_primary_key
        assert key is not None
        return {**row, "id": key[0]}

    def add_events(self, rows: Sequence[Row]) -> None:
        if rows:
            self.connection.execute(insert(t.ticket_events), list(rows))

    # ------------------------------------------------------------------ surveys

    def add_survey(self, row: Row) -> Row:
        result = self.connection.execute(insert(t.surveys).values(**row))
        key = result.inserted_primary_key
        assert key is not None
        return {**row, "id": key[0]}

    def survey_by_token(self, token_hash: str, *, lock: bool = False) -> Row | None:
        query = select(t.surveys).where(t.surveys.c.token_hash == token_hash)
        if lock:
            query = query.with_for_update()
        return self._one(query)

    def survey(self, survey: int, *, lock: bool = False) -> Row | None:
        query = select(t.surveys).where(t.surveys.c.id == survey)
        if lock:
            query = query.with_for_update()
        return self._one(query)

    def open_surveys_of(self, requester: str, now: datetime) -> list[Row]:
        """The requester's surveys not answered and not expired at ``now``, oldest first."""
        table = t.surveys
        return self._all(
            select(table)
            .where(table.c.requester == requester, table.c.answered_at.is_(None),
                   table.c.expires_at > now)
            .order_by(table.c.created_at, table.c.id)
        )  # fmt: skip

    def answer_survey(self, survey: int, values: Row) -> bool:
        """Record an answer unless one is there already (``False``: answered before)."""
        table = t.surveys
        result = self.connection.execute(
            update(table)
            .where(and_(table.c.id == survey, table.c.answered_at.is_(None)))
            .values(**values)
        )
        return result.rowcount == 1

    def surveys_of(self, ticket: str) -> list[Row]:
        table = t.surveys
        return self._all(select(table).where(table.c.ticket == ticket).order_by(table.c.id))

    # ------------------------------------------------------------------ parity

    def figures(
        self, *, start: datetime, end: datetime, serving: Sequence[str] | None, as_of: datetime
    ) -> list[tuple[Any, ...]]:
        """The stored figures of tickets created in ``[start, end)`` by serving entities:
        ``(id, relation, first_response_minutes, resolution_minutes, breached)``.

        ``breached`` as of ``as_of``: a clock that is due and still running counts as
        breached; a ticket whose clocks are all within target and stopped as met;
        others (running, not yet due) as undecided (``None``).
        """
        table = t.tickets
        overdue = or_(
            and_(table.c.first_response_at.is_(None), table.c.first_response_due <= as_of),
            and_(table.c.resolved_at.is_(None), table.c.resolution_due <= as_of),
        )
        breached = case(
            (table.c.breached.is_(True), true()), (overdue, true()), else_=table.c.breached
        )
        query = select(
            table.c.id,
            table.c.relation,
            table.c.first_response_minutes,
            table.c.resolution_minutes,
            breached.label("breached"),
        ).where(and_(table.c.created_at >= start, table.c.created_at < end))
        if serving is not None:
            query = query.where(table.c.serving_entity.in_(serving))
        return [tuple(row) for row in self.connection.execute(query).all()]

    def csat_answers(
        self, *, start: datetime, end: datetime, serving: Sequence[str] | None
    ) -> list[Row]:
        """CSAT answers about tickets created in ``[start, end)``."""
        s, k = t.surveys, t.tickets
        query = (
            select(s.c.ticket, s.c.score)
            .join(k, k.c.id == s.c.ticket)
            .where(
                and_(
                    s.c.kind == "csat",
                    s.c.answered_at.is_not(None),
                    k.c.created_at >= start,
                    k.c.created_at < end,
                )
            )
        )
        if serving is not None:
            query = query.where(k.c.serving_entity.in_(serving))
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def answers(
        self, *, kind: str, start: datetime, end: datetime, serving: Sequence[str] | None
    ) -> list[Row]:
        """Answered surveys of a kind, answered in ``[start, end)``."""
        table = t.surveys
        query = select(table.c.ticket, table.c.relation, table.c.score).where(
            and_(
                table.c.kind == kind,
                table.c.answered_at.is_not(None),
                table.c.answered_at >= start,
                table.c.answered_at < end,
            )
        )
        if serving is not None:
            query = query.where(table.c.serving_entity.in_(serving))
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def count_tickets(self) -> int:
        return int(
            self.connection.execute(select(func.count()).select_from(t.tickets)).scalar_one()
        )
