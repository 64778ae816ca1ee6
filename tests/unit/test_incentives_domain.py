"""Points for purchases, the ledger read first in first out, expiry and participation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from inhouse.dates import Period
from inhouse.errors import InvalidRequest
from inhouse.groups.domain import Employment, EmploymentKind
from inhouse.incentives.domain import (
    Entry,
    EntryKind,
    IncentiveProgramme,
    InsufficientPoints,
    Lot,
    Month,
    ProgrammeKind,
    Purchase,
    PurchaseHistory,
    ScopeKind,
    check_debit,
    due_expiries,
    months_between,
    open_lots,
    participation,
    points_back_for_return,
    points_for_purchase,
    share_pct,
)
from inhouse.money import Money

ON = date(2026, 3, 2)
SPEND = IncentiveProgramme(
    "SPEND", "A point per euro", ProgrammeKind.POINTS_PER_SPEND,
    points_per_unit=Decimal(1), currency="EUR", points_valid_days=365,
)  # fmt: skip
FIRST = IncentiveProgramme(
    "FIRST", "Welcome bonus", ProgrammeKind.FIRST_PURCHASE_BONUS, bonus_points=500
)
REFER = IncentiveProgramme(
    "REFER", "Bring a colleague", ProgrammeKind.REFERRAL_BONUS, bonus_points=1000
)
FIRST_TIME = PurchaseHistory(first_purchase=True)
AGAIN = PurchaseHistory(first_purchase=False)


def purchase(amount: str = "120.50", **changes: object) -> Purchase:
    made = Purchase(
        order="O-1", person="P1", seller="ABC", buyer_entity="ABC", unit="ABC-SHOP",
        on=ON, amount=Money.of(amount, "EUR"), list_amount=Money.of("150.00", "EUR"),
        internal=True, relation="employee", group="JKL",
    )  # fmt: skip
    return replace(made, **changes)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- programmes


def test_points_per_spend_are_rounded_down_to_whole_points() -> None:
    # given 1.5 points per euro, valid for 365 days
    programme = replace(SPEND, points_per_unit=Decimal("1.5"))

    # when P1 spends 120.50 EUR
    answer = points_for_purchase(programmes=[programme], purchase=purchase(), history=AGAIN)

    # then 180 points (180.75 rounded down), expiring a year later, with the reason
    (award,) = answer.awards
    assert (award.programme, award.person, award.points) == ("SPEND", "P1", 180)
    assert award.expires_on == date(2027, 3, 2)
    assert award.reason == (
        "180 points from SPEND: 1.5 per EUR on 120.50 EUR spent at ABC on 2026-03-02 "
        "(order O-1), rounded down"
    )
    assert answer.not_applied == ()


def test_a_purchase_worth_less_than_a_point_earns_none() -> None:
    answer = points_for_purchase(programmes=[SPEND], purchase=purchase("0.99"), history=AGAIN)
    assert answer.awards == ()
    assert [n.sentence for n in answer.not_applied] == [
        "SPEND does not apply: 0.99 EUR earns less than 1 point"
    ]


def test_external_purchases_and_purchases_by_entities_earn_nothing() -> None:
    external = purchase(internal=False, relation="external")
    by_entity = purchase(person=None, relation="intercompany")

    first = points_for_purchase(programmes=[SPEND], purchase=external, history=FIRST_TIME)
    second = points_for_purchase(programmes=[SPEND], purchase=by_entity, history=FIRST_TIME)

    assert first.awards == second.awards == ()
    assert first.not_applied[0].sentence == (
        "SPEND does not apply: the purchase is not internal (external)"
    )
    assert second.not_applied[0].sentence == (
        "SPEND does not apply: only purchases by a person earn points"
    )


def test_a_programme_applies_only_in_its_half_open_period() -> None:
    # given a programme valid in March 2026 only
    march = replace(SPEND, period=Period(date(2026, 3, 1), date(2026, 4, 1)))

    last_day = purchase(on=date(2026, 3, 31))
    first_after = purchase(on=date(2026, 4, 1))

    assert points_for_purchase(programmes=[march], purchase=last_day, history=AGAIN).total == 120
    after = points_for_purchase(programmes=[march], purchase=first_after, history=AGAIN)
    assert after.total == 0
    assert after.not_applied[0].sentence == (
        "SPEND does not apply: it is not valid on 2026-04-01 (since 2026-03-01, until 2026-04-01)"
    )


def test_seller_scopes_entity_and_group() -> None:
    of_xyz = replace(SPEND, id="XYZ-ONLY", scope=ScopeKind.ENTITY, scope_id="XYZ")
    of_jkl = replace(SPEND, id="JKL-GROUP", scope=ScopeKind.GROUP, scope_id="JKL")
    of_other = replace(SPEND, id="OTHER-GROUP", scope=ScopeKind.GROUP, scope_id="DEF")

    answer = points_for_purchase(programmes=[of_xyz, of_jkl, of_other], purchase=purchase(),
                                 history=AGAIN)  # fmt: skip

    assert [(a.programme, a.points) for a in answer.awards] == [("JKL-GROUP", 120)]
    assert [n.sentence for n in answer.not_applied] == [
        "OTHER-GROUP does not apply: it counts only sales of the DEF group, and ABC belongs to JKL",
        "XYZ-ONLY does not apply: it counts only sales of XYZ, and ABC sold",
    ]


def test_spending_in_another_currency_earns_nothing() -> None:
    in_dollars = replace(purchase(), amount=Money.of("100", "USD"))
    answer = points_for_purchase(programmes=[SPEND], purchase=in_dollars, history=AGAIN)
    assert answer.total == 0
    assert answer.not_applied[0].sentence == (
        "SPEND does not apply: it counts spending in EUR, the purchase was in USD"
    )


def test_first_purchase_bonus_only_on_the_first_internal_purchase() -> None:
    first = points_for_purchase(programmes=[FIRST], purchase=purchase(), history=FIRST_TIME)
    again = points_for_purchase(programmes=[FIRST], purchase=purchase(), history=AGAIN)

    assert [(a.person, a.points, a.expires_on) for a in first.awards] == [("P1", 500, None)]
    assert first.awards[0].reason == (
        "500 points from FIRST: first internal purchase of P1 (order O-1 at ABC on 2026-03-02)"
    )
    assert again.awards == ()
    assert again.not_applied[0].sentence == "FIRST does not apply: P1 has bought internally before"


def test_referral_bonus_goes_to_the_referrer_on_the_first_purchase() -> None:
    referred = PurchaseHistory(first_purchase=True, referrer="P2")

    answer = points_for_purchase(programmes=[REFER, FIRST], purchase=purchase(), history=referred)

    assert [(a.programme, a.person, a.points) for a in answer.awards] == [
        ("FIRST", "P1", 500),
        ("REFER", "P2", 1000),
    ]
    assert answer.awards[1].reason == (
        "1,000 points from REFER: P2 referred P1, whose first internal purchase is order O-1 "
        "on 2026-03-02"
    )
    unreferred = points_for_purchase(programmes=[REFER], purchase=purchase(), history=FIRST_TIME)
    assert unreferred.not_applied[0].sentence == "REFER does not apply: nobody referred P1"


def test_a_budget_caps_the_award_and_an_exhausted_budget_awards_nothing() -> None:
    capped = replace(SPEND, budget=10_000)

    partly = points_for_purchase(programmes=[capped], purchase=purchase(),
                                 history=PurchaseHistory(False, budget_left={"SPEND": 40}))  # fmt: skip
    exactly = points_for_purchase(programmes=[capped], purchase=purchase(),
                                  history=PurchaseHistory(False, budget_left={"SPEND": 120}))  # fmt: skip
    nothing = points_for_purchase(programmes=[capped], purchase=purchase(),
                                  history=PurchaseHistory(False, budget_left={"SPEND": 0}))  # fmt: skip

    assert partly.total == 40
    assert partly.awards[0].reason.endswith(
        "; capped at 40 points of 120 points: all its budget had left"
    )
    assert exactly.total == 120
    assert "capped" not in exactly.awards[0].reason
    assert nothing.total == 0
    assert nothing.not_applied[0].sentence == (
        "SPEND does not apply: its budget is used up (10,000 points awarded)"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"points_per_unit": None}, "a points_per_spend programme needs points_per_unit above 0"),
        ({"points_per_unit": Decimal(0)}, "points_per_spend programme needs points_per_unit"),
        ({"currency": None}, "a points_per_spend programme names the currency of its rate"),
        ({"bonus_points": 5}, "a points_per_spend programme has no bonus_points"),
        ({"scope": ScopeKind.ENTITY}, "an entity or group scope names its id"),
        ({"budget": -1}, "a budget is at least 0 points"),
        ({"points_valid_days": 0}, "points stay valid for at least 1 day"),
    ],
)
def test_inconsistent_programmes_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(SPEND, **changes)  # type: ignore[arg-type]


def test_a_bonus_programme_needs_its_bonus_and_no_rate() -> None:
    with pytest.raises(ValueError, match="a first_purchase_bonus programme needs bonus_points"):
        replace(FIRST, bonus_points=None)
    with pytest.raises(ValueError, match="has neither points_per_unit nor currency"):
        replace(FIRST, currency="EUR")


def test_a_return_takes_back_what_the_amount_returned_earned() -> None:
    # given 120 points earned at 1 per EUR on 120.50 EUR
    spent = purchase()

    # when 40.25 EUR are returned, then the remaining 40.25 EUR
    first = points_back_for_return(programme=SPEND, earned=120, purchase=spent,
                                   returned_before=Money.of("0", "EUR"),
                                   returned_now=Money.of("40.25", "EUR"))  # fmt: skip
    rest = points_back_for_return(programme=SPEND, earned=120, purchase=spent,
                                  returned_before=Money.of("40.25", "EUR"),
                                  returned_now=Money.of("80.25", "EUR"))  # fmt: skip

    # then 80.25 EUR keep 80 points (40 back), nothing paid keeps none (80 back)
    assert (first.points, rest.points) == (40, 80)
    assert first.reason == (
        "40 points of SPEND taken back: the return of 40.25 EUR leaves 80.25 EUR paid for order "
        "O-1 (120.50 EUR), which keeps 80 points of the 120 points earned"
    )


def test_a_return_of_a_budget_capped_award_takes_back_only_what_exceeds_the_cap() -> None:
    # given only 50 of 120 points awarded (the budget ran out)
    back = points_back_for_return(programme=SPEND, earned=50, purchase=purchase(),
                                  returned_before=Money.of("0", "EUR"),
                                  returned_now=Money.of("60.50", "EUR"))  # fmt: skip
    # then 60.00 EUR paid still earn more than 50: nothing is taken back
    assert back.points == 0


def test_bonuses_stay_and_returns_beyond_the_purchase_are_refused() -> None:
    bonus = points_back_for_return(programme=FIRST, earned=500, purchase=purchase(),
                                   returned_before=Money.of("0", "EUR"),
                                   returned_now=Money.of("120.50", "EUR"))  # fmt: skip
    assert (bonus.points, bonus.reason) == (0, "FIRST: a bonus is not taken back")
    with pytest.raises(
        InvalidRequest, match=r"returns of 120\.51 EUR exceed order O-1's 120\.50 EUR"
    ):
        points_back_for_return(programme=SPEND, earned=120, purchase=purchase(),
                               returned_before=Money.of("100", "EUR"),
                               returned_now=Money.of("20.51", "EUR"))  # fmt: skip


# --------------------------------------------------------------------------- the ledger


def earn(id: int, points: int, expires_on: date | None, programme: str = "SPEND") -> Entry:
    return Entry(id, "P1", EntryKind.EARN, points, ON, programme, expires_on)


def debit(id: int, points: int, kind: EntryKind = EntryKind.REDEEM) -> Entry:
    return Entry(id, "P1", kind, -points, ON)


def test_debits_use_the_points_that_expire_first() -> None:
    # given 100 points expiring in June, 50 never expiring, 80 expiring in April
    entries = [
        earn(1, 100, date(2026, 6, 1)),
        earn(2, 50, None, "FIRST"),
        earn(3, 80, date(2026, 4, 1)),
        debit(4, 120),  # when 120 are redeemed
    ]

    # then April's 80 are used up, June's lot keeps 60, the never-expiring 50 are untouched
    assert open_lots(entries) == [
        Lot(1, "SPEND", 100, 60, date(2026, 6, 1)),
        Lot(2, "FIRST", 50, 50, None),
    ]


def test_a_debit_uses_only_points_booked_before_it() -> None:
    entries = [earn(1, 100, date(2026, 6, 1)), debit(2, 30), earn(3, 80, date(2026, 4, 1))]
    assert open_lots(entries) == [
        Lot(3, "SPEND", 80, 80, date(2026, 4, 1)),
        Lot(1, "SPEND", 100, 70, date(2026, 6, 1)),
    ]


def test_unused_points_expire_on_their_expiry_day_and_not_before() -> None:
    entries = [earn(1, 100, date(2026, 6, 1)), debit(2, 30), earn(3, 80, date(2026, 7, 1))]

    assert due_expiries(entries, date(2026, 5, 31)) == []
    (expiry,) = due_expiries(entries, date(2026, 6, 1))
    assert (expiry.lot, expiry.points, expiry.programme, expiry.expires_on) == (
        1, 70, "SPEND", date(2026, 6, 1),
    )  # fmt: skip
    assert expiry.reason == (
        "70 points of 100 points earned of SPEND (entry 1) unused by 2026-05-31: "
        "they expire on 2026-06-01"
    )


def test_booked_expiries_are_not_due_again() -> None:
    # given the expiry of lot 1 booked
    entries = [
        earn(1, 100, date(2026, 6, 1)),
        Entry(2, "P1", EntryKind.EXPIRE, -100, date(2026, 6, 1), "SPEND", None, lot=1),
    ]
    # then nothing is due, on that day or later
    assert due_expiries(entries, date(2026, 6, 1)) == []
    assert due_expiries(entries, date(2027, 1, 1)) == []
    assert open_lots(entries) == []


def test_a_used_up_lot_expires_nothing() -> None:
    entries = [earn(1, 100, date(2026, 6, 1)), debit(2, 100)]
    assert due_expiries(entries, date(2026, 12, 31)) == []


def test_negative_adjustments_are_debits_and_positive_ones_credits() -> None:
    entries = [
        earn(1, 100, date(2026, 6, 1)),
        Entry(2, "P1", EntryKind.ADJUST, 25, ON),
        Entry(3, "P1", EntryKind.ADJUST, -110, ON),
    ]
    assert open_lots(entries) == [Lot(2, None, 25, 15, None)]


def test_a_debit_larger_than_the_balance_is_refused() -> None:
    check_debit(balance=100, points=100, person="P1")  # all of it: fine
    with pytest.raises(InsufficientPoints, match="P1 has 100 points; 101 points cannot be taken"):
        check_debit(balance=100, points=101, person="P1")


# --------------------------------------------------------------------------- participation


def employed(person: str, entity: str, unit: str | None, since: date,
             until: date | None = None, kind: EmploymentKind = EmploymentKind.EMPLOYEE) -> Employment:  # fmt: skip
    return Employment(person, entity, unit, kind, Period(since, until))


STAFF = [
    employed("P1", "ABC", "ABC-SHOP", date(2020, 1, 1)),
    employed("P2", "ABC", "ABC-SHOP", date(2020, 1, 1)),
    employed("P3", "ABC", "ABC-OFFICE", date(2020, 1, 1), until=date(2026, 3, 1)),  # left
    employed("P4", "XYZ", None, date(2026, 2, 28)),  # joins on the last day of February
    employed("P5", "XYZ", None, date(2019, 1, 1), kind=EmploymentKind.RETIREE),
]


def bought(order: str, person: str | None, on: date, amount: str, list_amount: str,
           internal: bool = True, seller: str = "XYZ") -> Purchase:  # fmt: skip
    return Purchase(order, person, seller, None, None, on, Money.of(amount, "EUR"),
                    Money.of(list_amount, "EUR"), internal, "employee" if internal else "external")  # fmt: skip


def test_participation_per_entity_unit_and_month_with_revenue_and_discount_cost() -> None:
    purchases = [
        bought("O1", "P1", date(2026, 2, 3), "80.00", "100.00"),
        bought("O2", "P1", date(2026, 2, 20), "40.00", "50.00"),
        bought("O3", "P3", date(2026, 2, 28), "10.00", "10.00"),
        bought("O4", "P4", date(2026, 3, 5), "90.00", "100.00"),
        bought("O5", "P5", date(2026, 3, 6), "50.00", "60.00"),  # retiree: not eligible
        bought("O6", "C001", date(2026, 3, 7), "250.00", "250.00", internal=False),
        bought("O7", None, date(2026, 3, 8), "1000.00", "1000.00", seller="ABC"),  # by an entity
    ]

    answer = participation(purchases=purchases, employments=STAFF,
                           months=[Month(2026, 2), Month(2026, 3)])  # fmt: skip

    february, march = answer.months
    # February: P1, P2, P3 at ABC, P4 at XYZ from the 28th; P1 and P3 bought
    assert (february.rate.eligible, february.rate.participants, february.rate.pct) == (
        4, 2, Decimal("50.00"),
    )  # fmt: skip
    assert [(e.entity, e.rate.eligible, e.rate.participants) for e in february.entities] == [
        ("ABC", 3, 2),
        ("XYZ", 1, 0),
    ]
    assert [(u.unit, u.rate.eligible, u.rate.participants, u.rate.pct) for u in february.units] == [
        ("ABC-OFFICE", 1, 1, Decimal("100.00")),
        ("ABC-SHOP", 2, 1, Decimal("50.00")),
    ]
    (revenue,) = february.revenue
    assert (revenue.total, revenue.internal, revenue.internal_pct, revenue.discount_cost) == (
        Money.of("130.00", "EUR"), Money.of("130.00", "EUR"), Decimal("100.00"),
        Money.of("30.00", "EUR"),
    )  # fmt: skip
    assert february.change_pts is None

    # March: P3 has left; P1, P2, P4 eligible; only P4 bought; the retiree is not counted
    assert (march.rate.eligible, march.rate.participants, march.rate.pct) == (
        3, 1, Decimal("33.33"),
    )  # fmt: skip
    assert march.change_pts == Decimal("-16.67")
    (revenue,) = march.revenue
    assert (revenue.total, revenue.internal, revenue.internal_pct, revenue.discount_cost) == (
        Money.of("1390.00", "EUR"), Money.of("1140.00", "EUR"), Decimal("82.01"),
        Money.of("20.00", "EUR"),
    )  # fmt: skip
    assert march.evidence == (
        "2026-03: 3 employees were employed on at least one day of the month (retirees not "
        "counted); 1 of them bought internally at least once",
        "1 internal buyer(s) were not eligible employees that month and are not counted: P5",
    )
    assert answer.trend == (
        "participation fell from 50.00% in 2026-02 to 33.33% in 2026-03 (-16.67 percentage points)"
    )


def test_a_month_without_eligible_employees_has_no_share() -> None:
    answer = participation(purchases=[], employments=[], months=[Month(2026, 1)])
    (january,) = answer.months
    assert (january.rate.eligible, january.rate.participants, january.rate.pct) == (0, 0, None)
    assert january.revenue == ()
    assert answer.trend == "one month or less with eligible employees: no trend"


def test_months_parse_and_run_over_the_year_end() -> None:
    assert Month.parse("2026-03") == Month(2026, 3)
    assert [str(m) for m in months_between(Month(2025, 11), Month(2026, 2))] == [
        "2025-11", "2025-12", "2026-01", "2026-02",
    ]  # fmt: skip
    for text in ("2026-13", "2026-3", "March", "2026-03-01"):
        with pytest.raises(ValueError, match="is not a month"):
            Month.parse(text)


def test_shares_round_half_up_to_two_decimals() -> None:
    assert share_pct(1, 3) == Decimal("33.33")
    assert share_pct(2, 3) == Decimal("66.67")
    assert share_pct(1, 8) == Decimal("12.50")
    assert share_pct(0, 0) is None
