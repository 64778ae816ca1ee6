"""Read a dataset folder (CSV or XLSX files) or one XLSX workbook into a ``Register``.

Every problem in every file is collected before anything is rejected, so a clerk can fix
a dataset in one round instead of one error at a time (house rule 12). Problems name
the file, the row (header = row 1), the column and the reason.

Rows are streamed: only the domain objects and one small record per id are kept, so a
million employments fit in memory.
"""

from __future__ import annotations

import csv
import difflib
import gc
import math
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, TypeVar

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from inhouse.dataset import fields as parsers
from inhouse.dataset.errors import DatasetError, Problem
from inhouse.dataset.tables import TABLES, TableSpec
from inhouse.dates import Period, parse_date
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

T = TypeVar("T")

# Files that editors leave next to the data: hidden files, Excel's "~$book.xlsx" locks.
_IGNORED_PREFIXES = (".", "~$")
_TABLE_SUFFIXES = (".csv", ".xlsx")


# --------------------------------------------------------------------------- rows


@dataclass(slots=True)
class Row:
    """One data row of a table: the non-empty values of the known columns, stripped.

    ``complete`` is false when a required column or value is missing; that problem has
    already been reported, so a reader only needs to skip building the record.
    """

    file: str
    number: int
    values: dict[str, str]
    complete: bool = True

    def get(self, column: str) -> str | None:
        return self.values.get(column)

    def problem(self, column: str | None, reason: str) -> Problem:
        return Problem(self.file, self.number, column, reason)


@dataclass(frozen=True, slots=True)
class _Source:
    """Where one table lives: a CSV file, a table's own XLSX file, or a workbook sheet."""

    spec: TableSpec
    label: str  # how problems name it: "stakes.csv", "groups.xlsx sheet stakes"
    path: Path
    kind: str  # "csv", "xlsx" (first sheet of the table's own file) or "sheet"


# --------------------------------------------------------------------------- the dataset


@dataclass(eq=False)
class Dataset:
    """A dataset located on disk: which tables it has, and the problems found so far.

    Reading a table adds its problems here; ``check`` raises them all at once. Use it as
    a context manager so a workbook is closed again.
    """

    path: Path
    sources: dict[str, _Source] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    _rank: dict[str, int] = field(default_factory=dict)
    _workbook: Any = None

    def __enter__(self) -> Dataset:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    def has(self, table: str) -> bool:
        return table in self.sources

    @property
    def is_workbook(self) -> bool:
        return self.path.suffix.lower() == ".xlsx"

    def missing_label(self, table: str) -> str:
        """How problems name a table that is not there: ``units.csv``, ``book.xlsx sheet units``."""
        if self.is_workbook:
            return f"{self.path.name} sheet {table}"
        return f"{table}.csv"

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def check(self) -> None:
        """Raise one ``DatasetError`` with every problem, in file order and then row order."""
        if self.problems:
            raise DatasetError(self.ordered_problems())

    def ordered_problems(self) -> list[Problem]:
        """The problems so far, in file order and then row order."""
        return sorted(self.problems, key=lambda p: (self._rank.get(p.file, -1), p.row or 0))

    def read_table(self, table: str) -> Iterator[Row]:
        """Stream the rows of one table (none if the file is absent), checking its shape.

        Checked here: the header (unknown, duplicate, unnamed and missing required
        columns), the number of values per row, UTF-8, and that required values are
        given. What the values mean is for the caller to check.
        """
        source = self.sources.get(table)
        if source is None:
            return
        try:
            yield from self._rows(source)
        except _Unreadable:
            return

    def _rows(self, source: _Source) -> Iterator[Row]:
        header: _Header | None = None
        width = 0
        required: list[str] = []
        header_complete = True
        strict_width = source.kind == "csv"
        bad_text_reported = False
        for number, fields in self._raw_rows(source):
            if not any(map(str.strip, fields)):
                continue  # blank lines and rows of empty cells carry nothing
            if not all(map(str.isascii, fields)):
                fields, bad = _repair_text(fields)
                if bad is not None and not bad_text_reported:
                    bad_text_reported = True
                    column = header.name_at(bad) if header else None
                    self.add(Problem(source.label, number, column, _NOT_UTF8))
            if header is None:
                header = self._header(source, number, fields)
                width = len(header.keys)
                required = [name for name in source.spec.required if name in header.keys]
                header_complete = len(required) == len(source.spec.required)
                continue
            if len(fields) != width and (strict_width or len(fields) > width):
                self.add(
                    Problem(
                        source.label,
                        number,
                        None,
                        f"{len(fields)} values, but the header has {width} columns",
                    )
                )
                continue
            values = {
                name: value
                for name, value in zip(header.keys, map(str.strip, fields), strict=False)
                if value
            }
            for key in header.ignored:
                values.pop(key, None)
            row = Row(source.label, number, values, header_complete)
            for name in required:
                if name not in values:
                    self.add(row.problem(name, "a value is required"))
                    row.complete = False
            yield row
        if header is None:
            self.add(Problem(source.label, None, None, "no header row (the file is empty)"))

    def _header(self, source: _Source, number: int, fields: list[str]) -> _Header:
        """The columns by position, reporting every fault of the header."""
        spec = source.spec
        names = [name.strip() for name in fields]
        if source.kind != "csv":
            while names and not names[-1]:
                names.pop()
        header = _Header()
        seen: set[str] = set()
        for index, name in enumerate(names):
            if name in seen or name not in spec.columns:
                # A key no column has, so the value is dropped again after zipping.
                header.keys.append(f"\0{index}")
                header.ignored.append(header.keys[-1])
            else:
                header.keys.append(name)
            if not name:
                self.add(Problem(source.label, number, None, f"column {index + 1} has no name"))
            elif name in seen:
                self.add(Problem(source.label, number, name, "column appears more than once"))
            elif name not in spec.columns:
                seen.add(name)
                expected = ", ".join(spec.columns)
                self.add(
                    Problem(
                        source.label, number, name, f"unknown column (expected one of {expected})"
                    )
                )
            else:
                seen.add(name)
        for name in spec.required:
            if name not in seen:
                self.add(Problem(source.label, number, name, "required column is missing"))
        return header

    def _raw_rows(self, source: _Source) -> Iterator[tuple[int, list[str]]]:
        if source.kind == "csv":
            yield from self._csv_rows(source)
        elif source.kind == "sheet":
            yield from _sheet_rows(self._workbook[source.spec.name])
        else:
            workbook = self._open_workbook(source.path, source.label)
            if workbook is None:
                raise _Unreadable
            try:
                if workbook.worksheets:
                    yield from _sheet_rows(workbook.worksheets[0])
            finally:
                workbook.close()

    def _csv_rows(self, source: _Source) -> Iterator[tuple[int, list[str]]]:
        try:
            # surrogateescape keeps undecodable bytes so they can be reported with their row.
            handle = source.path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
        except OSError as error:
            self.add(Problem(source.label, None, None, f"cannot be read ({error.strerror})"))
            raise _Unreadable from error
        with handle:
            number = 0
            try:
                for number, fields in enumerate(csv.reader(handle, strict=True), start=1):
                    yield number, fields
            except csv.Error as error:
                self.add(Problem(source.label, number + 1, None, f"not readable as CSV ({error})"))
                raise _Unreadable from error

    def _locate_files(self, tables: Mapping[str, TableSpec]) -> None:
        by_file = {name: t for t in tables.values() for name in (t.csv_name, t.xlsx_name)}
        rank = {name: index for index, name in enumerate(tables)}
        entries = sorted(
            entry
            for entry in self.path.iterdir()
            if entry.suffix.lower() in _TABLE_SUFFIXES
            and not entry.name.startswith(_IGNORED_PREFIXES)
            and entry.is_file()
        )
        present = {entry.name for entry in entries}
        for entry in entries:
            spec = by_file.get(entry.name)
            if spec is None:
                reason = _unknown("file", entry.name, list(tables), by_file, "as .csv or .xlsx")
                self.add(Problem(entry.name, None, None, reason))
                continue
            self._rank[entry.name] = rank[spec.name]
            if entry.name == spec.xlsx_name and spec.csv_name in present:
                self.add(
                    Problem(
                        entry.name,
                        None,
                        None,
                        f"{spec.csv_name} is there too; keep only one of them",
                    )
                )
                continue
            kind = "csv" if entry.name == spec.csv_name else "xlsx"
            self.sources[spec.name] = _Source(spec, entry.name, entry, kind)

    def _locate_sheets(self, tables: Mapping[str, TableSpec]) -> None:
        workbook = self._open_workbook(self.path, self.path.name)
        if workbook is None:
            return
        self._workbook = workbook
        rank = {name: index for index, name in enumerate(tables)}
        for sheet in workbook.worksheets:
            label = f"{self.path.name} sheet {sheet.title}"
            spec = tables.get(sheet.title)
            if spec is None:
                # A new workbook starts with an empty "Sheet1"; only a sheet with data is a typo.
                if any(cells for _, cells in _sheet_rows(sheet)):
                    reason = _unknown("sheet", sheet.title, list(tables), tables, "")
                    self.add(Problem(label, None, None, reason))
                continue
            self._rank[label] = rank[spec.name]
            self.sources[spec.name] = _Source(spec, label, self.path, "sheet")

    def _open_workbook(self, path: Path, label: str) -> Any:
        try:
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (OSError, zipfile.BadZipFile, KeyError, ValueError, InvalidFileException) as error:
            self.add(Problem(label, None, None, f"not a readable XLSX workbook ({error})"))
            return None


@dataclass(slots=True)
class _Header:
    """The key of each column position; unknown and repeated columns get keys to drop."""

    keys: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def name_at(self, index: int) -> str | None:
        if index < len(self.keys) and self.keys[index] not in self.ignored:
            return self.keys[index]
        return None


class _Unreadable(Exception):
    """A file that cannot be read at all; its problem is already reported."""


_NOT_UTF8 = "the text is not UTF-8; save the file as UTF-8"


def _unknown(
    what: str, name: str, expected: list[str], known: Mapping[str, object], how: str
) -> str:
    reason = f"unknown {what} (expected one of {', '.join(expected)}{', ' + how if how else ''})"
    close = difflib.get_close_matches(name, list(known), n=1)
    if close:
        reason += f"; did you mean {close[0]}?"
    return reason


def _repair_text(fields: list[str]) -> tuple[list[str], int | None]:
    """Replace undecodable bytes by U+FFFD so messages stay printable; index of the first one."""
    first: int | None = None
    repaired = list(fields)
    for index, text in enumerate(fields):
        if text.isascii():
            continue
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            repaired[index] = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            if first is None:
                first = index
    return repaired, first


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    # Writers often store wrong sheet dimensions; reset so no row or column is cut off.
    sheet.reset_dimensions()
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        texts = [_cell_text(value) for value in cells]
        while texts and not texts[-1].strip():
            texts.pop()
        yield number, texts


# Excel keeps 15 significant digits; rounding the exact binary value there gives back
# the number a person typed (0.1, not 0.1000000000000000055511151231257827).
_EXCEL_DIGITS = Context(prec=15, rounding=ROUND_HALF_UP)


def _cell_text(value: object) -> str:
    """The text a CSV export would hold for an XLSX cell: ``60``, ``76.5``, ``2024-01-31``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as Excel writes booleans into a CSV
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        number = _EXCEL_DIGITS.plus(Decimal(value))
        if number.is_zero():
            return "0"
        return f"{number.normalize(_EXCEL_DIGITS):f}"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- locating


def open_dataset(path: Path, tables: Mapping[str, TableSpec] = TABLES) -> Dataset:
    """Locate the tables of a dataset folder or workbook; problems so far are on the result.

    A file or sheet that is not one of ``tables`` is a problem (most likely a typo).
    """
    dataset = Dataset(path)
    if not path.exists():
        dataset.add(Problem(str(path), None, None, "no such file or folder"))
    elif path.is_dir():
        dataset._locate_files(tables)
    elif path.is_file() and path.suffix.lower() == ".xlsx":
        dataset._locate_sheets(tables)
    else:
        dataset.add(Problem(str(path), None, None, "not a dataset folder or .xlsx workbook"))
    return dataset


def open_table_file(path: Path, spec: TableSpec) -> Dataset:
    """A single table given on its own, e.g. ``--sales FILE``: a CSV or an XLSX file."""
    dataset = Dataset(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        dataset.add(Problem(str(path), None, None, "no such file"))
    elif suffix not in _TABLE_SUFFIXES:
        dataset.add(Problem(path.name, None, None, "not a .csv or .xlsx file"))
    else:
        dataset.sources[spec.name] = _Source(spec, path.name, path, suffix[1:])
    return dataset


# --------------------------------------------------------------------------- the register


_ENTITY = "entity"
_UNIT = "org unit"
_PERSON = "person"
_ARTICLE = {_ENTITY: "an entity", _UNIT: "an org unit", _PERSON: "a person"}
_PLURAL = {_ENTITY: "entities", _UNIT: "org units", _PERSON: "persons"}
TABLE_OF = {_ENTITY: "entities", _UNIT: "units", _PERSON: "people"}
"""The dataset table that holds each kind of party."""
REGISTER_TABLES = ("entities", "stakes", "units", "people", "employments")
EXAMPLES_NAMED = 3  # ids a problem about many references names before "and N more"


class _Claim(NamedTuple):
    """Where an id was first given, to name it when the id comes again."""

    id: str  # the one string object all references share, instead of one per row
    kind: str
    file: str
    row: int


@dataclass(frozen=True, slots=True)
class Reference:
    """A row's reference to a party that the dataset itself does not hold.

    An import resolves it against the database's records (``kinds``: what the column
    accepts, e.g. ``("entity", "person")`` for a holder).
    """

    party: str
    kinds: tuple[str, ...]
    file: str
    row: int
    column: str


@dataclass(frozen=True, slots=True)
class UnitOwner:
    """An org unit not in the dataset that a row needs to be of ``entity`` (its own unit's
    parent, an employment's unit), resolved with the database's units."""

    unit: str
    entity: str
    file: str
    row: int
    column: str
    child: str | None = None  # for a parent: the dataset's unit whose parent it is


@dataclass
class References:
    """What an import still has to resolve against the database (see ``read_for_import``)."""

    parties: list[Reference] = field(default_factory=list)
    unit_owners: list[UnitOwner] = field(default_factory=list)
    present: frozenset[str] = frozenset()  # the register tables the dataset has
    labels: dict[str, str] = field(default_factory=dict)  # table → how problems name it


def plural(kinds: tuple[str, ...]) -> str:
    """``entities``, ``entities or persons``."""
    return " or ".join(_PLURAL[kind] for kind in kinds)


def missing_references(
    label: str, references: list[Reference], *, workbook: bool, database: bool
) -> Problem:
    """One problem, on the missing table, for every reference to the parties it would hold.

    ``database``: an import, which looked for the ids in the database too.
    """
    first = references[0]
    ids = list(dict.fromkeys(reference.party for reference in references))
    named = ", ".join(f'"{party}"' for party in ids[:EXAMPLES_NAMED])
    if len(ids) > EXAMPLES_NAMED:
        named += f" and {len(ids) - EXAMPLES_NAMED} more"
    order = list(_PLURAL)
    wanted = tuple(sorted({k for r in references for k in r.kinds}, key=order.index))
    kinds = plural(wanted) if len(ids) > 1 else " or ".join(wanted)
    container = "workbook" if workbook else "folder"
    file, row, column = first.file, first.row, first.column
    if database:
        reason = (
            f"not in this {container}, and the database does not hold the {len(ids)} {kinds} "
            f"that the {container} refers to: {named} "
            f"(first in {file} row {row}, column {column})"
        )
    else:
        reason = (
            f"the {'sheet' if workbook else 'file'} is missing, and the {container} refers to "
            f"{len(ids)} {kinds} that would be in it: {named} "
            f"(first in {file} row {row}, column {column})"
        )
    return Problem(label, None, None, reason)


class _Check:
    """The checks of one row: parse values, record problems, remember whether all passed."""

    __slots__ = ("dataset", "ok", "row")

    def __init__(self, dataset: Dataset, row: Row) -> None:
        self.dataset = dataset
        self.row = row
        self.ok = row.complete

    def fail(self, column: str, reason: str) -> None:
        self.dataset.add(self.row.problem(column, reason))
        self.ok = False

    def parse(self, column: str, parser: Callable[[str], T]) -> T | None:
        text = self.row.values.get(column)
        if text is None:
            return None
        try:
            return parser(text)
        except ValueError as error:
            self.fail(column, str(error))
            return None

    def period(self, known: dict[tuple[str | None, str | None], Period]) -> Period | None:
        """The row's validity; ``known`` keeps periods already read, as most rows repeat one."""
        values = self.row.values
        key = (values.get("valid_from"), values.get("valid_to"))
        period = known.get(key)
        if period is not None:
            return period
        valid_from = self.parse("valid_from", parse_date)
        valid_to = self.parse("valid_to", parse_date)
        try:
            period = Period(valid_from, valid_to)
        except ValueError as error:
            self.fail("valid_to", str(error))
            return None
        # Only a period read without a problem is reused: a bad date is named on every row.
        if (valid_from is None) == (key[0] is None) and (valid_to is None) == (key[1] is None):
            known[key] = period
        return period


class _RegisterReader:
    """Reads the register tables in dependency order, so references are checked while streaming."""

    def __init__(self, dataset: Dataset, *, against_database: bool = False) -> None:
        self.dataset = dataset
        self.ids: dict[str, _Claim] = {}
        self.entity_of_unit: dict[str, str] = {}
        self.periods: dict[tuple[str | None, str | None], Period] = {}
        # An import resolves what the dataset does not hold against the database: the
        # references wait in ``references``. Read on its own, a reference to a table
        # that is not there waits in ``absent``, to be named once instead of on every row.
        self.against_database = against_database
        self.references = References()
        self.absent: dict[str, list[Reference]] = {}  # table → the references to it
        self._pending: dict[str, str] = {}
        self._kinds: dict[tuple[str, ...], tuple[str, ...]] = {}

    def claim(self, check: _Check, kind: str) -> str | None:
        party = check.row.values.get("id")
        if party is None:
            return None
        first = self.ids.get(party)
        if first is not None:
            check.fail("id", f'"{party}" is already used in {first.file} row {first.row}')
            return None
        self.ids[party] = _Claim(party, kind, check.row.file, check.row.number)
        return party

    def refer(self, check: _Check, column: str, *kinds: str) -> str | None:
        party = check.row.values.get(column)
        if party is None:
            return None
        claim = self.ids.get(party)
        if claim is not None and claim.kind in kinds:
            return claim.id
        if claim is None:
            row = check.row
            # one string and one tuple per id and kind, however many rows refer to them
            party = self._pending.setdefault(party, party)
            kinds = self._kinds.setdefault(kinds, kinds)
            reference = Reference(party, kinds, row.file, row.number, column)
            if self.against_database:
                self.references.parties.append(reference)
                return party
            if not any(self.dataset.has(TABLE_OF[kind]) for kind in kinds):
                # no table here could hold it: named once, on the first kind's table
                self.absent.setdefault(TABLE_OF[kinds[0]], []).append(reference)
                check.ok = False
                return None
            check.fail(column, f'"{party}" is not a known {" or ".join(kinds)}')
        else:
            wanted = " or ".join(_ARTICLE[kind] for kind in kinds)
            check.fail(column, f'"{party}" is {_ARTICLE[claim.kind]}, not {wanted}')
        return None

    def read(self) -> Register:
        entities = self.entities()
        units = self.units()
        persons = self.persons()
        register = Register(
            entities=entities,
            units=units.finish(),
            persons=persons,
            stakes=self.stakes(),
            employments=self.employments(),
        )
        self._report_absent()
        self.references.present = frozenset(name for name in REGISTER_TABLES
                                            if self.dataset.has(name))  # fmt: skip
        self.references.labels = {
            name: source.label for name, source in self.dataset.sources.items()
        }
        return register

    def _report_absent(self) -> None:
        """Read on its own, a dataset needs every table it refers to: name each one once."""
        for table in REGISTER_TABLES:  # first of all problems, in the order of the tables
            references = self.absent.get(table)
            if not references:
                continue
            self.dataset.add(
                missing_references(
                    self.dataset.missing_label(table),
                    references,
                    workbook=self.dataset.is_workbook,
                    database=False,
                )
            )

    def entities(self) -> list[Entity]:
        entities: list[Entity] = []
        for row in self.dataset.read_table("entities"):
            check = _Check(self.dataset, row)
            entity = self.claim(check, _ENTITY)
            name = row.get("name")
            country = check.parse("country", parsers.country_code)
            currency = check.parse("currency", parsers.currency_code)
            lei = check.parse("lei", parsers.lei)
            vat_id = check.parse("vat_id", partial(parsers.vat_id, country=country))
            if check.ok and entity is not None and name is not None:
                entities.append(
                    Entity(
                        id=entity,
                        name=name,
                        country=country,
                        currency=currency,
                        lei=lei,
                        vat_id=vat_id,
                        line_of_business=row.get("line_of_business"),
                    )
                )
        return entities

    def units(self) -> _Units:
        units = _Units(self)
        for row in self.dataset.read_table("units"):
            check = _Check(self.dataset, row)
            unit = self.claim(check, _UNIT)
            entity = self.refer(check, "entity", _ENTITY)
            if unit is not None and entity is not None:
                self.entity_of_unit[unit] = entity
            units.rows.append((check, unit, entity))
        return units

    def persons(self) -> list[Person]:
        persons: list[Person] = []
        for row in self.dataset.read_table("people"):
            check = _Check(self.dataset, row)
            person = self.claim(check, _PERSON)
            name = row.get("name")
            email = check.parse("email", parsers.email)
            if check.ok and person is not None and name is not None:
                persons.append(Person(person, name, email, row.get("employee_no")))
        return persons

    def stakes(self) -> list[Stake]:
        stakes: list[Stake] = []
        for row in self.dataset.read_table("stakes"):
            check = _Check(self.dataset, row)
            holder = self.refer(check, "holder", _ENTITY, _PERSON)
            entity = self.refer(check, "entity", _ENTITY)
            if holder is not None and holder == entity:
                check.fail("entity", f'"{entity}" cannot hold a stake in itself')
            voting = check.parse("voting", Share.parse)
            equity = check.parse("equity", Share.parse) if "equity" in row.values else voting
            period = check.period(self.periods)
            control = check.parse("control", parsers.control) or Control.DERIVED
            if (
                check.ok
                and holder is not None
                and entity is not None
                and voting is not None
                and equity is not None
                and period is not None
            ):
                stakes.append(Stake(holder, entity, voting, equity, period, control))
        return stakes

    def employments(self) -> list[Employment]:
        employments: list[Employment] = []
        for row in self.dataset.read_table("employments"):
            check = _Check(self.dataset, row)
            person = self.refer(check, "person", _PERSON)
            entity = self.refer(check, "entity", _ENTITY)
            unit = self.refer(check, "unit", _UNIT)
            if unit is not None and entity is not None:
                owner = self.entity_of_unit.get(unit)
                if owner is not None and owner != entity:
                    check.fail("unit", f'"{unit}" is an org unit of {owner}, not of {entity}')
                elif owner is None and self.against_database:
                    self.references.unit_owners.append(
                        UnitOwner(unit, entity, row.file, row.number, "unit")
                    )
            kind = check.parse("kind", parsers.employment_kind) or EmploymentKind.EMPLOYEE
            period = check.period(self.periods)
            if check.ok and person is not None and entity is not None and period is not None:
                employments.append(Employment(person, entity, unit, kind, period))
        return employments


@dataclass
class _Units:
    """Org units wait until every id is known: a parent may come later in the file."""

    reader: _RegisterReader
    rows: list[tuple[_Check, str | None, str | None]] = field(default_factory=list)

    def finish(self) -> list[OrgUnit]:
        parents: dict[str, str] = {}
        check_of: dict[str, _Check] = {}
        for check, unit, entity in self.rows:
            parent = self.reader.refer(check, "parent", _UNIT)
            if unit is not None:
                check_of[unit] = check
            if parent is None or entity is None:
                continue
            owner = self.reader.entity_of_unit.get(parent)
            if owner is not None and owner != entity:
                check.fail("parent", f'"{parent}" is an org unit of {owner}, not of {entity}')
            elif unit is not None:
                parents[unit] = parent
                if owner is None and self.reader.against_database:
                    row = check.row
                    self.reader.references.unit_owners.append(
                        UnitOwner(parent, entity, row.file, row.number, "parent", child=unit)
                    )
        self._report_cycles(parents, check_of)
        units: list[OrgUnit] = []
        for check, unit, entity in self.rows:
            name = check.row.get("name")
            if check.ok and unit is not None and entity is not None and name is not None:
                units.append(
                    OrgUnit(
                        unit, entity, name, check.row.get("parent"), check.row.get("cost_centre")
                    )
                )
        return units

    @staticmethod
    def _report_cycles(parents: dict[str, str], check_of: dict[str, _Check]) -> None:
        """Name each cycle of parents once, on the row that closes it (the last in the file)."""
        done: set[str] = set()
        for start in parents:
            path: list[str] = []
            position: dict[str, int] = {}
            unit = start
            while unit in parents and unit not in done and unit not in position:
                position[unit] = len(path)
                path.append(unit)
                unit = parents[unit]
            if unit in position:
                cycle = path[position[unit] :]
                last = max(cycle, key=lambda member: check_of[member].row.number)
                turn = cycle.index(last)
                ring = [*cycle[turn:], *cycle[:turn], last]
                check_of[last].fail("parent", f"the parents form a cycle: {' → '.join(ring)}")
            done.update(path)


def load_register(dataset: Dataset) -> Register:
    """Build a register from an open dataset, adding problems to it; call ``check`` after.

    For callers that read more tables (sales, products) and report all problems together.
    The dataset stands on its own: it needs its entities and every table it refers to.
    """
    with _without_cycle_collector():
        return _RegisterReader(dataset).read()


@contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """Pause the cyclic garbage collector while a register is built.

    Reading keeps millions of small objects that form no cycles; the collector, triggered
    by allocation counts, would scan the growing heap again and again (measured: a fifth
    of the time for a million employments).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_register(path: Path) -> Register:
    """Read a dataset folder or XLSX workbook; raise ``DatasetError`` naming every problem.

    The dataset is the whole register: a table that the others refer to but that is not
    there (``entities.csv`` for ``stakes.csv``, ``people.csv`` for ``employments.csv``)
    is named once, not on every row that refers to it.
    """
    with open_dataset(path) as dataset:
        register = load_register(dataset)
    dataset.check()
    return register


def read_for_import(path: Path) -> tuple[Register, References, list[Problem]]:
    """Read a dataset folder or workbook that an import brings into a database.

    It may hold only some tables: the records it does not hold stay as the database has
    them, and what it refers to may be there (``JKL`` in ``stakes.csv`` without
    ``entities.csv``). Those references come back unresolved, for the import to check
    against the database, with every other problem found (the register is only good
    when there is none).
    """
    with open_dataset(path) as dataset, _without_cycle_collector():
        reader = _RegisterReader(dataset, against_database=True)
        register = reader.read()
    return register, reader.references, dataset.ordered_problems()
