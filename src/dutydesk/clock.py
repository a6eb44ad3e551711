"""The current time: the only module that reads the wall clock.

Every stored time is aware UTC; what is shown is in the center's zone. Tests (and a
trainer running a drill "at 03:00") set the time with `freeze()`, or for a child process
with the `DUTYDESK_FROZEN_TIME` environment variable (an ISO-8601 instant with offset):
`faketime` does not reach a child started with a rebuilt environment, this does.

A frozen clock either stands still (`ticking=False`, unit tests) or starts at the chosen
instant and runs on with the real clock (`ticking=True`, the default for the environment
variable, so that an end-to-end run shows a live header clock and sustained rules can
elapse).
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

FROZEN_TIME_VARIABLE = "DUTYDESK_FROZEN_TIME"


class _Frozen:
    def __init__(self, at: datetime, ticking: bool) -> None:
        if at.tzinfo is None:
            raise ValueError("a frozen instant needs a UTC offset")
        self.at = at.astimezone(UTC)
        self.ticking = ticking
        self.started = time.monotonic()

    def now(self) -> datetime:
        if not self.ticking:
            return self.at
        return self.at + timedelta(seconds=time.monotonic() - self.started)


def _from_environment() -> _Frozen | None:
    value = os.environ.get(FROZEN_TIME_VARIABLE)
    if not value:
        return None
    ticking = not value.endswith("!")  # a trailing "!" stops the clock: "2026-12-01T23:30:00+08:00!"
    return _Frozen(datetime.fromisoformat(value.rstrip("!")), ticking)


_frozen: _Frozen | None = _from_environment()


def utcnow() -> datetime:
    if _frozen is not None:
        return _frozen.now()
    return datetime.now(UTC)


def freeze(at: datetime, *, ticking: bool = False) -> None:
    """From now on `utcnow()` is `at` (running on from there if `ticking`)."""
    global _frozen
    _frozen = _Frozen(at, ticking)


def advance(by: timedelta) -> None:
    """Move a frozen clock forward (tests of deadlines and sustained rules)."""
    if _frozen is None:
        raise RuntimeError("the clock is not frozen")
    _frozen.at += by


def unfreeze() -> None:
    global _frozen
    _frozen = _from_environment()


@contextmanager
def frozen(at: datetime, *, ticking: bool = False) -> Iterator[None]:
    freeze(at, ticking=ticking)
    try:
        yield
    finally:
        unfreeze()


def environment_for_child(at: datetime, *, ticking: bool = True) -> dict[str, str]:
    """The variable that starts a child dutydesk process at `at`."""
    return {FROZEN_TIME_VARIABLE: at.isoformat() + ("" if ticking else "!")}
