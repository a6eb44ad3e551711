"""Reading feed lines (JSONL or CSV) into snapshots, skipping and counting bad ones.

Nothing here raises on bad input: every line that cannot be used becomes a `Skipped`
record with a translated reason, and reading goes on. `FeedParser` is stateful per feed:
it keeps each queue's last time (a snapshot out of time order is skipped) and last
cumulative counters (turned into deltas, see docs/feed-format.md).
"""

import csv
import json
import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dutydesk.i18n import _
from dutydesk.queue.model import (
    AGENT_STATES,
    COUNTER_FIELDS,
    CUMULATIVE,
    INTEGER_COUNTERS,
    INTERVAL,
    Agent,
    Counters,
    Snapshot,
)

REQUIRED_FIELDS = ("ts", "queue", "waiting", "longest_wait_s") + tuple(
    name for name in COUNTER_FIELDS if name != "abandoned_short"
)
CSV_COLUMNS = REQUIRED_FIELDS + ("abandoned_short", "counters")
KEPT_REASONS = 50  # the most recent skipped lines kept for the status line and `check`


class BadSnapshot(ValueError):
    """A snapshot that cannot be used; the message is the translated reason."""


@dataclass(frozen=True, slots=True)
class Skipped:
    line: int  # 1-based line number in the feed (0 for a non-line source such as HTTP)
    reason: str


class FeedWarnings:
    """How many inputs were skipped, and the latest reasons."""

    def __init__(self, keep: int | None = KEPT_REASONS) -> None:
        self.count = 0
        self.recent: deque[Skipped] = deque(maxlen=keep)

    def add(self, line: int, reason: str) -> None:
        self.count += 1
        self.recent.append(Skipped(line, reason))


def snapshot_from_dict(data: Any) -> tuple[Snapshot, str]:
    """A snapshot and its counter kind (interval or cumulative) from a decoded JSON object."""
    if not isinstance(data, dict):
        raise BadSnapshot(_("not a JSON object"))
    for name in REQUIRED_FIELDS:
        if name not in data or data[name] is None:
            raise BadSnapshot(_("missing field {field}").format(field=name))
    kind = data.get("counters", INTERVAL)
    if kind not in (INTERVAL, CUMULATIVE):
        raise BadSnapshot(_("field counters: must be interval or cumulative"))
    counters = Counters(**{name: _number(data, name, name in INTEGER_COUNTERS) for name in COUNTER_FIELDS})
    if counters.answered_within_sl > counters.answered:
        raise BadSnapshot(_("field answered_within_sl: more than answered"))
    if counters.abandoned_short > counters.abandoned:
        raise BadSnapshot(_("field abandoned_short: more than abandoned"))
    queue = data["queue"]
    if not isinstance(queue, str) or not queue.strip() or len(queue) > 100:
        raise BadSnapshot(_("field queue: must be a name of 1 to 100 characters"))
    snapshot = Snapshot(
        ts=_moment(data["ts"], "ts"),
        queue=queue.strip(),
        waiting=int(_number(data, "waiting", True)),
        longest_wait_s=_number(data, "longest_wait_s", False),
        counters=counters,
        agents=_agents(data["agents"]) if data.get("agents") is not None else None,
    )
    return snapshot, kind


def _number(data: dict[str, Any], name: str, whole: bool) -> Any:
    value = data.get(name, 0)
    if isinstance(value, str):  # CSV cells are text
        try:
            value = int(value) if whole else float(value)
        except ValueError:
            raise BadSnapshot(_("field {field}: not a number").format(field=name)) from None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value) or math.isinf(value):
        raise BadSnapshot(_("field {field}: not a number").format(field=name))
    if whole and value != int(value):
        raise BadSnapshot(_("field {field}: not a whole number").format(field=name))
    if value < 0:
        raise BadSnapshot(_("field {field}: negative").format(field=name))
    return int(value) if whole else float(value)


def _moment(value: Any, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadSnapshot(_("field {field}: not an ISO 8601 time").format(field=name)) from None
    if moment.utcoffset() is None:
        raise BadSnapshot(_("field {field}: the time has no UTC offset").format(field=name))
    return moment


def _agents(value: Any) -> tuple[Agent, ...]:
    if not isinstance(value, list):
        raise BadSnapshot(_("field agents: not a list"))
    agents = []
    for item in value:
        if not isinstance(item, dict) or "id" not in item or "state" not in item or "since" not in item:
            raise BadSnapshot(_("field agents: each agent needs id, state and since"))
        if item["state"] not in AGENT_STATES:
            raise BadSnapshot(_("field agents: unknown state {state!r}").format(state=str(item["state"])[:40]))
        name = item.get("name") or str(item["id"])
        agents.append(Agent(str(item["id"]), str(name), item["state"], _moment(item["since"], "agents.since")))
    return tuple(agents)


class FeedParser:
    """Turns the lines of one feed into snapshots in time order, per queue."""

    def __init__(self, max_line_bytes: int, keep_reasons: int | None = KEPT_REASONS) -> None:
        self.max_line_bytes = max_line_bytes
        self.warnings = FeedWarnings(keep_reasons)
        self.good = 0
        self._csv_header: list[str] | None = None
        self._format: str | None = None  # "jsonl" or "csv", from the first line
        self._last_ts: dict[str, datetime] = {}
        self._last_total: dict[str, Counters] = {}

    def line(self, raw: bytes, number: int) -> Snapshot | None:
        """The snapshot on this line, or None (blank, a CSV header, or skipped with a reason)."""
        try:
            return self._line(raw, number)
        except BadSnapshot as error:
            self.warnings.add(number, str(error))
            return None

    def _line(self, raw: bytes, number: int) -> Snapshot | None:
        if len(raw) > self.max_line_bytes:
            raise BadSnapshot(_("line longer than {limit} bytes").format(limit=self.max_line_bytes))
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError as error:
            raise BadSnapshot(_("not UTF-8 (byte {position})").format(position=error.start + 1)) from None
        if not text:
            return None
        if self._format is None:
            self._format = "jsonl" if text.startswith(("{", "[")) else "csv"
        if self._format == "csv":
            data = self._csv_row(text)
            if data is None:
                return None
        else:
            try:
                data = json.loads(text)
            except (json.JSONDecodeError, RecursionError):
                raise BadSnapshot(_("not valid JSON")) from None
        return self.accept(data)

    def accept(self, data: Any, *, repeat_ok: bool = False) -> Snapshot | None:
        """A decoded snapshot object, checked against the queue's previous one. With
        `repeat_ok` (a polled endpoint) the previous snapshot again is None, not an error."""
        snapshot, kind = snapshot_from_dict(data)
        last = self._last_ts.get(snapshot.queue)
        if repeat_ok and snapshot.ts == last:
            return None
        if last is not None and snapshot.ts <= last:
            raise BadSnapshot(_("out of time order for queue {queue}").format(queue=snapshot.queue))
        if kind == CUMULATIVE:
            snapshot = self._as_delta(snapshot)
        self._last_ts[snapshot.queue] = snapshot.ts
        self.good += 1
        return snapshot

    def _as_delta(self, snapshot: Snapshot) -> Snapshot:
        total = snapshot.counters
        previous = self._last_total.get(snapshot.queue)
        self._last_total[snapshot.queue] = total.copy()
        if previous is None or total.offered < previous.offered:
            return snapshot  # the first one, or the ACD reset its totals (a new shift)
        delta = total.copy()
        delta.subtract(previous)
        return Snapshot(snapshot.ts, snapshot.queue, snapshot.waiting, snapshot.longest_wait_s, delta, snapshot.agents)

    def _csv_row(self, text: str) -> dict[str, str] | None:
        cells = next(csv.reader([text]))
        if self._csv_header is None:
            unknown = [name for name in cells if name not in CSV_COLUMNS]
            if unknown:
                self._format = None  # not a header: maybe the feed starts later
                raise BadSnapshot(_("unknown CSV column {column}").format(column=unknown[0][:40]))
            self._csv_header = cells
            return None
        if len(cells) != len(self._csv_header):
            raise BadSnapshot(
                _("{found} CSV cells, the header has {expected}").format(
                    found=len(cells), expected=len(self._csv_header)
                )
            )
        return {name: value for name, value in zip(self._csv_header, cells, strict=True) if value != ""}


class LineSplitter:
    """Cuts a byte stream into lines, never holding more than `max_line_bytes` of one line:
    the rest of an overlong line is dropped and the line is reported as too long."""

    def __init__(self, max_line_bytes: int) -> None:
        self.max_line_bytes = max_line_bytes
        self._buffer = bytearray()
        self._dropping = False  # inside an overlong line, until its end

    def feed(self, chunk: bytes) -> list[bytes]:
        """Complete lines in `chunk` (an overlong line comes out as max+1 bytes)."""
        lines: list[bytes] = []
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                self._keep(chunk[start:])
                return lines
            if self._dropping:
                self._dropping = False
                lines.append(bytes(self._buffer))
            else:
                self._buffer += chunk[start:end]
                lines.append(bytes(self._buffer[: self.max_line_bytes + 1]))
            self._buffer.clear()
            start = end + 1

    def _keep(self, rest: bytes) -> None:
        if self._dropping:
            return
        self._buffer += rest
        if len(self._buffer) > self.max_line_bytes:
            del self._buffer[self.max_line_bytes + 1 :]
            self._dropping = True

    def reset(self) -> None:
        self._buffer.clear()
        self._dropping = False


def read_feed_file(path: str, parser: FeedParser, chunk_size: int = 1 << 16) -> Iterator[Snapshot]:
    """The snapshots of a whole feed file, in file order; bad lines are counted in `parser`."""
    splitter = LineSplitter(parser.max_line_bytes)
    number = 0
    with open(path, "rb") as file:
        while chunk := file.read(chunk_size):
            for raw in splitter.feed(chunk):
                number += 1
                snapshot = parser.line(raw, number)
                if snapshot is not None:
                    yield snapshot
    rest = splitter.feed(b"\n")  # a last line without its newline
    if rest and rest[0]:
        snapshot = parser.line(rest[0], number + 1)
        if snapshot is not None:
            yield snapshot


def check_feed(path: str, max_line_bytes: int, chunk_size: int = 1 << 16) -> FeedParser:
    """Read a whole feed file; the parser then holds the counts and every reason."""
    parser = FeedParser(max_line_bytes, keep_reasons=None)
    for _snapshot in read_feed_file(path, parser, chunk_size):
        pass
    return parser
