"""Asterisk's queue_log as a feed: its events become the same snapshots as any other feed.

A queue_log line is `epoch|callid|queue|agent|event|data1|data2|…` (docs/feed-format.md
has the whole mapping). The reader keeps, per queue, the calls waiting (from ENTERQUEUE
until CONNECT or the caller leaves), the agents and their states, and the counts since the
queue's previous snapshot; after each line about a queue it gives that queue's snapshot at
the line's time. Waiting callers and the longest wait come from the open calls, so they
are exact, and so is the summed time they have waited (for ASA).

Like `FeedParser`, `line()` never raises: a line that is not a queue_log line is counted
with a reason; an event dutydesk does not use (DID, AGENTLOGIN, custom events) is counted
as ignored, not as an error (so is CONFIGRELOAD: members and calls survive a reload).
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dutydesk.config import Config
from dutydesk.i18n import _
from dutydesk.queue.model import Agent, Counters, Snapshot
from dutydesk.queue.parse import JSON_WHITESPACE, KEPT_REASONS, FeedParser, FeedWarnings, LineParser

LATEST_EPOCH = 253_402_300_799  # 9999-12-31T23:59:59Z
EPOCH = re.compile(r"[0-9]{1,12}")
LEFT_UNANSWERED = {"ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "AGENTDUMP"}
CALL_ENDED = {"COMPLETEAGENT", "COMPLETECALLER", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
# Where each event keeps the wait (for callers who left) or the call time (for calls that ended).
WAIT_FIELD = {"ABANDON": 2, "EXITWITHTIMEOUT": 2, "EXITEMPTY": 2, "EXITWITHKEY": 3}
CALL_TIME_FIELD = {"COMPLETEAGENT": 1, "COMPLETECALLER": 1, "TRANSFER": 3, "BLINDTRANSFER": 3, "ATTENDEDTRANSFER": 3}
NOT_A_QUEUE = ("", "NONE")


@dataclass
class _Member:
    state: str  # available, on_call or busy (paused)
    since: datetime
    reason: str = ""  # the pause reason
    paused: bool = False


@dataclass
class _Queue:
    name: str
    waiting: dict[str, datetime] = field(default_factory=dict)  # call id → entered
    talking: dict[str, str] = field(default_factory=dict)  # call id → member
    members: dict[str, _Member] = field(default_factory=dict)
    counters: Counters = field(default_factory=Counters)
    last_ts: datetime | None = None


class QueueLogReader:
    """Turns queue_log lines into snapshots, one per line about a queue."""

    def __init__(
        self,
        max_line_bytes: int,
        sl_threshold_s: float,
        short_abandon_s: float,
        keep_reasons: int | None = KEPT_REASONS,
    ) -> None:
        self.max_line_bytes = max_line_bytes
        self.sl_threshold_s, self.short_abandon_s = sl_threshold_s, short_abandon_s
        self.warnings = FeedWarnings(keep_reasons)
        self.good = 0  # lines used
        self.ignored = 0  # well-formed lines of events that change no figure
        self.queues: dict[str, _Queue] = {}

    def line(self, raw: bytes, number: int) -> Snapshot | None:
        """The snapshot of the queue this line is about, or None (counted as bad or ignored)."""
        if len(raw) > self.max_line_bytes:
            self.warnings.add(number, _("line longer than {limit} bytes").format(limit=self.max_line_bytes), "too_long")
            return None
        text = raw.decode("utf-8", "replace").strip(JSON_WHITESPACE)
        if not text:
            return None
        fields = text.split("|")
        if len(fields) < 5 or EPOCH.fullmatch(fields[0]) is None or int(fields[0]) > LATEST_EPOCH:
            self.warnings.add(number, _("not a queue_log line (epoch|callid|queue|agent|event|…)"), "not_queue_log")
            return None
        ts = datetime.fromtimestamp(int(fields[0]), UTC)
        callid, queue_name, member, event, data = fields[1], fields[2], fields[3], fields[4].upper(), fields[5:]
        if event in ("PAUSEALL", "UNPAUSEALL"):
            self._pause_everywhere(member, ts, event == "PAUSEALL", _field(data, 0))
            self.good += 1
            return None
        if event == "QUEUESTART":
            self._restart(ts)
            self.good += 1
            return None
        if queue_name in NOT_A_QUEUE or not self._apply(ts, callid, queue_name, member, event, data):
            self.ignored += 1
            return None
        self.good += 1
        return self._snapshot(self.queues[queue_name], ts)

    # -- events ----------------------------------------------------------------------------

    def _apply(self, ts: datetime, callid: str, name: str, member: str, event: str, data: list[str]) -> bool:
        """Change the queue's state for one event; False for an event that changes nothing."""
        queue = self.queues.get(name) or self.queues.setdefault(name, _Queue(name[:100]))
        if event == "ENTERQUEUE":
            queue.counters.offered += 1
            queue.waiting[callid] = ts
        elif event == "CONNECT":
            self._connect(queue, ts, callid, member, _seconds(data, 0))
        elif event in LEFT_UNANSWERED:
            self._left(queue, ts, callid, _seconds(data, WAIT_FIELD.get(event, -1)))
        elif event in CALL_ENDED:
            queue.counters.handle_time_s_total += _seconds(data, CALL_TIME_FIELD[event]) or 0.0
            if queue.talking.pop(callid, None) is not None:
                self._set(queue, member, ts, "available")
        elif event == "ADDMEMBER":
            queue.members.setdefault(member, _Member("available", ts))
        elif event == "REMOVEMEMBER":
            queue.members.pop(member, None)
        elif event in ("PAUSE", "UNPAUSE"):
            self._pause(queue, member, ts, event == "PAUSE", _field(data, 0))
        elif event == "RINGNOANSWER":
            queue.members.setdefault(member, _Member("available", ts))
        else:
            return False  # CONFIGRELOAD, DID, AGENTLOGIN, custom events: no figure changes
        return True

    def _connect(self, queue: _Queue, ts: datetime, callid: str, member: str, hold_s: float | None) -> None:
        entered = queue.waiting.pop(callid, None)
        if hold_s is None:
            hold_s = (ts - entered).total_seconds() if entered else 0.0
        counters = queue.counters
        counters.answered += 1
        counters.wait_time_s_total += hold_s
        counters.answered_within_sl += hold_s <= self.sl_threshold_s
        queue.talking[callid] = member
        self._set(queue, member, ts, "on_call")

    def _left(self, queue: _Queue, ts: datetime, callid: str, wait_s: float | None) -> None:
        entered = queue.waiting.pop(callid, None)
        if wait_s is None:
            wait_s = (ts - entered).total_seconds() if entered else 0.0
        queue.counters.abandoned += 1
        queue.counters.abandoned_short += wait_s < self.short_abandon_s

    def _set(self, queue: _Queue, member: str, ts: datetime, state: str) -> None:
        """A member's call state; a paused member stays shown as busy once the call ends."""
        known = queue.members.setdefault(member, _Member(state, ts))
        state = "busy" if known.paused and state == "available" else state
        if known.state != state:
            known.state, known.since = state, ts

    def _pause(self, queue: _Queue, member: str, ts: datetime, paused: bool, reason: str) -> None:
        known = queue.members.setdefault(member, _Member("available", ts))
        known.paused, known.reason = paused, reason if paused else ""
        if known.state != "on_call":  # a pause during a call shows once the call ends
            known.state, known.since = "busy" if paused else "available", ts

    def _pause_everywhere(self, member: str, ts: datetime, paused: bool, reason: str) -> None:
        for queue in self.queues.values():
            if member in queue.members:
                self._pause(queue, member, ts, paused, reason)

    def _restart(self, ts: datetime) -> None:
        """Asterisk started: no call survives it."""
        for queue in self.queues.values():
            queue.waiting.clear()
            queue.talking.clear()
            for member in queue.members.values():
                if member.state == "on_call":
                    member.state, member.since = "busy" if member.paused else "available", ts

    # -- snapshots -------------------------------------------------------------------------

    def heartbeat(self, now: datetime) -> list[Snapshot]:
        """Every queue at `now` with nothing new: while the log is quiet the waits still grow."""
        return [self._snapshot(queue, now) for queue in self.queues.values() if queue.last_ts and now > queue.last_ts]

    def _snapshot(self, queue: _Queue, ts: datetime) -> Snapshot:
        """The queue now; its counters since its previous snapshot. A line out of time order
        is shown at the queue's latest time, so snapshots never go back."""
        ts = max(ts, queue.last_ts or ts)
        queue.last_ts = ts
        waits = [max(0.0, (ts - entered).total_seconds()) for entered in queue.waiting.values()]
        counters, queue.counters = queue.counters, Counters()
        agents = tuple(
            Agent(member, member, state.state, state.since, state.reason) for member, state in queue.members.items()
        )
        return Snapshot(ts, queue.name, len(waits), max(waits, default=0.0), counters, agents, sum(waits))


def _field(data: list[str], index: int) -> str:
    return data[index].strip()[:100] if 0 <= index < len(data) else ""


def _seconds(data: list[str], index: int) -> float | None:
    """A whole number of seconds from the event's data, None when missing or not a number."""
    text = _field(data, index)
    return float(text) if EPOCH.fullmatch(text) else None


def reader_for_file(path: str, config: Config) -> LineParser:
    """The reader for a recorded feed (`queue check`, `queue replay`): Asterisk's queue_log
    when its first line starts `epoch|`, else a JSONL/CSV snapshot feed."""
    settings = config.queue
    with open(path, "rb") as file:
        start = file.read(4096).lstrip()
    if re.match(rb"[0-9]{1,12}\|", start):
        return QueueLogReader(
            settings.max_line_bytes, config.targets.service_level_threshold_s, settings.short_abandon_s, None
        )
    return FeedParser(settings.max_line_bytes, keep_reasons=None)
