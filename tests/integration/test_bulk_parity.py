"""Bulk and single classification give the same answer on every row."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from inhouse.bulk.classify import OUTPUT_COLUMNS, classify_sales
from inhouse.bulk.timeline import EVIDENCE_SEPARATOR
from inhouse.dataset import load_register
from inhouse.dataset.errors import DatasetError
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

START = date(2024, 1, 1)
SHARES = ["100", "100", "80", "60", "51", "50", "45", "30", "25", "20", "10", "(50,75]", "[25,75]",
          "(25,50]", "[50,60]", "(50,60]"]  # fmt: skip


def _day(rng: random.Random, span: int = 900) -> date:
    return START + timedelta(days=rng.randrange(span))


def _period(rng: random.Random) -> Period:
    roll = rng.random()
    if roll < 0.4:
        return Period()
    start = _day(rng)
    if roll < 0.7:
        return Period(start, None)
    return Period(start, start + timedelta(days=rng.randrange(1, 400)))


def random_register(seed: int, entities: int = 60, persons: int = 120) -> Register:
    rng = random.Random(seed)
    entity_ids = [f"E{i:03d}" for i in range(entities)]
    person_ids = [f"P{i:03d}" for i in range(persons)]
    stakes: list[Stake] = []
    for child in entity_ids[1:]:
        for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
            holder = rng.choice(entity_ids + person_ids[:6])
            if holder == child:
                continue
            share = Share.parse(rng.choice(SHARES))
            control = rng.choices(list(Control), weights=[90, 5, 5])[0]
            stakes.append(Stake(holder, child, share, share, _period(rng), control))
    units = [OrgUnit(f"U{i:03d}", rng.choice(entity_ids), f"Unit {i}") for i in range(30)]
    employments = []
    for person in person_ids:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            kind = EmploymentKind.RETIREE if rng.random() < 0.1 else EmploymentKind.EMPLOYEE
            employments.append(Employment(person, rng.choice(entity_ids), None, kind, _period(rng)))
    return Register(
        entities=[Entity(e, f"Entity {e}") for e in entity_ids],
        persons=[Person(p, f"Person {p}") for p in person_ids],
        stakes=stakes,
        units=units,
        employments=employments,
    )


def write_sales(path: Path, register: Register, count: int, seed: int) -> None:
    rng = random.Random(seed)
    sellers = [*register.entities, *register.units]
    buyers = [*register.entities, *register.units, *register.persons, "WALKIN-1", "C999"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "seller", "buyer", "amount"])
        written = 0
        while written < count:
            seller, buyer = rng.choice(sellers), rng.choice(buyers)
            seller_entity = register.units[seller].entity if seller in register.units else seller
            if buyer in (seller, seller_entity):
                continue
            writer.writerow([f"S{written:05d}", _day(rng), seller, buyer, "10.00"])
            written += 1


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bulk_equals_single_on_every_row(tmp_path: Path, seed: int) -> None:
    # given a random register and thousands of sales
    register = random_register(seed)
    sales = tmp_path / "sales.csv"
    write_sales(sales, register, 3000, seed)
    out = tmp_path / "out.csv"

    # when the whole file is classified in bulk
    result = classify_sales(register=register, sales=sales, out=out)

    # then every row equals the single answer
    rows = read_rows(out)
    assert result.rows == 3000
    assert list(rows[0]) == list(OUTPUT_COLUMNS)
    for sale, row in zip(read_rows(sales), rows, strict=True):
        single = register.classify(sale["seller"], sale["buyer"], date.fromisoformat(sale["date"]))
        assert row == {
            "id": sale["id"],
            "relation": single.relation.value,
            "internal": str(single.internal).lower(),
            "seller_entity": single.seller_entity,
            "buyer_entity": single.buyer_entity or "",
            "group": single.group,
            "uncertain": str(single.uncertain).lower(),
            "evidence": EVIDENCE_SEPARATOR.join(single.evidence),
        }, sale


def test_bulk_equals_single_on_the_benchmark_generators_data(tmp_path: Path) -> None:
    # given a small dataset from the benchmark generator (groups, bands, persons, changes)
    from benchmarks.generate import generate

    folder = tmp_path / "data"
    generate(folder, entities=400, stakes=600, people=1500, sales=4000, seed=7)
    register = load_register(folder)
    out = tmp_path / "out.csv"

    # when its sales are classified in bulk
    classify_sales(register=register, sales=folder / "sales.csv", out=out)

    # then every row equals the single answer
    for sale, row in zip(read_rows(folder / "sales.csv"), read_rows(out), strict=True):
        single = register.classify(sale["seller"], sale["buyer"], date.fromisoformat(sale["date"]))
        assert (row["relation"], row["buyer_entity"], row["uncertain"], row["evidence"]) == (
            single.relation.value,
            single.buyer_entity or "",
            str(single.uncertain).lower(),
            EVIDENCE_SEPARATOR.join(single.evidence),
        ), sale


def test_every_relation_occurs_in_the_parity_data(tmp_path: Path) -> None:
    register = random_register(1)
    sales = tmp_path / "sales.csv"
    write_sales(sales, register, 3000, 1)
    result = classify_sales(register=register, sales=sales, out=tmp_path / "out.csv")
    assert set(result.counts) == {
        "same_entity", "intercompany", "employee", "group_employee", "related_party", "external"
    }  # fmt: skip


def test_a_bad_sales_file_is_rejected_whole_and_writes_nothing(tmp_path: Path) -> None:
    # given a sales file with a bad date, an unknown seller and a self-purchase
    register = random_register(1)
    sales = tmp_path / "sales.csv"
    sales.write_text(
        "id,date,seller,buyer\n"
        "S1,2024-02-01,E001,E002\n"
        "S2,2024-02-30,E001,E002\n"
        "S3,2024-02-01,NOPE,E002\n"
        "S4,2024-02-01,E001,E001\n"
        ",2024-02-01,E001,E002\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"

    # when it is classified in bulk
    with pytest.raises(DatasetError) as raised:
        classify_sales(register=register, sales=sales, out=out)

    # then every problem is named and no output exists
    assert [str(p) for p in raised.value.problems] == [
        'sales.csv row 3, column date: "2024-02-30" is not a date (YYYY-MM-DD)',
        'sales.csv row 4, column seller: "NOPE" is not a known legal entity or org unit',
        "sales.csv row 5, column buyer: E001 cannot buy from itself (E001)",
        "sales.csv row 6, column id: a value is required",
    ]
    assert not out.exists()


def test_unknown_and_missing_columns_are_named(tmp_path: Path) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text("id,day,seller,buyer\nS1,2024-02-01,E001,E002\n", encoding="utf-8")
    with pytest.raises(DatasetError) as raised:
        classify_sales(register=random_register(1), sales=sales, out=tmp_path / "out.csv")
    assert [str(p) for p in raised.value.problems] == [
        "sales.csv row 1, column date: required column is missing",
        "sales.csv row 1, column day: unknown column (expected one of id, date, seller, buyer, "
        "amount, currency, product, quantity, price_paid, market_price)",
    ]
