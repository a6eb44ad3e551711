"""The Log screen: adding, paging, errors. What the screen shows and what the database holds."""

import pytest
from textual.widgets import DataTable, Input

from dutydesk.config import Config
from dutydesk.context import Context
from dutydesk.domain import log, shifts
from dutydesk.domain import log as domain_log
from dutydesk.domain.log import LogFilter
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.errors import StorageError
from dutydesk.store.db import Database
from dutydesk.tui.app import DutydeskApp
from dutydesk.tui.rows import HIGHLIGHT_STYLE
from dutydesk.tui.screens import log as log_screen

from .conftest import Notes, column_titles, screen_static, settle, table_rows


async def test_adding_an_entry_with_chosen_category_and_severity(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert screen_static(app, "#entry-kind") == "[Event · info]"
        await pilot.press(*"CTI down for team B")
        await pilot.press("f2", "f3", "f3")
        assert screen_static(app, "#entry-kind") == "[System status · ✖ critical]"
        await pilot.press("enter")
        await settle(pilot)

        entries = log.list_entries(context.db, LogFilter(shift_id=shift.id))
        assert [(e.text, e.category, e.severity, e.author) for e in entries] == [
            ("CTI down for team B", "system_status", "critical", "wang")
        ]
        rows = table_rows(app)
        assert rows[0][2:] == ["System status", "✖ critical", "王伟", "CTI down for team B"]
        assert column_titles(app) == ["#", "Time", "Category", "Severity", "Author", "Text"]
        assert app.screen.query_one("#quick-add", Input).value == ""
        assert screen_static(app, "#entry-kind") == "[Event · info]"
        assert "1 entry in shift" in screen_static(app, "#log-status")

        await pilot.press(*"callbacks resumed", "enter")
        await settle(pilot)
        assert [row[-1] for row in table_rows(app)] == ["callbacks resumed", "CTI down for team B"]
    assert log.count_entries(context.db, LogFilter(shift_id=shift.id)) == 2


async def test_chinese_and_markdown_characters_round_trip(app: DutydeskApp, context: Context, shift: ShiftInfo) -> None:
    typed = "接通率 78% | a*b _x_ # <b> `code`"
    pasted = "第一行：客户投诉\n第二行 | ** ## <br>"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*typed, "enter")
        await settle(pilot)
        app.screen.query_one("#quick-add", Input).value = pasted
        await pilot.press("enter")
        await settle(pilot)
        assert [row[-1] for row in table_rows(app)] == [pasted.replace("\n", "⏎"), typed]
        detail = screen_static(app, "#log-detail")
        assert detail.endswith(pasted)  # the full text, line break and all
    assert [e.text for e in log.list_entries(context.db)] == [pasted, typed]


async def test_empty_text_adds_nothing(app: DutydeskApp, context: Context, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "enter")
        await settle(pilot)
        assert table_rows(app) == []
    assert log.count_entries(context.db) == 0


async def test_a_refused_entry_keeps_the_typed_text(
    app: DutydeskApp, context: Context, shift: ShiftInfo, notes: Notes, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_shift = shifts.get_shift

    def closed_a_moment_ago(db: Database, shift_id: int) -> ShiftInfo:
        monkeypatch.setattr(shifts, "get_shift", read_shift)
        shifts.close_shift(db, shift_id)  # at another console, just before this write
        return read_shift(db, shift_id)

    monkeypatch.setattr(shifts, "get_shift", closed_a_moment_ago)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"late note", "enter")
        await settle(pilot)
        assert notes.errors() == [f"shift #{shift.id} is closed: its log cannot change"]
        assert app.screen.query_one("#quick-add", Input).value == "late note"
        assert app.is_running
    assert log.count_entries(context.db) == 0


async def test_a_database_error_is_one_line_and_keeps_the_text(
    app: DutydeskApp, context: Context, shift: ShiftInfo, notes: Notes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*args: object, **kwargs: object) -> None:
        raise StorageError("the database is busy (another console is writing to it); try again")

    monkeypatch.setattr(domain_log, "add_entries", locked)  # the screen imports it when it writes
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"queue 12 waiting", "enter")
        await settle(pilot)
        assert notes.errors() == ["the database is busy (another console is writing to it); try again"]
        assert app.screen.query_one("#quick-add", Input).value == "queue 12 waiting"
        assert app.is_running


async def test_long_shift_loads_a_page_at_a_time(
    app: DutydeskApp, context: Context, config: Config, shift: ShiftInfo
) -> None:
    for number in range(log_screen.PAGE_SIZE + 30):
        log.add_entry(context.db, config, shift, f"entry {number}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#log-table", DataTable)
        assert table.row_count == log_screen.PAGE_SIZE
        assert table_rows(app)[0][-1] == f"entry {log_screen.PAGE_SIZE + 29}"
        status = screen_static(app, "#log-status")
        assert f"{log_screen.PAGE_SIZE + 30} entries" in status and "m: older" in status
        await pilot.press("escape", "m")  # m is a key of the table, a letter in the entry line
        await settle(pilot)
        assert table.row_count == log_screen.PAGE_SIZE + 30
        assert table_rows(app)[-1][-1] == "entry 0"
        assert "m: older" not in screen_static(app, "#log-status")


async def test_number_keys_in_the_entry_line_are_text(app: DutydeskApp, context: Context, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"queue 12", "enter")
        await settle(pilot)
        assert app.screen.id == "log"
    assert [e.text for e in log.list_entries(context.db)] == ["queue 12"]


async def test_search_highlight_style_is_visible() -> None:
    # The highlight must differ from plain text in a way a monochrome terminal shows.
    assert HIGHLIGHT_STYLE.reverse or HIGHLIGHT_STYLE.bold


async def test_back_from_another_screen_typing_is_an_entry_again(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    """A new user went to the Follow-ups and back with `1`, typed "crm down", and `c` opened the
    correction dialog: back on the Log screen, the entry line has the focus again."""
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "5")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press(*"crm down")
        await settle(pilot)
        assert app.screen.id == "log"
        assert app.screen.query_one("#quick-add", Input).value == "crm down"
