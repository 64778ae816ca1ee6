"""Use cases of the groups context: the acts that the CLI and the API call.

For now the register comes from a dataset (folder, workbook or BODS file); the
database-backed unit of work plugs in here later without changing the callers.
"""

from __future__ import annotations

import base64
import gc
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import String
from sqlalchemy.exc import IntegrityError

from inhouse.clock import Clock
from inhouse.dataset import fields as parsers
from inhouse.dates import Period, parse_date
from inhouse.errors import (
    FieldErrors,
    FieldProblem,
    InhouseError,
    InvalidFields,
    InvalidRequest,
    UnknownParty,
)
from inhouse.groups.domain import Classification, EmploymentKind, Register, Share
from inhouse.groups.repository import TABLES
from inhouse.identity.domain import Actor, Permission
from inhouse.identity.services import Conflict, NotAllowed, NotFound, record, require

if TYPE_CHECKING:
    from inhouse.db.uow import UnitOfWork


def classify(*, register: Register, seller: str, buyer: str, on: date) -> Classification:
    """Who is ``buyer`` to ``seller`` on ``on``, and why."""
    return register.classify(seller, buyer, on)


@dataclass(frozen=True, slots=True)
class GroupPosition:
    """One entity's place in the group structure on a date, with its evidence."""

    entity: str
    name: str
    ultimate_parent: str
    controller: str | None
    effective_pct: Decimal
    nci_pct: Decimal
    uncertain: bool
    evidence: tuple[str, ...]


def group_structure(
    *, register: Register, on: date, group: str | None = None
) -> list[GroupPosition]:
    """Every entity (or one group's members) with ultimate parent, controller and interest."""
    snapshot = register.structure_on(on)
    positions: list[GroupPosition] = []
    for head, members in sorted(snapshot.members().items()):
        if group is not None and head != group:
            continue
        ownership = snapshot.ownership(head)
        for entity in members:
            membership = snapshot.membership(entity)
            owned = ownership[entity]
            evidence = membership.sentences()
            if owned.from_bands:
                evidence.append(
                    f"The effective interest in {entity} uses the midpoint of a share band"
                )
            positions.append(
                GroupPosition(
                    entity=entity,
                    name=register.entities[entity].name,
                    ultimate_parent=membership.ultimate_parent,
                    controller=membership.controller,
                    effective_pct=owned.effective_pct,
                    nci_pct=owned.nci_pct,
                    uncertain=membership.uncertain,
                    evidence=tuple(evidence),
                )
            )
    return positions


class RegisterCache:
    """The register as of the latest write, shared by requests; reloaded when data changed.

    Every write appends to the audit log, so the newest audit entry's id is the version
    of the stored data (see ``inhouse.db.version``); a caller that knows the version
    spares the lookup.
    """

    def __init__(self) -> None:
        self._version = -1
        self._register: Register | None = None
        self._lock = threading.Lock()

    def current(self, uow: UnitOfWork, version: int | None = None) -> Register:
        register = self._register
        if register is not None and version is not None and version == self._version:
            return register
        with self._lock, uow:
            if version is None:
                version = uow.identity.latest_audit_id()
            if self._register is None or version != self._version:
                register = uow.groups.load_register()
                register.timeline  # noqa: B018 (derive the structure over time now, once)
                self._register = register
                self._version = version
                # Millions of long-lived objects: keep them out of every later collection.
                gc.freeze()
            return self._register

    def ready(self, version: int) -> bool:
        """Whether answers need neither the database nor a sweep: lookups, on any day."""
        register = self._register
        return register is not None and version == self._version and register.has_timeline


@dataclass(frozen=True, slots=True)
class SaleQuestion:
    seller: str
    buyer: str
    on: date


def classify_stored(
    *,
    uow: UnitOfWork,
    cache: RegisterCache,
    questions: list[SaleQuestion],
    version: int | None = None,
) -> list[Classification]:
    """Classify against the database. Every bad question is named; then none is answered."""
    register = cache.current(uow, version)
    answers: list[Classification] = []
    problems: list[str] = []
    for index, question in enumerate(questions):
        try:
            answers.append(register.classify(question.seller, question.buyer, question.on))
        except InhouseError as error:
            problems.append(f"item {index}: {error}" if len(questions) > 1 else str(error))
    if problems:
        raise InvalidRequest("; ".join(problems[:50]))
    return answers


def structure_stored(
    *, uow: UnitOfWork, cache: RegisterCache, on: date, entity: str
) -> list[GroupPosition]:
    """The members of ``entity``'s group on ``on``, from the database."""
    register = cache.current(uow)
    if entity not in register.entities:
        raise UnknownParty(f"{entity} is not a known legal entity")
    group = register.structure_on(on).group_of(entity)
    return group_structure(register=register, on=on, group=group)


# =========================================================================== the records
#
# Creating, reading, changing, ending and listing entities, stakes, org units, persons
# and employments (the API's CRUD). Every act checks the whole request first and names
# every bad field at once (``InvalidFields``); then it checks what collides with stored
# records (``Clash``, ``Conflict``); then it writes, appends to the audit log in the same
# transaction, and commits. Nothing is deleted: dated records are ended with a day.

Row = dict[str, Any]
T = TypeVar("T")
P = Permission

MAX_PAGE = 1000
NOUN = {
    "entities": "entity",
    "stakes": "stake",
    "units": "org unit",
    "persons": "person",
    "employments": "employment",
}
_KIND_NOUN = {"entity": "entity", "unit": "org unit", "person": "person"}
_ARTICLE = {"entity": "an entity", "unit": "an org unit", "person": "a person"}
# A stake and an employment are identified by these columns (as by imports): one of each.
NATURAL_KEYS = {
    "stakes": ("holder", "entity", "valid_from"),
    "employments": ("person", "entity", "unit", "valid_from"),
}
ENTITY_FIELDS = ("name", "country", "currency", "lei", "vat_id", "line_of_business")
STAKE_FIELDS = ("voting", "equity", "valid_from", "valid_to", "control")
UNIT_FIELDS = ("name", "parent", "cost_centre")
PERSON_FIELDS = ("name", "email", "employee_no")
EMPLOYMENT_FIELDS = ("unit", "kind", "valid_from", "valid_to")


class Clash(FieldErrors, Conflict):
    """The request collides with a stored record: an id in use, a stake given twice."""


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list in key order; ``next_cursor`` fetches the next (``None``: the last)."""

    items: list[Row]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Ending:
    """What ending an entity, org unit or person did: the record, the day, the records written."""

    record: Row
    on: date
    stakes: list[Row]
    employments: list[Row]


class _Checks:
    """The problems found in one request's fields, raised together by ``done``."""

    def __init__(self, where: str = "body") -> None:
        self.where = where
        self.problems: list[FieldProblem] = []

    def fail(self, field: str, reason: str) -> None:
        self.problems.append(FieldProblem(field, reason))

    def parse(self, field: str, text: str, parser: Callable[[str], T]) -> T | None:
        try:
            return parser(text)
        except ValueError as error:
            self.fail(field, str(error))
            return None

    def done(self) -> None:
        if self.problems:
            raise InvalidFields(self.problems, where=self.where)


def _text(value: Any) -> str | None:
    """A field's text, stripped; empty text is no value (as an empty cell of a dataset)."""
    if value is None:
        return None
    return str(value).strip() or None


def _required(checks: _Checks, field: str, value: Any) -> str | None:
    text = _text(value)
    if text is None:
        checks.fail(field, "a value is required")
    return text


def _optional(checks: _Checks, field: str, value: Any, parser: Callable[[str], T]) -> T | None:
    text = _text(value)
    return None if text is None else checks.parse(field, text, parser)


def _share(text: str) -> str:
    """A share in its canonical dataset notation: ``060`` → ``60``, ``( 50 ,75]`` → ``(50,75]``."""
    return Share.parse(text).notation()


def _new_id(checks: _Checks, value: Any) -> str | None:
    party = _required(checks, "id", value)
    if party is not None and "/" in party:
        checks.fail("id", f'"{party}" has a "/"; ids are parts of addresses and have none')
        return None
    return party


def _refer(uow: UnitOfWork, checks: _Checks, field: str, value: Any, *kinds: str) -> str | None:
    """The id in ``value`` if it names a stored party of one of ``kinds``; else a problem."""
    party = _text(value)
    if party is None:
        return None
    kind = uow.groups.party_kind(party)
    if kind in kinds:
        return party
    if kind is None:
        wanted = " or ".join(_KIND_NOUN[k] for k in kinds)
        checks.fail(field, f'"{party}" is not a known {wanted}')
    else:
        wanted = " or ".join(_ARTICLE[k] for k in kinds)
        checks.fail(field, f'"{party}" is {_ARTICLE[kind]}, not {wanted}')
    return None


def _required_ref(
    uow: UnitOfWork, checks: _Checks, field: str, value: Any, *kinds: str
) -> str | None:
    if _required(checks, field, value) is None:
        return None
    return _refer(uow, checks, field, value, *kinds)


def _unit_of(
    uow: UnitOfWork, checks: _Checks, field: str, value: Any, entity: str | None
) -> str | None:
    """An org unit id that must belong to ``entity`` (unchecked when the entity is unknown)."""
    unit = _refer(uow, checks, field, value, "unit")
    if unit is None or entity is None:
        return unit
    stored = uow.groups.get("units", unit)
    owner = stored["entity"] if stored else None
    if owner != entity:
        checks.fail(field, f'"{unit}" is an org unit of {owner}, not of {entity}')
        return None
    return unit


def _period(checks: _Checks, given: Mapping[str, Any], row: Row) -> None:
    """Apply ``valid_from`` / ``valid_to`` of ``given`` to ``row``; the period must not be empty."""
    readable = True
    for field in ("valid_from", "valid_to"):
        if field in given:
            text = _text(given[field])
            day = None if text is None else checks.parse(field, text, parse_date)
            readable = readable and (day is not None or text is None)
            row[field] = day
    if readable:
        try:
            Period(row.get("valid_from"), row.get("valid_to"))
        except ValueError as error:
            checks.fail("valid_to" if "valid_to" in given else "valid_from", str(error))


def _existing(uow: UnitOfWork, resource: str, key: str | int) -> Row:
    row = uow.groups.get(resource, key)
    if row is None:
        raise NotFound(f"no {NOUN[resource]} {key}")
    return row


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _unknown_fields(checks: _Checks, changes: Mapping[str, Any], mutable: tuple[str, ...]) -> None:
    for field in changes:
        if field not in mutable:
            checks.fail(field, f"cannot be changed (what may change: {', '.join(mutable)})")


def _check_lengths(checks: _Checks, resource: str, row: Row) -> None:
    """Text no longer than its column (as an import checks it, in the same words)."""
    for column, value in row.items():
        kind = TABLES[resource].c[column].type
        limit = kind.length if isinstance(kind, String) else None
        if isinstance(value, str) and limit and len(value) > limit:
            checks.fail(column, f"{len(value)} characters; the database keeps at most {limit}")


def _check_natural_key(uow: UnitOfWork, resource: str, row: Row, own: int | None = None) -> None:
    """One stake per holder, entity and valid_from; one employment per person, entity, unit, valid_from."""
    columns = NATURAL_KEYS[resource]
    taken = [k for k in uow.groups.keys_where(resource, {c: row[c] for c in columns}) if k != own]
    if taken:
        noun = NOUN[resource]
        named = f"{', '.join(columns[:-1])} and {columns[-1]}"
        raise Clash(
            [
                FieldProblem(
                    "valid_from",
                    f"{noun} {taken[0]} has the same {named}; {_a(noun)} is identified by "
                    f"them: change or end {noun} {taken[0]} instead",
                )
            ]
        )


def _audit(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    action: str,
    resource: str,
    before: Row | None,
    after: Row | None,
) -> None:
    row = after if after is not None else before
    assert row is not None
    record(uow=uow, actor=actor, clock=clock, action=action, resource=resource,
           resource_id=str(row["id"]), before=before, after=after)  # fmt: skip


def _create_party(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    resource: str,
    party: Any,
    build: Callable[[_Checks], Row],
) -> Row:
    checks = _Checks()
    with uow:
        party_id = _new_id(checks, party)
        row = build(checks)
        _check_lengths(checks, resource, {"id": party_id, **row})
        checks.done()
        assert party_id is not None
        kind = uow.groups.party_kind(party_id)
        if kind is not None:
            raise Clash([FieldProblem("id", f'"{party_id}" is already used by {_ARTICLE[kind]}')])
        try:
            added = uow.groups.add(resource, {**row, "id": party_id})
        except IntegrityError:  # another request took the id since the check above
            raise Clash([FieldProblem("id", f'"{party_id}" was just taken')]) from None
        _audit(uow, actor, clock, "create", resource, None, added)
        uow.commit()
    return added


def _create_dated(
    uow: UnitOfWork, actor: Actor, clock: Clock, resource: str, build: Callable[[_Checks], Row]
) -> Row:
    checks = _Checks()
    with uow:
        row = build(checks)
        _check_lengths(checks, resource, row)
        checks.done()
        _check_natural_key(uow, resource, row)
        added = uow.groups.add(resource, row)
        _audit(uow, actor, clock, "create", resource, None, added)
        uow.commit()
    return added


def _change(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    resource: str,
    key: str | int,
    changes: Mapping[str, Any],
    mutable: tuple[str, ...],
    build: Callable[[_Checks, Mapping[str, Any], Row], Row],
) -> Row:
    """Apply the given fields; a change to the values already stored writes nothing."""
    checks = _Checks()
    _unknown_fields(checks, changes, mutable)
    given = {field: value for field, value in changes.items() if field in mutable}
    with uow:
        current = _existing(uow, resource, key)
        row = build(checks, given, current)
        _check_lengths(checks, resource, row)
        checks.done()
        changed = {column: value for column, value in row.items() if current[column] != value}
        if not changed:
            return current
        if resource in NATURAL_KEYS:
            _check_natural_key(uow, resource, row, own=current["id"])
        after = uow.groups.change(resource, key, changed)
        _audit(uow, actor, clock, "update", resource, current, after)
        uow.commit()
    return after


def _entity_values(checks: _Checks, given: Mapping[str, Any], current: Row) -> Row:
    """``current`` with the fields of ``given`` checked and applied."""
    row = dict(current)
    if "name" in given:
        row["name"] = _required(checks, "name", given["name"])
    if "line_of_business" in given:
        row["line_of_business"] = _text(given["line_of_business"])
    codes: tuple[tuple[str, Callable[[str], str]], ...] = (
        ("country", parsers.country_code),
        ("currency", parsers.currency_code),
        ("lei", parsers.lei),
    )
    for field, parser in codes:
        if field in given:
            row[field] = _optional(checks, field, given[field], parser)
    # A VAT ID is checked against the country: again when the country changes.
    if "vat_id" in given or ("country" in given and row.get("vat_id")):
        vat_id = partial(parsers.vat_id, country=row.get("country"))
        row["vat_id"] = _optional(checks, "vat_id", given.get("vat_id", row.get("vat_id")), vat_id)
    return row


def _stake_values(uow: UnitOfWork, checks: _Checks, given: Mapping[str, Any], current: Row) -> Row:
    row = dict(current)
    if "holder" in given:  # only when recording: holder and entity never change
        holder = _required_ref(uow, checks, "holder", given["holder"], "entity", "person")
        entity = _required_ref(uow, checks, "entity", given["entity"], "entity")
        if holder is not None and holder == entity:
            checks.fail("entity", f'"{entity}" cannot hold a stake in itself')
        row.update(holder=holder, entity=entity)
    if "voting" in given:
        voting = _required(checks, "voting", given["voting"])
        voting = None if voting is None else checks.parse("voting", voting, _share)
        # equity defaults to voting: it follows voting unless given or stored differently
        if "equity" not in given and row.get("equity") == row.get("voting"):
            row["equity"] = voting
        row["voting"] = voting
    if "equity" in given:
        equity = _optional(checks, "equity", given["equity"], _share)
        row["equity"] = equity if _text(given["equity"]) is not None else row.get("voting")
    if "control" in given:
        control = _optional(checks, "control", given["control"], parsers.control)
        row["control"] = control.value if control is not None else ""
    _period(checks, given, row)
    return row


def _unit_values(uow: UnitOfWork, checks: _Checks, given: Mapping[str, Any], current: Row) -> Row:
    row = dict(current)
    if "entity" in given:  # only when adding: an org unit stays in its entity
        row["entity"] = _required_ref(uow, checks, "entity", given["entity"], "entity")
    if "name" in given:
        row["name"] = _required(checks, "name", given["name"])
    if "cost_centre" in given:
        row["cost_centre"] = _text(given["cost_centre"])
    if "parent" in given:
        parent = _unit_of(uow, checks, "parent", given["parent"], row.get("entity"))
        if parent is not None and row.get("id") is not None:
            _check_tree(uow, checks, row["id"], parent, row["entity"])
        row["parent"] = parent
    return row


def _check_tree(uow: UnitOfWork, checks: _Checks, unit: str, parent: str, entity: str) -> None:
    """A new parent must not be the unit itself or below it: the units stay a tree."""
    uow.groups.lock("entities", entity)  # one change of an entity's tree at a time
    parents = uow.groups.unit_parents(entity)
    ring = [unit]
    above: str | None = parent
    while above is not None and above != unit and len(ring) <= len(parents):
        ring.append(above)
        above = parents.get(above)
    if above == unit:
        checks.fail("parent", f"the parents form a cycle: {' → '.join([*ring, unit])}")


def _person_values(checks: _Checks, given: Mapping[str, Any], current: Row) -> Row:
    row = dict(current)
    if "name" in given:
        row["name"] = _required(checks, "name", given["name"])
    if "email" in given:
        row["email"] = _optional(checks, "email", given["email"], parsers.email)
    if "employee_no" in given:
        row["employee_no"] = _text(given["employee_no"])
    return row


def _employment_values(
    uow: UnitOfWork, checks: _Checks, given: Mapping[str, Any], current: Row
) -> Row:
    row = dict(current)
    if "person" in given:  # only when hiring: person and entity never change
        row["person"] = _required_ref(uow, checks, "person", given["person"], "person")
        row["entity"] = _required_ref(uow, checks, "entity", given["entity"], "entity")
    if "unit" in given:
        row["unit"] = _unit_of(uow, checks, "unit", given["unit"], row.get("entity"))
    if "kind" in given:
        kind = _optional(checks, "kind", given["kind"], parsers.employment_kind)
        row["kind"] = (kind or EmploymentKind.EMPLOYEE).value
    _period(checks, given, row)
    return row


_NEW_ENTITY: Row = dict.fromkeys(ENTITY_FIELDS)
_NEW_STAKE: Row = {**dict.fromkeys(("holder", "entity", *STAKE_FIELDS)), "control": ""}
_NEW_UNIT: Row = dict.fromkeys(("entity", *UNIT_FIELDS))
_NEW_PERSON: Row = dict.fromkeys(PERSON_FIELDS)
_NEW_EMPLOYMENT: Row = {
    **dict.fromkeys(("person", "entity", *EMPLOYMENT_FIELDS)),
    "kind": "employee",
}


# --------------------------------------------------------------------------- reading


def _cursor(resource: str, key: str | int) -> str:
    text = json.dumps([resource, key], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _after(checks: _Checks, resource: str, cursor: str | None) -> str | int | None:
    """The last key of the previous page, from its opaque cursor."""
    if cursor is None:
        return None
    try:
        name, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if name == resource and type(key) is (int if resource in NATURAL_KEYS else str):
            return key
    except (ValueError, TypeError):
        pass
    checks.fail("cursor", f'"{cursor}" is not a cursor of this list (give next_cursor of a page)')
    return None


def _page(
    uow: UnitOfWork,
    resource: str,
    *,
    limit: int,
    cursor: str | None,
    on: str | None = None,
    filters: Mapping[str, Any] | None = None,
    only_ids: list[str] | None = None,
) -> Page:
    checks = _Checks(where="query")
    if not 1 <= limit <= MAX_PAGE:
        checks.fail("limit", f"{limit} is not between 1 and {MAX_PAGE}")
    after = _after(checks, resource, cursor)
    day = _optional(checks, "on", on, parse_date)
    checks.done()
    with uow:
        rows = uow.groups.page(resource, limit=limit + 1, after=after, on=day, filters=filters,
                               only_ids=only_ids)  # fmt: skip
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    return Page(rows, _cursor(resource, rows[-1]["id"]))


def _get(uow: UnitOfWork, resource: str, key: str | int) -> Row:
    with uow:
        return _existing(uow, resource, key)


def _require_people_reader(actor: Actor) -> None:
    if not (actor.may(P.READ_PEOPLE) or actor.may(P.READ_OWN_PERSON)):
        require(actor, P.READ_PEOPLE)


# --------------------------------------------------------------------------- ending


def _end_day(on: Any) -> date:
    checks = _Checks()
    text = _required(checks, "on", on)
    day = None if text is None else checks.parse("on", text, parse_date)
    checks.done()
    assert day is not None
    return day


def _end_record(
    uow: UnitOfWork, actor: Actor, clock: Clock, resource: str, current: Row, day: date
) -> Row:
    """Set ``valid_to`` to ``day``; ending again on the same day changes nothing."""
    noun = NOUN[resource]
    valid_from, valid_to = current["valid_from"], current["valid_to"]
    if valid_to == day:
        return current
    if valid_to is not None and valid_to < day:
        raise Clash([FieldProblem("on", f"the {noun} ended already on {valid_to}")])
    if valid_from is not None and valid_from >= day:
        raise InvalidFields([FieldProblem("on", f"{day} must be after valid_from {valid_from}")])
    after = uow.groups.change(resource, current["id"], {"valid_to": day})
    _audit(uow, actor, clock, "end", resource, current, after)
    return after


def _end_relations(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    party: str,
    day: date,
    where: Mapping[str, Mapping[str, list[str]]],
) -> dict[str, list[Row]]:
    """End every stake and employment of ``where`` that runs past ``day``, on ``day``."""
    found = {
        resource: uow.groups.ongoing(resource, after=day, where=w) for resource, w in where.items()
    }
    later = [
        f"{NOUN[resource]} {row['id']} starts on {row['valid_from']}"
        for resource, rows in found.items()
        for row in rows
        if row["valid_from"] is not None and row["valid_from"] >= day
    ]
    if later:
        raise Conflict(
            f"{party} cannot end on {day}: {', '.join(later)}; an ended record must have "
            "started before the end, so correct those first"
        )
    _require_writes(actor, party, found)
    return {
        resource: [_end_record(uow, actor, clock, resource, row, day) for row in rows]
        for resource, rows in found.items()
    }


_WRITES = {"stakes": P.WRITE_GROUP_STRUCTURE, "employments": P.WRITE_PEOPLE}


def _require_writes(actor: Actor, party: str, found: Mapping[str, list[Row]]) -> None:
    """Each record written needs its own permission: ending ABC also ends its employments."""
    for resource, rows in found.items():
        permission = _WRITES[resource]
        if rows and not actor.may(permission):
            count = f"{len(rows)} {NOUN[resource]}{'s' if len(rows) != 1 else ''}"
            raise NotAllowed(
                f"ending {party} also changes {count}, and the role {actor.role.value} "
                f"may not {permission.value}"
            )


def _end_party(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    resource: str,
    party: str,
    on: Any,
    where: Mapping[str, Mapping[str, list[str]]],
) -> Ending:
    day = _end_day(on)
    with uow:
        current = _existing(uow, resource, party)
        uow.groups.lock(resource, party)
        written = _end_relations(uow, actor, clock, party, day, where)
        _record_end(uow, actor, clock, resource, current, day)
        uow.commit()
    return Ending(current, day, written.get("stakes", []), written.get("employments", []))


def _record_end(
    uow: UnitOfWork, actor: Actor, clock: Clock, resource: str, current: Row, day: date
) -> None:
    """The act itself: entities, org units and persons have no validity of their own."""
    _audit(uow, actor, clock, "end", resource, current, {**current, "ended_on": day})


# --------------------------------------------------------------------------- entities


def register_entity(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    id: str,
    name: str,
    country: str | None = None,
    currency: str | None = None,
    lei: str | None = None,
    vat_id: str | None = None,
    line_of_business: str | None = None,
) -> Row:
    """A new legal entity; its id must not name any entity, org unit or person yet."""
    require(actor, P.WRITE_GROUP_STRUCTURE)
    given = {"name": name, "country": country, "currency": currency, "lei": lei,
             "vat_id": vat_id, "line_of_business": line_of_business}  # fmt: skip
    return _create_party(uow, actor, clock, "entities", id,
                         lambda checks: _entity_values(checks, given, _NEW_ENTITY))  # fmt: skip


def change_entity(
    *, uow: UnitOfWork, actor: Actor, clock: Clock, entity: str, changes: Mapping[str, Any]
) -> Row:
    """Change the given fields of an entity (``None`` clears an optional one); ids never change."""
    require(actor, P.WRITE_GROUP_STRUCTURE)
    return _change(uow, actor, clock, "entities", entity, changes, ENTITY_FIELDS, _entity_values)


def end_entity(*, uow: UnitOfWork, actor: Actor, clock: Clock, entity: str, on: str) -> Ending:
    """End an entity on ``on``: every stake it holds or that is held in it, and every
    employment at it, that runs past ``on`` ends on ``on``.

    Refused (nothing written) if such a record starts on or after ``on``. Ending its
    employments also needs ``WRITE_PEOPLE``. Ending again on the same day changes nothing.
    """
    require(actor, P.WRITE_GROUP_STRUCTURE)
    where = {"stakes": {"holder": [entity], "entity": [entity]},
             "employments": {"entity": [entity]}}  # fmt: skip
    return _end_party(uow, actor, clock, "entities", entity, on, where)


def get_entity(*, uow: UnitOfWork, actor: Actor, entity: str) -> Row:
    require(actor, P.READ_GROUP_STRUCTURE)
    return _get(uow, "entities", entity)


def list_entities(
    *, uow: UnitOfWork, actor: Actor, limit: int = 100, cursor: str | None = None
) -> Page:
    require(actor, P.READ_GROUP_STRUCTURE)
    return _page(uow, "entities", limit=limit, cursor=cursor)


# --------------------------------------------------------------------------- stakes


def record_stake(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    holder: str,
    entity: str,
    voting: str,
    equity: str | None = None,
    valid_from: str | None = None,
    valid_to: str | None = None,
    control: str | None = None,
) -> Row:
    """A stake of ``holder`` (entity or person) in ``entity``; ``equity`` defaults to ``voting``."""
    require(actor, P.WRITE_GROUP_STRUCTURE)
    given = {"holder": holder, "entity": entity, "voting": voting, "equity": equity,
             "valid_from": valid_from, "valid_to": valid_to, "control": control}  # fmt: skip
    return _create_dated(uow, actor, clock, "stakes",
                         lambda checks: _stake_values(uow, checks, given, _NEW_STAKE))  # fmt: skip


def change_stake(
    *, uow: UnitOfWork, actor: Actor, clock: Clock, stake: int, changes: Mapping[str, Any]
) -> Row:
    """Correct a stake's shares, validity or control; holder and entity never change.

    When ``voting`` changes and ``equity`` is not given, equity follows voting if the two
    were equal (equity defaults to voting).
    """
    require(actor, P.WRITE_GROUP_STRUCTURE)
    return _change(uow, actor, clock, "stakes", stake, changes, STAKE_FIELDS,
                   lambda checks, given, current: _stake_values(uow, checks, given, current))  # fmt: skip


def end_stake(*, uow: UnitOfWork, actor: Actor, clock: Clock, stake: int, on: str) -> Row:
    """Set the stake's ``valid_to`` to ``on`` (it is valid up to the day before)."""
    require(actor, P.WRITE_GROUP_STRUCTURE)
    day = _end_day(on)
    with uow:
        after = _end_record(uow, actor, clock, "stakes", _existing(uow, "stakes", stake), day)
        uow.commit()
    return after


def get_stake(*, uow: UnitOfWork, actor: Actor, stake: int) -> Row:
    require(actor, P.READ_GROUP_STRUCTURE)
    return _get(uow, "stakes", stake)


def list_stakes(
    *,
    uow: UnitOfWork,
    actor: Actor,
    limit: int = 100,
    cursor: str | None = None,
    on: str | None = None,
    holder: str | None = None,
    entity: str | None = None,
) -> Page:
    require(actor, P.READ_GROUP_STRUCTURE)
    return _page(uow, "stakes", limit=limit, cursor=cursor, on=on,
                 filters={"holder": holder, "entity": entity})  # fmt: skip


# --------------------------------------------------------------------------- org units


def add_unit(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    id: str,
    entity: str,
    name: str,
    parent: str | None = None,
    cost_centre: str | None = None,
) -> Row:
    """A new org unit of ``entity``, below ``parent`` (an org unit of the same entity)."""
    require(actor, P.WRITE_UNITS)
    given = {"entity": entity, "name": name, "parent": parent, "cost_centre": cost_centre}
    return _create_party(uow, actor, clock, "units", id,
                         lambda checks: _unit_values(uow, checks, given, _NEW_UNIT))  # fmt: skip


def change_unit(
    *, uow: UnitOfWork, actor: Actor, clock: Clock, unit: str, changes: Mapping[str, Any]
) -> Row:
    """Rename an org unit, move it below another parent of its entity, change its cost centre."""
    require(actor, P.WRITE_UNITS)
    return _change(uow, actor, clock, "units", unit, changes, UNIT_FIELDS,
                   lambda checks, given, current: _unit_values(uow, checks, given, current))  # fmt: skip


def end_unit(*, uow: UnitOfWork, actor: Actor, clock: Clock, unit: str, on: str) -> Ending:
    """Close an org unit and the units below it on ``on``; the people stay employed.

    Each employment in those units that runs past ``on`` ends on ``on`` and continues from
    ``on`` at the same entity without a unit (same person, kind and ``valid_to``); one that
    starts on or after ``on`` loses its unit. Changing employments needs ``WRITE_PEOPLE``.
    The units themselves stay (their ids are never reused), with their place in the tree.
    """
    require(actor, P.WRITE_UNITS)
    day = _end_day(on)
    written: list[Row] = []
    with uow:
        current = _existing(uow, "units", unit)
        uow.groups.lock("entities", current["entity"])
        closed = _subtree(uow.groups.unit_parents(current["entity"]), unit)
        rows = uow.groups.ongoing("employments", after=day, where={"unit": closed})
        _require_writes(actor, unit, {"employments": rows})
        for row in rows:
            if row["valid_from"] is not None and row["valid_from"] >= day:
                moved = {**row, "unit": None}
                _check_natural_key(uow, "employments", moved, own=row["id"])
                after = uow.groups.change("employments", row["id"], {"unit": None})
                _audit(uow, actor, clock, "update", "employments", row, after)
                written.append(after)
                continue
            written.append(_end_record(uow, actor, clock, "employments", row, day))
            rest = {k: row[k] for k in ("person", "entity", "kind", "valid_to")}
            rest.update(unit=None, valid_from=day)
            _check_natural_key(uow, "employments", rest)
            added = uow.groups.add("employments", rest)
            _audit(uow, actor, clock, "create", "employments", None, added)
            written.append(added)
        _record_end(uow, actor, clock, "units", current, day)
        uow.commit()
    return Ending(current, day, [], written)


def _subtree(parents: Mapping[str, str | None], root: str) -> list[str]:
    children: dict[str, list[str]] = {}
    for unit, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(unit)
    found = [root]
    for unit in found:  # grows while it is walked: breadth first
        found.extend(sorted(children.get(unit, ())))
    return found


def get_unit(*, uow: UnitOfWork, actor: Actor, unit: str) -> Row:
    require(actor, P.READ_GROUP_STRUCTURE)
    return _get(uow, "units", unit)


def list_units(
    *,
    uow: UnitOfWork,
    actor: Actor,
    limit: int = 100,
    cursor: str | None = None,
    entity: str | None = None,
    parent: str | None = None,
) -> Page:
    require(actor, P.READ_GROUP_STRUCTURE)
    return _page(uow, "units", limit=limit, cursor=cursor,
                 filters={"entity": entity, "parent": parent})  # fmt: skip


# --------------------------------------------------------------------------- persons


def register_person(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    id: str,
    name: str,
    email: str | None = None,
    employee_no: str | None = None,
) -> Row:
    """A new natural person; the id must not name any entity, org unit or person yet."""
    require(actor, P.WRITE_PEOPLE)
    given = {"name": name, "email": email, "employee_no": employee_no}
    return _create_party(uow, actor, clock, "persons", id,
                         lambda checks: _person_values(checks, given, _NEW_PERSON))  # fmt: skip


def change_person(
    *, uow: UnitOfWork, actor: Actor, clock: Clock, person: str, changes: Mapping[str, Any]
) -> Row:
    require(actor, P.WRITE_PEOPLE)
    return _change(uow, actor, clock, "persons", person, changes, PERSON_FIELDS, _person_values)


def end_person(*, uow: UnitOfWork, actor: Actor, clock: Clock, person: str, on: str) -> Ending:
    """A person leaves on ``on`` (the record stays): their employments and the stakes they
    hold that run past ``on`` end on ``on``.

    Refused (nothing written) if such a record starts on or after ``on``. Ending stakes
    also needs ``WRITE_GROUP_STRUCTURE``.
    """
    require(actor, P.WRITE_PEOPLE)
    where = {"stakes": {"holder": [person]}, "employments": {"person": [person]}}
    return _end_party(uow, actor, clock, "persons", person, on, where)


def get_person(*, uow: UnitOfWork, actor: Actor, person: str) -> Row:
    """A person; an employee sees only their own record (any other is "not found")."""
    _require_people_reader(actor)
    if not actor.may_see_person(person):
        raise NotFound(f"no person {person}")
    return _get(uow, "persons", person)


def list_persons(
    *, uow: UnitOfWork, actor: Actor, limit: int = 100, cursor: str | None = None
) -> Page:
    """Persons in id order; an employee's list holds only themselves."""
    _require_people_reader(actor)
    only = None if actor.may(P.READ_PEOPLE) else [actor.person] if actor.person else []
    return _page(uow, "persons", limit=limit, cursor=cursor, only_ids=only)


# --------------------------------------------------------------------------- employments


def hire(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    person: str,
    entity: str,
    unit: str | None = None,
    kind: str | None = None,
    valid_from: str | None = None,
    valid_to: str | None = None,
) -> Row:
    """Record an employment (``employee``, the default, or ``retiree``) of a person at an entity."""
    require(actor, P.WRITE_PEOPLE)
    given = {"person": person, "entity": entity, "unit": unit, "kind": kind,
             "valid_from": valid_from, "valid_to": valid_to}  # fmt: skip
    return _create_dated(uow, actor, clock, "employments",
                         lambda checks: _employment_values(uow, checks, given, _NEW_EMPLOYMENT))  # fmt: skip


def change_employment(
    *, uow: UnitOfWork, actor: Actor, clock: Clock, employment: int, changes: Mapping[str, Any]
) -> Row:
    """Correct an employment's unit, kind or validity; person and entity never change."""
    require(actor, P.WRITE_PEOPLE)
    return _change(uow, actor, clock, "employments", employment, changes, EMPLOYMENT_FIELDS,
                   lambda checks, given, current: _employment_values(uow, checks, given, current))  # fmt: skip


def end_employment(*, uow: UnitOfWork, actor: Actor, clock: Clock, employment: int, on: str) -> Row:
    """Set the employment's ``valid_to`` to ``on`` (the last day employed is the day before)."""
    require(actor, P.WRITE_PEOPLE)
    day = _end_day(on)
    with uow:
        current = _existing(uow, "employments", employment)
        after = _end_record(uow, actor, clock, "employments", current, day)
        uow.commit()
    return after


def get_employment(*, uow: UnitOfWork, actor: Actor, employment: int) -> Row:
    """An employment; an employee sees only their own (any other is "not found")."""
    _require_people_reader(actor)
    row = _get(uow, "employments", employment)
    if not actor.may_see_person(row["person"]):
        raise NotFound(f"no employment {employment}")
    return row


def list_employments(
    *,
    uow: UnitOfWork,
    actor: Actor,
    limit: int = 100,
    cursor: str | None = None,
    on: str | None = None,
    person: str | None = None,
    entity: str | None = None,
    unit: str | None = None,
) -> Page:
    """Employments in id order; an employee's list holds only their own."""
    _require_people_reader(actor)
    filters = {"person": person, "entity": entity, "unit": unit}
    only: list[str] | None = None
    if not actor.may(P.READ_PEOPLE):
        mine = actor.person
        if mine is None or person not in (None, mine):
            only = []  # nobody else's employments, not even whether there are any
        filters["person"] = mine
    return _page(uow, "employments", limit=limit, cursor=cursor, on=on, filters=filters,
                 only_ids=only)  # fmt: skip
