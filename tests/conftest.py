"""Shared fixtures: every test gets its own throw-away database, config and language."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli_runner import Cli
from dutydesk import clock
from dutydesk.config import Config, load_config
from dutydesk.context import Context, open_context
from dutydesk.domain import shifts, supervisors
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.i18n import set_language
from dutydesk.store.db import Database

TEST_PIN = "246810"
# The PIN cost tests use: the shipped one (≥ 250 ms a guess) would make the suite crawl.
CHEAP_PIN_COST = supervisors.ScryptCost(2**10, 8, 1)


@pytest.fixture(autouse=True)
def cheap_pin_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervisors, "PIN_COST", CHEAP_PIN_COST)


# The `database_target` fixture: SQLite, or PostgreSQL when DUTYDESK_TEST_DB is set.
pytest_plugins = ["backends"]


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the real user's data, config or language."""
    for variable in ("DUTYDESK_DB", "DUTYDESK_LANG", "LC_ALL", "LC_MESSAGES", clock.FROZEN_TIME_VARIABLE):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    set_language("en")
    yield
    set_language("en")


# Instants the suite can run at (center time is Asia/Shanghai, UTC+8 by default):
# a day-shift morning, and a night-shift evening whose shift crosses midnight.
INSTANTS = {
    "day": datetime(2026, 11, 26, 2, 30, tzinfo=UTC),  # 10:30 center time
    "night": datetime(2026, 11, 26, 15, 30, tzinfo=UTC),  # 23:30 center time
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--instant",
        default=os.environ.get("DUTYDESK_TEST_INSTANT", "day"),
        help="the frozen instant tests run at: 'day', 'night' or an ISO-8601 time with offset",
    )


def chosen_instant(config: pytest.Config) -> datetime:
    value = str(config.getoption("--instant"))
    return INSTANTS[value] if value in INSTANTS else datetime.fromisoformat(value)


class FrozenClock:
    """`dutydesk.clock` stopped at the test's instant; moved only by `set` and `advance`."""

    @property
    def now(self) -> datetime:
        return clock.utcnow()

    def set(self, at: datetime) -> None:
        clock.freeze(at)

    def advance(self, by: timedelta) -> None:
        clock.advance(by)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real_clock: the test reads the real wall clock (the clock is not frozen)")
    config.addinivalue_line("markers", "day_and_night: the test runs twice, at the day and at the night instant")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("day_and_night"):
        metafunc.parametrize("instant_clock", sorted(INSTANTS), indirect=True)


def instant_of(request: pytest.FixtureRequest) -> datetime | None:
    """The instant a test runs at (its day/night parameter, else `--instant`); None for a
    test marked `real_clock`."""
    if request.node.get_closest_marker("real_clock") is not None:
        return None
    name = getattr(request, "param", None)
    return INSTANTS[name] if name else chosen_instant(request.config)


@pytest.fixture(autouse=True)
def instant_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test runs at its instant with the clock stopped, so that no result depends on
    the hour, the zone or the machine's speed. A test marked `day_and_night` runs at both
    instants; one marked `real_clock` sees the wall clock."""
    at = instant_of(request)
    if at is not None:
        clock.freeze(at)
    yield
    clock.unfreeze()


@pytest.fixture
def frozen_clock(instant_clock: None) -> FrozenClock:
    """A handle on the stopped clock, for tests that move it."""
    return FrozenClock()


@pytest.fixture
def context(database_target: str | Path) -> Iterator[Context]:
    ctx = open_context(database_target, None, "en")
    yield ctx
    ctx.db.close()


@pytest.fixture
def db(context: Context) -> Database:
    return context.db


@pytest.fixture
def config(context: Context) -> Config:
    return context.config


@pytest.fixture
def supervisor(db: Database) -> supervisors.SupervisorInfo:
    return supervisors.add_supervisor(db, "wang", "王伟", TEST_PIN)


@pytest.fixture
def shift(db: Database, config: Config, supervisor: supervisors.SupervisorInfo) -> ShiftInfo:
    return shifts.open_shift(db, config, supervisor.name)


def default_config() -> Config:
    return load_config(None)


@pytest.fixture
def cli(database_target: str | Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """`dutydesk` run in-process on a throw-away database, as a script would run it."""
    return Cli(database_target, monkeypatch, capsys)


@pytest.fixture
def on_duty(cli: Cli) -> Cli:
    """The same, with supervisor wang (王伟) on duty in an open shift."""
    assert cli("supervisor", "add", "wang", "--display-name", "王伟", "--pin-stdin", stdin=TEST_PIN.encode())[0] == 0
    cli.ok("shift", "open", "--supervisor", "wang")
    return cli
