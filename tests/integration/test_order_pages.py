"""Pages of orders, returns, benefits, incentives and the employee's own page, and the
dashboard's order charts, on the demo's year of sales."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

from conftest import NOW, SECRET_KEY, Accounts
from fastapi.testclient import TestClient
from pages import sign_in_as
from sqlalchemy import Engine, select

from inhouse.clock import FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.groups.domain import Register
from inhouse.identity.domain import SYSTEM
from inhouse.insights import services as insights
from inhouse.orders import tables as orders

ORDER_CHARTS = ("revenue_by_relation", "internal_share", "staff_discount_cost",
                "intercompany_matrix", "programme_participation")  # fmt: skip


def _chart(page: str, key: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" id="chart-data-{key}">(.*?)</script>',
                      page, re.S)  # fmt: skip
    assert found, key
    data: dict[str, object] = json.loads(found.group(1))
    return data


def _expected_sales(
    engine: Engine, since: date, until: date
) -> dict[tuple[str, str, str], Decimal]:
    """Net sales per (YYYY-MM, relation, currency), summed here row by row in Python."""
    o, line = orders.orders, orders.order_lines
    r, rl = orders.order_returns, orders.return_lines
    totals: dict[tuple[str, str, str], Decimal] = {}
    with engine.connect() as connection:
        heads = {row.id: row for row in connection.execute(select(o))}
        for x in connection.execute(select(line)):
            head = heads[x.order_id]
            if since <= head.on < until:
                key = (head.on.isoformat()[:7], head.relation, x.currency)
                totals[key] = totals.get(key, Decimal(0)) + Decimal(str(x.amount))
        returns = {row.id: row for row in connection.execute(select(r))}
        currency = {(x.order_id, x.number): x.currency for x in connection.execute(select(line))}
        for x in connection.execute(select(rl)):
            back = returns[x.return_id]
            if since <= back.on < until:
                key = (back.on.isoformat()[:7], heads[x.order_id].relation,
                       currency[(x.order_id, x.line)])  # fmt: skip
                totals[key] = totals.get(key, Decimal(0)) - Decimal(str(x.amount))
    return totals


def test_order_aggregates_are_the_sums_of_the_orders(
    engine: Engine, clock: FixedClock, demo_sold: Register
) -> None:
    numbers = insights.order_numbers(uow_factory=lambda: UnitOfWork(engine), actor=SYSTEM,
                                     on=date(2026, 11, 26))  # fmt: skip
    assert numbers.months[0] == date(2025, 12, 1) and numbers.months[-1] == date(2026, 11, 1)
    expected = _expected_sales(engine, date(2025, 12, 1), date(2026, 12, 1))
    got = {(x["month"], x["relation"], x["currency"]): x["amount"] for x in numbers.sales}
    assert got == {k: v for k, v in expected.items() if v or k in got}
    assert numbers.currencies[0] == "EUR"
    # returns are in the demo and were deducted in their month
    assert any(x.startswith("2026") for x, _, _ in got)
    figures = {f.key: f for f in insights.order_charts(numbers=numbers, actor=SYSTEM,
                                                       currency="EUR")}  # fmt: skip
    assert set(figures) == set(ORDER_CHARTS)
    revenue = figures["revenue_by_relation"]
    employee = next(s for s in revenue.series if s.name == "employee")
    march = revenue.categories.index("2026-03-01")
    assert employee.values[march] == expected[("2026-03", "employee", "EUR")]
    share = figures["internal_share"]
    month_total = sum((v for (m, _, c), v in expected.items() if m == "2026-03" and c == "EUR"),
                      Decimal(0))  # fmt: skip
    inside = sum((v for (m, rel, c), v in expected.items()
                  if m == "2026-03" and c == "EUR" and rel in insights.INTERNAL), Decimal(0))  # fmt: skip
    assert share.series[0].values[share.categories.index("2026-03-01")] == (
        inside * 100 / month_total
    ).quantize(Decimal("0.1"))
    assert not figures["intercompany_matrix"].empty
    assert not figures["programme_participation"].empty
    assert not figures["staff_discount_cost"].empty


def test_dashboard_draws_the_order_charts_for_each_role(
    client: TestClient, accounts: Accounts, demo_sold: Register
) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    page = client.get("/").text
    for key in ORDER_CHARTS:
        assert f'data-chart="chart-data-{key}"' in page, key
    matrix = _chart(page, "intercompany_matrix")
    assert matrix["data"][0]["type"] == "heatmap"  # type: ignore[index]
    assert "No tickets are recorded yet" in page
    # another currency is shown on its own, never added to euros
    assert 'href="/?currency=GBP"' in page
    pounds = client.get("/?currency=GBP").text
    assert "Revenue by relation over time (GBP)" in pounds
    # finance reads orders and participation, not benefits
    sign_in_as(client, accounts.actor("finance"), SECRET_KEY, NOW)
    page = client.get("/").text
    assert "chart-data-revenue_by_relation" in page
    assert "chart-data-programme_participation" in page
    assert 'id="staff_discount_cost"' not in page
    # a service agent reads none of them
    sign_in_as(client, accounts.actor("service_agent"), SECRET_KEY, NOW)
    page = client.get("/").text
    assert not any(f'id="{key}"' in page for key in ORDER_CHARTS)
