"""The group structure over a window of days, as interval tables for the columnar engine.

Control only travels along stakes, so the register splits into connected components
(entities and persons linked by stakes). A component's structure changes only on the
days one of its own stakes starts or ends; each component is evaluated once per such
day inside the window, with the same domain code that answers single questions, so the
bulk answers and the single answers share every sentence of evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from inhouse.groups.domain import Register, Snapshot, Stake

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
    """``party`` (an entity or a person) is a related party of ``other`` (an entity or a group)."""

    party: str
    other: str
    valid_from: date | None
    valid_to: date | None
    evidence: str


@dataclass(slots=True)
class Timeline:
    memberships: list[MembershipRow]
    common_control: list[RelatedRow]  # party = seller entity, other = buyer entity
    group_influence: list[RelatedRow]  # party = seller's group, other = buyer's group
    related_persons: list[RelatedRow]  # party = person, other = group id


def _components(register: Register) -> Iterator[tuple[list[str], list[Stake]]]:
    """Entity ids and stakes of each connected component that has stakes."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for stake in register.stakes:
        a, b = find(stake.holder), find(stake.entity)
        if a != b:
            parent[max(a, b)] = min(a, b)
    stakes_by_root: dict[str, list[Stake]] = defaultdict(list)
    for stake in register.stakes:
        stakes_by_root[find(stake.entity)].append(stake)
    parties_by_root: dict[str, list[str]] = defaultdict(list)
    for party in parent:
        parties_by_root[find(party)].append(party)
    for root, stakes in stakes_by_root.items():
        yield sorted(parties_by_root[root]), stakes


def build_timeline(
    register: Register,
    start: date,
    end: date,
    advance: Callable[[int], None] = lambda _n: None,
) -> Timeline:
    """Interval tables valid on ``start <= d < end`` (``None`` bounds mean: the whole window)."""
    memberships: list[MembershipRow] = []
    related: dict[str, list[RelatedRow]] = {"c": [], "g": [], "p": []}
    in_components: set[str] = set()
    for parties, stakes in _components(register):
        in_components.update(parties)
        sub = Register(
            entities=[register.entities[p] for p in parties if p in register.entities],
            persons=[register.persons[p] for p in parties if p in register.persons],
            stakes=stakes,
        )
        days = sorted(
            {start} | {d for s in stakes for d in s.period.boundaries() if start < d < end}
        )
        bounds = [*days[1:], end]
        rows: dict[str, list[tuple[date, date, tuple[object, ...]]]] = defaultdict(list)
        for day, until in zip(days, bounds, strict=True):
            snapshot = Snapshot(sub, day)
            for key, value in _evaluate(snapshot, sub):
                _extend(rows[key], day, until, value)
        for key, spans in rows.items():
            kind, party, other = key.split("\x1f")
            for vf, vt, value in spans:
                valid_from = None if vf == start else vf
                valid_to = None if vt == end else vt
                if kind == "m":
                    group, uncertain, chain, doubts = value
                    memberships.append(
                        MembershipRow(
                            party,
                            valid_from,
                            valid_to,
                            str(group),
                            bool(uncertain),
                            str(chain),
                            str(doubts),
                        )
                    )
                else:
                    related[kind].append(
                        RelatedRow(party, other, valid_from, valid_to, str(value[0]))
                    )
        advance(len(parties))
    lonely = [e for e in register.entities if e not in in_components]
    memberships.extend(MembershipRow(e, None, None, e, False, "", "") for e in lonely)
    advance(len(lonely))
    return Timeline(memberships, related["c"], related["g"], related["p"])


def _extend(
    spans: list[tuple[date, date, tuple[object, ...]]],
    day: date,
    until: date,
    value: tuple[object, ...],
) -> None:
    """Append a span, merging it with the previous one when nothing changed."""
    if spans and spans[-1][1] == day and spans[-1][2] == value:
        spans[-1] = (spans[-1][0], until, value)
    else:
        spans.append((day, until, value))


def _evaluate(snapshot: Snapshot, sub: Register) -> Iterator[tuple[str, tuple[object, ...]]]:
    """Every membership and every related-party fact of one component on one day."""
    sep = "\x1f"
    for entity in sub.entities:
        membership = snapshot.membership(entity)
        yield (
            f"m{sep}{entity}{sep}",
            (
                membership.ultimate_parent,
                membership.uncertain,
                SENTENCE_SEPARATOR.join(membership.sentences()),
                SENTENCE_SEPARATOR.join(doubt.sentence() for doubt in membership.doubts),
            ),
        )
    members = snapshot.members()
    pairs: set[tuple[str, str]] = set()
    for person in snapshot.person_holders:
        controlled = [e for e in snapshot.controlled_by(person) if e in sub.entities]
        pairs.update((a, b) for a in controlled for b in controlled if a != b)
    for a, b in sorted(pairs):
        lines = snapshot.common_control(a, b)
        if lines and snapshot.group_of(a) != snapshot.group_of(b):
            yield f"c{sep}{a}{sep}{b}", (SENTENCE_SEPARATOR.join(lines),)
    group_pairs: set[tuple[str, str]] = set()
    for group, group_members in members.items():
        for member in group_members:
            for stake in snapshot.stakes_by_holder.get(member, ()):
                other = snapshot.group_of(stake.entity)
                if other != group:
                    group_pairs.update(((group, other), (other, group)))
    for g1, g2 in sorted(group_pairs):
        lines = snapshot.group_influence(g1, g2)
        if lines:
            yield f"g{sep}{g1}{sep}{g2}", (SENTENCE_SEPARATOR.join(lines),)
    for person in snapshot.person_holders:
        counted = [person, *snapshot.controlled_by(person)]
        groups = {
            snapshot.group_of(stake.entity)
            for holder in counted
            for stake in snapshot.stakes_by_holder.get(holder, ())
            if stake.entity in sub.entities
        }
        for group in sorted(groups):
            lines = snapshot.person_relatedness(person, group)
            if lines:
                yield f"p{sep}{person}{sep}{group}", (SENTENCE_SEPARATOR.join(lines),)
