"""The window of dates inhouse accepts: the default, the settings that move it, the
command line that refuses a date outside it, and every request schema's dates checked."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, get_args, get_origin

import pytest
from pydantic import AfterValidator, BaseModel, ValidationError
from pydantic.fields import FieldInfo
from typer.testing import CliRunner

from inhouse.cli import app
from inhouse.config import Settings, get_settings
from inhouse.dates import DateWindow, check_day, date_window, parse_date
from inhouse.demo import DATA_DIR


@pytest.fixture
def fresh_window() -> Iterator[None]:
    """Settings and the window read again from the environment, and again afterwards."""
    get_settings.cache_clear()
    date_window.cache_clear()
    yield
    get_settings.cache_clear()
    date_window.cache_clear()


def test_the_default_window_is_1900_to_2199_inclusive(fresh_window: None) -> None:
    assert date_window() == DateWindow(date(1900, 1, 1), date(2199, 12, 31))
    assert parse_date("2199-12-31") == date(2199, 12, 31)
    assert parse_date("1900-01-01") == date(1900, 1, 1)
    with pytest.raises(ValueError, match=r"^2200-01-01 is after the latest date inhouse "
                                         r"accepts \(2199-12-31\)$"):  # fmt: skip
        parse_date("2200-01-01")
    with pytest.raises(ValueError, match=r"^1899-12-31 is before the earliest date inhouse "
                                         r"accepts \(1900-01-01\)$"):  # fmt: skip
        parse_date("1899-12-31")


def test_the_window_is_set_by_the_environment(
    fresh_window: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a narrower window in the environment
    monkeypatch.setenv("INHOUSE_EARLIEST_DATE", "2000-01-01")
    monkeypatch.setenv("INHOUSE_LATEST_DATE", "2099-12-31")

    # then dates are checked against it
    assert check_day(date(2099, 12, 31)) == date(2099, 12, 31)
    with pytest.raises(ValueError, match="after the latest date inhouse accepts"):
        check_day(date(2100, 1, 1))
    with pytest.raises(ValueError, match="before the earliest date inhouse accepts"):
        check_day(date(1999, 12, 31))


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError, match="INHOUSE_LATEST_DATE 1999-12-31 is before"):
        Settings(earliest_date=date(2000, 1, 1), latest_date=date(1999, 12, 31))
    with pytest.raises(ValueError, match="the latest date 1999-12-31 is before"):
        DateWindow(date(2000, 1, 1), date(1999, 12, 31))


def test_an_instant_is_checked_on_the_day_it_is_written_with() -> None:
    window = DateWindow()
    late = datetime(2199, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5)))  # 2200 in UTC
    assert window.check_instant(late) == late
    with pytest.raises(ValueError, match=r"^2200-01-01T00:00:00\+00:00 is after the latest"):
        window.check_instant(datetime(2200, 1, 1, tzinfo=UTC))


def test_the_command_line_refuses_a_date_outside_the_window_as_bad_usage() -> None:
    result = CliRunner().invoke(app, ["classify", "--data", str(DATA_DIR), "--seller", "XYZ",
                                      "--buyer", "ABC", "--on", "2400-01-01"])  # fmt: skip
    assert result.exit_code == 2
    words = " ".join(word for word in result.output.split() if word != "│")  # rich's box
    assert "2400-01-01 is after the latest date inhouse accepts (2199-12-31)" in words


# --------------------------------------------------------------------------- request schemas

SCHEMA_MODULES = ("benefits", "care", "dataset", "groups", "identity", "incentives",
                  "orders", "pricing")  # fmt: skip


def _bare_dates(annotation: object) -> list[object]:
    """The ``date``/``datetime`` types inside an annotation that no window check wraps."""
    if annotation in (date, datetime):
        return [annotation]
    if get_origin(annotation) is Annotated:
        base, *extras = get_args(annotation)
        if base in (date, datetime) and any(isinstance(extra, AfterValidator) for extra in extras):
            return []
        return _bare_dates(base)
    return [found for arg in get_args(annotation) for found in _bare_dates(arg)]


def request_models() -> list[type[BaseModel]]:
    """The pydantic models that read request bodies: those refusing unknown fields."""
    found: list[type[BaseModel]] = []
    for name in SCHEMA_MODULES:
        module = importlib.import_module(f"inhouse.{name}.schemas")
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, BaseModel)
                    and value.__module__ == module.__name__
                    and value.model_config.get("extra") == "forbid"):  # fmt: skip
                found.append(value)
    return found


def test_every_date_of_a_request_body_is_checked_against_the_window() -> None:
    models = request_models()
    assert {m.__name__ for m in models} >= {"OrderCreate", "TicketCreate", "CalendarUpdate"}
    bare = [
        f"{model.__name__}.{name}"
        for model in models
        for name, info in model.model_fields.items()
        if _bare_dates(_annotation(info))
    ]
    assert bare == []


def _annotation(info: FieldInfo) -> object:
    """The field's type with its validators, as declared (``Day | None``)."""
    if info.metadata:
        return Annotated[(info.annotation, *info.metadata)]
    return info.annotation
