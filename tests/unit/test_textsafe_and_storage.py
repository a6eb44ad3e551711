"""User text reaches the terminal as text; database failures leave the store as one-line StorageErrors."""

import sqlite3

import pytest
from sqlalchemy import text

from cli_runner import Cli
from dutydesk.errors import StorageError, UserError
from dutydesk.store.db import Database
from dutydesk.textsafe import safe

HOSTILE = "[/] [bold]x \x1b[2J\x1b]0;owned\x07 \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ \x9b"


def test_control_characters_are_escaped_newlines_and_tabs_kept() -> None:
    assert safe("a\x1b[2Jb\x07c") == "a\\x1b[2Jb\\x07c"
    assert safe("line one\n\tline two") == "line one\n\tline two"
    assert safe("\x9b\x7f\r") == "\\x9b\\x7f\\r"
    assert "\x1b" not in safe(HOSTILE) and "\x07" not in safe(HOSTILE)
    assert safe("[/] 王伟 [night lead]") == "[/] 王伟 [night lead]"  # brackets are not controls


def test_a_database_failure_is_a_storage_error_with_one_line(db: Database) -> None:
    with pytest.raises(StorageError) as raised, db.engine.connect() as connection:
        connection.execute(text("SELECT * FROM no_such_table"))
    assert isinstance(raised.value, UserError)
    message = str(raised.value)  # the server's own words for it differ from SQLite's
    assert message.startswith("database failure: ") and "no_such_table" in message and "\n" not in message


@pytest.mark.sqlite_only("a write lock held by another SQLite connection")
def test_a_locked_database_says_busy(db: Database) -> None:
    assert db.path is not None
    blocker = sqlite3.connect(db.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another console in the middle of a write
    try:
        with pytest.raises(StorageError, match="the database is busy"), db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")
            connection.execute(text("UPDATE dutydesk_meta SET value = value"))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_the_cli_shows_markup_and_control_characters_literally(on_duty: Cli) -> None:
    assert on_duty("log", "add", HOSTILE)[0] == 0
    assert on_duty("followup", "add", HOSTILE, "--kind", "ticket")[0] == 0
    for command in (("log", "list"), ("followup", "list"), ("followup", "show", "1"), ("shift", "list")):
        code, out, err = on_duty(*command)
        assert code == 0, err
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out, command
    out = on_duty.ok("followup", "show", "1")
    assert "[/] [bold]x \\x1b[2J\\x1b]0;owned\\x07" in out
