"""Rules that show they are building: pending (Prometheus's `for:`) with an early warning,
firing at exactly 30:00 of breach by the snapshots' time, not at 29:59."""

from datetime import UTC, datetime, timedelta

from dutydesk.config import Config
from dutydesk.context import Context
from dutydesk.domain.log import LogFilter, list_entries
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.queue.alerts import shift_alerts
from dutydesk.queue.model import Counters, Snapshot
from dutydesk.queue.monitor import QueueMonitor, pending_text
from dutydesk.queue.rules import FIRED

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def waiting(seconds: float, count: int, queue: str = "inquiry") -> Snapshot:
    return Snapshot(T0 + timedelta(seconds=seconds), queue, count, 40.0, Counters())


def test_a_seed_rule_is_pending_until_exactly_30_00_then_fires(config: Config) -> None:
    monitor = QueueMonitor(config)
    for second in range(0, 30 * 60):  # 00:00 … 29:59, nine callers waiting throughout
        assert monitor.ingest(waiting(second, 9)) == []
    pending = {item.rule.key: item for item in monitor.pending()}
    assert set(pending) == {"waiting_8"}  # 9 < 16: the critical rule does not hold
    assert pending["waiting_8"].held_s == 29 * 60 + 59 and pending["waiting_8"].early_warning
    assert pending_text(pending["waiting_8"]) == "waiting ≥ 8 for 29:59 of 30:00"
    events = monitor.ingest(waiting(30 * 60, 9))
    assert [(event.kind, event.alert.rule.key, event.at - T0) for event in events] == [
        (FIRED, "waiting_8", timedelta(minutes=30))
    ]
    assert monitor.pending() == []  # fired: no longer building


def test_the_early_warning_starts_at_its_time_and_writes_nothing(config: Config) -> None:
    monitor = QueueMonitor(config)
    for second in range(0, 10 * 60, 30):
        monitor.ingest(waiting(second, 17))
    building = monitor.pending()
    assert [(item.rule.key, item.early_warning) for item in building] == [("waiting_16", False), ("waiting_8", False)]
    monitor.ingest(waiting(10 * 60, 17))
    assert [item.early_warning for item in monitor.pending()] == [True, True]
    assert pending_text(monitor.pending()[0]) == "waiting ≥ 16 for 10:00 of 30:00"
    assert monitor.alerts == [] and monitor.view().pending[0].left_s == 20 * 60
    monitor.ingest(waiting(10 * 60 + 1, 3))  # the breach ends: nothing is building any more
    assert monitor.pending() == []


def test_fired_is_never_after_cleared_across_a_restart_mid_breach(context: Context, shift: ShiftInfo) -> None:
    """The panel fires, stops mid-breach, and restarts on a feed that goes over the last half
    hour again (as the simulator's warm-up does): the alert goes on and clears once, later."""
    monitor = QueueMonitor(context.config, context.db, lambda: shift)
    for minute in range(35):  # fires at 30:00, still active at 34:00
        monitor.ingest(waiting(minute * 60, 9))
    monitor.save(final=True)
    assert [alert.fired_at - T0 for alert in monitor.alerts] == [timedelta(minutes=30)]

    restarted = QueueMonitor(context.config, context.db, lambda: shift)
    restarted.restore()
    for minute in range(5, 50):  # the past again from 05:00 (calm at first), then the breach ends at 45:00
        restarted.ingest(waiting(minute * 60, 2 if minute < 10 or minute >= 45 else 9))
    restarted.save(final=True)
    stored = shift_alerts(context.db, shift.id)
    assert [(item.rule, item.fired_at - T0, item.cleared_at - T0) for item in stored if item.cleared_at] == [
        ("waiting_8", timedelta(minutes=30), timedelta(minutes=45))
    ]
    assert len(stored) == 1 and all(item.fired_at <= item.cleared_at for item in stored if item.cleared_at)
    cleared = [e.text for e in list_entries(context.db, LogFilter(shift.id, None, None)) if "cleared" in e.text]
    assert len(cleared) == 1
