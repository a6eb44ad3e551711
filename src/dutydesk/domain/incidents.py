"""Incidents run from a playbook: steps with deadlines, and a timeline of everything done.

Starting an incident copies the playbook's steps, contacts and IVR text, so a later edit
of the playbook never changes a running incident. Every change is a timestamped row of
the timeline; start, level change and closure are also written to the duty log.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import func, or_, select
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from dutydesk import clock
from dutydesk.config import Config, Label
from dutydesk.domain import log
from dutydesk.domain.freetext import require_text
from dutydesk.domain.playbooks import Contact, Playbook
from dutydesk.domain.shifts import ShiftInfo, get_shift
from dutydesk.errors import UserError
from dutydesk.i18n import N_, _
from dutydesk.jsonshape import both_languages
from dutydesk.store import chain
from dutydesk.store.db import Database
from dutydesk.store.tables import Incident, IncidentEvent, IncidentStep, Shift, Supervisor, columns_of, table_of

OPEN, CLOSED = "open", "closed"
SKIP_ALL = "all"  # the key of `close_incident`'s skips that gives one reason for every open step
EVENT_KINDS = {
    "start": N_("started"),
    "step": N_("step done"),
    "untick": N_("step unticked"),
    "note": N_("note"),
    "escalation": N_("escalated"),
    "answer": N_("answer"),
    "role": N_("role"),
    "level": N_("level changed"),
    "skip": N_("step skipped"),
    "close": N_("closed"),
    "review": N_("review"),
    "update": N_("status update"),
}
DeadlineState = Literal["none", "done", "skipped", "due", "amber", "red"]


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
    skipped_at: datetime | None = None
    skip_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.skipped_at is None

    @property
    def on_time(self) -> bool | None:
        """Done by its deadline; None while it has none or is still open, False once skipped."""
        if self.due_at is None or self.is_open:
            return None
        return self.done_at is not None and self.done_at <= self.due_at


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    text: str
    step_n: int | None
    author: str | None = None  # the supervisor's name
    contact: str | None = None
    channel: str | None = None
    role: str | None = None
    author_display: str | None = None

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

    @property
    def roles(self) -> dict[str, str]:
        """Who holds each role now (role key -> person): the latest assignment wins."""
        return {entry.role: entry.contact or "" for entry in self.timeline if entry.kind == "role" and entry.role}

    def step_state(self, step: StepView, now: datetime, config: Config) -> DeadlineState:
        if step.skipped_at is not None:
            return "skipped"
        if self.status == CLOSED and step.done_at is None:
            return "none"  # a closed incident has nothing left to run late
        return deadline_state(self.started_at, step.due_at, step.done_at, now, config.incidents.amber_fraction)

    def as_json(self, config: Config) -> dict[str, object]:
        zone = config.zone

        def iso(moment: datetime | None) -> str | None:
            return moment.astimezone(zone).isoformat() if moment else None

        return {
            "id": self.number,
            "playbook": self.playbook,
            "title": both_languages(self.title),
            "kind": self.kind,
            "level": self.level,
            "status": self.status,
            "started_at": iso(self.started_at),
            "respond_by": iso(self.respond_by),
            "closed_at": iso(self.closed_at),
            "summary": self.summary,
            "roles": self.roles,
            "steps": [
                {
                    "n": s.n,
                    "text": both_languages(s.text),
                    "due_at": iso(s.due_at),
                    "done_at": iso(s.done_at),
                    "skipped_at": iso(s.skipped_at),
                    "skip_reason": s.skip_reason,
                }
                for s in self.steps
            ],
            "timeline": [
                {
                    "at": iso(e.at),
                    "kind": e.kind,
                    "text": e.text,
                    "step": e.step_n,
                    "by": {"name": e.author, "display_name": e.author_display} if e.author else None,
                    "contact": e.contact,
                    "channel": e.channel,
                    "role": e.role,
                }
                for e in self.timeline
            ],
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
        _event(session, incident, "start", now, text=note)
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
        incident = _open_incident(session, number)
        step = _step_row(session, number, n)
        if step.done_at is not None:
            raise UserError(_("step {n} of incident #{number} is already done").format(n=n, number=number))
        step.done_at = now
        _event(session, incident, "step", now, text=note, step_n=n)
        session.commit()
    return get_incident(db, number)


def untick_step(db: Database, number: int, n: int, reason: str, now: datetime | None = None) -> IncidentView:
    """Step `n` is not done after all (ticked by mistake): open again, the tick stays on the timeline."""
    now = now or clock.utcnow()
    reason = require_text(reason, _("the reason"))
    with db.session() as session:
        incident = _open_incident(session, number)
        step = _step_row(session, number, n)
        if step.done_at is None:
            raise UserError(_("step {n} of incident #{number} is not done").format(n=n, number=number))
        step.done_at = None
        _event(session, incident, "untick", now, text=reason, step_n=n)
        session.commit()
    return get_incident(db, number)


def add_note(db: Database, number: int, text: str, now: datetime | None = None) -> IncidentView:
    return _add_event(db, number, "note", require_text(text, _("the note")), now)


def escalate(
    db: Database,
    number: int,
    contact: str,
    channel: str = "",
    said: str = "",
    now: datetime | None = None,
) -> IncidentView:
    """Record who was contacted, how, and what was said. A playbook contact (named by its role
    or name) whose `step` is still open has that step ticked with it."""
    now = now or clock.utcnow()
    contact = require_text(contact, _("the contact")).strip()
    said = require_text(said, _("the escalation")) if said.strip() else ""
    with db.session() as session:
        incident = _open_incident(session, number)
        known = next((c for c in _contacts(incident) if c.matches(contact)), None)
        channel = require_text(channel, _("the channel")).strip() if channel.strip() else ""
        if known is not None and known.channel is not None:
            channel = channel or str(known.channel)  # recorded as shown, like what the supervisor types
        _event(session, incident, "escalation", now, text=said, contact=contact, channel=channel or None)
        step = _step_row(session, number, known.step) if known and known.step else None
        if step is not None and step.done_at is None:
            step.done_at = now
            _event(session, incident, "step", now, step_n=step.n, contact=contact)
        session.commit()
    return get_incident(db, number)


def record_answer(
    db: Database, number: int, text: str, contact: str | None = None, now: datetime | None = None
) -> IncidentView:
    """The answer of someone escalated to (by default the last one escalated to)."""
    now = now or clock.utcnow()
    text = require_text(text, _("the answer"))
    with db.session() as session:
        incident = _open_incident(session, number)
        if contact is None or not contact.strip():
            contact = session.exec(
                orm_select(IncidentEvent.contact)
                .where(IncidentEvent.incident_id == number, IncidentEvent.kind == "escalation")
                .order_by(col(IncidentEvent.at).desc(), col(IncidentEvent.id).desc())
            ).first()
            if contact is None:
                raise UserError(_("incident #{number} has no escalation to answer").format(number=number))
        _event(session, incident, "answer", now, text=text, contact=require_text(contact, _("the contact")).strip())
        session.commit()
    return get_incident(db, number)


def assign_role(
    db: Database, config: Config, number: int, role: str, person: str, now: datetime | None = None
) -> IncidentView:
    """`person` now holds `role` (a key of `[[incidents.roles]]`) on the incident."""
    known = [r.key for r in config.incidents.roles]
    if role not in known:
        raise UserError(
            _("no role {role!r}: the configuration names {roles}").format(role=role, roles=", ".join(known) or "—")
        )
    person = require_text(person, _("the name")).strip()
    with db.session() as session:
        incident = _open_incident(session, number)
        _event(session, incident, "role", now or clock.utcnow(), role=role, contact=person)
        session.commit()
    return get_incident(db, number)


def post_update(db: Database, number: int, text: str, now: datetime | None = None) -> IncidentView:
    """A status update for everyone following the incident; the notifier sends it to the
    incident's channels (Mattermost Playbooks' update cadence)."""
    return _add_event(db, number, "update", require_text(text, _("the update")), now)


def updates_due(db: Database, every: timedelta, now: datetime | None = None) -> list[tuple[int, datetime]]:
    """Open level-1 incidents whose next status update is due: (number, due since)."""
    now = now or clock.utcnow()
    event, incident = columns_of(IncidentEvent), columns_of(Incident)
    last = (
        select(event.incident_id, func.max(event.at).label("at"))
        .where(event.kind.in_(("start", "update")))
        .group_by(event.incident_id)
        .subquery()
    )
    query = (
        select(incident.id, last.c.at)
        .join(last, last.c.incident_id == incident.id)
        .where(incident.status == OPEN, incident.level == 1)
        .order_by(last.c.at)
    )
    with db.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [(number, at + every) for number, at in rows if at + every <= now]


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
        _event(session, incident, "level", now, text=f"{change} {reason}".strip())
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
    skips: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> IncidentView:
    """Close with a summary. Every step still open is skipped with a reason: `skips` maps a step
    number ("3") or SKIP_ALL (every other open step) to it; an open step without one refuses."""
    now = now or clock.utcnow()
    summary = require_text(summary, _("the summary"))
    _require_open(db, shift)
    with db.session() as session:
        incident = _open_incident(session, number)
        open_steps = list(
            session.exec(
                orm_select(IncidentStep)
                .where(IncidentStep.incident_id == number, col(IncidentStep.done_at).is_(None))
                .order_by(col(IncidentStep.n))
            )
        )
        for step, reason in zip(open_steps, _skip_reasons(number, [s.n for s in open_steps], skips or {}), strict=True):
            step.skipped_at, step.skip_reason = now, reason
            _event(session, incident, "skip", now, text=reason, step_n=step.n)
        incident.status, incident.closed_at, incident.summary = CLOSED, now, summary
        _event(session, incident, "close", now, text=summary)
        session.commit()
        title = _label(incident.title_en, incident.title_zh)
    line = _("Incident #{number} closed: {title} — {summary}").format(number=number, title=title, summary=summary)
    if open_steps:
        line += " " + _("(skipped steps: {steps})").format(steps=", ".join(str(s.n) for s in open_steps))
    _log(db, config, shift, line, "info", now)
    return get_incident(db, number)


def _skip_reasons(number: int, open_steps: list[int], skips: Mapping[str, str]) -> list[str]:
    """The reason for each open step, in order; refuses an unknown step or a step left without one."""
    for key in skips:
        if key != SKIP_ALL and (not key.isdigit() or int(key) not in open_steps):
            raise UserError(
                _("incident #{number} has no open step {key}: open steps are {steps}").format(
                    number=number, key=key, steps=", ".join(map(str, open_steps)) or "—"
                )
            )
    reasons = {key: require_text(reason, _("the reason")).strip() for key, reason in skips.items()}
    missing = [n for n in open_steps if not (reasons.get(str(n)) or reasons.get(SKIP_ALL))]
    if missing:
        raise UserError(
            _("steps {steps} of incident #{number} are still open: give each a reason to skip it").format(
                steps=", ".join(map(str, missing)), number=number
            )
        )
    return [reasons.get(str(n)) or reasons[SKIP_ALL] for n in open_steps]


def add_review(db: Database, number: int, text: str, now: datetime | None = None) -> IncidentView:
    """A post-incident review note (a lesson); only a closed incident takes them."""
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
        incident = _open_incident(session, number) if open_only else _incident_row(session, number)
        _event(session, incident, kind, now or clock.utcnow(), text=text)
        session.commit()
    return get_incident(db, number)


def _event(
    session: Session,
    incident: Incident,
    kind: str,
    at: datetime,
    *,
    text: str = "",
    step_n: int | None = None,
    contact: str | None = None,
    channel: str | None = None,
    role: str | None = None,
) -> None:
    """One timeline row, signed with the name of whoever is on duty for the incident's team."""
    assert incident.id is not None
    author = _on_duty(session, incident)
    chain.seal(  # the timeline is part of the sealed record (issue 12)
        session,
        IncidentEvent(
            incident_id=incident.id,
            at=at,
            kind=kind,
            text=text,
            step_n=step_n,
            author=author,
            contact=contact,
            channel=channel,
            role=role,
        ),
    )


def _on_duty(session: Session, incident: Incident) -> str | None:
    query = (
        select(col(Supervisor.name))
        .join(Shift, col(Shift.supervisor_id) == Supervisor.id)
        .where(col(Shift.status) == OPEN)
        .order_by(col(Shift.opened_at).desc())
    )
    if incident.shift_id is not None:
        team = select(col(Shift.team)).where(col(Shift.id) == incident.shift_id).scalar_subquery()
        query = query.where(col(Shift.team) == team)
    return cast("str | None", session.execute(query.limit(1)).scalar())


def _step_row(session: Session, number: int, n: int) -> IncidentStep:
    step = session.exec(orm_select(IncidentStep).where(IncidentStep.incident_id == number, IncidentStep.n == n)).first()
    if step is None:
        raise UserError(_("incident #{number} has no step {n}").format(number=number, n=n))
    return step


def _contacts(incident: Incident) -> list[Contact]:
    return [
        Contact(role=_label(c["role_en"], c["role_zh"]), name=c["name"], channel=_channel(c), step=c.get("step"))
        for c in json.loads(incident.contacts_json)
    ]


def _incident_row(session: Session, number: int) -> Incident:
    incident = session.get(Incident, number)
    if incident is None:
        raise UserError(_("no incident #{number}").format(number=number))
    return incident


def _open_incident(session: Session, number: int) -> Incident:
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


def _contact_json(contact: Contact) -> dict[str, str | int | None]:
    return {
        "role_en": contact.role.en,
        "role_zh": contact.role.zh,
        "name": contact.name,
        "channel_en": contact.channel.en if contact.channel else None,
        "channel_zh": contact.channel.zh if contact.channel else None,
        "step": contact.step,
    }


def _channel(stored: dict[str, Any]) -> Label | None:
    """A contact's channel as copied: both languages, or (copied before they had two) one text."""
    english = stored.get("channel_en") or stored.get("channel")
    return _label(english, stored.get("channel_zh")) if english else None


def _label(en: str, zh: str | None) -> Label:
    return Label(en=en, zh=zh)


# -- reading --------------------------------------------------------------------------


def get_incident(db: Database, number: int) -> IncidentView:
    found = _read(db, [number])
    if not found:
        raise UserError(_("no incident #{number}").format(number=number))
    return found[0]


def get_incidents(db: Database, numbers: Iterable[int]) -> list[IncidentView]:
    """The incidents of `numbers` that exist, in that order."""
    return _read(db, numbers)


def list_incidents(db: Database, *, open_only: bool = False, limit: int = 200) -> list[IncidentView]:
    """Open incidents first, then the newest."""
    query = select(col(Incident.id)).order_by(col(Incident.status) == CLOSED, col(Incident.started_at).desc())
    if open_only:
        query = query.where(col(Incident.status) == OPEN)
    with db.engine.connect() as connection:
        numbers = cast(list[int], connection.execute(query.limit(limit)).scalars().all())  # stored ids
    return _read(db, numbers)


def open_incidents_of_team(db: Database, team: str) -> list[IncidentView]:
    """The team's open incidents (and any started outside a shift), oldest first: what a handover carries."""
    teams = select(col(Shift.id)).where(col(Shift.team) == team)
    query = (
        select(col(Incident.id))
        .where(col(Incident.status) == OPEN, or_(col(Incident.shift_id).is_(None), col(Incident.shift_id).in_(teams)))
        .order_by(col(Incident.started_at), col(Incident.id))
    )
    with db.engine.connect() as connection:
        numbers = cast(list[int], connection.execute(query).scalars().all())  # stored ids
    return _read(db, numbers)


def _read(db: Database, numbers: Iterable[int]) -> list[IncidentView]:
    numbers = list(numbers)
    if not numbers:
        return []
    incidents, steps, events = table_of(Incident), table_of(IncidentStep), table_of(IncidentEvent)
    steps_of: dict[int, list[StepView]] = defaultdict(list)
    events_of: dict[int, list[TimelineEntry]] = defaultdict(list)
    with db.engine.connect() as connection:
        heads = {row.id: row for row in connection.execute(select(incidents).where(incidents.c.id.in_(numbers)))}
        for s in connection.execute(
            select(steps).where(steps.c.incident_id.in_(numbers)).order_by(steps.c.incident_id, steps.c.n)
        ):
            steps_of[s.incident_id].append(
                StepView(s.n, _label(s.text_en, s.text_zh), s.due_at, s.done_at, s.skipped_at, s.skip_reason)
            )
        timeline = (
            select(events, col(Supervisor.display_name))
            .outerjoin(Supervisor, col(Supervisor.name) == events.c.author)
            .where(events.c.incident_id.in_(numbers))
            .order_by(events.c.at, events.c.id)
        )
        for e in connection.execute(timeline):
            events_of[e.incident_id].append(
                TimelineEntry(
                    e.at, e.kind, e.text, e.step_n, e.author, e.contact, e.channel, e.role, e.display_name or e.author
                )
            )
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
        contacts=_contacts(head),
        steps=steps,
        timeline=events,
    )
