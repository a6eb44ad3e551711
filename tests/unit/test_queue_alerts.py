"""Stored queue alerts: a row when an alert fires, updated on clear and acknowledgement,
taken up again by a restarted panel."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dutydesk.config import Config
from dutydesk.context import Context
from dutydesk.domain import supervisors
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.queue.alerts import shift_alerts
from dutydesk.queue.model import Counters, Snapshot
from dutydesk.queue.monitor import QueueMonitor
from dutydesk.store.tables import QueueAlert

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def waiting_only(config: Config) -> Config:
    """Just the "waiting ≥ 8 for 30 min" rule, for the whole center."""
    rule = config.queue.rules[0].model_copy(update={"scope": "total"})
    return config.model_copy(update={"queue": config.queue.model_copy(update={"rules": [rule]})})


def feed(monitor: QueueMonitor, minutes: range, waiting: int) -> None:
    for minute in minutes:
        counters = Counters(offered=3, answered=2, abandoned=1, answered_within_sl=2, handle_time_s_total=400.0)
        monitor.ingest(Snapshot(T0 + timedelta(minutes=minute), "inquiry", waiting, 60.0, counters))


def rows(context: Context) -> list[QueueAlert]:
    with context.db.session() as session:
        return list(session.exec(select(QueueAlert).order_by(QueueAlert.id)).scalars())  # type: ignore[call-overload]


def test_a_fired_alert_is_stored_then_acknowledged_then_cleared(context: Context, shift: ShiftInfo) -> None:
    monitor = QueueMonitor(waiting_only(context.config), context.db, lambda: shift)
    feed(monitor, range(29), 9)
    monitor.save()
    assert rows(context) == []  # 29 min: not yet

    feed(monitor, range(29, 31), 9)
    monitor.save()
    [row] = rows(context)
    assert (row.shift_id, row.rule, row.queue, row.level) == (shift.id, "waiting_8", "", "warning")
    assert row.fired_at == T0 + timedelta(minutes=30) and row.cleared_at is None and not row.simulated
    assert json.loads(row.figures)["waiting"] == 9 and row.acknowledged_at is None
    assert monitor.alerts[0].row_id == row.id

    monitor.acknowledge(monitor.alerts[0].id, shift)
    [row] = rows(context)
    assert row.acknowledged_by == shift.supervisor and row.acknowledged_at is not None
    assert (monitor.alerts[0].acknowledged_by, monitor.alerts[0].acknowledged_by_display) == (
        shift.supervisor,
        shift.supervisor_display,
    )

    feed(monitor, range(31, 33), 9)
    monitor.save()  # still breaching: no second row
    feed(monitor, range(33, 34), 2)
    monitor.save()
    [row] = rows(context)
    assert row.cleared_at == T0 + timedelta(minutes=33) and row.acknowledged_by == shift.supervisor


def test_an_alert_acknowledged_before_it_was_saved_is_stored_once(context: Context, shift: ShiftInfo) -> None:
    monitor = QueueMonitor(waiting_only(context.config), context.db, lambda: shift, simulated=True)
    feed(monitor, range(31), 9)
    monitor.acknowledge(monitor.alerts[0].id, shift)  # the feed thread has not saved yet
    monitor.save()
    [row] = rows(context)
    assert row.acknowledged_by == shift.supervisor and row.simulated and row.cleared_at is None


def test_a_restarted_panel_shows_the_active_alerts_and_clears_them_later(context: Context, shift: ShiftInfo) -> None:
    supervisors.add_supervisor(context.db, "li", "李*四_|<b>", "123456")
    config = waiting_only(context.config)
    monitor = QueueMonitor(config, context.db, lambda: shift)
    feed(monitor, range(31), 9)
    feed(monitor, range(31, 32), 2)  # the first breach clears...
    feed(monitor, range(32, 63), 10)  # ...a second one fires at minute 62 and goes on
    monitor.save(final=True)
    assert [alert.active for alert in monitor.alerts] == [False, True]
    monitor.acknowledge(monitor.alerts[1].id, replace(shift, supervisor="li", supervisor_display="李*四_|<b>"))

    restarted = QueueMonitor(config, context.db, lambda: shift)
    restarted.restore()
    [alert] = restarted.view().alerts
    assert (alert.rule.key, alert.fired_at, alert.active) == ("waiting_8", T0 + timedelta(minutes=62), True)
    assert (alert.acknowledged_by, alert.acknowledged_by_display) == ("li", "李*四_|<b>")
    assert alert.as_json()["acknowledged_by"] == {"name": "li", "display_name": "李*四_|<b>"}
    assert alert.figures.waiting == 10

    feed(restarted, range(63, 100), 10)  # the breach goes on: it does not fire again
    restarted.save()
    assert len(rows(context)) == 2
    feed(restarted, range(100, 101), 1)
    restarted.save()
    assert [item.cleared_at for item in shift_alerts(context.db, shift.id)] == [
        T0 + timedelta(minutes=31),
        T0 + timedelta(minutes=100),
    ]
    assert shift_alerts(context.db, shift.id, active_only=True) == []
