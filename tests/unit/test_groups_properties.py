"""Properties that always hold (groups.md), checked on small random registers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from inhouse.dates import Period
from inhouse.errors import InhouseError
from inhouse.groups.domain import (
    Classification,
    Control,
    Employment,
    EmploymentKind,
    Entity,
    OrgUnit,
    Person,
    Register,
    Relation,
    Share,
    Stake,
    Structure,
)

D = date(2026, 6, 30)
ENTITY_IDS = [f"E{i}" for i in range(8)]
PERSON_IDS = ["P0", "P1", "P2"]
UNKNOWN = "NOBODY"
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

# Days around D: the boundaries of periods sit right on, before and after it.
DAYS = [
    D - timedelta(days=400),
    D - timedelta(days=1),
    D,
    D + timedelta(days=1),
    D + timedelta(days=400),
]


@dataclass(frozen=True)
class World:
    entities: tuple[str, ...]
    units: tuple[OrgUnit, ...]
    stakes: tuple[Stake, ...]
    employments: tuple[Employment, ...]

    def register(self) -> Register:
        return Register(
            entities=[Entity(e, e) for e in self.entities],
            stakes=self.stakes,
            units=self.units,
            persons=[Person(p, p) for p in PERSON_IDS],
            employments=self.employments,
        )

    @property
    def sellers(self) -> list[str]:
        return [*self.entities, *(u.id for u in self.units)]

    @property
    def buyers(self) -> list[str]:
        return [*self.sellers, *PERSON_IDS, UNKNOWN]


def _shares() -> list[Share]:
    # exact values with the thresholds 20 and 50 likely, and bands with every kind of bound
    exact = [
        Share.exact(v) for v in ("0", "10", "20", "25", "30", "50", "51", "60", "80", "100", "33.3")
    ]
    bounds = [0, 10, 20, 25, 40, 50, 60, 75, 100]
    bands = [
        Share(Decimal(low), Decimal(high), low_open=lo, high_open=ho)
        for low, high in product(bounds, repeat=2)
        if low < high
        for lo, ho in product((False, True), repeat=2)
    ]
    return exact * 20 + bands  # more exact values than bands, so that groups form


def _periods() -> list[Period]:
    ends = [None, *DAYS]
    bounded = [
        Period(start, end)
        for start, end in product(ends, repeat=2)
        if start is None or end is None or start < end
    ]
    return [Period()] * 10 + bounded  # open periods often, so that most records count on D


SHARES = st.sampled_from(_shares())
PERIODS = st.sampled_from(_periods())
FLAGS = st.sampled_from([Control.DERIVED] * 6 + [Control.YES, Control.NO])


@st.composite
def stakes(draw: st.DrawFn, entities: tuple[str, ...], control: Control | None = None) -> Stake:
    holder, target = draw(
        st.sampled_from([(h, t) for t in entities for h in (*entities, *PERSON_IDS) if h != t])
    )
    voting = draw(SHARES)
    equity = voting if draw(st.booleans()) else draw(SHARES)
    flag = control or draw(FLAGS)
    return Stake(holder, target, voting, equity, draw(PERIODS), flag)


@st.composite
def employments(draw: st.DrawFn, entities: tuple[str, ...]) -> Employment:
    return Employment(
        person=draw(st.sampled_from(PERSON_IDS)),
        entity=draw(st.sampled_from(entities)),
        kind=draw(st.sampled_from(list(EmploymentKind))),
        period=draw(PERIODS),
    )


@st.composite
def worlds(draw: st.DrawFn) -> World:
    entities = tuple(ENTITY_IDS[: draw(st.integers(2, 8))])
    units = tuple(
        OrgUnit(f"U{i}", draw(st.sampled_from(entities)), f"Unit {i}")
        for i in range(draw(st.integers(0, 2)))
    )
    return World(
        entities=entities,
        units=units,
        stakes=tuple(draw(st.lists(stakes(entities), min_size=2, max_size=12))),
        employments=tuple(draw(st.lists(employments(entities), max_size=5))),
    )


def outcome(register: Register, seller: str, buyer: str) -> Classification | str:
    """The answer, or the error (self-sales) as words, so that answers compare as values."""
    try:
        return register.classify(seller, buyer, D)
    except InhouseError as error:
        return f"{type(error).__name__}: {error}"


def all_outcomes(world: World, register: Register) -> dict[tuple[str, str], Classification | str]:
    return {(s, b): outcome(register, s, b) for s, b in product(world.sellers, world.buyers)}


def relations(world: World, register: Register) -> dict[tuple[str, str], Relation | str]:
    return {
        pair: answer.relation if isinstance(answer, Classification) else answer
        for pair, answer in all_outcomes(world, register).items()
    }


def same_group(snapshot: Structure, a: str, b: str) -> bool:
    """Same group as the classification sees it: one entity, or intercompany."""
    return a == b or snapshot.classify(a, b).relation is Relation.INTERCOMPANY


# --------------------------------------------------------------------------- properties


@PROPERTY_SETTINGS
@given(worlds())
def test_entity_relations_are_symmetric_on_a_date(world: World) -> None:
    # given a random register / when every entity sells to every other and back
    snapshot = world.register().structure_on(D)
    for a, b in product(world.entities, repeat=2):
        if a == b:
            continue
        there, back = snapshot.classify(a, b), snapshot.classify(b, a)
        # then intercompany is symmetric, and so are related party and external
        assert there.relation is back.relation
        assert there.uncertain == back.uncertain


@PROPERTY_SETTINGS
@given(worlds())
def test_same_group_is_an_equivalence(world: World) -> None:
    snapshot = world.register().structure_on(D)
    entities = world.entities
    same = {(a, b): same_group(snapshot, a, b) for a, b in product(entities, repeat=2)}
    # reflexive: every entity is in its group, whose head is in the same group
    for a in entities:
        head = snapshot.group_of(a)
        assert a in snapshot.members()[head]
        assert same[(a, head)] and snapshot.group_of(head) == head
    # symmetric
    for a, b in product(entities, repeat=2):
        assert same[(a, b)] == same[(b, a)]
    # transitive
    for a, b, c in product(entities, repeat=3):
        if same[(a, b)] and same[(b, c)]:
            assert same[(a, c)], (a, b, c)
    # and it is exactly "same ultimate parent"
    for a, b in product(entities, repeat=2):
        assert same[(a, b)] == (snapshot.group_of(a) == snapshot.group_of(b))


@PROPERTY_SETTINGS
@given(st.data())
def test_a_control_no_stake_changes_no_relation(data: st.DataObject) -> None:
    # given a random register and one more stake whose votes are not substantive
    world = data.draw(worlds())
    extra = data.draw(stakes(world.entities, control=Control.NO))
    more = replace(world, stakes=(*world.stakes, extra))
    # then every sale has the same relation with and without it
    assert relations(more, more.register()) == relations(world, world.register())


@PROPERTY_SETTINGS
@given(st.data())
def test_a_result_depends_only_on_records_valid_that_day(data: st.DataObject) -> None:
    # given a random register plus records that are not valid on D
    world = data.draw(worlds())
    not_on_d = [
        s
        for s in data.draw(st.lists(stakes(world.entities), max_size=6))
        if not s.period.contains(D)
    ]
    jobs_not_on_d = [
        e
        for e in data.draw(st.lists(employments(world.entities), max_size=3))
        if not e.period.contains(D)
    ]
    everything = replace(
        world,
        stakes=(*world.stakes, *not_on_d),
        employments=(*world.employments, *jobs_not_on_d),
    )
    # and the same register with only the records valid on D
    only_d = replace(
        world,
        stakes=tuple(s for s in everything.stakes if s.period.contains(D)),
        employments=tuple(e for e in everything.employments if e.period.contains(D)),
    )
    full, lean = everything.register(), only_d.register()
    # then every answer on D is the same, evidence included
    assert all_outcomes(everything, full) == all_outcomes(only_d, lean)
    full_snap, lean_snap = full.structure_on(D), lean.structure_on(D)
    for entity in world.entities:
        assert full_snap.membership(entity) == lean_snap.membership(entity)
    assert full_snap.members() == lean_snap.members()
    for group in full_snap.members():
        assert ownership_outcome(full_snap, group) == ownership_outcome(lean_snap, group)


def ownership_outcome(snapshot: Structure, group: str) -> object:
    try:
        return snapshot.ownership(group)
    except ArithmeticError as error:  # 100 % cross-holdings leave no outside owner
        return str(error)
