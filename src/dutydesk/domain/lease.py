"""One writer per team for jobs that must not run twice when several consoles are open.

A console that wants the job `hold`s the team's lease for a role (e.g. "notify") and keeps
renewing it while it runs; the others see it held and stay read-only. When the holder stops
(or dies), its lease expires and the next console to ask takes it over. Both statements
are plain SQL that every backend runs atomically, so two consoles can never both hold it.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from dutydesk.store.tables import Lease, columns_of

LEASE = columns_of(Lease)


def hold(session: Session, team: str, role: str, holder: str, ttl: timedelta, now: datetime) -> bool:
    """Take or renew the lease until `now + ttl`; whether `holder` has it. Commits."""
    mine_or_expired = (
        (LEASE.team == team) & (LEASE.role == role) & ((LEASE.holder == holder) | (LEASE.expires_at < now))
    )
    renewed = session.execute(update(Lease).where(mine_or_expired).values(holder=holder, expires_at=now + ttl))
    if renewed.rowcount == 1:  # type: ignore[attr-defined]
        session.commit()
        return True
    try:
        session.execute(insert(Lease).values(team=team, role=role, holder=holder, expires_at=now + ttl))
        session.commit()
        return True
    except IntegrityError:  # another console holds it (or took it a moment ago)
        session.rollback()
        return False


def release(session: Session, team: str, role: str, holder: str) -> None:
    """Give the lease up at once (a console closing), so another takes over without waiting."""
    session.execute(delete(Lease).where((LEASE.team == team) & (LEASE.role == role) & (LEASE.holder == holder)))
    session.commit()


def holder_of(session: Session, team: str, role: str, now: datetime) -> str | None:
    """Who holds the lease now, if anyone."""
    query = select(LEASE.holder).where((LEASE.team == team) & (LEASE.role == role) & (LEASE.expires_at >= now))
    return session.execute(query).scalar_one_or_none()
