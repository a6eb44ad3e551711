"""The signed bytes (docs/handover-signing.md): content, signature message, record digest.

Version 2 adds the chain heads the signature covers (and, in the incoming signature, the
incoming shift); version 1 records (no heads) keep verifying with the version 1 layout.
Content version 3 (schema 11 on) adds each carried row's `details`, the data `--json` shows.

Never change what a format version means: a new layout gets new format strings, and the
verifier keeps this code for old records.
"""

import json
from functools import lru_cache
from typing import Any

from dutydesk.canonical import canonical_bytes, sha256_hex
from dutydesk.domain.handover.records import Rows
from dutydesk.store.chain import canonical_time
from dutydesk.store.tables import HandoverSignature

CONTENT_FORMATS = {1: "dutydesk.handover/1", 2: "dutydesk.handover/2", 3: "dutydesk.handover/3"}
SIGNATURE_FORMATS = {1: "dutydesk.handover.signature/1", 2: "dutydesk.handover.signature/2"}
RECORD_FORMAT = "dutydesk.handover.record/1"


def content_of(rows: Rows, heads: dict[str, Any] | None) -> dict[str, Any]:
    """The content as signed; with the chain `heads` of the outgoing signature from version 2 on."""
    handover = rows.handover
    carried = [_carried_content(number, c) for number, c in enumerate(rows.carried, start=1)]
    # A record carried before schema 11 has no details: it keeps the layout it was signed in.
    version = 1 if heads is None else 3 if any("details" in c for c in carried) else 2
    versioned = {"format": CONTENT_FORMATS[version]} | ({} if heads is None else {"chain": heads})
    return {
        **versioned,
        "id": handover.id,
        "team": handover.team,
        "outgoing_shift_id": handover.outgoing_shift_id,
        "outgoing_supervisor": rows.outgoing_supervisor,
        "started_at": canonical_time(handover.started_at),
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
                "answered_at": canonical_time(a.answered_at),
            }
            for a in rows.answers
        ],
        "carried": carried,
    }


def _carried_content(number: int, row: Any) -> dict[str, Any]:
    content = {
        "number": number,
        "item": row.item_key,
        "source": row.source,
        "ref": row.ref,
        "text": row.text,
        "at": canonical_time(row.at),
        "confirmed_at": canonical_time(row.confirmed_at),
    }
    return content if row.details is None else content | {"details": json.loads(row.details)}


def signature_fields(row: HandoverSignature) -> dict[str, Any]:
    return {
        "role": row.role,
        "supervisor": row.supervisor_name,
        "signed_at": canonical_time(row.signed_at),
        "key": row.key_fingerprint,
    }


def signature_digest(
    signed_content: str, earlier: list[HandoverSignature], row: HandoverSignature, incoming_shift_id: int | None
) -> str:
    """The digest signed; version 2 (a signature that names chain heads) also covers those heads and,
    for the incoming signature, the shift it opens."""
    message = {
        "format": SIGNATURE_FORMATS[1],
        "content_digest": _content_digest(signed_content),
        "earlier_signatures": [s.signature for s in earlier],
        **signature_fields(row),
    }
    if row.chain_heads is not None:
        message["format"] = SIGNATURE_FORMATS[2]
        message["chain"] = json.loads(row.chain_heads)
        message["incoming_shift_id"] = incoming_shift_id if row.role == "incoming" else None
    return sha256_hex(canonical_bytes(message))


@lru_cache(maxsize=8)  # verification hashes each content for both signatures and the record: once
def _content_digest(signed_content: str) -> str:
    return sha256_hex(signed_content.encode("utf-8"))


def record_digest(signed_content: str | None, signatures: list[HandoverSignature]) -> str:
    assert signed_content is not None
    record = {
        "format": RECORD_FORMAT,
        "content_digest": _content_digest(signed_content),
        "signatures": [{**signature_fields(s), "signature": s.signature} for s in signatures],
    }
    return sha256_hex(canonical_bytes(record))
