"""Types that request schemas share: dates and instants inside inhouse's date window.

A request field or query parameter declared ``Day`` (``Instant``) is a ``date``
(``datetime``) that FastAPI refuses with a 422 naming the field (``body.on``) when it
lies outside the configured window (:mod:`inhouse.dates`), before any service runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, TypeVar

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from inhouse.dates import check_day, check_instant

_T = TypeVar("_T")


def _in_window(check: Callable[[_T], _T]) -> Callable[[_T], _T]:
    def validate(value: _T) -> _T:
        try:
            return check(value)
        except ValueError as error:
            # The reason as it is (not "Value error, …"): the same words an import gives.
            raise PydanticCustomError("date_outside_window", str(error)) from None

    return validate


Day = Annotated[date, AfterValidator(_in_window(check_day))]
Instant = Annotated[datetime, AfterValidator(_in_window(check_instant))]
