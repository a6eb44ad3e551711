"""Reading feed lines (JSONL or CSV) into snapshots, skipping and counting bad ones.

Nothing here raises on bad input: every line that cannot be used becomes a `Skipped`
record with a code and a translated reason, and reading goes on. What a snapshot is, is
defined once, in `dutydesk.queue.feed_model`. `FeedParser` is stateful per feed:
it keeps each queue's last time (a snapshot out of time order is skipped) and last
cumulative counters (turned into deltas, see docs/feed-format.md).
"""

import csv
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from dutydesk.i18n import _
from dutydesk.queue.feed_model import Rejection, csv_as_json, validate_json, validate_object
from dutydesk.queue.model import COUNTER_FIELDS, CUMULATIVE, Counters, Snapshot

REQUIRED_FIELDS = ("ts", "queue", "waiting", "longest_wait_s") + tuple(
    name for name in COUNTER_FIELDS if name != "abandoned_short"
)
CSV_COLUMNS = REQUIRED_FIELDS + ("abandoned_short", "counters", "current_wait_s_total")
JSON_WHITESPACE = " \t\r\n"  # only these make a line blank (not str.strip()'s \x1c or U+3000)
KEPT_REASONS = 50  # the most recent skipped lines kept for the status line and `check`


@dataclass(frozen=True, slots=True)
class Skipped:
    line: int  # 1-based line number in the feed (0 for a non-line source such as HTTP)
    reason: str  # translated
    code: str = "invalid"  # language-neutral, for --json and the counts per reason


class FeedWarnings:
    """How many inputs were skipped, how many for each reason, and the latest reasons."""

    def __init__(self, keep: int | None = KEPT_REASONS) -> None:
        self.count = 0
        self.by_code: Counter[str] = Counter()
        self.recent: deque[Skipped] = deque(maxlen=keep)

    def add(self, line: int, reason: str, code: str = "invalid") -> None:
        self.count += 1
        self.by_code[code] += 1
        self.recent.append(Skipped(line, reason, code))


class LineParser(Protocol):
    """What turns one line of a feed file into a snapshot (FeedParser, the queue_log reader)."""

    max_line_bytes: int
    warnings: FeedWarnings
    good: int

    def line(self, raw: bytes, number: int) -> Snapshot | None: ...


class FeedParser:
    """Turns the lines of one feed into snapshots in time order, per queue.

    `line()` never raises: every input is either a snapshot, nothing (blank, a CSV header)
    or a counted `Skipped` with its reason (tests/unit/test_queue_fuzz.py feeds it 10,000
    fuzzed lines)."""

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
        except Rejection as error:
            self.warnings.add(number, str(error), error.code)
            return None

    def _line(self, raw: bytes, number: int) -> Snapshot | None:
        if len(raw) > self.max_line_bytes:
            raise Rejection("too_long", _("line longer than {limit} bytes").format(limit=self.max_line_bytes))
        try:
            text = raw.decode("utf-8").strip(JSON_WHITESPACE)
        except UnicodeDecodeError as error:
            raise Rejection("not_utf8", _("not UTF-8 (byte {position})").format(position=error.start + 1)) from None
        if not text:
            return None
        if self._format is None:
            self._format = "jsonl" if text.startswith(("{", "[")) else "csv"
        if self._format == "jsonl":
            return self._checked(*validate_json(text))
        row = self._csv_row(text)
        return None if row is None else self._checked(*validate_json(csv_as_json(row)))

    def accept(self, data: Any, *, repeat_ok: bool = False) -> Snapshot | None:
        """A decoded snapshot object, checked against the queue's previous one. With
        `repeat_ok` (a polled endpoint) the previous snapshot again is None, not an error."""
        snapshot, kind = validate_object(data)
        if repeat_ok and snapshot.ts == self._last_ts.get(snapshot.queue):
            return None
        return self._checked(snapshot, kind)

    def _checked(self, snapshot: Snapshot, kind: str) -> Snapshot:
        last = self._last_ts.get(snapshot.queue)
        if last is not None and snapshot.ts <= last:
            raise Rejection("out_of_order", _("out of time order for queue {queue}").format(queue=snapshot.queue))
        if kind == CUMULATIVE:
            snapshot = self._as_delta(snapshot)
        self._last_ts[snapshot.queue] = snapshot.ts
        self.good += 1
        return snapshot

    def _as_delta(self, snapshot: Snapshot) -> Snapshot:
        total = snapshot.counters
        previous = self._last_total.get(snapshot.queue)
        self._last_total[snapshot.queue] = total.copy()
        if previous is None or any(getattr(total, name) < getattr(previous, name) for name in COUNTER_FIELDS):
            return snapshot  # the first one, or the ACD reset its totals (a new shift)
        delta = total.copy()
        delta.subtract(previous)
        return replace(snapshot, counters=delta)

    def _csv_row(self, text: str) -> dict[str, str] | None:
        try:
            cells = next(csv.reader([text]))
        except csv.Error:  # e.g. a cell longer than the csv module's field limit
            raise Rejection("not_csv", _("not a valid CSV line")) from None
        if self._csv_header is None:
            unknown = [name for name in cells if name not in CSV_COLUMNS]
            if unknown:
                self._format = None  # not a header: maybe the feed starts later
                raise Rejection("unknown_column", _("unknown CSV column {column}").format(column=unknown[0][:40]))
            self._csv_header = cells
            return None
        if len(cells) != len(self._csv_header):
            raise Rejection(
                "cell_count",
                _("{found} CSV cells, the header has {expected}").format(
                    found=len(cells), expected=len(self._csv_header)
                ),
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


def read_feed_file(path: str, parser: LineParser, chunk_size: int = 1 << 16) -> Iterator[Snapshot]:
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


def check_feed(
    path: str, max_line_bytes: int, chunk_size: int = 1 << 16, parser: LineParser | None = None
) -> LineParser:
    """Read a whole feed file; the parser then holds the counts and every reason."""
    parser = parser or FeedParser(max_line_bytes, keep_reasons=None)
    for _snapshot in read_feed_file(path, parser, chunk_size):
        pass
    return parser
