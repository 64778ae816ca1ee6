"""The money kernel: amounts with a currency, rounding per ISO 4217 minor unit, half up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inhouse.errors import InvalidRequest
from inhouse.money import (
    CurrencyMismatch,
    Money,
    UnknownCurrency,
    format_amount,
    minor_unit,
    round_money,
)


@pytest.mark.parametrize(
    ("currency", "digits"),
    [
        ("EUR", 2),
        ("USD", 2),
        ("GBP", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("CLF", 4),
    ],
)
def test_minor_unit_is_the_iso_4217_exponent(currency: str, digits: int) -> None:
    assert minor_unit(currency) == digits


@pytest.mark.parametrize("code", ["eur", "XXX", "EURO", "", "DEM"])
def test_unknown_currency_codes_are_refused(code: str) -> None:
    with pytest.raises(UnknownCurrency, match="is not an ISO 4217 currency code"):
        minor_unit(code)


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("2.345", "EUR", "2.35"),
        ("2.344", "EUR", "2.34"),
        ("-2.345", "EUR", "-2.35"),  # half up = half away from zero, so reversals mirror
        ("0.005", "EUR", "0.01"),
        ("5", "EUR", "5.00"),
        ("1234.5", "JPY", "1235"),
        ("1234.4999", "JPY", "1234"),
        ("-0.5", "JPY", "-1"),
        ("1.2345", "KWD", "1.235"),
        ("1.00005", "CLF", "1.0001"),
    ],
)
def test_round_money_goes_half_up_to_the_minor_unit(
    value: str, currency: str, expected: str
) -> None:
    # when
    rounded = round_money(Decimal(value), currency)
    # then the value and the number of decimals are exact
    assert rounded == Decimal(expected)
    assert str(rounded) == expected


def test_round_money_refuses_floats() -> None:
    with pytest.raises(TypeError, match="not float"):
        round_money(2.345, "EUR")  # type: ignore[arg-type]


def test_money_refuses_floats_and_unknown_currencies() -> None:
    with pytest.raises(TypeError, match="not float"):
        Money(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not float"):
        Money.of(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(UnknownCurrency):
        Money(Decimal(1), "EURO")
    with pytest.raises(ValueError, match="finite"):
        Money(Decimal("NaN"), "EUR")


def test_money_of_ints_and_strings_is_exact() -> None:
    assert Money.of("19.99", "EUR") == Money(Decimal("19.99"), "EUR")
    assert Money.of(5, "EUR").amount == Decimal(5)
    assert isinstance(Money.of(5, "EUR").amount, Decimal)


def test_zero_carries_the_minor_unit() -> None:
    assert str(Money.zero("EUR").amount) == "0.00"
    assert str(Money.zero("JPY").amount) == "0"


def test_arithmetic_in_one_currency() -> None:
    # given
    a = Money(Decimal("10.10"), "EUR")
    b = Money(Decimal("0.95"), "EUR")
    # when / then
    assert a + b == Money(Decimal("11.05"), "EUR")
    assert a - b == Money(Decimal("9.15"), "EUR")
    assert -a == Money(Decimal("-10.10"), "EUR")
    assert abs(-a) == a
    assert a * 3 == Money(Decimal("30.30"), "EUR")
    assert 3 * a == Money(Decimal("30.30"), "EUR")
    assert a * Decimal("0.96") == Money(Decimal("9.6960"), "EUR")
    assert (a * Decimal("0.96")).rounded() == Money(Decimal("9.70"), "EUR")


def test_multiplying_by_float_or_money_is_refused() -> None:
    a = Money(Decimal("10.10"), "EUR")
    with pytest.raises(TypeError):
        _ = a * 0.96  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = a * a  # type: ignore[operator]


def test_comparison_in_one_currency() -> None:
    small, big = Money(Decimal("1.00"), "EUR"), Money(Decimal("2.00"), "EUR")
    assert small < big
    assert small <= big
    assert big > small
    assert big >= small
    assert small.max(big) == big
    assert small.min(big) == small
    assert Money(Decimal("1.0"), "EUR") == Money(Decimal("1.00"), "EUR")
    assert Money(Decimal(1), "EUR") != Money(Decimal(1), "USD")


def test_mixed_currencies_are_refused() -> None:
    eur, usd = Money(Decimal(1), "EUR"), Money(Decimal(1), "USD")
    with pytest.raises(CurrencyMismatch, match="cannot add EUR and USD"):
        _ = eur + usd
    with pytest.raises(CurrencyMismatch, match="cannot subtract EUR and USD"):
        _ = eur - usd
    with pytest.raises(CurrencyMismatch, match="cannot compare EUR and USD"):
        _ = eur < usd
    with pytest.raises(CurrencyMismatch):
        eur.max(usd)


def test_currency_mismatch_is_a_domain_error() -> None:
    # the edges turn InvalidRequest into a 4xx / exit code 1
    assert issubclass(CurrencyMismatch, InvalidRequest)
    assert issubclass(UnknownCurrency, InvalidRequest)


def test_words_for_evidence() -> None:
    assert str(Money(Decimal("6400"), "EUR")) == "6,400.00 EUR"
    assert str(Money(Decimal("-1234.5"), "JPY")) == "-1,235 JPY"
    assert Money(Decimal("1234567.005"), "EUR").format() == "1,234,567.01"
    assert format_amount(Decimal("0.5"), "KWD") == "0.500"
