"""Orders and returns as recorded, and what they have used of caps and quantity limits.

An order keeps its lines exactly as they were priced on its day (programme, amounts,
evidence); later changes to stakes, prices or programmes never rewrite it. What a
buyer has used of a programme in a calendar year is the sum of their order lines under
it in that year, less what returns gave back (returns count in the year of the line
they return, whenever they happen).

Imported sales (``sales.csv``) are history: each row is an order of one line at the
price paid. A row with a negative quantity is a return of the latest earlier sale of
the same seller, buyer, product and price that still has that many units left.
Standard library only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from inhouse.errors import InvalidRequest
from inhouse.money import Money
from inhouse.pricing.domain import ProgrammeKind, ProgrammeUsage

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class RecordedLine:
    """An order line as stored: enough to return it and to value its benefit."""

    order: str
    number: int
    product: str
    category: str | None
    on: date
    quantity: Decimal
    programme: str | None
    programme_kind: ProgrammeKind | None
    list_amount: Money
    amount: Money
    discount: Money


@dataclass(frozen=True, slots=True)
class UsageEntry:
    """One order line under a staff programme, or what a return gave back of one.

    ``discount`` and ``quantity`` are negative for what a return gave back; ``year`` is
    the calendar year of the order line in both cases.
    """

    programme: str
    year: int
    discount: Money
    product: str
    category: str | None
    quantity: Decimal


def usage_of(
    entries: Iterable[UsageEntry], cap_currencies: Mapping[str, str]
) -> tuple[ProgrammeUsage, ...]:
    """What the entries add up to per programme and year.

    Discounts count against a cap in the cap's currency only (``cap_currencies`` maps a
    programme to it); a programme without a cap has no discount used.
    """
    discounts: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    products: dict[tuple[str, int], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    categories: dict[tuple[str, int], dict[str, Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    keys: set[tuple[str, int]] = set()
    for entry in entries:
        key = (entry.programme, entry.year)
        keys.add(key)
        if cap_currencies.get(entry.programme) == entry.discount.currency:
            discounts[key] += entry.discount.amount
        products[key][entry.product] += entry.quantity
        if entry.category is not None:
            categories[key][entry.category] += entry.quantity
    usage: list[ProgrammeUsage] = []
    for programme, year in sorted(keys):
        currency = cap_currencies.get(programme)
        usage.append(
            ProgrammeUsage(
                programme=programme,
                year=year,
                discount=None
                if currency is None
                else Money(discounts[(programme, year)], currency),
                by_product=dict(products[(programme, year)]),
                by_category=dict(categories[(programme, year)]),
            )
        )
    return tuple(usage)


# --------------------------------------------------------------------------- imported sales


@dataclass(frozen=True, slots=True)
class Sale:
    """One row of ``sales.csv``: a purchase (quantity > 0) or a return (quantity < 0)."""

    id: str
    row: int  # the row number in the file, header = 1
    on: date
    seller: str
    buyer: str
    product: str
    quantity: Decimal
    price_paid: Decimal
    currency: str
    market_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class MatchedReturn:
    """A return row of the sales file and the purchase row it gives units back to."""

    sale: Sale
    purchase: Sale
    already_returned: Decimal


def match_returns(sales: Sequence[Sale]) -> tuple[list[Sale], list[MatchedReturn]]:
    """Split the rows into purchases and returns, each return matched to its purchase.

    Rows are taken in date order (file order within a day). A return belongs to the
    latest earlier-or-same-day purchase of the same seller, buyer, product and price
    with enough units left; a return with none is an error naming its row.
    """
    purchases: list[Sale] = []
    returns: list[MatchedReturn] = []
    left: dict[str, Decimal] = {}
    open_: dict[tuple[str, str, str, Decimal], list[Sale]] = defaultdict(list)
    problems: list[str] = []
    for sale in sorted(sales, key=lambda s: (s.on, s.row)):
        key = (sale.seller, sale.buyer, sale.product, sale.price_paid)
        if sale.quantity > 0:
            purchases.append(sale)
            left[sale.id] = sale.quantity
            open_[key].append(sale)
            continue
        wanted = -sale.quantity
        match = next((p for p in reversed(open_[key]) if left[p.id] >= wanted), None)
        if match is None:
            problems.append(
                f"sales.csv row {sale.row}: the return of {wanted} × {sale.product} by "
                f"{sale.buyer} on {sale.on} matches no earlier sale of {sale.seller} at "
                f"{sale.price_paid} with {wanted} units left"
            )
            continue
        returns.append(MatchedReturn(sale, match, match.quantity - left[match.id]))
        left[match.id] -= wanted
    if problems:
        raise InvalidRequest("; ".join(problems))
    return purchases, returns
