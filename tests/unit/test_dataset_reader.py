"""Reading dataset folders and workbooks: the register they hold, and every problem named."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from inhouse.dataset.errors import DatasetError
from inhouse.dataset.reader import open_dataset, open_table_file, read_register
from inhouse.dataset.tables import SALES
from inhouse.dates import Period
from inhouse.groups.domain import (
    Control,
    Employment,
    EmploymentKind,
    Entity,
    OrgUnit,
    Person,
    Share,
    Stake,
)

VALID_LEI = "529900T8BM49AURSDO55"
VALID_DE_VAT = "DE136695976"


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)


def problems(path: Path) -> list[str]:
    with pytest.raises(DatasetError) as caught:
        read_register(path)
    return [str(problem) for problem in caught.value.problems]


def two_entities(folder: Path) -> None:
    write(folder, "entities.csv", "id,name\nJKL,JKL Holding\nABC,ABC GmbH\n")


# --------------------------------------------------------------------------- happy paths


def test_a_small_folder_becomes_the_register_it_describes(tmp_path: Path) -> None:
    # given
    write(
        tmp_path,
        "entities.csv",
        "id,name,country,currency,lei,vat_id,line_of_business\n"
        f"JKL,JKL Holding,DE,EUR,{VALID_LEI},{VALID_DE_VAT},holding\n"
        "ABC,ABC GmbH,DE,EUR,,,widgets\n",
    )
    write(
        tmp_path,
        "stakes.csv",
        "entity,holder,voting,equity,valid_from,valid_to,control\n"
        '"ABC",JKL,"(50,75]",,2019-01-01,,\n'
        "ABC,P1,10,12.5,,2030-01-01,no\n",
    )
    write(
        tmp_path,
        "units.csv",
        "id,entity,name,parent,cost_centre\nU-SALES,ABC,Sales,U-BOARD,4711\nU-BOARD,ABC,Board,,\n",
    )
    write(tmp_path, "people.csv", "id,name,email,employee_no\nP1,Petra Pohl,petra@abc.de,007\n")
    write(
        tmp_path,
        "employments.csv",
        "person,entity,unit,kind,valid_from,valid_to\n"
        "P1,ABC,U-SALES,,2020-01-01,2024-07-01\n"
        "P1,ABC,,retiree,2024-07-01,\n",
    )

    # when
    register = read_register(tmp_path)

    # then
    assert register.entities == {
        "JKL": Entity("JKL", "JKL Holding", "DE", "EUR", VALID_LEI, VALID_DE_VAT, "holding"),
        "ABC": Entity("ABC", "ABC GmbH", "DE", "EUR", None, None, "widgets"),
    }
    band = Share(Decimal("50"), Decimal("75"), low_open=True)
    assert register.stakes == [
        Stake("JKL", "ABC", band, band, Period(date(2019, 1, 1), None), Control.DERIVED),
        Stake(
            "P1",
            "ABC",
            Share.exact(Decimal("10")),
            Share.exact(Decimal("12.5")),
            Period(None, date(2030, 1, 1)),
            Control.NO,
        ),
    ]
    assert register.units == {
        "U-SALES": OrgUnit("U-SALES", "ABC", "Sales", "U-BOARD", "4711"),
        "U-BOARD": OrgUnit("U-BOARD", "ABC", "Board", None, None),
    }
    assert register.persons == {"P1": Person("P1", "Petra Pohl", "petra@abc.de", "007")}
    assert register.employments == [
        Employment(
            "P1",
            "ABC",
            "U-SALES",
            EmploymentKind.EMPLOYEE,
            Period(date(2020, 1, 1), date(2024, 7, 1)),
        ),
        Employment("P1", "ABC", None, EmploymentKind.RETIREE, Period(date(2024, 7, 1), None)),
    ]


def test_absent_files_are_fine_and_give_nothing_of_their_kind(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)

    # when
    register = read_register(tmp_path)

    # then
    assert sorted(register.entities) == ["ABC", "JKL"]
    assert register.stakes == []
    assert register.units == {}
    assert register.persons == {}
    assert register.employments == []


def test_a_byte_order_mark_before_the_header_is_fine(tmp_path: Path) -> None:
    # given
    (tmp_path / "entities.csv").write_bytes(b"\xef\xbb\xbfid,name\r\nJKL,JKL Holding\r\n")

    # when
    register = read_register(tmp_path)

    # then
    assert register.entities == {"JKL": Entity("JKL", "JKL Holding")}


def test_blank_lines_and_surrounding_spaces_carry_nothing(tmp_path: Path) -> None:
    # given
    write(tmp_path, "entities.csv", "id, name ,country\n\n JKL , JKL Holding ,  \n,,\n")

    # when
    register = read_register(tmp_path)

    # then
    assert register.entities == {"JKL": Entity("JKL", "JKL Holding", None)}


def test_codes_in_lower_case_are_stored_in_capitals(tmp_path: Path) -> None:
    # given
    write(tmp_path, "entities.csv", "id,name,country,currency,vat_id\nABC,ABC,de,eur,de136695976\n")
    write(tmp_path, "stakes.csv", "holder,entity,voting,control\nP1,ABC,100,YES\n")
    write(tmp_path, "people.csv", "id,name\nP1,Petra Pohl\n")

    # when
    register = read_register(tmp_path)

    # then
    assert register.entities["ABC"] == Entity("ABC", "ABC", "DE", "EUR", None, VALID_DE_VAT)
    assert register.stakes[0].control is Control.YES


def test_a_vat_id_of_a_country_without_a_validator_is_taken_as_given(tmp_path: Path) -> None:
    # given
    write(tmp_path, "entities.csv", "id,name,country,vat_id\nACME,Acme Inc.,US,12-3456789\n")

    # when
    register = read_register(tmp_path)

    # then
    assert register.entities["ACME"].vat_id == "12-3456789"


def test_files_left_by_editors_and_other_kinds_of_file_are_ignored(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "README.md", "notes")
    write(tmp_path, ".~lock.entities.csv#", "lock")
    write(tmp_path, "~$stakes.xlsx", "lock")
    write(tmp_path, ".hidden.csv", "x")

    # when
    register = read_register(tmp_path)

    # then
    assert sorted(register.entities) == ["ABC", "JKL"]


# --------------------------------------------------------------------------- XLSX


def test_xlsx_files_in_the_folder_read_like_the_csv_they_replace(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write_xlsx(
        tmp_path / "stakes.xlsx",
        {
            "Tabelle1": [
                ["holder", "entity", "voting", "equity", "valid_from", "valid_to"],
                ["JKL", "ABC", 60, 33.3, datetime(2019, 1, 1), date(2030, 1, 1)],
            ]
        },
    )
    write_xlsx(
        tmp_path / "units.xlsx",
        {"units": [["id", "entity", "name", "cost_centre"], ["U1", "ABC", "Sales", 4711]]},
    )

    # when
    register = read_register(tmp_path)

    # then
    assert register.stakes == [
        Stake(
            "JKL",
            "ABC",
            Share.exact(Decimal("60")),
            Share.exact(Decimal("33.3")),
            Period(date(2019, 1, 1), date(2030, 1, 1)),
        )
    ]
    assert register.units == {"U1": OrgUnit("U1", "ABC", "Sales", None, "4711")}


def test_a_float_cell_gives_the_number_that_was_typed_not_its_binary_tail(tmp_path: Path) -> None:
    # given: 0.1 + 0.2 is stored as 0.30000000000000004, which Excel shows as 0.3
    two_entities(tmp_path)
    write_xlsx(
        tmp_path / "stakes.xlsx",
        {
            "stakes": [
                ["holder", "entity", "voting"],
                ["JKL", "ABC", 0.1 + 0.2],
                ["ABC", "JKL", 1e-5],
            ]
        },
    )

    # when
    register = read_register(tmp_path)

    # then
    assert [stake.voting for stake in register.stakes] == [
        Share.exact(Decimal("0.3")),
        Share.exact(Decimal("0.00001")),
    ]


def test_one_workbook_holds_the_tables_as_sheets(tmp_path: Path) -> None:
    # given
    book = tmp_path / "groups.xlsx"
    write_xlsx(
        book,
        {
            "Sheet1": [],
            "entities": [["id", "name"], ["JKL", "JKL Holding"], ["ABC", "ABC GmbH"]],
            "stakes": [["voting", "holder", "entity"], ["(50,75]", "JKL", "ABC"]],
            "people": [["id", "name", "employee_no"], ["P1", "Petra Pohl", 1234567]],
            "employments": [["person", "entity", "kind"], ["P1", "ABC", "Retiree"]],
        },
    )

    # when
    register = read_register(book)

    # then
    band = Share(Decimal("50"), Decimal("75"), low_open=True)
    assert sorted(register.entities) == ["ABC", "JKL"]
    assert register.stakes == [Stake("JKL", "ABC", band, band)]
    assert register.persons == {"P1": Person("P1", "Petra Pohl", None, "1234567")}
    assert register.employments == [Employment("P1", "ABC", None, EmploymentKind.RETIREE)]


def test_workbook_problems_name_the_workbook_and_sheet(tmp_path: Path) -> None:
    # given
    book = tmp_path / "groups.xlsx"
    write_xlsx(
        book,
        {
            "entities": [["id", "name"], [None, None], ["JKL", None]],
            "stake": [["holder", "entity", "voting"]],
            "stakes": [["holder", "entity", "voting"], ["JKL", "ABC", 60, None, "x"]],
        },
    )

    # when
    errors = problems(book)

    # then
    assert errors == [
        "groups.xlsx sheet stake: unknown sheet (expected one of entities, stakes, units, "
        "people, employments, products, sales, gross_profit, tickets, ticket_events); did you mean stakes?",
        "groups.xlsx sheet entities row 3, column name: a value is required",
        "groups.xlsx sheet stakes row 2: 5 values, but the header has 3 columns",
    ]


def test_a_broken_xlsx_file_is_named(tmp_path: Path) -> None:
    # given
    (tmp_path / "stakes.xlsx").write_bytes(b"not a zip")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == ["stakes.xlsx: not a readable XLSX workbook (File is not a zip file)"]


# --------------------------------------------------------------------------- the path


def test_a_path_that_does_not_exist_is_named(tmp_path: Path) -> None:
    # given
    missing = tmp_path / "nowhere"

    # when
    errors = problems(missing)

    # then
    assert errors == [f"{missing}: no such file or folder"]


def test_a_file_that_is_neither_folder_nor_workbook_is_named(tmp_path: Path) -> None:
    # given
    text = tmp_path / "groups.txt"
    text.write_text("id,name\n", encoding="utf-8")

    # when
    errors = problems(text)

    # then
    assert errors == [f"{text}: not a dataset folder or .xlsx workbook"]


# --------------------------------------------------------------------------- file shape


def test_an_unknown_file_is_named_with_the_likely_meant_one(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "stake.csv", "holder,entity,voting\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        "stake.csv: unknown file (expected one of entities, stakes, units, people, "
        "employments, products, sales, gross_profit, tickets, ticket_events, as .csv or .xlsx); did you mean stakes.csv?"
    ]


def test_a_table_given_both_as_csv_and_as_xlsx_is_named(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write_xlsx(tmp_path / "entities.xlsx", {"entities": [["id", "name"]]})

    # when
    errors = problems(tmp_path)

    # then
    assert errors == ["entities.xlsx: entities.csv is there too; keep only one of them"]


def test_an_empty_file_has_no_header(tmp_path: Path) -> None:
    # given
    write(tmp_path, "people.csv", "")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == ["people.csv: no header row (the file is empty)"]


def test_a_missing_required_column_is_named(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "stakes.csv", "holder,entity\nJKL,ABC\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == ["stakes.csv row 1, column voting: required column is missing"]


def test_an_unknown_column_is_named_with_the_expected_ones(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "stakes.csv", "holder,entity,voting,votes\nJKL,ABC,60,60\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        "stakes.csv row 1, column votes: unknown column "
        "(expected one of holder, entity, voting, equity, valid_from, valid_to, control)"
    ]


def test_a_column_given_twice_is_named(tmp_path: Path) -> None:
    # given
    write(tmp_path, "people.csv", "id,name,name\nP1,Petra,Pohl\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == ["people.csv row 1, column name: column appears more than once"]


def test_a_column_without_a_name_is_named_by_its_position(tmp_path: Path) -> None:
    # given
    write(tmp_path, "people.csv", "id,,name\nP1,x,Petra\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == ["people.csv row 1: column 2 has no name"]


def test_a_row_with_more_or_fewer_values_than_the_header_is_named(tmp_path: Path) -> None:
    # given
    write(tmp_path, "people.csv", "id,name\nP1,Petra,Pohl\nP2\nP3,Paul\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        "people.csv row 2: 3 values, but the header has 2 columns",
        "people.csv row 3: 1 values, but the header has 2 columns",
    ]


def test_a_csv_file_that_breaks_off_is_named_where_it_breaks(tmp_path: Path) -> None:
    # given: text after a closing quote
    write(tmp_path, "people.csv", 'id,name\nP1,Petra\nP2,"Paul" Pohl\nP3,\n')

    # when
    errors = problems(tmp_path)

    # then: the rest of the file is not guessed at
    assert errors == ["people.csv row 3: not readable as CSV (',' expected after '\"')"]


def test_text_that_is_not_utf8_is_named_with_its_row_and_column(tmp_path: Path) -> None:
    # given: a file saved as Latin-1
    (tmp_path / "people.csv").write_bytes("id,name\nP1,Petra\nP2,Jürgen Müller\n".encode("latin-1"))

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        "people.csv row 3, column name: the text is not UTF-8; save the file as UTF-8"
    ]


def test_a_required_value_that_is_empty_or_blank_is_named(tmp_path: Path) -> None:
    # given
    write(tmp_path, "entities.csv", "id,name\nJKL,   \n,ABC GmbH\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        "entities.csv row 2, column name: a value is required",
        "entities.csv row 3, column id: a value is required",
    ]


# --------------------------------------------------------------------------- ids and references


def test_an_id_used_twice_in_the_namespace_names_its_first_use(tmp_path: Path) -> None:
    # given
    write(tmp_path, "entities.csv", "id,name\nJKL,JKL Holding\nABC,ABC GmbH\nJKL,again\n")
    write(tmp_path, "units.csv", "id,entity,name\nABC,JKL,Sales\n")
    write(tmp_path, "people.csv", "id,name\nU1,Petra\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'entities.csv row 4, column id: "JKL" is already used in entities.csv row 2',
        'units.csv row 2, column id: "ABC" is already used in entities.csv row 3',
    ]


def test_a_unit_and_a_person_cannot_share_an_id(tmp_path: Path) -> None:
    # given
    write(tmp_path, "entities.csv", "id,name\nABC,ABC GmbH\n")
    write(tmp_path, "units.csv", "id,entity,name\nU1,ABC,Sales\n")
    write(tmp_path, "people.csv", "id,name\nU1,Petra\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == ['people.csv row 2, column id: "U1" is already used in units.csv row 2']


def test_a_stake_holder_must_be_a_known_entity_or_person(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "units.csv", "id,entity,name\nU1,ABC,Sales\n")
    write(tmp_path, "stakes.csv", "holder,entity,voting\nXYZ,ABC,60\nU1,ABC,40\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'stakes.csv row 2, column holder: "XYZ" is not a known entity or person',
        'stakes.csv row 3, column holder: "U1" is an org unit, not an entity or a person',
    ]


def test_a_stake_must_be_in_a_known_entity(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "people.csv", "id,name\nP1,Petra\n")
    write(tmp_path, "stakes.csv", "holder,entity,voting\nJKL,XYZ,60\nJKL,P1,60\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'stakes.csv row 2, column entity: "XYZ" is not a known entity',
        'stakes.csv row 3, column entity: "P1" is a person, not an entity',
    ]


def test_an_entity_cannot_hold_a_stake_in_itself(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "stakes.csv", "holder,entity,voting\nABC,ABC,10\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == ['stakes.csv row 2, column entity: "ABC" cannot hold a stake in itself']


def test_a_unit_belongs_to_a_known_entity(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "units.csv", "id,entity,name\nU1,XYZ,Sales\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == ['units.csv row 2, column entity: "XYZ" is not a known entity']


def test_a_unit_parent_is_a_known_unit_of_the_same_entity(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(
        tmp_path,
        "units.csv",
        "id,entity,name,parent\nU1,ABC,Sales,U9\nU2,JKL,Board,\nU3,ABC,Plant,U2\nU4,ABC,Lab,JKL\n",
    )

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'units.csv row 2, column parent: "U9" is not a known org unit',
        'units.csv row 4, column parent: "U2" is an org unit of JKL, not of ABC',
        'units.csv row 5, column parent: "JKL" is an entity, not an org unit',
    ]


def test_unit_parents_must_not_form_a_cycle(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(
        tmp_path,
        "units.csv",
        "id,entity,name,parent\n"
        "U1,ABC,Sales,U3\n"
        "U2,ABC,Board,U1\n"
        "U3,ABC,Plant,U2\n"
        "U4,ABC,Lab,U1\n"
        "U5,ABC,Self,U5\n",
    )

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        "units.csv row 4, column parent: the parents form a cycle: U3 → U2 → U1 → U3",
        "units.csv row 6, column parent: the parents form a cycle: U5 → U5",
    ]


def test_an_employment_refers_to_a_person_an_entity_and_a_unit_of_that_entity(
    tmp_path: Path,
) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "units.csv", "id,entity,name\nU1,JKL,Board\n")
    write(tmp_path, "people.csv", "id,name\nP1,Petra\n")
    write(
        tmp_path,
        "employments.csv",
        "person,entity,unit\nP9,ABC,\nP1,XYZ,\nABC,ABC,\nP1,ABC,U9\nP1,ABC,U1\n",
    )

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'employments.csv row 2, column person: "P9" is not a known person',
        'employments.csv row 3, column entity: "XYZ" is not a known entity',
        'employments.csv row 4, column person: "ABC" is an entity, not a person',
        'employments.csv row 5, column unit: "U9" is not a known org unit',
        'employments.csv row 6, column unit: "U1" is an org unit of JKL, not of ABC',
    ]


# --------------------------------------------------------------------------- values


def test_a_share_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(
        tmp_path, "stakes.csv", 'holder,entity,voting,equity\nJKL,ABC,"(50,75",\nJKL,ABC,60,120\n'
    )

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'stakes.csv row 2, column voting: "(50,75" is not a share',
        'stakes.csv row 3, column equity: "120" is not a share',
    ]


def test_a_date_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(
        tmp_path,
        "stakes.csv",
        "holder,entity,voting,valid_from\nJKL,ABC,60,01.02.2020\nJKL,ABC,40,01.02.2020\n",
    )

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'stakes.csv row 2, column valid_from: "01.02.2020" is not a date (YYYY-MM-DD)',
        'stakes.csv row 3, column valid_from: "01.02.2020" is not a date (YYYY-MM-DD)',
    ]


def test_a_period_must_end_after_it_starts(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "people.csv", "id,name\nP1,Petra\n")
    write(
        tmp_path,
        "employments.csv",
        "person,entity,valid_from,valid_to\nP1,ABC,2021-01-01,2020-06-30\nP1,ABC,2021-01-01,2021-01-01\n",
    )

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        "employments.csv row 2, column valid_to: valid_to 2020-06-30 must be after "
        "valid_from 2021-01-01",
        "employments.csv row 3, column valid_to: valid_to 2021-01-01 must be after "
        "valid_from 2021-01-01",
    ]


def test_control_is_yes_no_or_empty(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "stakes.csv", "holder,entity,voting,control\nJKL,ABC,60,maybe\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'stakes.csv row 2, column control: "maybe" is not a control value (expected yes, no or empty)'
    ]


def test_an_employment_kind_is_employee_or_retiree(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "people.csv", "id,name\nP1,Petra\n")
    write(tmp_path, "employments.csv", "person,entity,kind\nP1,ABC,intern\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'employments.csv row 2, column kind: "intern" is not an employment kind '
        "(expected employee or retiree)"
    ]


def test_a_country_is_an_iso_3166_code(tmp_path: Path) -> None:
    # given
    write(tmp_path, "entities.csv", "id,name,country\nABC,ABC,GER\nXYZ,XYZ,XK\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'entities.csv row 2, column country: "GER" is not an ISO 3166-1 alpha-2 country code',
        'entities.csv row 3, column country: "XK" is not an ISO 3166-1 alpha-2 country code',
    ]


def test_a_currency_is_an_iso_4217_code(tmp_path: Path) -> None:
    # given
    write(tmp_path, "entities.csv", "id,name,currency\nABC,ABC,EURO\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'entities.csv row 2, column currency: "EURO" is not an ISO 4217 currency code'
    ]


def test_a_lei_must_have_its_check_digits(tmp_path: Path) -> None:
    # given
    write(tmp_path, "entities.csv", "id,name,lei\nABC,ABC,529900T8BM49AURSDO56\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'entities.csv row 2, column lei: "529900T8BM49AURSDO56" is not a valid LEI '
        "(the number's checksum or check digit is invalid)"
    ]


def test_an_eu_vat_id_is_checked_by_its_prefix(tmp_path: Path) -> None:
    # given: a German VAT ID with a wrong check digit, for a company in Austria
    write(tmp_path, "entities.csv", "id,name,country,vat_id\nABC,ABC,AT,DE136695977\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'entities.csv row 2, column vat_id: "DE136695977" is not a valid VAT ID '
        "(the number's checksum or check digit is invalid)"
    ]


def test_another_vat_id_is_checked_by_the_entity_country(tmp_path: Path) -> None:
    # given: Swiss UID numbers have a check digit too
    write(tmp_path, "entities.csv", "id,name,country,vat_id\nABC,ABC,CH,CHE-123.456.789 MWST\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'entities.csv row 2, column vat_id: "CHE-123.456.789 MWST" is not a valid VAT ID for CH '
        "(the number's checksum or check digit is invalid)"
    ]


def test_an_email_must_look_like_one(tmp_path: Path) -> None:
    # given
    write(tmp_path, "people.csv", "id,name,email\nP1,Petra,petra.abc.de\nP2,Paul,paul@abc\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'people.csv row 2, column email: "petra.abc.de" is not an email address',
        'people.csv row 3, column email: "paul@abc" is not an email address',
    ]


# --------------------------------------------------------------------------- all at once


def test_every_problem_of_every_file_is_reported_in_file_then_row_order(tmp_path: Path) -> None:
    # given
    write(tmp_path, "entities.csv", "id,name,country\nJKL,JKL Holding,DE\nABC,,de\nABC,Copy,XX\n")
    write(
        tmp_path,
        "stakes.csv",
        'holder,entity,voting\nJKL,ABC,"(50,75"\nP1,XYZ,60\nJKL,ABC,60,1\n',
    )
    write(tmp_path, "units.csv", "id,entity,name,parent\nU1,ABC,Sales,U2\nU2,ABC,Board,U1\n")
    write(tmp_path, "people.csv", "id,name,email\nP1,Petra,petra\n")
    write(tmp_path, "employments.csv", "person,entity,kind,valid_from\nP1,JKL,boss,2020-02-30\n")
    write(tmp_path, "emploments.csv", "person,entity\n")

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        "emploments.csv: unknown file (expected one of entities, stakes, units, people, "
        "employments, products, sales, gross_profit, tickets, ticket_events, as .csv or .xlsx); did you mean employments.csv?",
        "entities.csv row 3, column name: a value is required",
        'entities.csv row 4, column id: "ABC" is already used in entities.csv row 3',
        'entities.csv row 4, column country: "XX" is not an ISO 3166-1 alpha-2 country code',
        'stakes.csv row 2, column voting: "(50,75" is not a share',
        'stakes.csv row 3, column entity: "XYZ" is not a known entity',
        "stakes.csv row 4: 4 values, but the header has 3 columns",
        "units.csv row 3, column parent: the parents form a cycle: U2 → U1 → U2",
        'people.csv row 2, column email: "petra" is not an email address',
        'employments.csv row 2, column kind: "boss" is not an employment kind '
        "(expected employee or retiree)",
        'employments.csv row 2, column valid_from: "2020-02-30" is not a date (YYYY-MM-DD)',
    ]


def test_the_error_message_counts_and_lists_the_problems(tmp_path: Path) -> None:
    # given
    write(tmp_path, "people.csv", "id,name\nP1,\nP2,\n")

    # when
    with pytest.raises(DatasetError) as caught:
        read_register(tmp_path)

    # then
    assert str(caught.value) == (
        "2 problems in the dataset\n"
        "people.csv row 2, column name: a value is required\n"
        "people.csv row 3, column name: a value is required"
    )


# --------------------------------------------------------------------------- other tables


def test_other_tables_are_read_as_rows_of_text_for_later_code(tmp_path: Path) -> None:
    # given
    write(
        tmp_path,
        "products.csv",
        "id,seller,name,list_price,currency,colour\nW1,XYZ,Widget,12.50,EUR,red\nW2,XYZ,,,EUR,\n",
    )

    # when
    with open_dataset(tmp_path) as dataset:
        rows = [(row.number, row.values, row.complete) for row in dataset.read_table("products")]

    # then
    assert rows == [
        (
            2,
            {
                "id": "W1",
                "seller": "XYZ",
                "name": "Widget",
                "list_price": "12.50",
                "currency": "EUR",
            },
            True,
        ),
        (3, {"id": "W2", "seller": "XYZ", "currency": "EUR"}, False),
    ]
    assert [str(p) for p in dataset.problems] == [
        "products.csv row 1, column colour: unknown column (expected one of id, seller, name, "
        "list_price, currency, kind, category, unit_cost, for_employees_only, price_from)",
        "products.csv row 3, column name: a value is required",
        "products.csv row 3, column list_price: a value is required",
    ]


def test_a_table_file_given_on_its_own_is_read_with_its_spec(tmp_path: Path) -> None:
    # given
    sales = tmp_path / "march.xlsx"
    write_xlsx(
        sales,
        {
            "Sheet1": [
                ["id", "date", "seller", "buyer", "amount"],
                ["S1", date(2026, 3, 1), "XYZ", "ABC", 99.9],
            ]
        },
    )

    # when
    dataset = open_table_file(sales, SALES)
    rows = [(row.file, row.number, row.values) for row in dataset.read_table("sales")]

    # then
    assert rows == [
        (
            "march.xlsx",
            2,
            {"id": "S1", "date": "2026-03-01", "seller": "XYZ", "buyer": "ABC", "amount": "99.9"},
        )
    ]
    assert dataset.problems == []


def test_known_tables_the_register_does_not_need_are_not_rejected(tmp_path: Path) -> None:
    # given
    two_entities(tmp_path)
    write(tmp_path, "sales.csv", "id,date,seller,buyer\nS1,2026-03-01,ABC,JKL\n")
    write(tmp_path, "products.xlsx", "not even read")

    # when
    register = read_register(tmp_path)

    # then
    assert sorted(register.entities) == ["ABC", "JKL"]


# --------------------------------------------------------------------------- missing tables


def test_a_folder_without_entities_names_the_missing_file_once_not_every_row(
    tmp_path: Path,
) -> None:
    # given stakes.csv alone: five rows referring to four entities and a person
    write(
        tmp_path,
        "stakes.csv",
        "holder,entity,voting\nJKL,ABC,100\nJKL,XYZ,100\nDEF,JKL,35\nP1,DEF,100\nJKL,GHI,50\n",
    )

    # when
    errors = problems(tmp_path)

    # then one line, naming the file and what refers to it
    assert errors == [
        'entities.csv: the file is missing, and the folder refers to 6 entities or persons that '
        'would be in it: "JKL", "ABC", "XYZ" and 3 more (first in stakes.csv row 2, column holder)'
    ]  # fmt: skip


def test_each_missing_table_is_named_once_beside_the_other_problems(tmp_path: Path) -> None:
    # given entities, and employments referring to people and units that are not there,
    # with one bad date
    two_entities(tmp_path)
    write(
        tmp_path,
        "employments.csv",
        "person,entity,unit,valid_from\nP1,ABC,U1,2020-01-01\nP2,ABC,,2020-13-01\nP1,JKL,,\n",
    )

    # when
    errors = problems(tmp_path)

    # then
    assert errors == [
        'units.csv: the file is missing, and the folder refers to 1 org unit that would be in '
        'it: "U1" (first in employments.csv row 2, column unit)',
        'people.csv: the file is missing, and the folder refers to 2 persons that would be in '
        'it: "P1", "P2" (first in employments.csv row 2, column person)',
        'employments.csv row 3, column valid_from: "2020-13-01" is not a date (YYYY-MM-DD)',
    ]  # fmt: skip


def test_a_holder_that_neither_entities_nor_people_hold_is_named_on_its_row_when_one_is_there(
    tmp_path: Path,
) -> None:
    # given entities.csv but no people.csv: an unknown holder may be a typo of an entity
    two_entities(tmp_path)
    write(tmp_path, "stakes.csv", "holder,entity,voting\nJLK,ABC,60\n")

    # when / then
    assert problems(tmp_path) == [
        'stakes.csv row 2, column holder: "JLK" is not a known entity or person'
    ]


def test_a_workbook_without_an_entities_sheet_names_the_sheet(tmp_path: Path) -> None:
    # given
    book = tmp_path / "group.xlsx"
    write_xlsx(book, {"stakes": [["holder", "entity", "voting"], ["JKL", "ABC", 100]]})

    # when / then
    assert problems(book) == [
        'group.xlsx sheet entities: the sheet is missing, and the workbook refers to 2 entities '
        'or persons that would be in it: "JKL", "ABC" (first in group.xlsx sheet stakes row 2, '
        'column holder)'
    ]  # fmt: skip
