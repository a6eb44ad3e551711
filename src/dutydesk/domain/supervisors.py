"""Registered supervisors and their PINs (only a slow salted scrypt hash is stored)."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from dutydesk import clock
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.store.db import Database
from dutydesk.store.tables import Supervisor

# scrypt cost: ~50 ms per check on these machines, too slow to guess a PIN offline cheaply.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PIN_PATTERN = re.compile(r"^\d{4,12}$")
NAME_PATTERN = re.compile(r"^[\w.-]{1,40}$")


@dataclass(frozen=True)
class SupervisorInfo:
    id: int
    name: str
    display_name: str


def _info(row: Supervisor) -> SupervisorInfo:
    assert row.id is not None
    return SupervisorInfo(row.id, row.name, row.display_name)


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    _scheme, n, r, p, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate, bytes.fromhex(digest))


def check_new_pin(pin: str) -> None:
    if not PIN_PATTERN.match(pin):
        raise UserError(_("a PIN is 4 to 12 digits"))


def add_supervisor(db: Database, name: str, display_name: str, pin: str) -> SupervisorInfo:
    if not NAME_PATTERN.match(name):
        raise UserError(
            _("a supervisor name is 1 to 40 letters, digits, '.', '-' or '_' (no spaces): {name!r}").format(name=name)
        )
    check_new_pin(pin)
    row = Supervisor(
        name=name,
        display_name=display_name.strip() or name,
        pin_hash=hash_pin(pin),
        created_at=clock.utcnow(),
    )
    with db.session() as session:
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            raise UserError(_("a supervisor named {name} already exists").format(name=name)) from None
        return _info(row)


def list_supervisors(db: Database) -> list[SupervisorInfo]:
    with db.session() as session:
        return [_info(row) for row in session.exec(select(Supervisor).order_by(Supervisor.name))]


def get_supervisor(db: Database, name: str) -> SupervisorInfo:
    with db.session() as session:
        row = session.exec(select(Supervisor).where(Supervisor.name == name)).first()
    if row is None:
        raise UserError(_("no supervisor named {name}").format(name=name))
    return _info(row)
