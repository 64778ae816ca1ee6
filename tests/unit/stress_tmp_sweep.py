from hypothesis import given, settings
from tests.unit.test_groups_sweep import (
    dense_registers,
    assert_same_day,
    DENSE_DAYS,
    DENSE_ENTITIES,
    days_of,
)
from tests.unit.test_groups_properties import worlds
from datetime import date


@settings(max_examples=3000, deadline=None)
@given(dense_registers())
def test_dense(register):
    for day in [date(2025, 12, 31), *DENSE_DAYS]:
        assert_same_day(register, day, DENSE_ENTITIES[:3], [*DENSE_ENTITIES[4:6], "P0"])


@settings(max_examples=3000, deadline=None)
@given(worlds())
def test_worlds(world):
    register = world.register()
    for day in days_of(register):
        assert_same_day(register, day, world.sellers, world.buyers)
