"""Use cases of the groups context: the acts that the CLI and the API call.

For now the register comes from a dataset (folder, workbook or BODS file); the
database-backed unit of work plugs in here later without changing the callers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from inhouse.errors import InhouseError, InvalidRequest, UnknownParty
from inhouse.groups.domain import Classification, Register

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

    Every write appends to the audit log, so the newest audit entry's id tells whether
    the cached register is still current (one indexed lookup per request).
    """

    def __init__(self) -> None:
        self._version = -1
        self._register: Register | None = None
        self._lock = threading.Lock()

    def current(self, uow: UnitOfWork) -> Register:
        version = uow.identity.latest_audit_id()
        register = self._register
        if register is not None and version == self._version:
            return register
        with self._lock:
            if self._register is None or version != self._version:
                self._register = uow.groups.load_register()
                self._version = version
            return self._register

    def clear(self) -> None:
        with self._lock:
            self._register = None
            self._version = -1


@dataclass(frozen=True, slots=True)
class SaleQuestion:
    seller: str
    buyer: str
    on: date


def classify_stored(
    *, uow: UnitOfWork, cache: RegisterCache, questions: list[SaleQuestion]
) -> list[Classification]:
    """Classify against the database. Every bad question is named; then none is answered."""
    with uow:
        register = cache.current(uow)
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
    with uow:
        register = cache.current(uow)
    if entity not in register.entities:
        raise UnknownParty(f"{entity} is not a known legal entity")
    group = register.structure_on(on).group_of(entity)
    return group_structure(register=register, on=on, group=group)
