"""The outbox: every notice is stored before it is sent, so none is lost or sent twice.

A notice is routed to its channels and stored as one `notification` row per channel,
keyed by event and channel (stored once, however often the event is read). The sender
takes a channel's due rows, sends them as one message, and marks them sent — or counts
the failure and tries again later, waiting twice as long each time. A console that dies
between storing and sending leaves the rows pending, and the next sender sends them; one
that dies between the channel's answer and the mark can repeat that one message, never
lose it.
"""

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from dutydesk.config import NotifySettings
from dutydesk.notify.channels import Channel
from dutydesk.notify.notices import Notice
from dutydesk.store.tables import Notification, columns_of

NOTIFICATION = columns_of(Notification)
PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"


@dataclass(frozen=True)
class ChannelHealth:
    channel: str
    failures_in_a_row: int
    last_error: str | None


def routed(notice: Notice, settings: NotifySettings, channels: dict[str, Channel]) -> list[str]:
    """The configured channels a notice goes to. Drill notices go to drill channels only,
    and drill channels get nothing else."""
    found: list[str] = []
    for route in settings.routes:
        if route.event != notice.kind or notice.level not in route.levels or route.after_min != notice.after_min:
            continue
        for key in route.channels:
            channel = channels[key]
            if channel.url and channel.drills == notice.simulated and key not in found:
                found.append(key)
    return found


def store(
    connection: Connection,
    team: str,
    notices: list[Notice],
    settings: NotifySettings,
    channels: dict[str, Channel],
    now: datetime,
) -> int:
    """Store what is not stored yet; how many rows were added."""
    wanted = {f"{n.key}@{key}": (n, key) for n in notices for key in routed(n, settings, channels)}
    if not wanted:
        return 0
    known = set(connection.execute(select(NOTIFICATION.key).where(NOTIFICATION.key.in_(wanted))).scalars())
    rows = [_row(key, notice, channel, team, now) for key, (notice, channel) in wanted.items() if key not in known]
    if rows:
        connection.execute(insert(Notification), rows)
    return len(rows)


def _row(key: str, notice: Notice, channel: str, team: str, now: datetime) -> dict[str, object]:
    return {
        "key": key,
        "team": team,
        "channel": channel,
        "kind": notice.kind,
        "level": notice.level,
        "title": notice.title,
        "body": notice.body,
        "simulated": notice.simulated,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
        "status": PENDING,
    }


def cancel_answered(connection: Connection, team: str, still_due: set[str]) -> int:
    """Cancel pending escalations whose alert was acknowledged or cleared meanwhile (their
    event keys are no longer read as due)."""
    query = select(NOTIFICATION.id, NOTIFICATION.key).where(
        NOTIFICATION.team == team, NOTIFICATION.status == PENDING, NOTIFICATION.kind == "alert.unacknowledged"
    )
    answered = [row.id for row in connection.execute(query) if row.key.rsplit("@", 1)[0] not in still_due]
    if answered:
        connection.execute(update(Notification).where(NOTIFICATION.id.in_(answered)).values(status=CANCELLED))
    return len(answered)


def due(connection: Connection, team: str, channel: str, now: datetime, limit: int) -> list[Row[Any]]:
    query = (
        select(NOTIFICATION.id, NOTIFICATION.kind, NOTIFICATION.level, NOTIFICATION.title, NOTIFICATION.body)
        .add_columns(NOTIFICATION.attempts, NOTIFICATION.simulated)
        .where(NOTIFICATION.team == team, NOTIFICATION.channel == channel, NOTIFICATION.status == PENDING)
        .where(NOTIFICATION.next_attempt_at <= now)
        .order_by(NOTIFICATION.created_at, NOTIFICATION.id)
        .limit(limit)
    )
    return list(connection.execute(query))


def sent_since(connection: Connection, team: str, channel: str, since: datetime) -> tuple[int, datetime | None]:
    """How many messages went to the channel since `since`, and when the last one went."""
    query = select(func.count(func.distinct(NOTIFICATION.sent_at)), func.max(NOTIFICATION.sent_at)).where(
        NOTIFICATION.team == team, NOTIFICATION.channel == channel, NOTIFICATION.sent_at >= since
    )
    count, last = connection.execute(query).one()
    return int(count), last


def mark_sent(connection: Connection, ids: list[int], now: datetime) -> None:
    values = {"status": SENT, "sent_at": now, "attempts": NOTIFICATION.attempts + 1, "error": None}
    connection.execute(update(Notification).where(NOTIFICATION.id.in_(ids)).values(values))


def mark_failed(connection: Connection, ids: list[int], reason: str, settings: NotifySettings, now: datetime) -> bool:
    """Count a failed attempt; True when the rows were given up on."""
    attempts = 1 + max(
        connection.execute(select(NOTIFICATION.attempts).where(NOTIFICATION.id.in_(ids))).scalars(), default=0
    )
    delay = min(settings.retry_first_s * 2 ** (attempts - 1), settings.retry_max_s)
    given_up = attempts >= settings.give_up_after
    values = {
        "attempts": attempts,
        "error": reason[:500],
        "next_attempt_at": now + timedelta(seconds=delay),
        "status": FAILED if given_up else PENDING,
    }
    connection.execute(update(Notification).where(NOTIFICATION.id.in_(ids)).values(values))
    return given_up


def health(connection: Connection, team: str) -> list[ChannelHealth]:
    """Channels whose latest attempt failed: attempts in a row, and the latest reason."""
    query = (
        select(NOTIFICATION.channel, NOTIFICATION.attempts, NOTIFICATION.error)
        .where(NOTIFICATION.team == team, NOTIFICATION.error.is_not(None))
        .where(NOTIFICATION.status.in_((PENDING, FAILED)))
        .order_by(NOTIFICATION.id)
    )
    latest = {row.channel: ChannelHealth(row.channel, row.attempts, row.error) for row in connection.execute(query)}
    return list(latest.values())


@dataclass(frozen=True)
class OutboxEntry:
    """One stored notice as `notify list` shows it (never its channel's URL)."""

    id: int
    team: str
    channel: str
    kind: str
    level: str
    title: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    error: str | None
    simulated: bool


def listing(connection: Connection, limit: int = 200) -> list[OutboxEntry]:
    names = [field.name for field in fields(OutboxEntry)]
    query = select(*(NOTIFICATION[name] for name in names)).order_by(NOTIFICATION.id.desc()).limit(limit)
    return [OutboxEntry(*row) for row in connection.execute(query)]
