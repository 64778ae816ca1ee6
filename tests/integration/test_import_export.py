"""Import and export of dataset folders, on SQLite and PostgreSQL.

Import is atomic (a bad row anywhere changes nothing, not even the audit log),
idempotent (the same folder twice changes nothing) and applies only the differences;
export followed by import into an empty database gives the same data.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from textwrap import dedent
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from inhouse.clock import FixedClock
from inhouse.dataset.errors import DatasetError, Problem
from inhouse.dataset.services import (
    EMPLOYMENTS,
    ENTITIES,
    PEOPLE,
    STAKES,
    UNITS,
    ImportReport,
    TableChanges,
    export_dataset,
    import_dataset,
)
from inhouse.db.metadata import metadata
from inhouse.db.migrate import upgrade
from inhouse.db.uow import UnitOfWork
from inhouse.demo import DATA_DIR
from inhouse.groups.domain import Register
from inhouse.groups.repository import (
    row_of_employment,
    row_of_entity,
    row_of_person,
    row_of_stake,
    row_of_unit,
)
from inhouse.identity.domain import SYSTEM, Actor, Role
from inhouse.identity.services import NotAllowed
from inhouse.identity.tables import audit_log

GROUP_TABLES = ("entities", "stakes", "units", "persons", "employments")
BODS = Path(__file__).resolve().parents[1] / "fixtures" / "bods"

BASE = {
    "entities": """\
        id,name,country,currency,lei,vat_id,line_of_business
        HOLD,Hold AG,DE,EUR,,,holding
        SUBA,Sub A GmbH,DE,EUR,,,retail
        SUBB,Sub B Ltd,GB,GBP,,,manufacturing
        JV,Joint GmbH,DE,EUR,,,
        """,
    "stakes": """\
        holder,entity,voting,equity,valid_from,valid_to,control
        HOLD,SUBA,100,100,2019-01-01,,
        HOLD,SUBB,"(75,100]","(75,100]",2020-01-01,,
        HOLD,JV,50,50,2021-01-01,,no
        P2,JV,10,10,,,yes
        """,
    # The child comes before its parent: the import inserts parents first.
    "units": """\
        id,entity,name,parent,cost_centre
        SUBA-SHOP,SUBA,Shop,SUBA-HQ,200
        SUBA-HQ,SUBA,Head office,,100
        """,
    "people": """\
        id,name,email,employee_no
        P1,Petra Eins,petra@example.com,E1
        P2,Paul Zwei,,
        P3,Rita Drei,,E3
        """,
    "employments": """\
        person,entity,unit,kind,valid_from,valid_to
        P1,SUBA,SUBA-SHOP,employee,2020-01-01,
        P2,SUBB,,employee,2019-06-01,2024-01-01
        P3,SUBA,,retiree,2023-01-01,
        """,
}

# SUBB renamed, NEW added; HOLD→SUBA ended, HOLD→SUBB's band changed, P2→JV left out;
# P1's email changed, P3 left out, P4 added; P1's employment ended, P2's became a
# retirement, P3's left out, P4's added.
CHANGED = {
    "entities": """\
        id,name,country,currency,lei,vat_id,line_of_business
        HOLD,Hold AG,DE,EUR,,,holding
        SUBA,Sub A GmbH,DE,EUR,,,retail
        SUBB,Sub B Limited,GB,GBP,,,manufacturing
        JV,Joint GmbH,DE,EUR,,,
        NEW,New GmbH,DE,EUR,,,
        """,
    "stakes": """\
        holder,entity,voting,equity,valid_from,valid_to,control
        HOLD,SUBA,100,100,2019-01-01,2026-01-01,
        HOLD,SUBB,"(50,75]","(50,75]",2020-01-01,,
        HOLD,JV,50,50,2021-01-01,,no
        HOLD,NEW,100,100,2026-01-01,,
        """,
    "units": BASE["units"],
    "people": """\
        id,name,email,employee_no
        P1,Petra Eins,petra.eins@example.com,E1
        P2,Paul Zwei,,
        P4,Vera Vier,,E4
        """,
    "employments": """\
        person,entity,unit,kind,valid_from,valid_to
        P1,SUBA,SUBA-SHOP,employee,2020-01-01,2026-02-01
        P2,SUBB,,retiree,2019-06-01,2024-01-01
        P4,NEW,,employee,2026-01-01,
        """,
}


def write_dataset(folder: Path, tables: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in tables.items():
        (folder / f"{name}.csv").write_text(dedent(content), encoding="utf-8")
    return folder


def run_import(
    engine: Engine, clock: FixedClock, path: Path, actor: Actor = SYSTEM
) -> ImportReport:
    return import_dataset(uow=UnitOfWork(engine), actor=actor, clock=clock, path=path)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for "nothing changed" checks."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }


def group_rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with UnitOfWork(engine) as uow:
        return {resource: uow.groups.all_rows(resource) for resource in GROUP_TABLES}


def audit_entries(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        query = select(audit_log).order_by(audit_log.c.id)
        return [dict(row) for row in connection.execute(query).mappings()]


def changes(table: str, **counts: int) -> TableChanges:
    return TableChanges(table, **counts)


# --------------------------------------------------------------------------- first import


def test_the_demo_dataset_imports_whole_with_its_products_programmes_and_sales(
    engine: Engine, clock: FixedClock
) -> None:
    report = run_import(engine, clock, DATA_DIR)

    assert report.tables == (
        changes("entities", added=17),
        changes("stakes", added=16),
        changes("units", added=33),
        changes("people", added=68),
        changes("employments", added=57),
        changes("tickets", added=1126),
        changes("ticket_events", added=7087),
    )
    assert report.not_imported == ()
    assert report.commerce == {
        "products": {"added": 35},
        "programmes": {"added": 20},
        "gross_profit": {"added": 2},
        "sales": {"orders added": 2980, "returns added": 72},
    }
    assert report.summary() == (
        "8,404 added; products: 35 added; programmes: 20 added; gross_profit: 2 added; "
        "sales: 2,980 orders added, 72 returns added"
    )
    with UnitOfWork(engine) as uow:
        counts = {resource: uow.groups.count(resource) for resource in GROUP_TABLES}
    assert counts == {"entities": 17, "stakes": 16, "units": 33, "persons": 68, "employments": 57}


def test_a_first_import_writes_one_audit_entry_per_table_and_one_for_the_run(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    folder = write_dataset(tmp_path / "base", BASE)

    run_import(engine, clock, folder)

    entries = audit_entries(engine)
    assert [(e["action"], e["resource"], e["resource_id"]) for e in entries] == [
        ("import_add", "entities", "id HOLD … id JV"),
        ("import_add", "persons", "id P1 … id P3"),
        ("import_add", "units", "id SUBA-HQ … id SUBA-SHOP"),
        ("import_add", "stakes", "holder HOLD, entity SUBA, valid_from 2019-01-01 … "
                                 "holder P2, entity JV, valid_from empty"),
        ("import_add", "employments", "person P1, entity SUBA, unit SUBA-SHOP, valid_from "
                                      "2020-01-01 … person P3, entity SUBA, unit empty, "
                                      "valid_from 2023-01-01"),
        ("import", "datasets", str(folder)),
    ]  # fmt: skip
    assert entries[0]["after"] == {
        "count": 4,
        "first": {"id": "HOLD"},
        "last": {"id": "JV"},
        "source": str(folder),
    }
    assert {e["actor"] for e in entries} == {"system"}
    assert entries[-1]["after"]["tables"]["stakes"] == {
        "added": 4, "changed": 0, "ended": 0, "unchanged": 0, "kept": 0
    }  # fmt: skip


def test_the_stored_records_equal_the_dataset(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))

    rows = group_rows(engine)
    assert rows["stakes"][1] == {
        "id": 2, "holder": "HOLD", "entity": "SUBB", "voting": "(75,100]",
        "equity": "(75,100]", "valid_from": date.fromisoformat("2020-01-01"), "valid_to": None,
        "control": "",
    }  # fmt: skip
    assert rows["stakes"][3]["control"] == "yes"
    assert rows["units"] == [
        {"id": "SUBA-HQ", "entity": "SUBA", "name": "Head office", "parent": None,
         "cost_centre": "100"},
        {"id": "SUBA-SHOP", "entity": "SUBA", "name": "Shop", "parent": "SUBA-HQ",
         "cost_centre": "200"},
    ]  # fmt: skip
    assert rows["employments"][2] == {
        "id": 3, "person": "P3", "entity": "SUBA", "unit": None, "kind": "retiree",
        "valid_from": date.fromisoformat("2023-01-01"), "valid_to": None,
    }  # fmt: skip


# --------------------------------------------------------------------------- idempotency


def test_importing_the_same_folder_again_changes_nothing_and_says_so(
    engine: Engine, clock: FixedClock
) -> None:
    run_import(engine, clock, DATA_DIR)
    before = snapshot(engine)

    report = run_import(engine, clock, DATA_DIR)

    assert report.nothing_to_change
    assert report.summary() == "nothing to change: the database already holds this dataset"
    assert report.tables == (
        changes("entities", unchanged=17),
        changes("stakes", unchanged=16),
        changes("units", unchanged=33),
        changes("people", unchanged=68),
        changes("employments", unchanged=57),
        changes("tickets", unchanged=1126),
        changes("ticket_events", unchanged=7087),
    )
    after = snapshot(engine)
    new_audit = [row for row in after.pop("audit_log") if row not in before["audit_log"]]
    before.pop("audit_log")
    assert after == before
    # The run itself is recorded, and nothing else.
    assert [(row[3], row[4]) for row in new_audit] == [("import", "datasets")]
    assert audit_entries(engine)[-1]["after"]["nothing_to_change"] is True


# --------------------------------------------------------------------------- differences


def test_a_changed_folder_applies_only_the_differences(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    first_run = len(audit_entries(engine))

    report = run_import(engine, clock, write_dataset(tmp_path / "changed", CHANGED))

    assert report.tables == (
        changes("entities", added=1, changed=1, unchanged=3),
        changes("stakes", added=1, changed=1, ended=1, unchanged=1, kept=1),
        changes("units", unchanged=2),
        changes("people", added=1, changed=1, unchanged=1, kept=1),
        changes("employments", added=1, changed=1, ended=1, kept=1),
    )
    assert report.summary() == "4 added, 4 changed, 2 ended"
    rows = group_rows(engine)
    assert [(s["id"], s["holder"], s["entity"], s["voting"], s["valid_to"]) for s in rows["stakes"]] == [
        (1, "HOLD", "SUBA", "100", date.fromisoformat("2026-01-01")),
        (2, "HOLD", "SUBB", "(50,75]", None),
        (3, "HOLD", "JV", "50", None),
        (4, "P2", "JV", "10", None),  # not in the folder: kept
        (5, "HOLD", "NEW", "100", None),
    ]  # fmt: skip
    assert [(p["id"], p["email"]) for p in rows["persons"]] == [
        ("P1", "petra.eins@example.com"), ("P2", None), ("P3", None), ("P4", None),
    ]  # fmt: skip
    assert [(e["id"], e["person"], e["kind"], e["valid_to"]) for e in rows["employments"]] == [
        (1, "P1", "employee", date.fromisoformat("2026-02-01")),
        (2, "P2", "retiree", date.fromisoformat("2024-01-01")),
        (3, "P3", "retiree", None),
        (4, "P4", "employee", None),
    ]
    assert {e["id"]: e["name"] for e in rows["entities"]} == {
        "HOLD": "Hold AG", "JV": "Joint GmbH", "NEW": "New GmbH", "SUBA": "Sub A GmbH",
        "SUBB": "Sub B Limited",
    }  # fmt: skip
    entries = audit_entries(engine)[first_run:]
    assert [(e["action"], e["resource"], e["resource_id"]) for e in entries] == [
        ("import_add", "entities", "id NEW"),
        ("update", "entities", "SUBB"),
        ("import_add", "persons", "id P4"),
        ("update", "persons", "P1"),
        ("import_add", "stakes", "holder HOLD, entity NEW, valid_from 2026-01-01"),
        ("update", "stakes", "2"),
        ("end", "stakes", "1"),
        ("import_add", "employments", "person P4, entity NEW, unit empty, valid_from 2026-01-01"),
        ("update", "employments", "2"),
        ("end", "employments", "1"),
        ("import", "datasets", str(tmp_path / "changed")),
    ]
    ended = entries[6]
    assert ended["before"] == {
        "id": 1, "holder": "HOLD", "entity": "SUBA", "voting": "100", "equity": "100",
        "valid_from": "2019-01-01", "valid_to": None, "control": "",
    }  # fmt: skip
    assert ended["after"] == {**ended["before"], "valid_to": "2026-01-01"}
    assert entries[1]["before"]["name"] == "Sub B Ltd"
    assert entries[1]["after"]["name"] == "Sub B Limited"


def test_reopening_an_ended_record_is_a_change_not_an_end(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    run_import(engine, clock, write_dataset(tmp_path / "changed", CHANGED))
    reopened = dict(CHANGED)
    reopened["stakes"] = CHANGED["stakes"].replace("2019-01-01,2026-01-01", "2019-01-01,")

    report = run_import(engine, clock, write_dataset(tmp_path / "reopened", reopened))

    assert report.table("stakes") == changes("stakes", changed=1, unchanged=3)


# --------------------------------------------------------------------------- atomicity


@pytest.mark.parametrize("imported_before", [False, True], ids=["empty", "filled"])
def test_a_bad_last_row_of_employments_leaves_the_database_exactly_unchanged(
    engine: Engine, clock: FixedClock, tmp_path: Path, imported_before: bool
) -> None:
    if imported_before:
        run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    bad = dict(CHANGED)
    bad["employments"] = CHANGED["employments"].replace(
        "P4,NEW,,employee,2026-01-01,", "P4,NEW,,employee,2026-13-01,"
    )
    folder = write_dataset(tmp_path / "bad", bad)
    before = snapshot(engine)

    with pytest.raises(DatasetError) as raised:
        run_import(engine, clock, folder)

    assert raised.value.problems == [
        Problem("employments.csv", 4, "valid_from", '"2026-13-01" is not a date (YYYY-MM-DD)')
    ]
    assert snapshot(engine) == before


def test_a_dataset_that_clashes_with_the_database_is_rejected_whole(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    clash = dict(CHANGED)
    # P3 is a person in the database; this folder makes it an entity.
    clash["entities"] = CHANGED["entities"] + "        P3,Drei GmbH,DE,EUR,,,\n"
    folder = write_dataset(tmp_path / "clash", clash)
    before = snapshot(engine)

    with pytest.raises(DatasetError) as raised:
        run_import(engine, clock, folder)

    assert raised.value.problems == [
        Problem("entities.csv", 7, "id", '"P3" is a person in the database, not an entity')
    ]
    assert snapshot(engine) == before


def test_moving_an_org_unit_under_stored_employments_is_rejected_whole(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    moved = dict(BASE)
    # SUBA-SHOP moves to SUBB; P1's stored employment at SUBA in SUBA-SHOP is not given
    moved["units"] = """\
        id,entity,name,parent,cost_centre
        SUBA-SHOP,SUBB,Shop,,200
        SUBA-HQ,SUBA,Head office,,100
        """
    moved["employments"] = """\
        person,entity,unit,kind,valid_from,valid_to
        P2,SUBB,,employee,2019-06-01,2024-01-01
        """
    folder = write_dataset(tmp_path / "moved", moved)
    before = snapshot(engine)

    with pytest.raises(DatasetError) as raised:
        run_import(engine, clock, folder)

    assert raised.value.problems == [
        Problem("units.csv", 2, "entity", "moves org unit SUBA-SHOP from SUBA to SUBB, but the "
                "database holds 1 employment(s) at SUBA in SUBA-SHOP (e.g. P1 since "
                "2020-01-01); a unit belongs to one entity: give SUBB's unit a new id")
    ]  # fmt: skip
    assert snapshot(engine) == before


# --------------------------------------------------------------------------- partial folders
# A file is a set of changes: a file left out, a file without rows and a row left out all
# keep what the database holds; what the rows refer to may be in the folder or the database.


def test_a_folder_of_stakes_alone_refers_to_the_entities_the_database_holds(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    # given the base dataset imported, and a folder with only stakes.csv: HOLD→SUBA ends,
    # HOLD→SUBB and HOLD→JV as stored, P2→JV left out
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    folder = write_dataset(tmp_path / "stakes", {"stakes": """\
        holder,entity,voting,equity,valid_from,valid_to,control
        HOLD,SUBA,100,100,2019-01-01,2026-01-01,
        HOLD,SUBB,"(75,100]","(75,100]",2020-01-01,,
        HOLD,JV,50,50,2021-01-01,,no
        """})  # fmt: skip

    # when
    report = run_import(engine, clock, folder)

    # then the stake ends; every other stored record is kept, and the report says why
    assert report.tables == (
        changes("entities", kept=4),
        changes("stakes", ended=1, unchanged=2, kept=1),
        changes("units", kept=2),
        changes("people", kept=3),
        changes("employments", kept=3),
    )
    assert report.kept_files == (
        ("entities.csv", "not in this folder: the database's records are kept (4 entities)"),
        ("units.csv", "not in this folder: the database's records are kept (2 org units)"),
        ("people.csv", "not in this folder: the database's records are kept (3 persons)"),
        ("employments.csv",
         "not in this folder: the database's records are kept (3 employments)"),
    )  # fmt: skip
    assert report.notes()[0] == (
        "entities.csv: not in this folder: the database's records are kept (4 entities)"
    )
    stakes = group_rows(engine)["stakes"]
    assert [(s["holder"], s["entity"], s["valid_to"]) for s in stakes] == [
        ("HOLD", "SUBA", date(2026, 1, 1)),
        ("HOLD", "SUBB", None),
        ("HOLD", "JV", None),
        ("P2", "JV", None),
    ]


def test_a_stakes_file_with_only_its_header_keeps_the_stakes_as_a_file_with_rows_keeps_those_it_leaves_out(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    # given the base dataset imported, and its folder again with stakes.csv only a header
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    header_only = {**BASE, "stakes": "holder,entity,voting,equity,valid_from,valid_to,control\n"}
    before = group_rows(engine)

    # when
    report = run_import(engine, clock, write_dataset(tmp_path / "header", header_only))

    # then no stake ends: the four are kept, and the report says so
    assert report.table("stakes") == changes("stakes", kept=4)
    assert report.kept_files == (
        ("stakes.csv", "no rows: the database's records are kept (4 stakes)"),
    )
    assert report.nothing_to_change
    assert group_rows(engine) == before
    # and a file with one of the rows keeps the other three the same way
    one_row = {**BASE, "stakes": BASE["stakes"].split("        HOLD,SUBB")[0]}
    report = run_import(engine, clock, write_dataset(tmp_path / "one", one_row))
    assert report.table("stakes") == changes("stakes", unchanged=1, kept=3)
    assert report.kept_files == ()
    assert group_rows(engine) == before


@pytest.mark.parametrize("imported_before", [False, True], ids=["empty", "filled"])
def test_a_folder_without_entities_names_the_missing_file_once_and_changes_nothing(
    engine: Engine, clock: FixedClock, tmp_path: Path, imported_before: bool
) -> None:
    # given a folder with stakes.csv alone, referring to 5 entities and P2; the database
    # empty, or holding the base dataset but not NOPE
    if imported_before:
        run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    stakes = BASE["stakes"] + "        HOLD,NOPE,10,10,2022-01-01,,\n"
    folder = write_dataset(tmp_path / "stakes", {"stakes": stakes})
    before = snapshot(engine)

    # when
    with pytest.raises(DatasetError) as raised:
        run_import(engine, clock, folder)

    # then one problem names entities.csv and what the database does not hold
    if imported_before:
        reason = (
            "not in this folder, and the database does not hold the 1 entity that the "
            'folder refers to: "NOPE" (first in stakes.csv row 6, column entity)'
        )
    else:
        reason = ('not in this folder, and the database does not hold the 6 entities or persons '
                  'that the folder refers to: "HOLD", "SUBA", "SUBB" and 3 more (first in '
                  'stakes.csv row 2, column holder)')  # fmt: skip
    assert raised.value.problems == [Problem("entities.csv", None, None, reason)]
    assert snapshot(engine) == before


def test_what_the_database_holds_as_another_kind_is_named_on_its_row(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    # given the base dataset imported; P1 is a person, SUBA-SHOP an org unit of SUBA
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    folder = write_dataset(tmp_path / "partial", {
        "stakes": "holder,entity,voting\nHOLD,P1,10\nSUBA-HQ,SUBB,5\n",
        "employments": "person,entity,unit\nP3,SUBB,SUBA-SHOP\nSUBA,SUBA,\n",
    })  # fmt: skip
    before = snapshot(engine)

    # when
    with pytest.raises(DatasetError) as raised:
        run_import(engine, clock, folder)

    # then
    assert raised.value.problems == [
        Problem("stakes.csv", 2, "entity", '"P1" is a person in the database, not an entity'),
        Problem("stakes.csv", 3, "holder",
                '"SUBA-HQ" is an org unit in the database, not an entity or a person'),
        Problem("employments.csv", 2, "unit", '"SUBA-SHOP" is an org unit of SUBA, not of SUBB'),
        Problem("employments.csv", 3, "person", '"SUBA" is an entity in the database, not a person'),
    ]  # fmt: skip
    assert snapshot(engine) == before


def test_a_new_parent_that_closes_a_cycle_through_stored_units_is_rejected(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    # given the base dataset imported: SUBA-SHOP's parent is SUBA-HQ
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    # a folder with units.csv alone that puts SUBA-HQ under SUBA-SHOP
    folder = write_dataset(tmp_path / "units", {
        "units": "id,entity,name,parent,cost_centre\nSUBA-HQ,SUBA,Head office,SUBA-SHOP,100\n",
    })  # fmt: skip
    before = snapshot(engine)

    # when
    with pytest.raises(DatasetError) as raised:
        run_import(engine, clock, folder)

    # then
    assert raised.value.problems == [
        Problem("units.csv", 2, "parent", "the parents form a cycle: SUBA-HQ → SUBA-SHOP → SUBA-HQ")
    ]
    assert snapshot(engine) == before


def test_a_new_unit_under_a_stored_unit_and_its_employment_import_from_a_partial_folder(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    # given the base dataset imported, and a folder with a new unit under SUBA-HQ and
    # P3's employment in it (neither SUBA, SUBA-HQ nor P3 in the folder)
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    folder = write_dataset(tmp_path / "partial", {
        "units": "id,entity,name,parent\nSUBA-LAB,SUBA,Lab,SUBA-HQ\n",
        "employments": "person,entity,unit,valid_from\nP3,SUBA,SUBA-LAB,2026-01-01\n",
    })  # fmt: skip

    # when
    report = run_import(engine, clock, folder)

    # then
    assert report.table("units") == changes("units", added=1, kept=2)
    assert report.table("employments") == changes("employments", added=1, kept=3)
    rows = group_rows(engine)
    assert {u["id"]: u["parent"] for u in rows["units"]} == {
        "SUBA-HQ": None, "SUBA-LAB": "SUBA-HQ", "SUBA-SHOP": "SUBA-HQ",
    }  # fmt: skip
    assert [(e["person"], e["unit"]) for e in rows["employments"]][-1] == ("P3", "SUBA-LAB")


def test_problems_of_the_rows_and_of_what_the_database_lacks_are_named_together(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    # given the base dataset imported, and a stakes-only folder with a bad share in row 2
    # and an entity in row 3 that the database does not hold
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    folder = write_dataset(tmp_path / "bad", {
        "stakes": 'holder,entity,voting\nHOLD,SUBA,"(50,75"\nHOLD,NOPE,10\n',
    })  # fmt: skip
    before = snapshot(engine)

    # when
    with pytest.raises(DatasetError) as raised:
        run_import(engine, clock, folder)

    # then both, the missing file first
    assert raised.value.problems == [
        Problem("entities.csv", None, None, 'not in this folder, and the database does not hold '
                'the 1 entity that the folder refers to: "NOPE" (first in stakes.csv row 3, '
                'column entity)'),
        Problem("stakes.csv", 2, "voting", '"(50,75" is not a share'),
    ]  # fmt: skip
    assert snapshot(engine) == before


def test_a_key_stored_twice_cannot_be_changed_by_an_import(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    with UnitOfWork(engine) as uow:  # a second HOLD→SUBA stake from 2019-01-01, e.g. by the API
        uow.groups.add("stakes", {"holder": "HOLD", "entity": "SUBA", "voting": "60",
                                  "equity": "60", "valid_from": date.fromisoformat("2019-01-01")})  # fmt: skip
        uow.commit()
    before = snapshot(engine)

    with pytest.raises(DatasetError) as raised:
        run_import(engine, clock, write_dataset(tmp_path / "changed", CHANGED))

    assert raised.value.problems == [
        Problem(
            "stakes.csv",
            2,
            None,
            "the database holds 2 stakes with holder HOLD, entity SUBA, valid_from 2019-01-01 "
            "(ids 1, 5); it cannot tell which one to change",
        )
    ]
    assert snapshot(engine) == before


def test_the_same_natural_key_twice_in_a_folder_names_both_rows(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    twice = dict(BASE)
    twice["stakes"] = BASE["stakes"] + "        HOLD,SUBA,60,60,2019-01-01,,\n"
    twice["employments"] = BASE["employments"] + "        P3,SUBA,,employee,2023-01-01,\n"
    folder = write_dataset(tmp_path / "twice", twice)
    before = snapshot(engine)

    with pytest.raises(DatasetError) as raised:
        run_import(engine, clock, folder)

    assert [str(problem) for problem in raised.value.problems] == [
        "stakes.csv row 6: the same stake as row 2 (holder HOLD, entity SUBA, valid_from "
        "2019-01-01); a stake is identified by holder, entity, valid_from: give it once",
        "employments.csv row 5: the same employment as row 4 (person P3, entity SUBA, unit "
        "empty, valid_from 2023-01-01); an employment is identified by person, entity, unit, "
        "valid_from: give it once",
    ]
    assert snapshot(engine) == before


def test_values_longer_than_the_database_keeps_are_rejected(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    long = dict(BASE)
    long["units"] = BASE["units"] + f"        {'U' * 65},SUBA,Far away,,\n"
    before = snapshot(engine)

    with pytest.raises(DatasetError) as raised:
        run_import(engine, clock, write_dataset(tmp_path / "long", long))

    assert raised.value.problems == [
        Problem("units.csv", 4, "id", "65 characters; the database keeps at most 64")
    ]
    assert snapshot(engine) == before


def test_only_a_role_that_may_import_can_import(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    hr = Actor(user_id=7, username="hr-user", role=Role.HR)
    before = snapshot(engine)

    with pytest.raises(NotAllowed, match="the role hr may not import and export datasets"):
        run_import(engine, clock, write_dataset(tmp_path / "base", BASE), actor=hr)

    assert snapshot(engine) == before


# --------------------------------------------------------------------------- export


def test_export_writes_the_interfaces_format(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))

    report = export_dataset(uow=UnitOfWork(engine), path=tmp_path / "out")

    assert report.files == (
        ("entities.csv", 4), ("stakes.csv", 4), ("units.csv", 2), ("people.csv", 3),
        ("employments.csv", 3),
    )  # fmt: skip
    read = {name: (tmp_path / "out" / name).read_text(encoding="utf-8") for name, _ in report.files}
    assert read["stakes.csv"] == dedent("""\
        holder,entity,voting,equity,valid_from,valid_to,control
        HOLD,SUBA,100,100,2019-01-01,,
        HOLD,SUBB,"(75,100]","(75,100]",2020-01-01,,
        HOLD,JV,50,50,2021-01-01,,no
        P2,JV,10,10,,,yes
        """)
    assert read["units.csv"] == dedent("""\
        id,entity,name,parent,cost_centre
        SUBA-HQ,SUBA,Head office,,100
        SUBA-SHOP,SUBA,Shop,SUBA-HQ,200
        """)
    assert read["employments.csv"] == dedent(BASE["employments"])
    assert read["people.csv"] == dedent(BASE["people"])
    assert read["entities.csv"].splitlines()[0] == (
        "id,name,country,currency,lei,vat_id,line_of_business"
    )
    assert sorted((tmp_path / "out").iterdir()) == [tmp_path / "out" / n for n in sorted(read)]


def test_export_does_not_overwrite_a_dataset_unless_asked(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    target = write_dataset(tmp_path / "out", {"stakes": "holder,entity,voting\n"})

    with pytest.raises(Exception, match=r"holds stakes.csv already: choose an empty folder"):
        export_dataset(uow=UnitOfWork(engine), path=target)
    assert (target / "stakes.csv").read_text(encoding="utf-8") == "holder,entity,voting\n"
    assert sorted(p.name for p in target.iterdir()) == ["stakes.csv"]

    export_dataset(uow=UnitOfWork(engine), path=target, overwrite=True)
    assert (target / "stakes.csv").read_text(encoding="utf-8").count("\n") == 5


@pytest.mark.parametrize("dataset", ["demo", "bands"])
def test_export_then_import_into_an_empty_database_gives_identical_data(
    engine: Engine, empty_engine: Engine, clock: FixedClock, tmp_path: Path, dataset: str
) -> None:
    source = DATA_DIR if dataset == "demo" else write_dataset(tmp_path / "base", BASE)
    run_import(engine, clock, source)
    export_dataset(uow=UnitOfWork(engine), path=tmp_path / "exported")
    upgrade(empty_engine)

    report = run_import(empty_engine, clock, tmp_path / "exported")

    assert report.not_imported == ()
    assert group_rows(empty_engine) == group_rows(engine)
    # …and the exported folder is what the source database holds: re-importing it is a no-op.
    assert run_import(engine, clock, tmp_path / "exported").nothing_to_change


def test_an_exported_folder_exports_again_byte_for_byte(
    engine: Engine, empty_engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    run_import(engine, clock, DATA_DIR)
    export_dataset(uow=UnitOfWork(engine), path=tmp_path / "first")
    upgrade(empty_engine)
    run_import(empty_engine, clock, tmp_path / "first")

    export_dataset(uow=UnitOfWork(empty_engine), path=tmp_path / "second")

    for name in ("entities", "stakes", "units", "people", "employments"):
        first = (tmp_path / "first" / f"{name}.csv").read_bytes()
        assert (tmp_path / "second" / f"{name}.csv").read_bytes() == first, name


def test_the_demo_files_and_their_export_hold_the_same_rows(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    run_import(engine, clock, DATA_DIR)

    export_dataset(uow=UnitOfWork(engine), path=tmp_path / "out")

    for name in ("entities", "stakes", "units", "people", "employments"):
        exported = (tmp_path / "out" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        source = (DATA_DIR / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        assert exported[0] == source[0], name
        assert sorted(exported[1:]) == sorted(source[1:]), name


def test_a_workbook_copy_of_the_folder_imports_as_nothing_to_change(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    run_import(engine, clock, write_dataset(tmp_path / "base", BASE))
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, content in BASE.items():
        sheet = book.create_sheet(name)
        for row in csv.reader(dedent(content).splitlines()):
            sheet.append(row)
    book.save(tmp_path / "groups.xlsx")

    report = run_import(engine, clock, tmp_path / "groups.xlsx")

    assert report.nothing_to_change


def test_a_bods_file_imports_and_a_second_time_changes_nothing(
    engine: Engine, clock: FixedClock
) -> None:
    first = run_import(engine, clock, BODS / "tecido.json")
    second = run_import(engine, clock, BODS / "tecido.json")

    assert first.summary() == "9 added"
    assert first.not_imported == ()
    assert second.nothing_to_change


def test_the_compared_values_are_the_rows_the_repository_writes(
    demo_register: Register,
) -> None:
    entities, units, persons = (
        list(demo_register.entities.values()),
        list(demo_register.units.values()),
        list(demo_register.persons.values()),
    )
    stakes, employments = demo_register.stakes, demo_register.employments

    assert [ENTITIES.row(ENTITIES.values_of(e)) for e in entities] == [
        row_of_entity(e) for e in entities
    ]
    assert [STAKES.row(STAKES.values_of(s)) for s in stakes] == [row_of_stake(s) for s in stakes]
    assert [UNITS.row(UNITS.values_of(u)) for u in units] == [row_of_unit(u) for u in units]
    assert [PEOPLE.row(PEOPLE.values_of(p)) for p in persons] == [row_of_person(p) for p in persons]
    assert [EMPLOYMENTS.row(EMPLOYMENTS.values_of(e)) for e in employments] == [
        row_of_employment(e) for e in employments
    ]


class _WriteAttempt:
    """A progress callback that, while the import writes, tries a write of its own."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.error: Exception | None = None

    def phase(self, description: str, total: float | None = None) -> None:
        if description != "Writing":
            return
        with self.engine.connect() as connection:
            connection.execute(text("SET lock_timeout = '200ms'"))
            try:
                connection.execute(text("INSERT INTO parties (id, kind) VALUES ('X', 'person')"))
            except DBAPIError as error:
                self.error = error

    def update(self, completed: float) -> None:
        pass


@pytest.mark.parametrize("backend", ["postgresql"])
def test_other_writers_wait_while_an_import_compares_and_writes(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    attempt = _WriteAttempt(engine)

    import_dataset(
        uow=UnitOfWork(engine),
        actor=SYSTEM,
        clock=clock,
        path=write_dataset(tmp_path / "base", BASE),
        progress=attempt,
    )

    assert attempt.error is not None
    assert "lock timeout" in str(attempt.error)
    with UnitOfWork(engine) as uow:
        assert uow.groups.party_kind("X") is None


def test_an_import_can_be_named_for_the_report_and_the_audit_log(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    report = import_dataset(
        uow=UnitOfWork(engine),
        actor=SYSTEM,
        clock=clock,
        path=write_dataset(tmp_path / "unpacked", BASE),
        source="groups-2026.zip",
    )

    assert report.source == "groups-2026.zip"
    last = audit_entries(engine)[-1]
    assert (last["action"], last["resource_id"]) == ("import", "groups-2026.zip")
    assert last["after"]["source"] == "groups-2026.zip"
