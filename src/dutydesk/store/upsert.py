"""Inserting a row unless its key exists: the one statement both dialects spell differently."""

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_missing(connection: Connection, table: Table, **values: Any) -> None:
    """INSERT … ON CONFLICT DO NOTHING: the row exists afterwards, whoever inserted it."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())
