"""The benchmark generator's realistic shape: a giant component, changes on most days.

A small realistic register (3,000 entities) is generated once; each test measures one
property of the files themselves (not the generator's own bookkeeping), and the files
are read with the project's dataset reader and classified with the project's domain.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from benchmarks.generate import CLUSTERS, generate

from inhouse.dataset.reader import open_dataset, read_register
from inhouse.groups.domain import Register, Relation, Share

ENTITIES = 3_000
SALES_FROM = date(2024, 1, 1)
SALES_TO = date(2025, 12, 31)
SALES_DAYS = (SALES_TO - SALES_FROM).days + 1  # 731


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("realistic")
    generate(out, entities=ENTITIES, stakes=9_000, people=20_000, sales=20_000, seed=1)
    return out


@pytest.fixture(scope="module")
def register(folder: Path) -> Register:
    return read_register(folder)


def rows(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def components(edges: list[tuple[str, str]], nodes: list[str]) -> Counter[str]:
    """Weakly connected components: root → number of ``nodes`` in it."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    return Counter(find(node) for node in nodes)


def has_cycle(edges: dict[str, set[str]]) -> bool:
    state: dict[str, int] = {}

    def visit(node: str) -> bool:
        state[node] = 1
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1 or (nxt not in state and visit(nxt)):
                return True
        state[node] = 2
        return False

    return any(node not in state and visit(node) for node in list(edges))


def test_one_weakly_connected_component_holds_most_entities(folder: Path) -> None:
    # given the generated register
    entities = [row["id"] for row in rows(folder, "entities")]
    stakes = [(row["holder"], row["entity"]) for row in rows(folder, "stakes")]

    # when the stake graph is split into weakly connected components
    sizes = components(stakes, entities)

    # then the largest holds at least 90 % of the entities, and the summary says how many
    largest = max(sizes.values())
    assert largest >= 0.9 * ENTITIES
    summary = json.loads((folder / "params.json").read_text(encoding="utf-8"))["summary"]
    assert summary["largest_component_entities"] == largest
    assert summary["entities"] == ENTITIES


def test_stakes_change_on_most_days_of_the_sales_window(folder: Path) -> None:
    # given the stakes' start and end days
    days = {
        row[column]
        for row in rows(folder, "stakes")
        for column in ("valid_from", "valid_to")
        if SALES_FROM.isoformat() <= row[column] <= SALES_TO.isoformat()
    }

    # then at least 80 % of the 731 sales days see a stake start or end
    assert len(days) >= 0.8 * SALES_DAYS


def test_some_stakes_change_share_on_a_day(folder: Path) -> None:
    # given the stakes, by holder and entity
    periods: defaultdict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for row in rows(folder, "stakes"):
        periods[row["holder"], row["entity"]][row["valid_from"]] = row["voting"]

    # when a stake ends on a day on which the same holder's next stake starts
    changes = [
        (key, row["valid_to"])
        for row in rows(folder, "stakes")
        for key in [(row["holder"], row["entity"])]
        if SALES_FROM.isoformat() <= row["valid_to"] <= SALES_TO.isoformat()
        and periods[key].get(row["valid_to"], row["voting"]) != row["voting"]
    ]

    # then that happens many times in the sales window, with another share
    assert len(changes) >= 100


def test_there_is_a_control_cycle_in_force(folder: Path) -> None:
    # given the majority stakes of entities in entities in force on the last sales day
    entities = {row["id"] for row in rows(folder, "entities")}
    last = SALES_TO.isoformat()
    majority: defaultdict[str, set[str]] = defaultdict(set)
    for row in rows(folder, "stakes"):
        in_force = (row["valid_from"] or "") <= last < (row["valid_to"] or "9999-12-31")
        share = Share.parse(row["voting"])
        if in_force and row["holder"] in entities and (share.low > 50 or row["control"] == "yes"):
            majority[row["holder"]].add(row["entity"])

    # then they form at least one cycle (A controls B, B controls A)
    assert has_cycle(majority)


def test_a_fund_holds_small_stakes_in_at_least_100_companies(folder: Path) -> None:
    # given the stakes of 5 % or less held by entities
    entities = {row["id"] for row in rows(folder, "entities")}
    small: defaultdict[str, set[str]] = defaultdict(set)
    for row in rows(folder, "stakes"):
        if row["holder"] in entities and Share.parse(row["voting"]).high <= 5:
            small[row["holder"]].add(row["entity"])

    # then one holder (a fund) has such stakes in at least 100 companies
    assert max(len(held) for held in small.values()) >= 100


def test_some_dates_lie_far_in_the_future(folder: Path) -> None:
    # given every date of the stakes and employments
    dates = [
        row[column]
        for table in ("stakes", "employments")
        for row in rows(folder, table)
        for column in ("valid_from", "valid_to")
    ]

    # then some are typed far into the future: valid_to 2199-12-31, valid_from 2099-…
    assert "2199-12-31" in dates
    assert any(d.startswith("2099-") for d in dates)


def test_the_files_load_with_the_dataset_reader(folder: Path, register: Register) -> None:
    # given the register read by the project's reader (it raises on any problem)
    # then every row was taken
    assert len(register.entities) == ENTITIES
    assert len(register.stakes) == len(rows(folder, "stakes"))
    assert len(register.persons) == len(rows(folder, "people"))
    assert len(register.employments) == len(rows(folder, "employments"))
    assert len(register.units) == len(rows(folder, "units"))

    # and the sales file has no problem of shape or required values either
    with open_dataset(folder) as dataset:
        sales = sum(1 for _row in dataset.read_table("sales"))
    dataset.check()
    assert sales == 20_000


def test_the_sales_have_every_relation(folder: Path, register: Register) -> None:
    # given the sales of 20 days spread over the sales window
    days = {(SALES_FROM + timedelta(days=36 * k)).isoformat() for k in range(20)}
    sales = [row for row in rows(folder, "sales") if row["date"] in days]

    # when the project's domain classifies each of them
    relations = Counter(
        register.classify(row["seller"], row["buyer"], date.fromisoformat(row["date"])).relation
        for row in sales
    )

    # then every relation occurs, and some buyers are unknown ids
    assert set(relations) == set(Relation)
    assert any(row["buyer"].startswith("C") for row in sales)


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    # given two folders generated with the same sizes and seed
    digests = []
    for name in ("a", "b"):
        generate(tmp_path / name, entities=500, stakes=1_500, people=2_000, sales=1_000, seed=3)
        digests.append(
            {
                f.name: hashlib.sha256(f.read_bytes()).hexdigest()
                for f in sorted((tmp_path / name).glob("*.csv"))
            }
        )

    # then every file is the same
    assert digests[0] == digests[1]


def test_the_clusters_shape_keeps_every_component_small(tmp_path: Path) -> None:
    # given the older shape, still selectable
    generate(
        tmp_path, entities=2_000, stakes=3_000, people=5_000, sales=1_000, shape=CLUSTERS, seed=1
    )
    entities = [row["id"] for row in rows(tmp_path, "entities")]
    stakes = [(row["holder"], row["entity"]) for row in rows(tmp_path, "stakes")]

    # then no component has more than 200 entities
    assert max(components(stakes, entities).values()) <= 200
