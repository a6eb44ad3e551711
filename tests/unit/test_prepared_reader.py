"""The log search's prepared path on SQLite: the same rows as SQLAlchemy, fresh, read-only."""

import sqlite3
from datetime import UTC, timedelta

import pytest
from sqlalchemy import column, select, table

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain import log
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.errors import StorageError
from dutydesk.store import sqlite
from dutydesk.store.db import Database, open_database
from dutydesk.store.tables import Shift, columns_of

pytestmark = pytest.mark.sqlite_only("the prepared reader is SQLite's; a server database reads through SQLAlchemy")


def test_a_search_finds_what_another_console_wrote_after_the_last_search(
    db: Database, config: Config, shift: ShiftInfo
) -> None:
    log.add_entry(db, config, shift, "sprinkler test in the server room")
    assert len(log.search(db, "sprinkler")) == 1
    assert db.path is not None
    other = open_database(db.path)
    try:
        log.add_entry(other, config, shift, "sprinkler valves checked")
    finally:
        other.close()
    assert [hit.entry.text for hit in log.search(db, "sprinkler")] == [
        "sprinkler valves checked",
        "sprinkler test in the server room",
    ]


def test_the_prepared_reader_gives_the_rows_and_types_sqlalchemy_gives(
    db: Database, config: Config, shift: ShiftInfo
) -> None:
    for text in ("CRM login slow", "CRM 登录缓慢", "callbacks late, CRM down"):
        log.add_entry(db, config, shift, text, category="system_status")
    now = clock.utcnow()
    log_filter = log.LogFilter(
        shift_id=shift.id,
        category="system_status",
        since=now - timedelta(hours=1),
        until=now + timedelta(hours=1),
    )
    statement = log._search_statement(sqlite.SEARCH_MATCHES, tuple(log_filter.values()))
    parameters = {"match": '"crm"*', "limit": 50} | log_filter.values()
    assert db.prepared_reader is not None
    quick = db.prepared_reader.rows(statement, parameters)
    with db.engine.connect() as connection:
        through_sqlalchemy = [tuple(row) for row in connection.execute(statement, parameters)]
    assert len(quick) == 3
    assert quick == through_sqlalchemy
    assert all(row[1].tzinfo is UTC and row[2].tzinfo is UTC for row in quick)  # aware UTC, like SQLAlchemy's


def test_a_time_that_is_null_reads_as_none(db: Database, shift: ShiftInfo) -> None:
    statement = select(columns_of(Shift).closed_at, columns_of(Shift).opened_at)
    assert db.prepared_reader is not None
    quick = db.prepared_reader.rows(statement, {})
    with db.engine.connect() as connection:
        assert quick == [tuple(row) for row in connection.execute(statement)]
    assert quick == [(None, shift.opened_at)]


def test_the_prepared_reader_cannot_write(db: Database) -> None:
    assert db.prepared_reader is not None
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.prepared_reader.connection.execute("DELETE FROM log_entry")


def test_a_failed_prepared_read_is_a_storage_error(db: Database) -> None:
    assert db.prepared_reader is not None
    missing = select(column("x")).select_from(table("no_such_table", column("x")))
    with pytest.raises(StorageError, match="no such table"):
        db.prepared_reader.rows(missing, {})
