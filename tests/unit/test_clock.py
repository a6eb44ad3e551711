"""dutydesk.clock: the one reader of the wall clock, and how tests and child processes set it."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from conftest import INSTANTS, FrozenClock
from dutydesk import clock

PRINT_NOW = "from dutydesk import clock; print(clock.utcnow().isoformat())"


def child_now(environment: dict[str, str]) -> datetime:
    """What `clock.utcnow()` says in a new Python process started with `environment`."""
    env = {key: value for key, value in os.environ.items() if key != clock.FROZEN_TIME_VARIABLE}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_NOW], env=env | environment, capture_output=True, text=True, check=True
    )
    return datetime.fromisoformat(result.stdout.strip())


@pytest.mark.day_and_night
def test_every_test_runs_at_its_instant_with_the_clock_stopped(config, frozen_clock: FrozenClock) -> None:  # type: ignore[no-untyped-def]
    assert frozen_clock.now in INSTANTS.values()
    assert clock.utcnow() == clock.utcnow()  # stopped
    local = frozen_clock.now.astimezone(config.zone)
    assert (local.hour, local.minute) in {(10, 30), (23, 30)}  # a day-shift morning, a night-shift evening
    frozen_clock.advance(timedelta(minutes=45))
    assert clock.utcnow() == local + timedelta(minutes=45)


@pytest.mark.real_clock
def test_a_test_marked_real_clock_reads_the_wall_clock() -> None:
    before = datetime.now(UTC)
    now = clock.utcnow()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)
    with pytest.raises(RuntimeError, match="not frozen"):
        clock.advance(timedelta(seconds=1))


def test_a_child_process_starts_at_the_instant_it_is_given() -> None:
    at = INSTANTS["night"]
    assert child_now(clock.environment_for_child(at, ticking=False)) == at
    ticking = child_now(clock.environment_for_child(at))
    assert at <= ticking < at + timedelta(minutes=1)  # runs on from `at`


def test_a_frozen_instant_needs_an_offset() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        clock.freeze(datetime(2026, 11, 26, 10, 30))
