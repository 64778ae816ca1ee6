"""Read a BODS 0.4 file (Beneficial Ownership Data Standard) into a ``Register``.

Entity and person records become entities and persons, relationship records become
stakes. Statements about the same record are changes over time: they are applied in
the order of their ``statementDate``. What every field maps to, what is ignored and
why, is written down in ``docs/bods.md``; keep the two in step.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from stdnum import lei as lei_number

from inhouse.dataset.errors import DatasetError, Problem
from inhouse.dates import Period, check_day, parse_date
from inhouse.groups.domain import HUNDRED, ZERO, Control, Entity, Person, Register, Share, Stake

__all__ = [
    "CONTROL_INTERESTS",
    "EQUITY_INTERESTS",
    "INTEREST_TYPES",
    "VOTING_INTERESTS",
    "read_bods",
]

EQUITY_INTERESTS = frozenset({"shareholding"})
VOTING_INTERESTS = frozenset({"votingRights"})
# Rights that decide over the subject without votes (HGB § 290 (2) no. 2-3, IFRS 10 B15):
# board appointment, articles, statute, and the nominator on whose behalf a nominee acts.
CONTROL_INTERESTS = frozenset(
    {
        "appointmentOfBoard",
        "otherInfluenceOrControl",
        "controlViaCompanyRulesOrArticles",
        "controlByLegalFramework",
        "nominator",
    }
)
# The rest of the closed BODS 0.4 codelist: read, checked, and turned into no stake.
OTHER_INTERESTS = frozenset(
    {
        "seniorManagingOfficial",
        "settlor",
        "trustee",
        "protector",
        "beneficiaryOfLegalArrangement",
        "rightsToSurplusAssetsOnDissolution",
        "rightsToProfitOrIncome",
        "rightsGrantedByContract",
        "conditionalRightsGrantedByContract",
        "boardMember",
        "boardChair",
        "unknownInterest",
        "unpublishedInterest",
        "enjoymentAndUseOfAssets",
        "rightToProfitOrIncomeFromAssets",
        "nominee",
    }
)
INTEREST_TYPES = EQUITY_INTERESTS | VOTING_INTERESTS | CONTROL_INTERESTS | OTHER_INTERESTS

_RECORD_TYPES = ("entity", "person", "relationship")
_RECORD_STATUSES = ("new", "updated", "closed")
_DIRECTNESS = ("direct", "indirect", "unknown")
_NAME_PREFERENCE = ("individual", "legal", None)
_SHARE_KEYS = ("exact", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
# ISO 3166-1 alpha-2, optionally followed by an ISO 3166-2 subdivision (US-DE).
_JURISDICTION = re.compile(r"^([A-Za-z]{2})(?:-[A-Za-z0-9]{1,3})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\S+$")

_Kind = Literal["voting", "equity", "control"]


def read_bods(path: Path) -> Register:
    """The register of a BODS 0.4 file: a JSON array of statements, or JSON Lines.

    Raise ``DatasetError`` listing every problem (file, statement position, field path,
    reason) if anything is wrong; nothing is returned then.
    """
    reader = _Reader(path.name)
    rows = reader.load(path)
    statements = [s for row, raw in rows if (s := reader.statement(row, raw)) is not None]
    register = reader.register(statements)
    if reader.problems:
        raise DatasetError(sorted(reader.problems, key=lambda p: p.row or 0))
    return register


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class _Statement:
    row: int
    record_id: str
    record_type: str
    status: str
    moment: datetime  # orders statements of one record; ties keep the file order
    day: date  # the date part of statementDate: when a closed record's interests end
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Segment:
    """One interest of a relationship as a half-open stretch of time."""

    holder: str
    entity: str
    kind: _Kind
    share: Share | None
    start: date | None
    end: date | None
    rank: tuple[int, date]  # a later statement, then a later start, wins an overlap

    def until(self, day: date) -> _Segment | None:
        if self.start is not None and self.start >= day:
            return None
        if self.end is not None and self.end <= day:
            return self
        return replace(self, end=day)

    def since(self, day: date) -> _Segment | None:
        if self.start is not None and self.start >= day:
            return self
        if self.end is not None and self.end <= day:
            return None
        return replace(self, start=day)

    def covers(self, low: date | None, high: date | None) -> bool:
        starts_before = self.start is None or (low is not None and self.start <= low)
        ends_after = self.end is None or (high is not None and high <= self.end)
        return starts_before and ends_after


@dataclass(frozen=True, slots=True)
class _Claim:
    """What one relationship statement says; no segments when the parties are unspecified."""

    statement: _Statement
    segments: tuple[_Segment, ...]


@dataclass(frozen=True, slots=True)
class _Terms:
    voting: Share
    equity: Share
    control: Control


# --------------------------------------------------------------------------- reader


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, row: int | None, column: str | None, reason: str) -> None:
        self.problems.append(Problem(self.file, row, column, reason))

    def fail(self, reason: str) -> DatasetError:
        return DatasetError([Problem(self.file, None, None, reason)])

    # ------------------------------------------------------------------ the file

    def load(self, path: Path) -> list[tuple[int, object]]:
        """The statements with their positions; a file that is not JSON at all fails here."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise self.fail("not UTF-8 text") from None
        except OSError as err:
            raise self.fail(f"cannot be read: {err.strerror or err}") from None
        if not text.strip():
            raise self.fail("empty; a BODS file holds a JSON array of statements")
        try:
            data = _parse_json(text)
        except ValueError as err:
            if text.lstrip().startswith("["):
                raise self.fail(_json_error(err)) from None
            return self._json_lines(text)
        if isinstance(data, list):
            return list(enumerate(data, start=1))
        if isinstance(data, dict):
            return [(1, data)]
        raise self.fail("not a JSON array of statements")

    def _json_lines(self, text: str) -> list[tuple[int, object]]:
        rows: list[tuple[int, object]] = []
        position = 0
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            position += 1
            try:
                rows.append((position, _parse_json(line)))
            except ValueError as err:
                self.problem(position, None, _json_error(err, line=number))
        if self.problems:
            raise DatasetError(self.problems)
        return rows

    # ------------------------------------------------------------------ statements

    def statement(self, row: int, raw: object) -> _Statement | None:
        if not isinstance(raw, dict):
            self.problem(row, None, f"a statement is a JSON object, not {_json_kind(raw)}")
            return None
        record_id = self.text(row, raw, "recordId", "recordId", required=True)
        record_type = self.code(row, raw, "recordType", "recordType", _RECORD_TYPES)
        status = self.code(row, raw, "recordStatus", "recordStatus", _RECORD_STATUSES) or "new"
        when = self.statement_date(row, raw.get("statementDate"))
        details = raw.get("recordDetails")
        if details is None:
            self.problem(row, "recordDetails", "required field is missing")
        elif not isinstance(details, dict):
            self.problem(row, "recordDetails", f"not a JSON object but {_json_kind(details)}")
        if not (record_id and record_type and when and isinstance(details, dict)):
            return None
        return _Statement(row, record_id, record_type, status, when[0], when[1], details)

    def statement_date(self, row: int, value: object) -> tuple[datetime, date] | None:
        if value is None:
            self.problem(row, "statementDate", "required field is missing")
            return None
        if isinstance(value, str):
            try:
                if _DATE.match(value):
                    day = date.fromisoformat(value)
                    when = datetime(day.year, day.month, day.day)
                elif _DATE_TIME.match(value):
                    when = datetime.fromisoformat(value)
                    day = date.fromisoformat(value[:10])
                else:
                    raise ValueError
            except ValueError:
                pass
            else:
                try:
                    check_day(day)
                except ValueError as error:
                    self.problem(row, "statementDate", str(error))
                    return None
                if when.tzinfo is not None:
                    when = when.astimezone(UTC).replace(tzinfo=None)
                return when, day
        self.problem(
            row, "statementDate", f"{_show(value)} is not a date (YYYY-MM-DD) or date-time"
        )
        return None

    # ------------------------------------------------------------------ the register

    def register(self, statements: list[_Statement]) -> Register:
        ordered = sorted(statements, key=lambda s: (s.moment, s.row))
        by_record: dict[str, list[_Statement]] = defaultdict(list)
        kinds: dict[str, _Statement] = {}
        for statement in sorted(statements, key=lambda s: s.row):
            first = kinds.setdefault(statement.record_id, statement)
            if first.record_type != statement.record_type:
                self.problem(
                    statement.row,
                    "recordType",
                    f'record "{statement.record_id}" is {_a(first.record_type)} record '
                    f"(row {first.row}), not {_a(statement.record_type)} record",
                )
        for statement in ordered:
            if kinds[statement.record_id].record_type == statement.record_type:
                by_record[statement.record_id].append(statement)
        record_types = {rid: s.record_type for rid, s in kinds.items()}
        rank = {statement.row: seq for seq, statement in enumerate(ordered)}

        entities: list[Entity] = []
        persons: list[Person] = []
        claims: dict[str, list[_Claim]] = {}
        for record_id, history in by_record.items():
            kind = record_types[record_id]
            # Older statements are checked too (the file is rejected whole); the latest wins.
            if kind == "entity":
                entities.append([self.entity(s) for s in history][-1])
            elif kind == "person":
                persons.append([self.person(s) for s in history][-1])
            else:
                claims[record_id] = [self.claim(s, record_types, rank[s.row]) for s in history]
        segments = [seg for history in claims.values() for seg in _timeline(history)]
        first_row = {rid: min(s.row for s in history) for rid, history in by_record.items()}
        return Register(
            entities=sorted(entities, key=lambda e: first_row[e.id]),
            persons=sorted(persons, key=lambda p: first_row[p.id]),
            stakes=_stakes(segments),
        )

    # ------------------------------------------------------------------ parties

    def entity(self, statement: _Statement) -> Entity:
        row, details = statement.row, statement.details
        name = self.text(row, details, "name", "recordDetails.name")
        name = name.strip() if name else statement.record_id
        country = None
        jurisdiction = details.get("jurisdiction")
        if jurisdiction is not None:
            if isinstance(jurisdiction, dict):
                code = self.text(row, jurisdiction, "code", "recordDetails.jurisdiction.code")
                match = _JURISDICTION.match(code or "")
                country = match.group(1).upper() if match else None
            else:
                self.problem(
                    row,
                    "recordDetails.jurisdiction",
                    f"not an object but {_json_kind(jurisdiction)}",
                )
        return Entity(
            id=statement.record_id, name=name, country=country, lei=self.lei(row, details)
        )

    def lei(self, row: int, details: dict[str, Any]) -> str | None:
        found: str | None = None
        for index, identifier in self.items(
            row, details, "identifiers", "recordDetails.identifiers"
        ):
            path = f"recordDetails.identifiers[{index}]"
            if identifier.get("scheme") != "XI-LEI":
                continue
            value = self.text(row, identifier, "id", f"{path}.id", required=True)
            if value is None:
                continue
            if not lei_number.is_valid(value):
                self.problem(row, f"{path}.id", f'"{value}" is not a valid LEI')
            elif found is None:
                found = lei_number.compact(value)
        return found

    def person(self, statement: _Statement) -> Person:
        row = statement.row
        named: dict[str | None, list[str]] = defaultdict(list)
        for index, name in self.items(row, statement.details, "names", "recordDetails.names"):
            path = f"recordDetails.names[{index}]"
            kind = self.text(row, name, "type", f"{path}.type")
            full = self.text(row, name, "fullName", f"{path}.fullName")
            given = self.text(row, name, "givenName", f"{path}.givenName")
            family = self.text(row, name, "familyName", f"{path}.familyName")
            words = (full or " ".join(w.strip() for w in (given, family) if w)).strip()
            if words:
                named[kind].append(words)
        preferred = [*_NAME_PREFERENCE, *(k for k in named if k not in _NAME_PREFERENCE)]
        choice = next((named[k][0] for k in preferred if named.get(k)), statement.record_id)
        return Person(id=statement.record_id, name=choice)

    # ------------------------------------------------------------------ relationships

    def claim(self, statement: _Statement, record_types: dict[str, str], seq: int) -> _Claim:
        row, details = statement.row, statement.details
        subject = self.party(row, details, "subject", record_types, ("entity",))
        holder = self.party(row, details, "interestedParty", record_types, ("entity", "person"))
        if subject is not None and subject == holder:
            self.problem(
                row, "recordDetails.interestedParty", f'"{holder}" cannot hold a stake in itself'
            )
        # A record listing the links of a chain summarises them: counting its interests of
        # unknown directness as well would add the chain's votes twice.
        components = details.get("componentRecords")
        summarises_chain = isinstance(components, list) and bool(components)
        segments: list[_Segment] = []
        for index, interest in self.items(row, details, "interests", "recordDetails.interests"):
            path = f"recordDetails.interests[{index}]"
            found = self.interest(row, interest, path, summarises_chain)
            if found is None or subject is None or holder is None or subject == holder:
                continue
            kind, share, start, end = found
            rank = (seq, start or date.min)
            segments.append(_Segment(holder, subject, kind, share, start, end, rank))
        return _Claim(statement, tuple(segments))

    def party(
        self,
        row: int,
        details: dict[str, Any],
        key: str,
        record_types: dict[str, str],
        allowed: tuple[str, ...],
    ) -> str | None:
        """The recordId named by ``key``, or ``None`` when it is an unspecified record."""
        column = f"recordDetails.{key}"
        value = details.get(key)
        if value is None:
            self.problem(row, column, "required field is missing")
            return None
        if isinstance(value, dict):
            return None  # an unspecified party (exempt, unknown, …): nobody to give a stake to
        if not isinstance(value, str):
            self.problem(row, column, f"not a recordId but {_json_kind(value)}")
            return None
        kind = record_types.get(value)
        wanted = " or ".join(allowed)
        if kind is None:
            self.problem(row, column, f'"{value}" is not the recordId of any {wanted} in the file')
            return None
        if kind not in allowed:
            self.problem(row, column, f'"{value}" is {_a(kind)} record, not {_a(wanted)}')
            return None
        return value

    def interest(
        self, row: int, interest: dict[str, Any], path: str, summarises_chain: bool
    ) -> tuple[_Kind, Share | None, date | None, date | None] | None:
        """A stake-making interest as (kind, share, start, end); ``None`` for any other."""
        kind = self.code(row, interest, "type", f"{path}.type", INTEREST_TYPES, "interest type")
        directness = self.code(
            row, interest, "directOrIndirect", f"{path}.directOrIndirect", _DIRECTNESS
        )
        share = None
        if "share" in interest:
            share = self.share(row, interest["share"], f"{path}.share")
        start = self.date(row, interest, "startDate", f"{path}.startDate")
        end = self.date(row, interest, "endDate", f"{path}.endDate")
        if start is not None and end is not None and end <= start:
            self.problem(row, f"{path}.endDate", f"{end} is not after startDate {start}")
            return None
        if directness == "indirect" or (directness != "direct" and summarises_chain):
            return None
        if kind in VOTING_INTERESTS:
            return "voting", share, start, end
        if kind in EQUITY_INTERESTS:
            return "equity", share, start, end
        if kind in CONTROL_INTERESTS:
            return "control", None, start, end
        return None

    def share(self, row: int, raw: object, path: str) -> Share | None:
        if not isinstance(raw, dict):
            self.problem(row, path, f"not an object but {_json_kind(raw)}")
            return None
        values: dict[str, Decimal] = {}
        for key in _SHARE_KEYS:
            value = raw.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | Decimal):
                self.problem(row, f"{path}.{key}", f"{_show(value)} is not a number")
            elif not ZERO <= value <= HUNDRED:
                self.problem(row, f"{path}.{key}", f"{value} is not between 0 and 100")
            else:
                values[key] = Decimal(value)
        if len(values) < sum(raw.get(k) is not None for k in _SHARE_KEYS):
            return None
        if "exact" in values:
            return Share.exact(values["exact"])
        for inclusive, exclusive in (
            ("minimum", "exclusiveMinimum"),
            ("maximum", "exclusiveMaximum"),
        ):
            if inclusive in values and exclusive in values:
                self.problem(
                    row, f"{path}.{exclusive}", f"give {inclusive} or {exclusive}, not both"
                )
                return None
        low = values.get("minimum", values.get("exclusiveMinimum", ZERO))
        high = values.get("maximum", values.get("exclusiveMaximum", HUNDRED))
        low_open, high_open = "exclusiveMinimum" in values, "exclusiveMaximum" in values
        if low > high:
            self.problem(row, path, f"the lower bound {low} is above the upper bound {high}")
            return None
        if low == high and (low_open or high_open):
            band = f"{'(' if low_open else '['}{low},{high}{')' if high_open else ']'}"
            self.problem(row, path, f"the band {band} is empty")
            return None
        return Share(low, high, low_open=low_open, high_open=high_open)

    # ------------------------------------------------------------------ fields

    def text(
        self, row: int, obj: dict[str, Any], key: str, column: str, *, required: bool = False
    ) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.problem(row, column, "required field is missing")
            return None
        if not isinstance(value, str):
            self.problem(row, column, f"not text but {_json_kind(value)}")
            return None
        if not value.strip():
            if required:
                self.problem(row, column, "required field is empty")
            return None
        return value

    def code(
        self,
        row: int,
        obj: dict[str, Any],
        key: str,
        column: str,
        allowed: Iterable[str],
        codelist: str | None = None,
    ) -> str | None:
        value = self.text(row, obj, key, column, required=key == "recordType")
        if value is not None and value not in allowed:
            known = f"a BODS 0.4 {codelist}" if codelist else f"one of {', '.join(allowed)}"
            self.problem(row, column, f'"{value}" is not {known}')
            return None
        return value

    def date(self, row: int, obj: dict[str, Any], key: str, column: str) -> date | None:
        value = self.text(row, obj, key, column)
        if value is None:
            return None
        try:
            return parse_date(value)
        except ValueError as err:
            self.problem(row, column, str(err))
            return None

    def items(
        self, row: int, obj: dict[str, Any], key: str, column: str
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """The objects of an optional array field, with their index; others are problems."""
        value = obj.get(key)
        if value is None:
            return
        if not isinstance(value, list):
            self.problem(row, column, f"not an array but {_json_kind(value)}")
            return
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item
            else:
                self.problem(row, f"{column}[{index}]", f"not an object but {_json_kind(item)}")


# --------------------------------------------------------------------------- time


def _timeline(history: list[_Claim]) -> list[_Segment]:
    """The interests of one relationship record after applying its statements in order.

    A later statement replaces the earlier interests from the day its own interests
    change things. A startDate after the previous statement is such a day. A startDate
    on or before it only repeats when the holding began (the previous statement, made
    later, still said otherwise), so the change counts from the interest's endDate if
    that comes first, else from the new statement's date. A closed record ends on its
    statementDate.
    """
    current: list[_Segment] = []
    previous: date | None = None
    for claim in history:
        day = claim.statement.day
        new = list(claim.segments)
        if previous is not None:
            cutoff = min((_change_day(s, previous, day) for s in new), default=day)
            current = _kept(s.until(cutoff) for s in current)
            new = _kept(s.since(cutoff) for s in new)
        current.extend(new)
        if claim.statement.status == "closed":
            current = _kept(s.until(day) for s in current)
        previous = day
    return current


def _change_day(segment: _Segment, previous: date, day: date) -> date:
    if segment.start is not None and segment.start > previous:
        return segment.start
    if segment.end is not None:
        return min(segment.end, day)
    return day


def _kept(segments: Iterable[_Segment | None]) -> list[_Segment]:
    return [s for s in segments if s is not None]


def _stakes(segments: list[_Segment]) -> list[Stake]:
    """One stake per holder and entity for each stretch of time with the same terms."""
    by_pair: dict[tuple[str, str], list[_Segment]] = defaultdict(list)
    for segment in sorted(segments, key=lambda s: s.rank):
        by_pair[(segment.holder, segment.entity)].append(segment)
    stakes: list[Stake] = []
    for (holder, entity), found in by_pair.items():
        days = sorted({d for s in found for d in (s.start, s.end) if d is not None})
        edges: list[date | None] = [None, *days, None]
        pieces: list[tuple[date | None, date | None, _Terms]] = []
        for low, high in pairwise(edges):
            terms = _terms([s for s in found if s.covers(low, high)])
            if terms is None:
                continue
            if pieces and pieces[-1][1] == low and pieces[-1][2] == terms:
                pieces[-1] = (pieces[-1][0], high, terms)
            else:
                pieces.append((low, high, terms))
        stakes.extend(
            Stake(holder, entity, t.voting, t.equity, Period(low, high), t.control)
            for low, high, t in pieces
        )
    return stakes


def _terms(covering: list[_Segment]) -> _Terms | None:
    """Votes, equity and control on one stretch; the latest segment of each kind wins."""
    latest: dict[_Kind, _Segment] = {s.kind: s for s in covering}  # sorted by rank
    control = Control.YES if "control" in latest else Control.DERIVED
    voting, equity = _share_of(latest.get("voting")), _share_of(latest.get("equity"))
    # Registers often publish only one of the two; the other is then taken to be the same.
    voting, equity = (
        voting if voting is not None else equity,
        equity if equity is not None else voting,
    )
    if voting is None or equity is None:
        return _Terms(Share.exact(0), Share.exact(0), control) if control is Control.YES else None
    return _Terms(voting, equity, control)


def _share_of(segment: _Segment | None) -> Share | None:
    if segment is None:
        return None
    # An interest without a share is a holding of unknown size: anything from 0 to 100 %.
    return segment.share if segment.share is not None else Share(ZERO, HUNDRED)


# --------------------------------------------------------------------------- JSON


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number JSON allows")


def _parse_json(text: str) -> object:
    # Decimal, never float: shares such as 76.5 stay exact.
    return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)


def _json_error(err: ValueError, line: int | None = None) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f"not valid JSON: {err.msg} (line {line or err.lineno}, column {err.colno})"
    return f"not valid JSON: {err}"


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return f'the text "{value}"'
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return f"the number {value}"


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else _json_kind(value)
