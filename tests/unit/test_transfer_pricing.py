"""Transfer prices: arm's-length ranges and low value-adding services (design/pricing.md).

TP-1 and TP-2 are the worked cases of tests/fixtures/cases/intercompany.json.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from inhouse.errors import InvalidRequest
from inhouse.groups.domain import Classification, Relation
from inhouse.money import CurrencyMismatch, Money
from inhouse.pricing.domain import (
    LOW_VALUE_MARKUP_PCT,
    ArmsLengthRange,
    DatedAmount,
    Measure,
    PricedLine,
    Product,
    Programme,
    ProgrammeKind,
    QuoteLine,
    TransferMethod,
    arms_length_range,
    check_arms_length,
    low_value_service_charge,
    quote,
)

CASES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "cases" / "intercompany.json"
CASES: dict[str, dict[str, Any]] = {
    case["id"]: case
    for case in json.loads(CASES_FILE.read_text(encoding="utf-8"))["transfer_pricing"]
}
TP1 = [Decimal(v) for v in CASES["TP-1"]["comparables_pct"]]
ON = date(2026, 6, 30)
LAW = "(DE § 1 (3a) AStG; OECD TPG 3.57–3.62)"
TP1_RANGE = (
    "Arm's-length range of 11 comparable mark-ups on cost: 5% to 18%, median 9% (interquartile "
    "range; the quartiles are the medians of the lower and upper halves, the median itself left "
    "out of both halves, as the count is odd)"
)


def decimals(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


# --------------------------------------------------------------------------- worked cases


def test_tp1_interquartile_range_of_the_oecd_example() -> None:
    # given the case's eleven comparable mark-ups
    expected = {k: Decimal(v) for k, v in CASES["TP-1"]["expect"].items()}
    # when
    span = arms_length_range(TP1)
    # then
    assert (span.lower_quartile, span.median, span.upper_quartile) == (
        expected["q1"],
        expected["median"],
        expected["q3"],
    )


def test_tp2_low_value_adding_services() -> None:
    # given the case's own and pass-through costs at the simplified 5 % mark-up
    case = CASES["TP-2"]
    assert Decimal(case["markup_pct"]) == LOW_VALUE_MARKUP_PCT
    # when
    charge = low_value_service_charge(
        own_costs=eur(case["own_costs"]), pass_through=eur(case["pass_through"])
    )
    # then
    assert charge.charge == eur(case["expect"]["charge"])
    assert (charge.markup, charge.pass_through) == (eur("9000.00"), eur("20000.00"))
    assert charge.evidence == (
        "Low value-adding services are charged at own costs plus a 5% mark-up, pass-through "
        "costs at cost (OECD TPG 7.61)",
        "Own costs 180,000.00 EUR plus 5% = 189,000.00 EUR (mark-up 9,000.00 EUR)",
        "Pass-through costs 20,000.00 EUR at cost, without mark-up",
        "Charge: 189,000.00 EUR + 20,000.00 EUR = 209,000.00 EUR",
    )


# --------------------------------------------------------------------------- the range


@pytest.mark.parametrize(
    ("values", "quartiles"),
    [
        pytest.param(
            decimals("10", "9", "8", "7", "6", "5", "4", "3", "2", "1"),
            ("3", "5.5", "8"),
            id="even count: halves of five, unsorted input",
        ),
        pytest.param(
            decimals("1", "2", "4", "7", "8", "10", "12", "20"),
            ("3", "7.5", "11"),
            id="even count: halves of four, averaged",
        ),
        pytest.param(decimals("4", "1", "9"), ("1", "4", "9"), id="odd count of three"),
        pytest.param(decimals("2", "6"), ("2", "4", "6"), id="two comparables"),
    ],
)
def test_quartiles_are_medians_of_the_halves(
    values: list[Decimal], quartiles: tuple[str, str, str]
) -> None:
    span = arms_length_range(values)
    assert (span.lower_quartile, span.median, span.upper_quartile) == tuple(
        Decimal(q) for q in quartiles
    )
    assert span.values == tuple(sorted(values))


def test_one_comparable_is_no_range() -> None:
    with pytest.raises(InvalidRequest, match="needs at least 2 comparables, not 1"):
        arms_length_range(decimals("5"))


@pytest.mark.parametrize(
    ("tested", "within"), [("5", True), ("18", True), ("4.99", False), ("18.01", False)]
)
def test_the_range_includes_its_quartiles(tested: str, within: bool) -> None:
    check = check_arms_length(Decimal(tested), TP1)
    assert (check.within, check.adjust_to) == (within, None if within else Decimal(9))


def test_a_markup_within_the_range_is_not_adjusted() -> None:
    check = check_arms_length(Decimal(10), TP1)
    assert check.evidence == (
        TP1_RANGE,
        f"The mark-up on cost of 10% lies within the range: no adjustment {LAW}",
    )
    assert check.comparables == ArmsLengthRange(tuple(TP1), Decimal(5), Decimal(9), Decimal(18))


def test_a_markup_above_the_range_is_flagged_with_the_median() -> None:
    check = check_arms_length(Decimal(25), TP1)
    assert (check.within, check.adjust_to, check.adjustment) == (False, Decimal(9), None)
    assert check.evidence[1] == (
        f"The mark-up on cost of 25% lies above the range: flagged, to be adjusted to the "
        f"median of 9% {LAW}"
    )


def test_comparable_prices_need_their_currency() -> None:
    with pytest.raises(InvalidRequest, match="comparable prices need their currency"):
        check_arms_length(Decimal(10), TP1, measure=Measure.PRICE)


# --------------------------------------------------------------------------- transfer prices in quotes


def intercompany(
    programme: Programme, quantity: str, *, price: str = "9.99", cost: str = "100.00"
) -> PricedLine:
    product = Product(
        "W1", "ABC", "Widget", "EUR", (DatedAmount(Decimal(price)),), (DatedAmount(Decimal(cost)),)
    )
    buyer = Classification(
        seller="ABC",
        buyer="XYZ",
        on=ON,
        relation=Relation.INTERCOMPANY,
        seller_entity="ABC",
        buyer_entity="XYZ",
        group="JKL",
        uncertain=False,
        evidence=("XYZ and ABC are both controlled by JKL on 2026-06-30",),
    )
    answer = quote(
        buyer=buyer, lines=[QuoteLine(product, Decimal(quantity))], programmes=[programme]
    )
    return answer.lines[0]


def transfer(
    method: TransferMethod,
    comparables: list[Decimal],
    *,
    markup_pct: Decimal | None = None,
    margin_pct: Decimal | None = None,
) -> Programme:
    return Programme(
        "T1",
        "Transfer price",
        ProgrammeKind.TRANSFER_PRICE,
        method=method,
        comparables=tuple(comparables),
        markup_pct=markup_pct,
        margin_pct=margin_pct,
    )


def test_a_cost_plus_price_below_the_range_is_flagged_with_the_adjustment() -> None:
    # given cost plus 3 % where comparables give 5 % to 18 %
    programme = transfer(TransferMethod.COST_PLUS, TP1, markup_pct=Decimal(3))
    # when 2 × cost 100.00
    line = intercompany(programme, "2")
    # then the price stands, flagged, with the adjustment to the median of 9 %
    assert line.amount == eur("206.00")
    assert line.arms_length is not None
    assert (line.arms_length.within, line.arms_length.adjustment) == (False, eur("12.00"))
    assert line.evidence[1:] == (
        "transfer price T1 (Transfer price) applies to another company of the seller's group: "
        "unit cost 100.00 EUR plus 3% (cost plus method)",
        "Price: 2 × 103.00 EUR = 206.00 EUR",
        TP1_RANGE,
        f"The mark-up on cost of 3% lies below the range: flagged, to be adjusted to the "
        f"median of 9% {LAW}",
        "At the median the line comes to 2 × 109.00 EUR = 218.00 EUR instead of 206.00 EUR: "
        "an adjustment of +12.00 EUR",
    )


def test_a_resale_minus_margin_within_the_range() -> None:
    margins = decimals("15", "18", "22", "25", "30")  # quartiles 16.5 and 27.5
    programme = transfer(TransferMethod.RESALE_MINUS, margins, margin_pct=Decimal(20))
    line = intercompany(programme, "3")
    assert line.amount == eur("23.98")
    assert line.arms_length is not None
    assert (line.arms_length.within, line.arms_length.adjustment) == (True, None)
    assert line.arms_length.evidence[1] == (
        f"The gross margin of 20% lies within the range: no adjustment {LAW}"
    )


def test_a_resale_minus_margin_above_the_range_is_adjusted_down_to_the_median() -> None:
    margins = decimals("15", "18", "22", "25", "30")
    programme = transfer(TransferMethod.RESALE_MINUS, margins, margin_pct=Decimal(40))
    line = intercompany(programme, "3")
    # 3 × 9.99 × 0.60 = 17.982; at the median of 22 %: 3 × 7.7922 = 23.3766
    assert (line.amount, line.arms_length and line.arms_length.adjustment) == (
        eur("17.98"),
        eur("5.40"),
    )


def test_a_comparable_uncontrolled_price_above_the_range() -> None:
    prices = decimals("9.50", "9.80", "10.40", "10.60")  # 9.65 to 10.50, median 10.10
    programme = transfer(TransferMethod.CUP, prices)
    line = intercompany(programme, "1", price="12.00")
    assert line.arms_length is not None
    assert line.arms_length.adjustment == eur("-1.90")
    assert line.arms_length.evidence == (
        "Arm's-length range of 4 comparable prices: 9.65 EUR to 10.50 EUR, median 10.10 EUR "
        "(interquartile range; the quartiles are the medians of the lower and upper halves, "
        "2 values in each half)",
        f"The price of 12.00 EUR lies above the range: flagged, to be adjusted to the median of "
        f"10.10 EUR {LAW}",
        "At the median the line comes to 1 × 10.10 EUR = 10.10 EUR instead of 12.00 EUR: "
        "an adjustment of -1.90 EUR",
    )


def test_a_transfer_price_without_comparables_is_not_checked() -> None:
    programme = transfer(TransferMethod.COST_PLUS, [], markup_pct=Decimal(3))
    assert intercompany(programme, "1").arms_length is None


# --------------------------------------------------------------------------- low value services


def test_low_value_services_round_the_markup_to_the_cent() -> None:
    charge = low_value_service_charge(own_costs=eur("1234.57"), pass_through=eur("0"))
    # 5 % of 1,234.57 = 61.7285
    assert (charge.markup, charge.charge) == (eur("61.73"), eur("1296.30"))


def test_low_value_services_refuse_mixed_currencies_and_negative_costs() -> None:
    with pytest.raises(CurrencyMismatch):
        low_value_service_charge(own_costs=eur("100"), pass_through=Money(Decimal(1), "USD"))
    with pytest.raises(InvalidRequest, match="costs of a service are never negative"):
        low_value_service_charge(own_costs=eur("-1"), pass_through=eur("0"))
