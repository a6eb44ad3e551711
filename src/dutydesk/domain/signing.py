"""Signing keys and signatures: Ed25519 over SHA-256 digests of a canonical serialisation.

Each supervisor gets an Ed25519 key pair the first time they sign. The private key is
sealed with AES-256-GCM under a key that scrypt derives from their PIN, so it is only
usable while they type it; the public key is stored in clear, so anyone can verify.
The canonical serialisation is defined in docs/handover-signing.md: change it only by
adding a new format version, never by editing version 1, or old records stop verifying.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dutydesk import clock
from dutydesk.canonical import sha256_hex
from dutydesk.config import Config
from dutydesk.domain import supervisors
from dutydesk.domain.supervisors import SupervisorInfo, get_supervisor, pin_matches
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.store.db import Database
from dutydesk.store.tables import PinGuard, SigningKey, Supervisor, table_of
from dutydesk.store.upsert import insert_missing

SEAL_SCHEME = "scrypt-aesgcm"


# --- keys ---------------------------------------------------------------------------------


@cache  # a handful of keys, fingerprinted for each of thousands of signatures verified
def fingerprint(public_key_hex: str) -> str:
    """SHA-256 of the raw public key, hex: names a key in a signed message."""
    return sha256_hex(bytes.fromhex(public_key_hex))


def seal_private_key(private_key: Ed25519PrivateKey, pin: str, name: str) -> str:
    """Sealed at the current PIN cost (the sealed key is as good as a PIN hash to a guesser)."""
    salt, nonce, cost = secrets.token_bytes(16), secrets.token_bytes(12), supervisors.PIN_COST
    raw = private_key.private_bytes_raw()
    sealed = AESGCM(supervisors.scrypt(pin, salt, cost, 32)).encrypt(nonce, raw, name.encode())
    return "$".join([SEAL_SCHEME, str(cost.n), str(cost.r), str(cost.p), salt.hex(), nonce.hex(), sealed.hex()])


def unseal_private_key(sealed: str, pin: str, name: str) -> Ed25519PrivateKey | None:
    """The private key, or None when the PIN does not open it."""
    *_params, salt, nonce, data = sealed.split("$")
    key = supervisors.scrypt(pin, bytes.fromhex(salt), supervisors.stored_cost(sealed), 32)
    try:
        raw = AESGCM(key).decrypt(bytes.fromhex(nonce), bytes.fromhex(data), name.encode())
    except InvalidTag:
        return None
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_hex(private_key: Ed25519PrivateKey) -> str:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def verify_digest(public_key: str, digest_hex: str, signature_hex: str) -> bool:
    try:
        _public_key(public_key).verify(bytes.fromhex(signature_hex), bytes.fromhex(digest_hex))
    except (InvalidSignature, ValueError):
        return False
    return True


@cache  # a handful of keys, loaded once for thousands of signatures verified
def _public_key(public_key_hex: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))


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
            private_key = _new_key(session, supervisor, pin, now)
            try:
                session.commit()
                return Signer(supervisor, private_key, fingerprint(public_key_hex(private_key)))
            except IntegrityError:  # made a moment ago at another console: use that one
                session.rollback()
                stored = session.get(SigningKey, supervisor.id)
                assert stored is not None
    unsealed = unseal_private_key(stored.sealed_private_key, pin, supervisor.name)
    if unsealed is None:  # the PIN hash matched, so the key was sealed under an older PIN
        raise UserError(
            _("the signing key of {name} cannot be opened with this PIN").format(name=supervisor.display_name)
        )
    if supervisors.stored_cost(stored.sealed_private_key) != supervisors.PIN_COST:  # sealed when guessing was cheaper
        with db.session() as session:
            stored.sealed_private_key = seal_private_key(unsealed, pin, supervisor.name)
            session.add(stored)
            session.commit()
    return Signer(supervisor, unsealed, fingerprint(stored.public_key))


def create_key(db: Database, name: str, pin: str, now: datetime | None = None) -> str:
    """Give a newly registered supervisor their key pair now (the PIN is at hand); its fingerprint."""
    supervisor = get_supervisor(db, name)
    with db.session() as session:
        private_key = _new_key(session, supervisor, pin, now or clock.utcnow())
        session.commit()
    return fingerprint(public_key_hex(private_key))


def _new_key(session: Session, supervisor: SupervisorInfo, pin: str, now: datetime) -> Ed25519PrivateKey:
    private_key = Ed25519PrivateKey.generate()
    session.add(
        SigningKey(
            supervisor_id=supervisor.id,
            public_key=public_key_hex(private_key),
            sealed_private_key=seal_private_key(private_key, pin, supervisor.name),
            created_at=now,
        )
    )
    return private_key


def _check_pin(db: Database, config: Config, supervisor: SupervisorInfo, pin: str, now: datetime) -> None:
    """Refuse a locked supervisor or a wrong PIN. Wrong PINs in a row are counted by one atomic
    UPDATE, so guesses at several consoles at once each count; from `pin_attempts` on, each
    wrong PIN locks signing for `pin_lockout_s` (a correct PIN resets the count)."""
    settings = config.handover
    guard = table_of(PinGuard)
    with db.engine.connect() as connection:
        locked_until = connection.execute(
            select(guard.c.locked_until).where(guard.c.supervisor_id == supervisor.id)
        ).scalar()
        pin_hash = connection.execute(select(Supervisor.pin_hash).where(Supervisor.id == supervisor.id)).scalar_one()
    if locked_until is not None and locked_until > now:
        seconds = int((locked_until - now).total_seconds()) + 1
        raise UserError(
            _("too many wrong PINs for {name}: signing is locked for {seconds} s").format(
                name=supervisor.display_name, seconds=seconds
            )
        )
    if pin_matches(pin, pin_hash):
        with db.engine.begin() as connection:
            connection.execute(
                update(guard)
                .where(guard.c.supervisor_id == supervisor.id, guard.c.failures > 0)
                .values(failures=0, locked_until=None)
            )
            if supervisors.stored_cost(pin_hash) != supervisors.PIN_COST:  # hashed when guessing was cheaper
                connection.execute(
                    update(Supervisor)
                    .where(col(Supervisor.id) == supervisor.id)
                    .values(pin_hash=supervisors.hash_pin(pin))
                )
        return
    until = now + timedelta(seconds=settings.pin_lockout_s)
    with db.engine.begin() as connection:
        insert_missing(connection, guard, supervisor_id=supervisor.id, failures=0)
        failures = connection.execute(
            update(guard)
            .where(guard.c.supervisor_id == supervisor.id)
            .values(
                failures=guard.c.failures + 1,
                locked_until=case((guard.c.failures + 1 >= settings.pin_attempts, until), else_=guard.c.locked_until),
            )
            .returning(guard.c.failures)
        ).scalar_one()
    if failures >= settings.pin_attempts:
        raise UserError(
            _("wrong PIN for {name}: {count} wrong in a row, signing is locked for {seconds} s").format(
                name=supervisor.display_name, count=failures, seconds=settings.pin_lockout_s
            )
        )
    raise UserError(_("wrong PIN for {name}").format(name=supervisor.display_name))


def public_keys(db: Database) -> dict[int, str]:
    """Every stored public key by supervisor id (verification needs no PIN)."""
    with db.engine.connect() as connection:
        rows = connection.execute(select(SigningKey.supervisor_id, SigningKey.public_key))
        return {supervisor_id: key for supervisor_id, key in rows}
