"""The incentives commands on a database: points, participation, incentives expire.

Each test has its own SQLite file named by ``INHOUSE_DATABASE_URL``; the demo dataset is
imported and the demo's incentives set up (programmes, referrals, points of the sales)
as ``serve --demo`` does.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from inhouse.cli import app
from inhouse.clock import FixedClock
from inhouse.db.engine import make_engine
from inhouse.db.uow import UnitOfWork
from inhouse.demo import DATA_DIR, MOVER
from inhouse.demo.incentives import set_up_incentives
from inhouse.demo.users import REGISTER_FILES
from inhouse.identity.domain import SYSTEM
from inhouse.incentives import services
from inhouse.incentives.domain import Purchase
from inhouse.money import Money

runner = CliRunner()


def ok(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with its incentives, made once; tests copy the file."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    register = tmp_path_factory.mktemp("register")
    for name in REGISTER_FILES:
        shutil.copyfile(DATA_DIR / name, register / name)
    engine = make_engine(url)
    clock = FixedClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INHOUSE_DATABASE_URL", url)
        ok("init")
        ok("import", str(register))
        made = set_up_incentives(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock)
        assert (made.programmes, made.referrals) == (3, 2)
        ok("import", str(DATA_DIR))  # the sales earn their points as they are recorded
    # and a short-lived programme whose points expired on 2026-02-04
    services.define_incentive_programme(
        uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, id="SHORT", name="January only",
        kind="points_per_spend", points_per_unit=Decimal(1), currency="EUR",
        valid_from=date(2026, 1, 1), valid_to=date(2026, 2, 1), points_valid_days=30,
    )  # fmt: skip
    extra = Purchase("X-1", MOVER, "XYZ", "ABC", None, date(2026, 1, 5), Money.of("100", "EUR"),
                     Money.of("100", "EUR"), True, "group_employee", "JKL")  # fmt: skip
    earned = services.book_purchase_points(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                                           order=extra)  # fmt: skip
    assert sorted((a.programme, a.points) for a in earned.awards) == [
        ("JKL-POINTS", 100), ("SHORT", 100),
    ]  # fmt: skip
    engine.dispose()
    with sqlite3.connect(path) as connection:  # fold the WAL of every engine into the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def database(demo_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "cli.db"
    path.write_bytes(demo_database.read_bytes())
    url = f"sqlite:///{path}"
    monkeypatch.setenv("INHOUSE_DATABASE_URL", url)
    return url


@pytest.mark.slow
def test_points_of_the_demo_employee(database: str) -> None:
    shown = json.loads(ok("points", MOVER, "--json", "--limit", "500").stdout)

    # the mover referred P039, whose first internal purchase earned him the bonus
    bonus = [e for e in shown["items"] if e["programme"] == "JKL-REFER"]
    assert [(e["points"], e["person"]) for e in bonus] == [(250, MOVER)]
    assert bonus[0]["reason"].startswith("250 points from JKL-REFER: P037 referred P039")
    assert shown["balance"] == sum(e["points"] for e in shown["items"])
    assert shown["next_cursor"] is None
    people = ok("points", MOVER).output
    assert f"{MOVER}: {shown['balance']:,} points" in people
    assert "Ledger, newest first" in people


@pytest.mark.slow
def test_participation_of_a_month_and_a_year(database: str) -> None:
    march = json.loads(ok("participation", "--year", "2026", "--month", "3", "--json").stdout)
    year = json.loads(ok("participation", "--year", "2026", "--json").stdout)

    (month,) = march["months"]
    assert month["month"] == "2026-03"
    assert 0 < month["participants"] <= month["eligible"]
    share = Decimal(100 * month["participants"]) / month["eligible"]
    assert month["pct"] == str(share.quantize(Decimal("0.01"), ROUND_HALF_UP))
    assert [m["month"] for m in year["months"]] == [f"2026-{n:02d}" for n in range(1, 13)]
    # the same figures; only the change against February is known in the year's answer
    assert {**year["months"][2], "change_pts": None} == month
    assert Decimal(year["months"][2]["change_pts"]) == Decimal(month["pct"]) - Decimal(
        year["months"][1]["pct"]
    )
    assert "Participation" in ok("participation", "--year", "2026", "--month", "3").output


@pytest.mark.slow
def test_expiry_is_booked_once(database: str) -> None:
    # the SHORT points expired on 2026-02-04; the demo's yearly points are still valid
    first = json.loads(ok("incentives", "expire", "--on", "2026-03-01", "--json").stdout)
    again = json.loads(ok("incentives", "expire", "--on", "2026-03-01", "--json").stdout)

    assert [(e["person"], e["programme"], e["points"]) for e in first["entries"]] == [
        (MOVER, "SHORT", -100)
    ]
    assert first["points"] == 100
    assert again == {"on": "2026-03-01", "points": 0, "entries": []}
    shown = ok("incentives", "expire", "--on", "2026-03-01").output
    assert "Expired 0 points of 0 persons due on 2026-03-01." in shown
    engine = make_engine(database)
    with UnitOfWork(engine) as uow:
        for person in {e["person"] for e in first["entries"]}:
            assert uow.incentives.balance(person) == uow.incentives.entries_sum(person)
    engine.dispose()


def test_the_commands_refuse_bad_input(database: str) -> None:
    unknown = runner.invoke(app, ["points", "NOPE"])
    bad_day = runner.invoke(app, ["incentives", "expire", "--on", "31.12.2026"])
    bad_month = runner.invoke(app, ["participation", "--year", "2026", "--month", "13"])
    future = runner.invoke(app, ["incentives", "expire", "--on", "2199-12-31"])

    assert unknown.exit_code == 1
    assert "error: no person NOPE" in unknown.output
    assert bad_day.exit_code == 2
    assert bad_month.exit_code == 2
    assert future.exit_code == 1
    assert "2199-12-31 is after today" in future.output
