"""Inserting a row unless its key exists: the one statement both dialects spell differently."""

from typing import Any

from sqlalchemy import Connection, Table


def insert_missing(connection: Connection, table: Table, **values: Any) -> None:
    """INSERT … ON CONFLICT DO NOTHING: the row exists afterwards, whoever inserted it."""
    # Imported here, the dialect in use only: loading SQLAlchemy's PostgreSQL dialect would slow
    # every start on SQLite.
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    connection.execute(insert(table).values(**values).on_conflict_do_nothing())
