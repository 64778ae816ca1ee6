"""Importing the commercial files of a dataset folder: products, programmes, gross profit, sales.

It runs inside the import's transaction, after the register's records are written, so a
problem anywhere rejects the whole import. Natural keys make it idempotent:

====================  =========================================================
file                  what it does
====================  =========================================================
``products.csv``      adds products (their first price open from the beginning);
                      changes name, kind, category, for_employees_only; a new
                      list price or unit cost needs ``price_from``, the first
                      day of the new price
``programmes.toml``   ``[[programme]]`` tables with the fields of
                      ``POST /api/v1/programmes``; adds or changes by ``id``
``gross_profit.csv``  US § 132(c) gross profit percentage per entity and year
``sales.csv``         each row not yet recorded becomes an order of one line at
                      the price paid (its ``id`` is the order's id); a row with
                      a negative quantity is a return (see
                      ``inhouse.orders.domain.match_returns``)
====================  =========================================================

Imported orders keep the classification of their day and the explanation of the price a
quote would have given, with a sentence saying what was actually paid. Caps are not
enforced on history, but its discounts count against them.
"""

from __future__ import annotations

import json
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from inhouse.clock import FixedClock
from inhouse.dataset.errors import DatasetError, Problem
from inhouse.dataset.fields import currency_code
from inhouse.dataset.reader import Dataset, Row, open_dataset
from inhouse.dates import parse_date
from inhouse.errors import InhouseError, InvalidFields
from inhouse.groups.domain import Classification, Register, trim
from inhouse.identity.domain import Actor
from inhouse.incentives.services import award_points_for_order, reverse_points_for_return
from inhouse.money import Money, round_money
from inhouse.orders.domain import MatchedReturn, Sale, UsageEntry, match_returns, usage_of
from inhouse.orders.repository import line_of
from inhouse.orders.services import purchase_facts
from inhouse.pricing.domain import (
    PricedLine,
    Product,
    Programme,
    ProgrammeUsage,
    QuoteLine,
    quote,
    reverse_line,
)
from inhouse.pricing.repository import amount_of, product_of
from inhouse.pricing.schemas import ProgrammeCreate
from inhouse.pricing.services import LimitIn, check_programme, employment_facts

if TYPE_CHECKING:
    from inhouse.db.uow import UnitOfWork

PROGRAMMES_FILE = "programmes.toml"
COMMERCE_TABLES = frozenset({"products", "sales", "gross_profit"})
STAFF = ("staff_discount", "group_staff_discount")
TRUE = {"true", "yes", "1", "y"}
FALSE = {"false", "no", "0", "n"}


@dataclass
class CommerceChanges:
    """What the commercial files changed: counts per kind of record, for the import report."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )

    def count(self, table: str, what: str) -> None:
        self.counts[table][what] += 1

    def as_rows(self) -> dict[str, dict[str, int]]:
        return {table: dict(c) for table, c in self.counts.items()}


def _decimal(
    row: Row, column: str, problems: list[Problem], *, signed: bool = False
) -> Decimal | None:
    text = row.get(column)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(row.problem(column, f'"{text}" is not a number'))
        return None
    if not value.is_finite() or (value < 0 and not signed) or abs(value) >= Decimal(10) ** 16:
        problems.append(row.problem(column, f"{text} is not an amount from 0 to 10^16"))
        return None
    if value != value.quantize(Decimal("0.0001")):
        problems.append(row.problem(column, f"{text} has more than 4 decimal places"))
        return None
    return value


def _flag(row: Row, column: str, problems: list[Problem]) -> bool:
    text = (row.get(column) or "false").lower()
    if text in TRUE:
        return True
    if text not in FALSE:
        problems.append(row.problem(column, f'"{row.get(column)}" is not true or false'))
    return False


def import_commerce(
    *, uow: UnitOfWork, path: Path, register: Register, actor: Actor, now: datetime
) -> CommerceChanges:
    """Apply the commercial files of ``path`` inside the caller's open unit of work.

    ``register`` is the register as the import leaves it. Raises ``DatasetError`` with
    every problem found (the caller's transaction then rolls back).
    """
    changes = CommerceChanges()
    problems: list[Problem] = []
    if path.is_dir() or path.suffix.lower() == ".xlsx":
        with open_dataset(path) as dataset:
            _products(uow, dataset, changes, problems)
            if path.is_dir() and (path / PROGRAMMES_FILE).is_file():
                _programmes(uow, path / PROGRAMMES_FILE, changes, problems)
            _gross_profit(uow, dataset, changes, problems)
            if not problems:
                _sales(uow, dataset, register, actor, now, changes, problems)
    if problems:
        raise DatasetError(problems)
    return changes


# --------------------------------------------------------------------------- products


def _products(uow: UnitOfWork, dataset: Dataset, changes: CommerceChanges,
              problems: list[Problem]) -> None:  # fmt: skip
    seen: set[str] = set()
    for row in dataset.read_table("products"):
        if not row.complete:
            continue
        before = len(problems)
        id_, seller = row.get("id") or "", row.get("seller") or ""
        if id_ in seen:
            problems.append(row.problem("id", f'"{id_}" is given twice'))
        seen.add(id_)
        if uow.groups.party_kind(seller) != "entity":
            problems.append(row.problem("seller", f'"{seller}" is not a known entity'))
        try:
            currency = currency_code(row.get("currency") or "")
        except ValueError as error:
            problems.append(row.problem("currency", str(error)))
            currency = ""
        kind = row.get("kind") or "goods"
        if kind not in ("goods", "service"):
            problems.append(row.problem("kind", f'"{kind}" is not goods or service'))
        list_price = _decimal(row, "list_price", problems)
        unit_cost = _decimal(row, "unit_cost", problems)
        only_staff = _flag(row, "for_employees_only", problems)
        price_from: date | None = None
        if row.get("price_from"):
            try:
                price_from = parse_date(row.get("price_from") or "")
            except ValueError as error:
                problems.append(row.problem("price_from", str(error)))
        if len(problems) > before or list_price is None:
            continue
        values = {"seller": seller, "name": row.get("name"), "kind": kind,
                  "category": row.get("category"), "currency": currency,
                  "for_employees_only": only_staff}  # fmt: skip
        stored = uow.pricing.product(id_)
        if stored is None:
            uow.pricing.add_product({"id": id_, **values})
            uow.pricing.add_price({"product": id_, "valid_from": price_from, "valid_to": None,
                                   "list_price": list_price, "unit_cost": unit_cost})  # fmt: skip
            changes.count("products", "added")
            continue
        for column in ("seller", "currency"):
            if stored[column] != values[column]:
                problems.append(row.problem(column, f"{id_} has {column} {stored[column]}; "
                                            "a product keeps its seller and currency"))  # fmt: skip
        if len(problems) > before:
            continue
        changed = {c: v for c, v in values.items() if stored[c] != v}
        if changed:
            uow.pricing.change_product(id_, changed)
        prices = uow.pricing.prices([id_])[id_]
        open_ = [p for p in prices if p["valid_to"] is None]
        same = open_ and Decimal(str(open_[-1]["list_price"])) == list_price and (
            (open_[-1]["unit_cost"] is None and unit_cost is None)
            or (open_[-1]["unit_cost"] is not None and unit_cost is not None
                and Decimal(str(open_[-1]["unit_cost"])) == unit_cost)
        )  # fmt: skip
        if not same:
            current = open_[-1] if open_ else None
            starts = None if current is None else current["valid_from"]
            if price_from is None:
                problems.append(row.problem("list_price", f"{id_} has another price stored; give "
                                            "price_from, the first day of the new price"))  # fmt: skip
                continue
            if starts is not None and price_from <= starts:
                problems.append(row.problem("price_from", f"{price_from} is not after {starts}, "
                                            f"when the stored price of {id_} starts"))  # fmt: skip
                continue
            if current is not None:
                uow.pricing.end_price(current["id"], price_from)
            uow.pricing.add_price({"product": id_, "valid_from": price_from, "valid_to": None,
                                   "list_price": list_price, "unit_cost": unit_cost})  # fmt: skip
            changes.count("products", "repriced")
        elif changed:
            changes.count("products", "changed")
        else:
            changes.count("products", "unchanged")


# --------------------------------------------------------------------------- programmes


def _programmes(uow: UnitOfWork, file: Path, changes: CommerceChanges,
                problems: list[Problem]) -> None:  # fmt: skip
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.append(Problem(file.name, None, None, f"is not TOML: {error}"))
        return
    entries = document.get("programme", [])
    unknown = sorted(set(document) - {"programme"})
    if unknown or not isinstance(entries, list):
        problems.append(Problem(file.name, None, None,
                                'holds only [[programme]] tables, one per programme'))  # fmt: skip
        return
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"{file.name} programme {number}"
        try:
            model = ProgrammeCreate.model_validate(entry)
        except ValidationError as error:
            for issue in error.errors():
                column = ".".join(str(p) for p in issue["loc"]) or None
                problems.append(Problem(where, None, column, issue["msg"]))
            continue
        if model.id in seen:
            problems.append(Problem(where, None, "id", f'"{model.id}" is given twice'))
        seen.add(model.id)
        fields = model.model_dump(exclude={"quantity_limits"})
        limits = [LimitIn(q.max_quantity, q.product, q.category) for q in model.quantity_limits]
        try:
            row = check_programme(quantity_limits=limits, **fields)
        except InvalidFields as error:
            problems.extend(Problem(where, None, p.field, p.reason) for p in error.problems)
            continue
        if row["scope_kind"] == "entity" and uow.groups.party_kind(row["scope_id"]) != "entity":
            problems.append(Problem(where, None, "scope_id",
                                    f'"{row["scope_id"]}" is not a known entity'))  # fmt: skip
            continue
        stored = uow.pricing.programme(model.id)
        if stored is None:
            uow.pricing.add_programme(row)
            changes.count("programmes", "added")
            continue
        changed = {c: v for c, v in row.items() if _stored(stored[c]) != _stored(v)}
        if changed:
            uow.pricing.change_programme(model.id, changed)
            changes.count("programmes", "changed")
        else:
            changes.count("programmes", "unchanged")


def _stored(value: Any) -> Any:
    """Values as they compare after a round trip through the database."""
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    return value


# --------------------------------------------------------------------------- gross profit


def _gross_profit(uow: UnitOfWork, dataset: Dataset, changes: CommerceChanges,
                  problems: list[Problem]) -> None:  # fmt: skip
    for row in dataset.read_table("gross_profit"):
        if not row.complete:
            continue
        entity = row.get("entity") or ""
        if uow.groups.party_kind(entity) != "entity":
            problems.append(row.problem("entity", f'"{entity}" is not a known entity'))
            continue
        text = row.get("year") or ""
        if not text.isdigit() or not 1900 <= int(text) <= 9998:
            problems.append(row.problem("year", f'"{text}" is not a year'))
            continue
        percent = _decimal(row, "percent", problems)
        if percent is None:
            continue
        if percent > 100:
            problems.append(row.problem("percent", f"{percent} is more than 100"))
            continue
        stored = uow.benefits.gross_profit_percentage(entity, int(text))
        if stored is not None and stored.percent == percent:
            changes.count("gross_profit", "unchanged")
            continue
        uow.benefits.set_gross_profit_percentage(entity, int(text), percent)
        changes.count("gross_profit", "added" if stored is None else "changed")


# --------------------------------------------------------------------------- sales


def _sale_of(row: Row, problems: list[Problem]) -> Sale | None:
    before = len(problems)
    try:
        on = parse_date(row.get("date") or "")
    except ValueError as error:
        problems.append(row.problem("date", str(error)))
        on = date.min
    product = row.get("product")
    if product is None:
        problems.append(row.problem("product", "an imported sale names its product"))
    quantity = (
        _decimal(row, "quantity", problems, signed=True) if row.get("quantity") else Decimal(1)
    )
    if quantity is not None and quantity == 0:
        problems.append(row.problem("quantity", "0 is not a quantity"))
    price = _decimal(row, "price_paid", problems)
    amount = _decimal(row, "amount", problems, signed=True)
    if price is None and amount is not None and quantity:
        price = amount / quantity
    if price is None and len(problems) == before:
        problems.append(row.problem("price_paid", "give price_paid or amount"))
    market = _decimal(row, "market_price", problems)
    currency = row.get("currency")
    if len(problems) > before or price is None or quantity is None:
        return None
    return Sale(id=row.get("id") or "", row=row.number, on=on, seller=row.get("seller") or "",
                buyer=row.get("buyer") or "", product=product or "", quantity=quantity,
                price_paid=price, currency=currency or "", market_price=market)  # fmt: skip


def _sales(uow: UnitOfWork, dataset: Dataset, register: Register, actor: Actor, now: datetime,
           changes: CommerceChanges, problems: list[Problem]) -> None:  # fmt: skip
    rows = [row for row in dataset.read_table("sales") if row.complete]
    if not rows:
        return
    label = rows[0].file
    sales: list[Sale] = []
    ids: dict[str, int] = {}
    for row in rows:
        sale = _sale_of(row, problems)
        id_ = row.get("id") or ""
        if id_ in ids:
            problems.append(row.problem("id", f'"{id_}" is the id of row {ids[id_]} too'))
        ids.setdefault(id_, row.number)
        if sale is not None:
            sales.append(sale)
    if problems:
        return
    recorded = uow.orders.known_ids([s.id for s in sales])
    try:
        purchases, returns = match_returns(sales)
    except InhouseError as error:
        problems.append(Problem(label, None, None, str(error)))
        return
    products = _products_of(uow, {s.product for s in sales})
    programmes = uow.pricing.load_programmes()
    caps = {p.id: p.annual_cap.currency for p in programmes if p.annual_cap is not None}
    ledgers: dict[tuple[str, int], list[UsageEntry]] = {}
    heads: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for sale in purchases:
        product = products.get(sale.product)
        if product is None:
            problems.append(
                Problem(label, sale.row, "product", f'"{sale.product}" is not a known product')
            )
            continue
        try:
            classification = register.classify(sale.seller, sale.buyer, sale.on)
        except InhouseError as error:
            problems.append(Problem(label, sale.row, "seller", str(error)))
            continue
        if product.seller != classification.seller_entity:
            problems.append(Problem(label, sale.row, "product", f"{product.id} is sold by "
                                    f"{product.seller}, not by {classification.seller_entity}"))  # fmt: skip
            continue
        if sale.currency and sale.currency != product.currency:
            problems.append(Problem(label, sale.row, "currency", f"{product.id} is priced in "
                                    f"{product.currency}, not {sale.currency}"))  # fmt: skip
            continue
        try:
            list_price = product.list_price_on(sale.on)
        except InhouseError as error:
            problems.append(Problem(label, sale.row, "date", str(error)))
            continue
        key = (sale.buyer, sale.on.year)
        if key not in ledgers:
            ledgers[key] = uow.orders.usage_entries(sale.buyer, sale.on.year)
        try:
            line = _price_history(register, classification, product, sale, programmes,
                                  usage_of(ledgers[key], caps))  # fmt: skip
        except InhouseError as error:
            problems.append(Problem(label, sale.row, None, str(error)))
            continue
        paid = Money(
            round_money(sale.price_paid * sale.quantity, product.currency), product.currency
        )
        list_amount = line.list_amount
        staff = line.programme_kind is not None and line.programme_kind.is_staff
        discount = (list_amount - paid) if staff else Money.zero(product.currency)
        note = (f"Recorded from {label} row {sale.row}: paid {paid} "
                f"({sale.price_paid.normalize():f} {product.currency} a unit)")  # fmt: skip
        if paid != line.amount:
            note += f"; the programmes in force price it at {line.amount}"
        if staff:
            ledgers[key].append(UsageEntry(line.programme or "", sale.on.year, discount,
                                           product.id, product.category, sale.quantity))  # fmt: skip
        if sale.id in recorded:
            continue
        heads.append({
            "id": sale.id, "seller": sale.seller, "buyer": sale.buyer, "on": sale.on,
            "relation": classification.relation.value,
            "seller_entity": classification.seller_entity,
            "buyer_entity": classification.buyer_entity, "group": classification.group,
            "internal": classification.internal, "uncertain": classification.uncertain,
            "classification": list(classification.evidence), "evidence": [note],
            "source": "import", "created_at": now, "created_by": actor.username,
        })  # fmt: skip
        lines.append({
            "order_id": sale.id, "number": 1, "product": product.id,
            "category": product.category, "kind": product.kind.value,
            "for_employees_only": product.for_employees_only, "quantity": sale.quantity,
            "currency": product.currency, "list_price": list_price.amount,
            "list_amount": list_amount.amount, "unit_price": sale.price_paid,
            "amount": paid.amount, "discount": discount.amount,
            "unit_cost": None if line.unit_cost is None else line.unit_cost.amount,
            "market_price": sale.market_price, "programme": line.programme,
            "programme_kind": None if line.programme_kind is None else line.programme_kind.value,
            "base": line.base.value, "cap_left": None if line.cap_left is None else line.cap_left.amount,
            "evidence": [note, *line.evidence],
            "not_applied": [{"programme": n.programme, "reason": n.reason.value,
                             "sentence": n.sentence} for n in line.not_applied],
        })  # fmt: skip
        changes.count("sales", "orders added")
    if problems:
        return
    uow.orders.add_orders(heads, lines)
    clock = FixedClock(now)
    for head, stored in zip(heads, lines, strict=True):
        award_points_for_order(uow=uow, clock=clock, actor=actor,
                               order=purchase_facts({**head, "lines": [stored]}, register))  # fmt: skip
    _returns(uow, label, returns, recorded, actor, now, changes, problems)


def _products_of(uow: UnitOfWork, ids: set[str]) -> dict[str, Product]:
    rows = [r for i in sorted(ids) if (r := uow.pricing.product(i)) is not None]
    prices = uow.pricing.prices([r["id"] for r in rows])
    return {r["id"]: product_of(r, prices[r["id"]]) for r in rows}


def _price_history(register: Register, classification: Classification, product: Product,
                   sale: Sale, programmes: list[Programme],
                   usage: tuple[ProgrammeUsage, ...]) -> PricedLine:  # fmt: skip
    """The line a quote would have given on the sale's day (for its explanation and programme)."""
    employed_since, retiree = employment_facts(register, classification)
    answer = quote(buyer=classification, lines=[QuoteLine(product, abs(sale.quantity))],
                   programmes=programmes, usage=usage, employed_since=employed_since,
                   retiree=retiree)  # fmt: skip
    return answer.lines[0]


def _returns(uow: UnitOfWork, label: str, returns: list[MatchedReturn], recorded: set[str],
             actor: Actor, now: datetime, changes: CommerceChanges,
             problems: list[Problem]) -> None:  # fmt: skip
    heads: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for matched in returns:
        sale, purchase = matched.sale, matched.purchase
        if sale.id in recorded:
            continue
        stored = uow.orders.lines([purchase.id])[purchase.id]
        if not stored:
            problems.append(
                Problem(label, sale.row, "id", f"its sale {purchase.id} is not recorded")
            )
            continue
        line = line_of(stored[0], purchase.on)
        reversal = reverse_line(line, -sale.quantity, already_returned=matched.already_returned)
        heads.append({"id": sale.id, "order_id": purchase.id, "on": sale.on, "source": "import",
                      "created_at": now, "created_by": actor.username})  # fmt: skip
        lines.append({
            "return_id": sale.id, "line": 1, "order_id": purchase.id, "quantity": -sale.quantity,
            "amount": reversal.amount.amount, "list_amount": reversal.list_amount.amount,
            "discount": reversal.discount.amount,
            "quantity_given_back": reversal.quantity_given_back,
            "evidence": [f"Recorded from {label} row {sale.row}: a return of sale {purchase.id}",
                         *reversal.evidence],
        })  # fmt: skip
        changes.count("sales", "returns added")
    if problems:
        return
    uow.orders.add_returns(heads, lines)
    clock = FixedClock(now)
    for head, given_back in zip(heads, lines, strict=True):
        currency = uow.orders.lines([head["order_id"]])[head["order_id"]][0]["currency"]
        reverse_points_for_return(uow=uow, clock=clock, actor=actor, return_id=head["id"],
                                  order=head["order_id"], on=head["on"],
                                  amount=Money(given_back["amount"], currency))  # fmt: skip


# --------------------------------------------------------------------------- export


def exported_products(uow: UnitOfWork) -> Iterator[tuple[object, ...]]:
    """``products.csv`` rows: each product with its newest price (and when it starts)."""
    rows = uow.pricing.products()
    prices = uow.pricing.prices([r["id"] for r in rows])
    for row in rows:
        newest = prices[row["id"]][-1] if prices[row["id"]] else None
        if newest is None:
            continue
        currency = row["currency"]
        cost = newest["unit_cost"]
        yield (row["id"], row["seller"], row["name"], amount_of(newest["list_price"], currency),
               currency, row["kind"], row["category"],
               None if cost is None else amount_of(cost, currency),
               "true" if row["for_employees_only"] else "false",
               newest["valid_from"])  # fmt: skip


def exported_sales(uow: UnitOfWork) -> Iterator[tuple[object, ...]]:
    """``sales.csv`` rows: a row per order line (``order/line`` when an order has several)
    and a negative row per returned line, in date order."""
    for order in uow.orders.page(limit=None):
        lines = uow.orders.lines([order["id"]])[order["id"]]
        several = len(lines) > 1
        for line in lines:
            yield _sale_row(f"{order['id']}/{line['number']}" if several else order["id"],
                            order["on"], order["seller"], order["buyer"], line,
                            Decimal(str(line["quantity"])), Decimal(str(line["amount"])))  # fmt: skip
        for made in uow.orders.returns([order["id"]])[order["id"]]:
            for back in made["lines"]:
                line = next(x for x in lines if x["number"] == back["line"])
                yield _sale_row(made["id"] if len(made["lines"]) == 1 else
                                f"{made['id']}/{back['line']}", made["on"], order["seller"],
                                order["buyer"], line, -Decimal(str(back["quantity"])),
                                -Decimal(str(back["amount"])))  # fmt: skip


def _sale_row(id_: str, on: date, seller: str, buyer: str, line: dict[str, Any],
              quantity: Decimal, amount: Decimal) -> tuple[object, ...]:  # fmt: skip
    currency = line["currency"]
    market = line["market_price"]
    return (id_, on, seller, buyer, amount_of(amount, currency), currency, line["product"],
            _plain(quantity), amount_of(line["unit_price"], currency),
            None if market is None else amount_of(market, currency))  # fmt: skip


def _plain(value: Decimal) -> str:
    return format(trim(value), "f")


PROGRAMME_FIELDS = (
    "id", "name", "kind", "scope_kind", "scope_id", "categories_included",
    "categories_excluded", "valid_from", "valid_to", "priority", "discount_pct",
    "markup_pct", "margin_pct", "method", "include_retirees", "waiting_days", "annual_cap",
    "annual_cap_currency", "quantity_limits", "comparables",
)  # fmt: skip


def programmes_toml(uow: UnitOfWork) -> tuple[str, int]:
    """``programmes.toml``: a ``[[programme]]`` table per programme, empty fields left out."""
    rows = uow.pricing.programmes()
    lines = ["# Pricing programmes; the fields of POST /api/v1/programmes."]
    for row in rows:
        lines += ["", "[[programme]]"]
        for name in PROGRAMME_FIELDS:
            value = row[name]
            if value is None or value == []:
                continue
            lines.append(f"{name} = {_toml(value)}")
    return "\n".join(lines) + "\n", len(rows)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        return _toml(_plain(Decimal(str(value))))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {_toml(v)}" for k, v in value.items() if v is not None)
        return "{" + inner + "}"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string
