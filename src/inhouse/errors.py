"""Errors that the domain raises and the edges (CLI, API) turn into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


class InhouseError(Exception):
    """A domain error: the request cannot be answered as asked. Its message is for people."""


class UnknownParty(InhouseError):
    """An id that names no entity, unit or person of the dataset."""


class InvalidRequest(InhouseError):
    """A request that makes no sense, such as an entity selling to itself."""


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One field of a request that is wrong: ``FieldProblem("voting", '"(50,75" is not a share')``.

    ``field`` is a dotted path inside the request's ``where`` (``body``, ``query``).
    """

    field: str
    reason: str


class FieldErrors(InhouseError):
    """An error that names the request fields at fault; the API lists them in ``errors``."""

    def __init__(self, problems: list[FieldProblem], *, where: str = "body") -> None:
        self.problems = problems
        self.where = where
        super().__init__("; ".join(f"{p.field}: {p.reason}" for p in problems))


class InvalidFields(FieldErrors, InvalidRequest):
    """Fields that are malformed or refer to nothing known; nothing was written."""
