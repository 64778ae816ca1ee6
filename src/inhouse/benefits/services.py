"""Use cases of the benefits context: statements from recorded orders, the payroll export.

Every order line bought as staff (relation ``employee`` or ``group_employee``) and each
of its returns becomes a ``BenefitLine``. The employing entity is the seller's entity
for an employee and the buyer's employing entity for a group employee; its country
picks the rules. Employee numbers, retirements and lines of business come from the
register as it is now for numbers and as of the order's day for employments.

``year`` selects the statements whose period starts in that year (calendar years and
months; UK tax years that start on 6 April of it). With ``month`` the answer is the
position at the end of that month: orders and returns up to then, and the statements
whose period contains the month (the year to date, and the month itself under § 8 (2)).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from inhouse.benefits.domain import (
    BenefitLine,
    BenefitStatement,
    GrossProfitPercentage,
    PayrollRow,
    ProductKind,
    Relation,
    benefit_statements,
    has_rules_for,
    payroll_rows,
)
from inhouse.clock import Clock
from inhouse.errors import FieldProblem, InvalidFields
from inhouse.groups.domain import EmploymentKind, Register, trim
from inhouse.groups.services import RegisterCache
from inhouse.identity.domain import Actor, Permission
from inhouse.identity.services import NotAllowed, record, require

if TYPE_CHECKING:
    from inhouse.db.uow import UnitOfWork

Row = dict[str, Any]
P = Permission
PAYROLL_COLUMNS = ("employee_number", "period", "wage_type", "amount", "currency")


@dataclass(frozen=True, slots=True)
class BenefitsAnswer:
    year: int
    month: int | None
    statements: tuple[BenefitStatement, ...]
    not_valued: tuple[str, ...] = field(default=())  # lines whose employer has no rules

    @property
    def payroll(self) -> tuple[PayrollRow, ...]:
        return payroll_rows(self.statements)


def _window(year: int, month: int | None) -> tuple[date, date, date | None]:
    """Purchases to read (from, until) and the day up to which records count (None: all)."""
    if month is None:
        return date(year, 1, 1), date(year + 1, 4, 6), None
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(year - 1, 4, 6), end, end


def benefit_statements_for(
    *,
    uow: UnitOfWork,
    cache: RegisterCache,
    actor: Actor,
    year: int,
    month: int | None = None,
    person: str | None = None,
) -> BenefitsAnswer:
    """Statements of ``year`` (or at the end of ``month``), of everyone or of one person."""
    if not actor.may(P.READ_BENEFITS):
        require(actor, P.READ_OWN_BENEFITS)
        if person is not None and person != actor.person:
            raise NotAllowed(f"the role {actor.role.value} may not read the benefits of {person}")
        person = actor.person or ""
    problems: list[FieldProblem] = []
    if not 1900 <= year <= 9998:
        problems.append(FieldProblem("year", f"{year} is not a year from 1900 to 9998"))
    if month is not None and not 1 <= month <= 12:
        problems.append(FieldProblem("month", f"{month} is not a month from 1 to 12"))
    if problems:
        raise InvalidFields(problems)
    since, until, recorded_until = _window(year, month)
    register = cache.current(uow)
    with uow:
        purchases = uow.orders.staff_purchases(since, until, recorded_until, buyer=person)
        keys = [(p["order_id"], int(p["number"])) for p in purchases]
        returns = uow.orders.returns_of_lines(keys, recorded_until)
        gross_profit = uow.benefits.gross_profit_percentages()
    lines, not_valued = _benefit_lines(register, purchases, returns)
    statements = benefit_statements(lines, gross_profit)
    if month is None:
        chosen = [s for s in statements if s.period.start.year == year]
    else:
        first = date(year, month, 1)
        chosen = [s for s in statements if s.period.contains(first)]
    return BenefitsAnswer(year, month, tuple(chosen), tuple(not_valued))


def _benefit_lines(
    register: Register, purchases: list[Row], returns: list[Row]
) -> tuple[list[BenefitLine], list[str]]:
    lines: list[BenefitLine] = []
    not_valued: list[str] = []
    by_key: dict[tuple[str, int], BenefitLine] = {}
    for row in purchases:
        line = _purchase_line(register, row)
        if isinstance(line, str):
            not_valued.append(line)
            continue
        lines.append(line)
        by_key[(row["order_id"], int(row["number"]))] = line
    for row in returns:
        purchase = by_key.get((row["order_id"], int(row["line"])))
        if purchase is None:
            continue  # its purchase is not valued (or outside the statements asked for)
        quantity = _whole(Decimal(str(row["quantity"])))
        lines.append(
            BenefitLine(
                **{
                    **_fields(purchase),
                    "id": f"{row['return_id']}/{row['line']}",
                    "on": row["on"],
                    "quantity": -(quantity or 0),
                    "original_line": purchase.id,
                },
            )
        )
    return lines, not_valued


def _fields(line: BenefitLine) -> dict[str, Any]:
    return {name: getattr(line, name) for name in BenefitLine.__dataclass_fields__}


def _whole(quantity: Decimal) -> int | None:
    return int(quantity) if quantity == quantity.to_integral_value() else None


def _purchase_line(register: Register, row: Row) -> BenefitLine | str:
    """The benefit line of a staff order line, or why it cannot be valued."""
    key = f"{row['order_id']}/{row['number']}"
    person = row["buyer"]
    relation = Relation(row["relation"])
    employer = row["seller_entity"] if relation is Relation.EMPLOYEE else row["buyer_entity"]
    entity = register.entities.get(employer or "")
    if entity is None or not has_rules_for(entity.country):
        country = "no country" if entity is None or not entity.country else entity.country
        return f"{key}: the employer {employer} has {country}; inhouse has no benefit rules for it"
    quantity = _whole(Decimal(str(row["quantity"])))
    if quantity is None:
        return f"{key}: {row['quantity']} units are not whole units; value it by hand"
    currency = row["currency"]
    amount = Decimal(str(row["amount"]))
    price_paid = (amount / quantity).quantize(Decimal("0.0001"))
    seller = register.entities.get(row["seller_entity"])
    retiree = any(
        e.entity == employer and e.kind is EmploymentKind.RETIREE
        for e in register.employments_of(person, row["on"])
    )
    known = register.persons.get(person)
    same_business = (
        seller is None
        or seller.line_of_business is None
        or entity.line_of_business is None
        or seller.line_of_business == entity.line_of_business
    )
    return BenefitLine(
        id=key,
        person=person,
        employee_number=(known.employee_no if known and known.employee_no else person),
        employer=employer or "",
        employer_country=entity.country or "",
        seller=row["seller_entity"],
        relation=relation,
        on=row["on"],
        product=row["product"],
        kind=ProductKind(row["kind"]),
        for_employees_only=bool(row["for_employees_only"]),
        list_price=_plain(row["list_price"]),
        price_paid=price_paid.normalize() if price_paid * quantity == amount else price_paid,
        unit_cost=None if row["unit_cost"] is None else _plain(row["unit_cost"]),
        market_price=None if row["market_price"] is None else _plain(row["market_price"]),
        quantity=quantity,
        currency=currency,
        retiree=retiree,
        same_line_of_business=same_business,
    )


def _plain(value: Any) -> Decimal:
    return trim(Decimal(str(value)))


def payroll_csv(rows: Iterable[PayrollRow]) -> str:
    """The payroll export: employee number, period, wage type, amount, currency."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PAYROLL_COLUMNS)
    for row in rows:
        writer.writerow((row.employee_number, row.period, row.wage_type.value,
                         row.amount, row.currency))  # fmt: skip
    return out.getvalue()


# --------------------------------------------------------------------------- gross profit


def set_gross_profit_percentage(
    *, uow: UnitOfWork, actor: Actor, clock: Clock, entity: str, year: int, percent: Decimal
) -> GrossProfitPercentage:
    """US § 132(c): the gross profit percentage of ``entity``'s line of business in ``year``."""
    require(actor, P.WRITE_PRICING)
    problems: list[FieldProblem] = []
    if not percent.is_finite() or not 0 <= percent <= 100:
        problems.append(FieldProblem("percent", f"{percent} is not a percentage from 0 to 100"))
    elif percent != percent.quantize(Decimal("0.0001")):
        problems.append(FieldProblem("percent", f"{percent} has more than 4 decimal places"))
    if not 1900 <= year <= 9998:
        problems.append(FieldProblem("year", f"{year} is not a year from 1900 to 9998"))
    with uow:
        if uow.groups.party_kind(entity) != "entity":
            problems.append(FieldProblem("entity", f'"{entity}" is not a known entity'))
        if problems:
            raise InvalidFields(problems)
        before = uow.benefits.gross_profit_percentage(entity, year)
        uow.benefits.set_gross_profit_percentage(entity, year, percent)
        after = GrossProfitPercentage(entity, year, percent.normalize())
        record(uow=uow, actor=actor, clock=clock, action="update" if before else "create",
               resource="gross_profit_percentages", resource_id=f"{entity}/{year}",
               before=None if before is None else {"percent": before.percent},
               after={"percent": after.percent})  # fmt: skip
        uow.commit()
        return after


def list_gross_profit_percentages(*, uow: UnitOfWork, actor: Actor) -> list[GrossProfitPercentage]:
    if not actor.may(P.READ_BENEFITS):
        require(actor, P.READ_PRICING)
    with uow:
        return uow.benefits.gross_profit_percentages()
