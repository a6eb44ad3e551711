"""Verification without any PIN: content, signatures, record digests and the chain of each team."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dutydesk.domain.handover.content import content_of, record_digest, signature_digest
from dutydesk.domain.handover.records import Rows, load_rows
from dutydesk.domain.handover.views import INCOMING, OUTGOING, SIGNED, role_label
from dutydesk.domain.signing import canonical_bytes, public_keys, sha256_hex, verify_digest
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.store.db import Database
from dutydesk.store.tables import HandoverSignature


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
    records = load_rows(db, None)
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


def _check_record(rows: Rows, keys: dict[int, str], problems: list[Problem]) -> str | None:
    """Append what no longer matches in one record; return its recomputed digest (if complete)."""
    handover = rows.handover
    snapshot = handover.signed_content
    if snapshot is None:
        problems.append(Problem(handover.id, _("the signed copy of the content is missing")))
        return None
    for field in _changed_fields(snapshot, content_of(rows)):
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
    digest = record_digest(snapshot, rows.signatures)
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
    digest = signature_digest(snapshot, earlier, signature)
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


def _check_chains(records: list[Rows], digests: dict[int, str | None]) -> list[Problem]:
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
