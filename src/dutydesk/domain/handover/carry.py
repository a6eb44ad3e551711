"""What the next shift must know, carried into a new handover: unresolved anomalies, open
incidents, open follow-ups.

A row's `text` holds the user's own words (a problem's latest line, a follow-up's title and
owner, an incident's title), never a sentence in the carrying console's language: readers
show the row from its `details` in their own language (`CarriedView.shown`).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from dutydesk.canonical import iso_utc
from dutydesk.config import Config
from dutydesk.domain import followups, incidents, threads
from dutydesk.domain.followups import FollowUpView
from dutydesk.domain.handover.views import FOLLOW_UP_SOURCE, INCIDENT_SOURCE, THREAD_SOURCE
from dutydesk.domain.incidents import IncidentView, StepView
from dutydesk.domain.threads import Thread
from dutydesk.jsonshape import both_languages, person
from dutydesk.store.db import Database
from dutydesk.store.tables import HandoverCarried


@dataclass(frozen=True)
class CarryOver:
    item_key: str
    source: str
    ref: int
    text: str  # the user's own words, as signed (see the module's docstring)
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
        CarryOver(item_key, THREAD_SOURCE, thread.id, thread.latest.text, thread.opened_at, _anomaly_details(thread))
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
        CarryOver(item_key, FOLLOW_UP_SOURCE, f.id, _follow_up_text(f), f.created_at, _follow_up_details(f))
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


def _follow_up_text(follow_up: FollowUpView) -> str:
    return " · ".join(part for part in (follow_up.title, follow_up.owner) if part)


def open_incidents(db: Database, config: Config, team: str, now: datetime) -> list[CarryOver]:
    """The team's incidents still running: playbook, since when, steps done and left, who holds
    which role (DOMAIN.md §1.3: progress so far, measures taken, next step). Listed with the
    anomalies (an incident is run for one), else with the unfinished items."""
    item_key = _item_of_kind(config, "anomalies") or _item_of_kind(config, "follow_ups")
    if item_key is None:
        return []
    return [
        CarryOver(item_key, INCIDENT_SOURCE, i.number, _incident_text(i), i.started_at, _incident_details(i, config))
        for i in incidents.open_incidents_of_team(db, team)
    ]


def _incident_text(incident: IncidentView) -> str:
    titles = dict.fromkeys((incident.title.en, incident.title.zh or incident.title.en))
    return f"#{incident.number} " + " / ".join(titles)


def _incident_details(incident: IncidentView, config: Config) -> dict[str, object]:
    started = next((entry for entry in incident.timeline if entry.kind == "start"), None)
    role_labels = {role.key: role.label for role in config.incidents.roles}
    return {
        "incident_id": incident.number,
        "playbook": incident.playbook,
        "title": both_languages(incident.title),
        "kind": incident.kind,
        "level": incident.level,
        "started_at": iso_utc(incident.started_at),
        "respond_by": iso_utc(incident.respond_by),
        "started_by": person(started.author, started.author_display) if started and started.author else None,
        "roles": [
            {
                "role": role,
                "label": both_languages(role_labels[role]) if role in role_labels else None,
                "person": held_by,
            }
            for role, held_by in incident.roles.items()
        ],
        "steps": [_step_details(step) for step in incident.steps],
    }


def _step_details(step: StepView) -> dict[str, object]:
    state = "skipped" if step.skipped_at is not None else "done" if step.done_at is not None else "open"
    return {
        "n": step.n,
        "text": both_languages(step.text),
        "state": state,
        "due_at": iso_utc(step.due_at),
        "at": iso_utc(step.done_at or step.skipped_at),
    }


# Each source lists what the next shift must confirm; add a source here, nothing else changes.
CARRY_OVER_SOURCES: list[Callable[[Database, Config, str, datetime], list[CarryOver]]] = [
    unresolved_anomalies,
    open_incidents,
    open_follow_ups,
]


def _item_of_kind(config: Config, kind: str) -> str | None:
    return next((item.key for section in config.handover.sections for item in section.items if item.kind == kind), None)
