"""SLA clocks, calendars, policies, surveys and parity figures of the care domain.

The four cases of tests/fixtures/cases/sla.json run as given; the rest pin the clock
rules of design/care.md: daylight saving time in Europe/Berlin both ways, several
ranges a day, reopened tickets, pauses, policy choice, and the parity thresholds.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from inhouse.care.domain import (
    Article,
    Author,
    Calendar,
    CareError,
    History,
    Policy,
    Priority,
    Status,
    StatusChange,
    TicketFigures,
    Tolerances,
    choose_policy,
    epoch_minute,
    measure,
    nps,
    parity_alerts,
    parse_period,
    percentile,
    segment_of,
)

CASES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "cases" / "sla.json"
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def calendar_of(spec: Any) -> Calendar:
    if spec == "24/7":
        return Calendar.always(tz="Europe/Berlin")
    hours = {day: [spec_range] for day, spec_range in spec["hours"].items()}
    return Calendar.of(id="case", tz=spec["tz"], hours=hours,
                       holidays=[date.fromisoformat(d) for d in spec["holidays"]])  # fmt: skip


def policy(first: int = 10_000, resolution: int = 10_000, **more: Any) -> Policy:
    from inhouse.care.domain import Targets

    return Policy(id=more.pop("id", "P"), position=more.pop("position", 1), calendar="c",
                  targets=Targets(first, resolution, more.pop("next_response", None)),
                  **more)  # fmt: skip


def reply(at: datetime, public: bool = True) -> Article:
    return Article(at, Author.AGENT, public)


def status(at: datetime, value: str) -> StatusChange:
    return StatusChange(at, Status(value))


# --------------------------------------------------------------------------- sla.json


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_the_cases_of_sla_json(case: dict[str, Any]) -> None:
    calendar = calendar_of(case["calendar"])
    created = berlin(case["created"])
    articles = tuple(
        reply(berlin(case["first_agent_reply"])) for _ in [1] if "first_agent_reply" in case
    )
    changes = tuple(status(berlin(at), value) for at, value in case.get("status", []))
    history = History(created, changes, articles)
    report = measure(history, policy(case.get("first_response_target", 10_000),
                                     case.get("resolution_target", 10_000)), calendar)  # fmt: skip
    expect = case["expect"]
    assert report.first_response is not None and report.resolution is not None
    if "first_response_minutes" in expect:
        assert report.first_response.elapsed == expect["first_response_minutes"]
    if "breached_by" in expect:
        assert report.first_response.breached is True
        assert report.first_response.breached_by == expect["breached_by"]
    if "resolution_due" in expect:
        assert report.resolution.due == berlin(expect["resolution_due"])


def test_sla_1_is_explained_span_by_span() -> None:
    calendar = calendar_of(CASES[0]["calendar"])
    history = History(berlin("2026-03-06T16:00"), (), (reply(berlin("2026-03-09T10:00")),))

    clock = measure(history, policy(60), calendar).first_response

    assert clock is not None
    assert clock.counted == (
        "Fri 2026-03-06 16:00–17:00 CET (60 min)",
        "Mon 2026-03-09 09:00–10:00 CET (60 min)",
    )
    assert clock.breached_by == 60
    assert "elapsed 120 business minutes: breached by 60 minutes" in clock.explain()


# --------------------------------------------------------------------------- DST


def test_a_night_shift_loses_the_hour_when_the_clocks_spring_forward() -> None:
    # Sunday 2026-03-29: 02:00 CET becomes 03:00 CEST; 01:00–04:00 holds 2 real hours.
    night = Calendar.of(id="n", tz="Europe/Berlin", hours={"daily": [["01:00", "04:00"]]})
    history = History(berlin("2026-03-29T00:30"), (), (reply(berlin("2026-03-29T05:00")),))

    clock = measure(history, policy(), night).first_response

    assert clock is not None and clock.elapsed == 120
    assert clock.counted == ("Sun 2026-03-29 01:00–04:00 CET/CEST (120 min)",)


def test_a_night_shift_gains_the_hour_when_the_clocks_fall_back() -> None:
    # Sunday 2026-10-25: 03:00 CEST becomes 02:00 CET; 01:00–04:00 holds 4 real hours.
    night = Calendar.of(id="n", tz="Europe/Berlin", hours={"daily": [["01:00", "04:00"]]})
    history = History(berlin("2026-10-25T00:30"), (), (reply(berlin("2026-10-25T05:00")),))

    clock = measure(history, policy(), night).first_response

    assert clock is not None and clock.elapsed == 240


def test_a_ticket_open_across_the_spring_forward_night_counts_real_minutes() -> None:
    always = Calendar.always(tz="Europe/Berlin")
    created = berlin("2026-03-28T22:00")  # 21:00Z
    answered = berlin("2026-03-29T04:00")  # 02:00Z: 5 real hours later, 6 on the wall

    clock = measure(History(created, (), (reply(answered),)), policy(), always).first_response

    assert clock is not None and clock.elapsed == 300


def test_a_due_time_across_the_fall_back_night_is_in_real_minutes() -> None:
    always = Calendar.always(tz="Europe/Berlin")
    created = berlin("2026-10-25T01:00")  # 23:00Z on the 24th, CEST

    clock = measure(History(created), policy(first=180), always).first_response

    # 180 real minutes: 01:00 CEST + 3 h = 03:00 CET (the 02:00–03:00 wall hour twice)
    assert clock is not None
    assert clock.due == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
    assert clock.due.astimezone(BERLIN).strftime("%H:%M %Z") == "03:00 CET"


def test_office_hours_on_the_dst_days_are_eight_hours_each() -> None:
    office = Calendar.of(id="o", tz="Europe/Berlin", hours={"mon-sun": [["09:00", "17:00"]]})
    for day in ("2026-03-29", "2026-10-25"):
        start = epoch_minute(berlin(f"{day}T00:00"))
        assert office.business_minutes(start, start + 25 * 60) == 480


# --------------------------------------------------------------------------- calendars


def test_several_ranges_a_day_skip_the_lunch_break() -> None:
    split = Calendar.of(id="s", tz="Europe/Berlin",
                        hours={"mon-fri": [["09:00", "12:00"], ["13:00", "17:00"]]})  # fmt: skip
    history = History(berlin("2026-03-02T11:30"), (), (reply(berlin("2026-03-02T13:30")),))

    clock = measure(history, policy(45), split).first_response

    assert clock is not None and clock.elapsed == 60
    assert clock.due == berlin("2026-03-02T13:15")


def test_overlapping_ranges_and_unknown_zones_are_refused() -> None:
    with pytest.raises(CareError, match="overlap"):
        Calendar.of(id="x", tz="UTC", hours={"mon": [["09:00", "12:00"], ["11:00", "13:00"]]})
    with pytest.raises(CareError, match="time zone"):
        Calendar.of(id="x", tz="Mars/Olympus", hours={})
    with pytest.raises(CareError, match="given twice"):
        Calendar.of(id="x", tz="UTC", hours={"mon-fri": [], "fri": []})
    with pytest.raises(CareError, match="time of day"):
        Calendar.of(id="x", tz="UTC", hours={"mon": [["9:00", "25:00"]]})


def test_a_holiday_has_no_business_minutes() -> None:
    case = CASES[3]
    calendar = calendar_of(case["calendar"])
    start = epoch_minute(berlin("2026-04-06T00:00"))
    assert calendar.business_minutes(start, start + 24 * 60) == 0


# --------------------------------------------------------------------------- resolution


def test_a_reopened_ticket_resumes_its_resolution_clock() -> None:
    always = Calendar.always()
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    history = History(t0, (
        status(t0.replace(minute=5), "open"),
        status(t0.replace(minute=30), "resolved"),   # 30 minutes counted
        status(t0.replace(hour=10), "open"),         # resolved 90 minutes: paused
        status(t0.replace(hour=10, minute=20), "closed"),  # 20 more
    ))  # fmt: skip

    clock = measure(history, policy(resolution=45), always).resolution

    assert clock is not None
    assert clock.elapsed == 50
    assert clock.stopped == t0.replace(hour=10, minute=20)
    assert clock.breached is True and clock.breached_by == 5


def test_a_ticket_reopened_and_not_yet_resolved_has_a_running_clock_and_a_due_time() -> None:
    always = Calendar.always()
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    history = History(t0, (status(t0.replace(minute=30), "resolved"),
                           status(t0.replace(hour=9), "open")))  # fmt: skip

    clock = measure(history, policy(resolution=60), always).resolution

    assert clock is not None and clock.elapsed is None and clock.breached is None
    assert clock.due == t0.replace(hour=9, minute=30)  # 30 used, 30 left after reopening


def test_a_ticket_waiting_for_the_customer_has_no_due_time() -> None:
    always = Calendar.always()
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    history = History(t0, (status(t0.replace(minute=10), "pending_customer"),))

    clock = measure(history, policy(resolution=60), always).resolution

    assert clock is not None and clock.due is None
    assert "no due time while the ticket waits in a paused status" in clock.explain()


def test_internal_notes_do_not_count_as_first_response() -> None:
    always = Calendar.always()
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    history = History(t0, (), (reply(t0.replace(minute=5), public=False),
                               Article(t0.replace(minute=7), Author.REQUESTER, True),
                               reply(t0.replace(minute=40))))  # fmt: skip

    clock = measure(history, policy(first=30), always).first_response

    assert clock is not None and clock.elapsed == 40 and clock.breached is True


def test_next_response_is_the_longest_wait_after_a_requester_message() -> None:
    always = Calendar.always()
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    history = History(t0, (), (
        reply(t0.replace(minute=5)),
        Article(t0.replace(minute=10), Author.REQUESTER, True),
        reply(t0.replace(minute=25)),
        Article(t0.replace(minute=30), Author.REQUESTER, True),
        Article(t0.replace(minute=35), Author.REQUESTER, True),
        reply(t0.replace(minute=40)),
    ))  # fmt: skip

    clock = measure(history, policy(next_response=12), always).next_response

    assert clock is not None and clock.elapsed == 15 and clock.breached_by == 3


def test_seconds_are_dropped_so_every_figure_is_whole_minutes() -> None:
    always = Calendar.always()
    t0 = datetime(2026, 3, 2, 8, 0, 59, tzinfo=UTC)
    history = History(t0, (), (reply(datetime(2026, 3, 2, 8, 30, 1, tzinfo=UTC)),))
    clock = measure(history, policy(first=30), always).first_response
    assert clock is not None and clock.elapsed == 30 and clock.breached is False


def test_an_event_before_creation_is_refused() -> None:
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    history = History(t0, (), (reply(t0.replace(hour=7)),))
    with pytest.raises(CareError, match="before the ticket was created"):
        measure(history, policy(), Calendar.always())


# --------------------------------------------------------------------------- policies


def test_the_first_matching_policy_by_position_applies_and_the_others_say_why_not() -> None:
    urgent_internal = policy(id="UI", position=1, segments=frozenset({"internal"}),
                             priorities=frozenset({Priority.URGENT}))  # fmt: skip
    employees = policy(id="EMP", position=2, segments=frozenset({"employee"}))
    fallback = policy(id="ALL", position=9)

    choice = choose_policy([fallback, employees, urgent_internal], "employee", Priority.NORMAL)

    assert choice.policy is not None and choice.policy.id == "EMP"
    assert choice.evidence == (
        "SLA policy UI (position 1) does not apply: the priority normal is not one of urgent",
        "SLA policy EMP (position 2) applies: the first that matches",
    )
    external = choose_policy([fallback, employees, urgent_internal], "external", Priority.URGENT)
    assert external.policy is not None and external.policy.id == "ALL"
    assert (
        external.evidence[-1] == "SLA policy ALL (position 9) applies: the fallback (no conditions)"
    )
    assert choose_policy([employees], "external", Priority.LOW).policy is None


def test_a_policy_names_only_known_segments() -> None:
    with pytest.raises(CareError, match="not a segment"):
        policy(segments=frozenset({"staff"}))


# --------------------------------------------------------------------------- surveys, stats


def test_nps_is_percent_promoters_minus_percent_detractors() -> None:
    assert nps([10, 9, 8, 7, 6, 0]) == Decimal("0.0")
    assert nps([10, 10, 10]) == Decimal("100.0")
    assert nps([0, 9, 9]) == Decimal("33.3")
    assert nps([]) is None


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile([1, 2, 3, 4], 50) == 2  # the lower middle, no interpolation
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile(list(range(1, 12)), 90) == 10
    assert percentile([7], 90) == 7
    assert percentile([], 50) is None


def test_periods_are_half_open() -> None:
    assert parse_period("2026-Q1").end == date(2026, 4, 1)
    assert parse_period("2026-q4").end == date(2027, 1, 1)
    assert parse_period("2026-03").start == date(2026, 3, 1)
    assert parse_period("2026").end == date(2027, 1, 1)
    for bad in ("2026-Q5", "2026-13", "26", "Q1"):
        with pytest.raises(CareError):
            parse_period(bad)


# --------------------------------------------------------------------------- parity


def tickets(prefix: str, relation: str, minutes: list[int], breached: int = 0,
            csat: int | None = None) -> list[TicketFigures]:  # fmt: skip
    return [
        TicketFigures(f"{prefix}{n}", relation, m, m * 2, n < breached,
                      () if csat is None else (csat,))
        for n, m in enumerate(minutes)
    ]  # fmt: skip


def alerts_for(inside: list[TicketFigures], outside: list[TicketFigures],
               limits: Tolerances = Tolerances()) -> tuple[dict[str, Any], list[str]]:  # fmt: skip
    internal, external = segment_of("internal", inside), segment_of("external", outside)
    found, notes = parity_alerts(inside, outside, internal, external, limits)
    return {a.metric: a for a in found}, notes


def test_median_exactly_at_the_tolerance_is_no_alert_and_one_minute_more_is() -> None:
    outside = tickets("E", "external", [100] * 10)
    at_edge, _ = alerts_for(tickets("I", "employee", [110] * 10), outside)
    beyond, _ = alerts_for(tickets("I", "employee", [111] * 10), outside)

    assert "first_response_median" not in at_edge
    alert = beyond["first_response_median"]
    assert (alert.internal, alert.external) == (111, 100)
    assert alert.tickets == tuple(f"I{n}" for n in range(10))
    assert "resolution_median" in beyond  # 222 against 200


def test_attainment_at_the_tolerance_is_no_alert() -> None:
    outside = tickets("E", "external", [10] * 10)  # 100 %
    at_edge, _ = alerts_for(tickets("I", "intercompany", [10] * 10, breached=1), outside)  # 90 %
    beyond, _ = alerts_for(tickets("I", "intercompany", [10] * 10, breached=2), outside)  # 80 %

    assert "sla_attainment_pct" not in at_edge
    assert beyond["sla_attainment_pct"].internal == Decimal("80.0")
    assert beyond["sla_attainment_pct"].tickets == ("I0", "I1")


def test_csat_gap_of_exactly_the_tolerance_is_no_alert() -> None:
    outside = tickets("E", "external", [10] * 10, csat=4)
    inside_edge = tickets("I", "employee", [10] * 7, csat=4) + tickets(
        "J", "employee", [10] * 3, csat=3
    )
    at_edge, _ = alerts_for(inside_edge, outside)  # 3.7 against 4.0
    beyond, _ = alerts_for(tickets("I", "employee", [10] * 10, csat=3), outside)

    assert "csat_mean" not in at_edge
    assert beyond["csat_mean"].internal == Decimal("3.00")


def test_too_few_tickets_on_one_side_raise_no_alert_but_say_so() -> None:
    outside = tickets("E", "external", [10] * 9)
    found, notes = alerts_for(tickets("I", "employee", [500] * 30), outside)

    assert found == {}
    assert notes[0] == (
        "too few tickets to compare (30 internal, 9 external; at least 10 on each side)"
    )
    relaxed, _ = alerts_for(tickets("I", "employee", [500] * 30), outside,
                            Tolerances(min_tickets=9))  # fmt: skip
    assert "first_response_median" in relaxed
