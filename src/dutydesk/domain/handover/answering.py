"""Starting a handover from the checklist template, answering its items, confirming what is carried over."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain import shifts
from dutydesk.domain.freetext import require_text
from dutydesk.domain.handover.carry import CARRY_OVER_SOURCES
from dutydesk.domain.handover.records import get_handover, handover_of_shift
from dutydesk.domain.handover.views import HandoverView, note_required, status_label, statuses_for
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.store import chain
from dutydesk.store.db import Database
from dutydesk.store.tables import Handover, HandoverAnswer, HandoverCarried


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
        for answer in _answers_from_template(config, handover.id):
            chain.seal(session, answer)
        carried = [entry for source in CARRY_OVER_SOURCES for entry in source(db, config, shift.team, now)]
        session.add_all(c.as_row(handover.id, position) for position, c in enumerate(carried, start=1))
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
                id=handover.id, name=first.supervisor_display
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
            _("{item} takes {choices}, not {status!r}").format(
                item=item.label, choices=" / ".join(allowed), status=status
            )
        )
    note = require_text(note, _("the note")).strip() if note.strip() else ""
    if note_required(item.kind, status) and not note:
        raise UserError(_("{item}: write a note for {status}").format(item=item.label, status=status_label(status)))
    with db.session() as session:
        row = session.execute(
            select(HandoverAnswer).where(col(HandoverAnswer.handover_id) == handover_id, col(HandoverAnswer.key) == key)
        ).scalar_one()
        row.status, row.note, row.answered_at = status, note, now or clock.utcnow()
        chain.seal(session, row)
        session.commit()
    return get_handover(db, handover_id)


def confirm_carried(
    db: Database, handover_id: int, number: int | None = None, now: datetime | None = None
) -> HandoverView:
    """Read-back: the incoming supervisor confirms carried item `number` (all when None)."""
    handover = _editable(db, handover_id)
    if number is not None:
        handover.carried_item(number)  # refuses a number the handover does not have
    with db.session() as session:
        query = select(HandoverCarried).where(col(HandoverCarried.handover_id) == handover_id)
        if number is not None:
            query = query.where(col(HandoverCarried.position) == number)
        for row in session.execute(query).scalars():
            if row.confirmed_at is None:
                row.confirmed_at = now or clock.utcnow()
        session.commit()
    return get_handover(db, handover_id)
