"""Signing keys and signatures: Ed25519 over SHA-256 digests of a canonical serialisation.

Each supervisor gets an Ed25519 key pair the first time they sign. The private key is
sealed with AES-256-GCM under a key that scrypt derives from their PIN, so it is only
usable while they type it; the public key is stored in clear, so anyone can verify.
The canonical serialisation is defined in docs/handover-signing.md: change it only by
adding a new format version, never by editing version 1, or old records stop verifying.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain.supervisors import SupervisorInfo, get_supervisor, pin_matches
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.store.db import Database
from dutydesk.store.tables import PinGuard, SigningKey, Supervisor

# scrypt cost for sealing the private key: the same as the PIN hash (~50 ms).
SEAL_N, SEAL_R, SEAL_P = 2**14, 8, 1
SEAL_SCHEME = "scrypt-aesgcm"


# --- canonical serialisation (format version 1) ------------------------------------------


def canonical_bytes(value: Any) -> bytes:
    """JSON with sorted keys, no whitespace, non-ASCII as raw UTF-8; only str, int, bool, None."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def iso_utc(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC with microseconds and 'Z': 2026-11-26T09:40:00.000000Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- keys ---------------------------------------------------------------------------------


def fingerprint(public_key_hex: str) -> str:
    """SHA-256 of the raw public key, hex: names a key in a signed message."""
    return sha256_hex(bytes.fromhex(public_key_hex))


def _derive(pin: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=SEAL_N, r=SEAL_R, p=SEAL_P).derive(pin.encode())


def seal_private_key(private_key: Ed25519PrivateKey, pin: str, name: str) -> str:
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    raw = private_key.private_bytes_raw()
    sealed = AESGCM(_derive(pin, salt)).encrypt(nonce, raw, name.encode())
    return "$".join([SEAL_SCHEME, str(SEAL_N), str(SEAL_R), str(SEAL_P), salt.hex(), nonce.hex(), sealed.hex()])


def unseal_private_key(sealed: str, pin: str, name: str) -> Ed25519PrivateKey | None:
    """The private key, or None when the PIN does not open it."""
    _scheme, n, r, p, salt, nonce, data = sealed.split("$")
    key = Scrypt(salt=bytes.fromhex(salt), length=32, n=int(n), r=int(r), p=int(p)).derive(pin.encode())
    try:
        raw = AESGCM(key).decrypt(bytes.fromhex(nonce), bytes.fromhex(data), name.encode())
    except InvalidTag:
        return None
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_hex(private_key: Ed25519PrivateKey) -> str:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def verify_digest(public_key: str, digest_hex: str, signature_hex: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(
            bytes.fromhex(signature_hex), bytes.fromhex(digest_hex)
        )
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Signer:
    """A supervisor who proved their identity with the PIN, holding their unsealed key."""

    supervisor: SupervisorInfo
    private_key: Ed25519PrivateKey
    key_fingerprint: str

    def sign(self, digest_hex: str) -> str:
        return self.private_key.sign(bytes.fromhex(digest_hex)).hex()


def unlock_signer(db: Database, config: Config, name: str, pin: str, now: datetime | None = None) -> Signer:
    """Check the PIN (with the lock-out) and return the supervisor's key, made at first use."""
    supervisor = get_supervisor(db, name)
    now = now or clock.utcnow()
    _check_pin(db, config, supervisor, pin, now)
    with db.session() as session:
        stored = session.get(SigningKey, supervisor.id)
        if stored is None:
            private_key = Ed25519PrivateKey.generate()
            stored = SigningKey(
                supervisor_id=supervisor.id,
                public_key=public_key_hex(private_key),
                sealed_private_key=seal_private_key(private_key, pin, supervisor.name),
                created_at=now,
            )
            session.add(stored)
            try:
                session.commit()
                return Signer(supervisor, private_key, fingerprint(stored.public_key))
            except IntegrityError:  # made a moment ago at another console: use that one
                session.rollback()
                stored = session.get(SigningKey, supervisor.id)
                assert stored is not None
    unsealed = unseal_private_key(stored.sealed_private_key, pin, supervisor.name)
    if unsealed is None:  # the PIN hash matched, so the key was sealed under an older PIN
        raise UserError(_("the signing key of {name} cannot be opened with this PIN").format(name=supervisor.name))
    return Signer(supervisor, unsealed, fingerprint(stored.public_key))


def _check_pin(db: Database, config: Config, supervisor: SupervisorInfo, pin: str, now: datetime) -> None:
    """Refuse a locked supervisor or a wrong PIN; count wrong PINs in a row, in the database."""
    settings = config.handover
    with db.session() as session:
        guard = session.get(PinGuard, supervisor.id) or PinGuard(supervisor_id=supervisor.id)
        if guard.locked_until is not None and guard.locked_until > now:
            seconds = int((guard.locked_until - now).total_seconds()) + 1
            raise UserError(
                _("too many wrong PINs for {name}: signing is locked for {seconds} s").format(
                    name=supervisor.name, seconds=seconds
                )
            )
        pin_hash = session.exec(select(Supervisor.pin_hash).where(Supervisor.id == supervisor.id)).one()
        if pin_matches(pin, pin_hash):
            if guard.failures or guard.locked_until:
                guard.failures, guard.locked_until = 0, None
                session.add(guard)
                session.commit()
            return
        guard.failures += 1
        locked = guard.failures >= settings.pin_attempts
        if locked:
            guard.failures = 0
            guard.locked_until = now + timedelta(seconds=settings.pin_lockout_s)
        session.add(guard)
        session.commit()
    if locked:
        raise UserError(
            _("wrong PIN for {name}: {count} wrong in a row, signing is locked for {seconds} s").format(
                name=supervisor.name, count=settings.pin_attempts, seconds=settings.pin_lockout_s
            )
        )
    raise UserError(_("wrong PIN for {name}").format(name=supervisor.name))


def public_keys(db: Database) -> dict[int, str]:
    """Every stored public key by supervisor id (verification needs no PIN)."""
    with db.engine.connect() as connection:
        rows = connection.execute(select(SigningKey.supervisor_id, SigningKey.public_key))
        return {supervisor_id: key for supervisor_id, key in rows}
