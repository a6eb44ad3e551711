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

DEFAULT_PIN_MIN_LENGTH = 6
NAME_PATTERN = re.compile(r"^[\w.-]{1,40}$")


@dataclass(frozen=True)
class SupervisorInfo:
    id: int
    name: str
    display_name: str


def _info(row: Supervisor) -> SupervisorInfo:
    assert row.id is not None
    return SupervisorInfo(row.id, row.name, row.display_name)


@dataclass(frozen=True)
class ScryptCost:
    n: int
    r: int
    p: int

    @property
    def memory(self) -> int:
        """What scrypt needs (128·r·N bytes), plus room: hashlib refuses more than `maxmem`."""
        return 129 * self.r * self.n + 2**20


# The cost of one PIN guess, for the PIN hash and for the sealed signing key alike (either one
# lets an attacker holding a copy of the file test PINs offline): N=2^16 costs ≥ 250 ms here
# (benchmarks/pin_bench.py), so signing (two of them) stays under a second. Tests swap in a
# cheap cost (tests/conftest.py); the cost is stored with each hash, so either verifies.
PIN_COST = ScryptCost(2**16, 8, 1)


def scrypt(pin: str, salt: bytes, cost: ScryptCost, length: int = 64) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=cost.n, r=cost.r, p=cost.p, maxmem=cost.memory, dklen=length)


def hash_pin(pin: str) -> str:
    salt, cost = secrets.token_bytes(16), PIN_COST
    return f"scrypt${cost.n}${cost.r}${cost.p}${salt.hex()}${scrypt(pin, salt, cost).hex()}"


def stored_cost(stored: str) -> ScryptCost:
    _scheme, n, r, p, *_rest = stored.split("$")
    return ScryptCost(int(n), int(r), int(p))


def pin_matches(pin: str, stored: str) -> bool:
    *_params, salt, digest = stored.split("$")
    candidate = scrypt(pin, bytes.fromhex(salt), stored_cost(stored))
    return hmac.compare_digest(candidate, bytes.fromhex(digest))


def check_new_pin(pin: str, min_length: int = DEFAULT_PIN_MIN_LENGTH) -> None:
    if not (pin.isascii() and pin.isdigit() and min_length <= len(pin) <= 12):
        raise UserError(_("a PIN is {min} to 12 digits").format(min=min_length))


def add_supervisor(
    db: Database, name: str, display_name: str, pin: str, *, min_length: int = DEFAULT_PIN_MIN_LENGTH
) -> SupervisorInfo:
    """Register a supervisor; `min_length` is the configured `handover.pin_min_length`."""
    if not NAME_PATTERN.match(name):
        raise UserError(
            _("a supervisor name is 1 to 40 letters, digits, '.', '-' or '_' (no spaces): {name!r}").format(name=name)
        )
    check_new_pin(pin, min_length)
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
