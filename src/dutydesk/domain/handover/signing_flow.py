"""Signing: outgoing first, incoming second; the incoming signature passes responsibility to the next shift."""

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dutydesk import clock
from dutydesk.canonical import canonical_bytes
from dutydesk.config import Config
from dutydesk.domain import shifts, supervisors
from dutydesk.domain.handover.content import content_of, record_digest, signature_digest
from dutydesk.domain.handover.records import get_handover, load_rows
from dutydesk.domain.handover.review import refresh_carried
from dutydesk.domain.handover.views import INCOMING, OUTGOING, OUTGOING_SIGNED, ROLES, SIGNED, HandoverView, role_label
from dutydesk.domain.signing import Signer, unlock_signer
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.store import chain
from dutydesk.store.db import Database
from dutydesk.store.tables import Handover, HandoverSignature, Shift


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
    # What is signed is what is open now: a problem logged since the last look must be read back.
    handover = refresh_carried(db, config, handover_id, now) if role == OUTGOING else get_handover(db, handover_id)
    check_signer(db, handover, role, supervisor)
    if role == INCOMING:
        _check_next_shift(db, handover, supervisor)
    now = now or clock.utcnow()
    signer = unlock_signer(db, config, supervisor, pin, now)
    rows = load_rows(db, [handover_id])[0]
    with db.session() as session:
        # Locking the heads first holds every append of the team until this commits: the heads
        # signed are the true ends of the chains.
        heads = chain_heads(session, handover.team)
        stored = session.get(Handover, handover_id)
        assert stored is not None
        if role == OUTGOING:
            stored.previous_digest = _chain_head(db, handover.team)
            rows.handover = stored
            stored.signed_content = canonical_bytes(content_of(rows, heads)).decode("utf-8")
        else:
            stored.incoming_shift_id = _switch_shifts(session, config, handover, signer, now)
        signature = _signature_row(stored, rows.signatures, signer, role, heads, now)
        session.add(signature)
        stored.status = OUTGOING_SIGNED if role == OUTGOING else SIGNED
        if role == INCOMING:
            stored.digest = record_digest(stored.signed_content, [*rows.signatures, signature])
        try:
            session.commit()
        except IntegrityError:  # signed a moment ago at another console
            raise UserError(_("handover #{id} was just signed at another console").format(id=handover_id)) from None
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
                    items=_("; ").join(item.label for item in missing)
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


def check_signer(db: Database, handover: HandoverView, role: str, supervisor: str) -> None:
    """Refuse, before the PIN is asked, a signature that cannot be: an unknown role or
    supervisor, a checklist not ready, the wrong person for the role."""
    if role not in ROLES:
        raise UserError(_("unknown role {role!r}: outgoing or incoming").format(role=role))
    supervisors.get_supervisor(db, supervisor)  # refuses an unknown name
    check_ready(handover, role)
    outgoing = handover.signature(OUTGOING)
    if role == OUTGOING and supervisor != handover.outgoing_supervisor:
        raise UserError(
            _("the outgoing supervisor of shift #{shift} is {name}, not {other}").format(
                shift=handover.outgoing_shift_id, name=handover.outgoing_display, other=_shown_name(db, supervisor)
            )
        )
    if role == INCOMING and outgoing is not None and outgoing.supervisor == supervisor:
        raise UserError(
            _("{name} signed as outgoing supervisor: the incoming one must be someone else").format(
                name=outgoing.supervisor_display
            )
        )


def _shown_name(db: Database, name: str) -> str:
    """A supervisor's display name for a message; an unknown name as typed (signing then says it is unknown)."""
    try:
        return supervisors.get_supervisor(db, name).display_name
    except UserError:
        return name


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


def chain_heads(session: Session, team: str) -> dict[str, dict[str, Any]]:
    """The heads of the team's chain and of the chain of rows of no team, locked until commit."""
    connection = session.connection()
    heads = {name: chain.lock_head(connection, name) for name in dict.fromkeys((team, chain.CENTER))}
    return {name: {"seq": seq, "digest": digest} for name, (seq, digest) in heads.items()}


def _signature_row(
    handover: Handover,
    earlier: list[HandoverSignature],
    signer: Signer,
    role: str,
    heads: dict[str, Any],
    now: datetime,
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
        chain_heads=canonical_bytes(heads).decode("utf-8"),
    )
    assert handover.signed_content is not None
    row.digest = signature_digest(handover.signed_content, earlier, row, handover.incoming_shift_id)
    row.signature = signer.sign(row.digest)
    return row


def _check_next_shift(db: Database, handover: HandoverView, incoming: str) -> None:
    """Refuse before signing what `_switch_shifts` could not do after it."""
    current = shifts.current_shift(db, handover.team)
    if current is not None and current.id != handover.outgoing_shift_id and current.supervisor != incoming:
        raise UserError(
            _("shift #{shift} is open for {name}: close it before {incoming} takes over").format(
                shift=current.id, name=current.supervisor_display, incoming=_shown_name(db, incoming)
            )
        )


def _switch_shifts(session: Session, config: Config, handover: HandoverView, incoming: Signer, now: datetime) -> int:
    """Responsibility passes at the signature: close the outgoing shift, open (or keep) the next.

    Done in the signature's own unit of work, so the signature and the switch commit together
    (or neither does, and signing can simply be tried again). Returns the incoming shift's id.
    """
    outgoing = session.get(Shift, handover.outgoing_shift_id)
    assert outgoing is not None
    if outgoing.status == shifts.OPEN:
        shifts.close_in(session, outgoing.id, now)  # type: ignore[arg-type]
    current = session.exec(select(Shift).where(Shift.team == handover.team, Shift.status == shifts.OPEN)).first()
    if current is None:
        # Signed a little before the outgoing shift's planned end, it is still the next
        # slot that starts: plan the new shift from that end, not from the signing time.
        planned_for = max(now, outgoing.planned_end)
        current = shifts.add_shift(session, config, incoming.supervisor.id, handover.team, now, planned_for)
    assert current.id is not None
    return current.id
