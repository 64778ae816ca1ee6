"""Products, programmes, quotes and returns of the pricing domain (design/pricing.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from groups_builders import employment, register, stake
from hypothesis import given, settings
from hypothesis import strategies as st

from inhouse.dates import Period
from inhouse.errors import InvalidRequest
from inhouse.groups.domain import Classification, EmploymentKind, Relation
from inhouse.money import Money
from inhouse.pricing.domain import (
    Base,
    DatedAmount,
    NotApplied,
    PricedLine,
    Product,
    Programme,
    ProgrammeKind,
    ProgrammeUsage,
    QuantityLimit,
    Quote,
    QuoteLine,
    Reason,
    SellerScope,
    TransferMethod,
    quote,
    reverse_line,
)

ON = date(2026, 6, 30)
HIRED = date(2020, 1, 1)
EMPLOYED = "P1 is employed by ABC (since 2020-01-01)"
EVIDENCE = {
    Relation.EMPLOYEE: (EMPLOYED,),
    Relation.GROUP_EMPLOYEE: ("P1 is employed by XYZ (since 2020-01-01)",),
    Relation.SAME_ENTITY: ("ABC-PLANT is an org unit of ABC, the seller's own legal entity",),
    Relation.INTERCOMPANY: ("XYZ and ABC are both controlled by JKL on 2026-06-30",),
    Relation.EXTERNAL: ("P1 has no employment in the JKL group on 2026-06-30",),
}
BUYERS = {Relation.SAME_ENTITY: "ABC-PLANT", Relation.INTERCOMPANY: "XYZ"}
ENTITIES = {Relation.SAME_ENTITY: "ABC", Relation.INTERCOMPANY: "XYZ", Relation.EMPLOYEE: "ABC"}

STAFF = Programme("S1", "Staff purchases", ProgrammeKind.STAFF_DISCOUNT, discount_pct=Decimal(15))
GROUP_STAFF = Programme(
    "G1", "Group staff purchases", ProgrammeKind.GROUP_STAFF_DISCOUNT, discount_pct=Decimal(10)
)
CHARGE = Programme("D1", "Internal charge", ProgrammeKind.DEPARTMENT_CHARGE)
COST_PLUS = Programme(
    "T1",
    "Cost plus",
    ProgrammeKind.TRANSFER_PRICE,
    method=TransferMethod.COST_PLUS,
    markup_pct=Decimal(10),
)
ALL_KINDS = [STAFF, GROUP_STAFF, CHARGE, COST_PLUS]


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def widget(
    price: str = "9.99",
    *,
    id: str = "W1",
    cost: str | None = "6.00",
    category: str | None = "tools",
    seller: str = "ABC",
    currency: str = "EUR",
) -> Product:
    costs = (DatedAmount(Decimal(cost)),) if cost is not None else ()
    return Product(
        id,
        seller,
        f"Item {id}",
        currency,
        (DatedAmount(Decimal(price)),),
        costs,
        category=category,
    )


PHONE = widget("400.00", id="PH1", category="phones")


def sale(
    relation: Relation = Relation.EMPLOYEE, *, on: date = ON, seller: str = "ABC"
) -> Classification:
    return Classification(
        seller=seller,
        buyer=BUYERS.get(relation, "P1"),
        on=on,
        relation=relation,
        seller_entity=seller,
        buyer_entity=ENTITIES.get(relation),
        group="JKL",
        uncertain=False,
        evidence=EVIDENCE[relation],
    )


def buy(
    *lines: tuple[Product, str],
    programmes: list[Programme],
    relation: Relation = Relation.EMPLOYEE,
    on: date = ON,
    usage: list[ProgrammeUsage] | None = None,
    employed_since: date | None = HIRED,
    retiree: bool = False,
) -> Quote:
    return quote(
        buyer=sale(relation, on=on),
        lines=[QuoteLine(product, Decimal(quantity)) for product, quantity in lines],
        programmes=programmes,
        usage=usage or [],
        employed_since=employed_since,
        retiree=retiree,
    )


def one(
    line: tuple[Product, str],
    *,
    programmes: list[Programme],
    relation: Relation = Relation.EMPLOYEE,
    on: date = ON,
    usage: list[ProgrammeUsage] | None = None,
    employed_since: date | None = HIRED,
) -> PricedLine:
    """The one line of a quote for one line."""
    answer = buy(
        line,
        programmes=programmes,
        relation=relation,
        on=on,
        usage=usage,
        employed_since=employed_since,
    )
    return answer.lines[0]


def reasons(line: PricedLine) -> dict[str, Reason]:
    return {n.programme: n.reason for n in line.not_applied}


def sentence(line: PricedLine, programme: str) -> str:
    return next(n.sentence for n in line.not_applied if n.programme == programme)


def used(discount: str, *, year: int = 2026, programme: str = "S1") -> ProgrammeUsage:
    return ProgrammeUsage(programme, year, eur(discount))


# --------------------------------------------------------------------------- products


def test_the_price_on_a_date_follows_the_half_open_history() -> None:
    # given a price of 10.00 for the first half of 2026 and 11.00 from July
    product = Product(
        "W1",
        "ABC",
        "Widget",
        "EUR",
        (
            DatedAmount(Decimal("10.00"), Period(date(2026, 1, 1), date(2026, 7, 1))),
            DatedAmount(Decimal("11.00"), Period(date(2026, 7, 1))),
        ),
    )
    # then
    assert product.list_price_on(date(2026, 6, 30)) == eur("10.00")
    assert product.list_price_on(date(2026, 7, 1)) == eur("11.00")
    assert product.unit_cost_on(date(2026, 7, 1)) is None
    with pytest.raises(InvalidRequest, match=r"^W1 \(Widget\) has no list price on 2025-12-31$"):
        product.list_price_on(date(2025, 12, 31))


def test_two_prices_on_the_same_day_are_refused() -> None:
    with pytest.raises(ValueError, match="W1: two list prices are valid on the same day"):
        Product(
            "W1",
            "ABC",
            "Widget",
            "EUR",
            (
                DatedAmount(Decimal("10.00"), Period(date(2026, 1, 1), date(2026, 7, 2))),
                DatedAmount(Decimal("11.00"), Period(date(2026, 7, 1))),
            ),
        )


def test_a_product_needs_a_currency_code_and_amounts_are_never_float() -> None:
    with pytest.raises(ValueError, match='"EURO" is not an ISO 4217 currency code'):
        widget(currency="EURO")
    with pytest.raises(TypeError, match="an amount is a Decimal, not float"):
        DatedAmount(9.99)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- staff discount


def test_staff_discount_is_rounded_once_per_line() -> None:
    # when an employee buys 3 × 9.99 at 15 % (4.4955 of discount)
    answer = buy((widget(), "3"), programmes=ALL_KINDS)
    # then
    line = answer.lines[0]
    assert (line.programme, line.programme_kind, line.base) == (
        "S1",
        ProgrammeKind.STAFF_DISCOUNT,
        Base.LIST_PRICE,
    )
    assert (line.list_amount, line.discount, line.amount) == (
        eur("29.97"),
        eur("4.50"),
        eur("25.47"),
    )
    assert (line.unit_price, line.discount_unit, line.cap_left) == (eur("8.49"), eur("1.50"), None)
    assert answer.totals == {"EUR": eur("25.47")}
    # the other programmes in the order they are weighed: priority, then id
    assert line.evidence == (
        "Line 1: 3 × Item W1 (W1, category tools) from ABC on 2026-06-30 at a list price of 9.99 EUR",
        "staff discount S1 (Staff purchases) applies to an employee of the seller: 15% off the "
        "list price",
        "Discount: 15% of 29.97 EUR = 4.4955 EUR, rounded half up to 4.50 EUR",
        "Price: 29.97 EUR − 4.50 EUR = 25.47 EUR (a unit: 8.49 EUR, 1.50 EUR off; the line is "
        "rounded once and is what is charged)",
        "department charge D1 (Internal charge) does not apply: wrong relation: it is for units "
        "of the seller's own legal entity (same_entity), the buyer is an employee of the seller "
        "(employee)",
        "group staff discount G1 (Group staff purchases) does not apply: wrong relation: it is "
        "for employees of other companies of the seller's group (group_employee), the buyer is "
        "an employee of the seller (employee)",
        "transfer price T1 (Cost plus) does not apply: wrong relation: it is for other companies "
        "of the seller's group (intercompany), the buyer is an employee of the seller (employee)",
    )
    assert answer.evidence == (
        "P1 buys from ABC on 2026-06-30 as an employee of the seller (employee)",
        EMPLOYED,
    )


def test_totals_are_sums_of_rounded_lines_not_of_rounded_units() -> None:
    # given 7 × 0.99 at 15 %: 1.0395 of discount on the line, 0.1485 a unit
    answer = buy((widget(), "3"), (widget("0.99", id="W2"), "7"), programmes=[STAFF])
    # then the line's discount is 1.04, not 7 × 0.15 = 1.05
    second = answer.lines[1]
    assert (second.discount, second.discount_unit, second.amount) == (
        eur("1.04"),
        eur("0.15"),
        eur("5.89"),
    )
    assert answer.totals == {"EUR": eur("31.36")}
    assert answer.discount_totals == {"EUR": eur("5.54")}


def test_group_staff_discount_for_an_employee_of_a_sister_company() -> None:
    line = one((widget(), "1"), programmes=ALL_KINDS, relation=Relation.GROUP_EMPLOYEE)
    assert (line.programme, line.amount, line.discount) == ("G1", eur("8.99"), eur("1.00"))
    assert reasons(line) == {"S1": Reason.RELATION, "D1": Reason.RELATION, "T1": Reason.RELATION}


def test_an_external_buyer_pays_the_list_price_and_hears_why() -> None:
    line = one((widget(), "2"), programmes=[STAFF], relation=Relation.EXTERNAL)
    assert (line.programme, line.base, line.amount, line.discount) == (
        None,
        Base.LIST_PRICE,
        eur("19.98"),
        eur("0.00"),
    )
    assert line.evidence[1:] == (
        "No programme applies: 2 × 9.99 EUR = 19.98 EUR at list price",
        "staff discount S1 (Staff purchases) does not apply: wrong relation: it is for employees "
        "of the seller (employee), the buyer is an external customer (external)",
    )


# --------------------------------------------------------------------------- charges and transfers


def test_department_charge_is_the_unit_cost_by_default() -> None:
    line = one((widget(), "4"), programmes=ALL_KINDS, relation=Relation.SAME_ENTITY)
    assert (line.programme, line.base, line.base_unit, line.amount, line.discount) == (
        "D1",
        Base.UNIT_COST,
        eur("6.00"),
        eur("24.00"),
        eur("0.00"),
    )
    assert line.evidence[1:3] == (
        "department charge D1 (Internal charge) applies to a unit of the seller's own legal "
        "entity: unit cost 6.00 EUR",
        "Price: 4 × 6.00 EUR = 24.00 EUR",
    )


def test_department_charge_with_a_markup() -> None:
    charge = replace(CHARGE, markup_pct=Decimal("12.5"))
    line = one((widget(cost="6.01"), "3"), programmes=[charge], relation=Relation.SAME_ENTITY)
    # 6.01 × 1.125 = 6.76125 a unit; 20.28375 on the line
    assert (line.unit_price, line.base_amount, line.amount) == (
        eur("6.76"),
        eur("18.03"),
        eur("20.28"),
    )
    assert line.evidence[2] == "Price: 3 × 6.76125 EUR = 20.28375 EUR, rounded half up to 20.28 EUR"


def test_a_charge_on_cost_needs_a_unit_cost() -> None:
    line = one((widget(cost=None), "1"), programmes=[CHARGE], relation=Relation.SAME_ENTITY)
    assert line.programme is None
    assert sentence(line, "D1") == (
        "department charge D1 (Internal charge) does not apply: W1 has no unit cost on 2026-06-30"
    )


@pytest.mark.parametrize(
    ("programme", "base", "amount"),
    [
        pytest.param(COST_PLUS, Base.UNIT_COST, "19.80", id="cost-plus: 3 × 6.00 × 1.10"),
        pytest.param(
            Programme(
                "T2",
                "Resale minus",
                ProgrammeKind.TRANSFER_PRICE,
                method=TransferMethod.RESALE_MINUS,
                margin_pct=Decimal(20),
            ),
            Base.LIST_PRICE,
            "23.98",
            id="resale-minus: 3 × 9.99 × 0.80 = 23.976",
        ),
        pytest.param(
            Programme("T3", "CUP", ProgrammeKind.TRANSFER_PRICE, method=TransferMethod.CUP),
            Base.LIST_PRICE,
            "29.97",
            id="cup: 3 × 9.99",
        ),
    ],
)
def test_transfer_price_methods(programme: Programme, base: Base, amount: str) -> None:
    line = one((widget(), "3"), programmes=[programme], relation=Relation.INTERCOMPANY)
    assert (line.programme, line.base, line.amount, line.discount) == (
        programme.id,
        base,
        eur(amount),
        eur("0.00"),
    )


# --------------------------------------------------------------------------- choosing


def test_the_highest_priority_wins_even_at_a_higher_price() -> None:
    # given 10 % at priority 5 and 20 % at priority 1
    first = replace(STAFF, discount_pct=Decimal(10), priority=5)
    second = replace(STAFF, id="S2", name="Summer sale", discount_pct=Decimal(20), priority=1)
    line = one((widget(), "1"), programmes=[second, first])
    # then
    assert (line.programme, line.amount) == ("S1", eur("8.99"))
    assert line.not_applied == (
        NotApplied(
            "S2",
            Reason.OUTRANKED,
            "staff discount S2 (Summer sale) also applies, but S1 has the higher priority "
            "(5 against 1); programmes do not stack",
        ),
    )


def test_on_a_tie_the_lower_price_wins() -> None:
    second = replace(STAFF, id="S2", name="Summer sale", discount_pct=Decimal(20))
    line = one((widget(), "1"), programmes=[STAFF, second])
    assert (line.programme, line.amount, line.discount) == ("S2", eur("7.99"), eur("2.00"))
    assert sentence(line, "S1") == (
        "staff discount S1 (Staff purchases) also applies, but at the same priority (0) S2 gives "
        "the lower price (7.99 EUR against 8.49 EUR); programmes do not stack"
    )


def test_on_a_tie_of_priority_and_price_the_first_id_wins() -> None:
    second = replace(STAFF, id="S0", name="Same again")
    line = one((widget(), "1"), programmes=[STAFF, second])
    assert line.programme == "S0"
    assert sentence(line, "S1").endswith(
        "at the same priority (0) and price (8.49 EUR) S0 comes first by id; programmes do not stack"
    )


def test_validity_is_half_open() -> None:
    ended = replace(STAFF, period=Period(date(2026, 1, 1), ON))
    starting = replace(STAFF, id="S2", name="New", period=Period(ON))
    line = one((widget(), "1"), programmes=[ended, starting])
    assert line.programme == "S2"
    assert sentence(line, "S1") == (
        "staff discount S1 (Staff purchases) does not apply: outside its validity: it is valid "
        "since 2026-01-01, until 2026-06-30, the purchase is on 2026-06-30"
    )


# --------------------------------------------------------------------------- waiting period


WAITING = replace(STAFF, waiting_days=90)


def test_waiting_period_one_day_short() -> None:
    line = one((widget(), "1"), programmes=[WAITING], employed_since=ON - timedelta(days=89))
    assert (line.programme, line.amount) == (None, eur("9.99"))
    assert line.not_applied == (
        NotApplied(
            "S1",
            Reason.WAITING_PERIOD,
            "staff discount S1 (Staff purchases) does not apply: waiting period: 89 of 90 days",
        ),
    )


def test_waiting_period_exactly_served() -> None:
    line = one((widget(), "1"), programmes=[WAITING], employed_since=ON - timedelta(days=90))
    assert (line.programme, line.amount) == ("S1", eur("8.49"))


def test_waiting_period_in_the_words_of_the_design() -> None:
    line = one((widget(), "1"), programmes=[WAITING], employed_since=date(2026, 5, 20))
    assert sentence(line, "S1").endswith("does not apply: waiting period: 41 of 90 days")


def test_waiting_period_with_an_unknown_start_does_not_apply() -> None:
    line = one((widget(), "1"), programmes=[WAITING], employed_since=None)
    assert sentence(line, "S1").endswith(
        "waiting period: the start of employment is not known (90 days required)"
    )


def test_an_employment_starting_after_the_purchase_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="employment starting on 2026-07-01 is after"):
        buy((widget(), "1"), programmes=[WAITING], employed_since=date(2026, 7, 1))


# --------------------------------------------------------------------------- annual cap


CAPPED = replace(STAFF, annual_cap=eur("100.00"))


def test_a_line_that_reaches_the_cap_exactly_gets_its_whole_discount() -> None:
    line = one((widget(), "3"), programmes=[CAPPED], usage=[used("95.50")])
    assert (line.discount, line.amount, line.cap_left) == (eur("4.50"), eur("25.47"), eur("0.00"))
    assert (
        "Annual cap of S1: 100.00 EUR; 95.50 EUR received this year before this line, 4.50 EUR "
        "on this line, 0.00 EUR left"
    ) in line.evidence
    assert not any("would pass" in s for s in line.evidence)


def test_a_line_one_cent_over_the_cap_gets_the_discount_up_to_the_cap() -> None:
    line = one((widget(), "3"), programmes=[CAPPED], usage=[used("95.51")])
    assert (line.discount, line.amount, line.cap_left) == (eur("4.49"), eur("25.48"), eur("0.00"))
    assert line.evidence[3] == (
        "The discount of 4.50 EUR would pass the annual cap of 100.00 EUR (95.51 EUR received "
        "this year before this line): the discount is 4.49 EUR, up to the cap, and the rest is "
        "at list price"
    )


def test_a_used_up_cap_lets_the_next_programme_price_the_line() -> None:
    fallback = replace(STAFF, id="S2", name="Everyday", discount_pct=Decimal(5), priority=-1)
    line = one((widget(), "1"), programmes=[CAPPED, fallback], usage=[used("100.00")])
    assert (line.programme, line.amount) == ("S2", eur("9.49"))
    assert sentence(line, "S1") == (
        "staff discount S1 (Staff purchases) does not apply: cap used up: 100.00 EUR of the "
        "annual cap of 100.00 EUR received this year"
    )


def test_lines_use_the_cap_in_order_within_one_quote() -> None:
    # given a cap of 5.00 and three lines of 4.50 discount each
    small = replace(STAFF, annual_cap=eur("5.00"))
    answer = buy((widget(), "3"), (widget(), "3"), (widget(), "3"), programmes=[small])
    # then
    assert [(x.discount, x.cap_left, x.programme) for x in answer.lines] == [
        (eur("4.50"), eur("0.50"), "S1"),
        (eur("0.50"), eur("0.00"), "S1"),
        (eur("0.00"), None, None),
    ]
    assert reasons(answer.lines[2]) == {"S1": Reason.CAP_USED_UP}
    assert answer.totals == {"EUR": eur("84.91")}


def test_the_cap_is_per_calendar_year() -> None:
    # given the whole cap used in 2025
    usage = [used("100.00", year=2025)]
    # when buying on the last day of 2025 and on the first of 2026
    december = one((widget(), "3"), programmes=[CAPPED], usage=usage, on=date(2025, 12, 31))
    january = one((widget(), "3"), programmes=[CAPPED], usage=usage, on=date(2026, 1, 1))
    # then
    assert reasons(december) == {"S1": Reason.CAP_USED_UP}
    assert (january.discount, january.cap_left) == (eur("4.50"), eur("95.50"))


def test_a_cap_in_another_currency_does_not_apply() -> None:
    line = one((widget(currency="USD"), "1"), programmes=[CAPPED])
    assert sentence(line, "S1").endswith(
        "does not apply: its annual cap is in EUR, W1 is priced in USD"
    )


def test_usage_in_another_currency_or_twice_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="under S1 is in USD, its annual cap in EUR"):
        buy(
            (widget(), "1"),
            programmes=[CAPPED],
            usage=[ProgrammeUsage("S1", 2026, Money(Decimal(1), "USD"))],
        )
    with pytest.raises(InvalidRequest, match="the usage of S1 in 2026 is given twice"):
        buy((widget(), "1"), programmes=[CAPPED], usage=[used("1"), used("2")])


# --------------------------------------------------------------------------- quantity limits


ONE_PHONE = replace(
    STAFF, quantity_limits=(QuantityLimit(Decimal(1), product="PH1"),), discount_pct=Decimal(20)
)


def test_one_phone_a_year() -> None:
    first = one((PHONE, "1"), programmes=[ONE_PHONE])
    assert (first.programme, first.amount) == ("S1", eur("320.00"))
    assert (
        "Quantity limit at most 1 a year of product PH1: 0 bought this year before this line, "
        "1 on this line"
    ) in first.evidence


def test_a_second_phone_in_the_year_is_at_list_price() -> None:
    usage = [ProgrammeUsage("S1", 2026, by_product={"PH1": Decimal(1)})]
    line = one((PHONE, "1"), programmes=[ONE_PHONE], usage=usage)
    assert (line.programme, line.amount) == (None, eur("400.00"))
    assert line.not_applied == (
        NotApplied(
            "S1",
            Reason.QUANTITY_LIMIT,
            "staff discount S1 (Staff purchases) does not apply: quantity limit: 1 bought this "
            "year, at most 1 a year of product PH1; 1 more would pass it",
        ),
    )


def test_a_category_limit_counts_the_lines_of_one_quote_in_order() -> None:
    # given at most 2 phones a year, any model
    limited = replace(STAFF, quantity_limits=(QuantityLimit(Decimal(2), category="phones"),))
    other = widget("300.00", id="PH2", category="phones")
    # when
    answer = buy((PHONE, "2"), (other, "1"), (widget(), "1"), programmes=[limited])
    # then the third phone is at list price; the widget is not a phone
    assert [x.programme for x in answer.lines] == ["S1", None, "S1"]
    assert sentence(answer.lines[1], "S1").endswith(
        "quantity limit: 2 bought this year, at most 2 a year in category phones; "
        "1 more would pass it"
    )


def test_quantities_of_last_year_do_not_count() -> None:
    usage = [ProgrammeUsage("S1", 2025, by_product={"PH1": Decimal(1)})]
    assert one((PHONE, "1"), programmes=[ONE_PHONE], usage=usage).programme == "S1"


# --------------------------------------------------------------------------- retirees


def test_retirees_only_when_the_programme_says_so() -> None:
    # given P1 retired from ABC, classified by the groups domain
    reg = register(
        [stake("JKL", "ABC", "100")],
        persons=["P1"],
        employments=[
            employment("P1", "ABC", kind=EmploymentKind.RETIREE, valid_from=date(2024, 1, 1))
        ],
    )
    buyer = reg.classify("ABC", "P1", ON)
    lines = [QuoteLine(widget(), Decimal(1))]
    # when
    without = quote(buyer=buyer, lines=lines, programmes=[STAFF], retiree=True)
    with_them = quote(
        buyer=buyer, lines=lines, programmes=[replace(STAFF, include_retirees=True)], retiree=True
    )
    # then
    assert buyer.relation is Relation.EMPLOYEE
    assert without.lines[0].not_applied == (
        NotApplied(
            "S1",
            Reason.RETIREE,
            "staff discount S1 (Staff purchases) does not apply: retirees are not included, "
            "and P1 is a retiree",
        ),
    )
    assert (with_them.lines[0].programme, with_them.lines[0].amount) == ("S1", eur("8.49"))
    assert with_them.evidence[1] == "P1 is a retiree of ABC (since 2024-01-01)"


# --------------------------------------------------------------------------- categories and scope


def test_categories_included_and_excluded() -> None:
    books_only = replace(STAFF, categories_included=frozenset({"books", "music"}))
    no_tools = replace(STAFF, id="S2", name="No tools", categories_excluded=frozenset({"tools"}))
    tool = one((widget(), "1"), programmes=[books_only, no_tools])
    loose = one((widget(category=None), "1"), programmes=[books_only, no_tools])
    assert [n.sentence for n in tool.not_applied] == [
        "staff discount S1 (Staff purchases) does not apply: category not included: W1 is in "
        "category tools, the programme covers books, music",
        "staff discount S2 (No tools) does not apply: category excluded: W1 is in category tools",
    ]
    assert (loose.programme, sentence(loose, "S1")) == (
        "S2",
        "staff discount S1 (Staff purchases) does not apply: category not included: W1 is in no "
        "category, the programme covers books, music",
    )


def test_seller_scope_by_entity() -> None:
    xyz_only = replace(STAFF, seller_scope=SellerScope.entity("XYZ"))
    abc_only = replace(STAFF, id="S2", name="ABC staff", seller_scope=SellerScope.entity("ABC"))
    line = one((widget(), "1"), programmes=[xyz_only, abc_only])
    assert line.programme == "S2"
    assert sentence(line, "S1").endswith(
        "does not apply: seller out of scope: it covers the seller XYZ, the seller is ABC"
    )


def test_seller_scope_by_group() -> None:
    other_group = replace(STAFF, seller_scope=SellerScope.group("OTHER"))
    own_group = replace(STAFF, id="S2", name="JKL staff", seller_scope=SellerScope.group("JKL"))
    line = one((widget(), "1"), programmes=[other_group, own_group])
    assert line.programme == "S2"
    assert sentence(line, "S1").endswith(
        "seller out of scope: it covers sellers of the OTHER group, the seller is ABC of the JKL "
        "group"
    )


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"discount_pct": None}, "discount_pct is required for a staff discount"),
        ({"discount_pct": Decimal(101)}, "discount_pct 101 is not a percentage between 0 and 100"),
        ({"markup_pct": Decimal(5)}, "markup_pct is not used by a staff discount"),
        ({"waiting_days": -1}, "waiting_days -1 is less than 0"),
        ({"annual_cap": eur("0")}, "annual_cap 0.00 EUR is not more than 0"),
        ({"comparables": (Decimal(1), Decimal(2))}, "only transfer prices are checked"),
        (
            {"categories_included": frozenset({"a"}), "categories_excluded": frozenset({"a"})},
            "categories both included and excluded: a",
        ),
        ({"method": TransferMethod.CUP}, "a transfer price, and only a transfer price, names"),
    ],
)
def test_a_programme_that_makes_no_sense_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^programme S1: {message}"):
        replace(STAFF, **fields)


def test_staff_rules_on_other_kinds_and_missing_methods_are_refused() -> None:
    with pytest.raises(ValueError, match="waiting days, annual caps and quantity limits are for"):
        replace(CHARGE, waiting_days=30)
    with pytest.raises(ValueError, match="markup_pct is required for the cost_plus method"):
        replace(COST_PLUS, markup_pct=None)
    with pytest.raises(ValueError, match="a quantity limit is for one product or for one category"):
        QuantityLimit(Decimal(1), product="PH1", category="phones")


def test_a_quote_refuses_what_it_cannot_price() -> None:
    with pytest.raises(InvalidRequest, match=r"^W1 is sold by XYZ, not by ABC$"):
        buy((widget(seller="XYZ"), "1"), programmes=[STAFF])
    with pytest.raises(InvalidRequest, match=r"^a quantity is more than 0, not 0$"):
        buy((widget(), "0"), programmes=[STAFF])
    with pytest.raises(InvalidRequest, match=r"^programmes given twice: S1$"):
        buy((widget(), "1"), programmes=[STAFF, STAFF])
    with pytest.raises(InvalidRequest, match=r"^a quote needs at least one line$"):
        buy(programmes=[STAFF])


# --------------------------------------------------------------------------- returns


def test_a_full_return_exactly_reverses_the_line() -> None:
    line = one((widget("0.99"), "7"), programmes=[STAFF])
    # when
    back = reverse_line(line, Decimal(7))
    # then
    assert (back.amount, back.discount, back.list_amount) == (
        line.amount,
        line.discount,
        eur("6.93"),
    )
    assert (back.quantity_given_back, back.programme, back.year) == (Decimal(7), "S1", 2026)
    assert back.evidence == (
        "Return of 7 of 7 × W1 (line 1, priced on 2026-06-30): 5.89 EUR refunded",
        "1.04 EUR of discount goes back to the annual cap of S1 for 2026, and 7 to its quantity "
        "limits",
        "Amounts are the line's share of 7 of 7 units, rounded half up, so that returns of the "
        "whole quantity give back exactly the line (5.89 EUR)",
    )


def test_partial_returns_add_up_to_the_line() -> None:
    # given 7 × 0.99 at 15 %: 5.89 paid, 1.04 of discount
    line = one((widget("0.99"), "7"), programmes=[STAFF])
    # when returned as 1, then 2, then 4
    returns = [
        reverse_line(line, Decimal(1)),
        reverse_line(line, Decimal(2), already_returned=Decimal(1)),
        reverse_line(line, Decimal(4), already_returned=Decimal(3)),
    ]
    # then each is its proportional share, and together they are the line
    assert [(r.amount, r.discount, r.list_amount) for r in returns] == [
        (eur("0.84"), eur("0.15"), eur("0.99")),
        (eur("1.68"), eur("0.30"), eur("1.98")),
        (eur("3.37"), eur("0.59"), eur("3.96")),
    ]
    assert sum((r.amount for r in returns), eur("0")) == line.amount
    assert sum((r.discount for r in returns), eur("0")) == line.discount
    assert returns[1].evidence[2] == (
        "Amounts are the line's share of 3 of 7 units less its share of the 1 returned before, "
        "rounded half up, so that returns of the whole quantity give back exactly the line "
        "(5.89 EUR)"
    )


def test_returning_a_capped_line_gives_back_the_discount_it_received() -> None:
    line = one((widget(), "3"), programmes=[CAPPED], usage=[used("99.00")])
    back = reverse_line(line, Decimal(3))
    assert (line.discount, back.discount, back.amount) == (eur("1.00"), eur("1.00"), eur("28.97"))


def test_a_department_charge_return_gives_back_no_discount_or_quantity() -> None:
    line = one((widget(), "4"), programmes=[CHARGE], relation=Relation.SAME_ENTITY)
    back = reverse_line(line, Decimal(1))
    assert (back.amount, back.discount, back.list_amount, back.quantity_given_back) == (
        eur("6.00"),
        eur("0.00"),
        eur("9.99"),
        Decimal(0),
    )


def test_returning_more_than_is_left_is_refused() -> None:
    line = one((widget(), "3"), programmes=[STAFF])
    with pytest.raises(InvalidRequest, match=r"^line 1 has 1 of 3 left to return, not 2$"):
        reverse_line(line, Decimal(2), already_returned=Decimal(2))
    with pytest.raises(InvalidRequest, match=r"^a returned quantity is more than 0, not 0$"):
        reverse_line(line, Decimal(0))


@settings(max_examples=200, deadline=None)
@given(
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2),
    pct=st.integers(min_value=0, max_value=100),
    parts=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=6),
)
def test_returns_in_any_split_add_up_to_the_line(
    price: Decimal, pct: int, parts: list[int]
) -> None:
    # given a line of sum(parts) units, returned part by part
    quantity = sum(parts)
    programme = replace(STAFF, discount_pct=Decimal(pct))
    line = one((widget(str(price)), str(quantity)), programmes=[programme])
    returned = Decimal(0)
    totals = [eur("0"), eur("0"), eur("0")]
    for part in parts:
        back = reverse_line(line, Decimal(part), already_returned=returned)
        returned += part
        totals = [totals[0] + back.amount, totals[1] + back.discount, totals[2] + back.list_amount]
        # each return keeps list = paid + discount
        assert back.list_amount == back.amount + back.discount
    # then together they are exactly the line
    assert totals == [line.amount, line.discount, line.list_amount]
