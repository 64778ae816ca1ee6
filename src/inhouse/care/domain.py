"""Care: tickets, business calendars, SLA clocks, surveys and the parity monitor.

Standard library only. Nothing here reads the clock: instants come in as aware
``datetime`` values.

The SLA clock counts **whole minutes**: every instant is taken at the start of its
minute (seconds are dropped), so every figure is a whole number of business minutes
that an explanation can list span by span.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# --------------------------------------------------------------------------- vocabulary


class Status(Enum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    PENDING_REMINDER = "pending_reminder"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Channel(Enum):
    EMAIL = "email"
    PHONE = "phone"
    WEB = "web"
    CHAT = "chat"
    IN_PERSON = "in_person"


class RequesterKind(Enum):
    PERSON = "person"
    ENTITY = "entity"  # a legal entity or an org unit
    ACCOUNT = "account"  # a customer account unknown to the register


class Author(Enum):
    AGENT = "agent"
    REQUESTER = "requester"


DONE = frozenset({Status.RESOLVED, Status.CLOSED})
DEFAULT_PAUSED = frozenset(
    {Status.PENDING_CUSTOMER, Status.PENDING_REMINDER, Status.RESOLVED, Status.CLOSED}
)
SEGMENTS_ANY = ("internal", "external")
"""Besides relation names, a policy's segment may be one of these."""

# Relations of the groups context, by name (the domain of care does not import groups).
RELATIONS = (
    "same_entity",
    "intercompany",
    "employee",
    "group_employee",
    "related_party",
    "external",
)
INTERNAL_RELATIONS = frozenset(RELATIONS[:4])


class CareError(ValueError):
    """A care record that cannot be: its message says why, for people."""


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60


def epoch_minute(at: datetime) -> int:
    """The minute an aware instant falls in, counted from 1970-01-01T00:00Z."""
    if at.tzinfo is None:
        raise CareError(f"{at.isoformat()} has no time zone; give a UTC offset")
    return math.floor(at.timestamp() / 60)


def instant(minute: int) -> datetime:
    """The UTC instant at the start of an epoch minute."""
    return _EPOCH + timedelta(minutes=minute)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_clock(text: str) -> int:
    """``"09:30"`` → 570 minutes of the day; ``"24:00"`` is the end of the day."""
    try:
        hours, minutes = text.split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError
        value = int(hours) * 60 + int(minutes)
        if not 0 <= int(minutes) < 60 or not 0 <= value <= DAY_MINUTES:
            raise ValueError
    except ValueError:
        raise CareError(f'"{text}" is not a time of day (HH:MM, 00:00 to 24:00)') from None
    return value


def clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --------------------------------------------------------------------------- calendars

Range = tuple[int, int]  # minutes of the local day, half-open


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open ``[start, end)`` in epoch minutes."""

    start: int
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Days:
    """The business minutes of whole local days ``first`` … ``last`` (inclusive), summed.

    A clock that runs for weeks, months or years counts its whole days in one figure
    (worked out week by week, not day by day) and explains them in one line, so the
    explanation of any ticket stays short.
    """

    first: date
    last: date
    minutes: int
    business_days: int  # days with business minutes
    holidays: int  # holidays on weekdays that would have had working hours
    per_day: int | None  # the business minutes of each business day, when all are equal


Piece = Span | Days
"""What a clock counts or leaves out: a span of business minutes, or whole days summed."""

LISTED_DAYS = 7
"""Whole days between the first and the last day of a stretch that are listed span by
span; more are summed as one :class:`Days`."""


class _Total(NamedTuple):
    minutes: int
    business_days: int
    holidays: int
    per_day: frozenset[int]


_SHIFT_DAYS: dict[tuple[str, int], frozenset[date]] = {}
"""Per time zone and year, the local days around a change of the UTC offset (computed
once per process: they depend on the time zone database only)."""
_SHIFT_DAY_MINUTES: dict[tuple[str, tuple[Range, ...], date], int] = {}
"""The business minutes of those days, per time zone and working hours of the weekday."""


@dataclass(frozen=True)
class Calendar:
    """A time zone, working hours per weekday (several ranges a day) and holidays.

    ``hours[0]`` are Monday's ranges, ``hours[6]`` Sunday's, as minutes of the local day
    (``(540, 1020)`` is 09:00–17:00). A business minute is a real minute whose local wall
    time lies in a range of its local day, on a day that is no holiday. On the day the
    clocks spring forward a range loses the hour that does not exist; on the day they
    fall back it gains the hour that happens twice.
    """

    id: str
    tz: str
    hours: tuple[tuple[Range, ...], ...]
    holidays: frozenset[date] = frozenset()
    name: str = ""
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _days: dict[date, tuple[Span, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _weekday_minutes: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _holiday_list: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise CareError(f'"{self.tz}" is not a time zone of the IANA database') from None
        object.__setattr__(self, "_zone", zone)
        if len(self.hours) != 7:
            raise CareError("working hours need one entry per weekday, Monday first")
        for day, ranges in zip(WEEKDAYS, self.hours, strict=True):
            ordered = sorted(ranges)
            for start, end in ordered:
                if not 0 <= start < end <= DAY_MINUTES:
                    raise CareError(
                        f"{day}: {clock_text(start)}–{clock_text(end)} is not a range of the day"
                    )
            for (_s1, e1), (s2, _e2) in itertools.pairwise(ordered):
                if s2 < e1:
                    raise CareError(f"{day}: working hours overlap at {clock_text(s2)}")
        object.__setattr__(
            self, "_weekday_minutes", tuple(sum(e - s for s, e in r) for r in self.hours)
        )
        object.__setattr__(self, "_holiday_list", tuple(sorted(self.holidays)))

    @classmethod
    def always(cls, id: str = "24/7", tz: str = "UTC") -> Calendar:
        """Every minute counts."""
        return cls(id=id, tz=tz, hours=tuple(((0, DAY_MINUTES),) for _ in WEEKDAYS))

    @classmethod
    def of(
        cls,
        *,
        id: str,
        tz: str,
        hours: Mapping[str, Sequence[Sequence[str]]],
        holidays: Iterable[date] = (),
        name: str = "",
    ) -> Calendar:
        """From text: ``{"mon": [["09:00", "12:00"], ["13:00", "17:00"]], …}``.

        Keys are weekdays (``mon`` … ``sun``) or ranges of them (``mon-fri``); a day
        named twice is an error; a day not named has no working hours.
        """
        days: list[list[Range]] = [[] for _ in WEEKDAYS]
        seen: set[int] = set()
        for key, ranges in hours.items():
            for index in _weekdays(key):
                if index in seen:
                    raise CareError(f"{WEEKDAYS[index]} is given twice in the working hours")
                seen.add(index)
                for pair in ranges:
                    if len(pair) != 2:
                        raise CareError(f"{key}: a range is [start, end], not {list(pair)}")
                    days[index].append((parse_clock(pair[0]), parse_clock(pair[1])))
        return cls(
            id=id,
            tz=tz,
            hours=tuple(tuple(sorted(d)) for d in days),
            holidays=frozenset(holidays),
            name=name,
        )

    def hours_text(self) -> dict[str, list[list[str]]]:
        return {
            day: [[clock_text(s), clock_text(e)] for s, e in ranges]
            for day, ranges in zip(WEEKDAYS, self.hours, strict=True)
            if ranges
        }

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def local_day(self, minute: int) -> date:
        return datetime.fromtimestamp(minute * 60, self._zone).date()

    def _midnight(self, day: date) -> int:
        """The first real minute of a local day (local midnight may not exist)."""
        return self._first_at_or_after(day, 0)

    def _first_at_or_after(self, day: date, minute_of_day: int) -> int:
        """The first epoch minute whose local wall time is at or after ``day`` + minutes."""
        if minute_of_day >= DAY_MINUTES:
            return self._midnight(day + timedelta(days=1))
        wall = datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60))
        early = epoch_minute(wall.replace(tzinfo=self._zone, fold=0))
        late = epoch_minute(wall.replace(tzinfo=self._zone, fold=1))
        low, high = min(early, late), max(early, late)
        if self._wall(low) == wall:
            return low  # exists (the first of two, when the clocks fall back)
        # A wall time in the gap of a spring-forward: the first minute after the gap.
        while low < high and self._wall(low) < wall:
            low += 1
        return low

    def _wall(self, minute: int) -> datetime:
        return instant(minute).astimezone(self._zone).replace(tzinfo=None)

    def day_spans(self, day: date) -> tuple[Span, ...]:
        """The business spans of one local day (none on a holiday)."""
        cached = self._days.get(day)
        if cached is not None:
            return cached
        spans: list[Span] = []
        if day not in self.holidays:
            start_of_day = self._midnight(day)
            end_of_day = self._midnight(day + timedelta(days=1))
            for start, end in self.hours[day.weekday()]:
                # Minutes of the day whose wall time is in [start, end): when the clocks
                # fall back, wall times repeat, so walk the day's offset pieces.
                spans.extend(self._range_spans(start_of_day, end_of_day, day, start, end))
        result = tuple(_merge(spans))
        if len(self._days) > 20_000:
            self._days.clear()
        self._days[day] = result
        return result

    def _range_spans(
        self, day_start: int, day_end: int, day: date, start: int, end: int
    ) -> list[Span]:
        pieces = self._pieces(day_start, day_end)
        midnight = datetime.combine(day, time()).replace(tzinfo=UTC)
        base = epoch_minute(midnight)  # the local day's 00:00 read as if it were UTC
        spans: list[Span] = []
        for piece_start, piece_end, offset in pieces:
            # In a piece, local wall minute = epoch minute + offset.
            low = max(piece_start, base + start - offset)
            high = min(piece_end, base + end - offset)
            if low < high:
                spans.append(Span(low, high))
        return spans

    def _pieces(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """``[start, end)`` cut where the UTC offset changes: (start, end, offset minutes)."""
        pieces: list[tuple[int, int, int]] = []
        while start < end:
            offset = self._offset(start)
            if self._offset(end - 1) == offset:
                pieces.append((start, end, offset))
                break
            low, high = start, end - 1  # offset(low) == offset, offset(high) != offset
            while high - low > 1:
                middle = (low + high) // 2
                if self._offset(middle) == offset:
                    low = middle
                else:
                    high = middle
            pieces.append((start, high, offset))
            start = high
        return pieces

    def _offset(self, minute: int) -> int:
        shift = datetime.fromtimestamp(minute * 60, self._zone).utcoffset()
        assert shift is not None
        return int(shift.total_seconds()) // 60

    def spans(self, start: int, end: int) -> list[Span]:
        """The business spans inside ``[start, end)`` (epoch minutes)."""
        if end <= start:
            return []
        found: list[Span] = []
        day = self.local_day(start) - timedelta(days=1)
        last = self.local_day(end) + timedelta(days=1)
        while day <= last:
            for span in self.day_spans(day):
                low, high = max(span.start, start), min(span.end, end)
                if low < high:
                    found.append(Span(low, high))
            day += timedelta(days=1)
        return found

    def business_minutes(self, start: int, end: int) -> int:
        return sum(piece.minutes for piece in self.stretch(start, end))

    def stretch(self, start: int, end: int) -> list[Piece]:
        """The business time inside ``[start, end)``: span by span for the first and the
        last local day and for up to :data:`LISTED_DAYS` whole days between them; more
        whole days as one :class:`Days` (summed week by week, not walked day by day)."""
        if end <= start:
            return []
        first, last = self.local_day(start), self.local_day(end)
        if (last - first).days - 1 <= LISTED_DAYS:
            return list(self.spans(start, end))
        pieces: list[Piece] = list(self.spans(start, self._midnight(first + timedelta(days=1))))
        between_first, between_end = first + timedelta(days=1), last
        total = self._whole_days(between_first, between_end)
        if total.minutes:
            pieces.append(
                Days(
                    first=between_first,
                    last=between_end - timedelta(days=1),
                    minutes=total.minutes,
                    business_days=total.business_days,
                    holidays=total.holidays,
                    per_day=next(iter(total.per_day)) if len(total.per_day) == 1 else None,
                )
            )
        pieces.extend(self.spans(self._midnight(last), end))
        return pieces

    def day_minutes(self, day: date) -> int:
        """The business minutes of one local day, exactly."""
        return sum(s.minutes for s in self.day_spans(day))

    def _shift_days(self, year: int) -> frozenset[date]:
        """The local days of ``year`` on which the UTC offset changes, and the day before
        each. The offset is asked at 00:00 UTC every seven days; between two probes that
        differ, the change is found by bisection (a zone changes its offset at most once
        between two probes, a week apart)."""
        key = (self.tz, year)
        found = _SHIFT_DAYS.get(key)
        if found is not None:
            return found
        days: set[date] = set()
        probe = _utc_midnight(date(year, 1, 1) - timedelta(days=1))
        end = _utc_midnight(date(year + 1, 1, 2))
        offset = self._offset(probe)
        while probe < end:
            following = probe + 7 * DAY_MINUTES
            while self._offset(following) != offset:
                low, high = probe, following  # offset(low) == offset != offset(high)
                while high - low > 1:
                    middle = (low + high) // 2
                    if self._offset(middle) == offset:
                        low = middle
                    else:
                        high = middle
                changed = self.local_day(high)
                days.update((changed - timedelta(days=1), changed))
                probe, offset = high, self._offset(high)
            probe = following
        found = frozenset(d for d in days if d.year == year)
        _SHIFT_DAYS[key] = found
        return found

    def _shift_day_minutes(self, day: date) -> int:
        """:meth:`day_minutes` of a day around an offset change, kept across calendars."""
        key = (self.tz, self.hours[day.weekday()], day)
        minutes = _SHIFT_DAY_MINUTES.get(key)
        if minutes is None:
            if len(_SHIFT_DAY_MINUTES) > 100_000:
                _SHIFT_DAY_MINUTES.clear()
            minutes = _SHIFT_DAY_MINUTES[key] = self.day_minutes(day)
        return minutes

    def _whole_days(self, first: date, end: date) -> _Total:
        """The business minutes of the whole local days ``[first, end)``: each weekday's
        hours times how often it occurs, corrected on holidays and on the days the UTC
        offset changes (those counted exactly)."""
        count = (end - first).days
        if count <= 0:
            return _Total(0, 0, 0, frozenset())
        weeks, rest = divmod(count, 7)
        occurs = [weeks + (1 if (w - first.weekday()) % 7 < rest else 0) for w in range(7)]
        special: set[date] = set()
        for year in range(first.year, (end - timedelta(days=1)).year + 1):
            special.update(d for d in self._shift_days(year) if first <= d < end)
        low = bisect.bisect_left(self._holiday_list, first)
        high = bisect.bisect_left(self._holiday_list, end)
        special.update(self._holiday_list[low:high])
        minutes = business_days = holidays = 0
        per_day: set[int] = set()
        for day in special:
            occurs[day.weekday()] -= 1
            exact = 0 if day in self.holidays else self._shift_day_minutes(day)
            if exact:
                minutes += exact
                business_days += 1
                per_day.add(exact)
            elif day in self.holidays and self._weekday_minutes[day.weekday()]:
                holidays += 1
        for weekday, times in enumerate(occurs):
            usual = self._weekday_minutes[weekday]
            if times and usual:
                minutes += times * usual
                business_days += times
                per_day.add(usual)
        return _Total(minutes, business_days, holidays, frozenset(per_day))

    def first_due(
        self, start: int, end: int | None, left: int, limit: date
    ) -> tuple[int | None, int]:
        """The minute at which ``left`` business minutes from ``start`` are used up, if
        before ``end`` (``None``: no end) and on or before the local day ``limit``; else
        ``None`` and the business minutes still left."""
        day = self.local_day(start)
        last = limit if end is None else min(limit, self.local_day(end))
        while day <= last:
            found, left = self._use(day, start, end, left)
            if found is not None:
                return found, 0
            day, left = self._skip(day + timedelta(days=1), last, left)
        return None, left

    def _skip(self, day: date, last: date, left: int) -> tuple[date, int]:
        """Past the whole days from ``day`` (before ``last``) whose business minutes do not
        use up ``left``: a year at a time, then a week at a time."""
        while day < last:
            step = min(date(day.year + 1, 1, 1), last)
            minutes = self._whole_days(day, step).minutes
            if minutes >= left:
                break
            left -= minutes
            day = step
        week = timedelta(days=7)
        while day + week <= last:
            minutes = self._whole_days(day, day + week).minutes
            if minutes >= left:
                break
            left -= minutes
            day += week
        return day, left

    def _use(self, day: date, start: int, end: int | None, left: int) -> tuple[int | None, int]:
        for span in self.day_spans(day):
            low = max(span.start, start)
            high = span.end if end is None else min(span.end, end)
            if low < high:
                if high - low >= left:
                    return low + left, 0
                left -= high - low
        return None, left

    def has_hours(self) -> bool:
        return any(self.hours)

    def describe_span(self, span: Span) -> str:
        """``Fri 2026-03-06 16:00–17:00 CET (60 min)`` in the calendar's time zone."""
        first = instant(span.start).astimezone(self._zone)
        last = instant(span.end).astimezone(self._zone)
        head = f"{first:%a %Y-%m-%d %H:%M}"
        if first.date() == last.date() or (last.time() == time() and span.minutes <= DAY_MINUTES):
            tail = f"{last:%H:%M}" if last.time() != time() else "24:00"
        else:
            tail = f"{last:%a %Y-%m-%d %H:%M}"
        zone = first.tzname() if first.tzname() == last.tzname() else f"{first:%Z}/{last:%Z}"
        return f"{head}–{tail} {zone} ({span.minutes} min)"

    def describe(self, piece: Piece) -> str:
        """A span as :meth:`describe_span`; whole days summed, e.g. ``2026-03-02 to
        2026-06-30: 87 business days of 08:00 each (41760 min), not counting 2 holidays``."""
        if isinstance(piece, Span):
            return self.describe_span(piece)
        days = f"{piece.business_days} business day{'s' if piece.business_days != 1 else ''}"
        each = "" if piece.per_day is None else f" of {clock_text(piece.per_day)} each"
        text = f"{piece.first} to {piece.last}: {days}{each} ({piece.minutes} min)"
        if piece.holidays:
            text += f", not counting {piece.holidays} holiday{'s' if piece.holidays != 1 else ''}"
        return text


def _utc_midnight(day: date) -> int:
    """The epoch minute of 00:00 UTC on ``day``."""
    return (day - _EPOCH.date()).days * DAY_MINUTES


def _weekdays(key: str) -> list[int]:
    text = key.strip().lower()
    if text in ("daily", "mon-sun"):
        return list(range(7))
    if "-" in text:
        first, _, last = text.partition("-")
        if first in WEEKDAYS and last in WEEKDAYS:
            a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
            if a <= b:
                return list(range(a, b + 1))
    elif text in WEEKDAYS:
        return [WEEKDAYS.index(text)]
    raise CareError(f'"{key}" is not a weekday (mon … sun) or a range of them (mon-fri)')


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return merged


# --------------------------------------------------------------------------- policies


@dataclass(frozen=True, slots=True)
class Targets:
    """Targets in business minutes."""

    first_response: int
    resolution: int
    next_response: int | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """Which tickets (segments, priorities; empty = any) get which targets on which calendar."""

    id: str
    position: int
    calendar: str
    targets: Targets
    segments: frozenset[str] = frozenset()
    priorities: frozenset[Priority] = frozenset()
    paused: frozenset[Status] = DEFAULT_PAUSED
    name: str = ""

    def __post_init__(self) -> None:
        known = set(RELATIONS) | set(SEGMENTS_ANY)
        for segment in self.segments:
            if segment not in known:
                raise CareError(
                    f'"{segment}" is not a segment (internal, external or a relation: '
                    f"{', '.join(RELATIONS)})"
                )
        for value, label in (
            (self.targets.first_response, "first_response"),
            (self.targets.resolution, "resolution"),
            (self.targets.next_response, "next_response"),
        ):
            if value is not None and value <= 0:
                raise CareError(f"the {label} target must be at least 1 minute, not {value}")

    @property
    def fallback(self) -> bool:
        return not self.segments and not self.priorities

    def why_not(self, relation: str, priority: Priority) -> str | None:
        """``None`` when the policy applies; else the reason in words."""
        if self.segments and not _segment_matches(self.segments, relation):
            wanted = ", ".join(sorted(self.segments))
            return f"the relation {relation} is not in its segments ({wanted})"
        if self.priorities and priority not in self.priorities:
            wanted = ", ".join(p.value for p in sorted(self.priorities, key=_priority_rank))
            return f"the priority {priority.value} is not one of {wanted}"
        return None


def _priority_rank(priority: Priority) -> int:
    return list(Priority).index(priority)


def _segment_matches(segments: frozenset[str], relation: str) -> bool:
    internal = relation in INTERNAL_RELATIONS
    return (
        relation in segments
        or ("internal" in segments and internal)
        or ("external" in segments and not internal)
    )


@dataclass(frozen=True, slots=True)
class PolicyChoice:
    policy: Policy | None
    evidence: tuple[str, ...]


def choose_policy(policies: Iterable[Policy], relation: str, priority: Priority) -> PolicyChoice:
    """The first policy by position that matches; every policy tried is named with why."""
    evidence: list[str] = []
    for policy in sorted(policies, key=lambda p: (p.position, p.id)):
        reason = policy.why_not(relation, priority)
        if reason is None:
            kind = "the fallback (no conditions)" if policy.fallback else "the first that matches"
            evidence.append(f"SLA policy {policy.id} (position {policy.position}) applies: {kind}")
            return PolicyChoice(policy, tuple(evidence))
        evidence.append(
            f"SLA policy {policy.id} (position {policy.position}) does not apply: {reason}"
        )
    evidence.append("no SLA policy applies: the ticket has no SLA targets")
    return PolicyChoice(None, tuple(evidence))


# --------------------------------------------------------------------------- tickets


@dataclass(frozen=True, slots=True)
class StatusChange:
    at: datetime
    status: Status


@dataclass(frozen=True, slots=True)
class Article:
    at: datetime
    author: Author
    public: bool


@dataclass(frozen=True, slots=True)
class History:
    """What the SLA clock needs of a ticket: creation, status changes, articles."""

    created: datetime
    changes: tuple[StatusChange, ...] = ()
    articles: tuple[Article, ...] = ()

    def status_at_end(self) -> Status:
        changes = sorted(self.changes, key=lambda c: c.at)
        return changes[-1].status if changes else Status.NEW


def check_history(history: History) -> None:
    created = epoch_minute(history.created)
    for change in history.changes:
        if epoch_minute(change.at) < created:
            raise CareError(
                f"a change to {change.status.value} at {change.at.isoformat()} is before "
                f"the ticket was created ({history.created.isoformat()})"
            )
    for article in history.articles:
        if epoch_minute(article.at) < created:
            raise CareError(
                f"an article at {article.at.isoformat()} is before the ticket was created "
                f"({history.created.isoformat()})"
            )


OPEN_END = 2**40
"""The end of a pause that has not ended (epoch minutes, far beyond any date)."""


def paused_spans(history: History, paused: frozenset[Status], until: int | None) -> list[Span]:
    """The spans in which the ticket was in a paused status (up to ``until``, else open)."""
    spans: list[Span] = []
    status = Status.NEW
    since = epoch_minute(history.created)
    for change in sorted(history.changes, key=lambda c: c.at):
        at = epoch_minute(change.at)
        if status in paused and at > since:
            spans.append(Span(since, at))
        status, since = change.status, at
    if status in paused:
        end = until if until is not None else OPEN_END
        if end > since:
            spans.append(Span(since, end))
    return _merge(spans)


@dataclass(frozen=True, slots=True)
class Clock:
    """One SLA clock of a ticket: when it started and stopped, what it counted, its verdict."""

    name: str  # "first response", "resolution", "next response"
    target: int
    started: datetime
    stopped: datetime | None  # None: still running
    elapsed: int | None  # business minutes counted up to ``stopped`` (None while running)
    due: datetime | None  # None while paused (the due time moves when the pause ends)
    breached: bool | None  # None while running
    counted_spans: tuple[Piece, ...]  # the counted business spans (or whole days summed)
    paused_spans: tuple[Piece, ...]  # the paused business spans left out
    calendar: Calendar

    @property
    def counted(self) -> tuple[str, ...]:
        """The counted business spans, in the calendar's local time."""
        return tuple(self.calendar.describe(s) for s in self.counted_spans)

    @property
    def paused(self) -> tuple[str, ...]:
        """The business spans left out because the ticket waited, in local time."""
        return tuple(self.calendar.describe(s) for s in self.paused_spans)

    @property
    def breached_by(self) -> int | None:
        if self.elapsed is None:
            return None
        return max(0, self.elapsed - self.target)

    def explain(self) -> list[str]:
        lines = [f"{self.name}: target {self.target} business minutes"]
        if self.stopped is None:
            lines.append(f"started {self.started.isoformat()}, still running")
        else:
            lines.append(f"from {self.started.isoformat()} to {self.stopped.isoformat()}")
        lines.extend(f"counted {c}" for c in self.counted)
        if self.stopped is not None and not self.counted_spans:
            lines.append("no business minutes in between (outside working hours)")
        lines.extend(f"not counted (paused) {p}" for p in self.paused)
        if self.elapsed is not None:
            verdict = (
                f"breached by {self.breached_by} minutes" if self.breached else "within target"
            )
            lines.append(f"elapsed {self.elapsed} business minutes: {verdict}")
        if self.due is not None:
            lines.append(f"due {self.due.isoformat()}")
        elif self.elapsed is None:
            lines.append("no due time while the ticket waits in a paused status")
        return lines


@dataclass(frozen=True, slots=True)
class SlaReport:
    policy: str | None
    calendar: str | None
    first_response: Clock | None
    resolution: Clock | None
    next_response: Clock | None

    def clocks(self) -> list[Clock]:
        return [c for c in (self.first_response, self.resolution, self.next_response) if c]

    @property
    def breached(self) -> bool:
        return any(c.breached for c in self.clocks())


def due_after(calendar: Calendar, start: int, target: int, holes: Sequence[Span]) -> int | None:
    """The epoch minute at which ``target`` business minutes from ``start`` are used up,
    not counting minutes inside ``holes``. ``None`` if an open hole swallows the rest, or
    if the target is not reached within ten years."""
    if not calendar.has_hours():
        return None
    limit = calendar.local_day(start) + timedelta(days=DUE_WITHIN_DAYS)
    left = target
    at = start
    for hole in holes:
        if hole.end <= at:
            continue
        if hole.start > at:
            found, left = calendar.first_due(at, hole.start, left, limit)
            if found is not None:
                return found
        if hole.end >= OPEN_END:
            return None  # paused until further notice: no due time yet
        at = hole.end
    found, _left = calendar.first_due(at, None, left, limit)
    return found


DUE_WITHIN_DAYS = 3660
"""How far a due time is looked for (about ten years): beyond it a clock has none."""


def _clock(
    calendar: Calendar,
    name: str,
    target: int,
    start: int,
    stop: int | None,
    holes: Sequence[Span],
) -> Clock:
    due = due_after(calendar, start, target, holes)
    counted: list[Piece] = []
    left_out: list[Piece] = []
    elapsed = None
    if stop is not None:
        at = start
        for hole in holes:
            low, high = max(hole.start, at), min(hole.end, stop)
            if low >= high:
                continue
            counted.extend(calendar.stretch(at, low))
            left_out.extend(calendar.stretch(low, high))
            at = high
        counted.extend(calendar.stretch(at, stop))
        elapsed = sum(p.minutes for p in counted)
    return Clock(
        name=name,
        target=target,
        started=instant(start),
        stopped=None if stop is None else instant(stop),
        elapsed=elapsed,
        due=None if due is None else instant(due),
        breached=None if elapsed is None else elapsed > target,
        counted_spans=tuple(counted),
        paused_spans=tuple(left_out),
        calendar=calendar,
    )


def measure(history: History, policy: Policy, calendar: Calendar) -> SlaReport:
    """The ticket's SLA clocks under ``policy``, always from creation (so a changed policy
    recomputes everything). Clock rules as in design/care.md:

    * first response: creation to the first public agent article; nothing pauses it;
    * resolution: creation to the last change to resolved or closed (if the ticket is
      resolved or closed now), less the business minutes in paused statuses before it;
    * next response: from each public requester article that follows an agent's public
      reply to the next public agent article; the longest wait is reported.
    """
    check_history(history)
    created = epoch_minute(history.created)
    targets = policy.targets
    public_agent = sorted(
        epoch_minute(a.at) for a in history.articles if a.author is Author.AGENT and a.public
    )
    first = _clock(
        calendar,
        "first response",
        targets.first_response,
        created,
        public_agent[0] if public_agent else None,
        (),
    )
    changes = sorted(history.changes, key=lambda c: c.at)
    done_at: int | None = None
    if changes and changes[-1].status in DONE:
        done_at = max(epoch_minute(c.at) for c in changes if c.status in DONE)
    holes = paused_spans(history, policy.paused, done_at)
    resolution = _clock(calendar, "resolution", targets.resolution, created, done_at, holes)
    following: Clock | None = None
    if targets.next_response is not None and public_agent:
        following = _next_response(calendar, history, targets.next_response, public_agent)
    return SlaReport(policy.id, calendar.id, first, resolution, following)


def _next_response(
    calendar: Calendar, history: History, target: int, agent: list[int]
) -> Clock | None:
    requester = sorted(
        epoch_minute(a.at) for a in history.articles if a.author is Author.REQUESTER and a.public
    )
    worst: Clock | None = None
    answered_until = agent[0]
    for asked in requester:
        if asked < answered_until:
            continue  # already answered by a later-or-same agent reply
        reply = next((a for a in agent if a >= asked), None)
        clock = _clock(calendar, "next response", target, asked, reply, ())
        if worst is None or _worse(clock, worst):
            worst = clock
        if reply is None:
            break
        answered_until = reply + 1
    return worst


def _worse(a: Clock, b: Clock) -> bool:
    if a.elapsed is None:
        return True
    return b.elapsed is not None and a.elapsed > b.elapsed


# --------------------------------------------------------------------------- surveys

CSAT_SCALE = (1, 5)
NPS_SCALE = (0, 10)


class SurveyKind(Enum):
    CSAT = "csat"
    NPS = "nps"

    @property
    def scale(self) -> tuple[int, int]:
        return CSAT_SCALE if self is SurveyKind.CSAT else NPS_SCALE


def check_score(kind: SurveyKind, score: int) -> None:
    low, high = kind.scale
    if not low <= score <= high:
        raise CareError(f"a {kind.value.upper()} score is {low} to {high}, not {score}")


def nps(scores: Sequence[int]) -> Decimal | None:
    """% promoters (9–10) − % detractors (0–6), −100 … +100, to one decimal place."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return _round(Decimal(100 * (promoters - detractors)) / len(scores), "0.1")


# --------------------------------------------------------------------------- parity


def _round(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def percentile(values: Sequence[int], pct: int) -> int | None:
    """Nearest-rank percentile: the value at rank ⌈pct/100 · n⌉ of the sorted values.

    No interpolation: the answer is always one ticket's figure. The median is the 50th
    percentile by the same rule (for an even count, the lower of the two middle values).
    This is PostgreSQL's ``percentile_disc``.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(Decimal(pct) * len(ordered) / 100))
    return ordered[rank - 1]


class TicketFigures(NamedTuple):
    """One ticket's stored SLA figures, what the parity monitor aggregates (a tuple:
    a million of them are made per yearly report)."""

    id: str
    relation: str
    first_response_minutes: int | None
    resolution_minutes: int | None
    breached: bool | None  # None: no policy, or no clock decided yet
    csat: tuple[int, ...] = ()

    @property
    def internal(self) -> bool:
        return self.relation in INTERNAL_RELATIONS


@dataclass(frozen=True, slots=True)
class Segment:
    name: str
    tickets: int
    first_response_median: int | None
    first_response_p90: int | None
    resolution_median: int | None
    resolution_p90: int | None
    sla_decided: int
    sla_met: int
    attainment_pct: Decimal | None
    csat_mean: Decimal | None
    csat_count: int
    nps: Decimal | None
    nps_count: int


def segment_of(
    name: str, tickets: Sequence[TicketFigures], nps_scores: Sequence[int] = ()
) -> Segment:
    first = [t.first_response_minutes for t in tickets if t.first_response_minutes is not None]
    resolution = [t.resolution_minutes for t in tickets if t.resolution_minutes is not None]
    first.sort()  # once; the percentiles' own sort of sorted values is then linear
    resolution.sort()
    decided = [t for t in tickets if t.breached is not None]
    met = sum(1 for t in decided if not t.breached)
    csat = [s for t in tickets for s in t.csat]
    return Segment(
        name=name,
        tickets=len(tickets),
        first_response_median=percentile(first, 50),
        first_response_p90=percentile(first, 90),
        resolution_median=percentile(resolution, 50),
        resolution_p90=percentile(resolution, 90),
        sla_decided=len(decided),
        sla_met=met,
        attainment_pct=_round(Decimal(100 * met) / len(decided), "0.1") if decided else None,
        csat_mean=_round(Decimal(sum(csat)) / len(csat), "0.01") if csat else None,
        csat_count=len(csat),
        nps=nps(nps_scores),
        nps_count=len(nps_scores),
    )


@dataclass(frozen=True, slots=True)
class Tolerances:
    """How much worse internal customers may fare before an alert, and the minimum sample."""

    attainment_pct: Decimal = Decimal(10)  # relative: internal < external × (1 − 10 %)
    median_pct: Decimal = Decimal(10)  # relative: internal > external × (1 + 10 %)
    csat_points: Decimal = Decimal("0.3")  # absolute: internal < external − 0.3
    min_tickets: int = 10  # tickets (CSAT: responses) on each side


@dataclass(frozen=True, slots=True)
class Alert:
    metric: str
    internal: Decimal | int
    external: Decimal | int
    tolerance: str
    message: str
    tickets: tuple[str, ...]  # the internal tickets behind the gap


def _first_response(ticket: TicketFigures) -> int | None:
    return ticket.first_response_minutes


def _resolution(ticket: TicketFigures) -> int | None:
    return ticket.resolution_minutes


def parity_alerts(
    internal_tickets: Sequence[TicketFigures],
    external_tickets: Sequence[TicketFigures],
    internal: Segment,
    external: Segment,
    tolerances: Tolerances,
) -> tuple[list[Alert], list[str]]:
    """Alerts where internal customers fare worse beyond the tolerances; and notes on
    the comparisons skipped for want of data. Exactly at the tolerance is no alert."""
    alerts: list[Alert] = []
    notes: list[str] = []
    need = tolerances.min_tickets
    if internal.tickets < need or external.tickets < need:
        notes.append(
            f"too few tickets to compare ({internal.tickets} internal, {external.tickets} "
            f"external; at least {need} on each side)"
        )
    else:
        if internal.attainment_pct is not None and external.attainment_pct is not None:
            floor = external.attainment_pct * (1 - tolerances.attainment_pct / 100)
            if internal.attainment_pct < floor:
                behind = tuple(t.id for t in internal_tickets if t.breached)
                alerts.append(
                    Alert(
                        "sla_attainment_pct",
                        internal.attainment_pct,
                        external.attainment_pct,
                        f"{tolerances.attainment_pct}% worse",
                        f"SLA attainment of internal customers is {internal.attainment_pct}% "
                        f"against {external.attainment_pct}% for external ones "
                        f"(alert below {_round(floor, '0.1')}%); {len(behind)} internal "
                        "tickets breached",
                        behind,
                    )
                )
        for metric, label, attr, pick in (
            ("first_response_median", "median first response", "first_response_median",
             _first_response),
            ("resolution_median", "median resolution", "resolution_median", _resolution),
        ):  # fmt: skip
            mine, theirs = getattr(internal, attr), getattr(external, attr)
            if mine is None or theirs is None:
                notes.append(f"{label}: no figures on one side")
                continue
            ceiling = Decimal(theirs) * (1 + tolerances.median_pct / 100)
            if mine > ceiling:
                behind = tuple(
                    t.id for t in internal_tickets if (v := pick(t)) is not None and v > theirs
                )
                alerts.append(
                    Alert(
                        metric,
                        mine,
                        theirs,
                        f"{tolerances.median_pct}% worse",
                        f"the {label} of internal customers is {mine} business minutes "
                        f"against {theirs} for external ones (alert above "
                        f"{_round(ceiling, '0.1')}); {len(behind)} internal tickets took "
                        f"longer than {theirs}",
                        behind,
                    )
                )
    if internal.csat_count < need or external.csat_count < need:
        notes.append(
            f"too few CSAT responses to compare ({internal.csat_count} internal, "
            f"{external.csat_count} external; at least {need} on each side)"
        )
    elif internal.csat_mean is not None and external.csat_mean is not None:
        floor = external.csat_mean - tolerances.csat_points
        if internal.csat_mean < floor:
            behind = tuple(
                t.id for t in internal_tickets if any(s < external.csat_mean for s in t.csat)
            )
            alerts.append(
                Alert(
                    "csat_mean",
                    internal.csat_mean,
                    external.csat_mean,
                    f"{tolerances.csat_points} points",
                    f"CSAT of internal customers is {internal.csat_mean} against "
                    f"{external.csat_mean} for external ones (alert below {floor}); "
                    f"{len(behind)} internal tickets rated below {external.csat_mean}",
                    behind,
                )
            )
    return alerts, notes


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """A half-open range of days named ``2026``, ``2026-Q1`` or ``2026-03``."""

    name: str
    start: date
    end: date


def parse_period(text: str) -> ReportPeriod:
    value = text.strip().upper()
    try:
        if len(value) == 4 and value.isdigit():
            year = int(value)
            return ReportPeriod(value, date(year, 1, 1), date(year + 1, 1, 1))
        if len(value) == 7 and value[4:6] == "-Q" and value[:4].isdigit() and value[6] in "1234":
            year, quarter = int(value[:4]), int(value[6])
            start = date(year, 3 * quarter - 2, 1)
            end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
            return ReportPeriod(value, start, end)
        if len(value) == 7 and value[4] == "-" and value[:4].isdigit() and value[5:].isdigit():
            year, month = int(value[:4]), int(value[5:])
            start = date(year, month, 1)
            end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
            return ReportPeriod(value, start, end)
    except ValueError:
        pass
    raise CareError(f'"{text}" is not a period (a year 2026, a quarter 2026-Q1 or a month 2026-03)')
