"""The whole suite's last word on the PostgreSQL tests.

Without ``INHOUSE_TEST_DATABASE_URL`` the PostgreSQL half of the integration tests is
skipped (``tests/integration/conftest.py``; under ``CI=true`` it fails instead). So that
a skipped half is never mistaken for a green one, the run ends with one line saying how
many were skipped and how to run them.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

DATABASE_URL_VARIABLE = "INHOUSE_TEST_DATABASE_URL"
EXAMPLE_URL = "postgresql+psycopg://user@host/db"


def skipped_postgresql_tests(reporter: pytest.TerminalReporter) -> int:
    """How many tests were skipped because ``INHOUSE_TEST_DATABASE_URL`` is not set."""
    count = 0
    for report in reporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""
        if DATABASE_URL_VARIABLE in str(reason):
            count += 1
    return count


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter,
) -> Generator[None, None, None]:
    # the outermost wrapper: the line comes after pytest's short summary, just before
    # the final counts
    yield
    count = skipped_postgresql_tests(terminalreporter)
    if count:
        tests = "test" if count == 1 else "tests"
        terminalreporter.write_line(
            f"{count} PostgreSQL {tests} skipped: set "
            f"{DATABASE_URL_VARIABLE}={EXAMPLE_URL} to run them",
            yellow=True,
            bold=True,
        )
