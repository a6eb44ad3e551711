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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, Select, create_engine, event, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlmodel import Session, SQLModel, col

from dutydesk import clock
from dutydesk.errors import DatabaseRefused
from dutydesk.i18n import _
from dutydesk.store import chain, postgres, sqlite
from dutydesk.store.errors import report_failures_as_storage_errors
from dutydesk.store.schema_version import SCHEMA_VERSION
from dutydesk.store.tables import Meta


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


def _add_missing_columns(connection: Connection, table_name: str, column_names: tuple[str, ...]) -> None:
    """Add the named columns of today's table definition that the table lacks: migration 3
    creates its tables from today's models, so a database migrated from version 2 has them."""
    table = SQLModel.metadata.tables[table_name]
    present = {column["name"] for column in inspect(connection).get_columns(table_name)}
    for name in (name for name in column_names if name not in present):
        column_type = table.c[name].type.compile(dialect=connection.dialect)
        connection.exec_driver_sql(f"ALTER TABLE {table_name} ADD COLUMN {name} {column_type}")


VERSION_4_TABLES = ("lease",)


def _add_lease_and_interval_spans(connection: Connection) -> None:
    """The lease table (one writer per team) and each stored queue interval's span."""
    SQLModel.metadata.create_all(connection, tables=[SQLModel.metadata.tables[name] for name in VERSION_4_TABLES])
    _add_missing_columns(connection, "queue_interval", ("first_ts", "last_ts"))


# Columns that came with schema version 5 (issue 19): who did what on an incident's
# timeline, whom an escalation reached, and steps skipped at closing.
VERSION_5_COLUMNS = {
    "incident_event": ("author", "contact", "channel", "role"),
    "incident_step": ("skipped_at", "skip_reason"),
}


def _add_incident_review_columns(connection: Connection) -> None:
    for table_name, column_names in VERSION_5_COLUMNS.items():
        _add_missing_columns(connection, table_name, column_names)


def _add_notification_outbox(connection: Connection) -> None:
    """The outbox of notices to send away from the console (issue 17)."""
    SQLModel.metadata.create_all(connection, tables=[SQLModel.metadata.tables["notification"]])


VERSION_7_TABLES = ("chain_link", "chain_head")


def _start_the_record_chain(connection: Connection) -> None:
    """Issue 12: the chain tables, signatures that name the chain heads they cover, and every
    row already stored chained (so what was written before the upgrade is sealed from now on)."""
    SQLModel.metadata.create_all(connection, tables=[SQLModel.metadata.tables[name] for name in VERSION_7_TABLES])
    _add_missing_columns(connection, "handover_signature", ("chain_heads",))
    chain.chain_all(connection)


# Tables that came with schema version 8.
VERSION_8_TABLES = ("log_link",)


def _add_anomaly_threads(connection: Connection) -> None:
    """Links between log entries: an anomaly is a thread from the entry raising it to the one resolving it."""
    tables = [SQLModel.metadata.tables[name] for name in VERSION_8_TABLES]
    SQLModel.metadata.create_all(connection, tables=tables)


def _add_server_search_and_guards(connection: Connection) -> None:
    """PostgreSQL gets what SQLite got in version 2: the search index and the append-only log."""
    if connection.dialect.name == "postgresql":
        postgres.install_search_and_guards(connection)


def _add_verify_marks(connection: Connection) -> None:
    """Issue 18: where each team's chain was last verified, so `verify` reads only what came after."""
    SQLModel.metadata.create_all(connection, tables=[SQLModel.metadata.tables["verify_mark"]])


def _add_carried_details(connection: Connection) -> None:
    """Issue 16: a carried-over row keeps its data (ids, codes, the user's own text), not only its sentence."""
    _add_missing_columns(connection, "handover_carried", ("details",))


# Migration N brings a database from version N-1 to N. Version 1 is the first schema.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    2: _add_search_index,
    3: _add_handover_incident_and_queue_tables,
    4: _add_lease_and_interval_spans,
    5: _add_incident_review_columns,
    6: _add_notification_outbox,
    7: _start_the_record_chain,
    8: _add_anomaly_threads,
    9: _add_server_search_and_guards,
    10: _add_verify_marks,
    11: _add_carried_details,
}


@dataclass
class Database:
    engine: Engine
    path: Path | None  # None for a server database
    schema_found: int | None = None  # a server database's schema version before it was opened
    prepared_reader: sqlite.PreparedReader | None = None  # an SQLite file's, for `read`

    @property
    def target(self) -> str:
        """What another process opens this database with: the file's path or the server's URL."""
        return str(self.path) if self.path is not None else self.engine.url.render_as_string(hide_password=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def index_log_entries(self, connection: Connection, rows: Sequence[tuple[int, str]]) -> None:
        """Add log entries to the full-text index, in the writer's transaction."""
        (sqlite if self.is_sqlite else postgres).index_log_entries(connection, rows)

    def read(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        """The rows of a statement the caller builds once and keeps, by the quickest way the backend has."""
        if self.prepared_reader is not None:
            return self.prepared_reader.rows(statement, parameters)
        with self.engine.connect() as connection:
            return connection.execute(statement, parameters).all()

    def close(self) -> None:
        if self.prepared_reader is not None:
            self.prepared_reader.close()
        self.engine.dispose()


def database_url(target: str | Path) -> tuple[URL, Path | None]:
    """A plain path becomes an SQLite URL; anything with '://' is used as an SQLAlchemy URL,
    with postgres:// and postgresql:// meaning the psycopg driver."""
    if "://" not in str(target):
        path = Path(target).expanduser().resolve()
        return make_url(f"sqlite:///{path}"), path
    if postgres.is_server_url(str(target)):
        return postgres.engine_url(str(target)), None
    try:
        url = make_url(str(target))
    except ArgumentError:
        raise _unusable_url(str(target)) from None
    return url, Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def _unusable_url(target: str) -> DatabaseRefused:
    return DatabaseRefused(
        _("dutydesk cannot use the database {target}: give a file path or postgresql://user@host/database").format(
            target=target
        )
    )


def open_database(target: str | Path, *, migrate_server: bool = False) -> Database:
    """Open (creating or migrating) a database. An SQLite file is migrated after a backup copy;
    a server database only with `migrate_server` (`dutydesk db migrate`, run by its owner)."""
    url, path = database_url(target)
    version = _prepare_sqlite_file(path) if path else None
    engine = _create_engine(url)
    database = Database(engine, path)
    try:
        if path is None:
            with engine.connect() as connection:
                version = _server_schema_version(connection)
            database.schema_found = _bring_server_up_to_date(database, version, migrate_server)
        else:
            _bring_up_to_date(database, version)
            database.prepared_reader = sqlite.PreparedReader(path, engine.dialect)
    except DBAPIError as error:
        engine.dispose()
        raise DatabaseRefused(
            _("cannot open the database {where}: {reason}").format(
                where=path or engine.url.render_as_string(hide_password=True),
                reason=str(error.orig).splitlines()[0],
            )
        ) from None
    except DatabaseRefused:
        engine.dispose()
        raise
    report_failures_as_storage_errors(engine)
    return database


def _create_engine(url: URL) -> Engine:
    try:
        if url.get_backend_name() == "sqlite":
            engine = create_engine(url)
            event.listen(engine, "connect", sqlite.configure_connection)
            return engine
        # pool_pre_ping: a connection the server dropped (a restart) is replaced, not failed.
        engine = create_engine(url, pool_pre_ping=True)
    except ImportError:
        if url.get_backend_name() == "postgresql":
            raise postgres.driver_missing() from None
        raise _unusable_url(url.render_as_string(hide_password=True)) from None
    except (NoSuchModuleError, ArgumentError):
        raise _unusable_url(url.render_as_string(hide_password=True)) from None
    if engine.dialect.name == "postgresql":
        event.listen(engine, "handle_error", postgres.explain_connection_failure)
    return engine


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


def _server_schema_version(connection: Connection) -> int | None:
    tables = inspect(connection).get_table_names()
    if not tables:
        return None
    if Meta.__tablename__ not in tables:
        raise DatabaseRefused(_("this database is not a dutydesk database"))
    value = connection.execute(select(col(Meta.value)).where(col(Meta.key) == "schema_version")).scalar_one_or_none()
    return int(value) if value and value.isdigit() else 0


def _bring_up_to_date(database: Database, version: int | None) -> None:
    if version == SCHEMA_VERSION:
        return
    _refuse_newer(version)
    if version is None:
        with database.engine.begin() as connection:
            _create_schema(connection)
        return
    assert database.path is not None  # a server database is migrated by migrate_server()
    stamp = clock.utcnow().strftime("%Y%m%dT%H%M%SZ")
    sqlite.backup(database.path, database.path.with_name(f"{database.path.name}.v{version}-{stamp}.bak"))
    with database.engine.begin() as connection:
        _migrate(connection, version)


def _refuse_newer(version: int | None) -> None:
    if version is not None and version > SCHEMA_VERSION:
        raise DatabaseRefused(
            _(
                "the database was made by a newer dutydesk (schema {found}, this one knows "
                "up to {known}): upgrade dutydesk to open it"
            ).format(found=version, known=SCHEMA_VERSION)
        )


def _create_schema(connection: Connection) -> None:
    SQLModel.metadata.create_all(connection)
    _add_search_index(connection)
    _add_server_search_and_guards(connection)
    _stamp(connection, SCHEMA_VERSION)


def _migrate(connection: Connection, version: int) -> None:
    for step in range(version + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[step](connection)
    _stamp(connection, SCHEMA_VERSION)


def _bring_server_up_to_date(database: Database, version: int | None, migrate: bool) -> int | None:
    """Create or migrate a server database in one transaction; the schema version it had.

    No backup file can be made of a server database, so the safety step is this: every console
    takes the same lock first and reads the version again under it, so one of them migrates and
    the others find the work done; a failure anywhere rolls the whole migration back.
    """
    if version == SCHEMA_VERSION:
        return version
    _refuse_newer(version)
    if version is not None and not migrate:
        raise DatabaseRefused(
            _(
                "the server database is at schema {found} and this dutydesk needs {known}: its owner runs "
                "`dutydesk --db URL db migrate` first (docs/postgresql.md)"
            ).format(found=version, known=SCHEMA_VERSION)
        )
    with database.engine.begin() as connection:
        postgres.lock_schema(connection)
        version = _server_schema_version(connection)
        _refuse_newer(version)
        if version is None:
            _create_schema(connection)
        elif version < SCHEMA_VERSION:
            _migrate(connection, version)
    return version


def _stamp(connection: Connection, version: int) -> None:
    table = SQLModel.metadata.tables[Meta.__tablename__]
    connection.execute(table.delete().where(table.c.key == "schema_version"))
    connection.execute(table.insert().values(key="schema_version", value=str(version)))
