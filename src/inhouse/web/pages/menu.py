"""The navigation: one entry per page area, shown to the roles that may open it.

A context adds its pages with :func:`add` (in its ``web/pages`` module, at import), e.g.
``add("/orders", N_(…), Permission.READ_ORDERS)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from inhouse.identity.domain import Actor, Permission


@dataclass(frozen=True, slots=True)
class MenuEntry:
    path: str
    label: str  # an English message; translated when shown
    allowed: Callable[[Actor], bool]
    order: int


MENU: list[MenuEntry] = []


def add(path: str, label: str, *permissions: Permission, order: int = 100,
        allowed: Callable[[Actor], bool] | None = None) -> None:  # fmt: skip
    """A menu entry for users whose role grants any of ``permissions`` (or ``allowed``)."""

    def any_of(actor: Actor) -> bool:
        return not permissions or any(actor.may(p) for p in permissions)

    if any(entry.path == path for entry in MENU):
        return
    MENU.append(MenuEntry(path, label, allowed or any_of, order))
    MENU.sort(key=lambda entry: entry.order)


def entries_for(actor: Actor) -> list[MenuEntry]:
    return [entry for entry in MENU if entry.allowed(actor)]
