"""Verification without any PIN: content, signatures, record digests and the chain of each team."""

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from dutydesk import collector
from dutydesk.canonical import canonical_text
from dutydesk.config import Label
from dutydesk.domain import chain as check
from dutydesk.domain.chain import ChainCheck
from dutydesk.domain.handover.anchor import Anchor, anchor_of, check_anchor, key_fingerprints
from dutydesk.domain.handover.content import content_of, record_digest, signature_digest
from dutydesk.domain.handover.records import Rows, load_rows
from dutydesk.domain.handover.views import (
    DRAFT,
    INCOMING,
    OUTGOING,
    OUTGOING_SIGNED,
    SIGNED,
    handover_status_label,
    role_label,
)
from dutydesk.domain.signing import fingerprint, public_keys, verify_digest
from dutydesk.errors import UserError
from dutydesk.i18n import N_, NP_, _
from dutydesk.store.db import Database
from dutydesk.store.tables import (
    ChainHead,
    Handover,
    HandoverAnswer,
    HandoverSignature,
    Incident,
    IncidentEvent,
    LogEntry,
    QueueAlert,
    table_of,
)

HANDOVER, SIGNATURE, HEAD = table_of(Handover), table_of(HandoverSignature), table_of(ChainHead)
LOG, ALERT, INCIDENT = table_of(LogEntry), table_of(QueueAlert), table_of(Incident)
EVENT, ANSWER = table_of(IncidentEvent), table_of(HandoverAnswer)


@dataclass(frozen=True)
class Problem:
    handover_id: int | None  # None: the record chain, not one handover
    what: str  # translated, names what no longer matches and where


@dataclass(frozen=True)
class VerifyReport:
    checked: list[int]
    problems: list[Problem]
    since: datetime | None = None  # when the oldest mark this check started from was verified
    whole: bool = False  # every link of the chain was recomputed from the first

    @property
    def ok(self) -> bool:
        return not self.problems


# What a stored value that is not what it claims (bad hex, JSON, key bytes) raises while checked.
MALFORMED = (ValueError, TypeError, KeyError, AttributeError)


@dataclass(frozen=True)
class RecordSeal:
    """A verdict on the record (whole, since the marks, or one shift's part) and its anchor."""

    report: VerifyReport
    anchor: Anchor | None  # None when the record cannot even be read

    def problems_of(self, handover_id: int | None) -> list[str]:
        """What concerns one shift's handover (None: no handover yet): its own problems and the chain's."""
        return [p.what for p in self.report.problems if p.handover_id in (None, handover_id)]


def seal_of_record(db: Database, anchor: Anchor | None = None) -> RecordSeal:
    """Verify everything (against `anchor` when given) and take the record's anchor as it stands.
    Needs no PIN; never raises for what it finds stored, however malformed: that is a problem."""
    return _sealed(lambda: _verify_whole(db, anchor))


def seal_since_marks(db: Database) -> RecordSeal:
    """Verify what was written since each team's last verified mark (the whole chain of a team
    without one), and the handovers signed since: `dutydesk verify` without `--all`."""
    return _sealed(lambda: _verify_since_marks(db))


def seal_of_shift(db: Database, shift_id: int) -> RecordSeal:
    """Verify one shift's part of the record: its handover's signatures and its rows' chain links
    (what its export needs), not the history; the anchor names the chain heads as stored."""
    return _sealed(lambda: _verify_shift(db, shift_id))


def record_verified(db: Database, seal: RecordSeal) -> str | None:
    """Store the heads `seal` verified as each team's mark, so the next `verify` starts there.
    Only a record found intact is marked: a problem is reported again until it is repaired.
    Returns why the marks could not be stored (a read-only or busy database), else None: the
    verdict stands either way, the next run then starts from the previous marks."""
    if not seal.report.ok or seal.anchor is None:
        return None
    try:
        with db.engine.connect() as connection:
            last, _moved = check.verify_marks(connection)
        check.write_marks(db, seal.anchor.heads, last, whole=seal.report.whole)
    except SQLAlchemyError as error:
        return str(error.orig if isinstance(error, DBAPIError) else error).splitlines()[0]
    return None


def verify_handovers(db: Database, handover_id: int | None = None, anchor: Anchor | None = None) -> VerifyReport:
    """Check every handover that is, says or looks signed, its signatures, the chain of handovers, the
    record chain its signatures cover and, given an anchor, that the record extends it. With
    `handover_id`: that one handover only (its shift's part of the record)."""
    if handover_id is None:
        return seal_of_record(db, anchor).report
    shift_id = _shift_of(db, handover_id)
    report = seal_of_shift(db, shift_id).report if shift_id is not None else None
    if report is None or handover_id not in report.checked:
        raise UserError(_("handover #{id} is not signed (or does not exist)").format(id=handover_id))
    return VerifyReport([handover_id], [p for p in report.problems if p.handover_id == handover_id])


def _sealed(verify: Callable[[], RecordSeal]) -> RecordSeal:
    try:
        with collector.paused():
            return verify()
    except (SQLAlchemyError, *MALFORMED) as error:  # a stored value the database driver cannot even read
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        problem = Problem(None, _("the stored record cannot be read: {reason}").format(reason=reason))
        return RecordSeal(VerifyReport([], [problem]), None)


def _verify_whole(db: Database, anchor: Anchor | None) -> RecordSeal:
    chain = check.check_chain(db)
    checked, problems = _verify_records(db, load_rows(db, None, times_as_stored=True), chain, {})
    if anchor is not None:
        problems.extend(Problem(None, what) for what in check_anchor(db, anchor, chain))
    return RecordSeal(VerifyReport(checked, problems, whole=True), anchor_of(db, chain))


def _verify_since_marks(db: Database) -> RecordSeal:
    with db.engine.connect() as connection:
        marks, moved = check.verify_marks(connection)
    chain = check.check_chain_since(db, {team: mark.head for team, mark in marks.items()})
    chain.breaks[:0] = moved
    ids, before = _signed_after(db, chain)
    checked, problems = _verify_records(db, load_rows(db, ids, times_as_stored=True), chain, before)
    since = min((mark.verified_at for mark in marks.values()), default=None)
    return RecordSeal(VerifyReport(checked, problems, since, whole=not marks), anchor_of(db, chain))


def _verify_shift(db: Database, shift_id: int) -> RecordSeal:
    with db.engine.connect() as connection:
        handover_id = connection.execute(
            select(HANDOVER.c.id).where(HANDOVER.c.outgoing_shift_id == shift_id, _looks_signed())
        ).scalar()
    records = load_rows(db, [handover_id], times_as_stored=True) if handover_id is not None else []
    heads: dict[str, set[int]] = defaultdict(set)
    for signature in (s for rows in records for s in rows.signatures):
        for team, seq in _named_heads(signature.chain_heads):
            heads[team].add(seq)
    with db.engine.connect() as connection:
        marks, _moved = check.verify_marks(connection)  # a moved mark is not trusted here: the span starts anew
    verified = {team: mark.head for team, mark in marks.items()}
    chain = check.check_links_of_rows(db, _rows_of_shift(shift_id), heads, verified)
    checked, problems = _verify_records(db, records, chain, _previous_records(db, records))
    return RecordSeal(VerifyReport(checked, problems), Anchor(_stored_heads(db), key_fingerprints(db)))


def _verify_records(
    db: Database, records: list[Rows], chain: ChainCheck, before: dict[str, tuple[int, str | None]]
) -> tuple[list[int], list[Problem]]:
    """Check `records` (every signed one, or those after `before`: team -> the last record before them)."""
    keys = public_keys(db)
    problems: list[Problem] = []
    digests: dict[int, str | None] = {}
    linked: dict[int, str | None] = {}
    for rows in records:
        handover = rows.handover
        try:
            digests[handover.id], linked[handover.id] = _check_record(rows, keys, chain, problems)
        except MALFORMED as error:
            problems.append(Problem(handover.id, _("a stored value is malformed: {error}").format(error=error)))
            digests[handover.id], linked[handover.id] = None, _linked_digest(handover.signed_content)
    problems.extend(_check_chains(records, digests, linked, before))
    problems.extend(Problem(None, link.describe()) for link in chain.breaks)
    return [rows.handover.id for rows in records], problems


def _looks_signed() -> ColumnElement[bool]:
    """A handover that is, says or looks signed: what verification checks."""
    return or_(
        HANDOVER.c.status != DRAFT,
        HANDOVER.c.signed_content.is_not(None),
        HANDOVER.c.digest.is_not(None),
        HANDOVER.c.id.in_(select(SIGNATURE.c.handover_id)),
    )


def _named_heads(chain_heads: str | None) -> list[tuple[str, int]]:
    """The (team, link number) a signature names; none for a version 1 signature or unreadable heads."""
    try:
        return [(str(team), int(head["seq"])) for team, head in json.loads(chain_heads or "{}").items()]
    except MALFORMED:
        return []


def _signed_after(db: Database, chain: ChainCheck) -> tuple[list[int], dict[str, tuple[int, str | None]]]:
    """The handovers to check since the marks: any signature naming a link the check read, or none
    at all, or heads that cannot be read; and per team the last record signed before them."""
    with db.engine.connect() as connection:
        candidates = dict(connection.execute(select(HANDOVER.c.id, HANDOVER.c.team).where(_looks_signed())).all())
        signed: dict[int, list[str | None]] = defaultdict(list)
        for handover_id, heads in connection.execute(select(SIGNATURE.c.handover_id, SIGNATURE.c.chain_heads)):
            signed[handover_id].append(heads)
    chosen = []
    for handover_id in sorted(candidates):
        heads = signed.get(handover_id, [])
        named = [head for text in heads for head in _named_heads(text)]
        unreadable = any(text is not None and not _named_heads(text) for text in heads)
        # A head after the team's mark (in a team without one: any link at all, not an empty chain's 0).
        if not heads or unreadable or any(seq >= chain.starts.get(team, 1) for team, seq in named):
            chosen.append(handover_id)
    return chosen, _last_signed_before(db, {candidates[i]: i for i in reversed(chosen)})


def _previous_records(db: Database, records: list[Rows]) -> dict[str, tuple[int, str | None]]:
    return _last_signed_before(db, {rows.handover.team: rows.handover.id for rows in records})


def _last_signed_before(db: Database, first_of_team: dict[str, int]) -> dict[str, tuple[int, str | None]]:
    """Per team, the record signed by both last before its first one checked (its stored digest)."""
    found: dict[str, tuple[int, str | None]] = {}
    with db.engine.connect() as connection:
        for team, first in first_of_team.items():
            query = select(HANDOVER.c.id, HANDOVER.c.digest).where(
                HANDOVER.c.team == team, HANDOVER.c.id < first, HANDOVER.c.digest.is_not(None)
            )
            row = connection.execute(query.order_by(HANDOVER.c.id.desc()).limit(1)).first()
            if row is not None:
                found[team] = (row.id, row.digest)
    return found


def _rows_of_shift(shift_id: int) -> dict[str, Select[Any]]:
    """The shift's chained rows, per table, as queries of their ids."""
    return {
        LOG.name: select(LOG.c.id).where(LOG.c.shift_id == shift_id),
        ALERT.name: select(ALERT.c.id).where(ALERT.c.shift_id == shift_id),
        EVENT.name: select(EVENT.c.id).where(
            EVENT.c.incident_id.in_(select(INCIDENT.c.id).where(INCIDENT.c.shift_id == shift_id))
        ),
        ANSWER.name: select(ANSWER.c.id).where(
            ANSWER.c.handover_id.in_(select(HANDOVER.c.id).where(HANDOVER.c.outgoing_shift_id == shift_id))
        ),
    }


def _stored_heads(db: Database) -> dict[str, tuple[int, str | None]]:
    with db.engine.connect() as connection:
        return {row.team: (row.seq, row.digest) for row in connection.execute(select(HEAD)) if row.seq}


def _shift_of(db: Database, handover_id: int) -> int | None:
    with db.engine.connect() as connection:
        return connection.execute(select(HANDOVER.c.outgoing_shift_id).where(HANDOVER.c.id == handover_id)).scalar()


def _check_record(
    rows: Rows, keys: dict[int, str], chain: ChainCheck, problems: list[Problem]
) -> tuple[str | None, str | None]:
    """Append what no longer matches in one record; return its recomputed digest when both signed it,
    and the digest of the previous record its signed copy names."""
    handover = rows.handover
    if rows.outgoing_supervisor is None:
        problems.append(
            Problem(
                handover.id,
                _("the outgoing shift #{shift} or its supervisor is missing").format(shift=handover.outgoing_shift_id),
            )
        )
    roles = [s.role for s in rows.signatures]
    signed_status = {(): DRAFT, (OUTGOING,): OUTGOING_SIGNED, (OUTGOING, INCOMING): SIGNED}.get(tuple(roles))
    if signed_status is None:
        what = _("signatures are missing or out of order: {roles}").format(
            roles=_(", ").join(role_label(role) for role in roles) or "—"
        )
        problems.append(Problem(handover.id, what))
    elif handover.status != signed_status:
        what = _("the status says “{status}” but the signatures say “{signed}”").format(
            status=handover_status_label(handover.status), signed=handover_status_label(signed_status)
        )
        problems.append(Problem(handover.id, what))
    snapshot = handover.signed_content
    if snapshot is None:
        problems.append(Problem(handover.id, _("the signed copy of the content is missing")))
        return None, None
    outgoing = rows.signatures[0] if roles[:1] == [OUTGOING] else None
    heads = json.loads(outgoing.chain_heads) if outgoing is not None and outgoing.chain_heads is not None else None
    current = content_of(rows, heads)
    rebuilt = canonical_text(current) == snapshot
    for field in [] if rebuilt else _changed_fields(snapshot, current):
        problems.append(Problem(handover.id, _("{field} changed after signing").format(field=field)))
    # A signed copy the rows rebuild names the rows' previous digest: no need to parse its text.
    linked = handover.previous_digest if rebuilt else _linked_digest(snapshot)
    for index, signature in enumerate(rows.signatures):
        name = rows.display_names.get(signature.supervisor_name, signature.supervisor_name)
        who = _("{role} signature of {name}").format(role=role_label(signature.role), name=name)
        earlier = rows.signatures[:index]
        for what in _check_signature(snapshot, earlier, signature, handover.incoming_shift_id, keys):
            problems.append(Problem(handover.id, f"{who}: {what}"))
        for what in _check_heads(signature, chain):
            problems.append(Problem(handover.id, f"{who}: {what}"))
    if signed_status != SIGNED:
        return None, linked
    digest = record_digest(snapshot, rows.signatures)
    if handover.digest != digest:
        problems.append(Problem(handover.id, _("the stored record digest does not match the record")))
    return digest, linked


def _check_signature(
    snapshot: str,
    earlier: list[HandoverSignature],
    signature: HandoverSignature,
    incoming_shift_id: int | None,
    keys: dict[int, str],
) -> list[str]:
    public_key = keys.get(signature.supervisor_id)
    try:
        digest = signature_digest(snapshot, earlier, signature, incoming_shift_id)
        key_matches = public_key is not None and fingerprint(public_key) == signature.key_fingerprint
    except MALFORMED:
        return [_("the signature row or the signer's key is malformed")]
    if not key_matches:
        return [_("the signer's public key is missing or changed")]
    if digest != signature.digest:
        return [_("signer, role, time, content or chain changed after signing")]
    if not verify_digest(public_key, digest, signature.signature):  # type: ignore[arg-type]
        return [_("the signature is not valid")]
    return []


def _check_heads(signature: HandoverSignature, chain: ChainCheck) -> list[str]:
    """The record chain up to each head the signature names must be intact and end in the signed digest."""
    if signature.chain_heads is None:  # format version 1: signed before the record chain existed
        return []
    found = []
    for team, head in json.loads(signature.chain_heads).items():
        seq, digest = int(head["seq"]), head["digest"]
        if not chain.read(team, seq):  # before the verified mark: that run checked it
            continue
        broken = chain.first_break(team, seq)
        if broken is not None:
            found.append(_("covers a broken record chain: {where}").format(where=broken.describe()))
        elif chain.digests[team].get(seq) != digest:
            found.append(
                _("covers link {seq} of the record chain of team {team}, which no longer matches").format(
                    seq=seq, team=team or _("(no team)")
                )
            )
    return found


def _changed_fields(snapshot: str, current: dict[str, Any]) -> list[str]:
    """Where the stored rows differ from the signed copy (they do), in words: "the note of checklist item “CRM …”"."""
    try:
        signed = json.loads(snapshot)
    except ValueError:
        return [_("the signed copy")]
    changed = [
        _field_label(key)
        for key in sorted(set(signed) | set(current))
        if key not in ("items", "carried") and signed.get(key) != current.get(key)
    ]
    changed += _changed_in_list("items", signed.get("items", []), current["items"], lambda item: item["key"])
    changed += _changed_in_list("carried", signed.get("carried", []), current["carried"], lambda c: str(c["number"]))
    return changed or [_("the signed copy")]


# The signed content's fields, as a message names them (docs/handover-signing.md lists them);
# a context of their own: "team", "time" or "key" mean other things elsewhere.
FIELD_LABELS = {
    "format": NP_("signed field", "format"),
    "chain": NP_("signed field", "chain heads"),
    "id": NP_("signed field", "handover number"),
    "team": NP_("signed field", "team"),
    "outgoing_shift_id": NP_("signed field", "outgoing shift"),
    "outgoing_supervisor": NP_("signed field", "outgoing supervisor"),
    "started_at": NP_("signed field", "start time"),
    "previous_digest": NP_("signed field", "link to the previous handover"),
    "key": NP_("signed field", "key"),
    "section": NP_("signed field", "section"),
    "section_en": NP_("signed field", "section (English)"),
    "section_zh": NP_("signed field", "section (Chinese)"),
    "label_en": NP_("signed field", "wording (English)"),
    "label_zh": NP_("signed field", "wording (Chinese)"),
    "kind": NP_("signed field", "kind"),
    "required": NP_("signed field", "whether it is required"),
    "status": NP_("signed field", "answer"),
    "note": NP_("signed field", "note"),
    "answered_at": NP_("signed field", "answer time"),
    "number": NP_("signed field", "number"),
    "item": NP_("signed field", "checklist item"),
    "source": NP_("signed field", "source"),
    "ref": NP_("signed field", "reference"),
    "text": NP_("signed field", "text"),
    "at": NP_("signed field", "time"),
    "confirmed_at": NP_("signed field", "confirmation"),
    "details": NP_("signed field", "details"),
}
LISTS = {"items": N_("the checklist"), "carried": N_("the carried-over items")}


def _field_label(field: str) -> str:
    return _(FIELD_LABELS[field]) if field in FIELD_LABELS else field


def _entry_label(name: str, entry: dict[str, Any]) -> str:
    """A checklist item by its wording, a carried-over item by its number."""
    if name == "items":
        return _("checklist item “{label}”").format(label=Label(en=entry["label_en"], zh=entry.get("label_zh")))
    return _("carried-over item {number}").format(number=entry["number"])


def _changed_in_list(
    name: str, signed: list[dict[str, Any]], current: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]
) -> list[str]:
    before = {key(entry): entry for entry in signed}
    after = {key(entry): entry for entry in current}
    changed = []
    for entry_key in list(before) + [k for k in after if k not in before]:
        old, new = before.get(entry_key), after.get(entry_key)
        if old is None or new is None:
            changed.append(_entry_label(name, old or new))  # type: ignore[arg-type]
            continue
        changed += [
            _("{field} of {entry}").format(field=_field_label(field), entry=_entry_label(name, old))
            for field in sorted(set(old) | set(new))
            if old.get(field) != new.get(field)
        ]
    if not changed and [key(e) for e in signed] != [key(e) for e in current]:
        changed.append(_("order of {name}").format(name=_(LISTS[name])))
    return changed


def _check_chains(
    records: list[Rows],
    digests: dict[int, str | None],
    linked: dict[int, str | None],
    before: dict[str, tuple[int, str | None]],
) -> list[Problem]:
    """Per team, each signed handover must link (`linked`: the digest its signed copy names) to the
    digest of the last one signed by both before it (a record only the outgoing supervisor signed is
    checked but is no link); `before`: per team, that record when it is not among `records` (its id
    and stored digest)."""
    problems = []
    last_by_team = dict(before)
    for rows in records:
        handover = rows.handover
        previous = last_by_team.get(handover.team)
        if linked[handover.id] != (previous[1] if previous else None):
            problems.append(
                Problem(
                    handover.id,
                    _(
                        "the chain is broken: the previous signed handover of team {team} ({before}) is missing, "
                        "reordered or changed"
                    ).format(team=handover.team, before=f"#{previous[0]}" if previous else "—"),
                )
            )
        if digests.get(handover.id) is not None:
            last_by_team[handover.team] = (handover.id, digests[handover.id])
    return problems


def _linked_digest(snapshot: str | None) -> str | None:
    try:
        return json.loads(snapshot).get("previous_digest") if snapshot else None
    except MALFORMED:
        return None
