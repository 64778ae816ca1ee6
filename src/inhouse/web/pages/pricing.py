"""Products and programmes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from inhouse.identity.domain import Actor, Permission
from inhouse.web.pages.core import N_, needs
from inhouse.web.pages.lists import Column, list_page

router = APIRouter()
PRODUCT_KINDS = {"goods": N_("goods"), "service": N_("service")}
PROGRAMME_KINDS = {
    "staff_discount": N_("staff discount"),
    "group_staff_discount": N_("group staff discount"),
    "department_charge": N_("department charge"),
    "transfer_price": N_("transfer price"),
}
SCOPES = {"entity": N_("one entity"), "group": N_("a group"), "all": N_("everyone")}
PricingReader = Annotated[Actor, Depends(needs(Permission.READ_PRICING))]


@router.get("/products")
def products(request: Request, actor: PricingReader) -> Response:
    columns = [
        Column("id", N_("Id")),
        Column("seller", N_("Seller")),
        Column("name", N_("Name")),
        Column("kind", N_("Kind"), values=PRODUCT_KINDS),
        Column("category", N_("Category")),
        Column("currency", N_("Currency")),
        Column("for_employees_only", N_("Employees only")),
    ]
    return list_page(request, actor, name="products", title=N_("Products"), columns=columns)


@router.get("/programmes")
def programmes(request: Request, actor: PricingReader) -> Response:
    columns = [
        Column("id", N_("Id")),
        Column("name", N_("Name")),
        Column("kind", N_("Kind"), values=PROGRAMME_KINDS),
        Column("scope_kind", N_("Scope"), values=SCOPES),
        Column("scope_id", N_("Scope id")),
        Column("discount_pct", N_("Discount (%)")),
        Column("annual_cap", N_("Annual cap")),
        Column("annual_cap_currency", N_("Currency")),
        Column("valid_from", N_("Valid from")),
        Column("valid_to", N_("Valid to")),
    ]
    return list_page(request, actor, name="programmes", title=N_("Programmes"), columns=columns)
