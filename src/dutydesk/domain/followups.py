"""Follow-ups (跟进 / 督办): tickets, complaints, special customers and system issues to chase.

A follow-up belongs to no shift: it stays open from shift to shift until someone closes
it, and every handover lists it (`open_followups`). Its due time is the next moment
someone must act: a dispatched ticket is chased if not accepted in time, a complaint
must be answered within its urgency's deadline. Every note, chase, due change and
closure is kept in its history.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain.freetext import require_text
from dutydesk.errors import UserError
from dutydesk.i18n import N_, NP_, _
from dutydesk.store import chain
from dutydesk.store.db import Database
from dutydesk.store.tables import FollowUp, FollowUpEvent, columns_of

KINDS = {
    "ticket": N_("ticket"),
    "complaint": N_("complaint"),
    "special_customer": N_("special customer"),
    "system_issue": N_("system issue"),
    "action": N_("action"),  # a line of a handover's action list
}
PRIORITIES = {"low": N_("low"), "normal": N_("normal"), "high": N_("high"), "urgent": N_("urgent")}
STATUSES = {"open": N_("open"), "waiting": NP_("follow-up status", "waiting"), "closed": N_("closed")}
EVENT_KINDS = {
    "created": N_("created"),
    "note": N_("note"),
    "chase": N_("chased"),
    "due": N_("due changed"),
    "status": N_("status"),
    "close": N_("closed"),
}
OPEN, WAITING, CLOSED = "open", "waiting", "closed"
RELATIVE_DUE = re.compile(r"^\+\s*(?P<amount>\d+)\s*(?P<unit>m|min|h|d)$", re.IGNORECASE)
UNIT = {"m": timedelta(minutes=1), "min": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str
    text: str

    @property
    def kind_label(self) -> str:
        return _(EVENT_KINDS.get(self.kind, self.kind))

    @property
    def shown_text(self) -> str:
        """The event's text as shown: a status change names the new status in the UI language."""
        return label(STATUSES, self.text) if self.kind == "status" else self.text

    @property
    def line(self) -> str:
        """The event as one line in the UI language, e.g. '督办：已致电'."""
        if not self.shown_text:
            return self.kind_label
        return _("{event}: {text}").format(event=self.kind_label, text=self.shown_text)


@dataclass(frozen=True)
class FollowUpView:
    id: int
    kind: str
    title: str
    details: str
    customer: str
    owner: str
    priority: str
    status: str
    created_at: datetime
    due_at: datetime
    closed_at: datetime | None
    resolution: str | None
    complaint_number: str | None
    complaint_type: str | None
    urgency: str | None
    resolve_by: datetime | None
    history: list[HistoryEntry] | None = None  # loaded by `get_followup` only

    def overdue(self, now: datetime) -> bool:
        return self.status != CLOSED and self.due_at < now

    def as_json(self, config: Config, now: datetime) -> dict[str, object]:
        zone = config.zone

        def iso(moment: datetime | None) -> str | None:
            return moment.astimezone(zone).isoformat() if moment else None

        shown: dict[str, object] = {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "priority": self.priority,
            "status": self.status,
            "owner": self.owner,
            "due": iso(self.due_at),
            "overdue": self.overdue(now),
            "customer": self.customer,
            "details": self.details,
            "created_at": iso(self.created_at),
            "closed_at": iso(self.closed_at),
            "resolution": self.resolution,
            "complaint_number": self.complaint_number,
            "complaint_type": self.complaint_type,
            "urgency": self.urgency,
            "resolve_by": iso(self.resolve_by),
        }
        if self.history is not None:
            shown["history"] = [{"at": iso(h.at), "kind": h.kind, "text": h.text} for h in self.history]
        return shown


def label(table: dict[str, str], key: str) -> str:
    """The translated name of a kind, priority or status key."""
    return _(table[key]) if key in table else key


def _choice(value: str, table: dict[str, str] | list[str], what: str) -> str:
    if value not in table:
        raise UserError(
            _("unknown {what} {value!r}: choose one of {choices}").format(
                what=what, value=value, choices=", ".join(table)
            )
        )
    return value


# -- due times ------------------------------------------------------------------------


def parse_due(value: str, config: Config, now: datetime | None = None) -> datetime:
    """'+30m', '+2h', '+1d', or ISO 8601 ('2026-11-26T14:00', with or without offset; center time)."""
    now = now or clock.utcnow()
    text = value.strip()
    relative = RELATIVE_DUE.match(text)
    try:
        if relative:
            return now + int(relative.group("amount")) * UNIT[relative.group("unit").lower()]
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=config.zone)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: beyond year 9999 or before year 1
        raise UserError(
            _("bad due time {value!r}: use +30m, +2h, +1d or an ISO time like 2026-11-26T14:00").format(value=value)
        ) from None


def default_due(config: Config, kind: str, urgency: str | None, now: datetime) -> datetime:
    settings = config.followups
    if kind == "complaint" and urgency:
        return now + timedelta(minutes=settings.complaint_urgency[urgency].respond_within_min)
    if kind == "ticket":
        return now + timedelta(minutes=settings.ticket_accept_within_min)
    return now + timedelta(minutes=settings.default_due_min)


# -- writing --------------------------------------------------------------------------


def add_followup(
    db: Database,
    config: Config,
    title: str,
    kind: str,
    *,
    details: str = "",
    customer: str = "",
    owner: str = "",
    priority: str | None = None,
    due: datetime | None = None,
    urgency: str | None = None,
    complaint_type: str | None = None,
    now: datetime | None = None,
) -> FollowUpView:
    """A new follow-up; a complaint gets its number and its deadlines from its urgency."""
    now = now or clock.utcnow()
    title = require_text(title, _("the title"))
    _choice(kind, KINDS, _("kind"))
    for text, what in ((details, _("the details")), (customer, _("the customer")), (owner, _("the owner"))):
        if text:
            require_text(text, what)
    resolve_by = None
    if kind == "complaint":
        urgency = _choice(urgency or "general", list(config.followups.complaint_urgency), _("urgency"))
        if complaint_type is not None:
            _choice(complaint_type, [t.key for t in config.followups.complaint_types], _("complaint type"))
        resolve_within = config.followups.complaint_urgency[urgency].resolve_within_min
        resolve_by = now + timedelta(minutes=resolve_within) if resolve_within else None
        priority = priority or ("urgent" if urgency == "urgent" else "normal")
    elif urgency is not None or complaint_type is not None:
        raise UserError(_("urgency and complaint type are for complaints only"))
    row = FollowUp(
        kind=kind,
        title=title,
        details=details,
        customer=customer.strip(),
        owner=owner.strip(),
        priority=_choice(priority or "normal", PRIORITIES, _("priority")),
        created_at=now,
        due_at=due or default_due(config, kind, urgency, now),
        complaint_type=complaint_type,
        urgency=urgency,
        resolve_by=resolve_by,
    )
    followup_id = _insert(db, config, row, now)
    return get_followup(db, followup_id)


def _insert(db: Database, config: Config, row: FollowUp, now: datetime) -> int:
    """Insert with a fresh complaint number; two consoles taking the same one retry."""
    for _attempt in range(NUMBER_ATTEMPTS):
        with db.session() as session:
            if row.kind == "complaint":
                row.complaint_number = _next_complaint_number(session, config, now)
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                row = FollowUp.model_validate(row.model_dump(exclude={"id"}))
                continue
            assert row.id is not None
            chain.seal(session, FollowUpEvent(follow_up_id=row.id, at=now, kind="created"))
            session.commit()
            return row.id
    raise UserError(_("could not give the complaint a number; try again"))


def _next_complaint_number(session: Session, config: Config, now: datetime) -> str:
    prefix = "C-" + now.astimezone(config.zone).strftime("%Y%m%d") + "-"
    last = (
        session.connection()
        .execute(
            select(FollowUp.complaint_number)
            .where(col(FollowUp.complaint_number).startswith(prefix))
            .order_by(col(FollowUp.complaint_number).desc())
            .limit(1)
        )
        .scalar_one_or_none()
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def add_note(db: Database, followup_id: int, text: str, now: datetime | None = None) -> FollowUpView:
    return _add_event(db, followup_id, "note", require_text(text, _("the note")), now)


def chase(db: Database, followup_id: int, text: str = "", now: datetime | None = None) -> FollowUpView:
    """Record a chase (督办): who was chased and what they said, if given."""
    text = require_text(text, _("the chase note")) if text else ""
    return _add_event(db, followup_id, "chase", text, now)


def change_due(
    db: Database,
    config: Config,
    followup_id: int,
    due: datetime,
    reason: str,
    now: datetime | None = None,
) -> FollowUpView:
    reason = require_text(reason, _("the reason"))
    now = now or clock.utcnow()
    with db.session() as session:
        row = _open_row(session, followup_id)
        old = row.due_at
        row.due_at = due
        text = f"{_clock_text(old, config)} → {_clock_text(due, config)}: {reason}"
        chain.seal(session, FollowUpEvent(follow_up_id=followup_id, at=now, kind="due", text=text))
        session.commit()
    return get_followup(db, followup_id)


def set_status(db: Database, followup_id: int, status: str, now: datetime | None = None) -> FollowUpView:
    """Open or waiting (for the customer, another department); closing needs `close_followup`."""
    _choice(status, [OPEN, WAITING], _("status"))
    with db.session() as session:
        row = _open_row(session, followup_id)
        if row.status == status:
            raise UserError(
                _("follow-up #{id} is already {status}").format(id=followup_id, status=label(STATUSES, status))
            )
        row.status = status
        chain.seal(
            session, FollowUpEvent(follow_up_id=followup_id, at=now or clock.utcnow(), kind="status", text=status)
        )
        session.commit()
    return get_followup(db, followup_id)


def close_followup(db: Database, followup_id: int, resolution: str, now: datetime | None = None) -> FollowUpView:
    resolution = require_text(resolution, _("the resolution"))
    now = now or clock.utcnow()
    with db.session() as session:
        row = _open_row(session, followup_id)
        row.status, row.closed_at, row.resolution = CLOSED, now, resolution
        chain.seal(session, FollowUpEvent(follow_up_id=followup_id, at=now, kind="close", text=resolution))
        session.commit()
    return get_followup(db, followup_id)


def _add_event(db: Database, followup_id: int, kind: str, text: str, now: datetime | None) -> FollowUpView:
    with db.session() as session:
        _open_row(session, followup_id)
        chain.seal(session, FollowUpEvent(follow_up_id=followup_id, at=now or clock.utcnow(), kind=kind, text=text))
        session.commit()
    return get_followup(db, followup_id)


def _open_row(session: Session, followup_id: int) -> FollowUp:
    row = session.get(FollowUp, followup_id)
    if row is None:
        raise UserError(_("no follow-up #{id}").format(id=followup_id))
    if row.status == CLOSED:
        raise UserError(_("follow-up #{id} is already closed").format(id=followup_id))
    return row


def _clock_text(moment: datetime, config: Config) -> str:
    return moment.astimezone(config.zone).strftime("%m-%d %H:%M")


# -- reading --------------------------------------------------------------------------

COLUMNS = [c for c in columns_of(FollowUp)]


def _view(row, history: list[HistoryEntry] | None = None) -> FollowUpView:  # type: ignore[no-untyped-def]
    return FollowUpView(
        id=row.id,
        kind=row.kind,
        title=row.title,
        details=row.details,
        customer=row.customer,
        owner=row.owner,
        priority=row.priority,
        status=row.status,
        created_at=row.created_at,
        due_at=row.due_at,
        closed_at=row.closed_at,
        resolution=row.resolution,
        complaint_number=row.complaint_number,
        complaint_type=row.complaint_type,
        urgency=row.urgency,
        resolve_by=row.resolve_by,
        history=history,
    )


def get_followup(db: Database, followup_id: int) -> FollowUpView:
    """One follow-up with its history."""
    events = columns_of(FollowUpEvent)
    with db.engine.connect() as connection:
        row = connection.execute(select(*COLUMNS).where(FollowUp.id == followup_id)).first()
        if row is None:
            raise UserError(_("no follow-up #{id}").format(id=followup_id))
        history = [
            HistoryEntry(e.at, e.kind, e.text)
            for e in connection.execute(
                select(events.at, events.kind, events.text)
                .where(events.follow_up_id == followup_id)
                .order_by(events.at, events.id)
            )
        ]
    return _view(row, history)


def list_followups(
    db: Database,
    *,
    open_only: bool = False,
    overdue_only: bool = False,
    now: datetime | None = None,
    limit: int = 500,
) -> list[FollowUpView]:
    """Not-closed items first, soonest due first (so the overdue are on top), then closed ones."""
    now = now or clock.utcnow()
    query = select(*COLUMNS).order_by(col(FollowUp.status) == CLOSED, col(FollowUp.due_at), col(FollowUp.id))
    if open_only or overdue_only:
        query = query.where(FollowUp.status != CLOSED)
    if overdue_only:
        query = query.where(col(FollowUp.due_at) < now)
    with db.engine.connect() as connection:
        return [_view(row) for row in connection.execute(query.limit(limit))]


def open_followups(db: Database) -> list[FollowUpView]:
    """Every follow-up not closed yet (open or waiting), soonest due first: what a handover carries over."""
    query = select(*COLUMNS).where(FollowUp.status != CLOSED).order_by(col(FollowUp.due_at), col(FollowUp.id))
    with db.engine.connect() as connection:
        return [_view(row) for row in connection.execute(query)]


def late_text(due_at: datetime, now: datetime) -> str:
    """How late, e.g. '2 h 05 min' / '12 min'."""
    minutes = int((now - due_at).total_seconds() // 60)
    hours, minutes = divmod(max(minutes, 0), 60)
    if hours >= 48:
        return _("{days} d {hours} h").format(days=hours // 24, hours=hours % 24)
    if hours:
        return _("{hours} h {minutes:02d} min").format(hours=hours, minutes=minutes)
    return _("{minutes} min").format(minutes=minutes)
