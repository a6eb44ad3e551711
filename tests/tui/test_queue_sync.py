"""The queue panel touches only what changed: an unchanged snapshot updates no cell, a
changed figure exactly its cell, a reordered table moves its rows without building them again."""

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import DataTable, Static

from dutydesk.context import Context
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.queue.runner import open_feed
from dutydesk.tui.app import make_app
from dutydesk.tui.screens.queue import QueueScreen, Shown, _sync
from dutydesk.tui.widgets.live_table import LiveTable

from .test_queue import wait_for

Rows = list[tuple[str, list[Text]]]


def rows(*lines: tuple[str, str, str]) -> Rows:
    """Fresh Text objects each time, as each refresh of the panel builds them."""
    return [(key, [Text(key), Text(waiting), Text(state)]) for key, waiting, state in lines]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LiveTable(cursor_type="row")


def record(table: DataTable[Text], calls: list[tuple[Any, ...]]) -> None:
    """Note every call that changes the table's rows or cells."""
    for name in ("update_cell", "add_row", "remove_row", "clear", "sort"):
        method = getattr(table, name)

        def noted(*args: Any, _method: Callable[..., Any] = method, _name: str = name, **kwargs: Any) -> Any:
            calls.append((_name, *[str(arg) if isinstance(arg, Text) else arg for arg in args]))
            return _method(*args, **kwargs)

        setattr(table, name, noted)


def shown(table: DataTable[Text]) -> list[list[str]]:
    return [[cell.plain for cell in table.get_row_at(index)] for index in range(table.row_count)]


def drawn(table: DataTable[Text]) -> list[list[str]]:
    """The table as drawn on screen (header, then rows), cell by cell."""
    lines = table.render_lines(Region(0, 0, table.size.width, table.row_count + 1))
    return [line.text.split() for line in lines]


async def test_only_changed_cells_are_updated_and_moved_rows_are_not_rebuilt() -> None:
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(DataTable)
        table.add_columns("Queue", "Waiting", "State")
        signatures: dict[str, Shown] = {}
        _sync(table, rows(("vip", "1", "ok"), ("billing", "2", "ok"), ("tech", "3", "ok")), signatures)
        table.move_cursor(row=1)  # on billing
        await pilot.pause()
        calls: list[tuple[Any, ...]] = []
        record(table, calls)

        _sync(table, rows(("vip", "1", "ok"), ("billing", "2", "ok"), ("tech", "3", "ok")), signatures)
        assert calls == []  # the same snapshot: nothing touched

        assert drawn(table)[1:] == [["vip", "1", "ok"], ["billing", "2", "ok"], ["tech", "3", "ok"]]
        _sync(table, rows(("vip", "1", "ok"), ("billing", "5", "ok"), ("tech", "3", "ok")), signatures)
        waiting = table.ordered_columns[1].key
        assert calls == [("update_cell", "billing", waiting, "5")]  # exactly the changed figure
        await pilot.pause()
        assert drawn(table)[1:] == [["vip", "1", "ok"], ["billing", "5", "ok"], ["tech", "3", "ok"]]
        # One more figure: drawn again, it shows, and so do the cells LiveTable kept drawn.
        _sync(table, rows(("vip", "1", "ok"), ("billing", "5", "ok"), ("tech", "4", "ok")), signatures)
        await pilot.pause()
        assert drawn(table) == [
            ["Queue", "Waiting", "State"],
            ["vip", "1", "ok"],
            ["billing", "5", "ok"],
            ["tech", "4", "ok"],
        ]

        calls.clear()
        _sync(table, rows(("tech", "4", "ok"), ("vip", "1", "ok"), ("billing", "5", "ok")), signatures)
        assert [call[0] for call in calls] == ["sort"]  # moved, not cleared and added again
        assert shown(table) == [["tech", "4", "ok"], ["vip", "1", "ok"], ["billing", "5", "ok"]]
        assert table.cursor_row == 2  # the cursor stayed on billing
        assert drawn(table)[1:] == shown(table)

        calls.clear()
        _sync(table, rows(("vip", "1", "ok"), ("billing", "5", "ok"), ("sales", "0", "ok")), signatures)
        assert sorted(call[:2] for call in calls) == [("add_row", "sales"), ("remove_row", "tech")]
        assert shown(table) == [["vip", "1", "ok"], ["billing", "5", "ok"], ["sales", "0", "ok"]]
        assert table.cursor_row == 1  # still billing, one row up
        assert drawn(table)[1:] == shown(table)


def snapshot(queue: str, waiting: int, at: str = "10:00:00") -> str:
    return json.dumps(
        {
            "ts": f"2026-11-26T{at}+08:00",
            "queue": queue,
            "waiting": waiting,
            "longest_wait_s": 5,
            "offered": 4,
            "answered": 3,
            "abandoned": 0,
            "answered_within_sl": 3,
            "handle_time_s_total": 600,
            "wait_time_s_total": 15,
        }
    )


@pytest.mark.day_and_night
async def test_a_refresh_of_the_same_figures_touches_no_cell_and_a_new_one_only_its_rows(
    context: Context, shift: ShiftInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(snapshot("vip", 1) + "\n" + snapshot("billing", 2) + "\n", encoding="utf-8")
    runner = open_feed(context.config, f"file:{feed}", context.db)
    app = make_app(context, runner=runner)
    updated: list[tuple[str, str]] = []
    texts: list[str | None] = []
    original_update_cell, original_update = LiveTable.update_cell, Static.update

    def update_cell(table: LiveTable, row_key: str, *args: Any, **kwargs: Any) -> None:
        updated.append((str(table.id), str(row_key)))
        original_update_cell(table, row_key, *args, **kwargs)

    def update(static: Static, *args: Any, **kwargs: Any) -> None:
        texts.append(static.id)
        original_update(static, *args, **kwargs)

    monkeypatch.setattr(LiveTable, "update_cell", update_cell)
    monkeypatch.setattr(Static, "update", update)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "3")
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        table = screen.queue_table
        assert await wait_for(lambda: table.row_count == 3)  # vip, billing, total
        await pilot.pause()
        updated.clear(), texts.clear()
        before = screen.refreshes
        screen.refresh_now()
        assert await wait_for(lambda: screen.refreshes > before)
        await pilot.pause()
        assert updated == [] and [text for text in texts if text and text.startswith("queue-")] == []

        with feed.open("a", encoding="utf-8") as file:
            file.write(snapshot("billing", 7, at="10:00:30") + "\n")
        assert await wait_for(lambda: ["billing", "7"] == [cell.plain for cell in table.get_row("billing")[:2]])
        queue_rows = {row for table_id, row in updated if table_id == "queue-table"}
        assert queue_rows == {"billing", "\0total"}  # vip's row is left alone


async def test_the_formula_help_opens_with_its_markdown(context: Context, shift: ShiftInfo) -> None:
    """Markdown is imported when the help opens, not when the app starts."""
    from textual.widgets import Markdown

    from dutydesk.tui.screens.queue import FormulaScreen

    app = make_app(context)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "3", "f")
        await pilot.pause()
        assert isinstance(app.screen, FormulaScreen)
        assert "Answer rate" in app.screen.query_one(Markdown).source
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


def test_starting_the_app_does_not_import_markdown() -> None:
    """pygments and markdown_it cost about 58 ms of start-up; only the help screens need them."""
    probe = "import sys, dutydesk.tui.app; print('markdown_it' in sys.modules or 'pygments' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert found.stdout.strip() == "False"


async def test_a_silent_feed_costs_no_refresh_until_a_snapshot_comes(
    context: Context, shift: ShiftInfo, tmp_path: Path
) -> None:
    """The timer goes on, but while the monitor and the feed's status stay the same no worker
    runs and nothing is built again; the next snapshot is shown at the next tick."""
    queue = context.config.queue.model_copy(update={"refresh_s": 0.1})
    context.config = context.config.model_copy(update={"queue": queue})
    feed = tmp_path / "feed.jsonl"
    feed.write_text(snapshot("vip", 1) + "\n", encoding="utf-8")
    app = make_app(context, runner=open_feed(context.config, f"file:{feed}", context.db))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "3")
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        assert await wait_for(lambda: screen.view is not None and screen.view.snapshots == 1)
        before = screen.refreshes
        await asyncio.sleep(1.0)  # ten ticks of the timer, nothing new
        assert screen.refreshes == before

        with feed.open("a", encoding="utf-8") as file:
            file.write(snapshot("vip", 6, at="10:00:30") + "\n")
        assert await wait_for(lambda: [cell.plain for cell in screen.queue_table.get_row("vip")[:2]] == ["vip", "6"])


async def test_a_row_or_cell_handed_in_again_as_the_same_object_is_not_compared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The queue table hands in the very cells of a queue whose figures did not change, the
    agent table the very name and state cells of an agent whose state did not."""
    from dutydesk.tui.screens import queue as screen_module

    compared: list[str] = []
    signature = screen_module._signature

    def noted(cell: Text) -> tuple[object, ...]:
        compared.append(cell.plain)
        return signature(cell)

    monkeypatch.setattr(screen_module, "_signature", noted)
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(DataTable)
        table.add_columns("Queue", "Waiting", "State")
        signatures: dict[str, Shown] = {}
        first = rows(("vip", "1", "ok"), ("billing", "2", "ok"))
        _sync(table, first, signatures)
        compared.clear()
        billing = rows(("billing", "5", "ok"))[0]
        _sync(table, [first[0], billing], signatures)  # vip the same list, billing built again
        await pilot.pause()
        assert compared == ["billing", "5", "ok"]
        compared.clear()
        name, _waiting, state = billing[1]
        _sync(table, [first[0], ("billing", [name, Text("6"), state])], signatures)  # the same Texts but one
        await pilot.pause()
        assert compared == ["6"]
        assert drawn(table)[1:] == [["vip", "1", "ok"], ["billing", "6", "ok"]]
