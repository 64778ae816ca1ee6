"""Read GLEIF Level 1 and Level 2 data (LEI-CDF 3.1 and RR-CDF 2.1 XML) into a ``Register``.

LEI records become entities (the LEI is the id); the accounting consolidation relations
of the relationship records become control stakes of the parent in the child. The files
are streamed (``iterparse``), so a whole golden copy can be read. What every element maps
to, what is ignored and why, is written down in ``docs/gleif.md``; keep the two in step.

GLEIF publishes Level 1 and Level 2 as separate files, so the input is a folder (or one
file): each ``.xml`` file in it is told apart by its root element.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from inhouse.dataset import fields
from inhouse.dataset.errors import DatasetError, Problem
from inhouse.dates import Period
from inhouse.groups.domain import HUNDRED, ZERO, Control, Entity, Register, Share, Stake

__all__ = [
    "DIRECT",
    "LEI_NAMESPACE",
    "RELATIONSHIP_TYPES",
    "RR_NAMESPACE",
    "ULTIMATE",
    "gleif_files",
    "is_gleif",
    "read_gleif",
]

LEI_NAMESPACE = "http://www.gleif.org/data/schema/leidata/2016"
RR_NAMESPACE = "http://www.gleif.org/data/schema/rr/2016"
_L = f"{{{LEI_NAMESPACE}}}"
_R = f"{{{RR_NAMESPACE}}}"
_LEI_ROOT = f"{_L}LEIData"
_RR_ROOT = f"{_R}RelationshipData"

DIRECT = "IS_DIRECTLY_CONSOLIDATED_BY"
ULTIMATE = "IS_ULTIMATELY_CONSOLIDATED_BY"
# RR-CDF 2.1 RelationshipTypeEnum; only the two consolidation types make stakes.
RELATIONSHIP_TYPES = (
    DIRECT,
    ULTIMATE,
    "IS_INTERNATIONAL_BRANCH_OF",
    "IS_FUND-MANAGED_BY",
    "IS_SUBFUND_OF",
    "IS_FEEDER_TO",
)
_CONSOLIDATION = (DIRECT, ULTIMATE)
_PERIOD_TYPES = ("ACCOUNTING_PERIOD", "RELATIONSHIP_PERIOD", "DOCUMENT_FILING_PERIOD")
# "NULL" stands in the golden copy where the publisher gave no status.
_RELATIONSHIP_STATUSES = ("ACTIVE", "INACTIVE", "NULL")
_ENTITY_STATUSES = ("ACTIVE", "INACTIVE", "NULL")
_LEI_REGISTRATION = (
    "PENDING_VALIDATION",
    "ISSUED",
    "DUPLICATE",
    "LAPSED",
    "MERGED",
    "RETIRED",
    "ANNULLED",
    "CANCELLED",
    "TRANSFERRED",
    "PENDING_TRANSFER",
    "PENDING_ARCHIVAL",
)
_RR_REGISTRATION = (
    "PENDING_VALIDATION",
    "PUBLISHED",
    "DUPLICATE",
    "LAPSED",
    "RETIRED",
    "ANNULLED",
    "TRANSFERRED",
    "PENDING_TRANSFER",
    "PENDING_ARCHIVAL",
)
# Records that never were (ANNULLED), are another record's copy (DUPLICATE) or are not
# validated yet (PENDING_VALIDATION) make no stake; a RETIRED record has ended.
_RR_SKIPPED = frozenset({"PENDING_VALIDATION", "DUPLICATE", "ANNULLED"})
_RR_ENDED = frozenset({"RETIRED"})
_NODE_TYPES = ("LEI",)
_MEASUREMENT_METHODS = ("ACCOUNTING_CONSOLIDATION",)
_QUANTIFIER_UNITS = ("PERCENTAGE",)

# xs:dateTime as GLEIF writes it (2019-01-01T00:00:00Z, …+01:00, ….000Z), or a bare date.
_DATE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:\d{2})?)?$"
)
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_UNASSIGNED_COUNTRY = re.compile(r"^[A-Z]{2}$")  # XK: Kosovo, user-assigned, GLEIF uses it
_TABLE_SUFFIXES = (".csv", ".xlsx")
_IGNORED_PREFIXES = (".", "~$")
_DAY = timedelta(days=1)
_UNKNOWN_SHARE = Share(ZERO, HUNDRED)  # consolidated, but the size of the holding unknown


def gleif_files(path: Path) -> list[Path]:
    """The ``.xml`` files of a folder (hidden ones skipped), or the file itself."""
    if path.is_dir():
        return sorted(
            entry
            for entry in path.iterdir()
            if entry.suffix.lower() == ".xml"
            and not entry.name.startswith(_IGNORED_PREFIXES)
            and entry.is_file()
        )
    return [path]


def is_gleif(path: Path) -> bool:
    """An ``.xml`` file, or a folder holding one: read it as GLEIF data."""
    if path.is_dir():
        return bool(gleif_files(path))
    return path.suffix.lower() == ".xml"


def read_gleif(path: Path) -> Register:
    """The register of GLEIF files: a folder of LEI-CDF and RR-CDF files, or one such file.

    Raise ``DatasetError`` listing every problem (file, record position from 1, element
    path, reason) if anything is wrong; nothing is returned then.
    """
    reader = _Reader()
    files = reader.locate(path)
    lei_files = [f for f, kind in files if kind == _LEI_ROOT]
    rr_files = [f for f, kind in files if kind == _RR_ROOT]
    if rr_files and not lei_files:
        # Every relationship would name an unknown LEI: one problem says it all (unless
        # an unreadable file, already named, may be the LEI-CDF file).
        if not reader.problems:
            reader.file_problem(path.name, "no LEI-CDF file (lei:LEIData) for the entities")
        rr_files = []
    for file in lei_files:
        reader.read_leis(file)
    links = [link for file in rr_files for link in reader.read_relationships(file)]
    stakes = reader.stakes(links)
    if reader.problems:
        rank = {name: index for index, name in enumerate(reader.order)}
        # A file's own problem (XML broken off) comes after the records read before it.
        last = len(reader.problems) + max((p.row or 0 for p in reader.problems), default=0)
        raise DatasetError(
            sorted(
                reader.problems,
                key=lambda p: (rank.get(p.file, -1), last if p.row is None else p.row),
            )
        )
    return Register(entities=reader.entities.values(), stakes=stakes)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class _Where:
    file: str
    record: int


@dataclass(frozen=True, slots=True)
class _Span:
    """A half-open stretch of time; ``None`` is open."""

    start: date | None
    end: date | None


@dataclass(frozen=True, slots=True)
class _Link:
    """A consolidation relation that makes a stake: the parent controls the child."""

    where: _Where
    child: str
    parent: str
    kind: str
    spans: tuple[_Span, ...]
    share: Share


@dataclass(frozen=True, slots=True)
class _Period:
    start: date | None
    end: date | None  # exclusive: the day after the EndDate
    kind: str


# --------------------------------------------------------------------------- reader


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.order: list[str] = []  # file names in reading order, to sort the problems
        self.entities: dict[str, Entity] = {}
        self.first: dict[str, _Where] = {}

    def problem(self, where: _Where, column: str | None, reason: str) -> None:
        self.problems.append(Problem(where.file, where.record, column, reason))

    def file_problem(self, file: str, reason: str) -> None:
        self.problems.append(Problem(file, None, None, reason))

    # ------------------------------------------------------------------ files

    def locate(self, path: Path) -> list[tuple[Path, str]]:
        """Each GLEIF file with its root tag; LEI-CDF files first, so relationships can
        name their entities."""
        if not path.exists():
            self.file_problem(str(path), "no such file or folder")
            return []
        if path.is_dir():
            for entry in sorted(path.iterdir()):
                if entry.suffix.lower() in _TABLE_SUFFIXES and not entry.name.startswith(
                    _IGNORED_PREFIXES
                ):
                    self.file_problem(
                        entry.name,
                        "a GLEIF folder holds only LEI-CDF and RR-CDF XML files; keep the "
                        "tables in a dataset folder of their own",
                    )
        found: list[tuple[Path, str]] = []
        for file in gleif_files(path):
            root = self.root_tag(file)
            if root is None:
                continue
            if root not in (_LEI_ROOT, _RR_ROOT):
                self.file_problem(
                    file.name,
                    f"not a GLEIF file: the root element is {_clark(root)}, not lei:LEIData "
                    "(LEI-CDF 3.1) or rr:RelationshipData (RR-CDF 2.1)",
                )
                continue
            found.append((file, root))
        found.sort(key=lambda item: item[1] != _LEI_ROOT)
        self.order = [file.name for file, _root in found]
        return found

    def root_tag(self, file: Path) -> str | None:
        try:
            with file.open("rb") as handle:
                for _event, element in ET.iterparse(handle, events=("start",)):
                    return str(element.tag)
        except ET.ParseError as error:
            self.file_problem(file.name, f"not well-formed XML: {error}")
            return None
        except OSError as error:
            self.file_problem(file.name, f"cannot be read ({error.strerror})")
            return None
        self.file_problem(file.name, "not well-formed XML: no element")  # pragma: no cover
        return None

    def records(self, file: Path, tag: str, container: str) -> Iterator[tuple[_Where, ET.Element]]:
        """The record elements of a file with their positions, each freed once looked at."""
        number = 0
        holder: ET.Element | None = None
        try:
            for event, element in ET.iterparse(file, events=("start", "end")):
                if event == "start":
                    if element.tag == container:
                        holder = element
                    continue
                if element.tag != tag:
                    continue
                number += 1
                yield _Where(file.name, number), element
                element.clear()
                if holder is not None:
                    holder.remove(element)
        except ET.ParseError as error:
            self.file_problem(file.name, f"not well-formed XML: {error}")
        except OSError as error:  # pragma: no cover - the file was readable a moment ago
            self.file_problem(file.name, f"cannot be read ({error.strerror})")

    # ------------------------------------------------------------------ LEI-CDF

    def read_leis(self, file: Path) -> None:
        for where, record in self.records(file, f"{_L}LEIRecord", f"{_L}LEIRecords"):
            entity = self.lei_record(where, record)
            if entity is None:
                continue
            first = self.first.get(entity.id)
            if first is not None:
                self.problem(
                    where,
                    "LEI",
                    f'"{entity.id}" is already used in {first.file} row {first.record}',
                )
                continue
            self.first[entity.id] = where
            self.entities[entity.id] = entity

    def lei_record(self, where: _Where, record: ET.Element) -> Entity | None:
        code = self.lei(where, record, _L, "LEI", "LEI")
        name = self.text(where, record, _L, "Entity/LegalName", required=True)
        country = self.country(where, record)
        self.code(where, record, _L, "Entity/EntityStatus", _ENTITY_STATUSES)
        self.code(where, record, _L, "Registration/RegistrationStatus", _LEI_REGISTRATION)
        if code is None or name is None:
            return None
        return Entity(id=code, name=" ".join(name.split()), country=country, lei=code)

    def country(self, where: _Where, record: ET.Element) -> str | None:
        column = "Entity/LegalAddress/Country"
        text = self.text(where, record, _L, column, required=True)
        if text is None:
            return None
        try:
            return fields.country_code(text)
        except ValueError as error:
            if _UNASSIGNED_COUNTRY.match(text):
                return None  # a code ISO has not assigned (XK): no country rather than a guess
            self.problem(where, column, str(error))
            return None

    # ------------------------------------------------------------------ RR-CDF

    def read_relationships(self, file: Path) -> list[_Link]:
        links: list[_Link] = []
        for where, record in self.records(
            file, f"{_R}RelationshipRecord", f"{_R}RelationshipRecords"
        ):
            link = self.relationship(where, record)
            if link is not None:
                links.append(link)
        return links

    def relationship(self, where: _Where, record: ET.Element) -> _Link | None:
        """The stake-making link of a record; ``None`` for any other record (or a bad one)."""
        if record.find(f"{_R}Relationship") is None:
            self.problem(where, "Relationship", "required field is missing")
            return None
        before = len(self.problems)
        child = self.node(where, record, "StartNode")
        parent = self.node(where, record, "EndNode")
        kind = self.code(where, record, _R, "Relationship/RelationshipType", RELATIONSHIP_TYPES)
        status = self.code(
            where, record, _R, "Relationship/RelationshipStatus", _RELATIONSHIP_STATUSES
        )
        registration = self.code(
            where, record, _R, "Registration/RegistrationStatus", _RR_REGISTRATION
        )
        periods = self.periods(where, record)
        share = self.quantifier(where, record)
        if len(self.problems) > before or child is None or parent is None:
            return None
        if kind not in _CONSOLIDATION or registration in _RR_SKIPPED:
            return None
        if child == parent:
            self.problem(
                where, "Relationship/EndNode/NodeID", f'"{parent}" cannot hold a stake in itself'
            )
            return None
        for lei, node in ((child, "StartNode"), (parent, "EndNode")):
            if lei not in self.entities:
                self.problem(
                    where,
                    f"Relationship/{node}/NodeID",
                    f'"{lei}" is not the LEI of any LEIRecord in the LEI-CDF files',
                )
        if len(self.problems) > before or kind is None:
            return None
        ended = status == "INACTIVE" or registration in _RR_ENDED
        spans = _spans(periods, ended)
        if not spans:
            return None  # ended, but no day is known on which it ended
        return _Link(where, child, parent, kind, spans, share or _UNKNOWN_SHARE)

    def node(self, where: _Where, record: ET.Element, node: str) -> str | None:
        column = f"Relationship/{node}"
        self.code(where, record, _R, f"{column}/NodeIDType", _NODE_TYPES)
        return self.lei(where, record, _R, f"{column}/NodeID", f"{column}/NodeID")

    def periods(self, where: _Where, record: ET.Element) -> list[_Period]:
        found: list[_Period] = []
        base = "Relationship/RelationshipPeriods/RelationshipPeriod"
        for index, period in enumerate(
            record.iterfind(f"{_R}Relationship/{_R}RelationshipPeriods/{_R}RelationshipPeriod"),
            start=1,
        ):
            column = f"{base}[{index}]"
            here = _Sub(where, period, column)
            start = self.day(here, "StartDate")
            end = self.day(here, "EndDate")
            kind = self.code(where, period, _R, "PeriodType", _PERIOD_TYPES, prefix=column)
            if start is not None and end is not None and end < start:
                self.problem(where, f"{column}/EndDate", f"{end} is before StartDate {start}")
                continue
            if kind is not None:
                found.append(_Period(start, end + _DAY if end is not None else None, kind))
        return found

    def quantifier(self, where: _Where, record: ET.Element) -> Share | None:
        """The consolidation percentage of the first quantifier, if any."""
        base = "Relationship/RelationshipQuantifiers/RelationshipQuantifier"
        share: Share | None = None
        for index, quantifier in enumerate(
            record.iterfind(
                f"{_R}Relationship/{_R}RelationshipQuantifiers/{_R}RelationshipQuantifier"
            ),
            start=1,
        ):
            column = f"{base}[{index}]"
            self.code(
                where, quantifier, _R, "MeasurementMethod", _MEASUREMENT_METHODS, prefix=column
            )
            self.code(where, quantifier, _R, "QuantifierUnits", _QUANTIFIER_UNITS, prefix=column)
            text = self.text(where, quantifier, _R, "QuantifierAmount", required=True,
                             prefix=column)  # fmt: skip
            if text is None:
                continue
            amount_column = f"{column}/QuantifierAmount"
            if not _NUMBER.match(text):
                self.problem(where, amount_column, f'"{text}" is not a number')
                continue
            amount = Decimal(text)
            if amount > HUNDRED:
                self.problem(where, amount_column, f"{amount} is not between 0 and 100")
                continue
            if share is None:
                share = Share.exact(amount)
        return share

    # ------------------------------------------------------------------ the stakes

    def stakes(self, links: list[_Link]) -> list[Stake]:
        """Direct links make stakes; an ultimate link only for a child with none."""
        directed = {link.child for link in links if link.kind == DIRECT}
        used = [link for link in links if link.kind == DIRECT or link.child not in directed]
        pieces: dict[tuple[str, str], list[tuple[_Span, _Link]]] = defaultdict(list)
        for link in used:
            for span in link.spans:
                pieces[(link.parent, link.child)].append((span, link))
        stakes: list[Stake] = []
        for (parent, child), found in pieces.items():
            found.sort(key=lambda item: (item[0].start or date.min, item[1].where.record))
            merged: list[tuple[_Span, _Link]] = []
            for span, link in found:
                if merged and _meets(merged[-1][0], span):
                    last_span, last = merged[-1]
                    if last.share == link.share:
                        merged[-1] = (_Span(last_span.start, _later(last_span.end, span.end)),
                                      last)  # fmt: skip
                        continue
                    if _overlaps(last_span, span):
                        self.problem(
                            link.where,
                            "Relationship/RelationshipPeriods",
                            f"the same relationship as record {last.where.record} (StartNode "
                            f"{child}, EndNode {parent}) for an overlapping period; give it once",
                        )
                        continue
                merged.append((span, link))
            stakes.extend(
                Stake(
                    parent, child, link.share, link.share, Period(span.start, span.end), Control.YES
                )
                for span, link in merged
            )
        return stakes

    # ------------------------------------------------------------------ fields

    def text(
        self,
        where: _Where,
        element: ET.Element,
        ns: str,
        path: str,
        *,
        required: bool = False,
        prefix: str | None = None,
    ) -> str | None:
        found = _find(element, _qualified(ns, path))
        if found is None:
            if required:
                self.problem(where, f"{prefix}/{path}" if prefix else path,
                             "required field is missing")  # fmt: skip
            return None
        text = (found.text or "").strip()
        if not text:
            self.problem(where, f"{prefix}/{path}" if prefix else path, "required field is empty")
            return None
        return text

    def code(
        self,
        where: _Where,
        element: ET.Element,
        ns: str,
        path: str,
        allowed: tuple[str, ...],
        *,
        prefix: str | None = None,
    ) -> str | None:
        value = self.text(where, element, ns, path, required=True, prefix=prefix)
        if value is not None and value not in allowed:
            column = f"{prefix}/{path}" if prefix else path
            self.problem(where, column, f'"{value}" is not one of {", ".join(allowed)}')
            return None
        return value

    def lei(
        self, where: _Where, element: ET.Element, ns: str, path: str, column: str
    ) -> str | None:
        value = self.text(where, element, ns, path, required=True)
        if value is None:
            return None
        if value in self.entities or _valid_lei(value):
            return value
        try:
            return fields.lei(value)  # the reason why not, or the LEI in its compact form
        except ValueError as error:
            self.problem(where, column, str(error))
            return None

    def day(self, here: _Sub, name: str) -> date | None:
        """The calendar day of a date-time as written: the offset names the local day."""
        value = self.text(here.where, here.element, _R, name, prefix=here.column)
        if value is None:
            return None
        match = _DATE_TIME.match(value)
        try:
            if match is None:
                raise ValueError
            if match[2] is not None:
                datetime.fromisoformat(f"{match[1]}T{match[2]}")
            return date.fromisoformat(match[1])
        except ValueError:
            self.problem(
                here.where,
                f"{here.column}/{name}",
                f'"{value}" is not a date (YYYY-MM-DD) or date-time',
            )
            return None


@dataclass(frozen=True, slots=True)
class _Sub:
    """An element inside a record, with the path problems name it by."""

    where: _Where
    element: ET.Element
    column: str


# --------------------------------------------------------------------------- time


def _spans(periods: list[_Period], ended: bool) -> tuple[_Span, ...]:
    """When the parent consolidates the child (docs/gleif.md, "Periods").

    The RELATIONSHIP_PERIODs, else the accounting periods from the first one's start,
    open-ended. An ended relationship (INACTIVE, or a RETIRED record) without an EndDate
    ends with its last accounting period; with none, no end is known and it is skipped.
    """
    relationship = [p for p in periods if p.kind == "RELATIONSHIP_PERIOD"]
    accounting = [p for p in periods if p.kind == "ACCOUNTING_PERIOD"]
    if relationship:
        spans = [_Span(p.start, p.end) for p in relationship]
    elif accounting:
        starts = [p.start for p in accounting]
        spans = [_Span(None if None in starts else min(s for s in starts if s), None)]
    else:
        spans = [_Span(None, None)]
    if ended:
        closing = max((p.end for p in accounting if p.end is not None), default=None)
        spans = [
            span if span.end is not None else _Span(span.start, closing)
            for span in spans
            if span.end is not None
            or (closing is not None and (span.start is None or span.start < closing))
        ]
    return tuple(spans)


def _meets(before: _Span, after: _Span) -> bool:
    """``after`` (starting no earlier) overlaps ``before`` or starts the day it ends."""
    return before.end is None or after.start is None or after.start <= before.end


def _overlaps(before: _Span, after: _Span) -> bool:
    return before.end is None or after.start is None or after.start < before.end


def _later(a: date | None, b: date | None) -> date | None:
    return None if a is None or b is None else max(a, b)


@cache
def _qualified(ns: str, path: str) -> tuple[str, ...]:
    """``Entity/LegalName`` → the tags ``{ns}Entity``, ``{ns}LegalName``."""
    return tuple(f"{ns}{part}" for part in path.split("/"))


def _find(element: ET.Element, tags: tuple[str, ...]) -> ET.Element | None:
    """The element at a path of tags; one step at a time, each a fast lookup in C (a path
    with "/" goes through the slower ``ElementPath``)."""
    found: ET.Element | None = element
    for tag in tags:
        if found is None:
            return None
        found = found.find(tag)
    return found


_LEI_FORM = re.compile(r"^[0-9A-Z]{18}[0-9]{2}$")
_LEI_DIGITS = str.maketrans({c: str(ord(c) - ord("A") + 10) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})


def _valid_lei(value: str) -> bool:
    """ISO 17442 (ISO 7064 MOD 97-10), as python-stdnum checks it, but fast: a golden copy
    names millions of LEIs. Anything this refuses goes to python-stdnum for the reason."""
    return bool(_LEI_FORM.match(value)) and int(value.translate(_LEI_DIGITS)) % 97 == 1


def _clark(tag: str) -> str:
    """A tag as messages show it: ``<{namespace}Name>``, or ``<Name>`` without one."""
    return f"<{tag}>"
