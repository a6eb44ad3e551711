"""The Log screen's first page read with sqlite3 alone is exactly what the store reads; a file
it cannot read that way is left to the normal opening."""

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from tests.conftest import FrozenClock

from dutydesk.config import Config
from dutydesk.context import Context, open_context_for_tui
from dutydesk.domain import log, shifts, supervisors
from dutydesk.domain.log import LogFilter
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.domain.views import FirstPage, read_first_page
from dutydesk.store.db import Database

pytestmark = pytest.mark.sqlite_only("the first page is read from an SQLite file")


def path_of(db: Database) -> Path:
    assert db.path is not None
    return db.path


@pytest.mark.day_and_night
def test_the_first_page_is_what_the_store_reads(
    db: Database, config: Config, shift: ShiftInfo, frozen_clock: FrozenClock
) -> None:
    start = frozen_clock.now
    for number in range(4):
        log.add_entry(db, config, shift, f"entry {number}", at=start - timedelta(minutes=10 - number))
    corrected = log.add_entry(db, config, shift, "[bold]队列 3 等待 12 人[/]\n第二行", severity="critical")
    log.correct_entry(db, config, corrected.id, "队列 3 等待 13 人")
    log.add_entry(db, config, shift, "same minute", at=start - timedelta(minutes=10))  # ordered by time, then id

    page = read_first_page(path_of(db), config.center.team, limit=4)

    assert page == FirstPage(
        shifts.current_shift(db, home_team=config.center.team),
        log.list_entries(db, LogFilter(shift_id=shift.id), limit=4),
        log.count_entries(db, LogFilter(shift_id=shift.id)),
    )
    assert page.total == 7 and len(page.entries) == 4
    assert page.entries[1].superseded_by == page.entries[0].id  # the correction and what it corrects
    assert all(entry.at.utcoffset() == timedelta(0) for entry in page.entries)


def test_with_several_shifts_open_the_consoles_team_is_shown(
    db: Database, config: Config, shift: ShiftInfo, frozen_clock: FrozenClock
) -> None:
    supervisors.add_supervisor(db, "li", "李娜", "135790")
    other = shifts.open_shift(db, config, "li", team="B", new_team=True)
    log.add_entry(db, config, other, "team B's entry")

    mine = read_first_page(path_of(db), config.center.team, limit=10)
    theirs = read_first_page(path_of(db), "B", limit=10)
    nobodys = read_first_page(path_of(db), "C", limit=10)

    assert mine is not None and mine.shift == shift and mine.entries == []
    assert theirs is not None and theirs.shift == other and [e.text for e in theirs.entries] == ["team B's entry"]
    assert nobodys == FirstPage(None, [], 0)  # the app asks which shift, as with the store


def test_no_shift_open_is_a_page_too(db: Database, config: Config) -> None:
    assert read_first_page(path_of(db), config.center.team, limit=10) == FirstPage(None, [], 0)


def test_a_file_to_open_the_normal_way_is_not_read(db: Database, config: Config, tmp_path: Path) -> None:
    path = path_of(db)
    db.close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE dutydesk_meta SET value = '10' WHERE key = 'schema_version'")
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("a shopping list", encoding="utf-8")

    assert read_first_page(path, config.center.team, limit=10) is None  # to migrate first
    assert read_first_page(not_a_database, config.center.team, limit=10) is None
    assert read_first_page(tmp_path / "missing.db", config.center.team, limit=10) is None
    assert not (tmp_path / "missing.db").exists()  # read-only: nothing created


def test_the_tui_context_opens_its_database_later_or_at_once(context: Context, tmp_path: Path) -> None:
    later = open_context_for_tui(path_of(context.db), None, "en", page_size=10)
    new = open_context_for_tui(tmp_path / "new.db", None, "en", page_size=10)

    assert later.first_page == FirstPage(None, [], 0) and not later.db_is_open
    later.open_database()
    assert later.db_is_open and later.db.path == context.db.path
    assert new.first_page is None and new.db_is_open  # created (and migrated) as before
    later.db.close()
    new.db.close()
