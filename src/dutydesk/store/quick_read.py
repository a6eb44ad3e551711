"""The Log screen's first page read with `sqlite3` alone, before SQLAlchemy is imported.

The TUI paints its first frame from this (the open shift and its newest entries) while the
storage stack loads in a worker. Only an SQLite file already at this dutydesk's schema is read
here; anything else (a new file, one to migrate, a server database) gets no reader and goes
the normal way. Rows have the shape of the store's own queries, times as aware UTC datetimes.
"""

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from dutydesk.store.schema_version import SCHEMA_VERSION

OPEN_SHIFTS = """
SELECT shift.id, shift.team, shift.slot_key, supervisor.name, supervisor.display_name, shift.status,
       shift.planned_start, shift.planned_end, shift.opened_at, shift.closed_at
FROM shift JOIN supervisor ON shift.supervisor_id = supervisor.id
WHERE shift.status = 'open'
"""
NEWEST_ENTRIES = """
SELECT entry.id, entry.at, entry.recorded_at, entry.category, entry.severity, entry.text,
       supervisor.name, supervisor.display_name, entry.shift_id, entry.supersedes_id, later.id
FROM log_entry AS entry
JOIN supervisor ON entry.author_id = supervisor.id
LEFT OUTER JOIN log_entry AS later ON later.supersedes_id = entry.id
WHERE entry.shift_id = ?
ORDER BY entry.at DESC, entry.id DESC
LIMIT ?
"""
SHIFT_TIMES = (6, 7, 8, 9)  # planned_start, planned_end, opened_at, closed_at in OPEN_SHIFTS
ENTRY_TIMES = (1, 2)  # at, recorded_at in NEWEST_ENTRIES


class QuickReader:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def open_shifts(self) -> list[tuple[Any, ...]]:
        """id, team, slot_key, supervisor's name and display name, status, the four times (`ShiftInfo`'s order)."""
        return [_with_times(row, SHIFT_TIMES) for row in self.connection.execute(OPEN_SHIFTS)]

    def newest_entries(self, shift_id: int, limit: int) -> list[tuple[Any, ...]]:
        """The shift's newest entries, in the columns of `dutydesk.domain.log.entries_query`."""
        rows = self.connection.execute(NEWEST_ENTRIES, (shift_id, limit))
        return [_with_times(row, ENTRY_TIMES) for row in rows]

    def count_entries(self, shift_id: int) -> int:
        (count,) = self.connection.execute("SELECT count(*) FROM log_entry WHERE shift_id = ?", (shift_id,)).fetchone()
        return int(count)


@contextmanager
def quick_reader(path: Path) -> Iterator[QuickReader | None]:
    """A read-only reader of the file; None when it is not a dutydesk database at this schema
    version (or no database at all). A read that fails in the `with` block ends it early,
    quietly: the normal opening then says what is wrong with the file."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:  # missing, or not readable
        yield None
        return
    try:
        yield QuickReader(connection) if _at_this_version(connection) else None
    except (sqlite3.Error, ValueError):
        return
    finally:
        connection.close()


def _at_this_version(connection: sqlite3.Connection) -> bool:
    try:
        row = connection.execute("SELECT value FROM dutydesk_meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error:  # not a database, or not dutydesk's
        return False
    return row is not None and row[0] == str(SCHEMA_VERSION)


def _with_times(row: Sequence[Any], columns: tuple[int, ...]) -> tuple[Any, ...]:
    """The row with its time columns (`stored_utc`) as aware datetimes, as the store reads them."""
    return tuple(
        stored_utc(value) if index in columns and value is not None else value for index, value in enumerate(row)
    )


def stored_utc(text: str) -> datetime:
    """A time as SQLite keeps it (UTC as text, '2026-05-04 10:30:00.000000'): an aware datetime,
    equal to what the store reads through SQLAlchemy. Parsed with its offset rather than given
    one after: `datetime.replace` costs five times the parse."""
    return datetime.fromisoformat(text + "+00:00")
