"""The team's sender: reads events, stores their notices, sends what is due.

`Notifier.tick()` is called every few seconds by whatever runs it — a console (in a thread
worker) or `dutydesk notify run` on a server. Only the holder of the team's "notify" lease
sends, so several consoles on one database send each notice once. Every message sent,
every failure and every escalation is written to the duty log with who was notified.
"""

import os
import socket
import textwrap
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain import lease, log, shifts
from dutydesk.domain.playbooks import PlaybookSet, load_playbooks
from dutydesk.i18n import N_, _, translator
from dutydesk.notify import outbox
from dutydesk.notify.channels import Channel, channels, redact, send
from dutydesk.notify.notices import Reader
from dutydesk.store.db import Database

LEASE_ROLE = "notify"
BATCH_LIMIT = 50  # notices in one message at most; the rest go in the next one
BODY_LIMIT = 3500  # characters: chat bots cut (or refuse) longer messages
URGENCY = ("critical", "warning", "info")


@dataclass
class TickResult:
    holding: bool
    stored: int = 0
    sent: list[str] = field(default_factory=list)  # channel keys, one per message
    failed: list[str] = field(default_factory=list)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Notifier:
    def __init__(
        self,
        db: Database,
        config: Config,
        team: str,
        *,
        environment: Mapping[str, str] | None = None,
        playbooks: PlaybookSet | None = None,
        holder: str | None = None,
    ) -> None:
        self.db, self.config, self.settings, self.team = db, config, config.notify, team
        self.channels = channels(config.notify, dict(os.environ if environment is None else environment))
        self.reader = Reader(config, playbooks or load_playbooks(), team)
        self.holder = holder or holder_name()

    @property
    def enabled(self) -> bool:
        """Whether any channel has a URL (else there is nothing to do)."""
        return any(channel.url for channel in self.channels.values())

    def tick(self, now: datetime | None = None) -> TickResult:
        now = now or clock.utcnow()
        ttl = timedelta(seconds=max(30.0, 6 * self.settings.tick_s))
        if not lease.hold(self.db, self.team, LEASE_ROLE, self.holder, ttl, now):
            return TickResult(holding=False)
        result = TickResult(holding=True, stored=self._store(now))
        for channel in self.channels.values():
            if channel.url:
                try:
                    self._send_due(channel, now, result)
                except Exception as error:  # whatever failed, its message must not carry a channel's secret out
                    reason = redact(f"{type(error).__name__}: {error}", [channel.url])
                    raise RuntimeError(
                        _("sending to {channel} failed: {reason}").format(channel=channel.label, reason=reason)
                    ) from None
        return result

    def failing_channels(self) -> list[outbox.ChannelHealth]:
        """Channels that failed `failing_after` times in a row (for the console to show)."""
        with self.db.engine.connect() as connection:
            found = outbox.health(connection, self.team)
        return [health for health in found if health.failures_in_a_row >= self.settings.failing_after]

    def stop(self) -> None:
        """Hand the job over at once (a console closing)."""
        lease.release(self.db, self.team, LEASE_ROLE, self.holder)

    def _store(self, now: datetime) -> int:
        with self.db.engine.begin() as connection:
            notices = self.reader.notices(connection, now)
            outbox.cancel_answered(connection, self.team, {n.key for n in notices})
            return outbox.store(connection, self.team, notices, self.settings, self.channels, now)

    def _send_due(self, channel: Channel, now: datetime, result: TickResult) -> None:
        with self.db.engine.connect() as connection:
            count, last = outbox.sent_since(connection, self.team, channel.key, now - timedelta(minutes=1))
            if count >= self.settings.rate_per_minute:
                return
            if last is not None and now - last < timedelta(seconds=self.settings.batch_window_s):
                return  # what is due now waits and goes out together at the window's end
            rows = outbox.due(connection, self.team, channel.key, now, BATCH_LIMIT)
        if not rows:
            return
        title, body = message(rows, translator(self.settings.language))
        worst = min((row.level for row in rows), key=URGENCY.index)
        reason = send(channel, title, body, worst, self.settings.timeout_s)
        if reason is None:
            self._sent(channel, rows, now)
            result.sent.append(channel.key)
        else:
            self._failed(channel, rows, reason, now)
            result.failed.append(channel.key)

    def _sent(self, channel: Channel, rows: list[Row[Any]], now: datetime) -> None:
        with self.db.engine.begin() as connection:
            outbox.mark_sent(connection, [row.id for row in rows], now)
        self._log(sent_text(channel, rows), "info", now)

    def _failed(self, channel: Channel, rows: list[Row[Any]], reason: str, now: datetime) -> None:
        with self.db.engine.begin() as connection:
            given_up = outbox.mark_failed(connection, [row.id for row in rows], reason, self.settings, now)
        if rows[0].attempts == 0 or given_up:  # the first failure and the last, not every retry
            self._log(failed_text(channel, rows, reason, given_up), "warning", now)

    def _log(self, text: str, severity: str, now: datetime) -> None:
        shift = shifts.current_shift(self.db, self.team)
        if shift is not None:  # no open shift, no duty log to write in: the outbox keeps the record
            log.add_entry(self.db, self.config, shift, text, category="system_status", severity=severity, now=now)


def message(rows: list[Row[Any]], t: Callable[[str], str]) -> tuple[str, str]:
    """One message for one or more notices (in the center's language): a storm of alerts
    goes out as one."""
    if len(rows) == 1:
        return rows[0].title, rows[0].body
    title = t(N_("{count} notices, the most urgent first")).format(count=len(rows))
    lines: list[str] = []
    for row in sorted(rows, key=lambda row: URGENCY.index(row.level)):
        lines.append(f"• {row.title}")
        body = textwrap.indent(row.body, "  ")
        if body and body not in lines:  # a storm of one rule's alerts shares one "to do"
            lines.append(body)
    body = "\n".join(lines)
    return title, body if len(body) <= BODY_LIMIT else body[: BODY_LIMIT - 1] + "…"


def sent_text(channel: Channel, rows: list[Row[Any]]) -> str:
    escalated = any(row.kind == "alert.unacknowledged" for row in rows)
    template = _("Escalated to {channel}: {what}") if escalated else _("Notified {channel}: {what}")
    return template.format(channel=channel.label, what=_summary(rows))


def failed_text(channel: Channel, rows: list[Row[Any]], reason: str, given_up: bool) -> str:
    template = (
        _("Gave up notifying {channel} ({reason}): {what}")
        if given_up
        else _("Could not notify {channel} ({reason}), retrying: {what}")
    )
    return template.format(channel=channel.label, reason=reason, what=_summary(rows))


def _summary(rows: list[Row[Any]]) -> str:
    if len(rows) == 1:
        return str(rows[0].title)
    return _("{count} notices, the first: {title}").format(count=len(rows), title=rows[0].title)
