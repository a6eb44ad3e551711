"""Verification without any PIN: content, signatures, record digests and the chain of each team."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from dutydesk.canonical import canonical_bytes
from dutydesk.config import Label
from dutydesk.domain.chain import ChainCheck, check_chain
from dutydesk.domain.handover.anchor import Anchor, anchor_of, check_anchor
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
from dutydesk.store.tables import HandoverSignature


@dataclass(frozen=True)
class Problem:
    handover_id: int | None  # None: the record chain, not one handover
    what: str  # translated, names what no longer matches and where


@dataclass(frozen=True)
class VerifyReport:
    checked: list[int]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


# What a stored value that is not what it claims (bad hex, JSON, key bytes) raises while checked.
MALFORMED = (ValueError, TypeError, KeyError, AttributeError)


@dataclass(frozen=True)
class RecordSeal:
    """The verdict on the whole record and its anchor, computed once (an export of many shifts reuses it)."""

    report: VerifyReport
    anchor: Anchor | None  # None when the record cannot even be read

    def problems_of(self, handover_id: int | None) -> list[str]:
        """What concerns one shift's handover (None: no handover yet): its own problems and the chain's."""
        return [p.what for p in self.report.problems if p.handover_id in (None, handover_id)]


def seal_of_record(db: Database, anchor: Anchor | None = None) -> RecordSeal:
    """Verify everything (against `anchor` when given) and take the record's anchor as it stands.
    Needs no PIN; never raises for what it finds stored, however malformed: that is a problem."""
    try:
        checked, problems, chain = _verify_all(db)
        if anchor is not None:
            problems.extend(Problem(None, what) for what in check_anchor(db, anchor, chain))
        return RecordSeal(VerifyReport(checked, problems), anchor_of(db, chain))
    except (SQLAlchemyError, *MALFORMED) as error:  # a stored value the database driver cannot even read
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        problem = Problem(None, _("the stored record cannot be read: {reason}").format(reason=reason))
        return RecordSeal(VerifyReport([], [problem]), None)


def verify_handovers(db: Database, handover_id: int | None = None, anchor: Anchor | None = None) -> VerifyReport:
    """Check every handover that is, says or looks signed (or one), its signatures, the chain of
    handovers, the record chain its signatures cover and, given an anchor, that the record extends it."""
    report = seal_of_record(db, anchor).report
    checked, problems = report.checked, report.problems
    if handover_id is not None:
        if handover_id not in checked:
            raise UserError(_("handover #{id} is not signed (or does not exist)").format(id=handover_id))
        problems, checked = [p for p in problems if p.handover_id == handover_id], [handover_id]
    return VerifyReport(checked, problems)


def _verify_all(db: Database) -> tuple[list[int], list[Problem], ChainCheck]:
    keys = public_keys(db)
    records = load_rows(db, None)
    chain = check_chain(db)
    problems: list[Problem] = []
    digests: dict[int, str | None] = {}
    for rows in records:
        try:
            digests[rows.handover.id] = _check_record(rows, keys, chain, problems)
        except MALFORMED as error:
            problems.append(Problem(rows.handover.id, _("a stored value is malformed: {error}").format(error=error)))
            digests[rows.handover.id] = None
    problems.extend(_check_chains(records, digests))
    problems.extend(Problem(None, link.describe()) for link in chain.breaks)
    return [rows.handover.id for rows in records], problems, chain


def _check_record(rows: Rows, keys: dict[int, str], chain: ChainCheck, problems: list[Problem]) -> str | None:
    """Append what no longer matches in one record; return its recomputed digest when both signed it."""
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
        return None
    outgoing = rows.signatures[0] if roles[:1] == [OUTGOING] else None
    heads = json.loads(outgoing.chain_heads) if outgoing is not None and outgoing.chain_heads is not None else None
    for field in _changed_fields(snapshot, content_of(rows, heads)):
        problems.append(Problem(handover.id, _("{field} changed after signing").format(field=field)))
    for index, signature in enumerate(rows.signatures):
        name = rows.display_names.get(signature.supervisor_name, signature.supervisor_name)
        who = _("{role} signature of {name}").format(role=role_label(signature.role), name=name)
        earlier = rows.signatures[:index]
        for what in _check_signature(snapshot, earlier, signature, handover.incoming_shift_id, keys):
            problems.append(Problem(handover.id, f"{who}: {what}"))
        for what in _check_heads(signature, chain):
            problems.append(Problem(handover.id, f"{who}: {what}"))
    if signed_status != SIGNED:
        return None
    digest = record_digest(snapshot, rows.signatures)
    if handover.digest != digest:
        problems.append(Problem(handover.id, _("the stored record digest does not match the record")))
    return digest


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
    """Where the stored rows differ from the signed copy, in words: "the note of checklist item “CRM …”"."""
    if canonical_bytes(current).decode("utf-8") == snapshot:
        return []
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


def _check_chains(records: list[Rows], digests: dict[int, str | None]) -> list[Problem]:
    """Per team, each signed handover must link to the digest of the last one signed by both
    before it (a record only the outgoing supervisor signed is checked but is no link)."""
    problems = []
    last_by_team: dict[str, tuple[int, str | None]] = {}
    for rows in records:
        handover = rows.handover
        linked = _linked_digest(handover.signed_content)
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
        if digests.get(handover.id) is not None:
            last_by_team[handover.team] = (handover.id, digests[handover.id])
    return problems


def _linked_digest(snapshot: str | None) -> str | None:
    try:
        return json.loads(snapshot).get("previous_digest") if snapshot else None
    except MALFORMED:
        return None
