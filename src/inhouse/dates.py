"""Half-open validity periods: valid on ``valid_from <= d < valid_to``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

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


def parse_date(text: str) -> date:
    """Parse an ISO ``YYYY-MM-DD`` date; raise ``ValueError`` with the text in the message."""
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f'"{text}" is not a date (YYYY-MM-DD)') from None
