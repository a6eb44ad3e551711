"""The Queue screen: a surge drill raises an alert on screen and in the duty log; without
a feed nothing runs and the screen says how to set one."""

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from rich.text import Text
from sqlalchemy import func, select
from textual.widgets import DataTable, Static

from conftest import FrozenClock
from dutydesk.context import Context
from dutydesk.domain.log import LogFilter, list_entries
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.store.tables import LogEntry, QueueInterval
from dutydesk.tui.app import DutydeskApp, make_app
from dutydesk.tui.screens.queue import QueueScreen

from .conftest import Notes, footer_descriptions, text_of

FAST_SIM = "sim:seed=3,speed=600"  # 30 simulated minutes in about 3 s


@pytest.fixture
def drill_context(context: Context) -> Context:
    """The simulator without its warm-up: the panel starts from an empty floor."""
    simulator = context.config.queue.simulator.model_copy(update={"warm_up_min": 0})
    queue = context.config.queue.model_copy(update={"simulator": simulator})
    context.config = context.config.model_copy(update={"queue": queue})
    return context


def cells(app: DutydeskApp, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(table_id, DataTable)
    return [[cell.plain for cell in table.get_row_at(index)] for index in range(table.row_count)]


# Generous: a wait ends as soon as its condition holds, and a loaded machine can stall the
# app (and the simulator's thread) for many seconds.
DEADLINE_S = 60.0


async def wait_for(condition: Callable[[], object]) -> bool:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.1)
    return False


@pytest.mark.day_and_night
async def test_the_panel_shows_queues_totals_and_agents(drill_context: Context, shift: ShiftInfo) -> None:
    app = make_app(drill_context, feed=FAST_SIM)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "3")
        assert isinstance(app.screen, QueueScreen)
        assert await wait_for(lambda: len(cells(app, "#queue-table")) == 4)
        await pilot.pause(1.5)
        rows = cells(app, "#queue-table")
        assert [row[0] for row in rows] == ["complaints", "inquiry", "vip", "Total"]
        assert rows[-1][1] == str(sum(int(row[1]) for row in rows[:-1]))  # waiting adds up
        totals = text_of(app.screen.query_one("#queue-totals", Static))
        assert "Waiting" in totals and "Erlang C" in totals
        assert any(symbol in totals for symbol in "✓▲✗")
        assert "available" in text_of(app.screen.query_one("#queue-agent-counts", Static))
        trends = text_of(app.screen.query_one("#queue-trends", Static))
        assert "Waiting, last hour" in trends and any(bar in trends for bar in "▁▂▃▄▅▆▇█")
        status = app.screen.query_one("#queue-status", Static).content
        assert isinstance(status, Text) and status.plain.startswith(" SIMULATOR — drill data, not live ")
        assert "on #ffaf00" in str(status.spans[0].style)  # a block of warning colour
        await pilot.press("t")
        await pilot.pause(1.2)
        assert "this 15-min interval" in text_of(app.screen.query_one("#queue-status", Static))
    assert not app.queue_feed.runner._thread.is_alive()  # the feed stops with the app


@pytest.mark.day_and_night
async def test_a_surge_drill_raises_an_alert_that_is_logged_acknowledged_and_opens_the_playbook(
    drill_context: Context, shift: ShiftInfo
) -> None:
    app = make_app(drill_context, feed=FAST_SIM)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "3")
        await pilot.press("d")  # drills: surge is the first scenario
        await pilot.press("enter")
        assert app.queue_feed.runner.status().scenarios == ("surge",)

        def is_waiting_warning(row: list[str]) -> bool:  # "waiting ≥ 8" (≥ 16 is critical), fired (not building)
            return row[2].startswith("all queues: waiting") and "warning" in row[1] and "fires in" not in row[3]

        def waiting_alerts() -> list[list[str]]:
            return [row for row in cells(app, "#queue-alerts") if is_waiting_warning(row)]

        assert await wait_for(lambda: len(waiting_alerts()) > 0), cells(app, "#queue-alerts")
        _fired, level, text, state = waiting_alerts()[-1]
        assert "Stop the callback service; all agents suspend breaks" in text
        # At 600x speed the queue can dip under 8 and breach again: active or cleared, both real.
        assert ("active" in state or "cleared" in state) and "warning" in level

        def logged() -> list[str]:
            return [e.text for e in list_entries(drill_context.db, LogFilter(shift.id, "system_status", "warning"))]

        def firings() -> list[str]:
            return [t for t in logged() if t.startswith("[SIM] Queue alert (all queues): waiting")]

        assert await wait_for(lambda: len(firings()) > 0)
        assert all(t.startswith("[SIM] ") for t in logged())  # a drill never reads like a real event
        # One log entry per breach, not one per snapshot: as many firings as waiting alerts.
        assert await wait_for(lambda: len(firings()) == len(waiting_alerts())), (firings(), waiting_alerts())

        alerts_table = app.screen.query_one("#queue-alerts", DataTable)
        alerts_table.focus()

        def waiting_warning_row() -> int:
            return next(i for i, row in enumerate(cells(app, "#queue-alerts")) if is_waiting_warning(row))

        alerts_table.move_cursor(row=waiting_warning_row())
        await pilot.press("a")

        def acknowledgement_logged() -> bool:
            texts = [e.text for e in list_entries(drill_context.db, LogFilter(shift.id, None, None))]
            return any(t.startswith("[SIM] Queue alert acknowledged by 王伟") for t in texts)

        assert await wait_for(acknowledgement_logged)
        # The row says "acknowledged by" while the alert is active, "cleared" once it is over:
        # at this speed either may show, so check the alert itself.
        monitor = app.queue_feed.runner.monitor
        assert await wait_for(lambda: any(a.acknowledged_by_display == "王伟" for a in monitor.alerts))

        # New alerts (the critical "waiting ≥ 16" among them) may have pushed the rows down
        # meanwhile: the cursor stays on the alert chosen.
        await pilot.press("p")  # the suggested playbook, offered to start as an incident
        assert await wait_for(lambda: type(app.screen).__name__ == "StartIncidentScreen")
        assert app.current_mode == "playbooks"
        assert app.screen_stack[-2].selected_key() == "playbook:peak_level_1"


async def test_a_broken_feed_file_is_counted_and_goes_stale(
    context: Context, shift: ShiftInfo, tmp_path: Path, frozen_clock: FrozenClock
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b'{"ts": "2026-11-26T10:00:00+08:00", "queue": "vip"}\n\xff\xfe\n')
    app = make_app(context, feed=f"file:{feed}")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape", "3")

        def status() -> str:
            return text_of(app.screen.query_one("#queue-status", Static))

        assert await wait_for(lambda: "2 feed warnings" in status())
        assert "stale" not in status()
        frozen_clock.advance(timedelta(minutes=1))  # no good snapshot for a minute
        assert await wait_for(lambda: "feed stale since" in status())
        assert "not UTF-8" in status()
        assert "SIMULATOR" not in status()  # only the simulator is marked
        await pilot.press("d")
        assert isinstance(app.screen, QueueScreen)  # no drills without the simulator


def row_counts(context: Context) -> tuple[int, int]:
    with context.db.engine.connect() as connection:
        return (
            connection.scalar(select(func.count()).select_from(LogEntry)) or 0,
            connection.scalar(select(func.count()).select_from(QueueInterval)) or 0,
        )


def feed_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "dutydesk-feed"]


async def test_without_a_feed_nothing_runs_and_the_screen_says_how_to_set_one(
    context: Context, shift: ShiftInfo
) -> None:
    assert context.config.queue.feed == ""  # the shipped default
    before = row_counts(context)
    app = make_app(context)
    seen = Notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.queue_feed.runner is None and feed_threads() == []
        await pilot.press("escape", "3")
        assert isinstance(app.screen, QueueScreen)
        message = text_of(app.screen.query_one("#queue-no-feed", Static))
        assert "No queue feed is configured" in message
        assert "queue.feed" in message and str(context.config_path) in message and "--feed" in message
        status = text_of(app.screen.query_one("#queue-status", Static))
        assert "no queue feed" in status and "stale" not in status
        assert not app.screen.query("#queue-table")  # no empty panel that could pass for a calm queue
        keys = footer_descriptions(app)
        assert "Formulas" in keys.values() and not {"Drill", "Acknowledge", "Span"} & set(keys.values())
        await pilot.press("d", "a", "t", "p")  # hidden keys do nothing
        await pilot.pause(3)
        assert isinstance(app.screen, QueueScreen) and app.current_mode == "queue"
        assert feed_threads() == []
        assert seen.seen == []  # no alerts, no "stale" warnings
    assert row_counts(context) == before  # nothing written to the log or the intervals


async def test_a_restarted_panel_shows_the_shift_s_active_alert_again(drill_context: Context, shift: ShiftInfo) -> None:
    import json
    from datetime import timedelta

    from sqlalchemy import insert

    from dutydesk.clock import utcnow
    from dutydesk.queue.alerts import shift_alerts
    from dutydesk.store.tables import QueueAlert

    fired = utcnow().replace(microsecond=0) - timedelta(minutes=5)
    with drill_context.db.engine.begin() as connection:  # what the panel stored before the restart
        connection.execute(
            insert(QueueAlert).values(
                shift_id=shift.id,
                rule="waiting_8",
                queue="",
                level="warning",
                fired_at=fired,
                cleared_at=None,
                acknowledged_by=shift.supervisor,
                acknowledged_at=fired + timedelta(minutes=1),
                figures=json.dumps({"waiting": 9, "answer_rate": 0.7}),
                simulated=True,
            )
        )
    app = make_app(drill_context, feed=FAST_SIM)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "3")
        local = fired.astimezone(drill_context.config.zone).strftime("%H:%M:%S")
        assert await wait_for(
            lambda: any(
                row[0] == local and row[2].startswith("all queues: waiting 9") for row in cells(app, "#queue-alerts")
            ),
        ), cells(app, "#queue-alerts")
        # The drill's queue is short: the first snapshot ends the breach, and the row says so.
        assert await wait_for(lambda: shift_alerts(drill_context.db, shift.id, active_only=True) == [])


async def test_a_rule_building_up_shows_its_countdown(context: Context, shift: ShiftInfo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Nine callers for 12:30: nothing fires, but the panel says the rule is building."""
    import json
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    feed = tmp_path / "feed.jsonl"
    lines = [
        {
            "ts": (start + timedelta(seconds=second)).isoformat(),
            "queue": "inquiry",
            "waiting": 9,
            "longest_wait_s": 60,
            "offered": 0,
            "answered": 0,
            "abandoned": 0,
            "answered_within_sl": 0,
            "handle_time_s_total": 0,
            "wait_time_s_total": 0,
        }
        for second in range(0, 12 * 60 + 31, 30)
    ]
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines))
    app = make_app(context, feed=f"file:{feed}")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "3")

        def building() -> list[list[str]]:
            return [row for row in cells(app, "#queue-alerts") if "waiting ≥ 8" in row[2]]

        assert await wait_for(lambda: bool(building()) and "12:30 of 30:00" in building()[0][2]), cells(
            app, "#queue-alerts"
        )
        _since, label, text, left = building()[0]
        assert text == "all queues: waiting ≥ 8 for 12:30 of 30:00"
        assert "early warning" in label and left == "fires in 17:30"
        assert "1 building" in text_of(app.screen.query_one("#queue-alert-title", Static))
        assert app.queue_feed.runner.monitor.alerts == []  # building writes nothing


async def test_repeated_t_never_piles_refreshes_up(context: Context, shift: ShiftInfo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """dolphie's pattern: one timer handle, stopped before a refresh the screen starts
    itself. A feed built by the test is handed to make_app."""
    from dutydesk.queue.runner import open_feed

    queue = context.config.queue.model_copy(update={"refresh_s": 0.5})
    context.config = context.config.model_copy(update={"queue": queue})
    feed = tmp_path / "feed.jsonl"
    line = (
        '{"ts": "2026-11-26T10:00:%02d+08:00", "queue": "vip", "waiting": %d, "longest_wait_s": 5, "offered": 1, '
        '"answered": 1, "abandoned": 0, "answered_within_sl": 1, "handle_time_s_total": 60, "wait_time_s_total": 5}\n'
    )
    feed.write_text(line % (0, 1))
    runner = open_feed(context.config, f"file:{feed}", context.db)
    app = make_app(context, runner=runner)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.queue_feed.runner is runner
        await pilot.press("escape", "3")
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        assert await wait_for(lambda: screen.refreshes > 0)
        before, started = screen.refreshes, time.monotonic()
        await asyncio.sleep(2.0)  # untouched and nothing new: at most the configured rate (2 a second)
        quiet, quiet_s = screen.refreshes - before, time.monotonic() - started
        assert quiet <= quiet_s / 0.5 + 1, (quiet, quiet_s)
        with feed.open("a", encoding="utf-8") as appended:  # the timer never stalled: news is shown
            appended.write(line % (1, 7))
        assert await wait_for(lambda: screen.view is not None and screen.view.total.window.waiting == 7)
        before, started = screen.refreshes, time.monotonic()
        for _press in range(12):
            await pilot.press("t")
            await asyncio.sleep(0.25)
        elapsed = time.monotonic() - started
        keyed = screen.refreshes - before
    # At most the configured rate plus one refresh per key; piled-up chains would add a chain a press.
    assert keyed <= elapsed / 0.5 + 12 + 1, (keyed, elapsed)


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_at_80x24_state_time_and_every_symbol_stay_on_screen(
    drill_context: Context, shift: ShiftInfo, language: str, request: pytest.FixtureRequest
) -> None:
    if language == "zh":
        request.getfixturevalue("zh")
    app = make_app(drill_context, feed=FAST_SIM)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape", "3")
        assert await wait_for(lambda: len(cells(app, "#queue-table")) == 4 and cells(app, "#queue-agents"))
        await pilot.pause(0.5)
        for table_id in ("#queue-table", "#queue-agents"):
            table = app.screen.query_one(table_id, DataTable)
            assert table.virtual_size.width <= table.scrollable_content_region.width, table_id  # nothing cut off
        total = cells(app, "#queue-table")[-1]
        assert sum(cell[-1:] in "✓▲✗" for cell in total) >= 4  # answer, abandon, SL, ASA … keep their symbols
        agent_titles = [
            str(column.label) for column in app.screen.query_one("#queue-agents", DataTable).columns.values()
        ]
        assert agent_titles[-2:] == (["State", "For"] if language == "en" else ["状态", "持续"])
        await pilot.resize_terminal(130, 40)
        await pilot.pause(0.5)
        titles = [str(c.label) for c in app.screen.query_one("#queue-table", DataTable).columns.values()]
        assert len(titles) == 11  # wide again: the counts are back


async def test_a_acknowledges_the_live_critical_alert_not_the_cleared_one_the_cursor_stayed_on(
    context: Context, shift: ShiftInfo, tmp_path: Path
) -> None:
    """The cursor stays on the alert chosen, so it moves down with it when it clears; a new
    critical alert fires above. `a` acknowledges the one still firing, never the cleared one."""
    from datetime import UTC, datetime

    from dutydesk.queue.model import Counters, Snapshot
    from dutydesk.queue.runner import open_feed

    warning = context.config.queue.rules[0].model_copy(update={"sustain_min": 0, "scope": "total"})
    critical = context.config.queue.rules[1].model_copy(update={"sustain_min": 0, "scope": "total"})
    queue = context.config.queue.model_copy(update={"rules": [warning, critical]})
    context.config = context.config.model_copy(update={"queue": queue})
    feed = tmp_path / "feed.jsonl"
    feed.write_text("")  # the test feeds the monitor itself
    runner = open_feed(context.config, f"file:{feed}", context.db, shift=lambda: shift)
    monitor = runner.monitor
    start = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)

    def waiting(minute: int, count: int) -> None:
        monitor.ingest(Snapshot(start + timedelta(minutes=minute), "inquiry", count, 60.0, Counters()))

    app = make_app(context, runner=runner)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "3")
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        waiting(0, 20)  # both rules fire
        assert await wait_for(lambda: len(cells(app, "#queue-alerts")) == 2)
        first_critical = next(a for a in monitor.alerts if a.rule.key == critical.key)
        screen.alert_table.focus()
        screen.alert_table.move_cursor(row=[r[1] for r in cells(app, "#queue-alerts")].index("✗ critical"))
        waiting(1, 10)  # the critical one clears: its row moves down, the cursor with it
        waiting(2, 20)  # and fires again: a new row on top
        assert await wait_for(lambda: len(cells(app, "#queue-alerts")) == 3)
        table = screen.alert_table
        under_cursor = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        assert under_cursor == str(first_critical.id) and not first_critical.active
        await pilot.press("a")
        live_critical = next(a for a in monitor.alerts if a.rule.key == critical.key and a.active)
        assert await wait_for(lambda: live_critical.acknowledged_at is not None)
        assert first_critical.acknowledged_at is None
        assert [a.acknowledged_at is None for a in monitor.alerts if a.rule.key == warning.key] == [True]


@pytest.mark.day_and_night
async def test_a_sped_up_drill_s_alerts_are_timed_by_the_drill_clock_the_header_shows(
    drill_context: Context, shift: ShiftInfo
) -> None:
    """At 600 times real speed the drill's clock runs far ahead of the console's: the header
    shows it, so no alert reads as fired after the time on screen."""
    from dutydesk import clock
    from dutydesk.tui.widgets.header import DutyHeader

    app = make_app(drill_context, feed="sim:seed=3,speed=600,scenario=surge")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "3")
        runner = app.queue_feed.runner
        assert await wait_for(lambda: len(runner.monitor.alerts) > 0)
        runner.stop()  # the drill's clock stands still from here
        drill = runner.monitor.now()
        assert drill > clock.utcnow() and all(alert.fired_at <= drill for alert in runner.monitor.alerts)
        app.screen.query_one(DutyHeader)._tick()
        zone = drill_context.config.zone
        shown = text_of(app.screen.query_one("#header-clock", Static))
        assert shown == f"drill {drill.astimezone(zone):%H:%M:%S}  {clock.utcnow().astimezone(zone):%H:%M:%S}"
