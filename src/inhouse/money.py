"""Money: a ``Decimal`` amount with its ISO 4217 currency (design/README.md, rule 2).

Amounts are never ``float``. Arithmetic between two amounts of different currencies is
refused with ``CurrencyMismatch``. Rounding goes to the currency's minor unit (ISO 4217
exponent: 2 for EUR, 0 for JPY, 3 for KWD) with ``ROUND_HALF_UP``; the house rounds per
line and adds rounded lines (design/pricing.md, "Rounding").

Pure standard library, like the domain modules that use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from inhouse.errors import InvalidRequest

__all__ = [
    "CurrencyMismatch",
    "Money",
    "UnknownCurrency",
    "format_amount",
    "minor_unit",
    "money_places",
    "round_money",
]


class CurrencyMismatch(InvalidRequest, ValueError):
    """Two amounts of different currencies were to be added, subtracted or compared."""


class UnknownCurrency(InvalidRequest, ValueError):
    """A code that is not an active ISO 4217 currency code."""


# ISO 4217 (list one, as published by SIX) — exponents other than 2 ...
_EXPONENTS: dict[str, int] = {
    # no minor unit
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0,
    # thousandths
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # ten-thousandths (units of account)
    "CLF": 4, "UYW": 4,
}  # fmt: skip
# ... and every active code with two decimals.
_TWO_DECIMAL_CODES = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD
BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD
EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR
IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP
MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN
QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB
TJS TMT TOP TRY TTD TWD TZS UAH USD USN UZS VED VES XCD XCG YER ZAR ZMW ZWG
"""
_TWO_DECIMALS = frozenset(_TWO_DECIMAL_CODES.split())


def minor_unit(currency: str) -> int:
    """The ISO 4217 exponent: ``minor_unit("EUR") == 2``, ``minor_unit("JPY") == 0``.

    Raises ``UnknownCurrency`` for anything that is not an active ISO 4217 code.
    """
    if currency in _EXPONENTS:
        return _EXPONENTS[currency]
    if currency in _TWO_DECIMALS:
        return 2
    raise UnknownCurrency(f'"{currency}" is not an ISO 4217 currency code')


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(value: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half up: ``round_money(Decimal("2.345"), "EUR") == Decimal("2.35")``.

    The result always carries exactly the minor unit's decimals (``Decimal("5")`` in EUR
    becomes ``Decimal("5.00")``; ``Decimal("1234.5")`` in JPY becomes ``Decimal("1235")``).
    """
    if not isinstance(value, Decimal):
        raise TypeError(f"an amount is a Decimal, not {type(value).__name__}")
    return value.quantize(_quantum(currency), rounding=ROUND_HALF_UP)


def money_places(value: Decimal, currency: str) -> Decimal:
    """The amount at the currency's minor unit, or with its finer digits when it has them,
    never with an exponent: ``4.8E+2`` in EUR → ``480.00``, ``4.1234`` → ``4.1234``,
    ``1.50`` in JPY → ``1.5``."""
    rounded = round_money(value, currency)
    if rounded == value:
        return rounded
    return value.normalize()  # digits below the minor unit: a negative exponent, no "E"


def format_amount(value: Decimal, currency: str) -> str:
    """Words for evidence: ``6400`` in EUR → ``6,400.00``; ``-1234.5`` in JPY → ``-1,235``."""
    return f"{round_money(value, currency):,f}"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency: ``Money(Decimal("6400.00"), "EUR")``.

    The amount keeps whatever precision it is given; ``rounded()`` gives the amount at
    the currency's minor unit. ``+``, ``-`` and comparisons need the same currency;
    ``*`` takes a ``Decimal`` or ``int`` factor (a quantity, a rate).
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, Decimal | int):
            raise TypeError(f"an amount is a Decimal, not {type(self.amount).__name__}")
        if isinstance(self.amount, int):
            object.__setattr__(self, "amount", Decimal(self.amount))
        if not self.amount.is_finite():
            raise ValueError(f"an amount is a finite number, not {self.amount}")
        minor_unit(self.currency)  # refuses unknown codes

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in a currency: the start of a sum."""
        return cls(round_money(Decimal(0), currency), currency)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """``Money.of("19.99", "EUR")``: from a Decimal, an int or a decimal string (never float)."""
        if isinstance(amount, float):
            raise TypeError("an amount is a Decimal, not float")
        return cls(Decimal(amount), currency)

    # ------------------------------------------------------------------ arithmetic

    def _same_currency(self, other: Money, action: str) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {action} {type(other).__name__} and Money")
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot {action} {self.currency} and {other.currency}: "
                "amounts in different currencies are never mixed"
            )

    def __add__(self, other: Money) -> Money:
        self._same_currency(other, "add")
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other, "subtract")
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            raise TypeError(f"Money is multiplied by a Decimal or int, not {type(factor).__name__}")
        return Money(self.amount * factor, self.currency)

    def __rmul__(self, factor: Decimal | int) -> Money:
        return self.__mul__(factor)

    # ------------------------------------------------------------------ comparison

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other, "compare")
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other, "compare")
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other, "compare")
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other, "compare")
        return self.amount >= other.amount

    # ------------------------------------------------------------------ helpers

    def rounded(self) -> Money:
        """The amount at the currency's minor unit, half up."""
        return Money(round_money(self.amount, self.currency), self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_positive(self) -> bool:
        return self.amount > 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def max(self, other: Money) -> Money:
        """The larger of two amounts of one currency (``self`` on a tie)."""
        return other if other > self else self

    def min(self, other: Money) -> Money:
        """The smaller of two amounts of one currency (``self`` on a tie)."""
        return other if other < self else self

    def format(self) -> str:
        """``6,400.00`` — the rounded amount with thousands separators, without the code."""
        return format_amount(self.amount, self.currency)

    def __str__(self) -> str:
        """``6,400.00 EUR``."""
        return f"{self.format()} {self.currency}"
