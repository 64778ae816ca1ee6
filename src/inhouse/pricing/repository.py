"""Reading and writing products, prices and programmes. Repositories never commit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from inhouse.dates import Period
from inhouse.money import Money, money_places
from inhouse.pricing import tables as t
from inhouse.pricing.domain import (
    DatedAmount,
    Product,
    ProductKind,
    Programme,
    ProgrammeKind,
    QuantityLimit,
    ScopeKind,
    SellerScope,
    TransferMethod,
)

Row = dict[str, Any]


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def amount_of(value: Any, currency: str) -> Decimal:
    """A stored amount at the currency's minor unit, or with its finer digits when it has them."""
    return money_places(Decimal(str(value)), currency)


def product_of(row: Mapping[str, Any], prices: list[Row]) -> Product:
    """A stored product with its dated prices as a domain object."""
    ordered = sorted(prices, key=lambda p: p["valid_from"] or date.min)
    list_prices = tuple(
        DatedAmount(
            amount_of(p["list_price"], row["currency"]), Period(p["valid_from"], p["valid_to"])
        )
        for p in ordered
    )
    unit_costs = tuple(
        DatedAmount(
            amount_of(p["unit_cost"], row["currency"]), Period(p["valid_from"], p["valid_to"])
        )
        for p in ordered
        if p["unit_cost"] is not None
    )
    return Product(
        id=row["id"],
        seller=row["seller"],
        name=row["name"],
        currency=row["currency"],
        list_prices=list_prices,
        unit_costs=unit_costs,
        kind=ProductKind(row["kind"]),
        category=row["category"],
        for_employees_only=bool(row["for_employees_only"]),
    )


def programme_of(row: Mapping[str, Any]) -> Programme:
    """A stored programme as a domain object."""
    cap, cap_currency = row["annual_cap"], row["annual_cap_currency"]
    return Programme(
        id=row["id"],
        name=row["name"],
        kind=ProgrammeKind(row["kind"]),
        seller_scope=SellerScope(ScopeKind(row["scope_kind"]), row["scope_id"]),
        period=Period(row["valid_from"], row["valid_to"]),
        priority=int(row["priority"]),
        categories_included=frozenset(row["categories_included"]),
        categories_excluded=frozenset(row["categories_excluded"]),
        discount_pct=_decimal(row["discount_pct"]),
        markup_pct=_decimal(row["markup_pct"]),
        margin_pct=_decimal(row["margin_pct"]),
        method=None if row["method"] is None else TransferMethod(row["method"]),
        comparables=tuple(Decimal(v) for v in row["comparables"]),
        include_retirees=bool(row["include_retirees"]),
        waiting_days=int(row["waiting_days"]),
        annual_cap=None if cap is None else Money(amount_of(cap, cap_currency), cap_currency),
        quantity_limits=tuple(
            QuantityLimit(Decimal(q["max_quantity"]), q.get("product"), q.get("category"))
            for q in row["quantity_limits"]
        ),
    )


class PricingRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # ------------------------------------------------------------------ products

    def product(self, product: str) -> Row | None:
        found = self.connection.execute(select(t.products).where(t.products.c.id == product))
        row = found.mappings().first()
        return None if row is None else dict(row)

    def products(
        self, *, seller: str | None = None, limit: int | None = None, after: str | None = None
    ) -> list[Row]:
        """Products in id order, after the cursor ``after``."""
        query = select(t.products).order_by(t.products.c.id).limit(limit)
        if seller is not None:
            query = query.where(t.products.c.seller == seller)
        if after is not None:
            query = query.where(t.products.c.id > after)
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def prices(self, products: list[str]) -> dict[str, list[Row]]:
        """The dated prices of ``products``, oldest first."""
        found: dict[str, list[Row]] = {p: [] for p in products}
        if not products:
            return found
        query = (
            select(t.product_prices)
            .where(t.product_prices.c.product.in_(products))
            .order_by(t.product_prices.c.product, t.product_prices.c.id)
        )
        for row in self.connection.execute(query).mappings():
            found[row["product"]].append(dict(row))
        for rows in found.values():
            rows.sort(key=lambda p: p["valid_from"] or date.min)
        return found

    def add_product(self, row: Row) -> None:
        self.connection.execute(insert(t.products).values(**row))

    def add_price(self, row: Row) -> Row:
        result = self.connection.execute(insert(t.product_prices).values(**row))
        key = result.inserted_primary_key
        assert key is not None
        return {**row, "id": key[0]}

    def end_price(self, price: int, on: date) -> None:
        self.connection.execute(
            update(t.product_prices).where(t.product_prices.c.id == price).values(valid_to=on)
        )

    def load_products(self, ids: list[str]) -> dict[str, Product]:
        rows = self.connection.execute(select(t.products).where(t.products.c.id.in_(ids)))
        stored = [dict(r) for r in rows.mappings()]
        prices = self.prices([r["id"] for r in stored])
        return {r["id"]: product_of(r, prices[r["id"]]) for r in stored}

    # ------------------------------------------------------------------ programmes

    def programme(self, programme: str) -> Row | None:
        query = select(t.programmes).where(t.programmes.c.id == programme)
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def programmes(self, *, limit: int | None = None, after: str | None = None) -> list[Row]:
        """Programmes in id order, after the cursor ``after``."""
        query = select(t.programmes).order_by(t.programmes.c.id).limit(limit)
        if after is not None:
            query = query.where(t.programmes.c.id > after)
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def add_programme(self, row: Row) -> None:
        self.connection.execute(insert(t.programmes).values(**row))

    def change_programme(self, programme: str, values: Row) -> None:
        self.connection.execute(
            update(t.programmes).where(t.programmes.c.id == programme).values(**values)
        )

    def change_product(self, product: str, values: Row) -> None:
        self.connection.execute(
            update(t.products).where(t.products.c.id == product).values(**values)
        )

    def end_programme(self, programme: str, on: date) -> None:
        self.connection.execute(
            update(t.programmes).where(t.programmes.c.id == programme).values(valid_to=on)
        )

    def load_programmes(self) -> list[Programme]:
        return [programme_of(r) for r in self.programmes()]
