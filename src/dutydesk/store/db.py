"""Opening the database: where it is, whether it is ours, and bringing its schema up to date.

Schema versions are a short ordered list of migration functions keyed on the version
stored in `dutydesk_meta`, not alembic: the schema is small, half of what needs
migrating (FTS5 tables, triggers) is SQLite-specific DDL alembic cannot model anyway,
and the version check must cost nothing at start-up. A new database is created from the
current tables and stamped with the latest version (the alembic cookbook's "create_all,
then stamp"); an older one is copied to a backup next to it, then migrated in one
transaction.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel

from dutydesk import clock
from dutydesk.errors import DatabaseRefused
from dutydesk.i18n import _
from dutydesk.store import sqlite
from dutydesk.store.errors import report_failures_as_storage_errors
from dutydesk.store.tables import Meta

SCHEMA_VERSION = 3


def _add_search_index(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        sqlite.install_search_and_guards(connection)


# Tables that came with schema version 3; each later version lists its own.
VERSION_3_TABLES = (
    "handover",
    "handover_answer",
    "handover_carried",
    "handover_signature",
    "signing_key",
    "pin_guard",
    "incident",
    "incident_step",
    "incident_event",
    "follow_up",
    "follow_up_event",
    "queue_interval",
    "queue_alert",
)


def _add_handover_incident_and_queue_tables(connection: Connection) -> None:
    tables = [SQLModel.metadata.tables[name] for name in VERSION_3_TABLES]
    SQLModel.metadata.create_all(connection, tables=tables)


# Migration N brings a database from version N-1 to N. Version 1 is the first schema.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    2: _add_search_index,
    3: _add_handover_incident_and_queue_tables,
}


@dataclass
class Database:
    engine: Engine
    path: Path | None  # None for a server database

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()


def database_url(target: str | Path) -> tuple[str, Path | None]:
    """A plain path becomes an SQLite URL; anything with '://' is used as an SQLAlchemy URL."""
    if "://" in str(target):
        url = make_url(str(target))
        path = Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
        return str(target), path
    path = Path(target).expanduser().resolve()
    return f"sqlite:///{path}", path


def open_database(target: str | Path) -> Database:
    url, path = database_url(target)
    version = _prepare_sqlite_file(path) if path else None
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", sqlite.configure_connection)
    database = Database(engine, path)
    try:
        if path is None:
            version = _server_schema_version(engine)
        _bring_up_to_date(database, version)
    except DBAPIError as error:
        engine.dispose()
        raise DatabaseRefused(
            _("cannot open the database {where}: {reason}").format(
                where=path or engine.url.render_as_string(hide_password=True),
                reason=str(error.orig).splitlines()[0],
            )
        ) from None
    report_failures_as_storage_errors(engine)
    return database


def _prepare_sqlite_file(path: Path) -> int | None:
    """Create a missing file (mode 0600) or read the version of an existing one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return None
    except OSError as error:
        raise DatabaseRefused(
            _("cannot create the database {path}: {reason}").format(path=path, reason=error.strerror)
        ) from None
    return sqlite.stored_schema_version(path)


def _server_schema_version(engine: Engine) -> int | None:
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        if not tables:
            return None
        if Meta.__tablename__ not in tables:
            raise DatabaseRefused(_("this database is not a dutydesk database"))
        value = connection.execute(select(Meta.value).where(Meta.key == "schema_version")).scalar_one_or_none()
    return int(value) if value and value.isdigit() else 0


def _bring_up_to_date(database: Database, version: int | None) -> None:
    if version == SCHEMA_VERSION:
        return
    if version is None:
        with database.engine.begin() as connection:
            SQLModel.metadata.create_all(connection)
            _add_search_index(connection)
            _stamp(connection, SCHEMA_VERSION)
        return
    if version > SCHEMA_VERSION:
        raise DatabaseRefused(
            _(
                "the database was made by a newer dutydesk (schema {found}, this one knows "
                "up to {known}): upgrade dutydesk to open it"
            ).format(found=version, known=SCHEMA_VERSION)
        )
    if database.path is not None:
        stamp = clock.utcnow().strftime("%Y%m%dT%H%M%SZ")
        sqlite.backup(database.path, database.path.with_name(f"{database.path.name}.v{version}-{stamp}.bak"))
    with database.engine.begin() as connection:
        for step in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](connection)
        _stamp(connection, SCHEMA_VERSION)


def _stamp(connection: Connection, version: int) -> None:
    table = Meta.__table__
    connection.execute(table.delete().where(table.c.key == "schema_version"))
    connection.execute(table.insert().values(key="schema_version", value=str(version)))
