"""The test run's last word on skipped PostgreSQL tests (the root ``conftest.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ONE_MIGRATION_TEST = "tests/integration/test_migrations.py::test_an_empty_database_upgrades_to_head"


def run_pytest(*args: str, environment: dict[str, str]) -> list[str]:
    """The output lines of a pytest run of this repository's tests, in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def without_database() -> dict[str, str]:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("INHOUSE_TEST_DATABASE_URL", "CI")
    }
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return environment


def test_a_run_without_the_database_url_ends_saying_how_many_postgresql_tests_it_skipped() -> None:
    # given no INHOUSE_TEST_DATABASE_URL / when one test on both backends runs
    lines = run_pytest(ONE_MIGRATION_TEST, environment=without_database())
    # then the line before the final counts says so, and how to run them
    assert lines[-2:] == [
        "1 PostgreSQL test skipped: set "
        "INHOUSE_TEST_DATABASE_URL=postgresql+psycopg://user@host/db to run them",
        lines[-1],
    ]
    assert lines[-1].startswith("1 passed, 1 skipped")


def test_a_run_skipping_no_postgresql_test_has_no_such_line() -> None:
    # given no INHOUSE_TEST_DATABASE_URL / when only the SQLite half runs
    lines = run_pytest(ONE_MIGRATION_TEST + "[sqlite]", environment=without_database())
    # then nothing is said about PostgreSQL
    assert not [line for line in lines if "PostgreSQL" in line]
    assert lines[-1].startswith("1 passed")
