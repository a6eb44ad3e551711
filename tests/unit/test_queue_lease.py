"""One writer per team: the lease, two monitors on one database, takeover, and replays
that overlap stored intervals (they replace, never add)."""

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from dutydesk.context import Context
from dutydesk.domain import lease
from dutydesk.domain.log import LogFilter, list_entries
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.queue.alerts import shift_alerts
from dutydesk.queue.model import Counters, Snapshot
from dutydesk.queue.monitor import WRITER_ROLE, QueueMonitor
from dutydesk.store.db import SCHEMA_VERSION, Database, open_database
from dutydesk.store.tables import QueueInterval

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
TTL = timedelta(seconds=20)


def test_a_lease_is_taken_renewed_refused_released_and_taken_over_on_expiry(db: Database) -> None:
    assert lease.hold(db, "A", "writer", "one", TTL, NOW)
    assert not lease.hold(db, "A", "writer", "two", TTL, NOW + timedelta(seconds=5))
    assert lease.hold(db, "A", "writer", "one", TTL, NOW + timedelta(seconds=15))  # renewed to 0:35
    assert not lease.hold(db, "A", "writer", "two", TTL, NOW + timedelta(seconds=34))
    assert lease.hold(db, "B", "writer", "two", TTL, NOW)  # another team: its own lease
    assert lease.holder_of(db, "A", "writer", NOW + timedelta(seconds=34)) == "one"
    assert lease.holder_of(db, "A", "writer", NOW + timedelta(seconds=35)) is None  # expired: one stopped renewing
    assert lease.hold(db, "A", "writer", "two", TTL, NOW + timedelta(seconds=35))
    lease.release(db, "A", "writer", "one")  # not the holder any more: changes nothing
    assert lease.holder_of(db, "A", "writer", NOW + timedelta(seconds=36)) == "two"
    lease.release(db, "A", "writer", "two")
    assert lease.holder_of(db, "A", "writer", NOW + timedelta(seconds=36)) is None


def test_of_many_consoles_taking_a_free_lease_at_once_exactly_one_wins(db: Database) -> None:
    results: list[bool] = []
    start = threading.Barrier(8)

    def take(name: str) -> None:
        start.wait()
        results.append(lease.hold(db, "A", "writer", name, TTL, NOW))

    threads = [threading.Thread(target=take, args=(f"console-{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def feed(shift: ShiftInfo, minutes: range, waiting: int = 5) -> list[Snapshot]:
    """Two snapshots a minute per queue, one call offered and answered each: 2 offered per
    queue-minute; 10 waiting in all, so "waiting ≥ 8 for 30 min" fires at 30:00."""
    start = shift.opened_at.replace(second=0, microsecond=0)
    return [
        Snapshot(
            start + timedelta(minutes=minute, seconds=second),
            queue,
            waiting,
            50.0,
            Counters(offered=1, answered=1, answered_within_sl=1),
        )
        for minute in minutes
        for second in (0, 30)
        for queue in ("inquiry", "vip")
    ]


def stored_offered(context: Context) -> dict[str, int]:
    with context.db.engine.connect() as connection:
        rows = connection.execute(
            select(QueueInterval.queue, func.sum(QueueInterval.offered)).group_by(QueueInterval.queue)
        ).all()
    return {queue: int(total) for queue, total in rows}


def test_two_monitors_on_one_database_store_each_interval_once(context: Context, shift: ShiftInfo) -> None:
    first = QueueMonitor(context.config, context.db, lambda: shift)
    second = QueueMonitor(context.config, context.db, lambda: shift)
    for snapshot in feed(shift, range(60)):  # the same feed to both consoles, saved as the runner does
        first.ingest(snapshot)
        second.ingest(snapshot)
        if snapshot.ts.second == 30 and snapshot.queue == "vip":
            first.save()
            second.save()
    assert (first.writer, second.writer) == (True, False)
    assert second.storing_console() == first.holder
    first.save(final=True)  # the first console stops: it stores its open intervals and lets go
    for snapshot in feed(shift, range(60, 75)):
        second.ingest(snapshot)
        second.save()
    second.save(final=True)
    assert second.writer
    assert stored_offered(context) == {"inquiry": 150, "vip": 150}  # 75 minutes × 2, not doubled
    alerts = shift_alerts(context.db, shift.id)
    assert [(a.rule, a.cleared_at) for a in alerts] == [("waiting_8", None)]  # one row, not one per console
    logged = [e.text for e in list_entries(context.db, LogFilter(shift.id, None, None))]
    assert len([text for text in logged if text.startswith("Queue alert (all queues)")]) == 1


def test_replaying_a_feed_over_stored_intervals_replaces_them(context: Context, shift: ShiftInfo) -> None:
    for _run in range(2):
        monitor = QueueMonitor(context.config, context.db, lambda: shift)
        for snapshot in feed(shift, range(40)):
            monitor.ingest(snapshot)
        monitor.save(final=True)
    assert stored_offered(context) == {"inquiry": 80, "vip": 80}
    assert len(shift_alerts(context.db, shift.id)) == 1
    logged = [e.text for e in list_entries(context.db, LogFilter(shift.id, None, None))]
    assert len([text for text in logged if text.startswith("Queue alert (all queues)")]) == 1
    # A restart that saw only the rest of an interval adds its part beside the stored one.
    rest = QueueMonitor(context.config, context.db, lambda: shift)
    for snapshot in feed(shift, range(40, 45)):
        rest.ingest(snapshot)
    rest.save(final=True)
    assert stored_offered(context) == {"inquiry": 90, "vip": 90}


def test_a_version_3_database_gets_the_lease_and_interval_spans(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    open_database(path).close()
    with sqlite3.connect(path) as connection:  # back to what version 3 had
        connection.execute("DROP TABLE lease")
        connection.execute("ALTER TABLE queue_interval DROP COLUMN first_ts")
        connection.execute("ALTER TABLE queue_interval DROP COLUMN last_ts")
        connection.execute("UPDATE dutydesk_meta SET value = '3' WHERE key = 'schema_version'")
    db = open_database(path)
    assert lease.hold(db, "A", WRITER_ROLE, "one", TTL, NOW)
    with sqlite3.connect(path) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(queue_interval)")]
        version = connection.execute("SELECT value FROM dutydesk_meta WHERE key = 'schema_version'").fetchone()[0]
    assert columns[-2:] == ["first_ts", "last_ts"] and version == str(SCHEMA_VERSION)
    db.close()


def test_a_replay_is_refused_while_a_panel_stores_the_team_s_figures(on_duty, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dutydesk.clock import utcnow

    path = tmp_path / "feed.jsonl"
    path.write_text(
        '{"ts": "2026-11-26T10:00:00+08:00", "queue": "vip", "waiting": 0, "longest_wait_s": 0, "offered": 1, '
        '"answered": 1, "abandoned": 0, "answered_within_sl": 1, "handle_time_s_total": 60, "wait_time_s_total": 3}\n'
    )
    on_duty.ok("queue", "replay", str(path))  # no panel runs: the replay stores, then lets go
    db = open_database(on_duty.db_path)
    with db.engine.connect() as connection:
        team = connection.exec_driver_sql("SELECT team FROM shift WHERE status = 'open'").scalar()
    assert lease.holder_of(db, team, WRITER_ROLE, utcnow()) is None
    assert lease.hold(db, team, WRITER_ROLE, "desk-2:4242:abc", timedelta(minutes=5), utcnow())
    db.close()
    code, _out, err = on_duty("queue", "replay", str(path))
    assert code == 1 and "another console (desk-2:4242) stores this team's queue figures" in err
