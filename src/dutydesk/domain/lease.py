"""Leases: one holder of a role per team, until an expiry, in the database itself.

Several consoles share one database; some work must be done by exactly one of them (the
queue panel's stored intervals and alerts; later, sending notifications). Each candidate
calls `hold()` often: it takes a free or expired lease, renews its own, and is refused
while another holder's lease runs. A holder that stops calls `release()`; one that dies
simply stops renewing and the lease expires after `ttl`, so another takes over.

Atomic on both backends without locks of our own: taking over is one conditional UPDATE
(the row's holder is compared and replaced in the same statement), a first take is an
INSERT that the primary key lets only one console win.
"""

from datetime import datetime, timedelta

from sqlalchemy import case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from dutydesk.store.db import Database
from dutydesk.store.tables import Lease, columns_of

LEASE = columns_of(Lease)


def hold(db: Database, team: str, role: str, holder: str, ttl: timedelta, now: datetime) -> bool:
    """Take the lease or renew it; True when `holder` holds it until `now + ttl`."""
    expires = now + ttl
    with db.engine.begin() as connection:
        renewed = connection.execute(
            update(Lease)
            .where(LEASE.team == team, LEASE.role == role)
            .where((LEASE.holder == holder) | (LEASE.expires_at <= now))
            .values(
                holder=holder, expires_at=expires, taken_at=case((LEASE.holder == holder, LEASE.taken_at), else_=now)
            )
        )
        if renewed.rowcount:
            return True
    try:
        with db.engine.begin() as connection:
            connection.execute(
                insert(Lease).values(team=team, role=role, holder=holder, taken_at=now, expires_at=expires)
            )
    except IntegrityError:  # another console holds it (or took it a moment ago)
        return False
    return True


def release(db: Database, team: str, role: str, holder: str) -> None:
    """Give the lease up at once (only if `holder` still holds it)."""
    with db.engine.begin() as connection:
        connection.execute(delete(Lease).where(LEASE.team == team, LEASE.role == role, LEASE.holder == holder))


def holder_of(db: Database, team: str, role: str, now: datetime) -> str | None:
    """Who holds the lease now; None when it is free or expired."""
    query = select(LEASE.holder).where(LEASE.team == team, LEASE.role == role, LEASE.expires_at > now)
    with db.engine.connect() as connection:
        return connection.execute(query).scalar_one_or_none()
