"""Half-open validity periods (valid on ``valid_from <= d < valid_to``), and the window of
dates inhouse accepts at all.

Every date that comes in (a request field or query parameter, a command-line option, a
cell of an imported dataset) is checked against one :class:`DateWindow`, by default
1900-01-01 to 2199-12-31 inclusive (``INHOUSE_EARLIEST_DATE``, ``INHOUSE_LATEST_DATE``).
A date outside it is almost always a typo (``2400-01-01``, a stake "valid to
2999-12-31"), and answering for it would make the SLA clocks and explanations walk
centuries; an open end (empty ``valid_to``) says "until further notice" instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Period:
    """A validity period; ``None`` at either end means open ("since always", "until further notice")."""

    valid_from: date | None = None
    valid_to: date | None = None

    def __post_init__(self) -> None:
        if (
            self.valid_from is not None
            and self.valid_to is not None
            and self.valid_to <= self.valid_from
        ):
            raise ValueError(f"valid_to {self.valid_to} must be after valid_from {self.valid_from}")

    def contains(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day < self.valid_to

    def describe(self) -> str:
        """Words for evidence, e.g. ``since 2019-01-01`` or ``2019-01-01 until 2021-06-30``."""
        if self.valid_from is None and self.valid_to is None:
            return ""
        if self.valid_to is None:
            return f"since {self.valid_from}"
        if self.valid_from is None:
            return f"until {self.valid_to}"
        return f"since {self.valid_from}, until {self.valid_to}"

    def boundaries(self) -> tuple[date, ...]:
        """The days on which this period starts or stops counting."""
        return tuple(d for d in (self.valid_from, self.valid_to) if d is not None)


EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


@dataclass(frozen=True, slots=True)
class DateWindow:
    """The first and the last day (both inclusive) that inhouse accepts."""

    earliest: date = EARLIEST_DATE
    latest: date = LATEST_DATE

    def __post_init__(self) -> None:
        if self.latest < self.earliest:
            raise ValueError(
                f"the latest date {self.latest} is before the earliest date {self.earliest}"
            )

    def check(self, day: date) -> date:
        """``day`` itself; ``ValueError`` with the reason if it lies outside the window."""
        if day > self.latest:
            raise ValueError(f"{day} is after the latest date inhouse accepts ({self.latest})")
        if day < self.earliest:
            raise ValueError(f"{day} is before the earliest date inhouse accepts ({self.earliest})")
        return day

    def check_instant(self, at: datetime) -> datetime:
        """``at`` itself if its day (as written, in its own offset) lies in the window."""
        try:
            self.check(at.date())
        except ValueError as error:
            raise ValueError(str(error).replace(str(at.date()), at.isoformat(), 1)) from None
        return at


@lru_cache(maxsize=1)
def date_window() -> DateWindow:
    """The configured window (``INHOUSE_EARLIEST_DATE``/``INHOUSE_LATEST_DATE``), read once.

    The settings are imported here, not at the top: this module is a kernel that domain
    code imports, and only the edges (parsers, request schemas) ask for the window.
    """
    from inhouse.config import get_settings

    settings = get_settings()
    return DateWindow(settings.earliest_date, settings.latest_date)


def check_day(day: date) -> date:
    """``day`` if inside the configured window; else ``ValueError`` naming the bound."""
    return date_window().check(day)


def check_instant(at: datetime) -> datetime:
    """``at`` if its day is inside the configured window; else ``ValueError``."""
    return date_window().check_instant(at)


def parse_date(text: str) -> date:
    """Parse an ISO ``YYYY-MM-DD`` date inside the window; raise ``ValueError`` with the
    reason (the text, or the bound it crosses) in the message."""
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f'"{text}" is not a date (YYYY-MM-DD)') from None
    return check_day(day)
