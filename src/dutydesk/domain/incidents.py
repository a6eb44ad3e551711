"""Incidents run from a playbook: steps with deadlines, and a timeline of everything done.

Starting an incident copies the playbook's steps, contacts and IVR text, so a later edit
of the playbook never changes a running incident. Every change is a timestamped row of
the timeline; start, level change and closure are also written to the duty log.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlmodel import col
from sqlmodel import select as orm_select

from dutydesk import clock
from dutydesk.config import Config, Label
from dutydesk.domain import log
from dutydesk.domain.freetext import require_text
from dutydesk.domain.playbooks import Contact, Playbook
from dutydesk.domain.shifts import ShiftInfo, get_shift
from dutydesk.errors import UserError
from dutydesk.i18n import N_, _
from dutydesk.store import chain
from dutydesk.store.db import Database
from dutydesk.store.tables import Incident, IncidentEvent, IncidentStep

OPEN, CLOSED = "open", "closed"
EVENT_KINDS = {
    "start": N_("started"),
    "step": N_("step done"),
    "note": N_("note"),
    "escalation": N_("escalated"),
    "level": N_("level changed"),
    "close": N_("closed"),
    "review": N_("review"),
}
DeadlineState = Literal["none", "done", "due", "amber", "red"]


def deadline_state(
    started_at: datetime,
    due_at: datetime | None,
    done_at: datetime | None,
    now: datetime,
    amber_fraction: float,
) -> DeadlineState:
    """'red' once past due, 'amber' when less than `amber_fraction` of the time is left."""
    if due_at is None:
        return "none"
    if done_at is not None:
        return "done"
    if now > due_at:
        return "red"
    if due_at - now < (due_at - started_at) * amber_fraction:
        return "amber"
    return "due"


def countdown(due_at: datetime, now: datetime) -> str:
    """'12:05' left, or '-3:10' late (minutes:seconds; hours as 'h:mm:ss' past an hour)."""
    seconds = int((due_at - now).total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{minutes}:{seconds:02d}"


@dataclass(frozen=True)
class StepView:
    n: int
    text: Label
    due_at: datetime | None
    done_at: datetime | None


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    text: str
    step_n: int | None

    @property
    def kind_label(self) -> str:
        return _(EVENT_KINDS.get(self.kind, self.kind))


@dataclass(frozen=True)
class IncidentView:
    number: int
    playbook: str
    title: Label
    kind: str
    level: int
    status: str
    started_at: datetime
    respond_by: datetime
    closed_at: datetime | None
    summary: str | None
    ivr: Label | None
    contacts: list[Contact]
    steps: list[StepView]
    timeline: list[TimelineEntry]

    def step_state(self, step: StepView, now: datetime, config: Config) -> DeadlineState:
        if self.status == CLOSED and step.done_at is None:
            return "none"  # a closed incident has nothing left to run late
        return deadline_state(self.started_at, step.due_at, step.done_at, now, config.incidents.amber_fraction)

    def as_json(self, config: Config) -> dict[str, object]:
        zone = config.zone

        def iso(moment: datetime | None) -> str | None:
            return moment.astimezone(zone).isoformat() if moment else None

        return {
            "number": self.number,
            "playbook": self.playbook,
            "title": {"en": self.title.en, "zh": self.title.zh},
            "kind": self.kind,
            "level": self.level,
            "status": self.status,
            "started_at": iso(self.started_at),
            "respond_by": iso(self.respond_by),
            "closed_at": iso(self.closed_at),
            "summary": self.summary,
            "steps": [
                {"n": s.n, "text": s.text.en, "text_zh": s.text.zh, "due_at": iso(s.due_at), "done_at": iso(s.done_at)}
                for s in self.steps
            ],
            "timeline": [{"at": iso(e.at), "kind": e.kind, "text": e.text, "step": e.step_n} for e in self.timeline],
        }


# -- writing --------------------------------------------------------------------------


def start_incident(
    db: Database,
    config: Config,
    shift: ShiftInfo,
    playbook: Playbook,
    note: str | None = None,
    now: datetime | None = None,
) -> IncidentView:
    now = now or clock.utcnow()
    note = require_text(note, _("the note")) if note is not None else ""
    _require_open(db, shift)
    incident = Incident(
        playbook_key=playbook.key,
        title_en=playbook.title.en,
        title_zh=playbook.title.zh,
        kind=playbook.kind,
        level=playbook.level,
        started_at=now,
        respond_by=now + playbook.respond_within,
        ivr_en=playbook.ivr.en if playbook.ivr else None,
        ivr_zh=playbook.ivr.zh if playbook.ivr else None,
        contacts_json=json.dumps([_contact_json(c) for c in playbook.contacts], ensure_ascii=False),
        shift_id=shift.id,
    )
    with db.session() as session:
        session.add(incident)
        session.flush()
        assert incident.id is not None
        for step in playbook.steps:
            session.add(
                IncidentStep(
                    incident_id=incident.id,
                    n=step.n,
                    text_en=step.text.en,
                    text_zh=step.text.zh,
                    due_at=now + step.within if step.within else None,
                )
            )
        chain.seal(session, IncidentEvent(incident_id=incident.id, at=now, kind="start", text=note))
        session.commit()
    line = _("Incident #{number} started: {title} (level {level})").format(
        number=incident.id, title=str(playbook.title), level=playbook.level
    )
    _log(db, config, shift, line + (f" — {note}" if note else ""), "warning", now)
    return get_incident(db, incident.id)


def tick_step(
    db: Database,
    number: int,
    n: int,
    note: str | None = None,
    now: datetime | None = None,
) -> IncidentView:
    """Mark step `n` (1-based) done; a note goes on the timeline with it."""
    now = now or clock.utcnow()
    note = require_text(note, _("the note")) if note is not None else ""
    with db.session() as session:
        _open_incident(session, number)
        step = session.exec(
            orm_select(IncidentStep).where(IncidentStep.incident_id == number, IncidentStep.n == n)
        ).first()
        if step is None:
            raise UserError(_("incident #{number} has no step {n}").format(number=number, n=n))
        if step.done_at is not None:
            raise UserError(_("step {n} of incident #{number} is already done").format(n=n, number=number))
        step.done_at = now
        chain.seal(session, IncidentEvent(incident_id=number, at=now, kind="step", text=note, step_n=n))
        session.commit()
    return get_incident(db, number)


def add_note(db: Database, number: int, text: str, now: datetime | None = None) -> IncidentView:
    return _add_event(db, number, "note", require_text(text, _("the note")), now)


def escalate(db: Database, number: int, to_whom: str, now: datetime | None = None) -> IncidentView:
    """Record an escalation: to whom, how and what was said, in the supervisor's words."""
    return _add_event(db, number, "escalation", require_text(to_whom, _("the escalation")), now)


def change_level(
    db: Database,
    config: Config,
    shift: ShiftInfo,
    number: int,
    level: int,
    reason: str | None = None,
    now: datetime | None = None,
) -> IncidentView:
    now = now or clock.utcnow()
    reason = require_text(reason, _("the reason")) if reason is not None else ""
    if not 1 <= level <= 9:
        raise UserError(_("the level must be from 1 to 9"))
    _require_open(db, shift)
    with db.session() as session:
        incident = _open_incident(session, number)
        if incident.level == level:
            raise UserError(_("incident #{number} is already at level {level}").format(number=number, level=level))
        change = f"{incident.level} → {level}"
        incident.level = level
        chain.seal(session, IncidentEvent(incident_id=number, at=now, kind="level", text=f"{change} {reason}".strip()))
        session.commit()
    line = _("Incident #{number}: level {change}").format(number=number, change=change)
    _log(db, config, shift, line + (f" — {reason}" if reason else ""), "warning", now)
    return get_incident(db, number)


def close_incident(
    db: Database,
    config: Config,
    shift: ShiftInfo,
    number: int,
    summary: str,
    now: datetime | None = None,
) -> IncidentView:
    now = now or clock.utcnow()
    summary = require_text(summary, _("the summary"))
    _require_open(db, shift)
    with db.session() as session:
        incident = _open_incident(session, number)
        incident.status, incident.closed_at, incident.summary = CLOSED, now, summary
        chain.seal(session, IncidentEvent(incident_id=number, at=now, kind="close", text=summary))
        session.commit()
        title = _label(incident.title_en, incident.title_zh)
    line = _("Incident #{number} closed: {title} — {summary}").format(number=number, title=title, summary=summary)
    _log(db, config, shift, line, "info", now)
    return get_incident(db, number)


def add_review(db: Database, number: int, text: str, now: datetime | None = None) -> IncidentView:
    """A post-incident review note; only a closed incident takes them."""
    text = require_text(text, _("the review note"))
    with db.session() as session:
        incident = _incident_row(session, number)
        if incident.status != CLOSED:
            raise UserError(_("incident #{number} is still open: close it before the review").format(number=number))
    return _add_event(db, number, "review", text, now, open_only=False)


def _add_event(
    db: Database,
    number: int,
    kind: str,
    text: str,
    now: datetime | None,
    open_only: bool = True,
) -> IncidentView:
    with db.session() as session:
        if open_only:
            _open_incident(session, number)
        chain.seal(session, IncidentEvent(incident_id=number, at=now or clock.utcnow(), kind=kind, text=text))
        session.commit()
    return get_incident(db, number)


def _incident_row(session, number: int) -> Incident:  # type: ignore[no-untyped-def]
    incident = session.get(Incident, number)
    if incident is None:
        raise UserError(_("no incident #{number}").format(number=number))
    return incident  # type: ignore[no-any-return]


def _open_incident(session, number: int) -> Incident:  # type: ignore[no-untyped-def]
    incident = _incident_row(session, number)
    if incident.status == CLOSED:
        raise UserError(_("incident #{number} is already closed").format(number=number))
    return incident


def _require_open(db: Database, shift: ShiftInfo) -> None:
    """Checked before anything is written, so an incident never changes without its log entry."""
    if get_shift(db, shift.id).status != OPEN:
        raise UserError(_("shift #{id} is closed: open a shift to record incidents").format(id=shift.id))


def _log(db: Database, config: Config, shift: ShiftInfo, text: str, severity: str, now: datetime) -> None:
    log.add_entry(db, config, shift, text, category=config.incidents.log_category, severity=severity, now=now)


def _contact_json(contact: Contact) -> dict[str, str | None]:
    return {"role_en": contact.role.en, "role_zh": contact.role.zh, "name": contact.name, "channel": contact.channel}


def _label(en: str, zh: str | None) -> Label:
    return Label(en=en, zh=zh)


# -- reading --------------------------------------------------------------------------


def get_incident(db: Database, number: int) -> IncidentView:
    found = _read(db, [number])
    if not found:
        raise UserError(_("no incident #{number}").format(number=number))
    return found[0]


def list_incidents(db: Database, *, open_only: bool = False, limit: int = 200) -> list[IncidentView]:
    """Open incidents first, then the newest."""
    query = select(Incident.id).order_by(col(Incident.status) == CLOSED, col(Incident.started_at).desc())
    if open_only:
        query = query.where(Incident.status == OPEN)
    with db.engine.connect() as connection:
        numbers = list(connection.execute(query.limit(limit)).scalars())
    return _read(db, numbers)


def _read(db: Database, numbers: Iterable[int]) -> list[IncidentView]:
    numbers = list(numbers)
    if not numbers:
        return []
    incidents, steps, events = Incident.__table__, IncidentStep.__table__, IncidentEvent.__table__  # type: ignore[attr-defined]
    steps_of: dict[int, list[StepView]] = defaultdict(list)
    events_of: dict[int, list[TimelineEntry]] = defaultdict(list)
    with db.engine.connect() as connection:
        heads = {row.id: row for row in connection.execute(select(incidents).where(incidents.c.id.in_(numbers)))}
        for s in connection.execute(
            select(steps).where(steps.c.incident_id.in_(numbers)).order_by(steps.c.incident_id, steps.c.n)
        ):
            steps_of[s.incident_id].append(StepView(s.n, _label(s.text_en, s.text_zh), s.due_at, s.done_at))
        for e in connection.execute(
            select(events).where(events.c.incident_id.in_(numbers)).order_by(events.c.at, events.c.id)
        ):
            events_of[e.incident_id].append(TimelineEntry(e.at, e.kind, e.text, e.step_n))
    return [_view(heads[n], steps_of[n], events_of[n]) for n in numbers if n in heads]


def _view(head, steps: list[StepView], events: list[TimelineEntry]) -> IncidentView:  # type: ignore[no-untyped-def]
    return IncidentView(
        number=head.id,
        playbook=head.playbook_key,
        title=_label(head.title_en, head.title_zh),
        kind=head.kind,
        level=head.level,
        status=head.status,
        started_at=head.started_at,
        respond_by=head.respond_by,
        closed_at=head.closed_at,
        summary=head.summary,
        ivr=_label(head.ivr_en, head.ivr_zh) if head.ivr_en else None,
        contacts=[
            Contact(role=_label(c["role_en"], c["role_zh"]), name=c["name"], channel=c["channel"])
            for c in json.loads(head.contacts_json)
        ],
        steps=steps,
        timeline=events,
    )
