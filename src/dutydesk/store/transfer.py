"""Moving a center's record from one database to another (`dutydesk db copy`).

Every table is copied row for row, ids included, in one transaction on the target, so the
signed handovers, the chain of digests and every reference stay exactly as they were and a
failed copy leaves the target as empty as it found it. The target must hold no dutydesk data.
"""

from sqlalchemy import Connection, Table, select
from sqlmodel import SQLModel

from dutydesk.errors import DatabaseRefused
from dutydesk.i18n import _
from dutydesk.store import postgres
from dutydesk.store.db import Database
from dutydesk.store.tables import LogEntry, Meta

CHUNK_ROWS = 2000


def copied_tables() -> list[Table]:
    """Every table but the schema stamp, parents before the tables that refer to them."""
    return [table for table in SQLModel.metadata.sorted_tables if table.name != Meta.__tablename__]


def copy_database(source: Database, target: Database) -> dict[str, int]:
    """Copy every row of `source` into the empty `target`; the number of rows per table."""
    copied: dict[str, int] = {}
    with target.engine.begin() as writer, source.engine.connect() as reader:
        _refuse_non_empty(writer)
        for table in copied_tables():
            copied[table.name] = _copy_table(reader, writer, table, target)
        if not target.is_sqlite:
            postgres.finish_copy(writer, copied_tables())
    return copied


def _refuse_non_empty(writer: Connection) -> None:
    for table in copied_tables():
        if writer.execute(select(1).select_from(table).limit(1)).first() is not None:
            raise DatabaseRefused(
                _(
                    "the target database already holds dutydesk data (table {table}): copy only into an empty one"
                ).format(table=table.name)
            )


def _copy_table(reader: Connection, writer: Connection, table: Table, target: Database) -> int:
    rows = reader.execution_options(yield_per=CHUNK_ROWS).execute(select(table).order_by(*table.primary_key.columns))
    count = 0
    for chunk in rows.partitions():
        values = [row._asdict() for row in chunk]
        writer.execute(table.insert(), values)
        if table.name == LogEntry.__tablename__:
            target.index_log_entries(writer, [(value["id"], value["text"]) for value in values])
        count += len(values)
    return count
