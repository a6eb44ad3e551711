"""The shift's record as a hash chain: every written row of a chained table becomes one link.

Per team, links are numbered 1, 2, ... and each one's digest covers the row as written and
the digest before it (format in docs/handover-signing.md), so a signature over the chain's
head covers every row written before it. Writers call `append` once, in the transaction
that writes the row; the team's `chain_head` row serialises appends, so consoles writing at
the same time still make one chain (SQLite: the write lock the first INSERT takes;
PostgreSQL: the head row locked FOR UPDATE until commit).
"""

import hashlib
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Boolean, Connection, DateTime, Integer, Select, String, Table, TypeDecorator, and_, select
from sqlalchemy.types import TypeEngine
from sqlmodel import Session, SQLModel

from dutydesk.canonical import canonical_bytes, iso_utc
from dutydesk.store.tables import (
    ChainHead,
    ChainLink,
    FollowUpEvent,
    Handover,
    HandoverAnswer,
    Incident,
    IncidentEvent,
    LogEntry,
    QueueAlert,
    Shift,
    VerifyMark,
    table_of,
)
from dutydesk.store.upsert import insert_missing

LINK_FORMAT = "dutydesk.chain/1"
CENTER = ""  # the chain of rows that belong to no team
LINK = table_of(ChainLink)
HEAD = table_of(ChainHead)
SHIFT = table_of(Shift)
INCIDENT = table_of(Incident)
HANDOVER = table_of(Handover)

MARK = table_of(VerifyMark)
# The rows of the shift's record; the chain started (schema 7) with these.
RECORD: dict[str, Table] = {
    table.name: table
    for table in (
        table_of(LogEntry),
        table_of(QueueAlert),
        table_of(FollowUpEvent),
        table_of(IncidentEvent),
        table_of(HandoverAnswer),
    )
}
# Every chained table: the record, and verify's marks (so a mark moved by hand is a broken link).
CHAINED: dict[str, Table] = {**RECORD, MARK.name: MARK}


def append(connection: Connection, table: Table | type[SQLModel], row_id: int) -> None:
    """Chain row `row_id` of `table` as it now stands in this transaction (after its INSERT or UPDATE)."""
    table = table if isinstance(table, Table) else table_of(table)
    row = dict(connection.execute(select(table).where(table.c.id == row_id)).mappings().one())
    team = team_of(connection, table.name, row)
    seq, previous = lock_head(connection, team)
    content = link_content(team, seq + 1, table.name, row)
    digest = link_digest(content, previous)
    connection.execute(
        LINK.insert().values(
            team=team,
            seq=seq + 1,
            row_table=table.name,
            row_id=row_id,
            content=content,
            prev_digest=previous,
            digest=digest,
        )
    )
    connection.execute(HEAD.update().where(HEAD.c.team == team).values(seq=seq + 1, digest=digest))


def seal(session: Session, row: SQLModel) -> None:
    """Add (or update) an ORM row in `session` and `append` it: the one call a writer makes."""
    session.add(row)
    session.flush()
    append(session.connection(), type(row), row.id)  # type: ignore[attr-defined]


def lock_head(connection: Connection, team: str) -> tuple[int, str | None]:
    """The team's head, locked until this transaction ends: the INSERT takes SQLite's write lock
    (appends are then one at a time), FOR UPDATE the PostgreSQL row lock."""
    insert_missing(connection, HEAD, team=team, seq=0, digest=None)
    head = connection.execute(select(HEAD.c.seq, HEAD.c.digest).where(HEAD.c.team == team).with_for_update()).one()
    return head.seq, head.digest


def team_of(connection: Connection, table: str, row: Mapping[str, Any]) -> str:
    """Whose chain a row joins: the team of its shift, incident or handover; CENTER when it has none."""
    if table in ("log_entry", "queue_alert"):
        query = select(SHIFT.c.team).where(SHIFT.c.id == row["shift_id"])
    elif table == "incident_event":
        query = select(SHIFT.c.team).join(INCIDENT, INCIDENT.c.shift_id == SHIFT.c.id)
        query = query.where(INCIDENT.c.id == row["incident_id"])
    elif table == "handover_answer":
        query = select(HANDOVER.c.team).where(HANDOVER.c.id == row["handover_id"])
    elif table == MARK.name:
        return str(row["team"])
    else:
        return CENTER
    return connection.execute(query).scalar() or CENTER


def row_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's columns as canonical values (times in the canonical UTC form)."""
    return {name: iso_utc(value) if isinstance(value, datetime) else value for name, value in row.items()}


def link_content(team: str, seq: int, table: str, row: Mapping[str, Any]) -> str:
    return content_of_fields(team, seq, table, row_fields(row))


def content_of_fields(team: str, seq: int, table: str, fields: dict[str, Any]) -> str:
    """The link's canonical content, from a row's fields already in canonical form."""
    return content_of_row_json(team, seq, table, fields["id"], _json(fields))


def content_of_row_json(team: str, seq: int, table: str, row_id: int, row_json: str) -> str:
    """The link's canonical content around a row's canonical JSON: the keys of the link in
    their sorted order (format, row, row_id, seq, table, team), as `canonical_bytes` writes a dict."""
    return (
        f'{{"format":{_quoted(LINK_FORMAT)},"row":{row_json},"row_id":{_json(row_id)},"seq":{_json(seq)},'
        f'"table":{_quoted(table)},"team":{_quoted(team)}}}'
    )


def _json(value: Any) -> str:
    # An int's JSON is its repr (what the encoder writes): the common case, without the encoder.
    return repr(value) if type(value) is int else canonical_bytes(value).decode("utf-8")


@cache  # a few names (tables, teams, the format), quoted for thousands of links
def _quoted(text: str) -> str:
    return _json(text)


class StoredLink(NamedTuple):
    id: int
    team: str
    seq: int
    row_table: str
    row_id: int
    content: str
    prev_digest: str | None
    digest: str


def stored_links(connection: Connection) -> Iterator[StoredLink]:
    """Every link, per team in sequence order (plain driver rows: verification reads them all)."""
    columns = ", ".join(StoredLink._fields)
    yield from map(
        StoredLink._make, _driver_rows(connection, f"SELECT {columns} FROM chain_link ORDER BY team, seq, id")
    )


def links_between(connection: Connection, team: str, first: int, last: int | None = None) -> list[StoredLink]:
    """The team's links numbered `first` to `last` (None: to the end), in sequence order (plain driver
    rows: an export reads its shift's thousands of links)."""
    query = select(*(LINK.c[name] for name in StoredLink._fields)).where(LINK.c.team == team, LINK.c.seq >= first)
    if last is not None:
        query = query.where(LINK.c.seq <= last)
    return list(map(StoredLink._make, _driver_rows(connection, query.order_by(LINK.c.seq, LINK.c.id))))


def links_naming(connection: Connection, table: str, ids: Select[Any]) -> list[tuple[int, str | None, int | None]]:
    """Each row of `ids` (a query of ids of `table`'s rows) with the team and number of each link
    naming it, or (id, None, None) for a row no link names: one pass for what an export checks."""
    rows = ids.subquery()
    naming = rows.outerjoin(LINK, and_(LINK.c.row_table == table, LINK.c.row_id == rows.c.id))
    return _driver_rows(connection, select(rows.c.id, LINK.c.team, LINK.c.seq).select_from(naming))


def chained_teams(connection: Connection) -> list[str]:
    """Every team that has a chain (links or a head)."""
    query = select(LINK.c.team).distinct().union(select(HEAD.c.team))
    return sorted(connection.execute(query).scalars())


def _driver_rows(connection: Connection, statement: str | Select[Any]) -> list[tuple[Any, ...]]:
    """All rows of a SELECT as the database driver returns them (no per-row processing): for
    columns whose values need no conversion (integers, text). A Core select is compiled for the
    connection's dialect, its parameters passed in the driver's own style."""
    parameters: Sequence[Any] | Mapping[str, Any] = ()
    if not isinstance(statement, str):
        compiled = statement.compile(dialect=connection.dialect)
        values = compiled.construct_params()
        parameters = [values[name] for name in compiled.positiontup or ()] if compiled.positional else values
        statement = compiled.string
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement, parameters)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def stored_rows(connection: Connection, table: Table, ids: Collection[int] | None = None) -> Iterator[dict[str, Any]]:
    """The rows `ids` of a chained table (None: every row), their fields in canonical form, read fast.

    On SQLite straight from the driver: times as stored (SQLAlchemy writes UTC as
    '%Y-%m-%d %H:%M:%S.%f') turned into the canonical form by string, booleans from 0/1.
    """
    if ids is not None and not ids:
        return
    if connection.dialect.name != "sqlite":
        query = select(table) if ids is None else select(table).where(table.c.id.in_(ids))
        for stored in connection.execute(query).mappings():
            yield row_fields(dict(stored))
        return
    names = [column.name for column in table.c]
    times = [column.name for column in table.c if isinstance(stored_type(column.type), DateTime)]
    flags = [column.name for column in table.c if isinstance(stored_type(column.type), Boolean)]
    statement = f"SELECT {', '.join(names)} FROM {table.name}"
    if ids is not None:  # integers from the database itself: safe to write into the statement
        statement += f" WHERE id IN ({', '.join(str(int(row_id)) for row_id in ids)})"
    for values in _driver_rows(connection, statement):
        row = dict(zip(names, values, strict=True))
        for name in times:
            if isinstance(row[name], str):
                row[name] = _canonical_sqlite_time(row[name])
        for name in flags:
            if isinstance(row[name], int):
                row[name] = bool(row[name])
        yield row


def rendered_rows(
    connection: Connection, table: Table, ids: Collection[int] | None = None
) -> list[tuple[int, str | None]] | None:
    """The rows `ids` of a chained table (None: every row) as (id, the canonical JSON of the row's
    fields), the JSON built by SQLite itself (`json_object`): no Python object per row. None on
    another database (use `stored_rows`). The JSON is None for a row holding a value of another
    kind than its column's usual one (a time not in the form SQLAlchemy writes, a number stored
    as text, ...): such a row is for `stored_rows` and `row_fields` to judge.

    It only ever confirms a match: JSON text reads back as exactly one value, so this text equals
    the row part of a link's content only when the row holds the very values the link was made from.
    """
    if connection.dialect.name != "sqlite":
        return None
    if ids is not None and not ids:
        return []
    statement = _rendering_statement(table)
    if ids is not None:  # integers from the database itself: safe to write into the statement
        statement += f" WHERE id IN ({', '.join(str(int(row_id)) for row_id in ids)})"
    return [(row_id, row_json) for row_id, row_json in _driver_rows(connection, statement)]


@cache
def _rendering_statement(table: Table) -> str:
    """SELECT id, the row's canonical JSON when every value is of its column's usual kind, else NULL.

    Per column: (condition on the stored value, its canonical JSON value); the keys in sorted order,
    as `canonical_bytes` sorts them. A time is text in SQLAlchemy's form, made canonical by string
    (`_canonical_sqlite_time`'s fast path); a boolean is 0 or 1; NULL is null whatever the column.
    """
    parts: dict[str, tuple[str, str]] = {}
    for column in table.c:
        name = f'"{column.name}"'
        kind = stored_type(column.type)
        if isinstance(kind, DateTime):
            test = f"typeof({name}) = 'text' AND length({name}) = 26 AND substr({name}, 11, 1) = ' '"
            value = f"substr({name}, 1, 10) || 'T' || substr({name}, 12) || 'Z'"
        elif isinstance(kind, Boolean):
            test = f"typeof({name}) = 'integer' AND {name} IN (0, 1)"
            value = f"CASE {name} WHEN 1 THEN json('true') WHEN 0 THEN json('false') END"
        elif isinstance(kind, Integer):
            test, value = f"typeof({name}) = 'integer'", name
        elif isinstance(kind, String):
            test, value = f"typeof({name}) = 'text'", name
        else:
            raise TypeError(f"{table.name}.{column.name}: no SQL rendering for {kind!r}")
        parts[column.name] = (f"({name} IS NULL OR ({test}))", value)
    tests = " AND ".join(test for test, _value in parts.values())
    pairs = ", ".join(f"'{key}', {parts[key][1]}" for key in sorted(parts))
    return f"SELECT id, CASE WHEN {tests} THEN json_object({pairs}) END FROM {table.name}"


def stored_type(column_type: TypeEngine[Any]) -> TypeEngine[Any]:
    """The type a TypeDecorator (e.g. the UTC datetime of the tables) stores as."""
    return column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type


def canonical_time(value: datetime | str | None) -> str | None:
    """A time as the canonical text (`iso_utc`), from a datetime or from SQLite's stored text
    (read with `type_coerce(column, String)`: no datetime object made only to be hashed)."""
    return _canonical_sqlite_time(value) if isinstance(value, str) else iso_utc(value)


def _canonical_sqlite_time(stored: str) -> str:
    if len(stored) == 26 and stored[10] == " ":  # the form SQLAlchemy writes: the fast path
        return f"{stored[:10]}T{stored[11:]}Z"
    try:
        return iso_utc(datetime.fromisoformat(stored)) or stored
    except ValueError:  # not a time at all: compared as it is, so the change is named
        return stored


def link_digest(content: str, previous: str | None) -> str:
    """sha256(content ‖ the previous digest's 32 bytes); nothing after the first link's content."""
    return link_digests([content], previous)[0]


def link_digests(contents: Iterable[str], previous: str | None) -> list[str]:
    """The digests of links in sequence, each over its content and the digest before it (the
    first: `previous`): a verification hashes tens of thousands, chained as raw bytes here."""
    sha256, last, found = hashlib.sha256, bytes.fromhex(previous) if previous else b"", []
    for content in contents:
        last = sha256(content.encode("utf-8") + last).digest()
        found.append(last)
    return [digest.hex() for digest in found]


def chain_all(connection: Connection) -> None:
    """Chain every row already stored, oldest first per table (the migration that starts the chain)."""
    for table in RECORD.values():
        for row_id in connection.execute(select(table.c.id).order_by(table.c.id)).scalars():
            append(connection, table, row_id)
