"""Errors that the domain raises and the edges (CLI, API) turn into messages and exit codes."""

from __future__ import annotations


class InhouseError(Exception):
    """A domain error: the request cannot be answered as asked. Its message is for people."""


class UnknownParty(InhouseError):
    """An id that names no entity, unit or person of the dataset."""


class InvalidRequest(InhouseError):
    """A request that makes no sense, such as an entity selling to itself."""
