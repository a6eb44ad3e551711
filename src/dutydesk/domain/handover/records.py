"""Reading handovers: the stored rows of a record in bulk, and the views built from them."""

import json
from collections import defaultdict, namedtuple
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Result, String, func, or_, select, type_coerce
from sqlmodel import SQLModel, col

from dutydesk.domain.handover.views import DRAFT, INCOMING, CarriedView, HandoverView, ItemView, SignatureView
from dutydesk.domain.log import LogEntryView, LogFilter, list_entries
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.store.chain import stored_type
from dutydesk.store.db import Database
from dutydesk.store.tables import (
    Handover,
    HandoverAnswer,
    HandoverCarried,
    HandoverSignature,
    Shift,
    Supervisor,
    columns_of,
)


def get_handover(db: Database, handover_id: int) -> HandoverView:
    views = load_views(db, [handover_id])
    if not views:
        raise UserError(_("no handover #{id}").format(id=handover_id))
    return views[0]


def handover_of_shift(db: Database, shift_id: int) -> HandoverView | None:
    with db.engine.connect() as connection:
        found = connection.execute(select(col(Handover.id)).where(col(Handover.outgoing_shift_id) == shift_id)).scalar()
    return get_handover(db, found) if found is not None else None


def latest_handover(db: Database, team: str | None = None) -> HandoverView | None:
    query = select(col(Handover.id)).order_by(col(Handover.id).desc()).limit(1)
    if team is not None:
        query = query.where(col(Handover.team) == team)
    with db.engine.connect() as connection:
        found = connection.execute(query).scalar()
    return get_handover(db, found) if found is not None else None


def list_handovers(db: Database, limit: int = 50) -> list[HandoverView]:
    with db.engine.connect() as connection:
        query = select(col(Handover.id)).order_by(col(Handover.id).desc()).limit(limit)
        ids = [handover_id for handover_id in connection.execute(query).scalars() if handover_id is not None]
    return load_views(db, ids)


def load_views(db: Database, ids: list[int]) -> list[HandoverView]:
    return [view_of(rows) for rows in load_rows(db, ids)]


@dataclass
class Rows:
    """One handover as stored: plain tuples from Core selects (also what verification reads)."""

    handover: Any
    outgoing_supervisor: str | None  # None when the outgoing shift or its supervisor is missing
    answers: list[Any]
    carried: list[Any]
    signatures: list[Any]
    display_names: dict[str, str]  # every supervisor's shown name, by name


def load_rows(db: Database, ids: list[int] | None, *, times_as_stored: bool = False) -> list[Rows]:
    """The rows of the handovers `ids` (when None: every one that is, says or looks signed), in id
    order, in bulk. Outer joins: a record whose shift or supervisor is missing is still read.

    Core selects of plain rows (verification reads thousands of records); the columns keep
    the names of the table classes' fields, so code reads `row.note` either way. With
    `times_as_stored`, times are left as the driver reads them (SQLite: text), for
    `canonical_time`: verification only hashes them, it need not make datetimes of them.
    """
    wanted = (
        select(col(Handover.id)).where(col(Handover.id).in_(ids))
        if ids is not None
        else select(col(Handover.id)).where(
            or_(
                col(Handover.status) != DRAFT,
                col(Handover.signed_content).is_not(None),
                col(Handover.digest).is_not(None),
                col(Handover.id).in_(select(col(HandoverSignature.handover_id))),
            )
        )
    )
    handovers = (
        select(
            *_read(Handover, times_as_stored),
            col(Supervisor.name).label("outgoing_supervisor"),
            col(Shift.planned_end).label("outgoing_planned_end"),
        )
        .outerjoin(Shift, col(Handover.outgoing_shift_id) == Shift.id)
        .outerjoin(Supervisor, col(Shift.supervisor_id) == Supervisor.id)
        .where(col(Handover.id).in_(wanted.scalar_subquery()))
        .order_by(col(Handover.id))
    )
    children: dict[type, dict[int, list[Any]]] = {}
    with db.engine.connect() as connection:
        found = _named_tuples(connection.execute(handovers))
        for table in (HandoverAnswer, HandoverCarried, HandoverSignature):
            columns = columns_of(table)
            order = columns.id if table is HandoverSignature else columns.position
            query = select(*_read(table, times_as_stored)).where(columns.handover_id.in_(wanted.scalar_subquery()))
            grouped: dict[int, list[Any]] = defaultdict(list)
            for row in _named_tuples(connection.execute(query.order_by(columns.handover_id, order))):
                grouped[row.handover_id].append(row)
            children[table] = grouped
        people = connection.execute(select(col(Supervisor.name), col(Supervisor.display_name)))
        display_names = {name: shown for name, shown in people}
    return [
        Rows(
            row,
            row.outgoing_supervisor,
            children[HandoverAnswer][row.id],
            children[HandoverCarried][row.id],
            children[HandoverSignature][row.id],
            display_names,
        )
        for row in found
    ]


def _named_tuples(result: Result[Any]) -> list[Any]:
    """The rows as named tuples: a field of SQLAlchemy's Row is looked up by name on each read,
    a named tuple's by position (verification reads 11 fields of each of thousands of answers)."""
    make = namedtuple("Row", list(result.keys()), rename=True)._make  # type: ignore[attr-defined]
    return list(map(make, result.all()))


def _read(model: type[SQLModel], times_as_stored: bool) -> list[ColumnElement[Any]]:
    """A table's columns to select; with `times_as_stored`, its times untyped (read as the driver gives them)."""
    return [
        type_coerce(column, String).label(column.name)
        if times_as_stored and isinstance(stored_type(column.type), DateTime)
        else column
        for column in columns_of(model)
    ]


def view_of(rows: Rows) -> HandoverView:
    handover = rows.handover
    outgoing = rows.outgoing_supervisor or "?"
    return HandoverView(
        id=handover.id,
        team=handover.team,
        outgoing_shift_id=handover.outgoing_shift_id,
        outgoing_supervisor=outgoing,
        outgoing_display=rows.display_names.get(outgoing, outgoing),
        outgoing_planned_end=handover.outgoing_planned_end,
        incoming_shift_id=handover.incoming_shift_id,
        started_at=handover.started_at,
        status=handover.status,
        items=[
            ItemView(
                a.key,
                a.section_key,
                a.section_en,
                a.section_zh,
                a.label_en,
                a.label_zh,
                a.kind,
                a.required,
                a.status,
                a.note,
                a.answered_at,
            )
            for a in rows.answers
        ],
        carried=[
            CarriedView(
                c.position,
                c.item_key,
                c.source,
                c.ref,
                c.text,
                c.at,
                c.confirmed_at,
                _details(c.details),
            )
            for c in rows.carried
        ],
        signatures=[
            SignatureView(
                s.role, s.supervisor_name, rows.display_names.get(s.supervisor_name, s.supervisor_name), s.signed_at
            )
            for s in rows.signatures
        ],
    )


def _details(stored: str | None) -> dict[str, Any] | None:
    """A carried row's data; unreadable data (verification reports it) is none, never an error on screen."""
    try:
        details = json.loads(stored) if stored else None
    except ValueError:
        return None
    return details if isinstance(details, dict) else None


def log_since_last_handover(db: Database, handover: HandoverView) -> list[LogEntryView]:
    """The outgoing shift's log entries since the team's previous signed handover, oldest first."""
    query = (
        select(func.max(HandoverSignature.signed_at))
        .join(Handover, col(HandoverSignature.handover_id) == Handover.id)
        .where(
            col(Handover.team) == handover.team, col(Handover.id) < handover.id, col(HandoverSignature.role) == INCOMING
        )
    )
    with db.engine.connect() as connection:
        since = connection.execute(query).scalar()
    entries = list_entries(db, LogFilter(shift_id=handover.outgoing_shift_id, since=since))
    return list(reversed(entries))
