"""Feed parsing and sources: every kind of bad input is skipped and counted, never raised."""

import asyncio
import json
import os
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dutydesk.config import Config
from dutydesk.errors import UserError
from dutydesk.queue.model import Snapshot
from dutydesk.queue.parse import FeedParser, LineSplitter, check_feed
from dutydesk.queue.sources import FileSource, HttpSource, open_source

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def snapshot_dict(seconds: int = 0, queue: str = "inquiry", **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "ts": (T0 + timedelta(seconds=seconds)).isoformat(),
        "queue": queue,
        "waiting": 3,
        "longest_wait_s": 12.5,
        "offered": 4,
        "answered": 3,
        "abandoned": 1,
        "answered_within_sl": 2,
        "handle_time_s_total": 600,
        "wait_time_s_total": 30,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def line(seconds: int = 0, **changes: object) -> bytes:
    return json.dumps(snapshot_dict(seconds, **changes), ensure_ascii=False).encode()


def parse(*lines: bytes) -> tuple[list[Snapshot], FeedParser]:
    parser = FeedParser(max_line_bytes=1 << 20)
    found = [parser.line(raw, number) for number, raw in enumerate(lines, 1)]
    return [s for s in found if s is not None], parser


def reasons(parser: FeedParser) -> list[tuple[int, str]]:
    return [(skipped.line, skipped.reason) for skipped in parser.warnings.recent]


def test_a_good_line_becomes_a_snapshot() -> None:
    found, parser = parse(line(agents=[{"id": 7, "name": "王伟", "state": "busy", "since": T0.isoformat()}]))
    assert parser.warnings.count == 0
    assert found[0].queue == "inquiry" and found[0].waiting == 3 and found[0].counters.answered == 3
    assert found[0].agents is not None and found[0].agents[0].name == "王伟"
    assert found[0].agents[0].id == "7"


@pytest.mark.parametrize(
    ("raw", "code", "reason"),
    [
        (b'{"ts": "2026-11-26T02:00:00+00:00", "queue": ', "not_json", "not valid JSON"),
        (line(waiting=None), "missing_field", "missing field waiting"),
        (line(offered=-1), "out_of_range", "field offered: outside 0 … 2^53"),
        (line(offered=2**53 + 1), "out_of_range", "field offered: outside 0 … 2^53"),
        (line(offered=2**63), "out_of_range", "field offered: outside 0 … 2^53"),
        (line(offered=10**400), "out_of_range", "field offered: outside 0 … 2^53"),
        (line()[:-1] + b', "offered": 1' + b"0" * 5000 + b"}", "out_of_range", "a number too large to read"),
        (line()[:-1] + b', "longest_wait_s": 1e400}', "out_of_range", "field longest_wait_s: outside 0 … 2^53"),
        (line(waiting=2.5), "not_whole", "field waiting: not a whole number"),
        (line(waiting=1e3), "not_whole", "field waiting: not a whole number"),
        (line(waiting="3"), "quoted_number", "field waiting: a number in quotes"),
        (line(longest_wait_s="1e3"), "quoted_number", "field longest_wait_s: a number in quotes"),
        (line(waiting="many"), "quoted_number", "field waiting: a number in quotes (or text)"),
        (line(waiting=True), "not_number", "field waiting: not a number"),
        (line(longest_wait_s=float("nan")), "out_of_range", "field longest_wait_s: outside 0 … 2^53"),
        (line(ts="2026-11-26T02:00:00"), "no_offset", "field ts: the time has no UTC offset"),
        (line(ts="yesterday"), "not_time", "field ts: not an ISO 8601 time"),
        (line(ts="0001-01-01T00:00:00+05:00"), "out_of_range", "field ts: a time before 1970 or after 9998"),
        (line(answered_within_sl=9), "inconsistent", "field answered_within_sl: more than answered"),
        (line(counters="weekly"), "not_a_choice", "field counters: must be one of interval, cumulative"),
        (line(queue=" "), "bad_text", "field queue: must be a name of 1 to 100 characters"),
        (line(queue=""), "bad_text", "field queue: must be text of 1 to 100 characters"),
        (
            line(agents=[{"id": 1, "state": "asleep", "since": T0.isoformat()}]),
            "not_a_choice",
            "field agents.state: must be one of available",
        ),
        (b"[1, 2]", "not_object", "not a JSON object"),
        (line()[:-1] + b', "note": "\xff\xfe"}', "not_utf8", "not UTF-8 (byte"),
    ],
)
def test_bad_lines_are_skipped_with_a_reason(raw: bytes, code: str, reason: str) -> None:
    found, parser = parse(raw, line(5))
    assert [s.ts for s in found] == [T0 + timedelta(seconds=5)]  # the next good line is read
    assert parser.warnings.count == 1 and parser.warnings.by_code == {code: 1}
    number, text = reasons(parser)[0]
    assert number == 1 and text.startswith(reason)


def test_a_snapshot_out_of_time_order_is_skipped() -> None:
    found, parser = parse(line(10), line(5), line(10), line(5, queue="vip"), line(11))
    assert [(s.queue, s.ts.second) for s in found] == [("inquiry", 10), ("vip", 5), ("inquiry", 11)]
    assert reasons(parser) == [(2, "out of time order for queue inquiry"), (3, "out of time order for queue inquiry")]


def test_a_10_mb_line_is_skipped_without_being_held(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    with open(path, "wb") as file:
        file.write(line(0) + b"\n")
        file.write(b'{"ts": "' + b"x" * (10 * 1024 * 1024) + b'"}\n')
        file.write(line(1) + b"\n")
    parser = check_feed(str(path), max_line_bytes=1 << 20, chunk_size=1 << 16)
    assert parser.good == 2
    assert reasons(parser) == [(2, "line longer than 1048576 bytes")]


def test_the_splitter_never_keeps_more_than_the_limit() -> None:
    splitter = LineSplitter(10)
    out = splitter.feed(b"short\n" + b"y" * 25)
    out += splitter.feed(b"y" * 25)
    assert len(splitter._buffer) <= 11
    out += splitter.feed(b"\nnext\n")
    assert out == [b"short", b"y" * 11, b"next"]


def test_cumulative_counters_become_deltas_and_a_reset_starts_over() -> None:
    found, _parser = parse(
        line(0, counters="cumulative", offered=10, answered=8, answered_within_sl=6),
        line(60, counters="cumulative", offered=15, answered=12, answered_within_sl=9),
        line(120, counters="cumulative", offered=2, answered=2, answered_within_sl=2),
    )
    assert [(s.counters.offered, s.counters.answered, s.counters.answered_within_sl) for s in found] == [
        (10, 8, 6),
        (5, 4, 3),
        (2, 2, 2),
    ]


def test_csv_with_the_same_columns(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text(
        "ts,queue,waiting,longest_wait_s,offered,answered,abandoned,answered_within_sl,handle_time_s_total,wait_time_s_total\n"
        "2026-11-26T10:00:00+08:00,投诉,2,10,5,4,1,3,800,40\n"
        "2026-11-26T10:00:05+08:00,投诉,2,10,-5,4,1,3,800,40\n"
        "2026-11-26T10:00:10+08:00,投诉,2\n",
        encoding="utf-8",
    )
    parser = check_feed(str(path), max_line_bytes=4096)
    assert parser.good == 1
    assert reasons(parser) == [(3, "field offered: outside 0 … 2^53"), (4, "3 CSV cells, the header has 10")]


def test_csv_cells_follow_the_same_strict_rules(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    header = "ts,queue,waiting,longest_wait_s,offered,answered,abandoned,answered_within_sl,handle_time_s_total,wait_time_s_total\n"
    path.write_text(
        header
        + "2026-11-26T10:00:00+08:00,123,2,10,5,4,1,3,800,40\n"  # a queue named by digits is still a name
        + f"2026-11-26T10:00:05+08:00,a,2,10,{'9' * 400},4,1,3,800,40\n"
        + "2026-11-26T10:00:05+08:00,a,2.5,10,5,4,1,3,800,40\n"
        + "2026-11-26T10:00:05+08:00,a,1e3,10,5,4,1,3,800,40\n"
        + "2026-11-26T10:00:05+08:00,a, 2,10,5,4,1,3,800,40\n"
        + f'2026-11-26T10:00:05+08:00,"{"x" * 200_000}",2,10,5,4,1,3,800,40\n',
        encoding="utf-8",
    )
    parser = check_feed(str(path), max_line_bytes=1 << 20)
    assert parser.good == 1
    assert [skipped.code for skipped in parser.warnings.recent] == [
        "out_of_range",
        "not_whole",
        "not_whole",
        "quoted_number",
        "not_csv",
    ]


def test_unknown_feed_specs_are_user_errors(config: Config) -> None:
    for spec in ("ftp://x", "file:", "sim:colour=red", "sim:speed=0", "sim:scenario=flood"):
        with pytest.raises(UserError):
            open_source(spec, config.queue, config.zone)


def test_no_feed_is_the_default_and_opening_none_is_a_user_error(config: Config) -> None:
    from dutydesk.queue.runner import chosen_feed, open_feed

    assert config.queue.feed == "" and chosen_feed(config) == ""
    for spec in (None, "", "  "):
        with pytest.raises(UserError, match="no queue feed is configured"):
            open_feed(config, spec)
    assert chosen_feed(config, " sim ") == "sim"  # --feed wins over the configured none


def test_only_the_simulator_marks_its_monitor_as_simulated(config: Config, tmp_path: Path) -> None:
    from dutydesk.queue.runner import open_feed

    assert open_feed(config, "sim:seed=1").monitor.simulated
    assert open_feed(config, "sim").monitor.view().simulated
    assert not open_feed(config, f"file:{tmp_path / 'feed.jsonl'}").monitor.simulated
    assert not open_feed(config, "http://127.0.0.1:9/feed").monitor.view().simulated


# -- the file source ------------------------------------------------------------------------


async def collect(source: AsyncIterator[Snapshot], count: int, timeout: float = 5.0) -> list[Snapshot]:
    found: list[Snapshot] = []

    async def take() -> None:
        async for snapshot in source:
            found.append(snapshot)
            if len(found) == count:
                return

    await asyncio.wait_for(take(), timeout)
    return found


async def test_the_file_source_follows_appends_rotation_and_truncation(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(line(0) + b"\n" + line(1)[:20])  # the second line is not complete yet
    source = FileSource(path, config.queue, poll_s=0.01)
    iterator = aiter(source)
    first = await collect(iterator, 1)
    with open(path, "ab") as file:
        file.write(line(1)[20:] + b"\n" + b"garbage\n" + line(2) + b"\n")
    appended = await collect(iterator, 2)
    os.rename(path, tmp_path / "feed.jsonl.1")  # rotation: a new file under the same name
    path.write_bytes(line(3) + b"\n")
    rotated = await collect(iterator, 1)
    path.write_bytes(line(5, queue="vip") + b"\n")  # truncated and rewritten, shorter than before
    truncated = await collect(iterator, 1)
    seconds = [(s.queue, s.ts.second) for s in first + appended + rotated + truncated]
    assert seconds == [("inquiry", 0), ("inquiry", 1), ("inquiry", 2), ("inquiry", 3), ("vip", 5)]
    assert source.warnings.count == 1 and source.warnings.recent[0].reason == "not valid JSON"


# -- the http source ------------------------------------------------------------------------


class FeedHandler(BaseHTTPRequestHandler):
    bodies: list[bytes] = []

    def do_GET(self) -> None:
        body = self.bodies.pop(0) if self.bodies else b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


async def test_the_http_source_polls_a_real_server(config: Config) -> None:
    FeedHandler.bodies = [
        json.dumps([snapshot_dict(0), snapshot_dict(0, queue="vip")]).encode(),
        json.dumps(snapshot_dict(0)).encode(),  # the same snapshot again: no news, no warning
        b"\xff not json",
        json.dumps(snapshot_dict(10, offered=-3)).encode(),
        json.dumps(snapshot_dict(20)).encode(),
    ]
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = config.queue.model_copy(update={"http_interval_s": 0.01, "http_timeout_s": 2})
        source = HttpSource(f"http://127.0.0.1:{server.server_port}/feed", settings)
        found = await collect(aiter(source), 3)
    finally:
        server.shutdown()
    assert [(s.queue, s.ts.second) for s in found] == [("inquiry", 0), ("vip", 0), ("inquiry", 20)]
    assert [s.reason for s in source.warnings.recent] == [
        "HTTP: the response is not UTF-8 JSON",
        "field offered: outside 0 … 2^53",
    ]


async def test_an_unreachable_endpoint_is_a_warning_not_a_crash(config: Config) -> None:
    settings = config.queue.model_copy(update={"http_interval_s": 0.01, "http_timeout_s": 0.5})
    source = HttpSource("http://127.0.0.1:9/feed", settings)
    task = asyncio.ensure_future(collect(aiter(source), 1, timeout=0.5))
    with pytest.raises(TimeoutError):
        await task
    assert source.warnings.count >= 1
    assert source.warnings.recent[0].reason.startswith("HTTP: ")


@pytest.mark.parametrize("wait_for_feeding", [False, True])
def test_the_runner_stops_at_once_whenever_it_is_stopped(
    config: Config, tmp_path: Path, wait_for_feeding: bool
) -> None:
    """The feed thread does not poll for the stop: `stop()` cancels its feeding, also when
    called before the thread's loop began."""
    import time

    from dutydesk.queue.runner import open_feed

    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(line(0) + b"\n")
    runner = open_feed(config, f"file:{feed}").start()
    if wait_for_feeding:
        deadline = time.monotonic() + 5
        while runner.monitor.snapshots == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert runner.monitor.snapshots == 1
    started = time.monotonic()
    runner.stop()
    assert not runner._thread.is_alive()
    assert time.monotonic() - started < 2.0  # well under the 5 s join timeout
