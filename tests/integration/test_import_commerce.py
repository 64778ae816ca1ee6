"""Importing products, programmes.toml, gross_profit.csv and sales.csv, on SQLite and PostgreSQL.

HOLD owns SUBA; P1 works at SUBA since 2020. SUBA sells the widget W (list 10.00 EUR).
The staff programme gives 20 % off. Sales: P1 buys 3 widgets, returns 1; a walk-in
customer buys one.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest
from sqlalchemy import Engine, select

from inhouse.clock import FixedClock
from inhouse.dataset.errors import DatasetError
from inhouse.dataset.services import ImportReport, import_dataset
from inhouse.db.metadata import metadata
from inhouse.db.uow import UnitOfWork
from inhouse.groups.services import RegisterCache
from inhouse.identity.domain import SYSTEM
from inhouse.orders import services as orders

FILES = {
    "entities.csv": """\
        id,name,country,currency
        HOLD,Hold AG,DE,EUR
        SUBA,Sub A GmbH,DE,EUR
        """,
    "stakes.csv": """\
        holder,entity,voting
        HOLD,SUBA,100
        """,
    "people.csv": """\
        id,name,employee_no
        P1,Petra Eins,E1
        """,
    "employments.csv": """\
        person,entity,valid_from
        P1,SUBA,2020-01-01
        """,
    "products.csv": """\
        id,seller,name,list_price,currency,kind,category,unit_cost,for_employees_only
        W,SUBA,Widget,10.00,EUR,goods,widgets,6.00,false
        """,
    "programmes.toml": """\
        [[programme]]
        id = "STAFF"
        name = "Staff purchases"
        kind = "staff_discount"
        scope_kind = "entity"
        scope_id = "SUBA"
        discount_pct = "20"
        annual_cap = "100.00"
        annual_cap_currency = "EUR"
        """,
    "sales.csv": """\
        id,date,seller,buyer,amount,currency,product,quantity,price_paid,market_price
        S1,2026-03-02,SUBA,P1,24.00,EUR,W,3,8.00,
        S2,2026-03-02,SUBA,WALK-IN,10.00,EUR,W,1,10.00,
        S3,2026-03-09,SUBA,P1,-8.00,EUR,W,-1,8.00,
        """,
}


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(dedent(content), encoding="utf-8")
    return folder


def run(engine: Engine, clock: FixedClock, folder: Path) -> ImportReport:
    return import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, path=folder)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(r) for r in connection.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
            if table.name != "audit_log"
        }


def problems_of(engine: Engine, clock: FixedClock, folder: Path) -> list[str]:
    with pytest.raises(DatasetError) as raised:
        run(engine, clock, folder)
    return [str(p) for p in raised.value.problems]


def test_sales_become_orders_and_returns_with_their_explanations(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    report = run(engine, clock, write(tmp_path / "d", FILES))

    assert report.commerce == {
        "products": {"added": 1},
        "programmes": {"added": 1},
        "sales": {"orders added": 2, "returns added": 1},
    }
    bought = orders.get_order(uow=UnitOfWork(engine), actor=SYSTEM, order="S1")
    assert (bought["relation"], bought["source"]) == ("employee", "import")
    line = bought["lines"][0]
    assert (line["programme"], line["amount"], line["discount"], line["unit_price"]) == (
        "STAFF", 24, 6, 8)  # fmt: skip
    assert line["evidence"][0] == "Recorded from sales.csv row 2: paid 24.00 EUR (8 EUR a unit)"
    [back] = bought["returns"]
    assert (back["id"], back["on"].isoformat()) == ("S3", "2026-03-09")
    assert [(x["quantity"], x["amount"], x["discount"]) for x in back["lines"]] == [(1, 8, 2)]
    walk_in = orders.get_order(uow=UnitOfWork(engine), actor=SYSTEM, order="S2")
    assert (walk_in["relation"], walk_in["lines"][0]["discount"]) == ("external", 0)


def test_a_second_import_changes_nothing(engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    folder = write(tmp_path / "d", FILES)
    run(engine, clock, folder)
    before = snapshot(engine)

    again = run(engine, clock, folder)

    assert again.nothing_to_change
    assert snapshot(engine) == before


def test_a_new_price_needs_its_first_day(engine: Engine, clock: FixedClock, tmp_path: Path) -> None:
    run(engine, clock, write(tmp_path / "d", FILES))
    repriced = dict(FILES, **{"products.csv": """\
        id,seller,name,list_price,currency,unit_cost
        W,SUBA,Widget,11.00,EUR,6.00
        """})  # fmt: skip
    assert problems_of(engine, clock, write(tmp_path / "e", repriced)) == [
        "products.csv row 2, column list_price: W has another price stored; give price_from, "
        "the first day of the new price",
    ]
    dated = dict(FILES, **{"products.csv": """\
        id,seller,name,list_price,currency,unit_cost,price_from
        W,SUBA,Widget,11.00,EUR,6.00,2026-04-01
        """})  # fmt: skip
    report = run(engine, clock, write(tmp_path / "f", dated))
    assert report.commerce["products"] == {"repriced": 1}


def test_bad_rows_are_named_and_nothing_is_written(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    bad = dict(FILES, **{
        "products.csv": """\
            id,seller,name,list_price,currency,kind
            W,NOPE,Widget,ten,EUR,gift
            """,
        "programmes.toml": """\
            [[programme]]
            id = "STAFF"
            name = "Staff"
            kind = "staff_discount"
            discount_pct = "20"
            annual_cap = "100.00"
            """,
    })  # fmt: skip
    before = snapshot(engine)
    assert problems_of(engine, clock, write(tmp_path / "d", bad)) == [
        'products.csv row 2, column seller: "NOPE" is not a known entity',
        'products.csv row 2, column kind: "gift" is not goods or service',
        'products.csv row 2, column list_price: "ten" is not a number',
        "programmes.toml programme 1 column annual_cap_currency: an annual cap has its currency",
    ]
    assert snapshot(engine) == before


def test_a_return_without_its_sale_is_refused(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    orphan = dict(FILES, **{"sales.csv": """\
        id,date,seller,buyer,amount,currency,product,quantity,price_paid
        S1,2026-03-02,SUBA,P1,24.00,EUR,W,3,8.00
        S3,2026-03-09,SUBA,P1,-32.00,EUR,W,-4,8.00
        S4,2026-03-09,SUBA,P1,-9.00,EUR,NOPE,-1,9.00
        """})  # fmt: skip
    before = snapshot(engine)
    assert problems_of(engine, clock, write(tmp_path / "d", orphan)) == [
        "sales.csv: sales.csv row 3: the return of 4 × W by P1 on 2026-03-09 matches no "
        "earlier sale of SUBA at 8.00 with 4 units left; sales.csv row 4: the return of 1 × "
        "NOPE by P1 on 2026-03-09 matches no earlier sale of SUBA at 9.00 with 1 units left",
    ]
    assert snapshot(engine) == before


def test_imported_discounts_count_against_the_cap(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    run(engine, clock, write(tmp_path / "d", FILES))
    made = orders.place_order(uow=UnitOfWork(engine), cache=RegisterCache(), actor=SYSTEM,
                              clock=clock, seller="SUBA", buyer="P1",
                              lines=[orders.OrderLineIn("W", Decimal(1))])  # fmt: skip
    # 6.00 bought, 2.00 given back: 4.00 used of 100.00, then 2.00 on this line
    assert made["lines"][0]["cap_left"] == 94
