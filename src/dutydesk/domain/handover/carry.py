"""What the next shift must know, carried into a new handover: unresolved anomalies, open follow-ups."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dutydesk.config import Config
from dutydesk.domain import followups, threads
from dutydesk.domain.followups import FollowUpView
from dutydesk.domain.handover.views import THREAD_SOURCE
from dutydesk.i18n import _
from dutydesk.store.db import Database


@dataclass(frozen=True)
class CarryOver:
    item_key: str
    source: str
    ref: int
    text: str
    at: datetime


def unresolved_anomalies(db: Database, config: Config, team: str, now: datetime) -> list[CarryOver]:
    """The team's open problems (`threads`), one row each: latest state, opened when.

    Only a resolution closes a problem; a correction keeps it open, and its repeated lines
    are one row."""
    item_key = _item_of_kind(config, "anomalies")
    if item_key is None or not config.handover.anomaly_categories:
        return []
    return [
        CarryOver(item_key, THREAD_SOURCE, thread.id, thread.summary(), thread.opened_at)
        for thread in threads.open_threads(db, config, team, now)
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
