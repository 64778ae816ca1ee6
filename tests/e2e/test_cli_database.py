"""The command line on a database: init, import, export, users, tokens, classify, serve.

Each test has its own SQLite file named by ``INHOUSE_DATABASE_URL``; commands run
through Typer's ``CliRunner`` (and ``serve --demo`` as a real process).
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from inhouse.cli import app
from inhouse.db.engine import make_engine
from inhouse.db.migrate import head_revision
from inhouse.db.uow import UnitOfWork
from inhouse.demo import DATA_DIR
from inhouse.identity import services as identity
from inhouse.identity.tables import audit_log

runner = CliRunner()
DEMO = str(DATA_DIR)
TABLES = ("entities", "stakes", "units", "people", "employments")
PASSWORD = "correct horse battery"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite URL of this test's own (not created yet), in ``INHOUSE_DATABASE_URL``."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("INHOUSE_DATABASE_URL", url)
    monkeypatch.delenv("INHOUSE_SECRET_KEY", raising=False)
    return url


def cli(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=input)


def ok(*args: str, input: str | None = None) -> Result:
    result = cli(*args, input=input)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def loaded(database: str) -> str:
    """The database initialised and holding the demo dataset."""
    ok("init")
    ok("import", DEMO)
    return database


def test_init_creates_the_database_then_finds_it_up_to_date(database: str) -> None:
    first = ok("init")
    again = ok("init")

    shown = database  # a SQLite URL has no password to hide
    assert f"Created the database at {shown} (revision {head_revision()})." in first.output
    assert f"The database at {shown} is up to date (revision {head_revision()})." in again.output


def test_init_json_names_the_revisions(database: str) -> None:
    result = ok("init", "--json")

    assert json.loads(result.stdout) == {
        "database": database,
        "before": None,
        "revision": head_revision(),
    }


def test_commands_on_a_database_that_is_not_there_say_to_run_init(database: str) -> None:
    result = cli("import", DEMO)

    assert result.exit_code == 1
    assert f"error: there is no database at {database}: run `inhouse init` first" in " ".join(
        result.output.split()
    )
    assert not Path(database.removeprefix("sqlite:///")).exists()


def test_import_prints_the_report_per_table_and_again_says_nothing_to_change(
    database: str,
) -> None:
    ok("init")

    first = ok("import", DEMO, "--json")
    second = ok("import", DEMO)

    report = json.loads(first.stdout)
    assert report["tables"]["employments"] == {
        "added": 57, "changed": 0, "ended": 0, "unchanged": 0, "kept": 0
    }  # fmt: skip
    assert report["not_imported"] == []
    assert report["commerce"]["sales"] == {"orders added": 2980, "returns added": 72}
    assert report["nothing_to_change"] is False
    assert "Nothing to change: the database already holds this dataset." in second.output


def test_a_bad_dataset_is_rejected_with_exit_code_1_naming_the_row(
    database: str, tmp_path: Path
) -> None:
    ok("init")
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "entities.csv").write_text("id,name\nA,Alpha\nB,Beta\n", encoding="utf-8")
    (folder / "stakes.csv").write_text("holder,entity,voting\nA,B,60\nA,B,(50\n", "utf-8")

    result = cli("import", str(folder))

    assert result.exit_code == 1
    assert 'stakes.csv row 3, column voting: "(50" is not a share' in result.output
    engine = make_engine(database)
    with UnitOfWork(engine) as uow:
        assert uow.groups.count("entities") == 0
        assert uow.identity.latest_audit_id() == 0


def test_export_then_import_into_a_new_database_round_trips(
    loaded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exported = tmp_path / "exported"

    result = ok("export", str(exported), "--json")

    assert json.loads(result.stdout) == {
        "path": str(exported),
        "files": {"entities.csv": 17, "stakes.csv": 16, "units.csv": 33, "people.csv": 68,
                  "employments.csv": 57, "products.csv": 35, "sales.csv": 3052,
                  "gross_profit.csv": 2, "programmes.toml": 20},
    }  # fmt: skip
    for name in (*TABLES, "sales", "gross_profit"):
        lines = (exported / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        source = (DATA_DIR / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0] == source[0]
        assert sorted(lines[1:]) == sorted(source[1:])
    # products gain price_from, empty: the demo's prices hold from the beginning
    products = (exported / "products.csv").read_text(encoding="utf-8").splitlines()
    source = (DATA_DIR / "products.csv").read_text(encoding="utf-8").splitlines()
    assert sorted(line.removesuffix(",") for line in products[1:]) == sorted(source[1:])
    monkeypatch.setenv("INHOUSE_DATABASE_URL", f"sqlite:///{tmp_path / 'second.db'}")
    ok("init")
    assert (
        json.loads(ok("import", str(exported), "--json").stdout)["tables"]["stakes"]["added"] == 16
    )
    again = json.loads(ok("import", DEMO, "--json").stdout)
    # the export holds all but the demo's ticket history, which is all that is new
    assert {name: counts["added"] for name, counts in again["tables"].items()} == {
        "entities": 0, "stakes": 0, "units": 0, "people": 0, "employments": 0,
        "tickets": 1126, "ticket_events": 7087}  # fmt: skip
    assert again["commerce"] == {
        "products": {"unchanged": 35}, "programmes": {"unchanged": 20},
        "gross_profit": {"unchanged": 2}}  # fmt: skip


def test_export_refuses_a_folder_with_a_dataset_unless_overwrite(
    loaded: str, tmp_path: Path
) -> None:
    ok("export", str(tmp_path / "out"))

    refused = cli("export", str(tmp_path / "out"))
    replaced = cli("export", str(tmp_path / "out"), "--overwrite")

    assert refused.exit_code == 1
    assert "already: choose an empty folder or overwrite them (--overwrite)" in " ".join(
        refused.output.split()
    )
    assert replaced.exit_code == 0, replaced.output


def test_user_add_reads_the_password_from_stdin_and_it_signs_in(loaded: str) -> None:
    result = ok("user", "add", "hanna", "--role", "hr", "--password-stdin", input=PASSWORD + "\n")

    assert "Added user hanna (id 1, role hr)." in result.output
    engine = make_engine(loaded)
    actor = identity.authenticate(uow=UnitOfWork(engine), username="hanna", password=PASSWORD)
    assert actor is not None
    assert actor.role.value == "hr"
    assert (
        identity.authenticate(uow=UnitOfWork(engine), username="hanna", password="x" * 12) is None
    )


def test_user_add_asks_for_the_password_twice(loaded: str) -> None:
    result = ok("user", "add", "jan", "--role", "employee", "--person", "P037",
                input=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip

    assert "Added user jan (id 1, role employee, person P037)." in result.output
    engine = make_engine(loaded)
    actor = identity.authenticate(uow=UnitOfWork(engine), username="jan", password=PASSWORD)
    assert actor is not None
    assert actor.person == "P037"


def test_user_add_errors_have_exit_code_1_and_bad_usage_exit_code_2(loaded: str) -> None:
    short = cli("user", "add", "kim", "--role", "admin", "--password-stdin", input="short\n")
    unknown_person = cli("user", "add", "kim", "--role", "employee", "--person", "NOBODY",
                         "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    bad_role = cli("user", "add", "kim", "--role", "boss", "--password-stdin", input=PASSWORD)
    both = cli("user", "add", "kim", "--role", "admin", "--password-stdin", "--no-password")

    assert short.exit_code == 1
    assert "error: a password needs at least 10 characters" in short.output
    assert unknown_person.exit_code == 1
    assert "error: NOBODY is not a known person" in unknown_person.output
    assert bad_role.exit_code == 2
    assert "boss" in bad_role.output
    assert both.exit_code == 2
    with UnitOfWork(make_engine(loaded)) as uow:
        assert uow.identity.users() == []


def test_a_token_is_printed_once_works_and_stops_working_when_revoked(loaded: str) -> None:
    ok("user", "add", "shop", "--role", "sales_system", "--no-password")

    created = ok("token", "create", "shop", "--name", "checkout")

    token = created.stdout.strip()
    assert token.startswith("ih_")
    assert "Store it now: it is shown only once" in " ".join(created.output.split())
    engine = make_engine(loaded)
    actor = identity.actor_for_token(uow=UnitOfWork(engine), token=token)
    assert actor is not None
    assert actor.username == "shop"
    revoked = ok("token", "revoke", "1")
    assert "Revoked API token 1 (checkout)." in revoked.output
    assert identity.actor_for_token(uow=UnitOfWork(engine), token=token) is None
    missing = cli("token", "revoke", "99")
    assert missing.exit_code == 1
    assert "error: no API token 99" in missing.output
    assert cli("token", "revoke", "one").exit_code == 2


def test_the_cli_acts_as_the_local_operator_in_the_audit_log(loaded: str) -> None:
    ok("user", "add", "shop", "--role", "sales_system", "--no-password")

    engine = make_engine(loaded)
    with engine.connect() as connection:
        actors = set(connection.execute(select(audit_log.c.actor)).scalars())
    assert actors == {f"cli:{getpass.getuser()}"}


def test_classify_and_group_without_data_read_the_database(loaded: str) -> None:
    answer = ok("classify", "--seller", "XYZ", "--buyer", "ABC", "--on", "2026-03-02", "--json")
    groups = ok("group", "--on", "2026-03-02", "--json")

    assert json.loads(answer.stdout)["relation"] == "intercompany"
    assert json.loads(answer.stdout)["evidence"] == [
        "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
        "JKL holds 100% of the votes in ABC (since 2019-01-01)",
        "XYZ and ABC are both controlled by JKL on 2026-03-02",
    ]
    positions = {p["entity"]: p for p in json.loads(groups.stdout)}
    assert positions["JKL-US"]["effective_pct"] == "80"
    unknown = cli("classify", "--seller", "NOPE", "--buyer", "ABC", "--on", "2026-03-02")
    assert unknown.exit_code == 1
    assert "error: NOPE is not a known legal entity or org unit" in unknown.output


def test_classify_without_data_on_an_uninitialised_database_says_to_run_init(
    database: str,
) -> None:
    make_engine(database).connect().close()  # an empty SQLite file, no tables

    result = cli("classify", "--seller", "XYZ", "--buyer", "ABC", "--on", "2026-03-02")

    assert result.exit_code == 1
    assert "is not initialised: run `inhouse init` first" in " ".join(result.output.split())


def test_serve_refuses_without_a_secret_key_or_an_initialised_database(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_key = cli("serve")
    monkeypatch.setenv("INHOUSE_SECRET_KEY", "a-long-random-string-for-this-test-0123456789")
    no_database = cli("serve")

    assert no_key.exit_code == 1
    assert "error: set INHOUSE_SECRET_KEY" in no_key.output
    assert no_database.exit_code == 1
    assert "run `inhouse init` first" in " ".join(no_database.output.split())


def test_serve_demo_refuses_a_database_that_is_not_empty(loaded: str) -> None:
    result = cli("serve", "--demo")

    assert result.exit_code == 1
    assert "is not empty; demo mode fills only an empty database" in " ".join(result.output.split())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_serve_demo_runs_the_api_with_the_demo_sign_ins(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INHOUSE_")}
    env["TMPDIR"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "inhouse.cli", "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/docs", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "the demo server did not start within 60 s"
            time.sleep(0.3)
        signed_in = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"username": "demo-employee", "password": "demo-employee-2026"},
        )
        assert signed_in.status_code == 200, signed_in.text
        me = httpx.get(
            f"{base}/api/v1/me",
            headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"},
        )
        assert me.json() == {"username": "demo-employee", "role": "employee", "person": "P037"}
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"API docs: http://127.0.0.1:{port}/docs" in output
    assert f"Web app: http://127.0.0.1:{port}/" in output
    assert "demo-admin-2026" in output
    assert "191 added; 8,213 added; products: 35 added" in output
    assert "sales: 2,980 orders added, 72 returns added" in output
    # The temporary database is gone with the server.
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("inhouse-demo-")]


def test_benefits_prints_statements_and_writes_the_payroll_export(
    database: str, tmp_path: Path
) -> None:
    ok("init")
    ok("import", DEMO)
    payroll = tmp_path / "payroll.csv"

    result = ok(
        "benefits", "--year", "2026", "--person", "P076", "--json", "--payroll", str(payroll)
    )

    answer = json.loads(result.stdout)
    assert [
        (s["person"], s["scheme"], s["period"], s["taxable"]) for s in answer["statements"]
    ] == [("P076", "HMRC EIM21704", "2026-27", "3.00")]
    assert payroll.read_text(encoding="utf-8").splitlines() == [
        "employee_number,period,wage_type,amount,currency",
        "E10076,2026-27,UKBIK-TAXABLE,3.00,GBP",
    ]
    table = ok("benefits", "--year", "2026", "--month", "10")
    assert "Benefits of staff discounts, 2026-10 (year to date)" in table.stdout


def test_benefits_refuses_a_month_that_is_not_one(database: str) -> None:
    ok("init")
    result = cli("benefits", "--year", "2026", "--month", "13")
    assert result.exit_code == 2


def test_products_lists_each_products_prices(database: str) -> None:
    ok("init")
    ok("import", DEMO)

    listed = json.loads(ok("products", "--seller", "XYZ", "--json").stdout)

    assert [p["id"] for p in listed] == [
        "XYZ-CAST", "XYZ-SECONDS", "XYZ-SHAFT", "XYZ-W100", "XYZ-W200", "XYZ-W300"]  # fmt: skip
    assert listed[3]["prices"] == [
        {"valid_from": None, "valid_to": None, "list_price": "12.50", "unit_cost": "7.80"}
    ]


def test_benefits_json_writes_every_decimal_plainly(database: str, tmp_path: Path) -> None:
    # given a staff purchase at 80 % of 600.00: the unit price paid, 480, was kept as
    # Decimal("4.8E+2") and printed so
    folder = tmp_path / "shop"
    folder.mkdir()
    files = {
        "entities.csv": "id,name,country,currency\nXYZ,XYZ GmbH,DE,EUR\n",
        "people.csv": "id,name,email,employee_no\nP1,Petra Eins,,E1\n",
        "employments.csv": "person,entity,kind,valid_from\nP1,XYZ,employee,2020-01-01\n",
        "products.csv": "id,seller,name,list_price,currency,unit_cost\nBIKE,XYZ,Bike,600,EUR,400\n",
        "sales.csv": "id,date,seller,buyer,amount,currency,product,quantity,price_paid\n"
        "S1,2026-03-02,XYZ,P1,480,EUR,BIKE,1,480\n",
        "programmes.toml": '[[programme]]\nid = "XYZ-STAFF"\nname = "Staff"\n'
        'kind = "staff_discount"\nscope_kind = "entity"\nscope_id = "XYZ"\n'
        'discount_pct = "20"\n',
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    ok("init")
    ok("import", str(folder))

    # when the year's benefits are printed as JSON
    result = ok("benefits", "--year", "2026", "--json")

    # then the amounts are plain, in the currency's places, and no number has an exponent
    answer = json.loads(result.stdout)
    line = answer["statements"][0]["lines"][0]
    assert (line["list_price"], line["price_paid"], line["benefit"]) == (
        "600.00",
        "480.00",
        "96.00",
    )
    assert "E+" not in result.stdout and "E-" not in result.stdout
