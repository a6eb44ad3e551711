"""The shift summary's data: everything the export shows, gathered once as plain values.

`gather_summary()` reads each feature through its domain module's public functions (and,
where a module has no query for "what happened during this shift", a small Core select
of its table here). Sections render from this object alone, so they are easy to test and
to reorder. Every list may be empty: the section then says so in one line.
"""

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import cached_property
from typing import cast

from sqlalchemy import or_, select
from sqlmodel import col

from dutydesk import clock, collector
from dutydesk.config import Config
from dutydesk.domain import handover as handovers
from dutydesk.domain import incidents
from dutydesk.domain.followups import CLOSED, FollowUpView
from dutydesk.domain.handover import HandoverView, RecordSeal
from dutydesk.domain.incidents import IncidentView
from dutydesk.domain.log import LogEntryView, LogFilter, list_entries
from dutydesk.domain.shifts import ShiftInfo, chosen_shift
from dutydesk.domain.supervisors import list_supervisors
from dutydesk.queue.alerts import StoredAlert, shift_alerts
from dutydesk.queue.metrics import Figures, figures
from dutydesk.queue.model import COUNTER_FIELDS, Counters
from dutydesk.store.db import Database
from dutydesk.store.tables import (
    FollowUp,
    Handover,
    HandoverSignature,
    Incident,
    QueueInterval,
    Shift,
    columns_of,
)


@dataclass(frozen=True)
class QueueFigures:
    """The shift's figures from its stored 15-min intervals."""

    total: Figures
    queues: list[tuple[str, Figures]]  # by queue name
    peak_start: datetime  # the interval with the most calls offered, all queues together
    peak: Figures
    intervals: int  # distinct interval starts
    simulated: bool  # some of them come from the simulator (a drill), not a live feed


@dataclass(frozen=True)
class FollowUpLists:
    opened: list[FollowUpView]  # created during the shift
    closed: list[FollowUpView]  # closed during the shift
    still_open: list[FollowUpView]  # not closed when the shift ended: the carry-over list


@dataclass(frozen=True)
class HandoverRecord:
    view: HandoverView
    digest: str | None  # the record digest, once both have signed
    signature_digests: dict[str, str]  # role -> the digest that role signed


@dataclass(frozen=True)
class ShiftSummary:
    config: Config
    shift: ShiftInfo
    exported_at: datetime  # aware UTC
    entries: list[LogEntryView]  # every entry of the shift, corrected ones too, oldest first
    figures: QueueFigures | None  # None: no intervals stored for the shift
    alerts: list[StoredAlert]  # the queue alerts that fired, oldest first
    incidents: list[IncidentView]
    followups: FollowUpLists
    handover: HandoverRecord | None  # the handover this shift gave (None: not started)
    display_names: dict[str, str]  # supervisor name -> display name
    seal: RecordSeal  # this shift's part of the record verified at export (not the history), and the anchor

    @property
    def seal_problems(self) -> list[str]:
        """Why this shift's record does not verify (empty: it does)."""
        return self.seal.problems_of(self.handover.view.id if self.handover else None)

    @cached_property
    def first_day(self) -> date:
        """The day the shift was planned to start, in the center's zone."""
        return self.shift.planned_start.astimezone(self.config.zone).date()

    @property
    def ends_at(self) -> datetime:
        """The end of the span the summary covers: the close, or the export for an open shift."""
        return self.shift.closed_at or self.exported_at


def gather_summary(
    db: Database,
    config: Config,
    shift_id: int | None = None,
    *,
    now: datetime | None = None,
) -> ShiftSummary:
    """The summary of shift `shift_id`, else of this console's team's open shift, else of the
    open or last closed shift of any team."""
    shift = chosen_shift(db, shift_id, home_team=config.center.team)
    now = now or clock.utcnow()
    end = shift.closed_at or now
    with collector.paused():  # a long shift's thousands of entries: no collection finding nothing
        entries = list_entries(db, LogFilter(shift_id=shift.id))
    entries.reverse()  # list_entries gives newest first
    return ShiftSummary(
        config=config,
        shift=shift,
        exported_at=now,
        entries=entries,
        figures=queue_figures(db, config, shift.id),
        alerts=shift_alerts(db, shift.id),
        incidents=incidents_during(db, shift.team, shift.opened_at, end),
        followups=followups_during(db, shift.opened_at, end),
        handover=handover_record(db, shift.id),
        display_names={s.name: s.display_name for s in list_supervisors(db)},
        seal=handovers.seal_of_shift(db, shift.id),
    )


# -- queue figures ----------------------------------------------------------------------------


def queue_figures(db: Database, config: Config, shift_id: int) -> QueueFigures | None:
    """The shift's stored intervals summed per queue, per interval start and in total."""
    table = columns_of(QueueInterval)
    query = select(table.queue, table.start, *(table[name] for name in COUNTER_FIELDS), table.simulated).where(
        table.shift_id == shift_id
    )
    with db.engine.connect() as connection:
        rows = connection.execute(query).all()
    if not rows:
        return None
    total = Counters()
    per_queue: defaultdict[str, Counters] = defaultdict(Counters)
    per_start: defaultdict[datetime, Counters] = defaultdict(Counters)
    for row in rows:
        counters = Counters(*row[2:-1])
        for bucket in (total, per_queue[row.queue], per_start[row.start]):
            bucket.add(counters)
    settings = config.queue
    peak_start = max(per_start, key=lambda start: (per_start[start].offered, -start.timestamp()))
    return QueueFigures(
        total=figures(total, 0, 0.0, settings),
        queues=[(name, figures(per_queue[name], 0, 0.0, settings)) for name in sorted(per_queue)],
        peak_start=peak_start,
        peak=figures(per_start[peak_start], 0, 0.0, settings),
        intervals=len(per_start),
        simulated=any(row.simulated for row in rows),
    )


# -- incidents and follow-ups ----------------------------------------------------------------


def incidents_during(db: Database, team: str, start: datetime, end: datetime) -> list[IncidentView]:
    """The team's incidents running at any moment of [start, end], oldest first.

    An incident belongs to the team of the shift that started it (one started outside any
    shift to every team)."""
    query = (
        select(col(Incident.id))
        .outerjoin(Shift, col(Incident.shift_id) == Shift.id)
        .where(or_(col(Shift.team) == team, col(Incident.shift_id).is_(None)))
        .where(col(Incident.started_at) <= end)
        .where(or_(col(Incident.closed_at).is_(None), col(Incident.closed_at) >= start))
        .order_by(col(Incident.started_at), col(Incident.id))
    )
    with db.engine.connect() as connection:
        numbers = cast(list[int], connection.execute(query).scalars().all())  # stored ids
    return [incidents.get_incident(db, number) for number in numbers]


FOLLOW_UP_FIELDS = [f.name for f in fields(FollowUpView) if f.name != "history"]


def followups_during(db: Database, start: datetime, end: datetime) -> FollowUpLists:
    """Follow-ups opened or closed in [start, end], and those still open at `end`."""
    table = columns_of(FollowUp)
    query = (
        select(*(table[name] for name in FOLLOW_UP_FIELDS))
        .where(table.created_at <= end)
        .where(or_(table.closed_at.is_(None), table.closed_at >= start))
        .order_by(table.due_at, table.id)
    )
    with db.engine.connect() as connection:
        found = [FollowUpView(**row._asdict()) for row in connection.execute(query)]
    return FollowUpLists(
        opened=[f for f in found if f.created_at >= start],
        closed=[f for f in found if f.status == CLOSED and f.closed_at is not None and f.closed_at <= end],
        still_open=[f for f in found if f.closed_at is None or f.closed_at > end],
    )


# -- the handover -------------------------------------------------------------------------


def handover_record(db: Database, shift_id: int) -> HandoverRecord | None:
    view = handovers.handover_of_shift(db, shift_id)
    if view is None:
        return None
    with db.engine.connect() as connection:
        digest = connection.execute(select(col(Handover.digest)).where(col(Handover.id) == view.id)).scalar()
        signed = {
            role: digest
            for role, digest in connection.execute(
                select(col(HandoverSignature.role), col(HandoverSignature.digest)).where(
                    col(HandoverSignature.handover_id) == view.id
                )
            )
        }
    return HandoverRecord(view, digest, signed)
