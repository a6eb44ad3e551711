"""The first frame comes before the storage stack: the shift and its newest entries read with
sqlite3, the database opened after it; what is typed meanwhile is written once it is open."""

import threading
from pathlib import Path

import pytest
from textual.widgets import DataTable

from dutydesk.context import Context, open_context_for_tui
from dutydesk.domain import log
from dutydesk.domain.log import LogFilter
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.domain.views import NewEntry
from dutydesk.errors import DatabaseRefused
from dutydesk.store import db as store_db
from dutydesk.store.db import Database
from dutydesk.tui.app import make_app
from dutydesk.tui.screens.log import PAGE_SIZE

from .conftest import screen_static, settle, table_rows
from .test_following import within


def database_held_shut(context: Context, monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, Context]:
    """A console's context on the test's database file, which the app's worker opens only
    once the returned event is set (the test looks at the first frame meanwhile)."""
    assert context.db.path is not None
    opened = threading.Event()
    open_database = store_db.open_database

    def held_open(target: str | Path) -> Database:
        opened.wait(timeout=60)
        return open_database(target)

    monkeypatch.setattr(store_db, "open_database", held_open)
    return opened, open_context_for_tui(context.db.path, None, "en", page_size=PAGE_SIZE)


@pytest.mark.sqlite_only("the first page is read from an SQLite file")
@pytest.mark.day_and_night
async def test_the_first_frame_needs_no_open_database_and_typing_ahead_lands_once(
    context: Context, shift: ShiftInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    log.add_entry(context.db, context.config, shift, "written before the console started")
    opened, tui_context = database_held_shut(context, monkeypatch)
    app = make_app(tui_context)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert not tui_context.db_is_open
            assert [row[-1] for row in table_rows(app)] == ["written before the console started"]
            assert f"Shift #{shift.id}" in screen_static(app, "#header-info")
            await pilot.press(*"typed early", "enter")
            await pilot.pause()
            assert not tui_context.db_is_open
            opened.set()
            await settle(pilot)
            assert tui_context.db_is_open
            # The entry is written once the database is open; on a loaded machine its row may
            # come a moment after the workers settle.
            await within(pilot, 30, lambda: len(table_rows(app)) == 2)
            shown = [row[-1] for row in table_rows(app)]
    finally:
        opened.set()
    assert shown == ["typed early", "written before the console started"]
    stored = log.list_entries(context.db, LogFilter(shift_id=shift.id))
    assert [entry.text for entry in stored] == ["typed early", "written before the console started"]
    tui_context.db.close()


@pytest.mark.sqlite_only("the first page is read from an SQLite file")
async def test_a_database_that_cannot_be_opened_after_the_first_frame_ends_the_app_with_one_line(
    context: Context, shift: ShiftInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(target: str | Path) -> Database:
        raise DatabaseRefused("the database is locked by a migration")

    monkeypatch.setattr(store_db, "open_database", refused)
    assert context.db.path is not None
    app = make_app(open_context_for_tui(context.db.path, None, "en", page_size=PAGE_SIZE))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
    assert app.return_code == 1
    assert app.crash_report is None


@pytest.mark.sqlite_only("the first page is read from an SQLite file")
async def test_the_rows_left_out_of_the_first_frame_follow_it_in_order(
    context: Context, shift: ShiftInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first frame holds as many rows as the terminal has lines; the rest of the page
    # follows from the same first page, before the database is open.
    texts = [f"entry {number}" for number in range(60)]
    log.add_entries(context.db, context.config, shift, [NewEntry(text, "event", "info") for text in texts])
    opened, tui_context = database_held_shut(context, monkeypatch)
    app = make_app(tui_context)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await within(pilot, 30, lambda: len(table_rows(app)) == len(texts))
            assert not tui_context.db_is_open
            shown = [row[-1] for row in table_rows(app)]
            cursor_row = app.screen.query_one("#log-table", DataTable).cursor_row
            opened.set()
            await settle(pilot)
    finally:
        opened.set()
    tui_context.db.close()
    assert shown == texts[::-1]
    assert cursor_row == 0  # on the newest entry, as when the whole page came at once
