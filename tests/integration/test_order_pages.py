"""Pages of orders, returns, benefits, incentives and the employee's own page, and the
dashboard's order charts, on the demo's year of sales."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from decimal import Decimal

from conftest import NOW, SECRET_KEY, Accounts
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pages import csrf_of, sign_in_as
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
    assert 'id="service_parity"' in page  # its numbers: test_dashboard_parity.py
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


MOVER = "P037"  # the demo's employee user: buys at ABC, TEL and XYZ


def test_an_order_page_explains_its_prices_and_takes_a_return(
    client: TestClient, accounts: Accounts, demo_sold: Register
) -> None:
    sign_in_as(client, accounts.actor("finance"), SECRET_KEY, NOW)
    page = client.get("/orders/S01451")
    assert page.status_code == 200
    text = page.text
    assert 'data-relation="employee"' in text
    assert "ABC-STAFF" in text and "How the price was made" in text
    assert "Nothing of this order was returned." in text
    line = text.split('id="line-1"')[1].split("</article>")[0]
    assert "Cap left" in line
    # too many units back: refused, nothing written, the reason named
    token = csrf_of(client, "/orders/S01451")
    refused = client.post("/orders/S01451/returns",
                          data={"csrf_token": token, "line-1": "5", "on": "2026-05-20"})  # fmt: skip
    assert refused.status_code == 422 and "left to return" in refused.text
    made = client.post("/orders/S01451/returns",
                       data={"csrf_token": token, "line-1": "1", "on": "2026-05-20"},
                       follow_redirects=False)  # fmt: skip
    assert (made.status_code, made.headers["location"]) == (303, "/orders/S01451#returns")
    returns = client.get("/orders/S01451").text.split('id="returns"')[1]
    assert "RET-" in returns and "Nothing of this order was returned." not in returns
    # without the CSRF token nothing happens
    assert client.post("/orders/S01451/returns", data={"line-1": "1"}).status_code == 403


def test_employees_see_only_their_own_orders(
    client: TestClient, accounts: Accounts, demo_sold: Register
) -> None:
    sign_in_as(client, accounts.actor("employee", person=MOVER), SECRET_KEY, NOW)
    rows = client.get("/orders?format=csv").text.splitlines()
    buyers = {row.split(",")[3] for row in rows[1:]}
    assert rows[0].startswith("id,on,seller,buyer") and buyers == {MOVER}
    assert client.get("/orders/S01451").status_code == 200
    other = client.get("/orders/S00001")  # C003's order: as if there were none
    assert other.status_code == 404 and "no order S00001" in other.text
    token = csrf_of(client, "/orders/S01451")
    answer = client.post("/orders/S01451/returns", data={"csrf_token": token, "line-1": "1"})
    assert answer.status_code == 403  # returns are recorded by sales, not by the buyer


def test_benefits_page_and_payroll_export(
    client: TestClient, accounts: Accounts, demo_sold: Register
) -> None:
    sign_in_as(client, accounts.actor("hr"), SECRET_KEY, NOW)
    page = client.get("/benefits?year=2026").text
    assert 'id="statements"' in page and "§ 8 (3) EStG" in page
    assert 'href="/benefits/payroll.csv?year=2026"' in page
    payroll = client.get("/benefits/payroll.csv?year=2026")
    assert payroll.headers["content-type"].startswith("text/csv")
    assert payroll.text.splitlines()[0] == "employee_number,period,wage_type,amount,currency"
    book = load_workbook(io.BytesIO(client.get("/benefits/payroll.xlsx?year=2026").content))
    sheet = list(book["payroll-2026"].iter_rows(values_only=True))
    assert list(sheet[0]) == payroll.text.splitlines()[0].split(",")
    assert len(sheet) == len(payroll.text.splitlines()) > 1
    for row, line in zip(sheet[1:], payroll.text.splitlines()[1:], strict=True):
        number, period, wage_type, amount, currency = line.split(",")
        assert (row[0], row[1], row[2], row[4]) == (number, period, wage_type, currency)
        assert Decimal(str(row[3])) == Decimal(amount)  # a number in the spreadsheet
    # an employee sees only their own statements, whatever they ask for
    sign_in_as(client, accounts.actor("employee", person=MOVER), SECRET_KEY, NOW)
    own = client.get("/benefits?year=2026").text
    people = set(re.findall(r"<tr><td>(P\d+)</td>", own))
    assert people == {MOVER}
    assert client.get("/benefits?year=2026&person=P001").status_code == 403


def test_incentives_page(client: TestClient, accounts: Accounts, demo_sold: Register) -> None:
    sign_in_as(client, accounts.actor("hr"), SECRET_KEY, NOW)
    page = client.get(f"/incentives?person={MOVER}").text
    assert 'id="incentive-programmes"' in page
    assert 'data-chart="chart-data-participation"' in page and 'id="participation-table"' in page
    assert f'href="/incentives?person={MOVER}#points"' in page or "Points balances" in page
    points = page.split('id="points"')[1]
    assert f"Points of {MOVER}" in points
    # finance reads participation, not anyone's points
    sign_in_as(client, accounts.actor("finance"), SECRET_KEY, NOW)
    page = client.get(f"/incentives?person={MOVER}").text
    assert 'id="participation-table"' in page and 'id="points"' not in page
    assert 'id="balances"' not in page


def test_my_page_shows_purchases_allowance_caps_and_points(
    client: TestClient, accounts: Accounts, engine: Engine, demo_sold: Register
) -> None:
    sign_in_as(client, accounts.actor("employee", person=MOVER), SECRET_KEY, NOW)
    page = client.get("/me").text
    purchases = page.split('id="me-purchases"')[1].split("</section>")[0]
    assert "S00991" in purchases  # the TEL DSL of March 2026 (the page's day is 2 March)
    assert 'id="my-allowance"' in page and "1,080.00" in page
    caps = page.split('id="my-caps"')[1].split("</table>")[0]
    # ABC-STAFF's cap of 2,000 EUR less the discounts of the mover's ABC lines this year
    o, line, rl = orders.orders, orders.order_lines, orders.return_lines
    with engine.connect() as connection:
        rows = connection.execute(
            select(line.c.order_id, line.c.number, line.c.discount)
            .join(o, o.c.id == line.c.order_id)
            .where(o.c.buyer == MOVER, line.c.programme == "ABC-STAFF",
                   o.c.on >= date(2026, 1, 1), o.c.on < date(2027, 1, 1))
        ).all()  # fmt: skip
        back = connection.execute(select(rl.c.order_id, rl.c.line, rl.c.discount)).all()
    keys = {(r.order_id, r.number) for r in rows}
    used = sum((Decimal(str(r.discount)) for r in rows), Decimal(0)) - sum(
        (Decimal(str(b.discount)) for b in back if (b.order_id, b.line) in keys), Decimal(0)
    )
    assert "ABC-STAFF" in caps
    left = Decimal("2000.00") - used
    assert f"€{left:,.2f}" in caps or f"{left:,.2f}" in caps
    assert 'id="points-balance"' in page
    tickets = page[page.index('id="my-tickets"') :]
    assert tickets.count('href="/tickets/TK') == 8  # the mover's tickets, TK01105 the newest
    assert tickets.index("TK01105") < tickets.index("TK00001")


def test_taxable_benefits_by_month_add_up_to_the_statements(
    engine: Engine, clock: FixedClock, demo_sold: Register
) -> None:
    from inhouse.benefits import services as benefits
    from inhouse.groups.services import RegisterCache

    answer = benefits.benefit_statements_for(uow=UnitOfWork(engine), cache=RegisterCache(),
                                             actor=SYSTEM, year=2026)  # fmt: skip
    owed = insights.taxable_by_month(answer.statements)
    for currency in {s.currency for s in answer.statements}:
        total = sum((s.taxable.amount for s in answer.statements if s.currency == currency),
                    Decimal(0))  # fmt: skip
        spread = sum((v for (_, c), v in owed.items() if c == currency), Decimal(0))
        assert spread == total, currency
    assert any(owed.values())  # the demo year has taxable benefits
    assert all(month.startswith("2026") for month, _ in owed)
