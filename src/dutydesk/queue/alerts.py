"""Stored queue alerts: one `queue_alert` row per alert that fired.

`QueueMonitor` writes a row when an alert fires and updates it when it clears or is
acknowledged (Core statements, only on those events: never on the refresh path). The
shift summary and a restarted panel read them back with `shift_alerts()`.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlmodel import col

from dutydesk.config import Config
from dutydesk.domain.log import add_entry
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.queue.metrics import Figures
from dutydesk.queue.rules import Alert
from dutydesk.store import chain
from dutydesk.store.db import Database
from dutydesk.store.tables import QueueAlert, Supervisor, columns_of

ALERT = columns_of(QueueAlert)


@dataclass(frozen=True)
class StoredAlert:
    id: int
    rule: str  # the rule's key
    queue: str  # "" for the whole center
    level: str
    fired_at: datetime  # aware UTC
    cleared_at: datetime | None
    acknowledged_by: str | None  # the supervisor's name
    acknowledged_by_display: str | None
    acknowledged_at: datetime | None
    figures: Figures
    simulated: bool

    @property
    def active(self) -> bool:
        return self.cleared_at is None


def insert_alert(
    connection: Connection, alert: Alert, shift_id: int | None, simulated: bool, acknowledged_by: str | None
) -> tuple[int, bool]:
    """Store a fired alert (with what is already known of it) unless it is stored already
    (the same rule, queue and firing time in the shift: a second console or a replay);
    its row id, and whether this stored it."""
    stored = connection.execute(
        select(ALERT.id).where(
            ALERT.shift_id.is_(None) if shift_id is None else ALERT.shift_id == shift_id,
            ALERT.rule == alert.rule.key,
            ALERT.queue == alert.queue,
            ALERT.fired_at == alert.fired_at,
            ALERT.simulated == simulated,
        )
    ).scalar()
    if stored is not None:
        return int(stored), False
    values = {
        "shift_id": shift_id,
        "rule": alert.rule.key,
        "queue": alert.queue,
        "level": alert.rule.level,
        "fired_at": alert.fired_at,
        "cleared_at": None,  # set by `mark_cleared` with the clearing event, which is then logged
        "acknowledged_by": acknowledged_by,
        "acknowledged_at": alert.acknowledged_at,
        "figures": json.dumps(alert.figures.as_json()),
        "simulated": simulated,
    }
    row_id = int(connection.execute(insert(QueueAlert).values(values)).inserted_primary_key[0])  # type: ignore[index]
    chain.append(connection, QueueAlert, row_id)
    return row_id, True


def mark_cleared(connection: Connection, row_id: int, cleared_at: datetime) -> bool:
    """Once, and never before it fired: the stored history keeps fired ≤ cleared. True
    when this cleared it (and so sealed the clearing in the chain)."""
    cleared = connection.execute(
        update(QueueAlert)
        .where(ALERT.id == row_id, ALERT.cleared_at.is_(None), ALERT.fired_at <= cleared_at)
        .values(cleared_at=cleared_at)
    ).rowcount
    if cleared:
        chain.append(connection, QueueAlert, row_id)
    return bool(cleared)


def mark_acknowledged(connection: Connection, row_id: int, who: str | None, at: datetime) -> None:
    connection.execute(update(QueueAlert).where(ALERT.id == row_id).values(acknowledged_by=who, acknowledged_at=at))
    chain.append(connection, QueueAlert, row_id)


def shift_alerts(
    db: Database, shift_id: int, *, active_only: bool = False, simulated: bool | None = None
) -> list[StoredAlert]:
    """The shift's stored alerts, oldest first (with `active_only`: those not cleared; with
    `simulated`: only a drill's, or only a real feed's)."""
    query = (
        select(*ALERT, col(Supervisor.display_name))
        .outerjoin(Supervisor, col(Supervisor.name) == ALERT.acknowledged_by)
        .where(ALERT.shift_id == shift_id)
        .order_by(ALERT.fired_at, ALERT.id)
    )
    if active_only:
        query = query.where(ALERT.cleared_at.is_(None))
    if simulated is not None:
        query = query.where(ALERT.simulated == simulated)
    with db.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        StoredAlert(
            id=row.id,
            rule=row.rule,
            queue=row.queue,
            level=row.level,
            fired_at=row.fired_at,
            cleared_at=row.cleared_at,
            acknowledged_by=row.acknowledged_by,
            acknowledged_by_display=row.display_name or row.acknowledged_by,
            acknowledged_at=row.acknowledged_at,
            figures=_figures(row.figures),
            simulated=row.simulated,
        )
        for row in rows
    ]


def live_stored_alerts(db: Database, shift_id: int, *, simulated: bool) -> list[StoredAlert]:
    """The alerts still firing in a shift: what the queue panel takes up after a restart and
    the status strip counts, one definition for both. A drill's and a real feed's are apart:
    a panel fed by one never shows (nor clears) the other's, so the strip of a console
    counts the kind its panel shows."""
    return shift_alerts(db, shift_id, active_only=True, simulated=simulated)


def _figures(text: str) -> Figures:
    """Figures stored by `insert_alert`; a field a later version added reads as empty."""
    stored = json.loads(text)
    return Figures(**{name: stored.get(name) for name in Figures.__slots__})


def acknowledge_stored(db: Database, config: Config, shift: ShiftInfo, row_id: int, now: datetime) -> str:
    """Acknowledge a stored live alert away from the panel (`dutydesk alert ack`): in its row
    and the duty log. That stops its escalation; a running panel shows it on its next
    restore. Never timed before it fired (a sped-up drill's clock runs ahead of this one)."""
    with db.engine.begin() as connection:
        row = connection.execute(
            select(ALERT.rule, ALERT.fired_at, ALERT.cleared_at, ALERT.acknowledged_at).where(ALERT.id == row_id)
        ).one_or_none()
        if row is None:
            raise UserError(_("no queue alert #{id}").format(id=row_id))
        if row.cleared_at is not None:
            raise UserError(_("queue alert #{id} has cleared: there is nothing to acknowledge").format(id=row_id))
        if row.acknowledged_at is not None:
            raise UserError(_("queue alert #{id} is already acknowledged").format(id=row_id))
        mark_acknowledged(connection, row_id, shift.supervisor, max(now, row.fired_at))
    text = _("Queue alert #{id} ({rule}) acknowledged by {who}").format(
        id=row_id, rule=row.rule, who=shift.supervisor_display
    )
    add_entry(db, config, shift, text, category="system_status", at=now, now=now)
    return text
