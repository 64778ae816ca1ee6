"""Small builders for groups-domain tests: a Register from short tuples.

``register([("P", "S", "70")])`` is P holding 70 % of the votes (and the equity) in S,
valid since always. Every id that is not a person or a unit becomes a legal entity.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from inhouse.dates import Period
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

ON = date(2026, 6, 30)

StakeSpec = tuple[str, str, str] | Stake


def stake(
    holder: str,
    entity: str,
    voting: str,
    *,
    equity: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    control: Control = Control.DERIVED,
) -> Stake:
    """A stake in dataset notation; equity defaults to voting (groups.md, Shares)."""
    return Stake(
        holder=holder,
        entity=entity,
        voting=Share.parse(voting),
        equity=Share.parse(equity if equity is not None else voting),
        period=Period(valid_from, valid_to),
        control=control,
    )


def employment(
    person: str,
    entity: str,
    *,
    kind: EmploymentKind = EmploymentKind.EMPLOYEE,
    unit: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Employment:
    return Employment(person, entity, unit, kind, Period(valid_from, valid_to))


def register(
    stakes: Iterable[StakeSpec] = (),
    *,
    entities: Iterable[str] = (),
    persons: Iterable[str] = (),
    units: Iterable[tuple[str, str]] = (),
    employments: Iterable[Employment] = (),
) -> Register:
    """A register of the given stakes; ``units`` are ``(unit id, entity id)`` pairs."""
    built = [s if isinstance(s, Stake) else stake(*s) for s in stakes]
    jobs = list(employments)
    unit_list = [OrgUnit(unit_id, entity_id, unit_id) for unit_id, entity_id in units]
    person_ids = set(persons) | {e.person for e in jobs}
    mentioned = {x for s in built for x in (s.holder, s.entity)}
    mentioned |= {e.entity for e in jobs} | {u.entity for u in unit_list} | set(entities)
    entity_ids = mentioned - person_ids - {u.id for u in unit_list}
    return Register(
        entities=[Entity(i, f"{i} Ltd") for i in sorted(entity_ids)],
        stakes=built,
        units=unit_list,
        persons=[Person(p, f"Person {p}") for p in sorted(person_ids)],
        employments=jobs,
    )
