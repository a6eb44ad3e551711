"""The handover while it is reviewed: kept up to date with the shift until the outgoing signature.

A draft's carried-over list is refreshed from its sources (open problems, open follow-ups)
and from the read-back items' notes whenever it is answered, confirmed or about to be
signed, so a problem logged after the start is carried and one resolved since is not. A
row that is still there keeps its confirmation if its text is unchanged: what the incoming
supervisor acknowledged is exactly what is signed. Answering the action list makes each
line a follow-up (`actions`), which the list then carries.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain import actions, shifts, threads
from dutydesk.domain.freetext import require_text
from dutydesk.domain.handover.answering import answer_item, confirm_carried
from dutydesk.domain.handover.carry import CARRY_OVER_SOURCES, CarryOver
from dutydesk.domain.handover.records import get_handover
from dutydesk.domain.handover.views import (
    READBACK_SOURCE,
    THREAD_SOURCE,
    CarriedView,
    HandoverView,
    ItemView,
    note_required,
    statuses_for,
)
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.store import chain
from dutydesk.store.db import Database
from dutydesk.store.tables import HandoverAnswer, HandoverCarried


def refresh_carried(db: Database, config: Config, handover_id: int, now: datetime | None = None) -> HandoverView:
    """Bring a draft's carried-over rows up to date (a signed one never changes)."""
    view = get_handover(db, handover_id)
    if view.frozen:
        return view
    now = now or clock.utcnow()
    wanted = [entry for source in CARRY_OVER_SOURCES for entry in source(db, config, view.team, now)]
    wanted += _readback_notes(view, config)
    with db.session() as session:
        rows = session.execute(select(HandoverCarried).where(col(HandoverCarried.handover_id) == handover_id)).scalars()
        existing = {(row.source, row.ref): row for row in rows}
        # A row keeps its number for the whole handover (`handover confirm N` names it), so
        # what is carried later is numbered after everything carried so far.
        next_number = max((row.position for row in existing.values()), default=0) + 1
        for entry in wanted:
            row = existing.pop((entry.source, entry.ref), None)
            if row is None:
                row, next_number = entry.as_row(handover_id, next_number), next_number + 1
                session.add(row)
            elif _changed(row, entry):
                session.delete(row)  # changed since it was read back: read it back again
                row = entry.as_row(handover_id, row.position)
                session.add(row)
            # Unchanged in data, the row takes the text as carried now (a row from before the
            # text was the user's own words loses its translated count before it is signed).
            row.text, row.details = entry.text, entry.stored_details
        for gone in existing.values():  # resolved, closed, or no longer in a read-back note
            session.delete(gone)
        session.commit()
    return get_handover(db, handover_id)


def _changed(row: HandoverCarried, entry: CarryOver) -> bool:
    """Changed since it was read back: in its data when both have it, else in its text. Not the
    language it is shown in: a refresh under another language keeps the read-back."""
    if row.item_key != entry.item_key:
        return True
    if row.details is not None and entry.details is not None:
        return bool(json.loads(row.details) != entry.details)
    return row.text != entry.text


def _readback_notes(view: HandoverView, config: Config) -> list[CarryOver]:
    """Each read-back item's note (special customers, notices) for the incoming supervisor to acknowledge."""
    return [
        CarryOver(item.key, READBACK_SOURCE, position, item.note, item.answered_at)
        for position, item in enumerate(view.items, start=1)
        if item.key in config.handover.readback_items and item.note and item.answered_at is not None
    ]


def answer(
    db: Database,
    config: Config,
    handover_id: int,
    key: str,
    status: str,
    note: str = "",
    now: datetime | None = None,
) -> HandoverView:
    """Answer an item; an action list's new lines become follow-ups; then refresh the carried rows."""
    now = now or clock.utcnow()
    view = answer_item(db, handover_id, key, status, note, now)
    item = next(i for i in view.items if i.key == key)
    if item.kind == "actions" and item.note:
        numbered = actions.follow_up_lines(
            db, config, item.note, _("from the action list of handover #{id}").format(id=handover_id), now
        )
        if numbered != item.note:
            answer_item(db, handover_id, key, status, numbered, now)
    return refresh_carried(db, config, handover_id, now)


def confirm(
    db: Database, config: Config, handover_id: int, numbers: list[int], now: datetime | None = None
) -> HandoverView:
    """Read-back of the carried rows `numbers` (as last shown), then refresh."""
    view = get_handover(db, handover_id)
    for number in numbers:
        view.carried_item(number)  # all known before any is confirmed
    for number in numbers:
        confirm_carried(db, handover_id, number, now)
    return refresh_carried(db, config, handover_id, now)


def prefill_note(db: Database, handover_id: int, key: str, note: str) -> None:
    """A draft's suggested note for an item nobody has answered or written in yet; no answer is given."""
    with db.session() as session:
        row = session.execute(
            select(HandoverAnswer).where(col(HandoverAnswer.handover_id) == handover_id, col(HandoverAnswer.key) == key)
        ).scalar_one()
        if row.status is None and not row.note:
            row.note = note
            chain.seal(session, row)  # an answer row is part of the sealed record, drafted or not
            session.commit()


@dataclass(frozen=True)
class SectionReview:
    """What confirming a section at once would do, to show before it is done."""

    items: list[ItemView]  # unanswered items "ok" answers without a note
    carried: list[CarriedView]  # carried rows confirmed together
    flagged: list[CarriedView]  # carried rows still read back one by one

    @property
    def empty(self) -> bool:
        return not self.items and not self.carried


def section_review(view: HandoverView, section: str) -> SectionReview:
    items = [item for item in view.items if item.section == section]
    keys = {item.key for item in items}
    waiting = [c for c in view.unconfirmed() if c.item_key in keys]
    return SectionReview(
        items=[item for item in items if item.status is None and _ok_needs_no_note(item)],
        carried=[c for c in waiting if not c.flagged],
        flagged=[c for c in waiting if c.flagged],
    )


def _ok_needs_no_note(item: ItemView) -> bool:
    return "ok" in statuses_for(item.kind) and not note_required(item.kind, "ok")


def confirm_section(
    db: Database, config: Config, handover_id: int, section: str, now: datetime | None = None
) -> HandoverView:
    """Answer "ok" to every unanswered item of the section that needs no note and confirm its
    unflagged carried rows; flagged rows are left for the read-back one by one."""
    now = now or clock.utcnow()
    review = section_review(get_handover(db, handover_id), section)
    for item in review.items:
        answer_item(db, handover_id, item.key, "ok", item.note, now)
    return confirm(db, config, handover_id, [c.number for c in review.carried], now)


def resolve_carried(
    db: Database, config: Config, handover_id: int, number: int, note: str, now: datetime | None = None
) -> HandoverView:
    """From the checklist: the carried problem `number` is over (logged in the outgoing shift)."""
    carried, shift = _carried_problem(db, handover_id, number)
    threads.resolve(db, config, shift, carried.ref, note, now)
    return refresh_carried(db, config, handover_id, now)


def still_open(
    db: Database, config: Config, handover_id: int, number: int, note: str, now: datetime | None = None
) -> HandoverView:
    """From the checklist: the carried problem `number` goes on; the note is logged as its latest
    state and the incoming supervisor's read-back of it is recorded."""
    carried, shift = _carried_problem(db, handover_id, number)
    threads.update(db, config, shift, carried.ref, require_text(note, _("the note")), now)
    view = refresh_carried(db, config, handover_id, now)
    updated = next(c for c in view.carried if (c.source, c.ref) == (carried.source, carried.ref))
    return confirm(db, config, handover_id, [updated.number], now)


def _carried_problem(db: Database, handover_id: int, number: int) -> tuple[CarriedView, ShiftInfo]:
    view = get_handover(db, handover_id)
    if view.frozen:
        raise UserError(_("handover #{id} is signed: it can no longer change").format(id=handover_id))
    carried = view.carried_item(number)
    if carried.source != THREAD_SOURCE:
        raise UserError(_("carried-over item {number} is not a problem from the duty log").format(number=number))
    return carried, shifts.get_shift(db, view.outgoing_shift_id)


def confirmable_together(view: HandoverView, numbers: list[int]) -> tuple[list[int], int]:
    """Of the shown carried rows `numbers`, those a bulk confirmation takes (not yet confirmed,
    not flagged), and how many flagged ones still wait for a read-back one by one."""
    shown = [view.carried_item(number) for number in numbers]
    waiting = [c for c in shown if c.confirmed_at is None]
    return [c.number for c in waiting if not c.flagged], sum(c.flagged for c in waiting)
