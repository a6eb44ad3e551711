"""What the next shift must know, carried into a new handover: unresolved anomalies, open follow-ups."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from dutydesk.canonical import iso_utc
from dutydesk.config import Config
from dutydesk.domain import followups, threads
from dutydesk.domain.followups import FollowUpView
from dutydesk.domain.handover.views import THREAD_SOURCE
from dutydesk.domain.threads import Thread
from dutydesk.i18n import _
from dutydesk.store.db import Database
from dutydesk.store.tables import HandoverCarried


@dataclass(frozen=True)
class CarryOver:
    item_key: str
    source: str
    ref: int
    text: str  # the row as the supervisors read and sign it
    at: datetime
    details: dict[str, object] | None = field(default=None, compare=False)  # the same as data, for --json

    @property
    def stored_details(self) -> str | None:
        return json.dumps(self.details, ensure_ascii=False) if self.details is not None else None

    def as_row(self, handover_id: int, position: int) -> HandoverCarried:
        return HandoverCarried(
            handover_id=handover_id,
            position=position,
            item_key=self.item_key,
            source=self.source,
            ref=self.ref,
            text=self.text,
            at=self.at,
            details=self.stored_details,
        )


def unresolved_anomalies(db: Database, config: Config, team: str, now: datetime) -> list[CarryOver]:
    """The team's open problems (`threads`), one row each: latest state, opened when.

    Only a resolution closes a problem; a correction keeps it open, and its repeated lines
    are one row."""
    item_key = _item_of_kind(config, "anomalies")
    if item_key is None or not config.handover.anomaly_categories:
        return []
    return [
        CarryOver(item_key, THREAD_SOURCE, thread.id, thread.summary(), thread.opened_at, _anomaly_details(thread))
        for thread in threads.open_threads(db, config, team, now)
    ]


def _anomaly_details(thread: Thread) -> dict[str, object]:
    latest = thread.latest
    return {
        "thread_id": thread.id,
        "entry_id": latest.id,
        "at": iso_utc(latest.at),
        "category": thread.category,
        "severity": latest.severity,
        "text": latest.text,
        "logged": len(thread.current),
    }


def open_follow_ups(db: Database, config: Config, team: str, now: datetime) -> list[CarryOver]:
    """Every follow-up not closed yet (follow-ups belong to no team), with owner and due time."""
    item_key = _item_of_kind(config, "follow_ups")
    if item_key is None:
        return []
    return [
        CarryOver(item_key, "follow_up", f.id, _follow_up_text(f, config), f.created_at, _follow_up_details(f))
        for f in followups.open_followups(db)
    ]


def _follow_up_details(follow_up: FollowUpView) -> dict[str, object]:
    return {
        "follow_up_id": follow_up.id,
        "kind": follow_up.kind,
        "title": follow_up.title,
        "owner": follow_up.owner,
        "priority": follow_up.priority,
        "status": follow_up.status,
        "due": iso_utc(follow_up.due_at),
    }


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
