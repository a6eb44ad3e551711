"""Inserting a row unless its key exists: the one statement both dialects spell differently."""

from typing import Any

from sqlalchemy import Connection, Insert, Table


def insert_missing(connection: Connection, table: Table, **values: Any) -> None:
    """INSERT … ON CONFLICT DO NOTHING: the row exists afterwards, whoever inserted it."""
    # The dialect in use only, imported here: loading SQLAlchemy's PostgreSQL dialect would slow
    # every start on SQLite.
    statement: Insert
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    connection.execute(statement)
