"""Reading and writing the benefits context's figures. Repositories never commit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from inhouse.benefits import tables as t
from inhouse.benefits.domain import GrossProfitPercentage

Row = dict[str, Any]


class BenefitsRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def gross_profit_percentages(self) -> list[GrossProfitPercentage]:
        query = select(t.gross_profit_percentages).order_by(
            t.gross_profit_percentages.c.entity, t.gross_profit_percentages.c.year
        )
        return [
            GrossProfitPercentage(
                r["entity"], int(r["year"]), Decimal(str(r["percent"])).normalize()
            )
            for r in self.connection.execute(query).mappings()
        ]

    def gross_profit_percentage(self, entity: str, year: int) -> GrossProfitPercentage | None:
        table = t.gross_profit_percentages
        query = select(table).where(table.c.entity == entity, table.c.year == year)
        row = self.connection.execute(query).mappings().first()
        if row is None:
            return None
        return GrossProfitPercentage(entity, year, Decimal(str(row["percent"])).normalize())

    def set_gross_profit_percentage(self, entity: str, year: int, percent: Decimal) -> None:
        table = t.gross_profit_percentages
        self.connection.execute(delete(table).where(table.c.entity == entity, table.c.year == year))
        self.connection.execute(insert(table).values(entity=entity, year=year, percent=percent))
