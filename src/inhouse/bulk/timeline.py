"""The structure over time as interval tables for the columnar engine.

The sweep of :mod:`inhouse.groups.structure` derives the structure once; this module
only writes its intervals out as rows, so the bulk answers and the single answers share
every sentence of evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from inhouse.groups.domain import Register
from inhouse.groups.structure import BEGINNING, Intervals, SweptTimeline

EVIDENCE_SEPARATOR = "; "
# Between sentences inside the interval tables: SQL splits them again to drop repeats
# one by one, and a sentence may itself contain "; ".
SENTENCE_SEPARATOR = "\x1e"


@dataclass(frozen=True, slots=True)
class MembershipRow:
    entity: str
    valid_from: date | None
    valid_to: date | None
    group: str
    uncertain: bool
    chain: str  # sentences joined by SENTENCE_SEPARATOR, as are doubts and evidence below
    doubts: str  # the doubt sentences alone


@dataclass(frozen=True, slots=True)
class RelatedRow:
    """``party`` (a person or a group) is related to ``other`` (an entity or a group)."""

    party: str
    other: str
    valid_from: date | None
    valid_to: date | None
    evidence: str


@dataclass(slots=True)
class Timeline:
    memberships: list[MembershipRow]
    person_control: list[RelatedRow]  # party = person, other = an entity it controls
    group_influence: list[RelatedRow]  # party = seller's group, other = buyer's group
    related_persons: list[RelatedRow]  # party = person, other = group id


def _from(day: date) -> date | None:
    return None if day == BEGINNING else day


def _spans(
    intervals: Intervals[tuple[str, str], tuple[str, ...]],
) -> Iterator[RelatedRow]:
    for key in intervals.keyed():
        party, other = key
        for start, end, lines in intervals.spans(key):
            if lines:
                yield RelatedRow(party, other, _from(start), end, SENTENCE_SEPARATOR.join(lines))


def build_timeline(
    register: Register, advance: Callable[[int], None] = lambda _n: None
) -> Timeline:
    """Interval tables of the whole register (``None`` bounds are open)."""
    swept = register.timeline
    if not isinstance(swept, SweptTimeline):  # pragma: no cover - the only kind there is
        raise TypeError("the register's timeline was not swept")
    memberships: list[MembershipRow] = []
    for entity in register.entities:
        spans = list(swept.memberships.spans(entity))
        if not spans or spans[0][0] != BEGINNING:
            first = spans[0][0] if spans else None
            memberships.append(MembershipRow(entity, None, first, entity, False, "", ""))
        for start, end, membership in spans:
            if membership is None:  # pragma: no cover - the sweep records memberships only
                continue
            memberships.append(
                MembershipRow(
                    entity,
                    _from(start),
                    end,
                    membership.ultimate_parent,
                    membership.uncertain,
                    SENTENCE_SEPARATOR.join(membership.sentences()),
                    SENTENCE_SEPARATOR.join(doubt.sentence() for doubt in membership.doubts),
                )
            )
    advance(len(register.entities))
    persons = register.persons
    person_control = [
        RelatedRow(person, entity, _from(start), end, "")
        for entity in swept.controllers.keyed()
        for start, end, controllers in swept.controllers.spans(entity)
        for person in controllers
        if person in persons
    ]
    return Timeline(
        memberships,
        person_control,
        list(_spans(swept.group_influence)),
        list(_spans(swept.related_persons)),
    )
