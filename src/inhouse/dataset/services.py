"""Import and export of datasets: the database as the system of record (design/interfaces.md).

``import_dataset`` reads and checks the whole dataset before it touches the database: a
dataset with any problem is rejected whole, naming file, row, column and reason. Then,
in one transaction, it compares the dataset with the database by natural keys and
applies only the differences:

==============  ==========================================
record          natural key
==============  ==========================================
entity          id
org unit        id
person          id
stake           holder, entity, valid_from
employment      person, entity, unit, valid_from
==============  ==========================================

A record is *added* (key not stored), *ended* (only ``valid_to`` changed, from empty to
a date), *changed* (any other difference) or *unchanged*. Stored records that the
dataset does not contain are *kept*: history stays true, an import never deletes.
Re-importing the same dataset changes nothing.

A file is a set of changes, never the whole truth: a file without rows, a file that is
not in the folder and a row left out all keep what the database holds (the report names
them: ``kept``). A record ends only by its ``valid_to``. So a folder may hold only some
tables, e.g. just ``stakes.csv``; what its rows refer to (``JKL``) may be in the folder or
in the database.

Every change and every end is written to the audit log with before and after; the
records added to a table get one summary entry (count, first and last key); the run
itself gets one ``import`` entry, also when there was nothing to change, so the log
shows who imported what and when.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import String

from inhouse.clock import Clock
from inhouse.dataset import load_register
from inhouse.dataset.commerce import (
    COMMERCE_TABLES,
    PROGRAMMES_FILE,
    exported_products,
    exported_sales,
    import_commerce,
    programmes_toml,
)
from inhouse.dataset.errors import DatasetError, Problem
from inhouse.dataset.gleif import is_gleif
from inhouse.dataset.reader import (
    TABLE_OF,
    Reference,
    References,
    missing_references,
    open_dataset,
    read_for_import,
)
from inhouse.dataset.tables import TABLES as DATASET_TABLES
from inhouse.dataset.writer import FolderWriter
from inhouse.dates import parse_date
from inhouse.db.uow import UnitOfWork
from inhouse.errors import InvalidRequest
from inhouse.groups.domain import Employment, Entity, OrgUnit, Person, Register, Stake
from inhouse.groups.repository import TABLES as GROUPS_TABLES
from inhouse.groups.repository import stake_of
from inhouse.identity.domain import Actor, Permission
from inhouse.identity.services import jsonable, require

Key = tuple[Any, ...]
Values = tuple[Any, ...]  # one record's values, in the order of its dataset table's columns
Row = dict[str, Any]

WRITE_CHUNK = 50_000  # rows written between two progress updates
AUDIT_ID_LENGTH = 200  # audit_log.resource_id
BODS_SUFFIXES = (".json", ".jsonl")


class Progress(Protocol):
    """Where a long import or export tells how far it got (a Rich progress bar on a terminal)."""

    def phase(self, description: str, total: float | None = None) -> None: ...

    def update(self, completed: float) -> None: ...


# --------------------------------------------------------------------------- record kinds


class _Kind:
    """One kind of record: its dataset table, its database table and its natural key.

    Records are compared as tuples of their values in the dataset table's column order
    (which is also the order of ``row_of_*`` and of the exported files): plain strings
    and dates, so a million of them compare quickly.
    """

    def __init__(
        self,
        table: str,
        resource: str,
        noun: str,
        key_columns: tuple[str, ...],
        values_of: Callable[[Any], Values],
        records: Callable[[Register], Iterable[Any]],
        checked: tuple[str, ...] = (),
        canonical: Callable[[Values], Values] | None = None,
    ) -> None:
        self.table = table  # the dataset table: "people"
        self.resource = resource  # the repository's resource: "persons"
        self.noun = noun  # "person"
        self.key_columns = key_columns
        self.values_of = values_of
        self.records = records
        self.canonical = canonical  # stored values in the form the dataset gives them
        self.columns: tuple[str, ...] = DATASET_TABLES[table].columns
        self.own_id = "id" in self.columns  # parties: the id is the key; else a number
        positions = [self.columns.index(column) for column in key_columns]
        getter = itemgetter(*positions)
        self.key: Callable[[Values], Key] = (
            (lambda values: (getter(values),)) if len(positions) == 1 else getter
        )
        self.valid_to_at = self.columns.index("valid_to") if "valid_to" in self.columns else None
        table_columns = GROUPS_TABLES[resource].c
        self.limits: dict[int, int] = {}
        for column in checked:  # text columns whose length the database limits
            kind_of_type = table_columns[column].type
            if isinstance(kind_of_type, String) and kind_of_type.length:
                self.limits[self.columns.index(column)] = kind_of_type.length

    def row(self, values: Values) -> Row:
        return dict(zip(self.columns, values, strict=True))

    def raw_key(self, values: Mapping[str, str]) -> Key:
        """The natural key of a dataset row's raw values (to find rows by key)."""
        key: list[Any] = []
        for column in self.key_columns:
            text = values.get(column)
            key.append(parse_date(text) if column == "valid_from" and text else text)
        return tuple(key)

    def describe(self, key: Key) -> str:
        """``holder JKL, entity ABC, valid_from 2019-01-01`` (``id JKL`` for parties)."""
        return ", ".join(
            f"{column} {'empty' if value is None else value}"
            for column, value in zip(self.key_columns, key, strict=True)
        )

    def key_dict(self, key: Key) -> dict[str, Any]:
        return dict(zip(self.key_columns, key, strict=True))


def _entity_values(e: Entity) -> Values:
    return (e.id, e.name, e.country, e.currency, e.lei, e.vat_id, e.line_of_business)


def _stake_values(s: Stake) -> Values:
    return (s.holder, s.entity, s.voting.notation(), s.equity.notation(), s.period.valid_from,
            s.period.valid_to, s.control.value)  # fmt: skip


def _unit_values(u: OrgUnit) -> Values:
    return (u.id, u.entity, u.name, u.parent, u.cost_centre)


def _person_values(p: Person) -> Values:
    return (p.id, p.name, p.email, p.employee_no)


def _employment_values(e: Employment) -> Values:
    return (e.person, e.entity, e.unit, e.kind.value, e.period.valid_from, e.period.valid_to)


def _canonical_stake(values: Values) -> Values:
    """Shares as the dataset writes them (``60``, ``(50,75]``), whatever form is stored."""
    return _stake_values(stake_of(dict(zip(STAKE_COLUMNS, values, strict=True))))


STAKE_COLUMNS = DATASET_TABLES["stakes"].columns

ENTITIES = _Kind(
    "entities", "entities", "entity", ("id",), _entity_values,
    lambda register: register.entities.values(),
    checked=("id", "name", "country", "currency", "lei", "vat_id", "line_of_business"),
)  # fmt: skip
STAKES = _Kind(
    "stakes", "stakes", "stake", ("holder", "entity", "valid_from"), _stake_values,
    lambda register: register.stakes, checked=("voting", "equity"), canonical=_canonical_stake,
)  # fmt: skip
UNITS = _Kind(
    "units", "units", "org unit", ("id",), _unit_values,
    lambda register: register.units.values(), checked=("id", "name", "cost_centre"),
)  # fmt: skip
PEOPLE = _Kind(
    "people", "persons", "person", ("id",), _person_values,
    lambda register: register.persons.values(), checked=("id", "name", "email", "employee_no"),
)  # fmt: skip
EMPLOYMENTS = _Kind(
    "employments", "employments", "employment", ("person", "entity", "unit", "valid_from"),
    _employment_values, lambda register: register.employments,
)  # fmt: skip

KINDS: tuple[_Kind, ...] = (ENTITIES, STAKES, UNITS, PEOPLE, EMPLOYMENTS)
"""In the order of the dataset files (reports, exports)."""
WRITE_ORDER: tuple[_Kind, ...] = (ENTITIES, PEOPLE, UNITS, STAKES, EMPLOYMENTS)
"""Referenced records first: stakes may be held by persons, employments name units."""
PARTIES: tuple[_Kind, ...] = (ENTITIES, UNITS, PEOPLE)
REGISTER_TABLES = frozenset(kind.table for kind in KINDS)
HISTORY_TABLES = frozenset({"tickets", "ticket_events"})  # imported by the care context


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True, slots=True)
class TableChanges:
    """What an import did to one table. ``kept``: stored, not in the dataset, left alone."""

    table: str
    added: int = 0
    changed: int = 0
    ended: int = 0
    unchanged: int = 0
    kept: int = 0

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.ended)

    def counts(self) -> dict[str, int]:
        return {
            "added": self.added,
            "changed": self.changed,
            "ended": self.ended,
            "unchanged": self.unchanged,
            "kept": self.kept,
        }


@dataclass(frozen=True, slots=True)
class ImportReport:
    source: str
    tables: tuple[TableChanges, ...]
    not_imported: tuple[str, ...] = ()  # files of the dataset that are not imported yet
    commerce: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    kept_files: tuple[tuple[str, str], ...] = ()
    """(file, why) for each register file that is absent or has no rows while the database
    holds records of its kind: ``("stakes.csv", "no rows: the database's records are kept
    (16 stakes)")``."""

    @property
    def nothing_to_change(self) -> bool:
        touched = any(n for counts in self.commerce.values() for w, n in counts.items()
                      if w != "unchanged")  # fmt: skip
        return not touched and not any(table.touched for table in self.tables)

    def table(self, name: str) -> TableChanges:
        return next(table for table in self.tables if table.table == name)

    def summary(self) -> str:
        """One sentence for people: ``nothing to change`` or what was added, changed, ended."""
        if self.nothing_to_change:
            return "nothing to change: the database already holds this dataset"
        parts = []
        for verb in ("added", "changed", "ended"):
            total = sum(getattr(table, verb) for table in self.tables)
            if total:
                parts.append(f"{total:,} {verb}")
        sentences = [", ".join(parts)] if parts else []
        for table, counts in self.commerce.items():
            done = [f"{n:,} {w}" for w, n in counts.items() if w != "unchanged" and n]
            if done:
                sentences.append(f"{table}: {', '.join(done)}")
        return "; ".join(sentences)

    def notes(self) -> list[str]:
        return [
            *(f"{label}: {why}" for label, why in self.kept_files),
            *(f"{label}: not imported (no part of inhouse reads it yet)"
              for label in self.not_imported),
        ]  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "nothing_to_change": self.nothing_to_change,
            "tables": {table.table: table.counts() for table in self.tables},
            "not_imported": list(self.not_imported),
            "kept_files": dict(self.kept_files),
            "commerce": {table: dict(counts) for table, counts in self.commerce.items()},
        }


@dataclass(frozen=True, slots=True)
class ExportReport:
    path: str
    files: tuple[tuple[str, int], ...]  # (file name, rows)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "files": dict(self.files)}


# --------------------------------------------------------------------------- import

Change = tuple[Any, Values, Values]  # (stored id, before, after)


@dataclass(slots=True)
class _Plan:
    kind: _Kind
    added: list[Values] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    ended: list[Change] = field(default_factory=list)
    unchanged: int = 0
    kept: int = 0

    def changes(self) -> TableChanges:
        return TableChanges(
            self.kind.table,
            added=len(self.added),
            changed=len(self.changed),
            ended=len(self.ended),
            unchanged=self.unchanged,
            kept=self.kept,
        )


@dataclass(frozen=True, slots=True)
class _Finding:
    """A problem found on a record, before its row number is known."""

    kind: _Kind
    key: Key
    column: str | None
    reason: str
    occurrence: int = 0  # which of the rows with this key: 0 the first, 1 the second, …


def import_dataset(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    path: Path,
    progress: Progress | None = None,
    source: str | None = None,
) -> ImportReport:
    """Bring the database up to a dataset folder, workbook, BODS file or GLEIF folder;
    atomic, idempotent.

    ``source`` names the dataset in the report and the audit log (default: ``path``; an
    upload passes its file name). Raises ``DatasetError`` naming every problem (then
    nothing is written).
    """
    require(actor, Permission.IMPORT_DATASETS)
    report = progress or _Silent()
    report.phase(f"Reading {path.name}")
    references: References | None = None
    if path.suffix.lower() in BODS_SUFFIXES or is_gleif(path):
        register = load_register(path)  # whole registers of their own: no partial tables
    else:
        register, references, read_problems = read_for_import(path)
        if read_problems:  # name what the database does not hold too, in one round
            with uow:
                read_problems += _resolve(uow, references, _parents(register), path)
            raise DatasetError(_in_file_order(read_problems, path, references.labels))
    labels, not_imported = _sources(path)
    parents = _parents(register)
    dataset = _prepare(register, path, labels)
    del register
    with uow:
        uow.groups.lock_all()  # no other writes between comparing and writing
        report.phase("Comparing with the database", total=len(KINDS))
        findings: list[_Finding] = []
        plans: dict[str, _Plan] = {}
        for done, kind in enumerate(KINDS, start=1):
            plans[kind.table] = _compare(uow, kind, dataset, findings)
            report.update(done)
        findings += _units_moved_under_employments(uow, plans[UNITS.table])
        problems = _located(findings, path, labels) if findings else []
        if references is not None:
            problems += _resolve(uow, references, parents, path)
        del parents
        if problems:
            raise DatasetError(_in_file_order(problems, path, labels))
        kept_files = _kept_files(plans, dataset, references, path)
        del dataset
        _write(uow, plans, report)
        report.phase("Importing products, programmes and sales")
        commerce = import_commerce(uow=uow, path=path, register=uow.groups.load_register(),
                                   actor=actor, now=clock.now())  # fmt: skip
        history = _import_history(uow, path, report)
        result = ImportReport(
            source=source or str(path),
            tables=tuple(plans[kind.table].changes() for kind in KINDS) + history,
            not_imported=tuple(not_imported),
            commerce=commerce.as_rows(),
            kept_files=kept_files,
        )
        _audit(uow, actor, clock, plans, result)
        report.phase("Committing")
        uow.commit()
    return result


def _import_history(uow: UnitOfWork, path: Path, report: Progress) -> tuple[TableChanges, ...]:
    """Tickets and ticket events (the care context checks and writes them)."""
    if path.suffix.lower() in BODS_SUFFIXES:
        return ()
    from inhouse.care.services import import_history

    report.phase("Importing tickets")
    done = import_history(uow=uow, path=path, register=uow.groups.load_register())
    if done is None:
        return ()
    return (TableChanges("tickets", **done.tickets), TableChanges("ticket_events", **done.events))


class _Silent:
    def phase(self, description: str, total: float | None = None) -> None:
        pass

    def update(self, completed: float) -> None:
        pass


def _sources(path: Path) -> tuple[dict[str, str], list[str]]:
    """How problems name each table (``stakes.csv``), and the tables not imported yet."""
    if path.suffix.lower() in BODS_SUFFIXES:
        return {}, []
    with open_dataset(path) as dataset:
        labels = {name: source.label for name, source in dataset.sources.items()}
    not_imported = [
        labels[name]
        for name in DATASET_TABLES
        if name in labels and name not in REGISTER_TABLES | HISTORY_TABLES | COMMERCE_TABLES
    ]
    return labels, not_imported


def _prepare(
    register: Register, path: Path, labels: Mapping[str, str]
) -> dict[str, dict[Key, Values]]:
    """Each table's records by natural key, checking what the reader does not check:
    a natural key given twice, and values longer than the database keeps."""
    findings: list[_Finding] = []
    dataset: dict[str, dict[Key, Values]] = {}
    for kind in KINDS:
        by_key: dict[Key, Values] = {}
        repeats: dict[Key, int] = {}
        limits = kind.limits.items()
        for record in kind.records(register):
            values = kind.values_of(record)
            key = kind.key(values)
            if key in by_key:
                repeats[key] = times = repeats.get(key, 0) + 1
                columns = ", ".join(kind.key_columns)
                findings.append(
                    _Finding(
                        kind,
                        key,
                        None,
                        f"the same {kind.noun} as an earlier row ({kind.describe(key)}); "
                        f"{_article(kind.noun)} is identified by {columns}: give it once",
                        occurrence=times,
                    )
                )
            else:
                by_key[key] = values
            for at, limit in limits:
                value = values[at]
                if isinstance(value, str) and len(value) > limit:
                    findings.append(
                        _Finding(
                            kind,
                            key,
                            kind.columns[at],
                            f"{len(value)} characters; the database keeps at most {limit}",
                        )
                    )
        dataset[kind.table] = by_key
    if findings:
        raise DatasetError(_located(findings, path, labels))
    return dataset


def _compare(
    uow: UnitOfWork,
    kind: _Kind,
    dataset: Mapping[str, Mapping[Key, Values]],
    findings: list[_Finding],
) -> _Plan:
    """Stream the stored records of one kind and sort the dataset's into added, changed, …"""
    given = dataset[kind.table]
    others = [(other, dataset[other.table]) for other in PARTIES if other is not kind]
    first: dict[Key, tuple[Any, Values]] = {}
    more: dict[Key, list[tuple[Any, Values]]] = {}
    stored = 0
    columns = kind.columns if kind.own_id else ("id", *kind.columns)
    for found in uow.groups.iter_values(kind.resource, columns):
        stored += 1
        record_id, values = (found[0], found) if kind.own_id else (found[0], found[1:])
        key = kind.key(values)
        if key not in given:
            if kind.own_id:  # one namespace: is this id given as another kind of party?
                for other, records in others:
                    if key in records:
                        findings.append(
                            _Finding(other, key, "id", f'"{key[0]}" is {_article(kind.noun)} '
                                     f"in the database, not {_article(other.noun)}")
                        )  # fmt: skip
            continue
        if kind.canonical is not None:
            values = kind.canonical(values)
        if key in first:
            more.setdefault(key, []).append((record_id, values))
        else:
            first[key] = (record_id, values)
    plan = _Plan(kind)
    matched = 0
    for key, values in given.items():
        match = first.get(key)
        if match is None:
            plan.added.append(values)
            continue
        candidates = [match, *more.get(key, ())]
        if any(before == values for _id, before in candidates):
            plan.unchanged += 1
            matched += 1
            continue
        if len(candidates) > 1:
            ids = ", ".join(str(record_id) for record_id, _before in candidates)
            findings.append(
                _Finding(
                    kind,
                    key,
                    None,
                    f"the database holds {len(candidates)} {kind.table} with "
                    f"{kind.describe(key)} (ids {ids}); it cannot tell which one to change",
                )
            )
            continue
        record_id, before = match
        matched += 1
        if _only_ended(kind, before, values):
            plan.ended.append((record_id, before, values))
        else:
            plan.changed.append((record_id, before, values))
    plan.kept = stored - matched
    if kind is UNITS:
        plan.added = _parents_first(plan.added)  # a new parent goes in before its children
    return plan


def _units_moved_under_employments(uow: UnitOfWork, units: _Plan) -> list[_Finding]:
    """An org unit belongs to one entity: moving it to another would leave the stored
    employments in it at the old entity pointing at a unit of the new one."""
    moved = {values[0]: (before[1], values[1]) for _id, before, values in units.changed
             if before[1] != values[1]}  # fmt: skip
    if not moved:
        return []
    stranded: dict[str, list[Values]] = {}
    for values in uow.groups.iter_values("employments", ("person", "entity", "unit", "valid_from")):
        unit = values[2]
        if unit in moved and values[1] != moved[unit][1]:
            stranded.setdefault(unit, []).append(values)
    findings = []
    for unit, employments in sorted(stranded.items()):
        old, new = moved[unit]
        person, _entity, _unit, since = employments[0]
        example = f"{person} since {since}" if since else f"{person}"
        findings.append(_Finding(
            UNITS, (unit,), "entity",
            f"moves org unit {unit} from {old} to {new}, but the database holds "
            f"{len(employments)} employment(s) at {old} in {unit} (e.g. {example}); a unit "
            f"belongs to one entity: give {new}'s unit a new id",
        ))  # fmt: skip
    return findings


def _only_ended(kind: _Kind, before: Values, after: Values) -> bool:
    """True when ``valid_to`` went from empty to a date and nothing else changed."""
    at = kind.valid_to_at
    if at is None or before[at] is not None or after[at] is None:
        return False
    return before[:at] + before[at + 1 :] == after[:at] + after[at + 1 :]


def _article(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _located(findings: list[_Finding], path: Path, labels: Mapping[str, str]) -> list[Problem]:
    """Problems with file and row: rows are looked up by key, reading the tables once more."""
    by_table: dict[str, set[Key]] = {}
    for finding in findings:
        by_table.setdefault(finding.kind.table, set()).add(finding.key)
    rows = _rows_by_key(path, by_table) if labels else {}
    problems: list[Problem] = []
    for finding in findings:
        table = finding.kind.table
        label = labels.get(table, path.name)
        numbers = rows.get(table, {}).get(finding.key, [])
        number = numbers[finding.occurrence] if finding.occurrence < len(numbers) else None
        reason = finding.reason
        if finding.occurrence and numbers:
            reason = reason.replace("an earlier row", f"row {numbers[0]}")
        problems.append(Problem(label, number, finding.column, reason))
    return _in_file_order(problems, path, labels)


def _in_file_order(problems: list[Problem], path: Path, labels: Mapping[str, str]) -> list[Problem]:
    """Problems in the order of the dataset's tables (a missing table first), then rows,
    then the columns of a row (as the reader names them)."""
    order = {kind.table: index for index, kind in enumerate(KINDS)}
    labelled = {labels.get(kind.table, path.name): order[kind.table] for kind in KINDS}
    for kind in KINDS:  # a table not there (named by its file) before all that are there
        labelled.setdefault(_missing_label(path, kind.table), order[kind.table] - len(KINDS))
    columns = {labels[kind.table]: kind.columns for kind in KINDS if kind.table in labels}

    def position(problem: Problem) -> tuple[int, int, int]:
        names = columns.get(problem.file, ())
        column = names.index(problem.column) if problem.column in names else -1
        return labelled.get(problem.file, 0), problem.row or 0, column

    return sorted(problems, key=position)


def _missing_label(path: Path, table: str) -> str:
    return f"{path.name} sheet {table}" if _workbook(path) else f"{table}.csv"


def _workbook(path: Path) -> bool:
    return path.suffix.lower() == ".xlsx"


TABLE_ORDER = [kind.table for kind in KINDS]
# The parties table's kinds, as the dataset names them.
_STORED_KIND = {"entity": "entity", "unit": "org unit", "person": "person"}
_ARTICLES = {"entity": "an entity", "org unit": "an org unit", "person": "a person"}


def _parents(register: Register) -> dict[str, str | None]:
    """The parent of each org unit of the dataset."""
    return {unit.id: unit.parent for unit in register.units.values()}


def _resolve(
    uow: UnitOfWork,
    references: References,
    parents: Mapping[str, str | None],
    path: Path,
) -> list[Problem]:
    """Check what the dataset refers to but does not hold against the database's records.

    An id the database does not hold either is named on its row, or, when the file that
    would hold it is not in the folder, once on that file (so a missing ``entities.csv``
    is one problem, not one on every row that refers to an entity).
    """
    if not references.parties and not references.unit_owners:
        return []
    problems: list[Problem] = []
    stored = uow.groups.party_kinds(reference.party for reference in references.parties)
    absent: dict[str, list[Reference]] = {}
    unknown: set[str] = set()
    for reference in references.parties:
        kind = _STORED_KIND.get(stored.get(reference.party, ""))
        if kind in reference.kinds:
            continue
        if kind is not None:
            wanted = " or ".join(_ARTICLES[k] for k in reference.kinds)
            problems.append(Problem(reference.file, reference.row, reference.column,
                                    f'"{reference.party}" is {_ARTICLES[kind]} in the '
                                    f"database, not {wanted}"))  # fmt: skip
            continue
        unknown.add(reference.party)
        if not any(TABLE_OF[k] in references.present for k in reference.kinds):
            absent.setdefault(TABLE_OF[reference.kinds[0]], []).append(reference)
        else:  # as when the dataset is read on its own: the folder has the table
            problems.append(Problem(reference.file, reference.row, reference.column,
                                    f'"{reference.party}" is not a known '
                                    f"{' or '.join(reference.kinds)}"))  # fmt: skip
    for table, found in sorted(absent.items(), key=lambda item: TABLE_ORDER.index(item[0])):
        label = _missing_label(path, table)
        problems.append(missing_references(label, found, workbook=_workbook(path), database=True))
    problems += _stored_units(uow, references, parents, unknown)
    return problems


def _stored_units(
    uow: UnitOfWork,
    references: References,
    dataset_parents: Mapping[str, str | None],
    unknown: set[str],
) -> list[Problem]:
    """A stored org unit named by the dataset (a unit's parent, an employment's unit)
    belongs to the right entity, and no new parent closes a cycle through stored units."""
    if not references.unit_owners:
        return []
    stored: dict[str, tuple[str, str | None]] = {
        unit: (entity, parent)
        for unit, entity, parent in uow.groups.iter_values("units", ("id", "entity", "parent"))
    }
    # the dataset's parents replace the stored ones
    parents = {unit: parent for unit, (_entity, parent) in stored.items()} | dict(dataset_parents)
    problems: list[Problem] = []
    cycles: set[frozenset[str]] = set()
    for owner in references.unit_owners:
        if owner.unit in unknown or owner.unit not in stored:
            continue  # named already: not a known org unit
        entity = stored[owner.unit][0]
        if entity != owner.entity:
            problems.append(Problem(owner.file, owner.row, owner.column,
                                    f'"{owner.unit}" is an org unit of {entity}, '
                                    f"not of {owner.entity}"))  # fmt: skip
            continue
        if owner.child is None:
            continue
        ring = [owner.child, owner.unit]
        while ring[-1] != owner.child and len(ring) <= len(parents) + 1:
            above = parents.get(ring[-1])
            if above is None:
                break
            ring.append(above)
        if ring[-1] == owner.child and frozenset(ring) not in cycles:
            cycles.add(frozenset(ring))
            problems.append(Problem(owner.file, owner.row, "parent",
                                    f"the parents form a cycle: {' → '.join(ring)}"))  # fmt: skip
    return problems


def _kept_files(
    plans: Mapping[str, _Plan],
    dataset: Mapping[str, Mapping[Key, Values]],
    references: References | None,
    path: Path,
) -> tuple[tuple[str, str], ...]:
    """The register files that change nothing although the database holds their records:
    absent, or without rows. Both keep every stored record, as a row left out does."""
    if references is None:
        return ()
    container = "workbook" if _workbook(path) else "folder"
    kept: list[tuple[str, str]] = []
    for kind in KINDS:
        count = plans[kind.table].kept
        if not count:
            continue
        records = f"{count:,} {kind.noun if count == 1 else _PLURAL_NOUNS[kind.noun]}"
        if kind.table not in references.present:
            why = f"not in this {container}: the database's records are kept ({records})"
            kept.append((_missing_label(path, kind.table), why))
        elif not dataset[kind.table]:
            why = f"no rows: the database's records are kept ({records})"
            kept.append((references.labels[kind.table], why))
    return tuple(kept)


_PLURAL_NOUNS = {"entity": "entities", "stake": "stakes", "org unit": "org units",
                 "person": "persons", "employment": "employments"}  # fmt: skip


def _rows_by_key(path: Path, wanted: Mapping[str, set[Key]]) -> dict[str, dict[Key, list[int]]]:
    kinds = {kind.table: kind for kind in KINDS}
    found: dict[str, dict[Key, list[int]]] = {}
    with open_dataset(path) as dataset:
        for table, keys in wanted.items():
            kind = kinds[table]
            rows: dict[Key, list[int]] = {}
            for row in dataset.read_table(table):
                key = kind.raw_key(row.values)
                if key in keys:
                    rows.setdefault(key, []).append(row.number)
            found[table] = rows
    return found


def _write(uow: UnitOfWork, plans: Mapping[str, _Plan], report: Progress) -> None:
    total = sum(len(p.added) + len(p.changed) + len(p.ended) for p in plans.values())
    report.phase("Writing", total=total)
    done = 0
    for kind in WRITE_ORDER:
        plan = plans[kind.table]
        for start in range(0, len(plan.added), WRITE_CHUNK):
            chunk = plan.added[start : start + WRITE_CHUNK]
            uow.groups.load_many(kind.resource, kind.columns, chunk)
            done += len(chunk)
            report.update(done)
        updates = [*plan.changed, *plan.ended]
        for start in range(0, len(updates), WRITE_CHUNK):
            chunk = updates[start : start + WRITE_CHUNK]
            rows = [{**kind.row(after), "id": record_id} for record_id, _b, after in chunk]
            uow.groups.replace_many(kind.resource, rows)
            done += len(chunk)
            report.update(done)


def _parents_first(units: list[Values]) -> list[Values]:
    """New units ordered so that a new parent is inserted before its children."""
    parent_at = UNITS.columns.index("parent")
    new = {values[0]: values for values in units}
    depth: dict[str, int] = {}

    def depth_of(unit: Values) -> int:
        chain: list[Values] = []
        current: Values | None = unit
        while current is not None and current[0] not in depth:
            chain.append(current)
            current = new.get(current[parent_at]) if current[parent_at] else None
        level = depth[current[0]] if current is not None else -1
        for member in reversed(chain):
            level += 1
            depth[member[0]] = level
        return depth[unit[0]]

    return sorted(units, key=depth_of)


def _audit(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    plans: Mapping[str, _Plan],
    result: ImportReport,
) -> None:
    at = clock.now()

    def entry(
        action: str, resource: str, resource_id: str, before: Any = None, after: Any = None
    ) -> Row:
        return {
            "at": at,
            "actor": actor.username,
            "action": action,
            "resource": resource,
            "resource_id": _fit(resource_id),
            "before": jsonable(before),
            "after": jsonable(after),
        }

    entries: list[Row] = []
    for kind in WRITE_ORDER:
        plan = plans[kind.table]
        if plan.added:
            first, last = kind.key(plan.added[0]), kind.key(plan.added[-1])
            span = kind.describe(first)
            if len(plan.added) > 1:
                span = f"{span} … {kind.describe(last)}"
            summary = {
                "count": len(plan.added),
                "first": kind.key_dict(first),
                "last": kind.key_dict(last),
                "source": result.source,
            }
            entries.append(entry("import_add", kind.resource, span, after=summary))
        for action, changes in (("update", plan.changed), ("end", plan.ended)):
            for record_id, before, after in changes:
                entries.append(
                    entry(
                        action,
                        kind.resource,
                        str(record_id),
                        before={"id": record_id, **kind.row(before)},
                        after={"id": record_id, **kind.row(after)},
                    )
                )
    entries.append(entry("import", "datasets", result.source, after=result.as_dict()))
    for start in range(0, len(entries), WRITE_CHUNK):
        uow.identity.append_audit_many(entries[start : start + WRITE_CHUNK])


def _fit(text: str) -> str:
    """Keep an audit resource id within its column, keeping the end (file names end paths)."""
    if len(text) <= AUDIT_ID_LENGTH:
        return text
    return "…" + text[-(AUDIT_ID_LENGTH - 1) :]


# --------------------------------------------------------------------------- export


def export_dataset(
    *,
    uow: UnitOfWork,
    path: Path,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Write the database as a dataset folder: the register (entities, stakes, units, people,
    employments), products with their newest price, programmes and the orders as sales.

    The folder is created if needed. Existing dataset files are replaced only with
    ``overwrite``; a table kept as ``.xlsx`` next to the new ``.csv`` is refused either way
    (the folder would hold the table twice). Rows come in the order they were stored.
    """
    if path.exists() and not path.is_dir():
        raise InvalidRequest(f"{path} is not a folder")
    specs = [DATASET_TABLES[kind.table] for kind in KINDS] + [
        DATASET_TABLES["products"],
        DATASET_TABLES["sales"],
        DATASET_TABLES["gross_profit"],
    ]
    if path.is_dir():
        workbooks = [spec.xlsx_name for spec in specs if (path / spec.xlsx_name).exists()]
        if workbooks:
            raise InvalidRequest(
                f"{path} holds {', '.join(workbooks)}; the export would add the same table "
                "as .csv: choose another folder"
            )
        existing = [spec.csv_name for spec in specs if (path / spec.csv_name).exists()]
        existing += [PROGRAMMES_FILE] if (path / PROGRAMMES_FILE).exists() else []
        if existing and not overwrite:
            raise InvalidRequest(
                f"{path} holds {', '.join(existing)} already: choose an empty folder "
                "or overwrite them (--overwrite)"
            )
    report = progress or _Silent()
    with uow, FolderWriter(path) as writer:
        for kind in KINDS:
            spec = DATASET_TABLES[kind.table]
            report.phase(f"Writing {spec.csv_name}", total=uow.groups.count(kind.resource))
            writer.write(spec, _exported(uow, kind, report))
        report.phase("Writing products, programmes and sales")
        # the commercial files only when there is something to write
        if uow.pricing.products(limit=1):
            writer.write(DATASET_TABLES["products"], exported_products(uow))
        if uow.orders.page(limit=1):
            writer.write(DATASET_TABLES["sales"], exported_sales(uow))
        figures = uow.benefits.gross_profit_percentages()
        if figures:
            writer.write(DATASET_TABLES["gross_profit"],
                         ((f.entity, f.year, f.percent) for f in figures))  # fmt: skip
        programmes, count = programmes_toml(uow)
        if count:
            writer.write_text(PROGRAMMES_FILE, programmes, count)
        written = writer.commit()
    return ExportReport(str(path), tuple((table.file, table.rows) for table in written))


def _exported(uow: UnitOfWork, kind: _Kind, report: Progress) -> Iterator[Sequence[Any]]:
    canonical = kind.canonical
    for count, values in enumerate(uow.groups.iter_values(kind.resource, kind.columns), start=1):
        yield canonical(values) if canonical is not None else values
        if count % WRITE_CHUNK == 0:
            report.update(count)


# --------------------------------------------------------------------------- reading


def stored_register(*, uow: UnitOfWork) -> Register:
    """The register as stored in the database (for ``classify`` and ``group`` without data)."""
    with uow:
        return uow.groups.load_register()
