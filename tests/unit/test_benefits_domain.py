"""The benefits domain: taxable benefit of staff discounts in DE, the US and the UK."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inhouse.benefits.domain import (
    BenefitLine,
    BenefitStatement,
    GrossProfitPercentage,
    InvalidBenefitLines,
    Jurisdiction,
    PayrollRow,
    ProductKind,
    Relation,
    Rule,
    Scheme,
    TaxPeriod,
    WageType,
    benefit_statements,
    payroll_rows,
)
from inhouse.money import CurrencyMismatch, Money

CASES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "cases" / "benefits.json"
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]
KNOWN_ANSWERS = {"benefit", "taxable_year", "taxable_month", "tax_free", "taxable"}

MARCH = date(2026, 3, 2)
COUNTRY_CURRENCY = {"DE": "EUR", "US": "USD", "UK": "GBP", "GB": "GBP"}
COUNTRY_EMPLOYER = {"DE": "ABC", "US": "ACME", "UK": "BRIT", "GB": "BRIT"}


def line(
    *,
    id: str = "L1",
    country: str = "DE",
    seller: str | None = None,
    on: date = MARCH,
    list_price: str = "100",
    price_paid: str = "80",
    quantity: int = 1,
    unit_cost: str | None = None,
    market_price: str | None = None,
    currency: str | None = None,
    employer: str | None = None,
    original_line: str | None = None,
    **flags: Any,
) -> BenefitLine:
    """A line of person P1; by default bought from the employer itself (relation employee)."""
    employer = employer or COUNTRY_EMPLOYER[country]
    seller = seller or employer
    return BenefitLine(
        id=id,
        person="P1",
        employee_number=f"{employer}-0001",
        employer=employer,
        employer_country=country,
        seller=seller,
        relation=Relation.EMPLOYEE if seller == employer else Relation.GROUP_EMPLOYEE,
        on=on,
        product="Widget",
        list_price=Decimal(list_price),
        price_paid=Decimal(price_paid),
        unit_cost=None if unit_cost is None else Decimal(unit_cost),
        market_price=None if market_price is None else Decimal(market_price),
        quantity=quantity,
        currency=currency or COUNTRY_CURRENCY[country],
        original_line=original_line,
        **flags,
    )


def returned(purchase: BenefitLine, *, id: str, on: date, quantity: int) -> BenefitLine:
    """A return of ``quantity`` units (negative) of ``purchase``, dated ``on``."""
    return replace(purchase, id=id, on=on, quantity=quantity, original_line=purchase.id)


def only(statements: tuple[BenefitStatement, ...]) -> BenefitStatement:
    assert len(statements) == 1, [(s.scheme, s.period.label) for s in statements]
    return statements[0]


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


# --------------------------------------------------------------------------- worked cases


def _with(*answers: str) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in CASES if set(answers) & set(c["expect"])]


def test_every_answer_in_the_cases_file_is_checked() -> None:
    # given the cases file / then each expected answer is one tested below
    assert len(CASES) >= 10
    for case in CASES:
        assert set(case["expect"]) <= KNOWN_ANSWERS, case["id"]


@pytest.mark.parametrize("case", _with("taxable_year"))
def test_case_de_section_8_3(case: dict[str, Any]) -> None:
    # given one purchase from the own employer
    assert case["rule"] == "8(3)"
    purchase = line(list_price=case["list_price"], price_paid=case["price_paid"])
    # when
    statement = only(benefit_statements([purchase]))
    # then
    assert statement.scheme is Scheme.DE_8_3
    assert statement.lines[0].rule is Rule.DE_8_3
    assert statement.lines[0].benefit == eur(case["expect"]["benefit"])
    assert statement.benefit == eur(case["expect"]["benefit"])
    assert statement.taxable == eur(case["expect"]["taxable_year"])
    assert statement.period == TaxPeriod.calendar_year(2026)


@pytest.mark.parametrize("case", _with("taxable_month"))
def test_case_de_section_8_2(case: dict[str, Any]) -> None:
    # given group-company purchases in one month
    assert case["rule"] == "8(2)"
    lines = [
        line(id=f"L{n}", seller="XYZ", list_price=m["list_price"], price_paid=m["price_paid"])
        for n, m in enumerate(case["month_lines"], start=1)
    ]
    # when
    statement = only(benefit_statements(lines))
    # then
    assert statement.scheme is Scheme.DE_8_2
    assert statement.period == TaxPeriod.calendar_month(2026, 3)
    assert statement.taxable == eur(case["expect"]["taxable_month"])


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["jurisdiction"] == "US"], ids=lambda c: c["id"]
)
def test_case_us_section_132c(case: dict[str, Any]) -> None:
    # given a purchase from the employer and the seller's gross profit of the year before
    kind = ProductKind(case["kind"])
    gross_profit = [GrossProfitPercentage("ACME", 2025, Decimal(case.get("gross_profit_pct", "0")))]
    purchase = line(
        country="US", list_price=case["list_price"], price_paid=case["price_paid"], kind=kind
    )
    # when
    statement = only(benefit_statements([purchase], gross_profit))
    # then
    assert statement.tax_free == usd(case["expect"]["tax_free"])
    assert statement.taxable == usd(case["expect"]["taxable"])
    assert statement.lines[0].tax_free == usd(case["expect"]["tax_free"])
    assert statement.lines[0].taxable == usd(case["expect"]["taxable"])


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["jurisdiction"] == "UK"], ids=lambda c: c["id"]
)
def test_case_uk_cost_less_price_paid(case: dict[str, Any]) -> None:
    purchase = line(
        country="UK",
        list_price=case["list_price"],
        price_paid=case["price_paid"],
        unit_cost=case["unit_cost"],
    )
    statement = only(benefit_statements([purchase]))
    assert statement.taxable == Money(Decimal(case["expect"]["taxable"]), "GBP")
    assert statement.lines[0].taxable == Money(Decimal(case["expect"]["taxable"]), "GBP")


# --------------------------------------------------------------------------- DE § 8 (3)


def test_de_1_explains_itself() -> None:
    # given DE-1: list price 40,000, paid 32,000, own employer
    purchase = line(list_price="40000", price_paid="32000")
    # when
    statement = only(benefit_statements([purchase]))
    # then
    assert statement.lines[0].evidence == (
        "L1, 2026-03-02, 1 unit of Widget from ABC: § 8 (3) EStG: the employer ABC sells it to "
        "end customers",
        "96 % of the end price 40,000.00 = 38,400.00; 38,400.00 − 32,000.00 paid = 6,400.00 benefit",
    )
    assert statement.evidence == (
        "§ 8 (3) EStG, 2026, P1 at ABC: 6,400.00 benefit (1 line); allowance 1,080.00 "
        "used of 1,080.00, 0.00 left; taxable 5,320.00 EUR",
        "the allowance is a yearly amount per employment and is not reduced for a part year",
    )
    assert statement.allowance == eur("1080.00")
    assert statement.allowance_used == eur("1080.00")
    assert statement.tax_free == eur("1080.00")
    assert statement.changed_after is None


def test_allowance_exactly_used_up_leaves_nothing_taxable() -> None:
    # given 96 % of 10,000.00 = 9,600.00 − 8,520.00 = 1,080.00
    statement = only(benefit_statements([line(list_price="10000", price_paid="8520")]))
    # then
    assert statement.benefit == eur("1080.00")
    assert statement.allowance_used == eur("1080.00")
    assert statement.taxable == eur("0.00")


def test_one_cent_over_the_allowance_is_taxable() -> None:
    statement = only(benefit_statements([line(list_price="10000", price_paid="8519.99")]))
    assert statement.benefit == eur("1080.01")
    assert statement.allowance_used == eur("1080.00")
    assert statement.taxable == eur("0.01")


def test_the_allowance_covers_the_sum_of_the_year() -> None:
    # given three purchases in one year: 16.00 + 600.00 + 480.00 = 1,096.00
    lines = [
        line(id="L1", on=date(2026, 1, 5), list_price="100", price_paid="80"),
        line(id="L2", on=date(2026, 6, 5), list_price="1000", price_paid="360"),
        line(id="L3", on=date(2026, 12, 31), list_price="1000", price_paid="480"),
    ]
    # when
    statement = only(benefit_statements(lines))
    # then
    assert [v.benefit for v in statement.lines] == [eur("16.00"), eur("600.00"), eur("480.00")]
    assert statement.benefit == eur("1096.00")
    assert statement.taxable == eur("16.00")


def test_a_new_year_brings_a_new_allowance() -> None:
    lines = [
        line(id="L1", on=date(2026, 12, 31), list_price="10000", price_paid="8000"),
        line(id="L2", on=date(2027, 1, 1), list_price="10000", price_paid="8000"),
    ]
    statements = benefit_statements(lines)
    assert [(s.period.label, s.benefit, s.taxable) for s in statements] == [
        ("2026", eur("1600.00"), eur("520.00")),
        ("2027", eur("1600.00"), eur("520.00")),
    ]


def test_each_employment_has_its_own_allowance() -> None:
    # given the same person employed by ABC until May and by XYZ from June
    lines = [
        line(id="L1", employer="ABC", list_price="10000", price_paid="8000"),
        line(id="L2", employer="XYZ", on=date(2026, 6, 1), list_price="10000", price_paid="8000"),
    ]
    statements = benefit_statements(lines)
    assert [(s.employer, s.employee_number, s.taxable) for s in statements] == [
        ("ABC", "ABC-0001", eur("520.00")),
        ("XYZ", "XYZ-0001", eur("520.00")),
    ]


def test_a_retiree_qualifies_like_an_employee() -> None:
    statement = only(benefit_statements([line(list_price="100", price_paid="80", retiree=True)]))
    assert statement.scheme is Scheme.DE_8_3
    assert statement.taxable == eur("0.00")
    assert statement.lines[0].evidence[0] == (
        "L1, 2026-03-02, 1 unit of Widget from ABC: § 8 (3) EStG: the employer ABC sells it to "
        "end customers; as a retiree of ABC the buyer qualifies like an employee"
    )


def test_paying_more_than_96_percent_gives_no_benefit_not_a_negative_one() -> None:
    # given 96.00 is the valued price and 97.00 was paid, alongside another purchase
    lines = [
        line(id="L1", list_price="100", price_paid="97"),
        line(id="L2", list_price="2000", price_paid="500"),
    ]
    statement = only(benefit_statements(lines))
    assert statement.lines[0].benefit == eur("0.00")
    assert statement.lines[0].evidence[1] == (
        "96 % of the end price 100.00 = 96.00 is not above the 97.00 paid: no benefit"
    )
    assert statement.benefit == eur("1420.00")
    assert statement.taxable == eur("340.00")


def test_quantity_multiplies_the_unit_benefit() -> None:
    statement = only(benefit_statements([line(list_price="1000", price_paid="800", quantity=3)]))
    assert statement.benefit == eur("480.00")
    assert statement.lines[0].evidence[1] == (
        "96 % of the end price 1,000.00 = 960.00; (960.00 − 800.00 paid) × 3 = 480.00 benefit"
    )


# --------------------------------------------------------------------------- rounding


def test_each_line_is_rounded_half_up_and_statements_add_rounded_lines() -> None:
    # given 96 % of 9.99 = 9.5904: 1.5904 per unit; 3 units = 4.7712 → 4.77
    # and three lines worth 0.0048 each (96 % of 1.13 = 1.0848 − 1.08)
    lines = [
        line(id="L1", list_price="9.99", price_paid="8.00", quantity=3),
        line(id="L2", list_price="1.13", price_paid="1.08"),
        line(id="L3", list_price="1.13", price_paid="1.08"),
        line(id="L4", list_price="1.13", price_paid="1.08"),
    ]
    # when
    statement = only(benefit_statements(lines))
    # then each line is rounded on its own: 0.0048 → 0.00 three times, not 0.0144 → 0.01
    assert [v.benefit for v in statement.lines] == [
        eur("4.77"),
        eur("0.00"),
        eur("0.00"),
        eur("0.00"),
    ]
    assert statement.benefit == eur("4.77")
    assert statement.lines[0].evidence[1] == (
        "96 % of the end price 9.99 = 9.5904; (9.5904 − 8.00 paid) × 3 = 4.77 benefit"
    )


def test_a_line_is_rounded_once_for_all_its_units() -> None:
    # given 3 units worth 0.0048 each on one line: 0.0144 → 0.01 (not 3 × 0.00)
    statement = only(benefit_statements([line(list_price="1.13", price_paid="1.08", quantity=3)]))
    assert statement.benefit == eur("0.01")


def test_us_limit_is_rounded_half_up() -> None:
    # given 10 % of 0.25 = 0.025 → 0.03 (half even would give 0.02)
    gross_profit = [GrossProfitPercentage("ACME", 2025, Decimal("10"))]
    purchase = line(country="US", list_price="0.25", price_paid="0.10")
    statement = only(benefit_statements([purchase], gross_profit))
    assert statement.tax_free == usd("0.03")
    assert statement.taxable == usd("0.12")


# --------------------------------------------------------------------------- DE § 8 (2)


def test_group_discount_exactly_at_the_freigrenze_is_not_taxable() -> None:
    statement = only(benefit_statements([line(seller="XYZ", list_price="150", price_paid="100")]))
    assert statement.benefit == eur("50.00")
    assert statement.allowance == eur("50.00")
    assert statement.allowance_used == eur("50.00")
    assert statement.taxable == eur("0.00")
    assert statement.evidence[0] == (
        "§ 8 (2) EStG, March 2026, P1 at ABC: 50.00 benefit (1 line), at most the "
        "monthly Freigrenze of 50.00: nothing taxable; taxable 0.00 EUR"
    )


def test_one_cent_over_the_freigrenze_makes_all_of_it_taxable() -> None:
    statement = only(
        benefit_statements([line(seller="XYZ", list_price="150.01", price_paid="100")])
    )
    assert statement.benefit == eur("50.01")
    assert statement.allowance_used == eur("0.00")
    assert statement.tax_free == eur("0.00")
    assert statement.taxable == eur("50.01")
    assert statement.evidence[0] == (
        "§ 8 (2) EStG, March 2026, P1 at ABC: 50.01 benefit (1 line), more than the "
        "monthly Freigrenze of 50.00: all of it taxable; taxable 50.01 EUR"
    )


def test_the_freigrenze_was_44_euros_until_2021() -> None:
    lines = [
        line(id="L1", seller="XYZ", on=date(2021, 12, 1), list_price="144", price_paid="100"),
        line(id="L2", seller="XYZ", on=date(2021, 11, 1), list_price="144.01", price_paid="100"),
    ]
    statements = benefit_statements(lines)
    assert [(s.period.label, s.allowance, s.taxable) for s in statements] == [
        ("2021-11", eur("44.00"), eur("44.01")),
        ("2021-12", eur("44.00"), eur("0.00")),
    ]


def test_months_are_separate_and_nothing_carries_over() -> None:
    # given March 30 + 25 = 55 (over), April 30 (within), May nothing
    lines = [
        line(id="L1", seller="XYZ", on=date(2026, 3, 2), list_price="100", price_paid="70"),
        line(id="L2", seller="XYZ", on=date(2026, 4, 30), list_price="100", price_paid="70"),
        line(id="L3", seller="XYZ", on=date(2026, 3, 31), list_price="125", price_paid="100"),
    ]
    # when
    statements = benefit_statements(lines)
    # then
    assert [(s.period.label, s.benefit, s.taxable) for s in statements] == [
        ("2026-03", eur("55.00"), eur("55.00")),
        ("2026-04", eur("30.00"), eur("0.00")),
    ]
    assert [v.line.id for v in statements[0].lines] == ["L1", "L3"]


def test_items_for_employees_only_fall_under_8_2_without_the_4_percent() -> None:
    # given the own employer's item that is sold to employees only
    statement = only(
        benefit_statements([line(list_price="100", price_paid="70", for_employees_only=True)])
    )
    assert statement.scheme is Scheme.DE_8_2
    assert statement.benefit == eur("30.00")
    assert statement.lines[0].evidence == (
        "L1, 2026-03-02, 1 unit of Widget from ABC: § 8 (2) EStG: ABC sells it to employees "
        "only, not to end customers",
        "end price 100.00 − 70.00 paid = 30.00 benefit",
    )


def test_own_and_group_purchases_make_a_yearly_and_a_monthly_statement() -> None:
    lines = [
        line(id="L1", list_price="40000", price_paid="32000"),
        line(id="L2", seller="XYZ", list_price="100", price_paid="70"),
    ]
    statements = benefit_statements(lines)
    assert [(s.scheme, s.period.label, s.taxable) for s in statements] == [
        (Scheme.DE_8_3, "2026", eur("5320.00")),
        (Scheme.DE_8_2, "2026-03", eur("0.00")),
    ]
    assert statements[1].lines[0].evidence[0] == (
        "L2, 2026-03-02, 1 unit of Widget from XYZ: § 8 (2) EStG: the seller XYZ is a group "
        "company, not the employer ABC (group discount, BFH VI R 39/16)"
    )


# --------------------------------------------------------------------------- BMF 16.05.2013


def test_market_price_reports_both_valuations_and_keeps_8_3_by_default() -> None:
    # given a proven market price of 37,000.00
    purchase = line(list_price="40000", price_paid="32000", market_price="37000")
    # when
    statement = only(benefit_statements([purchase]))
    # then
    valued = statement.lines[0]
    assert valued.rule is Rule.DE_8_3
    assert valued.benefit == eur("6400.00")
    assert valued.market_valuation is not None
    assert valued.market_valuation.section_8_3 == eur("6400.00")
    assert valued.market_valuation.section_8_2 == eur("5000.00")
    assert valued.market_valuation.lower is Scheme.DE_8_2
    assert valued.market_valuation.chosen is Scheme.DE_8_3
    assert valued.evidence[2] == (
        "BMF 16.05.2013: at the proven market price 37,000.00, § 8 (2) EStG values it at "
        "5,000.00, lower than the § 8 (3) valuation 6,400.00 by 1,400.00; § 8 (3) applies "
        "unless § 8 (2) is chosen"
    )
    assert statement.taxable == eur("5320.00")


def test_market_price_above_the_96_percent_price_makes_8_3_the_lower() -> None:
    purchase = line(list_price="100", price_paid="80", market_price="99")
    valued = only(benefit_statements([purchase])).lines[0]
    assert valued.market_valuation is not None
    assert valued.market_valuation.lower is Scheme.DE_8_3
    assert valued.market_valuation.section_8_2 == eur("19.00")
    assert valued.market_valuation.section_8_3 == eur("16.00")


def test_chosen_market_valuation_counts_under_8_2_in_its_month() -> None:
    # given the market valuation chosen: 45.00 benefit goes to the monthly Freigrenze
    purchase = line(
        list_price="100", price_paid="50", market_price="95", market_valuation_chosen=True
    )
    statement = only(benefit_statements([purchase]))
    assert statement.scheme is Scheme.DE_8_2
    assert statement.period.label == "2026-03"
    assert statement.lines[0].rule is Rule.DE_8_2_MARKET
    assert statement.benefit == eur("45.00")
    assert statement.taxable == eur("0.00")
    market = statement.lines[0].market_valuation
    assert market is not None
    assert (market.section_8_3, market.chosen) == (eur("46.00"), Scheme.DE_8_2)


# --------------------------------------------------------------------------- returns


def test_a_return_within_the_year_reverses_its_units() -> None:
    # given 2 units (12,800.00 benefit) and a return of one in May
    purchase = line(list_price="40000", price_paid="32000", quantity=2)
    back = returned(purchase, id="R1", on=date(2026, 5, 4), quantity=-1)
    # when
    statement = only(benefit_statements([purchase, back]))
    # then
    assert [v.benefit for v in statement.lines] == [eur("12800.00"), eur("-6400.00")]
    assert statement.benefit == eur("6400.00")
    assert statement.taxable == eur("5320.00")
    assert statement.changed_after is None


def test_a_january_return_of_a_december_purchase_changes_december_s_year() -> None:
    # given 2026: 1,600.00 benefit (520.00 taxable); returned on 2027-01-10
    purchase = line(on=date(2026, 12, 15), list_price="10000", price_paid="8000")
    back = returned(purchase, id="R1", on=date(2027, 1, 10), quantity=-1)
    # when
    statement = only(benefit_statements([purchase, back]))
    # then the return counts in 2026, and 2027 gets no statement
    assert statement.period.label == "2026"
    assert statement.benefit == eur("0.00")
    assert statement.taxable == eur("0.00")
    assert statement.changed_after == date(2027, 1, 10)
    assert statement.lines[1].period == TaxPeriod.calendar_year(2026)
    assert statement.lines[1].evidence == (
        "R1, 2027-01-10: return of 1 unit of line L1 (bought 2026-12-15, 1 unit); it counts in "
        "2026, the period of the purchase; it changes the statement of 2026 after that period "
        "ended",
        "L1: § 8 (3) EStG: the employer ABC sells it to end customers",
        "the purchase now counts for 0 units instead of 1",
        "the return changes the benefit by -1,600.00",
    )
    assert statement.evidence[-1] == (
        "returns after 2026 ended (the last on 2027-01-10) changed this statement; payroll "
        "corrects that period"
    )


def test_a_return_in_the_next_month_changes_the_month_of_purchase() -> None:
    # given March: 30 + 25 = 55 (all taxable); the 25 line is returned in April
    first = line(id="L1", seller="XYZ", list_price="100", price_paid="70")
    second = line(id="L2", seller="XYZ", list_price="125", price_paid="100")
    back = returned(second, id="R1", on=date(2026, 4, 2), quantity=-1)
    # when
    statement = only(benefit_statements([first, second, back]))
    # then March is back within the Freigrenze; April has no statement
    assert statement.period.label == "2026-03"
    assert statement.benefit == eur("30.00")
    assert statement.taxable == eur("0.00")
    assert statement.changed_after == date(2026, 4, 2)


def test_returning_everything_in_parts_leaves_exactly_zero() -> None:
    # given 3 units worth 0.0048 each: 0.01 for the line; returned one by one
    purchase = line(list_price="1.13", price_paid="1.08", quantity=3)
    backs = [
        returned(purchase, id="R1", on=date(2026, 4, 1), quantity=-1),
        returned(purchase, id="R2", on=date(2026, 5, 1), quantity=-2),
    ]
    # when
    statement = only(benefit_statements([purchase, *backs]))
    # then 2 units kept are worth 0.0096 → 0.01, none kept 0.00
    assert [v.benefit for v in statement.lines] == [eur("0.01"), eur("0.00"), eur("-0.01")]
    assert statement.benefit == eur("0.00")


def test_us_return_reverses_tax_free_and_taxable() -> None:
    gross_profit = [GrossProfitPercentage("ACME", 2025, Decimal("20"))]
    purchase = line(country="US", list_price="1500", price_paid="1000", quantity=2)
    back = returned(purchase, id="R1", on=date(2027, 1, 3), quantity=-1)
    statement = only(benefit_statements([purchase, back], gross_profit))
    assert [(v.tax_free, v.taxable) for v in statement.lines] == [
        (usd("600.00"), usd("400.00")),
        (usd("-300.00"), usd("-200.00")),
    ]
    assert (statement.period.label, statement.tax_free, statement.taxable) == (
        "2026",
        usd("300.00"),
        usd("200.00"),
    )


# --------------------------------------------------------------------------- US


def test_us_goods_use_the_gross_profit_of_the_year_before() -> None:
    # given figures for 2025 (40 %) and 2026 (12 %); a purchase in 2026
    gross_profit = [
        GrossProfitPercentage("ACME", 2025, Decimal("40")),
        GrossProfitPercentage("ACME", 2026, Decimal("12")),
    ]
    purchase = line(country="US", list_price="1500", price_paid="1000")
    # when
    statement = only(benefit_statements([purchase], gross_profit))
    # then
    assert (statement.tax_free, statement.taxable) == (usd("500.00"), usd("0.00"))
    assert statement.lines[0].rule is Rule.US_132C_GOODS
    assert statement.lines[0].evidence[1] == (
        "discount 1,500.00 − 1,000.00 paid = 500.00; limit 40% (gross profit percentage of ACME "
        "in 2025) × 1,500.00 = 600.00; tax-free 500.00, taxable 0.00"
    )


def test_us_services_are_limited_to_20_percent() -> None:
    purchase = line(country="US", list_price="1500", price_paid="1000", kind=ProductKind.SERVICE)
    statement = only(benefit_statements([purchase]))
    assert statement.lines[0].rule is Rule.US_132C_SERVICES
    assert (statement.tax_free, statement.taxable) == (usd("300.00"), usd("200.00"))
    assert statement.evidence[0] == (
        "IRC § 132(c), 2026, P1 at ACME: discounts 500.00 (1 line); tax-free 300.00; "
        "taxable wages 200.00 USD"
    )


def test_us_real_estate_and_investment_property_are_all_taxable() -> None:
    purchase = line(
        country="US", list_price="300000", price_paid="270000", investment_property=True
    )
    statement = only(benefit_statements([purchase]))
    assert statement.lines[0].rule is Rule.US_NOT_QUALIFIED
    assert (statement.tax_free, statement.taxable) == (usd("0.00"), usd("30000.00"))


def test_us_group_employee_qualifies_in_the_same_line_of_business() -> None:
    # given a sister company's goods; its own gross profit percentage applies
    gross_profit = [GrossProfitPercentage("SISTER", 2025, Decimal("12"))]
    same = line(id="L1", country="US", seller="SISTER", list_price="1000", price_paid="700")
    other = line(
        id="L2",
        country="US",
        seller="OTHERCO",
        list_price="1000",
        price_paid="700",
        same_line_of_business=False,
    )
    statement = only(benefit_statements([same, other], gross_profit))
    assert [(v.rule, v.tax_free, v.taxable) for v in statement.lines] == [
        (Rule.US_132C_GOODS, usd("120.00"), usd("180.00")),
        (Rule.US_NOT_QUALIFIED, usd("0.00"), usd("300.00")),
    ]
    assert statement.taxable == usd("480.00")


# --------------------------------------------------------------------------- UK


def test_uk_statements_follow_the_tax_year() -> None:
    lines = [
        line(id="L1", country="GB", on=date(2026, 4, 5), unit_cost="60", price_paid="50"),
        line(id="L2", country="GB", on=date(2026, 4, 6), unit_cost="60", price_paid="40"),
    ]
    statements = benefit_statements(lines)
    assert [(s.jurisdiction, s.period.label, s.taxable) for s in statements] == [
        (Jurisdiction.UK, "2025-26", Money(Decimal("10.00"), "GBP")),
        (Jurisdiction.UK, "2026-27", Money(Decimal("20.00"), "GBP")),
    ]
    assert statements[0].evidence[0] == (
        "HMRC EIM21704, tax year 2025-26 (6 April 2025 to 5 April 2026), P1 at BRIT: "
        "1 line; taxable benefit 10.00 GBP"
    )


def test_uk_discount_that_covers_cost_is_not_taxable() -> None:
    statement = only(benefit_statements([line(country="UK", unit_cost="60", price_paid="70")]))
    assert statement.taxable == Money(Decimal("0.00"), "GBP")
    assert statement.lines[0].evidence[1] == "the 70.00 paid covers the cost 60.00: nothing taxable"


# --------------------------------------------------------------------------- refusals


def test_mixed_currencies_in_one_employment_are_refused() -> None:
    lines = [
        line(id="L1", country="US", kind=ProductKind.SERVICE),
        line(id="L2", country="US", kind=ProductKind.SERVICE, currency="CAD"),
    ]
    with pytest.raises(
        CurrencyMismatch, match="line L2 is in CAD, line L1 of the same employment in USD"
    ):
        benefit_statements(lines)


def test_a_german_line_not_in_euro_is_refused() -> None:
    with pytest.raises(
        CurrencyMismatch, match="line L1 is in USD, but German allowances are in EUR"
    ):
        benefit_statements([line(currency="USD")])


def test_every_problem_of_the_lines_is_named() -> None:
    # given a return of a purchase that is missing, too many units returned, a negative
    # quantity without a purchase, a UK line without cost and a missing gross profit
    purchase = line(id="L1", quantity=1)
    lines = [
        purchase,
        returned(purchase, id="R1", on=date(2026, 4, 1), quantity=-2),
        replace(purchase, id="R2", quantity=-1, original_line="L9"),
        line(id="L3", quantity=-1),
        line(id="L4", country="UK"),
        line(id="L5", country="US"),
    ]
    # when
    with pytest.raises(InvalidBenefitLines) as caught:
        benefit_statements(lines)
    # then
    assert caught.value.problems == (
        "line R2: it returns line L9, which is not among the lines (a statement needs each "
        "purchase with its returns)",
        "line L3: quantity -1 is negative but the line names no original_line it returns",
        "line L4: a UK line needs the unit_cost of the employer (EIM21704)",
        "line L5: no gross profit percentage of ACME for 2025, which limits the tax-free "
        "discount on goods bought in 2026",
        "line L1: 2 units are returned but only 1 were bought",
    )


def test_a_return_must_repeat_its_purchase() -> None:
    purchase = line(id="L1", list_price="100", price_paid="80")
    changed = line(id="R1", list_price="100", price_paid="70", quantity=-1, original_line="L1")
    with pytest.raises(InvalidBenefitLines, match="it differs from the purchase L1 in price_paid"):
        benefit_statements([purchase, changed])


def test_relation_must_match_seller_and_employer() -> None:
    inconsistent = BenefitLine(
        id="L1",
        person="P1",
        employee_number="1",
        employer="ABC",
        employer_country="DE",
        seller="XYZ",
        relation=Relation.EMPLOYEE,
        on=MARCH,
        product="Widget",
        list_price=Decimal("100"),
        price_paid=Decimal("80"),
        quantity=1,
        currency="EUR",
    )
    with pytest.raises(InvalidBenefitLines, match="relation employee but the seller XYZ"):
        benefit_statements([inconsistent])


def test_unknown_countries_and_duplicate_ids_are_refused() -> None:
    with pytest.raises(InvalidBenefitLines) as caught:
        benefit_statements([replace(line(), employer_country="FR"), line(id="L1")])
    assert caught.value.problems == (
        'line L1: employer country "FR" has no rules here (DE, US, GB)',
        "line L1: the id is used twice",
        "line L1: P1 at ABC has employee number ABC-0001 and country FR on an earlier line",
    )


# --------------------------------------------------------------------------- payroll


def test_payroll_rows_per_statement_and_wage_type() -> None:
    # given DE-1 and a month of group discounts over the Freigrenze
    lines = [
        line(id="L1", list_price="40000", price_paid="32000"),
        line(id="L2", seller="XYZ", list_price="100", price_paid="70"),
        line(id="L3", seller="XYZ", list_price="125", price_paid="100"),
    ]
    # when
    rows = payroll_rows(benefit_statements(lines))
    # then
    assert rows == (
        PayrollRow("ABC-0001", "2026", WageType.DE_8_3_TAXABLE, Decimal("5320.00"), "EUR"),
        PayrollRow("ABC-0001", "2026", WageType.DE_8_3_FREE, Decimal("1080.00"), "EUR"),
        PayrollRow("ABC-0001", "2026-03", WageType.DE_8_2_TAXABLE, Decimal("55.00"), "EUR"),
        PayrollRow("ABC-0001", "2026-03", WageType.DE_8_2_FREE, Decimal("0.00"), "EUR"),
    )
    assert rows[0].as_record() == {
        "employee_number": "ABC-0001",
        "period": "2026",
        "wage_type": "DE83-TAXABLE",
        "amount": "5320.00",
        "currency": "EUR",
    }


def test_payroll_rows_for_us_and_uk() -> None:
    lines = [
        line(id="L1", country="US", kind=ProductKind.SERVICE, list_price="1500", price_paid="1000"),
        line(id="L2", country="UK", unit_cost="60", price_paid="50"),
    ]
    rows = payroll_rows(benefit_statements(lines))
    assert rows == (
        PayrollRow("ACME-0001", "2026", WageType.US_132C_TAXABLE, Decimal("200.00"), "USD"),
        PayrollRow("ACME-0001", "2026", WageType.US_132C_FREE, Decimal("300.00"), "USD"),
        PayrollRow("BRIT-0001", "2025-26", WageType.UK_BIK_TAXABLE, Decimal("10.00"), "GBP"),
    )


def test_german_lines_before_2004_are_refused() -> None:
    with pytest.raises(InvalidBenefitLines, match="no German allowances are recorded for 2003"):
        benefit_statements([line(on=date(2003, 12, 31))])


def test_gross_profit_figures_must_be_unique_and_percentages() -> None:
    figures = [
        GrossProfitPercentage("ACME", 2025, Decimal("40")),
        GrossProfitPercentage("ACME", 2025, Decimal("41")),
        GrossProfitPercentage("ACME", 2024, Decimal("140")),
    ]
    with pytest.raises(InvalidBenefitLines) as caught:
        benefit_statements([line(country="US")], figures)
    assert caught.value.problems == (
        "gross profit percentage of ACME for 2025 is given twice",
        "gross profit percentage of ACME for 2024 is 140, not a Decimal from 0 to 100",
    )


# --------------------------------------------------------------------------- properties


PRICES = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2)
RULES = st.sampled_from(
    [
        {"country": "DE"},
        {"country": "DE", "seller": "XYZ"},
        {"country": "DE", "market_price": "33.33", "market_valuation_chosen": True},
        {"country": "US"},
        {"country": "US", "kind": ProductKind.SERVICE},
        {"country": "US", "investment_property": True},
        {"country": "UK"},
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    rule=RULES,
    list_price=PRICES,
    price_paid=PRICES,
    unit_cost=PRICES,
    bought=st.integers(min_value=1, max_value=9),
    data=st.data(),
)
def test_a_purchase_with_returns_counts_as_the_purchase_of_the_units_kept(
    rule: dict[str, Any],
    list_price: Decimal,
    price_paid: Decimal,
    unit_cost: Decimal,
    bought: int,
    data: st.DataObject,
) -> None:
    # given a purchase and returns of some of its units, the last in the next year
    gross_profit = [GrossProfitPercentage("ACME", 2025, Decimal("37.5"))]
    purchase = line(
        list_price=str(list_price),
        price_paid=str(price_paid),
        unit_cost=str(unit_cost),
        quantity=bought,
        on=date(2026, 12, 20),
        **rule,
    )
    sizes = data.draw(st.lists(st.integers(min_value=1, max_value=3), max_size=4))
    backs, kept = [], bought
    for n, size in enumerate(sizes):
        size = min(size, kept)
        if size:
            backs.append(returned(purchase, id=f"R{n}", on=date(2027, 1, 1 + n), quantity=-size))
            kept -= size
    # when
    with_returns = benefit_statements([purchase, *backs], gross_profit)
    # then it is one statement of the purchase's period, equal to buying only the units kept
    statement = only(with_returns)
    assert statement.period.contains(purchase.on)
    if kept:
        fresh = only(benefit_statements([replace(purchase, quantity=kept)], gross_profit))
        assert (statement.benefit, statement.tax_free, statement.taxable) == (
            fresh.benefit,
            fresh.tax_free,
            fresh.taxable,
        )
    else:
        zero = Money.zero(statement.currency)
        assert (statement.benefit, statement.tax_free, statement.taxable) == (zero, zero, zero)
    assert statement.benefit == statement.tax_free + statement.taxable
    assert statement.taxable >= Money.zero(statement.currency)
