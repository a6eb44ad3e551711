"""The current time. Every stored time is aware UTC; what is shown is in the center's zone."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
