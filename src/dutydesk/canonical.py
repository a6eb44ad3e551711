"""The canonical serialisation every signed or chained byte string uses (docs/handover-signing.md).

Lives outside `domain` because the store writes chain links with it too. Change it only by
adding a new format version, never by editing what version 1 means.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

# One encoder for every call: json.dumps builds a new one each time it gets options.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_bytes(value: Any) -> bytes:
    """JSON with sorted keys, no whitespace, non-ASCII as raw UTF-8; only str, int, bool, None."""
    return canonical_text(value).encode("utf-8")


def canonical_text(value: Any) -> str:
    """`canonical_bytes` as text: what a stored copy (text) is compared with, without encoding both."""
    return _ENCODER.encode(value)


def iso_utc(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC with microseconds and 'Z': 2026-11-26T09:40:00.000000Z (a naive time is UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
