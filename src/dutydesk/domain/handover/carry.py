"""What the next shift must know, carried into a new handover: unresolved anomalies, open follow-ups."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import col

from dutydesk.config import Config
from dutydesk.domain import followups, log
from dutydesk.domain.followups import FollowUpView
from dutydesk.i18n import _
from dutydesk.store.db import Database
from dutydesk.store.tables import LogEntry, Shift


@dataclass(frozen=True)
class CarryOver:
    item_key: str
    source: str
    ref: int
    text: str
    at: datetime


def unresolved_anomalies(db: Database, config: Config, team: str, now: datetime) -> list[CarryOver]:
    """Anomaly-category log entries of the team, from the configured severity up, that no
    correction has resolved yet.

    Correcting an anomaly's log entry (e.g. "CRM back at 10:40") is what resolves it, so an
    entry counts while it is neither corrected nor itself a correction.
    """
    item_key = _item_of_kind(config, "anomalies")
    categories = config.handover.anomaly_categories
    if item_key is None or not categories:
        return []
    corrected = select(LogEntry.supersedes_id).where(col(LogEntry.supersedes_id).is_not(None))
    severities = list(log.SEVERITIES)
    serious = severities[severities.index(config.handover.anomaly_min_severity) :]
    query = (
        select(LogEntry.id, LogEntry.text, LogEntry.at)
        .join(Shift, col(LogEntry.shift_id) == Shift.id)
        .where(
            Shift.team == team,
            col(LogEntry.category).in_(categories),
            col(LogEntry.severity).in_(serious),
            col(LogEntry.supersedes_id).is_(None),
            col(LogEntry.id).not_in(corrected),
            col(LogEntry.at) >= now - timedelta(days=config.handover.anomaly_lookback_days),
        )
        .order_by(LogEntry.at, LogEntry.id)
    )
    with db.engine.connect() as connection:
        return [
            CarryOver(item_key, "log_entry", entry_id, text, at) for entry_id, text, at in connection.execute(query)
        ]


def open_follow_ups(db: Database, config: Config, team: str, now: datetime) -> list[CarryOver]:
    """Every follow-up not closed yet (follow-ups belong to no team), with owner and due time."""
    item_key = _item_of_kind(config, "follow_ups")
    if item_key is None:
        return []
    return [
        CarryOver(item_key, "follow_up", f.id, _follow_up_text(f, config), f.created_at)
        for f in followups.open_followups(db)
    ]


def _follow_up_text(follow_up: FollowUpView, config: Config) -> str:
    parts = [
        follow_up.title,
        follow_up.owner,
        _("due {time}").format(time=follow_up.due_at.astimezone(config.zone).strftime("%Y-%m-%d %H:%M")),
    ]
    return " · ".join(part for part in parts if part)


# Each source lists what the next shift must confirm; add a source here, nothing else changes.
CARRY_OVER_SOURCES: list[Callable[[Database, Config, str, datetime], list[CarryOver]]] = [
    unresolved_anomalies,
    open_follow_ups,
]


def _item_of_kind(config: Config, kind: str) -> str | None:
    return next((item.key for section in config.handover.sections for item in section.items if item.kind == kind), None)
