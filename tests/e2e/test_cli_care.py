"""The care commands on a database: SLA rules, tickets, parity (Typer's CliRunner).

The database holds the demo with its calendars and policies (``set_up_demo``); the
demo's planted problem: TEL answers its internal customers far later.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from inhouse.cli import app
from inhouse.clock import FixedClock
from inhouse.db.engine import make_engine
from inhouse.db.uow import UnitOfWork
from inhouse.demo.users import set_up_demo
from inhouse.identity.domain import SYSTEM

runner = CliRunner()


def ok(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def demo_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'care.db'}"
    monkeypatch.setenv("INHOUSE_DATABASE_URL", url)
    ok("init")
    engine = make_engine(url)
    set_up_demo(uow=UnitOfWork(engine), actor=SYSTEM,
                clock=FixedClock(datetime(2026, 11, 26, 12, tzinfo=UTC)))  # fmt: skip
    engine.dispose()
    return url


def test_parity_names_tel_and_the_tickets_behind_the_gap(demo_database: str) -> None:
    report = json.loads(ok("parity", "--period", "2026-Q1", "--entity", "TEL", "--json").stdout)

    assert report["scope"] == "serving entity TEL"
    metrics = [a["metric"] for a in report["alerts"]]
    assert metrics == ["sla_attainment_pct", "first_response_median", "resolution_median"]
    segments = {s["name"]: s for s in report["segments"]}
    median = report["alerts"][1]
    assert median["internal"] == str(segments["internal"]["first_response_median"])
    assert median["tickets"] and all(t.startswith("TK") for t in median["tickets"])
    people = ok("parity", "--period", "2026-Q1", "--entity", "TEL").stdout
    assert "ALERT" in people and "median first response" in people


def test_parity_without_enough_tickets_says_so(demo_database: str) -> None:
    report = json.loads(ok("parity", "--period", "2026-03", "--entity", "XYZ",
                           "--min-tickets", "1000", "--json").stdout)  # fmt: skip
    assert report["alerts"] == []
    assert report["notes"][0].startswith("too few tickets to compare")


def test_tickets_list_and_show_explain_the_clocks(demo_database: str) -> None:
    page = json.loads(ok("tickets", "list", "--limit", "2", "--json").stdout)
    assert [t["id"] for t in page["items"]] == ["TK00001", "TK00002"]
    assert page["next_cursor"]

    shown = json.loads(ok("tickets", "show", "TK00001", "--json").stdout)
    assert shown["relation_evidence"] and shown["policy_evidence"]
    assert [c["name"] for c in shown["sla"]][:2] == ["first response", "resolution"]
    first, resolution = shown["sla"][0], shown["sla"][1]
    assert first["elapsed"] == 0  # asked at 18:45, answered at 18:52: after hours
    assert "no business minutes in between (outside working hours)" in first["explanation"]
    assert "counted Tue 2025-12-02 08:00–12:00 CET (240 min)" in resolution["explanation"]
    text = ok("tickets", "show", "TK00001").stdout
    assert "first response: target" in text


def test_a_policy_set_from_the_command_line_measures_every_ticket_again(
    demo_database: str,
) -> None:
    ok("calendars", "set", "NIGHT", "--tz", "Europe/Berlin", "--hours", "mon-sun=00:00-24:00")
    saved = json.loads(ok("policies", "set", "STANDARD", "--position", "9", "--calendar",
                          "NIGHT", "--first-response", "240", "--resolution", "1440",
                          "--json").stdout)  # fmt: skip
    assert saved["calendar"] == "NIGHT" and saved["tickets_recomputed"] == 1126
    listed = json.loads(ok("policies", "list", "--json").stdout)
    assert [p["id"] for p in listed] == ["URGENT", "STANDARD"]
    bad = runner.invoke(app, ["parity", "--period", "2026-Q9"])
    assert bad.exit_code == 1 and "is not a period" in bad.output


def test_the_demo_year_has_recommendations_and_the_laggards_insiders_recommend_less(
    demo_database: str,
) -> None:
    whole = json.loads(ok("parity", "--period", "2026", "--json").stdout)
    tel = json.loads(ok("parity", "--period", "2026", "--entity", "TEL", "--json").stdout)

    segments = {s["name"]: s for s in whole["segments"]}
    assert segments["internal"]["nps_count"] > 0 and segments["external"]["nps_count"] > 0
    at_tel = {s["name"]: s for s in tel["segments"]}
    assert Decimal(at_tel["internal"]["nps"]) < Decimal(at_tel["external"]["nps"])
