"""SLA clocks that run for months or years: the whole days between the first and the
last day are summed week by week and explained in one line, and the sums and due times
equal those of walking the calendar day by day (the reference below)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from inhouse.care.domain import (
    Article,
    Author,
    Calendar,
    Days,
    History,
    Policy,
    Span,
    Status,
    StatusChange,
    Targets,
    due_after,
    epoch_minute,
    measure,
)

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = Calendar.of(
    id="OFFICE",
    tz="Europe/Berlin",
    hours={"mon-fri": [["08:00", "12:00"], ["13:00", "17:00"]]},
    holidays=[date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2027, 1, 1)],
)
CALENDARS = [
    OFFICE,
    Calendar.always(tz="Europe/Berlin"),
    Calendar.always(),
    Calendar.of(id="NIGHT", tz="Europe/Berlin", hours={"daily": [["01:00", "04:00"]]}),
    Calendar.of(
        id="NY",
        tz="America/New_York",
        hours={"mon-fri": [["09:00", "17:00"]], "sat": [["10:00", "14:00"]]},
        holidays=[date(2026, 7, 3), date(2026, 12, 25)],
    ),
    Calendar.of(id="LHI", tz="Australia/Lord_Howe", hours={"daily": [["00:00", "24:00"]]}),
]


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def policy(first: int = 10_000, resolution: int = 10_000) -> Policy:
    return Policy(id="P", position=1, calendar="OFFICE", targets=Targets(first, resolution))


def walked_minutes(calendar: Calendar, start: int, end: int) -> int:
    """The reference: every local day's business spans, clipped to ``[start, end)``."""
    total = 0
    day = calendar.local_day(start) - timedelta(days=1)
    while day <= calendar.local_day(end) + timedelta(days=1):
        for span in calendar.day_spans(day):
            total += max(0, min(span.end, end) - max(span.start, start))
        day += timedelta(days=1)
    return total


def walked_due(calendar: Calendar, start: int, target: int) -> int | None:
    """The reference: the day-by-day walk up to ten years."""
    left = target
    day = calendar.local_day(start)
    while day <= calendar.local_day(start) + timedelta(days=3660):
        for span in calendar.day_spans(day):
            low = max(span.start, start)
            if low < span.end:
                if span.end - low >= left:
                    return low + left
                left -= span.end - low
        day += timedelta(days=1)
    return None


MINUTE_2025 = epoch_minute(datetime(2025, 1, 1, tzinfo=UTC))
MINUTES_4_YEARS = 4 * 366 * 24 * 60


@settings(max_examples=60, deadline=None)
@given(
    calendar=st.sampled_from(CALENDARS),
    start=st.integers(MINUTE_2025, MINUTE_2025 + MINUTES_4_YEARS),
    length=st.integers(0, MINUTES_4_YEARS),
)
def test_summed_business_minutes_equal_the_day_by_day_walk(
    calendar: Calendar, start: int, length: int
) -> None:
    assert calendar.business_minutes(start, start + length) == walked_minutes(
        calendar, start, start + length
    )


@settings(max_examples=60, deadline=None)
@given(
    calendar=st.sampled_from(CALENDARS),
    start=st.integers(MINUTE_2025, MINUTE_2025 + MINUTES_4_YEARS),
    target=st.integers(1, 800_000),
)
def test_due_times_equal_the_day_by_day_walk(calendar: Calendar, start: int, target: int) -> None:
    assert due_after(calendar, start, target, ()) == walked_due(calendar, start, target)


def test_a_clock_of_months_explains_its_whole_days_in_one_line() -> None:
    # given a ticket created on Friday 2026-02-27 at 16:00 and answered on 2026-07-01 at 09:30
    history = History(berlin("2026-02-27T16:00"), (), (Article(berlin("2026-07-01T09:30"),
                                                               Author.AGENT, True),))  # fmt: skip

    # when its first response is measured on the office calendar
    clock = measure(history, policy(first=240), OFFICE).first_response

    # then the first and the last day are listed span by span, the days between summed
    assert clock is not None
    assert clock.counted == (
        "Fri 2026-02-27 16:00–17:00 CET (60 min)",
        "2026-02-28 to 2026-06-30: 84 business days of 08:00 each (40320 min), "
        "not counting 3 holidays",
        "Wed 2026-07-01 08:00–09:30 CEST (90 min)",
    )
    assert clock.elapsed == 60 + 84 * 480 + 90
    assert isinstance(clock.counted_spans[1], Days)


def test_days_of_different_lengths_are_summed_without_hours_a_day() -> None:
    # given a 24/7 calendar in Berlin: the spring-forward day has 23 hours
    always = Calendar.always(tz="Europe/Berlin")
    start = epoch_minute(berlin("2026-03-01T12:00"))
    end = epoch_minute(berlin("2026-04-30T12:00"))

    # when the whole days between are summed
    pieces = always.stretch(start, end)

    # then they are one line of 59 days, one an hour short
    assert always.describe(pieces[1]) == "2026-03-02 to 2026-04-29: 59 business days (84900 min)"
    assert sum(p.minutes for p in pieces) == end - start


def test_a_week_of_whole_days_is_still_listed_span_by_span() -> None:
    # given Monday 08:00 to the Wednesday of the week after (8 whole days between)
    start = epoch_minute(berlin("2026-03-02T08:00"))
    short = epoch_minute(berlin("2026-03-10T08:00"))

    # then up to seven whole days between are listed; eight are summed
    assert all(isinstance(p, Span) for p in OFFICE.stretch(start, short))
    assert any(isinstance(p, Days) for p in OFFICE.stretch(start, short + 24 * 60))


def test_a_ticket_paused_for_years_has_a_bounded_explanation() -> None:
    # given a ticket created in 2026, waiting for the customer until 2199, then resolved
    created = berlin("2026-03-02T09:00")
    history = History(created, (
        StatusChange(berlin("2026-03-02T10:00"), Status.PENDING_CUSTOMER),
        StatusChange(berlin("2199-12-02T10:00"), Status.OPEN),  # a Monday
        StatusChange(berlin("2199-12-03T10:00"), Status.RESOLVED),
    ), (Article(berlin("2199-12-03T09:00"), Author.AGENT, True),))  # fmt: skip

    # when its clocks are measured
    report = measure(history, policy(first=240, resolution=960), OFFICE)

    # then each explanation is a handful of lines, and the figures are exact
    assert report.first_response is not None and report.resolution is not None
    for clock in report.clocks():
        assert len(clock.explain()) <= 12
    assert report.resolution.elapsed == 60 + (120 + 240) + 120
    assert report.resolution.paused[2].startswith("2026-03-03 to 2199-12-01: ")
    # 09:00–17:00 less lunch on the first day, 08:00–09:00 on the last, 8 hours on every
    # weekday between that is no holiday (all four holidays are weekdays)
    between = (date(2026, 3, 3) + timedelta(days=n) for n in range(64_000))
    weekdays = sum(1 for d in between if d < date(2199, 12, 3) and d.weekday() < 5)
    assert report.first_response.elapsed == 420 + (weekdays - 4) * 480 + 60
