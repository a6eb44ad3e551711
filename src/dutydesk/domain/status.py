"""What the status strip on every screen shows: things that need the supervisor now.

`desk_status()` reads it in one go (in a worker); the TUI only renders the items. Each
item is a language-neutral code with its figures, so another part can add its own item
(pending rules, a handover draft) by appending to `StatusItem`s here.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain import followups, incidents, shifts
from dutydesk.store.changes import ChangeWatch
from dutydesk.store.db import Database

LEVEL_ORDER = ("warning", "critical")  # alert levels, least to most severe


@dataclass(frozen=True)
class StatusItem:
    code: str  # "alerts", "overdue", "incident", "handover", "channel"
    count: int = 0  # channel: failures in a row
    level: str | None = None  # alerts: the worst level
    number: int | None = None  # incident: its number; handover: its number
    due_at: datetime | None = None  # incident: the next open step's deadline; handover: the shift's planned end
    name: str | None = None  # channel: the notification channel that keeps failing


@dataclass(frozen=True)
class DeskStatus:
    items: list[StatusItem] = field(default_factory=list)


def desk_status(db: Database, config: Config, now: datetime | None = None, *, drill: bool = False) -> DeskStatus:
    """`drill`: the console's queue feed is the simulator, so its alerts are a drill's."""
    now = now or clock.utcnow()
    return DeskStatus(
        [
            *_alert_items(db, config, drill),
            *_overdue_items(db, now),
            *_incident_items(db),
            *_handover_items(db, config, now),
            *_channel_items(db, config),
        ]
    )


def _handover_items(db: Database, config: Config, now: datetime) -> list[StatusItem]:
    """The console's shift ends within the draft window and its handover is not signed yet."""
    from dutydesk.domain import handover as handovers  # not before the app's first frame: it brings signing

    shift = shifts.current_shift(db, config.center.team)
    if shift is None or now < shift.planned_end - timedelta(minutes=config.handover.draft_before_end_min):
        return []
    handover = handovers.handover_of_shift(db, shift.id)
    if handover is not None and handover.status == handovers.SIGNED:
        return []
    return [StatusItem("handover", number=handover.id if handover else None, due_at=shift.planned_end)]


def _channel_items(db: Database, config: Config) -> list[StatusItem]:
    """Notification channels whose last `failing_after` attempts or more failed."""
    from dutydesk.notify.channels import channel_label
    from dutydesk.notify.outbox import health  # only where notices are configured at all

    with db.engine.connect() as connection:
        found = health(connection, config.center.team)
    return [
        StatusItem("channel", count=item.failures_in_a_row, name=channel_label(config.notify, item.channel))
        for item in found
        if item.failures_in_a_row >= config.notify.failing_after
    ]


def _alert_items(db: Database, config: Config, drill: bool) -> list[StatusItem]:
    """Alerts still firing that nobody acknowledged: how many, and the worst level. Those of
    the console's shift, as the queue panel takes them up after a restart (`live_stored_alerts`)
    and `alert list` lists them, so that the three never disagree; an alert of another
    shift, or stored with none, is on none of them."""
    from dutydesk.queue.alerts import live_stored_alerts  # not before the first frame: it brings the queue rules

    shift = shifts.console_shift(db, config.center.team)
    if shift is None:
        return []
    levels = [
        alert.level for alert in live_stored_alerts(db, shift.id, simulated=drill) if alert.acknowledged_at is None
    ]
    if not levels:
        return []
    worst = max(levels, key=lambda level: LEVEL_ORDER.index(level) if level in LEVEL_ORDER else -1)
    return [StatusItem("alerts", count=len(levels), level=worst)]


def _overdue_items(db: Database, now: datetime) -> list[StatusItem]:
    overdue = sum(1 for item in followups.open_followups(db) if item.overdue(now))
    return [StatusItem("overdue", count=overdue)] if overdue else []


def _incident_items(db: Database) -> list[StatusItem]:
    items = []
    for incident in incidents.list_incidents(db, open_only=True):
        due = [step.due_at for step in incident.steps if step.done_at is None and step.due_at is not None]
        next_due = min(due, default=None)
        if next_due is not None and next_due.tzinfo is None:
            next_due = next_due.replace(tzinfo=UTC)
        items.append(StatusItem("incident", number=incident.number, due_at=next_due))
    return items


def watch_changes(db: Database) -> ChangeWatch:
    """What tells the console that someone committed (the TUI does not reach into `store` itself)."""
    return ChangeWatch(db)
