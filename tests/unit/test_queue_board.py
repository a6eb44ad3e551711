"""The rolling window: its sum over the span, and entries the garbage collector need not walk."""

import gc
from datetime import UTC, datetime, timedelta

from dutydesk.queue.board import RollingWindow
from dutydesk.queue.model import Counters

START = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def test_the_window_sums_the_span_and_drops_what_left_it() -> None:
    window = RollingWindow(timedelta(minutes=30))
    for minute in range(40):
        window.add(START + timedelta(minutes=minute), Counters(offered=2, answered=1, handle_time_s_total=30.5))
    # Minutes 10 to 39 are within 30 minutes of the last snapshot (minute 9 is exactly 30 minutes old).
    assert window.total == Counters(offered=60, answered=30, handle_time_s_total=915.0)


def test_a_copy_of_counters_from_their_values_is_equal() -> None:
    counters = Counters(1, 2, 3, 4, 5, 6.5, 7.25)
    assert Counters(*counters.values()) == counters and counters.copy() == counters


def test_the_window_keeps_no_object_the_garbage_collector_tracks() -> None:
    """At 50 queues a second the window holds 180,000 snapshots' counts: a full collection
    walking through them cost ~0.2 s every few seconds of the live panel."""
    window = RollingWindow(timedelta(minutes=30))
    for second in range(100):
        window.add(START + timedelta(seconds=second), Counters(offered=1, wait_time_s_total=2.5))
    gc.collect()
    assert not any(gc.is_tracked(counts) for counts in window._counts)
