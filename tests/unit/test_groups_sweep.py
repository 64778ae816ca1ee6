"""The sweep over change days answers every day exactly as a snapshot computed from scratch.

``Snapshot`` computes one day from the records valid then (the reference); the sweep
keeps the structure current from one change day to the next and only looks again at
what a day's stakes can reach. On random registers, including cycles, bands, control by
agreement and stakes that come and go on many days, every answer must be the same.
"""

from __future__ import annotations

import csv
import threading
from datetime import date, timedelta
from decimal import Decimal
from itertools import product
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from test_groups_properties import PERSON_IDS, SHARES, World, worlds

from inhouse.dataset import load_register
from inhouse.dates import Period
from inhouse.errors import InhouseError
from inhouse.groups.domain import (
    Classification,
    Control,
    Entity,
    Person,
    Register,
    Share,
    Snapshot,
    Stake,
    Structure,
)

START = date(2026, 1, 1)
DENSE_DAYS = [START + timedelta(days=i) for i in range(12)]


def days_of(register: Register) -> list[date]:
    """Every day on which something starts or stops, the day before each, and one far off."""
    bounds = {d for s in register.stakes for d in s.period.boundaries()}
    return sorted(bounds | {d - timedelta(days=1) for d in bounds} | {date(1990, 1, 1)})


def answer(structure: Structure, seller: str, buyer: str) -> Classification | str:
    try:
        return structure.classify(seller, buyer)
    except InhouseError as error:
        return f"{type(error).__name__}: {error}"


def assert_same_day(register: Register, day: date, sellers: list[str], buyers: list[str]) -> None:
    reference, swept = Snapshot(register, day), register.structure_on(day)
    entities = sorted(register.entities)
    for entity in entities:
        assert swept.membership(entity) == reference.membership(entity), (day, entity)
    for controller, entity in product([*entities, *register.persons], entities):
        assert swept.controls(controller, entity) == reference.controls(controller, entity)
    groups = sorted(reference.members())
    assert swept.members() == reference.members()
    for a, b in product(groups, groups):
        if a != b:
            assert swept.group_influence(a, b) == reference.group_influence(a, b), (day, a, b)
    for person, group in product(sorted(register.persons), groups):
        assert swept.person_relatedness(person, group) == reference.person_relatedness(
            person, group
        ), (day, person, group)
    for a, b in product(entities, entities):
        assert swept.common_person_controllers(a, b) == reference.common_person_controllers(a, b)
    for seller, buyer in product(sellers, buyers):
        assert answer(swept, seller, buyer) == answer(reference, seller, buyer), (
            day,
            seller,
            buyer,
        )
    for group in groups:
        assert swept.ownership(group) == reference.ownership(group)


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_the_sweep_agrees_with_a_snapshot_on_every_day(world: World) -> None:
    # given a random register / when asked on every day around its changes
    register = world.register()
    for day in days_of(register):
        # then every answer is the snapshot's
        assert_same_day(register, day, world.sellers, world.buyers)


DENSE_ENTITIES = [f"C{i:02}" for i in range(14)]


@st.composite
def dense_registers(draw: st.DrawFn) -> Register:
    """Many stakes on few entities that start and end on many different days."""
    stakes = []
    for _ in range(draw(st.integers(10, 40))):
        holder, target = draw(
            st.sampled_from(
                [(h, t) for t in DENSE_ENTITIES for h in (*DENSE_ENTITIES, *PERSON_IDS) if h != t]
            )
        )
        start = draw(st.sampled_from([None, *DENSE_DAYS]))
        later = [d for d in DENSE_DAYS if start is None or d > start]
        end = draw(st.sampled_from([None, *later]))
        flag = draw(st.sampled_from([Control.DERIVED] * 8 + [Control.YES, Control.NO]))
        voting = draw(SHARES)
        stakes.append(Stake(holder, target, voting, voting, Period(start, end), flag))
    return Register(
        entities=[Entity(e, e) for e in DENSE_ENTITIES],
        persons=[Person(p, p) for p in PERSON_IDS],
        stakes=stakes,
    )


@settings(max_examples=120, deadline=None)
@given(dense_registers())
def test_the_sweep_agrees_when_stakes_change_on_most_days(register: Register) -> None:
    # given stakes that start and end on most of twelve days / then every day agrees
    for day in [date(2025, 12, 31), *DENSE_DAYS]:
        assert_same_day(register, day, DENSE_ENTITIES[:4], [*DENSE_ENTITIES[4:8], "P0"])


def _stake(holder: str, entity: str, voting: str, start: date | None, end: date | None) -> Stake:
    share = Share.parse(voting)
    return Stake(holder, entity, share, share, Period(start, end))


def test_a_cycle_that_only_supports_itself_ends_with_the_stake_that_carried_it() -> None:
    # given P holds 60 % of A until 2026-03-01 and 30 % after; P and A each hold 30 % of B,
    # and B holds 30 % of A: while P controls A it controls B, and B's votes count for it
    d1, d2 = date(2026, 1, 1), date(2026, 3, 1)
    register = Register(
        entities=[Entity(e, e) for e in ("P", "A", "B")],
        stakes=[
            _stake("P", "A", "60", None, d2),
            _stake("P", "A", "30", d2, None),
            _stake("P", "B", "30", None, None),
            _stake("A", "B", "30", None, None),
            _stake("B", "A", "30", None, None),
        ],
    )
    # when asked before and after the change
    before, after = register.structure_on(d1), register.structure_on(d2)
    # then P controls both before; after, 30 + 30 would only count if P controlled B
    # already, which it does not: the least fixed point has no control
    assert before.group_of("A") == before.group_of("B") == "P"
    assert after.group_of("A") == "A"
    assert after.group_of("B") == "B"
    assert after.membership("A").chain == ()


def test_an_answer_on_a_day_between_changes_is_the_one_of_the_last_change() -> None:
    # given JKL holds 100 % of ABC from 2019 and 100 % of XYZ from 2020-07-01
    register = Register(
        entities=[Entity(e, e) for e in ("JKL", "ABC", "XYZ")],
        stakes=[
            _stake("JKL", "ABC", "100", date(2019, 1, 1), None),
            _stake("JKL", "XYZ", "100", date(2020, 7, 1), None),
        ],
    )
    # when / then
    assert register.classify("XYZ", "ABC", date(2020, 6, 30)).relation.value == "external"
    assert register.classify("XYZ", "ABC", date(2020, 7, 1)).relation.value == "intercompany"
    assert register.classify("XYZ", "ABC", date(2999, 1, 1)).relation.value == "intercompany"
    assert register.structure_on(date(2026, 3, 2)).ownership("JKL")["XYZ"].effective_pct == Decimal(
        "100"
    )


def test_the_sweep_agrees_on_the_realistic_benchmark_shape(tmp_path: Path) -> None:
    # given a small register of the benchmark's realistic shape: one giant component,
    # funds, cross-holdings, control cycles and stakes changing on most days
    from benchmarks.generate import generate

    folder = tmp_path / "real"
    generate(folder, entities=1_500, stakes=4_500, people=1_000, sales=2_000, seed=5)
    register = load_register(folder)
    with (folder / "sales.csv").open(newline="", encoding="utf-8") as handle:
        sales = list(csv.DictReader(handle))
    days = sorted({sale["date"] for sale in sales})[::25]
    # when asked on days spread over the two sales years / then the snapshot agrees
    for text in days:
        day = date.fromisoformat(text)
        reference, swept = Snapshot(register, day), register.structure_on(day)
        for entity in register.entities:
            assert swept.membership(entity) == reference.membership(entity), (day, entity)
        for sale in (s for s in sales if s["date"] == text):
            assert answer(swept, sale["seller"], sale["buyer"]) == answer(
                reference, sale["seller"], sale["buyer"]
            ), sale


def test_many_threads_on_many_dates_get_the_serial_answers() -> None:
    # given a register whose stakes change on many days (on main, a cache of 64 dates
    # evicted by two threads at once raised KeyError under this load)
    register = Register(
        entities=[Entity(e, e) for e in ("H", "A", "B")],
        stakes=[
            _stake("H", "A", "60", date(2024, 1, 1) + timedelta(days=2 * i), None)
            for i in range(300)
        ]
        + [_stake("H", "B", "100", None, None)],
    )
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(700)]
    expected = {day: Snapshot(register, day).classify("A", "B") for day in days}
    failures: list[BaseException] = []
    answers: dict[date, Classification] = {}

    def ask(offset: int) -> None:
        try:
            for day in days[offset::8]:
                answers[day] = register.classify("A", "B", day)
        except BaseException as error:  # collected for the assertion below
            failures.append(error)

    # when 16 threads ask at once, each on its own dates
    threads = [threading.Thread(target=ask, args=(i % 8,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then nothing failed and every answer is the serial one
    assert failures == []
    assert answers == expected
