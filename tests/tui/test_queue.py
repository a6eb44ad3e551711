"""The Queue screen: a surge drill raises an alert on screen and in the duty log."""

import asyncio
import time

import pytest
from textual.widgets import DataTable, Static

from dutydesk.context import Context
from dutydesk.domain.log import LogFilter, list_entries
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.tui.app import DutydeskApp, make_app
from dutydesk.tui.screens.queue import QueueScreen

from .conftest import text_of

FAST_SIM = "sim:seed=3,speed=600"  # 30 simulated minutes in about 3 s


@pytest.fixture
def drill_context(context: Context) -> Context:
    """A busy hour all day (the drill behaves the same at any hour) and no warm-up."""
    simulator = context.config.queue.simulator.model_copy(update={"profile": [1.2] * 24, "warm_up_min": 0})
    queue = context.config.queue.model_copy(update={"simulator": simulator})
    context.config = context.config.model_copy(update={"queue": queue})
    return context


def cells(app: DutydeskApp, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(table_id, DataTable)
    return [[cell.plain for cell in table.get_row_at(index)] for index in range(table.row_count)]


async def wait_for(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_the_panel_shows_queues_totals_and_agents(drill_context: Context, shift: ShiftInfo) -> None:
    app = make_app(drill_context, feed=FAST_SIM)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        assert isinstance(app.screen, QueueScreen)
        assert await wait_for(lambda: len(cells(app, "#queue-table")) == 4, 10)
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
        await pilot.press("t")
        await pilot.pause(1.2)
        assert "this 15-min interval" in text_of(app.screen.query_one("#queue-status", Static))
    assert not app.queue_feed.runner._thread.is_alive()  # the feed stops with the app


async def test_a_surge_drill_raises_an_alert_that_is_logged_acknowledged_and_opens_the_playbook(
    drill_context: Context, shift: ShiftInfo
) -> None:
    app = make_app(drill_context, feed=FAST_SIM)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await pilot.press("d")  # drills: surge is the first scenario
        await pilot.press("enter")
        assert app.queue_feed.runner.status().scenarios == ("surge",)

        def waiting_alerts() -> list[list[str]]:
            return [row for row in cells(app, "#queue-alerts") if row[2].startswith("all queues: waiting")]

        assert await wait_for(lambda: len(waiting_alerts()) > 0, 30), cells(app, "#queue-alerts")
        _fired, level, text, state = waiting_alerts()[-1]
        assert "Stop the callback service; all agents suspend breaks" in text
        assert "active" in state and "warning" in level

        def logged() -> list[str]:
            return [e.text for e in list_entries(drill_context.db, LogFilter(shift.id, "system_status", "warning"))]

        assert await wait_for(lambda: any(t.startswith("Queue alert (all queues): waiting") for t in logged()), 10)
        assert len([t for t in logged() if "waiting" in t and ">= 8" in t]) == 1  # once per breach

        app.screen.query_one("#queue-alerts", DataTable).focus()  # the oldest: waiting fired after abandons
        await pilot.press("end")
        await pilot.press("a")
        await pilot.pause(0.5)
        texts = [e.text for e in list_entries(drill_context.db, LogFilter(shift.id, None, None))]
        assert any(t.startswith("Queue alert acknowledged by 王伟") for t in texts)
        assert await wait_for(lambda: any("acknowledged by 王伟" in row[3] for row in cells(app, "#queue-alerts")), 5)

        await pilot.press("p")  # the suggested playbook, offered to start as an incident
        assert await wait_for(lambda: type(app.screen).__name__ == "StartIncidentScreen", 10)
        assert app.current_mode == "playbooks"
        assert app.screen_stack[-2].selected_key() == "playbook:peak_level_1"


async def test_a_broken_feed_file_is_counted_and_goes_stale(context: Context, shift: ShiftInfo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b'{"ts": "2026-11-26T10:00:00+08:00", "queue": "vip"}\n\xff\xfe\n')
    app = make_app(context, feed=f"file:{feed}")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        status = lambda: text_of(app.screen.query_one("#queue-status", Static))
        assert await wait_for(lambda: "2 feed warnings" in status() and "feed stale since" in status(), 8)
        assert "not UTF-8" in status()
        await pilot.press("d")
        assert isinstance(app.screen, QueueScreen)  # no drills without the simulator
