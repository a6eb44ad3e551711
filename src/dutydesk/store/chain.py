"""The shift's record as a hash chain: every written row of a chained table becomes one link.

Per team, links are numbered 1, 2, ... and each one's digest covers the row as written and
the digest before it (format in docs/handover-signing.md), so a signature over the chain's
head covers every row written before it. Writers call `append` once, in the transaction
that writes the row; the team's `chain_head` row serialises appends, so consoles writing at
the same time still make one chain (SQLite: the write lock the first INSERT takes;
PostgreSQL: the head row locked FOR UPDATE until commit).
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlmodel import Session, SQLModel

from dutydesk.canonical import canonical_bytes, iso_utc, sha256_hex
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
)
from dutydesk.store.upsert import insert_missing

LINK_FORMAT = "dutydesk.chain/1"
CENTER = ""  # the chain of rows that belong to no team
LINK = ChainLink.__table__  # type: ignore[attr-defined]
HEAD = ChainHead.__table__  # type: ignore[attr-defined]
SHIFT = Shift.__table__  # type: ignore[attr-defined]
INCIDENT = Incident.__table__  # type: ignore[attr-defined]
HANDOVER = Handover.__table__  # type: ignore[attr-defined]

CHAINED: dict[str, Table] = {
    model.__tablename__: model.__table__  # type: ignore[attr-defined, misc]
    for model in (LogEntry, QueueAlert, FollowUpEvent, IncidentEvent, HandoverAnswer)
}


def append(connection: Connection, table: Table | type[SQLModel], row_id: int) -> None:
    """Chain row `row_id` of `table` as it now stands in this transaction (after its INSERT or UPDATE)."""
    table = table if isinstance(table, Table) else table.__table__  # type: ignore[attr-defined]
    row = connection.execute(select(table).where(table.c.id == row_id)).mappings().one()
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
    else:
        return CENTER
    return connection.execute(query).scalar() or CENTER


def row_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's columns as canonical values (times in the canonical UTC form)."""
    return {name: iso_utc(value) if isinstance(value, datetime) else value for name, value in row.items()}


def link_content(team: str, seq: int, table: str, row: Mapping[str, Any]) -> str:
    link = {
        "format": LINK_FORMAT,
        "team": team,
        "seq": seq,
        "table": table,
        "row_id": row["id"],
        "row": row_fields(row),
    }
    return canonical_bytes(link).decode("utf-8")


def link_digest(content: str, previous: str | None) -> str:
    """sha256(content ‖ the previous digest's 32 bytes); nothing after the first link's content."""
    return sha256_hex(content.encode("utf-8") + (bytes.fromhex(previous) if previous else b""))


def chain_all(connection: Connection) -> None:
    """Chain every row already stored, oldest first per table (the migration that starts the chain)."""
    for table in CHAINED.values():
        for row_id in connection.execute(select(table.c.id).order_by(table.c.id)).scalars():
            append(connection, table, row_id)
