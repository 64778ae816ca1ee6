"""Incentive programmes, points, referrals and participation over HTTP and through the
services, on SQLite and PostgreSQL.

The staff fixture: ORG employs P1 (the employee user's person) and P2 since 2020-01-01;
P3 is a person without an employment. The clock stands at 2026-03-02 09:00 UTC.
Purchases are booked as ``place_order`` will book them: ``award_points_for_order`` in a
transaction (here ``book_purchase_points``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from inhouse.clock import FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.errors import InvalidRequest
from inhouse.identity.domain import SYSTEM
from inhouse.incentives import services
from inhouse.incentives import tables as t
from inhouse.incentives.domain import Month, Purchase, PurchasePoints
from inhouse.money import Money

HeadersFor = Callable[..., dict[str, str]]
API = "/api/v1"

SPEND = {"id": "SPEND", "name": "A point per euro", "kind": "points_per_spend",
         "points_per_unit": "1", "currency": "EUR", "points_valid_days": 30}  # fmt: skip
FIRST = {"id": "FIRST", "name": "Welcome", "kind": "first_purchase_bonus", "bonus_points": 50}
REFER = {"id": "REFER", "name": "Bring a colleague", "kind": "referral_bonus",
         "bonus_points": 200, "scope_kind": "entity", "scope_id": "ORG"}  # fmt: skip


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def errors(response: Response, status: int = 422) -> list[tuple[str, str]]:
    assert response.status_code == status, response.text
    return [(e["path"], e["message"]) for e in response.json()["errors"]]


def rows(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def buy(engine: Engine, clock: FixedClock, order: str, person: str | None, amount: str,
        on: date = date(2026, 3, 2), *, internal: bool = True,
        list_amount: str | None = None) -> PurchasePoints:  # fmt: skip
    purchase = Purchase(
        order=order, person=person, seller="ORG", buyer_entity="ORG", unit=None, on=on,
        amount=Money.of(amount, "EUR"), list_amount=Money.of(list_amount or amount, "EUR"),
        internal=internal, relation="employee" if internal else "external", group="ORG",
    )  # fmt: skip
    return services.book_purchase_points(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                                         order=purchase)  # fmt: skip


@pytest.fixture
def programmes(
    client: TestClient, headers_for: HeadersFor, staff: tuple[str, str], engine: Engine
) -> TestClient:
    with UnitOfWork(engine) as uow:
        uow.groups.add("persons", {"id": "P3", "name": "Pia Drei"})
        uow.commit()
    hr = headers_for("hr")
    for body in (SPEND, FIRST, REFER):
        ok(client.post(f"{API}/incentive-programmes", json=body, headers=hr), 201)
    return client


# --------------------------------------------------------------------- programmes


def test_a_programme_is_created_listed_read_and_ended(
    client: TestClient, headers_for: HeadersFor, staff: tuple[str, str]
) -> None:
    hr = headers_for("hr")
    body = {**SPEND, "budget": 10_000, "scope_kind": "entity", "scope_id": "ORG",
            "points_per_unit": "0.5", "valid_from": "2026-01-01"}  # fmt: skip

    created = ok(client.post(f"{API}/incentive-programmes", json=body, headers=hr), 201)

    assert created == {
        "id": "SPEND", "name": "A point per euro", "kind": "points_per_spend",
        "scope_kind": "entity", "scope_id": "ORG", "valid_from": "2026-01-01", "valid_to": None,
        "budget": 10000, "awarded": 0, "budget_left": 10000, "points_per_unit": "0.5",
        "currency": "EUR", "bonus_points": None, "points_valid_days": 30,
    }  # fmt: skip
    employee = headers_for("employee")
    assert ok(client.get(f"{API}/incentive-programmes", headers=employee)) == [created]
    assert ok(client.get(f"{API}/incentive-programmes/SPEND", headers=employee)) == created
    ended = ok(client.post(f"{API}/incentive-programmes/SPEND/end", json={"on": "2026-07-01"},
                           headers=hr))  # fmt: skip
    assert ended["valid_to"] == "2026-07-01"
    too_early = client.post(f"{API}/incentive-programmes/SPEND/end", json={"on": "2025-12-01"},
                            headers=hr)  # fmt: skip
    assert errors(too_early, 409) == [
        (
            "body.on",
            "incentive programme SPEND starts on 2026-01-01, so it cannot end on 2025-12-01",
        )
    ]
    assert client.get(f"{API}/incentive-programmes/NOPE", headers=hr).status_code == 404


def test_a_bad_programme_is_refused_whole_and_nothing_is_written(
    client: TestClient, headers_for: HeadersFor, staff: tuple[str, str], engine: Engine
) -> None:
    hr = headers_for("hr")
    body = {"id": "A/B", "name": "Bad", "kind": "cashback", "scope_kind": "entity",
            "scope_id": "ORG", "currency": "EUX", "points_per_unit": "0.00001",
            "valid_from": "2026-05-01", "valid_to": "2026-04-01"}  # fmt: skip

    found = errors(client.post(f"{API}/incentive-programmes", json=body, headers=hr))

    assert found == [
        ("body.id", '"A/B" has a "/"; ids have none'),
        ("body.kind", '"cashback" is not one of points_per_spend, first_purchase_bonus, '
                      "referral_bonus"),
        ("body.points_per_unit", "0.00001 is not above 0 with at most 4 decimal places"),
        ("body.currency", '"EUX" is not an ISO 4217 currency code'),
        ("body.valid_to", "valid_to 2026-04-01 must be after valid_from 2026-05-01"),
    ]  # fmt: skip
    mixed = {**FIRST, "points_per_unit": "1", "currency": "EUR"}
    assert errors(client.post(f"{API}/incentive-programmes", json=mixed, headers=hr)) == [
        ("body.body", "a first_purchase_bonus programme has neither points_per_unit nor currency")
    ]
    unknown = {**SPEND, "scope_kind": "entity", "scope_id": "NOPE"}
    assert errors(client.post(f"{API}/incentive-programmes", json=unknown, headers=hr)) == [
        ("body.scope_id", '"NOPE" is not a known entity')
    ]
    assert rows(engine, t.incentive_programmes) == 0
    ok(client.post(f"{API}/incentive-programmes", json=SPEND, headers=hr), 201)
    again = client.post(f"{API}/incentive-programmes", json=SPEND, headers=hr)
    assert errors(again, 409) == [("body.id", '"SPEND" is already an incentive programme')]


# --------------------------------------------------------------------- earning points


def test_an_order_earns_points_and_a_first_purchase_bonus_once(
    programmes: TestClient, headers_for: HeadersFor, engine: Engine, clock: FixedClock
) -> None:
    # when P1 buys twice, and the first order is booked a second time
    first = buy(engine, clock, "O-1", "P1", "120.50")
    second = buy(engine, clock, "O-2", "P1", "19.99")
    repeated = buy(engine, clock, "O-1", "P1", "120.50")

    # then the first earns 120 + 50 points, the second 19; the repeat books nothing new
    assert [(a.programme, a.points) for a in first.awards] == [("FIRST", 50), ("SPEND", 120)]
    assert [(a.programme, a.points) for a in second.awards] == [("SPEND", 19)]
    assert [(a.programme, a.points) for a in repeated.awards] == [("FIRST", 50), ("SPEND", 120)]
    statement = ok(programmes.get(f"{API}/points/P1", headers=headers_for("employee")))
    assert statement["balance"] == 189
    assert [(e["kind"], e["programme"], e["points"], e["reference"], e["expires_on"])
            for e in statement["items"]] == [
        ("earn", "SPEND", 19, "O-2", "2026-04-01"),
        ("earn", "SPEND", 120, "O-1", "2026-04-01"),
        ("earn", "FIRST", 50, "O-1", None),
    ]  # fmt: skip
    assert statement["items"][1]["reason"] == (
        "120 points from SPEND: 1 per EUR on 120.50 EUR spent at ORG on 2026-03-02 (order O-1), "
        "rounded down"
    )
    assert [(lot["programme"], lot["left"]) for lot in statement["open"]] == [
        ("SPEND", 120), ("SPEND", 19), ("FIRST", 50),
    ]  # fmt: skip
    assert rows(engine, t.point_entries) == 3
    assert rows(engine, t.incentive_purchases) == 2


def test_external_purchases_earn_nothing_but_are_kept_for_the_figures(
    programmes: TestClient, engine: Engine, clock: FixedClock
) -> None:
    answer = buy(engine, clock, "O-1", "P3", "100.00", internal=False)
    assert answer.awards == ()
    assert rows(engine, t.point_entries) == 0
    assert rows(engine, t.incentive_purchases) == 1


def test_points_are_paged_newest_first(
    programmes: TestClient, headers_for: HeadersFor, engine: Engine, clock: FixedClock
) -> None:
    for number in range(1, 4):
        buy(engine, clock, f"O-{number}", "P2", f"{number}0.00")
    hr = headers_for("hr")

    page = ok(programmes.get(f"{API}/points/P2", params={"limit": 2}, headers=hr))
    rest = ok(programmes.get(f"{API}/points/P2", params={"limit": 2,
                                                         "cursor": page["next_cursor"]},
                             headers=hr))  # fmt: skip

    assert [e["reference"] for e in page["items"]] == ["O-3", "O-2"]
    assert [(e["reference"], e["programme"]) for e in rest["items"]] == [
        ("O-1", "SPEND"), ("O-1", "FIRST"),
    ]  # fmt: skip
    assert rest["next_cursor"] is None
    bad = programmes.get(f"{API}/points/P2", params={"cursor": "nonsense"}, headers=hr)
    assert errors(bad) == [("query.cursor", '"nonsense" is not a cursor of this list')]


def test_an_employee_sees_only_their_own_points(
    programmes: TestClient, headers_for: HeadersFor
) -> None:
    employee = headers_for("employee")  # P1
    assert ok(programmes.get(f"{API}/points/P1", headers=employee))["balance"] == 0
    other = programmes.get(f"{API}/points/P2", headers=employee)
    assert other.status_code == 404
    assert other.json()["detail"] == "no points of P2"
    redeem = programmes.post(f"{API}/points/P2/redemptions", json={"points": 1, "reason": "x"},
                             headers=employee)  # fmt: skip
    assert redeem.status_code == 404
    unknown = programmes.get(f"{API}/points/NOPE", headers=headers_for("hr"))
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "no person NOPE"


# --------------------------------------------------------------------- budgets


def test_a_budget_is_never_exceeded_the_last_award_is_capped(
    client: TestClient, headers_for: HeadersFor, staff: tuple[str, str], engine: Engine,
    clock: FixedClock,
) -> None:  # fmt: skip
    capped = {**SPEND, "budget": 150}
    ok(client.post(f"{API}/incentive-programmes", json=capped, headers=headers_for("hr")), 201)

    first = buy(engine, clock, "O-1", "P1", "100.00")
    second = buy(engine, clock, "O-2", "P2", "100.00")
    third = buy(engine, clock, "O-3", "P1", "100.00")

    assert (first.total, second.total, third.total) == (100, 50, 0)
    assert second.awards[0].reason.endswith(
        "; capped at 50 points of 100 points: all its budget had left"
    )
    assert third.not_applied[0].sentence == (
        "SPEND does not apply: its budget is used up (150 points awarded)"
    )
    shown = ok(client.get(f"{API}/incentive-programmes/SPEND", headers=headers_for("hr")))
    assert (shown["budget"], shown["awarded"], shown["budget_left"]) == (150, 150, 0)


def test_the_database_refuses_an_award_past_the_budget(engine: Engine, staff: Any) -> None:
    with UnitOfWork(engine) as uow:
        uow.incentives.add_programme({"id": "B", "name": "B", "kind": "first_purchase_bonus",
                                      "bonus_points": 10, "budget": 10, "awarded": 0})  # fmt: skip
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert uow.incentives.use_budget("B", 10) is True
        assert uow.incentives.use_budget("B", 1) is False  # the conditional update
        with pytest.raises(DBAPIError):  # and the check constraint behind it
            uow.connection.execute(text("UPDATE incentive_programmes SET awarded = 11"))


# --------------------------------------------------------------------- referrals


def test_a_referral_pays_the_referrer_on_the_first_internal_purchase(
    programmes: TestClient, headers_for: HeadersFor, engine: Engine, clock: FixedClock
) -> None:
    hr = headers_for("hr")
    referral = {"referrer": "P1", "referred": "P2", "on": "2026-02-15"}

    made = ok(programmes.post(f"{API}/referrals", json=referral, headers=hr), 201)
    first = buy(engine, clock, "O-1", "P2", "10.00")
    later = buy(engine, clock, "O-2", "P2", "10.00")

    assert (made["referrer"], made["referred"], made["referred_on"]) == ("P1", "P2", "2026-02-15")
    assert [(a.programme, a.person, a.points) for a in first.awards] == [
        ("FIRST", "P2", 50), ("REFER", "P1", 200), ("SPEND", "P2", 10),
    ]  # fmt: skip
    assert [a.programme for a in later.awards] == ["SPEND"]
    assert ok(programmes.get(f"{API}/points/P1", headers=hr))["balance"] == 200
    assert ok(programmes.get(f"{API}/referrals", headers=hr)) == [made]
    again = programmes.post(f"{API}/referrals", json={**referral, "referrer": "P3"}, headers=hr)
    assert errors(again, 409) == [("body.referred", "P2 was referred by P1 already")]


def test_a_referral_comes_before_the_first_purchase_and_names_two_persons(
    programmes: TestClient, headers_for: HeadersFor, engine: Engine, clock: FixedClock
) -> None:
    hr = headers_for("hr")
    buy(engine, clock, "O-1", "P2", "10.00")

    late = programmes.post(f"{API}/referrals", json={"referrer": "P1", "referred": "P2",
                                                     "on": "2026-03-01"}, headers=hr)  # fmt: skip
    self = programmes.post(f"{API}/referrals", json={"referrer": "P3", "referred": "P3",
                                                     "on": "2026-03-01"}, headers=hr)  # fmt: skip
    unknown = programmes.post(f"{API}/referrals", json={"referrer": "ORG", "referred": "P3",
                                                        "on": "2026-03-01"}, headers=hr)  # fmt: skip

    assert errors(late, 409) == [
        ("body.referred", "P2 has bought internally already: too late for a referral")
    ]
    assert errors(self) == [("body.referred", "nobody refers themselves")]
    assert errors(unknown) == [("body.referrer", '"ORG" is not a known person')]
    assert rows(engine, t.referrals) == 0


# --------------------------------------------------------------------- redemptions


def test_a_redemption_takes_points_off_and_never_below_zero(
    programmes: TestClient, headers_for: HeadersFor, engine: Engine, clock: FixedClock
) -> None:
    buy(engine, clock, "O-1", "P1", "100.00")  # 100 + 50 points
    employee = headers_for("employee")

    taken = ok(programmes.post(f"{API}/points/P1/redemptions",
                               json={"points": 120, "reason": "Voucher", "reference": "V-1"},
                               headers=employee), 201)  # fmt: skip
    refused = programmes.post(f"{API}/points/P1/redemptions",
                              json={"points": 31, "reason": "Voucher"}, headers=employee)  # fmt: skip

    assert taken["balance"] == 30
    assert (taken["entry"]["kind"], taken["entry"]["points"], taken["entry"]["reference"]) == (
        "redeem", -120, "V-1",
    )  # fmt: skip
    assert taken["entry"]["recorded_by"] == "employee-p1"
    assert refused.status_code == 422
    assert refused.json()["detail"] == "P1 has 30 points; 31 points cannot be taken"
    assert rows(engine, t.point_entries) == 3  # two earned, one redeemed: nothing more
    statement = ok(programmes.get(f"{API}/points/P1", headers=employee))
    assert statement["balance"] == 30
    # the redemption used the points that expire first (SPEND), the bonus never expires
    assert [(lot["programme"], lot["left"]) for lot in statement["open"]] == [("FIRST", 30)]


def test_a_retried_redemption_with_its_key_is_booked_once(
    programmes: TestClient, headers_for: HeadersFor, engine: Engine, clock: FixedClock
) -> None:
    buy(engine, clock, "O-1", "P1", "100.00")
    headers = {**headers_for("employee"), "Idempotency-Key": "redeem-1"}
    body = {"points": 100, "reason": "Voucher"}

    first = programmes.post(f"{API}/points/P1/redemptions", json=body, headers=headers)
    second = programmes.post(f"{API}/points/P1/redemptions", json=body, headers=headers)

    assert ok(first, 201) == ok(second, 201)
    assert second.headers["Idempotent-Replayed"] == "true"
    with UnitOfWork(engine) as uow:
        assert uow.incentives.balance("P1") == 50


def test_adjustments_by_hand_and_their_limits(
    programmes: TestClient, headers_for: HeadersFor, engine: Engine
) -> None:
    hr = headers_for("hr")

    added = ok(programmes.post(f"{API}/points/P3/adjustments",
                               json={"points": 40, "reason": "Goodwill"}, headers=hr), 201)  # fmt: skip
    too_much = programmes.post(f"{API}/points/P3/adjustments",
                               json={"points": -41, "reason": "Correction"}, headers=hr)  # fmt: skip
    zero = programmes.post(f"{API}/points/P3/adjustments", json={"points": 0, "reason": " "},
                           headers=hr)  # fmt: skip
    taken = ok(programmes.post(f"{API}/points/P3/adjustments",
                               json={"points": -40, "reason": "Correction"}, headers=hr), 201)  # fmt: skip

    assert (added["balance"], added["entry"]["expires_on"]) == (40, None)
    assert too_much.json()["detail"] == "P3 has 40 points; 41 points cannot be taken"
    assert errors(zero) == [
        ("body.points", "0 is not a non-zero number of points"),
        ("body.reason", "say what the points are for"),
    ]
    assert taken["balance"] == 0
    assert rows(engine, t.point_entries) == 2


# --------------------------------------------------------------------- returns


def take_back(engine: Engine, clock: FixedClock, return_id: str, order: str,
              amount: str) -> services.Reversal:  # fmt: skip
    with UnitOfWork(engine) as uow:
        answer = services.reverse_points_for_return(
            uow=uow, clock=clock, return_id=return_id, order=order,
            amount=Money.of(amount, "EUR"), on=date(2026, 3, 5),
        )  # fmt: skip
        uow.commit()
    return answer


def test_a_return_takes_spend_points_back_into_the_budget_once(
    client: TestClient, headers_for: HeadersFor, staff: tuple[str, str], engine: Engine,
    clock: FixedClock,
) -> None:  # fmt: skip
    hr = headers_for("hr")
    ok(client.post(f"{API}/incentive-programmes", json={**SPEND, "budget": 1000}, headers=hr), 201)
    ok(client.post(f"{API}/incentive-programmes", json=FIRST, headers=hr), 201)
    buy(engine, clock, "O-1", "P1", "120.50")  # 120 + 50 points

    first = take_back(engine, clock, "R-1", "O-1", "40.25")
    repeated = take_back(engine, clock, "R-1", "O-1", "40.25")

    assert [(e["kind"], e["programme"], e["points"], e["reference"]) for e in first.entries] == [
        ("adjust", "SPEND", -40, "O-1"),
    ]  # fmt: skip
    assert repeated.entries == first.entries
    assert repeated.evidence == ["return R-1 was booked before: nothing is booked again"]
    assert ok(client.get(f"{API}/points/P1", headers=hr))["balance"] == 130
    shown = ok(client.get(f"{API}/incentive-programmes/SPEND", headers=hr))
    assert (shown["awarded"], shown["budget_left"]) == (80, 920)


def test_a_return_stops_at_a_balance_of_zero_and_says_so(
    programmes: TestClient, headers_for: HeadersFor, engine: Engine, clock: FixedClock
) -> None:
    buy(engine, clock, "O-1", "P1", "100.00")  # 100 + 50 points
    services.redeem_points(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, person="P1",
                           points=120, reason="Voucher")  # fmt: skip

    answer = take_back(engine, clock, "R-1", "O-1", "100.00")

    assert [e["points"] for e in answer.entries] == [-30]
    assert answer.entries[0]["reason"].endswith(
        "; only 30 could be taken back: the balance was 30, the rest had been redeemed"
    )
    with UnitOfWork(engine) as uow:
        assert uow.incentives.balance("P1") == 0
    with pytest.raises(InvalidRequest, match=r"exceed order O-1's 100\.00 EUR"):
        take_back(engine, clock, "R-2", "O-1", "0.01")
    assert rows(engine, t.incentive_returns) == 1


# --------------------------------------------------------------------- expiry


def test_points_expire_on_their_day_once(
    programmes: TestClient, headers_for: HeadersFor, engine: Engine, clock: FixedClock
) -> None:
    # given 100 SPEND points earned on 2026-03-02 (valid 30 days: expire on 2026-04-01),
    # 30 of them redeemed, and the never-expiring bonus of 50
    buy(engine, clock, "O-1", "P1", "100.00")
    services.redeem_points(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, person="P1",
                           points=30, reason="Voucher")  # fmt: skip

    def expire(on: date) -> services.ExpiryRun:
        return services.expire_points(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, on=on)

    # when, on 2026-04-01, expiry runs for the day before, the day, and the day again
    clock.at = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
    before = expire(date(2026, 3, 31))
    on_the_day = expire(date(2026, 4, 1))
    again = expire(date(2026, 4, 1))

    # then the 70 unused SPEND points expire once, on 2026-04-01
    assert before.entries == []
    assert [(e["kind"], e["points"], e["programme"], e["booked_on"]) for e in on_the_day.entries] == [
        ("expire", -70, "SPEND", date(2026, 4, 1)),
    ]  # fmt: skip
    assert on_the_day.points == 70
    assert again.entries == []
    with UnitOfWork(engine) as uow:
        assert uow.incentives.balance("P1") == 50
        assert uow.incentives.entries_sum("P1") == 50
    # and a day after today is refused: points expire on their day, not before
    with pytest.raises(InvalidRequest, match=r"2026-04-02 is after today \(2026-04-01\)"):
        expire(date(2026, 4, 2))


def test_expired_points_are_not_spent_when_the_run_has_not_happened_yet(
    programmes: TestClient, headers_for: HeadersFor, engine: Engine, clock: FixedClock
) -> None:
    buy(engine, clock, "O-1", "P1", "100.00", on=date(2026, 1, 1))  # SPEND expires 2026-01-31
    # the clock stands at 2026-03-02: the redemption books the due expiry first
    refused = programmes.post(f"{API}/points/P1/redemptions",
                              json={"points": 60, "reason": "Voucher"},
                              headers=headers_for("employee"))  # fmt: skip
    assert refused.json()["detail"] == "P1 has 50 points; 60 points cannot be taken"
    taken = ok(programmes.post(f"{API}/points/P1/redemptions",
                               json={"points": 50, "reason": "Voucher"},
                               headers=headers_for("employee")), 201)  # fmt: skip
    assert [(e["kind"], e["points"]) for e in taken["expired"]] == [("expire", -100)]
    assert taken["balance"] == 0


# --------------------------------------------------------------------- the ledger in the database


@pytest.mark.parametrize("statement", ["UPDATE point_entries SET points = 1000",
                                       "DELETE FROM point_entries"])  # fmt: skip
def test_the_database_refuses_to_change_or_delete_ledger_entries(
    programmes: TestClient, engine: Engine, clock: FixedClock, statement: str
) -> None:
    buy(engine, clock, "O-1", "P1", "10.00")
    with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text(statement))
    with UnitOfWork(engine) as uow:
        assert [e.points for e in uow.incentives.entries("P1")] == [50, 10]


def test_the_database_refuses_a_negative_balance(programmes: TestClient, engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.incentives.lock_account("P1")
        with pytest.raises(DBAPIError):
            uow.incentives.add_entry({"person": "P1", "kind": "redeem", "points": -1,
                                      "booked_on": date(2026, 3, 2), "reason": "sneaky",
                                      "recorded_at": uow_now(), "recorded_by": "test"})  # fmt: skip


def uow_now() -> Any:
    from conftest import NOW

    return NOW


# --------------------------------------------------------------------- participation


def test_participation_from_booked_purchases(
    programmes: TestClient, headers_for: HeadersFor, engine: Engine, clock: FixedClock
) -> None:
    buy(engine, clock, "O-1", "P1", "80.00", list_amount="100.00")
    buy(engine, clock, "O-2", "P1", "20.00", list_amount="20.00", on=date(2026, 3, 20))
    buy(engine, clock, "O-3", "P3", "100.00", internal=False)
    finance = headers_for("finance")

    answer = ok(programmes.get(f"{API}/participation", params={"period": "2026-03"},
                               headers=finance))  # fmt: skip

    (march,) = answer["months"]
    assert (march["month"], march["eligible"], march["participants"], march["pct"]) == (
        "2026-03", 2, 1, "50.00",
    )  # fmt: skip
    assert march["entities"] == [
        {"entity": "ORG", "eligible": 2, "participants": 1, "pct": "50.00"}
    ]
    assert march["revenue"] == [
        {"currency": "EUR", "total": "200.00", "internal": "100.00", "internal_pct": "50.00",
         "discount_cost": "20.00"}
    ]  # fmt: skip
    ranged = ok(programmes.get(f"{API}/participation", params={"from": "2026-02", "to": "2026-03"},
                               headers=finance))  # fmt: skip
    assert [(m["month"], m["participants"], m["change_pts"]) for m in ranged["months"]] == [
        ("2026-02", 0, None), ("2026-03", 1, "50.00"),
    ]  # fmt: skip
    assert ranged["trend"] == (
        "participation rose from 0.00% in 2026-02 to 50.00% in 2026-03 (+50.00 percentage points)"
    )
    bad = programmes.get(f"{API}/participation", params={"period": "2026-3"}, headers=finance)
    assert errors(bad) == [("query.period", '"2026-3" is not a month (YYYY-MM)')]
    both = programmes.get(f"{API}/participation", params={"period": "2026-03", "from": "2026-01"},
                          headers=finance)  # fmt: skip
    assert errors(both) == [("query.period", "give period, or from and to, not both")]


def test_participation_reads_any_purchase_source(staff: tuple[str, str], engine: Engine) -> None:
    # given a source such as the orders repository will be
    class Orders:
        def purchases_between(self, start: date, end: date) -> list[Purchase]:
            assert (start, end) == (date(2026, 3, 1), date(2026, 4, 1))
            return [Purchase("O-9", "P2", "ORG", "ORG", None, date(2026, 3, 9),
                             Money.of("10", "EUR"), Money.of("12", "EUR"), True, "employee")]  # fmt: skip

    answer = services.participation_report(uow=UnitOfWork(engine), actor=SYSTEM,
                                           first=Month(2026, 3), last=Month(2026, 3),
                                           source=lambda _uow: Orders())  # fmt: skip

    (march,) = answer.months
    assert (march.rate.eligible, march.rate.participants) == (2, 1)
    assert march.revenue[0].discount_cost == Money.of(Decimal("2.00"), "EUR")
