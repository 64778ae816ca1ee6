"""The tables of a dataset folder: file names and their required and optional columns.

One place for every reader and writer (import, export, bulk classifier). A later part
that introduces a file (programmes, tickets, …) adds its spec to ``TABLES`` here, so the
reader knows the file and does not reject it as a typo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table: ``<name>.csv``, ``<name>.xlsx`` or the sheet ``<name>`` of a workbook."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    @property
    def csv_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def xlsx_name(self) -> str:
        return f"{self.name}.xlsx"


ENTITIES = TableSpec(
    "entities",
    required=("id", "name"),
    optional=("country", "currency", "lei", "vat_id", "line_of_business"),
)
STAKES = TableSpec(
    "stakes",
    required=("holder", "entity", "voting"),
    optional=("equity", "valid_from", "valid_to", "control"),
)
UNITS = TableSpec(
    "units",
    required=("id", "entity", "name"),
    optional=("parent", "cost_centre"),
)
PEOPLE = TableSpec(
    "people",
    required=("id", "name"),
    optional=("email", "employee_no"),
)
EMPLOYMENTS = TableSpec(
    "employments",
    required=("person", "entity"),
    optional=("unit", "kind", "valid_from", "valid_to"),
)
PRODUCTS = TableSpec(
    "products",
    required=("id", "seller", "name", "list_price", "currency"),
    optional=("kind", "category", "unit_cost", "for_employees_only", "price_from"),
)
SALES = TableSpec(
    "sales",
    required=("id", "date", "seller", "buyer"),
    optional=("amount", "currency", "product", "quantity", "price_paid", "market_price"),
)
# Care: ticket history for bulk import (docs/care.md). Times are ISO 8601 with a UTC offset.
TICKETS = TableSpec(
    "tickets",
    required=("id", "created", "requester", "serving_entity", "subject"),
    optional=("channel", "priority", "policy"),
)
TICKET_EVENTS = TableSpec(
    "ticket_events",
    required=("ticket", "at", "kind"),
    optional=("status", "author", "visibility", "body"),
)

GROSS_PROFIT = TableSpec(
    "gross_profit",
    required=("entity", "year", "percent"),
)

# The order here is the order in which problems are reported and files are written.
TABLES: Mapping[str, TableSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            ENTITIES,
            STAKES,
            UNITS,
            PEOPLE,
            EMPLOYMENTS,
            PRODUCTS,
            SALES,
            GROSS_PROFIT,
            TICKETS,
            TICKET_EVENTS,
        )
    }
)
