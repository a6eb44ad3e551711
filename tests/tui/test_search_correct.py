"""Searching every shift's log, and correcting an entry."""

import pytest
from rich.text import Text
from textual.widgets import Input, Static, TextArea

from dutydesk.config import Config
from dutydesk.context import Context
from dutydesk.domain import log
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.tui.app import DutydeskApp
from dutydesk.tui.rows import HIGHLIGHT_STYLE
from dutydesk.tui.screens.dialogs import CorrectEntryScreen
from dutydesk.tui.screens.log import LogScreen

from .conftest import Notes, column_titles, screen_static, settle, table_rows, text_cell, text_of


@pytest.fixture
def entries(context: Context, config: Config, shift: ShiftInfo) -> list[log.LogEntryView]:
    texts = ["CTI login slow for team B", "接通率下降到 78%，已通知备班坐席", "Power flicker, UPS fine"]
    return [log.add_entry(context.db, config, shift, text) for text in texts]


def highlighted(cell: Text) -> list[str]:
    return [cell.plain[span.start : span.end] for span in cell.spans if span.style == HIGHLIGHT_STYLE]


async def test_search_in_english_highlights_and_escape_returns(
    app: DutydeskApp, entries: list[log.LogEntryView]
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "slash")
        assert isinstance(app.screen.focused, Input) and app.screen.focused.id == "search"
        await pilot.press(*"login", "enter")
        await settle(pilot)
        rows = table_rows(app)
        assert len(rows) == 1 and rows[0][-1] == "CTI login slow for team B"
        assert "Shift" in column_titles(app)
        found = entries[0].at.astimezone(app.context.config.zone)
        assert rows[0][1] == f"{found:%Y-%m-%d %H:%M}"  # results come from many days: each says which
        assert highlighted(text_cell(app, 0)) == ["login"]
        assert screen_static(app, "#log-status").startswith("1 result for 'login'")

        await pilot.press("escape")
        await settle(pilot)
        assert len(table_rows(app)) == 3
        assert "Shift" not in column_titles(app)
        assert "3 entries in shift" in screen_static(app, "#log-status")
        assert not app.screen.has_class("-searching")


async def test_search_results_on_a_narrow_terminal_keep_room_for_the_text(
    app: DutydeskApp, entries: list[log.LogEntryView]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "slash", *"login", "enter")
        await settle(pilot)
        assert column_titles(app) == ["#", "Time", "Shift", "Severity", "Text"]  # the detail line names the rest
        assert table_rows(app)[0][-1] == "CTI login slow for team B"


async def test_search_in_chinese_highlights(app: DutydeskApp, entries: list[log.LogEntryView]) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "slash")
        app.screen.query_one("#search", Input).value = "接通率"
        await pilot.press("enter")
        await settle(pilot)
        rows = table_rows(app)
        assert [row[-1] for row in rows] == ["接通率下降到 78%，已通知备班坐席"]
        assert highlighted(text_cell(app, 0)) == ["接通率"]
        assert screen_static(app, "#log-status").startswith("1 result for '接通率'")


async def test_search_without_words_is_refused_and_stays(
    app: DutydeskApp, entries: list[log.LogEntryView], notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "slash", "enter")
        await settle(pilot)
        assert notes.errors() == ["the search has no words to look for"]
        assert len(table_rows(app)) == 3


async def test_correction_adds_a_superseding_entry_and_both_show(
    app: DutydeskApp, context: Context, entries: list[log.LogEntryView]
) -> None:
    original = entries[0]  # the oldest: the last row
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "ctrl+end", "c")
        await settle(pilot)
        assert isinstance(app.screen, CorrectEntryScreen)
        assert text_of(app.screen.query_one("#original", Static)) == original.text
        assert app.screen.query_one("#corrected", TextArea).text == original.text
        await pilot.press(*", fixed 10:05", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)

        texts = [row[-1] for row in table_rows(app)]
        correction = log.get_entry(context.db, original.id).superseded_by
        assert correction is not None
        assert f"↺ #{original.id} CTI login slow for team B, fixed 10:05" in texts
        assert f"CTI login slow for team B → #{correction}" in texts
    newer = log.get_entry(context.db, correction)
    assert newer.supersedes == original.id
    assert newer.text == "CTI login slow for team B, fixed 10:05"


async def test_escape_in_the_correction_dialog_saves_nothing(
    app: DutydeskApp, context: Context, entries: list[log.LogEntryView]
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "c")
        await settle(pilot)
        assert isinstance(app.screen, CorrectEntryScreen)
        await pilot.press(*" changed", "escape")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        assert len(table_rows(app)) == 3
    assert log.count_entries(context.db) == 3
    assert all(log.get_entry(context.db, e.id).superseded_by is None for e in entries)


async def test_a_corrected_entry_cannot_be_corrected_again(
    app: DutydeskApp, context: Context, config: Config, entries: list[log.LogEntryView], notes: Notes
) -> None:
    newest = entries[-1]
    newer = log.correct_entry(context.db, config, newest.id, "Power flicker, UPS on battery")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rows = table_rows(app)
        row = next(i for i, r in enumerate(rows) if r[0] == str(newest.id))
        await pilot.press("escape", *["down"] * row, "c")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        assert any(f"already corrected by #{newer.id}" in message for message, _ in notes.seen)
    assert log.count_entries(context.db) == 4


async def test_ctrl_j_adds_a_line_break_to_the_correction(
    app: DutydeskApp, context: Context, entries: list[log.LogEntryView]
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "c", "ctrl+j", *"IT ticket 4411", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
    newest_text = entries[-1].text
    assert [e.text for e in log.list_entries(context.db)][0] == newest_text + "\nIT ticket 4411"


async def test_r_resolves_the_selected_problem_with_a_note(
    app: DutydeskApp, context: Context, config: Config, shift: ShiftInfo
) -> None:
    from dutydesk.domain import threads

    problem = log.add_entry(context.db, config, shift, "CRM slow", category="system_status", severity="warning")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("escape", "r")
        await pilot.pause()
        await pilot.press(*"CRM back", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LogScreen)
        assert [row[-1] for row in table_rows(app)][0] == "CRM back"
    assert threads.open_threads(context.db, config, shift.team) == []
    [thread] = threads.team_threads(context.db, config, shift.team)
    assert thread.id == problem.id and thread.resolution is not None
