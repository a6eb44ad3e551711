"""One truth about which queue alerts are live: the panel (the monitor), the status strip
(`desk_status`) and `alert list` (the stored rows) agree, whoever stores them and across
restarts; acknowledging takes a live alert; a drill's alert times are on the drill's clock."""

from datetime import timedelta

import pytest
from test_queue_alerts import T0, feed, waiting_only

from cli_runner import Cli
from conftest import FrozenClock
from dutydesk import clock
from dutydesk.config import Config
from dutydesk.context import Context
from dutydesk.domain import lease
from dutydesk.domain.log import LogFilter, list_entries
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.domain.status import desk_status
from dutydesk.errors import UserError
from dutydesk.queue.alerts import insert_alert, shift_alerts
from dutydesk.queue.metrics import figures
from dutydesk.queue.model import Counters, Snapshot
from dutydesk.queue.monitor import WRITER_LEASE, WRITER_ROLE, QueueMonitor
from dutydesk.queue.rules import Alert

DEAD_CONSOLE = "gone:4242:abcdef"  # a console that was killed without letting its lease go


def alert_counts(context: Context, *, drill: bool = True) -> list[int]:
    """What the status strip of a console running a drill (or a real feed) counts: unacknowledged live alerts."""
    items = desk_status(context.db, context.config, drill=drill).items
    return [item.count for item in items if item.code == "alerts"]


def firings_logged(context: Context, shift: ShiftInfo) -> list[str]:
    return [e.text for e in list_entries(context.db, LogFilter(shift.id, None, None)) if "Queue alert (" in e.text]


def test_an_alert_fired_while_a_dead_console_held_the_lease_is_stored_once_the_lease_is_free(
    context: Context, shift: ShiftInfo, frozen_clock: FrozenClock
) -> None:
    """The panel shows the alert from the start; the strip and `alert list` must show it as
    soon as this console may write, not never (its event used to be dropped)."""
    lease.hold(context.db, shift.team, WRITER_ROLE, DEAD_CONSOLE, WRITER_LEASE, clock.utcnow())
    monitor = QueueMonitor(waiting_only(context.config), context.db, lambda: shift, simulated=True)
    feed(monitor, range(31), 9)  # fires at 30:00
    monitor.save()
    assert monitor.writer is False and [alert.active for alert in monitor.view().alerts] == [True]
    assert shift_alerts(context.db, shift.id) == []  # another console stores: not yet

    frozen_clock.advance(WRITER_LEASE + timedelta(seconds=1))  # the dead console's lease runs out
    monitor.save()
    assert monitor.writer is True
    assert [(item.rule, item.fired_at, item.active) for item in shift_alerts(context.db, shift.id)] == [
        ("waiting_8", T0 + timedelta(minutes=30), True)
    ]
    assert alert_counts(context) == [1]
    assert len(firings_logged(context, shift)) == 1
    monitor.save()
    assert len(shift_alerts(context.db, shift.id)) == 1 and len(firings_logged(context, shift)) == 1


def test_a_restarted_panel_whose_alert_clears_before_it_may_write_clears_it_in_the_strip_too(
    context: Context, shift: ShiftInfo, frozen_clock: FrozenClock
) -> None:
    config = waiting_only(context.config)
    first = QueueMonitor(config, context.db, lambda: shift, simulated=True)
    feed(first, range(31), 9)
    first.save()  # stored, then the console is killed: no final save, the lease stays
    assert alert_counts(context) == [1]

    restarted = QueueMonitor(config, context.db, lambda: shift, simulated=True)
    restarted.restore()
    feed(restarted, range(31, 33), 2)  # the breach ends at once
    restarted.save()
    assert restarted.writer is False and [alert.active for alert in restarted.view().alerts] == [False]
    frozen_clock.advance(WRITER_LEASE + timedelta(seconds=1))
    restarted.save()
    assert alert_counts(context) == []  # the strip no longer counts what the panel shows as cleared
    assert shift_alerts(context.db, shift.id, active_only=True) == []


def test_a_long_active_alert_is_never_dropped_from_the_panel_by_newer_ones(config: Config) -> None:
    """More than the panel keeps fire and clear meanwhile: the oldest cleared ones go, the
    live one stays."""
    steady = config.queue.rules[0].model_copy(update={"key": "steady", "value": 1, "sustain_min": 0, "scope": "total"})
    flapping = steady.model_copy(update={"key": "flapping", "value": 8})
    rules = config.queue.model_copy(update={"rules": [steady, flapping]})
    monitor = QueueMonitor(config.model_copy(update={"queue": rules}), None)
    for minute in range(240):
        waiting = 9 if minute % 2 == 0 else 2
        monitor.ingest(Snapshot(T0 + timedelta(minutes=minute), "inquiry", waiting, 60.0, Counters()))
    alerts = monitor.view().alerts
    assert [alert.rule.key for alert in alerts if alert.active] == ["steady"]
    assert sum(alert.rule.key == "flapping" for alert in alerts) > 50


def test_the_strip_counts_only_the_console_s_shift_like_the_panel_and_alert_list(
    context: Context, shift: ShiftInfo
) -> None:
    """An alert stored without a shift (a replay before any shift was open) is neither on the
    panel nor in `alert list`: the strip does not count it either."""
    config = waiting_only(context.config)
    replayed = Alert(1, config.queue.rules[0], "", T0, 9.0, figures(Counters(), 9, 60.0, config.queue))
    with context.db.engine.begin() as connection:
        insert_alert(connection, replayed, None, False, None)
    assert alert_counts(context, drill=False) == []
    monitor = QueueMonitor(config, context.db, lambda: shift)
    feed(monitor, range(31), 9)
    monitor.save()
    assert alert_counts(context, drill=False) == [1]


def test_a_cleared_alert_is_not_acknowledged(context: Context, shift: ShiftInfo) -> None:
    monitor = QueueMonitor(waiting_only(context.config), context.db, lambda: shift)
    feed(monitor, range(31), 9)
    feed(monitor, range(31, 32), 2)
    monitor.save()
    [cleared] = monitor.view().alerts
    with pytest.raises(UserError, match="has cleared"):
        monitor.acknowledge(cleared.id, shift)
    assert [item.acknowledged_at for item in shift_alerts(context.db, shift.id)] == [None]
    assert not [e for e in list_entries(context.db, LogFilter(shift.id, None, None)) if "acknowledged" in e.text]


def test_a_drill_s_acknowledgement_is_on_the_drill_s_clock(context: Context, shift: ShiftInfo) -> None:
    """The simulator ran an hour ahead of the console's clock: the alert is acknowledged
    after it fired, at the drill's time, never before it."""
    ahead = clock.utcnow() + timedelta(hours=1) - T0
    monitor = QueueMonitor(waiting_only(context.config), context.db, lambda: shift, simulated=True)
    for minute in range(31):
        counters = Counters(offered=3, answered=2, abandoned=1)
        monitor.ingest(Snapshot(T0 + ahead + timedelta(minutes=minute), "inquiry", 9, 60.0, counters))
    monitor.save()
    [alert] = monitor.view().alerts
    acknowledged = monitor.acknowledge(alert.id, shift)
    assert acknowledged is not None and acknowledged.acknowledged_at == monitor.view().as_of
    [stored] = shift_alerts(context.db, shift.id)
    assert stored.fired_at <= stored.acknowledged_at  # type: ignore[operator]


def test_alert_ack_refuses_a_cleared_alert_and_times_a_drill_s_after_it_fired(
    context: Context, shift: ShiftInfo, cli: Cli
) -> None:
    config = waiting_only(context.config)
    monitor = QueueMonitor(config, context.db, lambda: shift, simulated=True)
    feed(monitor, range(31), 9)
    feed(monitor, range(31, 32), 2)  # the first clears
    ahead = clock.utcnow() + timedelta(hours=1) - T0  # the drill runs an hour ahead of the console
    for minute in range(31):
        monitor.ingest(Snapshot(T0 + ahead + timedelta(minutes=minute), "inquiry", 9, 60.0, Counters()))
    monitor.save()
    cleared, live = shift_alerts(context.db, shift.id)
    code, out, err = cli("alert", "ack", str(cleared.id))
    assert (code, out) == (1, "") and err.strip().endswith(
        f"queue alert #{cleared.id} has cleared: there is nothing to acknowledge"
    )
    assert len(err.strip().splitlines()) == 1
    cli.ok("alert", "ack", str(live.id))
    [_cleared, acknowledged] = shift_alerts(context.db, shift.id)
    assert acknowledged.acknowledged_at == acknowledged.fired_at  # not before it fired


def test_a_console_s_strip_counts_the_kind_of_alerts_its_panel_shows(context: Context, shift: ShiftInfo) -> None:
    """A drill's alert left firing (the drill's console was killed) is not on a live panel:
    a live console's strip does not count it; a drill's console shows and counts it."""
    config = waiting_only(context.config)
    drill = QueueMonitor(config, context.db, lambda: shift, simulated=True)
    feed(drill, range(31), 9)
    drill.save()
    live = QueueMonitor(config, context.db, lambda: shift)
    live.restore()
    assert live.view().alerts == [] and alert_counts(context, drill=False) == []
    resumed = QueueMonitor(config, context.db, lambda: shift, simulated=True)
    resumed.restore()
    assert len(resumed.view().alerts) == 1 and alert_counts(context, drill=True) == [1]
