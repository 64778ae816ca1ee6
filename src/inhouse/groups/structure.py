"""The group structure over time, derived once by a sweep over the days stakes change.

design/groups.md, "The structure over time, at scale": the sweep visits the days on
which some stake starts or ends, in order. It keeps two control relations as least
fixed points from day to day, *c certainly controls e* and *c possibly controls e*
(on the upper bounds of the bands), and repairs them where a day's stakes can reach:
facts that a removed stake may have carried are deleted along what they controlled,
then everything touched is derived again until nothing changes (delete and re-derive,
so a cycle that only supports itself does not survive a removed stake). Only the
entities whose facts change are looked at again, so the cost grows with the changes
and what they reach, not with the size of the component times the days.

From the relations come, per entity, the facts of its place in the group (ultimate
parent, immediate controller, the link that carries it, the doubts over it), its
membership (the chain up to the ultimate parent with every doubt), and the facts that
depend on groups: persons who control it, the significant influence of one group in
another, and persons related to a group. Each is kept as intervals; an answer on any
day is a lookup. The same :class:`~inhouse.groups.domain.ControlRules` turn the
relations into memberships as in :class:`~inhouse.groups.domain.Snapshot`, which
computes one day from scratch and is the reference the sweep is tested against.

Pure standard library, like every domain module.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

from inhouse.errors import UnknownParty
from inhouse.groups.domain import (
    FIFTY,
    TWENTY,
    ZERO,
    Control,
    ControlLink,
    ControlRules,
    Doubt,
    Membership,
    Register,
    Stake,
    Structure,
    Timeline,
    VoteSum,
    influence_sentence,
    person_related_sentences,
)

BEGINNING = date.min  # the first day of the sweep: stakes valid "since always" start here
V = TypeVar("V")
K = TypeVar("K", bound=Hashable)


class Intervals(Generic[K, V]):
    """Values by key that change on some days: ``at(key, day)`` is the value in force."""

    def __init__(self, default: V) -> None:
        self.default = default
        self._starts: dict[K, list[date]] = {}
        self._values: dict[K, list[V]] = {}

    def at(self, key: K, day: date) -> V:
        starts = self._starts.get(key)
        if starts is None:
            return self.default
        index = bisect_right(starts, day) - 1
        return self.default if index < 0 else self._values[key][index]

    def set(self, key: K, day: date, value: V) -> bool:
        """Record ``value`` from ``day`` on; say whether it differs from the value before."""
        starts = self._starts.get(key)
        if starts is None:
            if value == self.default:
                return False
            self._starts[key] = [day]
            self._values[key] = [value]
            return True
        values = self._values[key]
        if values[-1] == value:
            return False
        if starts[-1] == day:
            values[-1] = value
            if len(values) > 1 and values[-2] == value:
                starts.pop()
                values.pop()
        else:
            starts.append(day)
            values.append(value)
        return True

    def keyed(self) -> Iterable[K]:
        """Every key with a recorded value."""
        return self._starts.keys()

    def spans(self, key: K) -> Iterator[tuple[date, date | None, V]]:
        """``(valid_from, valid_to, value)`` of each span; ``valid_to`` ``None`` = open."""
        starts, values = self._starts.get(key, []), self._values.get(key, [])
        for i, (start, value) in enumerate(zip(starts, values, strict=True)):
            yield start, starts[i + 1] if i + 1 < len(starts) else None, value


class _Relation:
    """``c controls e`` as a least fixed point, kept while stakes change: on the lower
    bounds of the votes (``certain``), or on the upper bounds (possible control)."""

    def __init__(self, *, certain: bool, controllers: Collection[str] | None = None) -> None:
        self.certain = certain
        self.controllers = controllers  # who can be a controller at all (None: any holder)
        self.up: dict[str, set[str]] = defaultdict(set)
        self.down: dict[str, set[str]] = defaultdict(set)
        self.before: dict[str, frozenset[str]] = {}  # up-sets as they were this morning

    def _note(self, entity: str) -> None:
        if entity not in self.before:
            self.before[entity] = frozenset(self.up.get(entity, ()))

    def derive(self, entity: str, votes_in: Sequence[Stake]) -> set[str]:
        """The controllers of ``entity`` that its votes give, given the current facts: a
        holder and everything that controls it count together (``VoteSum`` without the
        objects: this is the sweep's innermost loop)."""
        up, allowed, certain = self.up, self.controllers, self.certain
        bounds: dict[str, Decimal] = {}
        open_low: set[str] = set()
        agreed: set[str] = set()
        for stake in votes_in:
            holder, voting = stake.holder, stake.voting
            agreement = stake.control is Control.YES
            ups = up.get(holder)
            for candidate in (holder, *ups) if ups else (holder,):
                if candidate == entity or (allowed is not None and candidate not in allowed):
                    continue
                if agreement:
                    agreed.add(candidate)
                elif certain:
                    bounds[candidate] = bounds.get(candidate, ZERO) + voting.low
                    if voting.low_open:
                        open_low.add(candidate)
                else:
                    bounds[candidate] = bounds.get(candidate, ZERO) + voting.high
        if certain:
            agreed.update(
                c for c, low in bounds.items() if low > FIFTY or (low == FIFTY and c in open_low)
            )
        else:
            agreed.update(c for c, high in bounds.items() if high > FIFTY)
        return agreed

    def delete_from(self, entities: Iterable[str], held: dict[str, Counter[str]]) -> set[str]:
        """Delete every fact that the stakes into ``entities`` may have carried, along what
        the controller controlled through them; return the entities that lost facts."""
        lost: set[str] = set()
        stack = [(c, e) for e in entities for c in self.up.get(e, ())]
        while stack:
            controller, entity = stack.pop()
            ups = self.up.get(entity)
            if not ups or controller not in ups:
                continue
            self._note(entity)
            ups.discard(controller)
            self.down[controller].discard(entity)
            lost.add(entity)
            for below in held.get(entity, ()):
                if controller in self.up.get(below, ()):
                    stack.append((controller, below))
        return lost

    def derive_from(
        self,
        entities: Iterable[str],
        votes_in: dict[str, list[Stake]],
        held: dict[str, Counter[str]],
    ) -> None:
        """Add what follows, until nothing more does (the least fixed point again)."""
        work = list(entities)
        queued = set(work)
        while work:
            entity = work.pop()
            queued.discard(entity)
            current = self.up[entity]
            added = self.derive(entity, votes_in.get(entity, ())) - current
            if not added:
                continue
            self._note(entity)
            current |= added
            for controller in added:
                self.down[controller].add(entity)
            for below in held.get(entity, ()):
                if below not in queued:
                    queued.add(below)
                    work.append(below)

    def changed(self) -> dict[str, frozenset[str]]:
        """The entities whose controllers changed today, with the controllers they had."""
        found = {e: old for e, old in self.before.items() if old != self.up.get(e, set())}
        self.before = {}
        return found


@dataclass(frozen=True, slots=True)
class Place:
    """An entity's own facts on a day: enough to put its membership together."""

    top: str  # its ultimate parent
    immediate: str | None  # its lowest controller
    link: ControlLink | None  # why ``immediate`` controls it
    doubts: tuple[Doubt, ...]  # uncertain control of it (not inherited from above)


class _Day(ControlRules):
    """The rules of control read from the sweep's relations as they stand."""

    def __init__(self, sweep: _Sweep) -> None:
        self.sweep = sweep

    def controllers(self, entity: str) -> Collection[str]:
        return self.sweep.entity_controllers(entity)

    def controls(self, controller: str, entity: str) -> bool:
        return entity in self.sweep.certain.down.get(controller, ())

    def controlled(self, controller: str) -> Collection[str]:
        return self.sweep.certain.down.get(controller, ())

    def possibly(self, controller: str) -> Collection[str]:
        return self.sweep.possible.down.get(controller, ())

    def possible_controllers(self, entity: str) -> Collection[str]:
        return self.sweep.possible.up.get(entity, ())

    def votes_in(self, entity: str) -> Sequence[Stake]:
        return self.sweep.votes_in.get(entity, ())


class _Sweep:
    """The state of the sweep on the day it has reached, and the intervals recorded so far."""

    def __init__(self, register: Register) -> None:
        self.register = register
        entities, persons = register.entities, register.persons
        self.persons = persons
        self.certain = _Relation(certain=True)
        self.possible = _Relation(certain=False, controllers=entities)
        self.votes_in: dict[str, list[Stake]] = defaultdict(list)
        self.held: dict[str, Counter[str]] = defaultdict(Counter)  # holder → entities
        self.view = _Day(self)
        self.places: dict[str, Place] = {}
        self.person_controlled: set[str] = set()  # entities that a person controls today
        self.stakes_of: dict[str, dict[int, Stake]] = defaultdict(dict)  # holder → its stakes
        # entities that some entity may control without certainly controlling them
        self.doubtful: set[str] = set()
        self.groups: dict[str, str] = {}  # entity → its group today
        self.timeline = SweptTimeline(register)
        # entity → (holding group → votes of at least 20 %, the entity's group then)
        self.edges: dict[str, tuple[dict[str, VoteSum], str]] = {}
        self.pairs: dict[tuple[str, str], dict[str, VoteSum]] = defaultdict(dict)
        # person → entity → the votes they and what they control hold there
        self.person_votes: dict[str, dict[str, VoteSum]] = {}
        # person → group → the entities of that group they hold votes in or control
        self.person_groups: dict[str, dict[str, set[str]]] = {}
        # person → entity → the group it is filed under in ``person_groups``
        self.person_filed: dict[str, dict[str, str]] = {}

    def entity_controllers(self, entity: str) -> Collection[str]:
        ups = self.certain.up.get(entity)
        if not ups:
            return ()
        if entity not in self.person_controlled:
            return ups
        return [c for c in ups if c not in self.persons]

    def group(self, entity: str) -> str:
        return self.groups.get(entity, entity)

    # ------------------------------------------------------------------ one day

    def advance(self, day: date, ending: list[Stake], starting: list[Stake]) -> None:
        entities = self.register.entities
        ending = [s for s in ending if s.control is not Control.NO and s.entity in entities]
        starting = [s for s in starting if s.control is not Control.NO and s.entity in entities]
        removed_into = {s.entity for s in ending}
        lost = self.certain.delete_from(removed_into, self.held)
        lost_possible = self.possible.delete_from(removed_into, self.held)
        for stake in ending:
            _remove(self.votes_in[stake.entity], stake)
            del self.stakes_of[stake.holder][id(stake)]
            held = self.held[stake.holder]
            held[stake.entity] -= 1
            if not held[stake.entity]:
                del held[stake.entity]
        for stake in starting:
            self.votes_in[stake.entity].append(stake)
            self.stakes_of[stake.holder][id(stake)] = stake
            self.held[stake.holder][stake.entity] += 1
        touched = removed_into | {s.entity for s in starting}
        self.certain.derive_from(touched | lost, self.votes_in, self.held)
        self.possible.derive_from(touched | lost_possible, self.votes_in, self.held)
        changed = self.certain.changed()
        changed_possible = self.possible.changed()
        for entity in changed:
            if any(c in self.persons for c in self.certain.up.get(entity, ())):
                self.person_controlled.add(entity)
            else:
                self.person_controlled.discard(entity)
        placed = self._record_places(touched, changed, changed_possible)
        moved = self._record_memberships(day, placed)
        self._record_controllers(day, changed)
        self._record_influence(day, touched, moved)
        self._record_persons(day, [*ending, *starting], changed, moved)

    def _below(self, entities: Iterable[str]) -> set[str]:
        """The entities and everything they certainly control."""
        found = set(entities)
        down = self.certain.down
        for entity in list(found):
            found.update(down.get(entity, ()))
        return found

    def _held_by(self, entities: Iterable[str]) -> set[str]:
        return {below for entity in entities for below in self.held.get(entity, ())}

    def _record_places(
        self,
        touched: set[str],
        changed: dict[str, frozenset[str]],
        changed_possible: dict[str, frozenset[str]],
    ) -> set[str]:
        """Derive the places that the day's changes can reach; return those that changed."""
        entities = self.register.entities
        shifted = set(changed) | set(changed_possible) | touched
        # the top and the immediate controller depend on the controllers' controllers,
        # a link also on the votes and on the control of the holders
        again = self._below(changed) | touched | self._held_by(changed) | set(changed_possible)
        # a doubt names what a candidate may control and the stakes into it, up the chain
        candidates = set(shifted)
        for entity in shifted:
            candidates.update(self.possible.up.get(entity, ()))
            candidates.update(changed_possible.get(entity, ()))
        for entity in set(changed) | set(changed_possible):
            if len(self.possible.up.get(entity, ())) > len(self.entity_controllers(entity)):
                self.doubtful.add(entity)
            else:
                self.doubtful.discard(entity)
        downs = [self.possible.down.get(c, ()) for c in candidates]
        if sum(map(len, downs)) < len(self.doubtful):
            again.update(e for below in downs for e in below if e in self.doubtful)
        else:
            again.update(
                e
                for e in self.doubtful
                if not self.possible.up.get(e, set()).isdisjoint(candidates)
            )
        placed: set[str] = set()
        for entity in again:
            if entity not in entities:
                continue
            view = self.view
            top = view.top(entity)[0]
            immediate = view.immediate(entity)
            link = None if immediate is None else view.link(immediate, entity)
            doubts = tuple(view.own_doubts(entity)) if entity in self.doubtful else ()
            place = Place(top, immediate, link, doubts)
            if self.places.get(entity) != place:
                self.places[entity] = place
                placed.add(entity)
        return placed

    def _record_memberships(self, day: date, placed: set[str]) -> dict[str, str]:
        """Put together the memberships whose chain saw a change; return the entities
        whose group changed, with the group they had."""
        moved: dict[str, str] = {}
        for entity in self._below(placed):
            if entity not in self.register.entities:
                continue
            membership = self._membership(entity)
            if self.timeline.memberships.set(entity, day, membership):
                group = membership.ultimate_parent
                if self.group(entity) != group:
                    moved[entity] = self.group(entity)
                    self.groups[entity] = group
        return moved

    def _membership(self, entity: str) -> Membership:
        """``ControlRules.derive_membership`` from the places recorded today."""
        places = self.places
        own = places.get(entity)
        if own is None:
            return Membership(entity, entity, None, (), ())
        parent = own.top
        chain: list[ControlLink] = []
        seen = {entity}
        current = entity
        while current != parent:
            place = places.get(current)
            if place is None or place.immediate is None or place.link is None:
                break
            chain.append(place.link)
            above = place.immediate
            if above in seen:
                break
            seen.add(above)
            current = above
        chain.reverse()
        doubts = [d for member in sorted(seen) if member in places for d in places[member].doubts]
        return Membership(entity, parent, own.immediate, tuple(chain), tuple(doubts))

    def _record_controllers(self, day: date, changed: dict[str, frozenset[str]]) -> None:
        for entity in changed:
            controllers = frozenset(self.certain.up.get(entity, ()))
            self.timeline.controllers.set(entity, day, controllers)

    def _record_influence(self, day: date, touched: set[str], moved: dict[str, str]) -> None:
        """Significant influence of one group in an entity of another (IAS 28.5)."""
        entities = self.register.entities
        dirty_pairs: set[tuple[str, str]] = set()
        for entity in touched | moved.keys() | self._held_by(moved):
            if entity not in entities:
                continue
            group = self.group(entity)
            sums: dict[str, VoteSum] = {}
            for stake in self.votes_in.get(entity, ()):
                if stake.holder in entities:
                    holders = self.group(stake.holder)
                    sums[holders] = sums.get(holders, VoteSum()).plus(stake.voting)
            edges = {g: v for g, v in sums.items() if g != group and v.low >= TWENTY}
            old_edges, old_group = self.edges.pop(entity, ({}, group))
            for holders in old_edges:
                self.pairs[(holders, old_group)].pop(entity, None)
                dirty_pairs.add((holders, old_group))
            for holders, votes in edges.items():
                self.pairs[(holders, group)][entity] = votes
                dirty_pairs.add((holders, group))
            if edges:
                self.edges[entity] = (edges, group)
        for a, b in dirty_pairs:
            for first, second in ((a, b), (b, a)):
                lines = tuple(
                    influence_sentence(holders, entity, votes, target)
                    for holders, target in ((first, second), (second, first))
                    for entity, votes in sorted(self.pairs.get((holders, target), {}).items())
                )
                self.timeline.group_influence.set((first, second), day, lines)

    def _record_persons(
        self,
        day: date,
        stakes: list[Stake],
        changed: dict[str, frozenset[str]],
        moved: dict[str, str],
    ) -> None:
        """Persons related to a group: ≥ 20 % of its votes, or control (IAS 24).

        Kept per person as the votes they (with what they control) hold in each entity;
        a day re-sums only the entities whose counted stakes changed, and re-words only
        the groups those entities belong to (a person may reach thousands of entities).
        """
        persons, up, down = self.persons, self.certain.up, self.certain.down
        targets: dict[str, set[str]] = defaultdict(set)  # person → entities to sum again
        refile: dict[str, set[str]] = defaultdict(set)  # person → entities to file again
        groups: dict[str, set[str]] = defaultdict(set)  # person → groups to word again
        for stake in stakes:  # counted by whoever controls the holder, before or after
            holder = stake.holder
            for person in (holder, *up.get(holder, ()), *changed.get(holder, ())):
                if person in persons:
                    targets[person].add(stake.entity)
        for entity, before in changed.items():
            for person in before ^ up.get(entity, set()):
                if person in persons:  # what the person counts grew or shrank by ``entity``
                    targets[person].update(self.held.get(entity, ()))
                    refile[person].add(entity)
        for entity in moved:
            reaching = set(up.get(entity, ()))
            for stake in self.votes_in.get(entity, ()):
                reaching.add(stake.holder)
                reaching.update(up.get(stake.holder, ()))
            for person in reaching:
                if person in persons:
                    refile[person].add(entity)
        entities = self.register.entities
        for person in targets.keys() | refile.keys():
            sums = self.person_votes.setdefault(person, {})
            filed = self.person_filed.setdefault(person, {})
            grouped = self.person_groups.setdefault(person, defaultdict(set))
            controlled = down.get(person, set())
            again = refile.get(person, set())
            for entity in targets.get(person, ()):
                if entity not in entities:
                    continue
                total: VoteSum | None = None
                for stake in self.votes_in.get(entity, ()):
                    if stake.holder == person or stake.holder in controlled:
                        total = (total or VoteSum()).plus(stake.voting)
                old = sums.pop(entity, None)
                if total is not None:
                    sums[entity] = total
                if old != total:
                    again.add(entity)
            for entity in again:
                if entity not in entities:
                    continue
                filed_under = filed.pop(entity, None)
                if filed_under is not None:
                    grouped[filed_under].discard(entity)
                    groups[person].add(filed_under)
                if entity in sums or entity in controlled:
                    group = self.group(entity)
                    filed[entity] = group
                    grouped[group].add(entity)
                    groups[person].add(group)
            for group in groups.get(person, ()):
                members = grouped.get(group, set())
                lines = person_related_sentences(
                    person,
                    group,
                    {e: sums[e] for e in members if e in sums},
                    [e for e in members if e in controlled],
                    self.group,
                )
                # (the intervals keep a value only when it differs from the one before)
                self.timeline.related_persons.set((person, group), day, tuple(lines))


def _remove(stakes: list[Stake], stake: Stake) -> None:
    """Remove this very stake (equal stakes may be recorded twice; comparing is slow)."""
    for index, candidate in enumerate(stakes):
        if candidate is stake:
            del stakes[index]
            return


def sweep(register: Register) -> SweptTimeline:
    """Derive the structure over time of ``register`` (see the module's docstring)."""
    starting: dict[date, list[Stake]] = defaultdict(list)
    ending: dict[date, list[Stake]] = defaultdict(list)
    for stake in register.stakes:
        starting[stake.period.valid_from or BEGINNING].append(stake)
        if stake.period.valid_to is not None:
            ending[stake.period.valid_to].append(stake)
    state = _Sweep(register)
    for day in sorted(starting.keys() | ending.keys()):
        state.advance(day, ending.get(day, []), starting.get(day, []))
    return state.timeline


class SweptTimeline(Timeline):
    """The intervals the sweep recorded; :meth:`on` answers a date by lookups."""

    def __init__(self, register: Register) -> None:
        self.register = register
        self.memberships: Intervals[str, Membership | None] = Intervals(None)
        # every controller of an entity, entities and persons
        self.controllers: Intervals[str, frozenset[str]] = Intervals(frozenset())
        self.group_influence: Intervals[tuple[str, str], tuple[str, ...]] = Intervals(())
        self.related_persons: Intervals[tuple[str, str], tuple[str, ...]] = Intervals(())
        self._equity_in: dict[str, list[Stake]] = defaultdict(list)
        for stake in register.stakes:
            self._equity_in[stake.entity].append(stake)

    def on(self, day: date) -> Moment:
        return Moment(self, day)

    def membership(self, entity: str, day: date) -> Membership:
        found = self.memberships.at(entity, day)
        return found if found is not None else Membership(entity, entity, None, (), ())

    def equity_in(self, entity: str, day: date) -> list[Stake]:
        return [s for s in self._equity_in.get(entity, ()) if s.period.contains(day)]


class Moment(Structure):
    """The structure on one date, read from the timeline."""

    def __init__(self, timeline: SweptTimeline, on: date) -> None:
        self.timeline = timeline
        self.register = timeline.register
        self.on = on

    def membership(self, entity: str) -> Membership:
        if entity not in self.register.entities:
            raise UnknownParty(f"{entity} is not a known legal entity")
        return self.timeline.membership(entity, self.on)

    def controls(self, controller: str, entity: str) -> bool:
        return controller in self.timeline.controllers.at(entity, self.on)

    def common_person_controllers(self, a: str, b: str) -> list[str]:
        at = self.timeline.controllers.at
        persons = self.register.persons
        return sorted(p for p in at(a, self.on) & at(b, self.on) if p in persons)

    def group_influence(self, group_a: str, group_b: str) -> list[str]:
        return list(self.timeline.group_influence.at((group_a, group_b), self.on))

    def person_relatedness(self, person: str, group: str) -> list[str]:
        return list(self.timeline.related_persons.at((person, group), self.on))

    def equity_in(self, entity: str) -> Sequence[Stake]:
        return self.timeline.equity_in(entity, self.on)
