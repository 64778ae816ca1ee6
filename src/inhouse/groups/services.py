"""Use cases of the groups context: the acts that the CLI and the API call.

For now the register comes from a dataset (folder, workbook or BODS file); the
database-backed unit of work plugs in here later without changing the callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from inhouse.groups.domain import Classification, Register


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


def group_structure(*, register: Register, on: date) -> list[GroupPosition]:
    """Every entity with its ultimate parent, controller and the parent's effective interest."""
    snapshot = register.structure_on(on)
    positions: list[GroupPosition] = []
    for group, members in sorted(snapshot.members().items()):
        ownership = snapshot.ownership(group)
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
