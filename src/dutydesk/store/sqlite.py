"""Everything SQLite-only lives here: pragmas, the FTS5 index, append-only triggers, backups.

A PostgreSQL database gets none of this; callers ask `Database.is_sqlite` first.
"""

import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Dialect, Float, Integer, Select, text
from sqlalchemy.types import TypeEngine
from sqlmodel.sql.sqltypes import UTCDateTime

from dutydesk.errors import DatabaseRefused
from dutydesk.i18n import _
from dutydesk.store.errors import storage_error
from dutydesk.store.quick_read import stored_utc
from dutydesk.textsearch import Phrase, fts_query, index_text

BUSY_TIMEOUT_MS = 5000
SQLITE_HEADER = b"SQLite format 3\x00"
META_TABLE = "dutydesk_meta"


def configure_connection(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    """Run on every new connection (SQLAlchemy 'connect' event)."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses no commit
    cursor.close()


def stored_schema_version(path: Path) -> int | None:
    """The schema version of an existing file, None for a new (missing or empty) one.

    Reads the file without changing it; anything that is not a dutydesk database is refused.
    """
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise DatabaseRefused(_("{path} is not a dutydesk database").format(path=path))
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            if not tables:
                return None
            if META_TABLE not in tables:
                raise DatabaseRefused(_("{path} is not a dutydesk database").format(path=path))
            row = connection.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise DatabaseRefused(
            _("{path} is damaged or unreadable ({reason}); it was left untouched").format(path=path, reason=error)
        ) from None
    if row is None or not str(row[0]).isdigit():
        raise DatabaseRefused(_("{path} has no valid schema version").format(path=path))
    return int(row[0])


def backup(path: Path, destination: Path) -> None:
    """A consistent copy of the database (SQLite's online backup), readable by us only."""
    destination.touch(mode=0o600, exist_ok=False)
    source = sqlite3.connect(path)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def install_search_and_guards(connection: Connection) -> None:
    """The FTS5 index over the duty log and the triggers that keep the log append-only.

    The index is contentless (it stores only terms) because what it indexes is the
    bigram form of each text, not the text itself; dutydesk fills it when it writes.
    """
    connection.execute(
        text("CREATE VIRTUAL TABLE log_search USING fts5(body, content='', tokenize='unicode61 remove_diacritics 2')")
    )
    rows = connection.execute(text("SELECT id, text FROM log_entry")).all()
    index_log_entries(connection, rows)
    for action in ("UPDATE", "DELETE"):
        connection.execute(
            text(
                f"CREATE TRIGGER log_entry_no_{action.lower()} BEFORE {action} ON log_entry "
                "BEGIN SELECT RAISE(ABORT, 'the duty log is append-only'); END"
            )
        )


def index_log_entries(connection: Connection, rows: Iterable[tuple[int, str]]) -> None:
    parameters = [{"id": entry_id, "body": index_text(body)} for entry_id, body in rows]
    if parameters:
        connection.execute(text("INSERT INTO log_search (rowid, body) VALUES (:id, :body)"), parameters)


# (entry_id, rank) of every log entry matching the FTS5 expression `:match`; lower rank is
# better. One statement for every search: only the parameter changes.
SEARCH_MATCHES = text("SELECT rowid AS entry_id, rank FROM log_search WHERE log_search MATCH :match").columns(
    entry_id=Integer, rank=Float
)


def search_parameters(phrases: Sequence[Phrase]) -> dict[str, object]:
    """What SEARCH_MATCHES needs to look for `phrases`."""
    return {"match": fts_query(phrases)}


@dataclass(frozen=True)
class _CompiledRead:
    """A select statement as sqlite3 runs it, with SQLAlchemy's conversions of its values."""

    sql: str
    parameters: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]  # name, default, to SQLite
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # column index, from SQLite

    @classmethod
    def of(cls, statement: Select[Any], dialect: Dialect) -> "_CompiledRead":
        compiled = statement.compile(dialect=dialect)
        binds = [compiled.binds[name] for name in compiled.positiontup or ()]
        results = [_from_sqlite(column.type, dialect) for column in statement.selected_columns]
        return cls(
            compiled.string,
            tuple((bind.key, bind.value, bind.type.dialect_impl(dialect).bind_processor(dialect)) for bind in binds),
            tuple((index, convert) for index, convert in enumerate(results) if convert is not None),
        )

    def values(self, given: Mapping[str, Any]) -> list[Any]:
        return [
            given.get(name, default) if convert is None else convert(given.get(name, default))
            for name, default, convert in self.parameters
        ]

    def row(self, stored: tuple[Any, ...]) -> tuple[Any, ...]:
        if not self.results:
            return stored
        row = list(stored)
        for index, convert in self.results:
            if row[index] is not None:  # NULL is None either way: no converter of this schema changes it
                row[index] = convert(row[index])
        return tuple(row)


class PreparedReader:
    """Runs select statements on a read-only connection of its own, each compiled once.

    For what a person waits on at typing pace (the log search): SQLAlchemy's execution of an
    already compiled statement costs ≈ 90 µs a call, 7× FTS5's own work to find a word in no
    entry. The connection cannot write (mode=ro) and sees every commit (autocommit: each
    statement reads the latest WAL snapshot); a lock lets worker threads share it. Values and
    rows are converted as SQLAlchemy would (times by the store's own parser, `_from_sqlite`),
    so callers get the same values.
    """

    def __init__(self, path: Path, dialect: Dialect) -> None:
        self.connection = sqlite3.connect(
            f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
        self.connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.dialect = dialect
        self.compiled: dict[Select[Any], _CompiledRead] = {}
        self.lock = threading.Lock()

    def rows(self, statement: Select[Any], parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of `statement`; keep the statement (build it once): it is compiled once."""
        compiled = self.compiled.get(statement) or self.compiled.setdefault(
            statement, _CompiledRead.of(statement, self.dialect)
        )
        values = compiled.values(parameters)
        try:
            with self.lock:
                stored = self.connection.execute(compiled.sql, values).fetchall()
        except sqlite3.Error as error:
            raise storage_error(error) from error
        return list(map(compiled.row, stored))

    def close(self) -> None:
        self.connection.close()


def _from_sqlite(column_type: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """What turns a column's value as sqlite3 reads it into the one SQLAlchemy gives: for a
    time, the store's own parser (SQLAlchemy's, wrapped by sqlmodel's UTCDateTime, costs six
    times as much: a search at typing pace turns up to a hundred); else SQLAlchemy's."""
    if isinstance(column_type, UTCDateTime):
        return stored_utc
    return column_type.dialect_impl(dialect).result_processor(dialect, None)
