"""The handover (交接班): a checklist the outgoing and incoming supervisors both sign.

A handover belongs to the outgoing shift. It copies the checklist template from the config
(so a later template change leaves old records as they were), carries over what the next
shift must know (unresolved anomalies from the duty log, open follow-ups), and is answered
item by item. The outgoing supervisor signs first, the incoming one second; from the first
signature on the record is frozen. The incoming signature closes the outgoing shift and
opens the incoming one. `verify_handovers` re-checks every signature and the hash chain
without any PIN. The signed bytes are defined in docs/handover-signing.md.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain import followups, log, shifts
from dutydesk.domain.followups import FollowUpView
from dutydesk.domain.freetext import require_text
from dutydesk.domain.log import LogEntryView, LogFilter, list_entries
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.domain.signing import (
    Signer,
    canonical_bytes,
    iso_utc,
    public_keys,
    sha256_hex,
    unlock_signer,
    verify_digest,
)
from dutydesk.errors import UserError
from dutydesk.i18n import N_, _, current_language
from dutydesk.store.db import Database
from dutydesk.store.tables import (
    Handover,
    HandoverAnswer,
    HandoverCarried,
    HandoverSignature,
    LogEntry,
    Shift,
    Supervisor,
)

CONTENT_FORMAT = "dutydesk.handover/1"
SIGNATURE_FORMAT = "dutydesk.handover.signature/1"
RECORD_FORMAT = "dutydesk.handover.record/1"

DRAFT, OUTGOING_SIGNED, SIGNED = "draft", "outgoing_signed", "signed"
OUTGOING, INCOMING = "outgoing", "incoming"
ROLES = {OUTGOING: N_("outgoing"), INCOMING: N_("incoming")}

CHECK_STATUSES = {"ok": N_("ok"), "issue": N_("issue"), "na": N_("n.a.")}
FLOOR_STATUSES = {"stable": N_("stable"), "watch": N_("watch"), "unstable": N_("unstable")}
AUTO_FILLED_KINDS = ("anomalies", "follow_ups")


def statuses_for(kind: str) -> dict[str, str]:
    """The answers an item of this kind takes (msgids to show with `_()`)."""
    return FLOOR_STATUSES if kind == "floor_status" else CHECK_STATUSES


def note_required(kind: str, status: str) -> bool:
    """A floor status always says why; a list item answered "ok" holds the list; an issue says what."""
    return kind == "floor_status" or status == "issue" or (kind == "list" and status == "ok")


def status_label(status: str | None) -> str:
    if status is None:
        return "—"
    return _({**CHECK_STATUSES, **FLOOR_STATUSES}.get(status, status))


def role_label(role: str) -> str:
    return _(ROLES[role]) if role in ROLES else role


def _bilingual(en: str, zh: str | None) -> str:
    return zh if current_language() == "zh" and zh else en


@dataclass(frozen=True)
class ItemView:
    key: str
    section: str
    section_en: str
    section_zh: str | None
    label_en: str
    label_zh: str | None
    kind: str
    required: bool
    status: str | None
    note: str
    answered_at: datetime | None

    @property
    def label(self) -> str:
        return _bilingual(self.label_en, self.label_zh)

    @property
    def section_label(self) -> str:
        return _bilingual(self.section_en, self.section_zh)


@dataclass(frozen=True)
class CarriedView:
    number: int  # 1, 2, ... in the handover, what the user types to confirm it
    item_key: str
    source: str
    ref: int
    text: str
    at: datetime
    confirmed_at: datetime | None


@dataclass(frozen=True)
class SignatureView:
    role: str
    supervisor: str
    signed_at: datetime


@dataclass(frozen=True)
class HandoverView:
    id: int
    team: str
    outgoing_shift_id: int
    outgoing_supervisor: str
    incoming_shift_id: int | None
    started_at: datetime
    status: str
    items: list[ItemView]
    carried: list[CarriedView]
    signatures: list[SignatureView]

    @property
    def frozen(self) -> bool:
        return bool(self.signatures)

    def missing_required(self) -> list[ItemView]:
        return [item for item in self.items if item.required and item.status is None]

    def unconfirmed(self) -> list[CarriedView]:
        return [carried for carried in self.carried if carried.confirmed_at is None]

    def progress(self) -> tuple[int, int]:
        """(required answered, required)."""
        required = [item for item in self.items if item.required]
        return sum(item.status is not None for item in required), len(required)

    def signature(self, role: str) -> SignatureView | None:
        return next((s for s in self.signatures if s.role == role), None)

    def as_json(self, config: Config) -> dict[str, object]:
        def local(moment: datetime | None) -> str | None:
            return moment.astimezone(config.zone).isoformat() if moment else None

        answered, required = self.progress()
        return {
            "id": self.id,
            "team": self.team,
            "status": self.status,
            "outgoing_shift_id": self.outgoing_shift_id,
            "outgoing_supervisor": self.outgoing_supervisor,
            "incoming_shift_id": self.incoming_shift_id,
            "started_at": local(self.started_at),
            "required_answered": answered,
            "required_total": required,
            "items": [
                {
                    "key": i.key,
                    "section": i.section,
                    "kind": i.kind,
                    "label": i.label,
                    "required": i.required,
                    "status": i.status,
                    "note": i.note,
                    "answered_at": local(i.answered_at),
                }
                for i in self.items
            ],
            "carried": [
                {
                    "number": c.number,
                    "item": c.item_key,
                    "source": c.source,
                    "ref": c.ref,
                    "text": c.text,
                    "at": local(c.at),
                    "confirmed_at": local(c.confirmed_at),
                }
                for c in self.carried
            ],
            "signatures": [
                {"role": s.role, "supervisor": s.supervisor, "signed_at": local(s.signed_at)} for s in self.signatures
            ],
        }


# --- carried-over items -----------------------------------------------------------------


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
        .order_by(col(LogEntry.at), col(LogEntry.id))
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


# --- reading ----------------------------------------------------------------------------


def get_handover(db: Database, handover_id: int) -> HandoverView:
    views = _load_views(db, [handover_id])
    if not views:
        raise UserError(_("no handover #{id}").format(id=handover_id))
    return views[0]


def handover_of_shift(db: Database, shift_id: int) -> HandoverView | None:
    with db.engine.connect() as connection:
        found = connection.execute(select(Handover.id).where(Handover.outgoing_shift_id == shift_id)).scalar()
    return get_handover(db, found) if found is not None else None


def latest_handover(db: Database, team: str | None = None) -> HandoverView | None:
    query = select(Handover.id).order_by(col(Handover.id).desc()).limit(1)
    if team is not None:
        query = query.where(Handover.team == team)
    with db.engine.connect() as connection:
        found = connection.execute(query).scalar()
    return get_handover(db, found) if found is not None else None


def list_handovers(db: Database, limit: int = 50) -> list[HandoverView]:
    with db.engine.connect() as connection:
        ids = list(connection.execute(select(Handover.id).order_by(col(Handover.id).desc()).limit(limit)).scalars())
    return _load_views(db, ids)


def _load_views(db: Database, ids: list[int]) -> list[HandoverView]:
    return [_view(rows) for rows in _load_rows(db, ids)]


@dataclass
class _Rows:
    """One handover as stored: plain tuples from Core selects (also what verification reads)."""

    handover: Any
    outgoing_supervisor: str
    answers: list[Any]
    carried: list[Any]
    signatures: list[Any]


def _load_rows(db: Database, ids: list[int] | None) -> list[_Rows]:
    """The rows of the handovers `ids` (all signed ones when None), in id order, in bulk.

    Core selects of plain rows (verification reads thousands of records); the columns keep
    the names of the table classes' fields, so code reads `row.note` either way.
    """
    wanted = (
        select(Handover.id).where(col(Handover.id).in_(ids))
        if ids is not None
        else select(Handover.id).where(Handover.status != DRAFT)
    )
    handovers: Select[Any, str] = (
        select(Handover.__table__, col(Supervisor.name).label("outgoing_supervisor"))  # type: ignore[attr-defined]
        .join(Shift, col(Handover.outgoing_shift_id) == Shift.id)
        .join(Supervisor, col(Shift.supervisor_id) == Supervisor.id)
        .where(col(Handover.id).in_(wanted.scalar_subquery()))
        .order_by(col(Handover.id))
    )
    children: dict[type, dict[int, list[Any]]] = {}
    with db.engine.connect() as connection:
        found = connection.execute(handovers).all()
        for table in (HandoverAnswer, HandoverCarried, HandoverSignature):
            columns = table.__table__.c  # type: ignore[union-attr]
            order = columns.id if table is HandoverSignature else columns.position
            query = select(*columns).where(columns.handover_id.in_(wanted.scalar_subquery()))
            grouped: dict[int, list[Any]] = defaultdict(list)
            for row in connection.execute(query.order_by(columns.handover_id, order)):
                grouped[row.handover_id].append(row)
            children[table] = grouped
    return [
        _Rows(
            row,
            row.outgoing_supervisor,
            children[HandoverAnswer][row.id],
            children[HandoverCarried][row.id],
            children[HandoverSignature][row.id],
        )
        for row in found
    ]


def _view(rows: _Rows) -> HandoverView:
    handover = rows.handover
    return HandoverView(
        id=handover.id,
        team=handover.team,
        outgoing_shift_id=handover.outgoing_shift_id,
        outgoing_supervisor=rows.outgoing_supervisor,
        incoming_shift_id=handover.incoming_shift_id,
        started_at=handover.started_at,
        status=handover.status,
        items=[
            ItemView(
                a.key,
                a.section_key,
                a.section_en,
                a.section_zh,
                a.label_en,
                a.label_zh,
                a.kind,
                a.required,
                a.status,
                a.note,
                a.answered_at,
            )
            for a in rows.answers
        ],
        carried=[
            CarriedView(number, c.item_key, c.source, c.ref, c.text, c.at, c.confirmed_at)
            for number, c in enumerate(rows.carried, start=1)
        ],
        signatures=[SignatureView(s.role, s.supervisor_name, s.signed_at) for s in rows.signatures],
    )


def log_since_last_handover(db: Database, handover: HandoverView) -> list[LogEntryView]:
    """The outgoing shift's log entries since the team's previous signed handover, oldest first."""
    query = (
        select(func.max(HandoverSignature.signed_at))
        .join(Handover, col(HandoverSignature.handover_id) == Handover.id)
        .where(Handover.team == handover.team, col(Handover.id) < handover.id, HandoverSignature.role == INCOMING)
    )
    with db.engine.connect() as connection:
        since = connection.execute(query).scalar()
    entries = list_entries(db, LogFilter(shift_id=handover.outgoing_shift_id, since=since))
    return list(reversed(entries))


# --- starting and answering -------------------------------------------------------------


def start_handover(db: Database, config: Config, team: str | None = None, now: datetime | None = None) -> HandoverView:
    """The handover of the team's open shift: the one already started, else a new one."""
    shift = shifts.require_current_shift(db, team)
    existing = handover_of_shift(db, shift.id)
    if existing is not None:
        return existing
    now = now or clock.utcnow()
    handover = Handover(team=shift.team, outgoing_shift_id=shift.id, started_at=now)
    with db.session() as session:
        session.add(handover)
        try:
            session.flush()
        except IntegrityError:  # another console started it a moment ago
            session.rollback()
            found = handover_of_shift(db, shift.id)
            assert found is not None
            return found
        assert handover.id is not None  # assigned by the flush
        session.add_all(_answers_from_template(config, handover.id))
        carried = [entry for source in CARRY_OVER_SOURCES for entry in source(db, config, shift.team, now)]
        session.add_all(
            HandoverCarried(
                handover_id=handover.id,
                position=position,
                item_key=c.item_key,
                source=c.source,
                ref=c.ref,
                text=c.text,
                at=c.at,
            )
            for position, c in enumerate(carried, start=1)
        )
        session.commit()
    return get_handover(db, handover.id)


def _answers_from_template(config: Config, handover_id: int) -> Iterable[HandoverAnswer]:
    position = 0
    for section in config.handover.sections:
        for item in section.items:
            position += 1
            yield HandoverAnswer(
                handover_id=handover_id,
                position=position,
                section_key=section.key,
                section_en=section.label.en,
                section_zh=section.label.zh,
                key=item.key,
                label_en=item.label.en,
                label_zh=item.label.zh,
                kind=item.kind,
                required=item.required,
            )


def _editable(db: Database, handover_id: int) -> HandoverView:
    handover = get_handover(db, handover_id)
    if handover.frozen:
        first = handover.signatures[0]
        raise UserError(
            _("handover #{id} is signed by {name}: it can no longer change").format(
                id=handover.id, name=first.supervisor
            )
        )
    return handover


def answer_item(
    db: Database, handover_id: int, key: str, status: str, note: str = "", now: datetime | None = None
) -> HandoverView:
    handover = _editable(db, handover_id)
    item = next((i for i in handover.items if i.key == key), None)
    if item is None:
        raise UserError(
            _("no checklist item {key!r}: choose one of {choices}").format(
                key=key, choices=", ".join(i.key for i in handover.items)
            )
        )
    allowed = statuses_for(item.kind)
    if status not in allowed:
        raise UserError(
            _("{key} takes {choices}, not {status!r}").format(key=key, choices=" / ".join(allowed), status=status)
        )
    note = require_text(note, _("the note")).strip() if note.strip() else ""
    if note_required(item.kind, status) and not note:
        raise UserError(_("{key}: write a note for {status}").format(key=key, status=status_label(status)))
    with db.session() as session:
        row = session.execute(
            select(HandoverAnswer).where(HandoverAnswer.handover_id == handover_id, HandoverAnswer.key == key)
        ).scalar_one()
        row.status, row.note, row.answered_at = status, note, now or clock.utcnow()
        session.commit()
    return get_handover(db, handover_id)


def confirm_carried(
    db: Database, handover_id: int, number: int | None = None, now: datetime | None = None
) -> HandoverView:
    """Read-back: the incoming supervisor confirms carried item `number` (all when None)."""
    handover = _editable(db, handover_id)
    if number is not None and not 1 <= number <= len(handover.carried):
        raise UserError(
            _("handover #{id} has no carried-over item {number} (it has {count})").format(
                id=handover_id, number=number, count=len(handover.carried)
            )
        )
    with db.session() as session:
        query = select(HandoverCarried).where(HandoverCarried.handover_id == handover_id)
        if number is not None:
            query = query.where(HandoverCarried.position == number)
        for row in session.execute(query).scalars():
            if row.confirmed_at is None:
                row.confirmed_at = now or clock.utcnow()
        session.commit()
    return get_handover(db, handover_id)


# --- signing ------------------------------------------------------------------------------


def sign_handover(
    db: Database,
    config: Config,
    handover_id: int,
    role: str,
    supervisor: str,
    pin: str,
    now: datetime | None = None,
) -> HandoverView:
    """Sign as `role`. The incoming signature also closes the outgoing shift and opens the next."""
    if role not in ROLES:
        raise UserError(_("unknown role {role!r}: outgoing or incoming").format(role=role))
    handover = get_handover(db, handover_id)
    _check_can_sign(handover, role, supervisor)
    if role == INCOMING:
        _check_next_shift(db, handover, supervisor)
    now = now or clock.utcnow()
    signer = unlock_signer(db, config, supervisor, pin, now)
    rows = _load_rows(db, [handover_id])[0]
    with db.session() as session:
        stored = session.get(Handover, handover_id)
        assert stored is not None
        if role == OUTGOING:
            stored.previous_digest = _chain_head(db, handover.team)
            rows.handover = stored
            stored.signed_content = canonical_bytes(_content(rows)).decode("utf-8")
        signature = _signature_row(stored, rows.signatures, signer, role, now)
        session.add(signature)
        stored.status = OUTGOING_SIGNED if role == OUTGOING else SIGNED
        if role == INCOMING:
            stored.digest = _record_digest(stored.signed_content, [*rows.signatures, signature])
        try:
            session.commit()
        except IntegrityError:  # signed a moment ago at another console
            raise UserError(_("handover #{id} was just signed at another console").format(id=handover_id)) from None
    if role == INCOMING:
        _switch_shifts(db, config, handover, supervisor, now)
    return get_handover(db, handover_id)


def check_ready(handover: HandoverView, role: str) -> None:
    """Refuse signing as `role` now, whoever signs: what is missing or who must sign first."""
    if handover.signature(role) is not None:
        raise UserError(
            _("handover #{id} is already signed by the {role} supervisor").format(id=handover.id, role=role_label(role))
        )
    if role == OUTGOING:
        missing = handover.missing_required()
        if missing:
            raise UserError(
                _("cannot sign: required items not answered: {items}").format(
                    items=", ".join(item.key for item in missing)
                )
            )
        unconfirmed = handover.unconfirmed()
        if unconfirmed:
            raise UserError(
                _("cannot sign: the incoming supervisor has not confirmed carried-over items {numbers}").format(
                    numbers=", ".join(str(c.number) for c in unconfirmed)
                )
            )
    elif handover.signature(OUTGOING) is None:
        raise UserError(_("the outgoing supervisor signs first"))


def _check_can_sign(handover: HandoverView, role: str, supervisor: str) -> None:
    check_ready(handover, role)
    outgoing = handover.signature(OUTGOING)
    if role == OUTGOING and supervisor != handover.outgoing_supervisor:
        raise UserError(
            _("the outgoing supervisor of shift #{shift} is {name}, not {other}").format(
                shift=handover.outgoing_shift_id, name=handover.outgoing_supervisor, other=supervisor
            )
        )
    if role == INCOMING and outgoing is not None and outgoing.supervisor == supervisor:
        raise UserError(
            _("{name} signed as outgoing supervisor: the incoming one must be someone else").format(name=supervisor)
        )


def _chain_head(db: Database, team: str) -> str | None:
    """The digest of the team's last fully signed handover: the next one links to it."""
    query = (
        select(Handover.digest)
        .where(Handover.team == team, Handover.status == SIGNED)
        .order_by(col(Handover.id).desc())
        .limit(1)
    )
    with db.engine.connect() as connection:
        return connection.execute(query).scalar()


def _signature_row(
    handover: Handover, earlier: list[HandoverSignature], signer: Signer, role: str, now: datetime
) -> HandoverSignature:
    assert handover.id is not None  # a stored handover
    row = HandoverSignature(
        handover_id=handover.id,
        role=role,
        supervisor_id=signer.supervisor.id,
        supervisor_name=signer.supervisor.name,
        signed_at=now,
        key_fingerprint=signer.key_fingerprint,
        digest="",
        signature="",
    )
    assert handover.signed_content is not None
    row.digest = _signature_digest(handover.signed_content, earlier, row)
    row.signature = signer.sign(row.digest)
    return row


def _check_next_shift(db: Database, handover: HandoverView, incoming: str) -> None:
    """Refuse before signing what `_switch_shifts` could not do after it."""
    current = shifts.current_shift(db, handover.team)
    if current is not None and current.id != handover.outgoing_shift_id and current.supervisor != incoming:
        raise UserError(
            _("shift #{shift} is open for {name}: close it before {incoming} takes over").format(
                shift=current.id, name=current.supervisor, incoming=incoming
            )
        )


def _switch_shifts(db: Database, config: Config, handover: HandoverView, incoming: str, now: datetime) -> None:
    """Responsibility passes at the signature: close the outgoing shift, open (or keep) the next."""
    outgoing = shifts.get_shift(db, handover.outgoing_shift_id)
    if outgoing.status == shifts.OPEN:
        shifts.close_shift(db, outgoing.id, now)
    current: ShiftInfo | None = shifts.current_shift(db, handover.team)
    if current is None:
        # Signed a little before the outgoing shift's planned end, it is still the next
        # slot that starts: plan the new shift from that end, not from the signing time.
        current = shifts.open_shift(
            db, config, incoming, handover.team, now, planned_for=max(now, outgoing.planned_end)
        )
    with db.session() as session:
        stored = session.get(Handover, handover.id)
        assert stored is not None
        stored.incoming_shift_id = current.id
        session.commit()


# --- the signed bytes (format version 1, docs/handover-signing.md) -----------------------


def _content(rows: _Rows) -> dict[str, Any]:
    handover = rows.handover
    return {
        "format": CONTENT_FORMAT,
        "id": handover.id,
        "team": handover.team,
        "outgoing_shift_id": handover.outgoing_shift_id,
        "outgoing_supervisor": rows.outgoing_supervisor,
        "started_at": iso_utc(handover.started_at),
        "previous_digest": handover.previous_digest,
        "items": [
            {
                "key": a.key,
                "section": a.section_key,
                "section_en": a.section_en,
                "section_zh": a.section_zh,
                "label_en": a.label_en,
                "label_zh": a.label_zh,
                "kind": a.kind,
                "required": a.required,
                "status": a.status,
                "note": a.note,
                "answered_at": iso_utc(a.answered_at),
            }
            for a in rows.answers
        ],
        "carried": [
            {
                "number": number,
                "item": c.item_key,
                "source": c.source,
                "ref": c.ref,
                "text": c.text,
                "at": iso_utc(c.at),
                "confirmed_at": iso_utc(c.confirmed_at),
            }
            for number, c in enumerate(rows.carried, start=1)
        ],
    }


def _signature_fields(row: HandoverSignature) -> dict[str, Any]:
    return {
        "role": row.role,
        "supervisor": row.supervisor_name,
        "signed_at": iso_utc(row.signed_at),
        "key": row.key_fingerprint,
    }


def _signature_digest(signed_content: str, earlier: list[HandoverSignature], row: HandoverSignature) -> str:
    message = {
        "format": SIGNATURE_FORMAT,
        "content_digest": sha256_hex(signed_content.encode("utf-8")),
        "earlier_signatures": [s.signature for s in earlier],
        **_signature_fields(row),
    }
    return sha256_hex(canonical_bytes(message))


def _record_digest(signed_content: str | None, signatures: list[HandoverSignature]) -> str:
    assert signed_content is not None
    record = {
        "format": RECORD_FORMAT,
        "content_digest": sha256_hex(signed_content.encode("utf-8")),
        "signatures": [{**_signature_fields(s), "signature": s.signature} for s in signatures],
    }
    return sha256_hex(canonical_bytes(record))


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    handover_id: int
    what: str  # translated, names what no longer matches


@dataclass(frozen=True)
class VerifyReport:
    checked: list[int]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_handovers(db: Database, handover_id: int | None = None) -> VerifyReport:
    """Check every signed handover (or one, with its link to the one before): content, signatures,
    the record digest and the chain. Needs no PIN."""
    keys = public_keys(db)
    records = _load_rows(db, None)
    problems: list[Problem] = []
    digests: dict[int, str | None] = {}
    for rows in records:
        digests[rows.handover.id] = _check_record(rows, keys, problems)
    problems.extend(_check_chains(records, digests))
    checked = [rows.handover.id for rows in records]
    if handover_id is not None:
        if handover_id not in checked:
            raise UserError(_("handover #{id} is not signed (or does not exist)").format(id=handover_id))
        problems, checked = [p for p in problems if p.handover_id == handover_id], [handover_id]
    return VerifyReport(checked, problems)


def _check_record(rows: _Rows, keys: dict[int, str], problems: list[Problem]) -> str | None:
    """Append what no longer matches in one record; return its recomputed digest (if complete)."""
    handover = rows.handover
    snapshot = handover.signed_content
    if snapshot is None:
        problems.append(Problem(handover.id, _("the signed copy of the content is missing")))
        return None
    for field in _changed_fields(snapshot, _content(rows)):
        problems.append(Problem(handover.id, _("{field} changed after signing").format(field=field)))
    for index, signature in enumerate(rows.signatures):
        _check_signature(handover.id, snapshot, rows.signatures[:index], signature, keys, problems)
    roles = [s.role for s in rows.signatures]
    expected_roles = [OUTGOING, INCOMING] if handover.status == SIGNED else [OUTGOING]
    if roles != expected_roles:
        problems.append(
            Problem(
                handover.id, _("signatures are missing or out of order: {roles}").format(roles=", ".join(roles) or "—")
            )
        )
    if handover.status != SIGNED:
        return None
    digest = _record_digest(snapshot, rows.signatures)
    if handover.digest != digest:
        problems.append(Problem(handover.id, _("the stored record digest does not match the record")))
    return digest


def _check_signature(
    handover_id: int,
    snapshot: str,
    earlier: list[HandoverSignature],
    signature: HandoverSignature,
    keys: dict[int, str],
    problems: list[Problem],
) -> None:
    who = _("{role} signature of {name}").format(role=role_label(signature.role), name=signature.supervisor_name)
    public_key = keys.get(signature.supervisor_id)
    digest = _signature_digest(snapshot, earlier, signature)
    if public_key is None or sha256_hex(bytes.fromhex(public_key)) != signature.key_fingerprint:
        problems.append(Problem(handover_id, _("{who}: the signer's public key is missing or changed").format(who=who)))
    elif digest != signature.digest:
        problems.append(
            Problem(handover_id, _("{who}: signer, role, time or content changed after signing").format(who=who))
        )
    elif not verify_digest(public_key, digest, signature.signature):
        problems.append(Problem(handover_id, _("{who}: the signature is not valid").format(who=who)))


def _changed_fields(snapshot: str, current: dict[str, Any]) -> list[str]:
    """Where the stored rows differ from the signed copy, e.g. `items[crm].note`."""
    if canonical_bytes(current).decode("utf-8") == snapshot:
        return []
    try:
        signed = json.loads(snapshot)
    except ValueError:
        return [_("the signed copy")]
    changed = [
        key
        for key in sorted(set(signed) | set(current))
        if key not in ("items", "carried") and signed.get(key) != current.get(key)
    ]
    changed += _changed_in_list("items", signed.get("items", []), current["items"], lambda item: item["key"])
    changed += _changed_in_list("carried", signed.get("carried", []), current["carried"], lambda c: str(c["number"]))
    return changed or [_("the signed copy")]


def _changed_in_list(
    name: str, signed: list[dict[str, Any]], current: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]
) -> list[str]:
    before = {key(entry): entry for entry in signed}
    after = {key(entry): entry for entry in current}
    changed = []
    for entry_key in list(before) + [k for k in after if k not in before]:
        old, new = before.get(entry_key), after.get(entry_key)
        if old is None or new is None:
            changed.append(f"{name}[{entry_key}]")
            continue
        changed += [
            f"{name}[{entry_key}].{field}" for field in sorted(set(old) | set(new)) if old.get(field) != new.get(field)
        ]
    if not changed and [key(e) for e in signed] != [key(e) for e in current]:
        changed.append(_("order of {name}").format(name=name))
    return changed


def _check_chains(records: list[_Rows], digests: dict[int, str | None]) -> list[Problem]:
    """Per team, each signed handover must link to the digest of the last one signed by both
    before it (a record only the outgoing supervisor signed is checked but is no link)."""
    problems = []
    last_by_team: dict[str, tuple[int, str | None]] = {}
    for rows in records:
        handover = rows.handover
        snapshot = handover.signed_content
        linked = json.loads(snapshot).get("previous_digest") if snapshot else None
        previous = last_by_team.get(handover.team)
        if linked != (previous[1] if previous else None):
            problems.append(
                Problem(
                    handover.id,
                    _(
                        "the chain is broken: the previous signed handover of team {team} ({before}) is missing, "
                        "reordered or changed"
                    ).format(team=handover.team, before=f"#{previous[0]}" if previous else "—"),
                )
            )
        if handover.status == SIGNED:
            last_by_team[handover.team] = (handover.id, digests.get(handover.id))
    return problems
