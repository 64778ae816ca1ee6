"""Numbers in JSON: every decimal as plain text, the one place that decides it.

``str(Decimal("4.8E+2"))`` is ``"4.8E+2"``, and that is what pydantic writes for a
``Decimal`` (values get such exponents from ``normalize()``, from arithmetic and from
input like ``"1E+1"``). Every JSON answer of the API and the command line writes
decimals with :func:`plain` instead: ``"480"``, ``"10"``, ``"0.0001"`` — the value's own
places, never an exponent. Amounts whose currency the code knows are brought to that
currency's places first (:func:`inhouse.money.money_places`: ``"480.00"`` in EUR).

* :data:`PlainDecimal` is ``Decimal`` for the wire shapes (``schemas.py``): it validates
  like ``Decimal`` and serialises to JSON with :func:`plain`.
* :data:`PlainJson` is ``Any`` for the wire shapes: whatever it holds is written with
  :func:`jsonable`, so decimals nested in free-form values are plain too.
* :func:`json_default` is the ``default`` of ``json.dumps`` (the command line's ``--json``).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from pydantic import PlainSerializer

__all__ = ["PlainDecimal", "PlainJson", "json_default", "jsonable", "plain"]


def plain(value: Decimal) -> str:
    """``Decimal("4.8E+2")`` → ``"480"``, ``Decimal("480.00")`` → ``"480.00"``,
    ``Decimal("1E-7")`` → ``"0.0000001"``: fixed-point with the value's own places."""
    return format(value, "f")


def jsonable(value: Any) -> Any:
    """``value`` with every ``Decimal`` inside it (in dicts, lists, tuples) as plain text."""
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def json_default(value: Any) -> Any:
    """For ``json.dumps(..., default=json_default)``: decimals plain, dates ISO, enums by value."""
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return str(value)


PlainDecimal = Annotated[Decimal, PlainSerializer(plain, return_type=str, when_used="json")]
"""A ``Decimal`` that JSON gets as plain text (``"480.00"``, never ``"4.8E+2"``)."""

PlainJson = Annotated[Any, PlainSerializer(jsonable, when_used="json")]
"""Any JSON-able value whose decimals JSON gets as plain text."""
