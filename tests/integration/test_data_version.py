"""The data version is asked of the database at most once per interval, unless stale."""

from __future__ import annotations

from sqlalchemy import Engine

from inhouse.clock import FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.db.version import DataVersion
from inhouse.identity.domain import SYSTEM
from inhouse.identity.services import record


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def write_something(engine: Engine, clock: FixedClock) -> None:
    with UnitOfWork(engine) as uow:
        record(uow=uow, actor=SYSTEM, clock=clock, action="create", resource="notes",
               resource_id="1", after={"text": "hello"})  # fmt: skip
        uow.commit()


def test_a_write_elsewhere_is_seen_after_the_interval(engine: Engine, clock: FixedClock) -> None:
    # given a version read once
    ticks = Ticks()
    version = DataVersion(engine, interval=1.0, monotonic=ticks)
    first = version.current()

    # when another process writes
    write_something(engine, clock)

    # then the version holds until the interval has passed, and moves on after it
    ticks.now = 100.9
    assert version.current() == first
    ticks.now = 101.0
    assert version.current() > first


def test_a_write_through_this_process_is_seen_at_once(engine: Engine, clock: FixedClock) -> None:
    ticks = Ticks()
    version = DataVersion(engine, interval=60.0, monotonic=ticks)
    first = version.current()

    write_something(engine, clock)
    version.mark_stale()

    assert version.current() > first
