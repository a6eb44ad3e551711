"""The feed parser cannot be broken: 10,000 fuzzed lines, each a snapshot or a counted reason;
a followed file keeps delivering after a poison line; the schema is the model's."""

import asyncio
import json
from pathlib import Path
from random import Random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.test_queue_feed import collect, line, snapshot_dict

from dutydesk.config import Config
from dutydesk.queue.feed_model import feed_schema_text
from dutydesk.queue.parse import FeedParser
from dutydesk.queue.sources import FileSource

LINES_PER_EXAMPLE = 200
EXAMPLES = 50  # 50 × 200 = 10,000 lines
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "feed.schema.json"
FIELDS = [*snapshot_dict(), "agents", "counters", "abandoned_short"]
ODD_VALUES: list[object] = [
    None,
    True,
    -1,
    0,
    2**53,
    2**53 + 1,
    2**63,
    10**400,
    1e308,
    -0.0,
    2.5,
    "3",
    "1e3",
    "",
    " ",
    "\x00",
    "9" * 5000,
    [],
    {},
    [{"id": 1}],
    {"state": "busy"},
    "2026-11-26T02:00:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    [{"id": "a", "state": "busy", "since": "0001-01-01T00:00:00+01:00"}],
]


def mutated(random: Random) -> bytes:
    """A good line with a field replaced or removed, bytes overwritten, cut or inserted,
    or huge digit runs spliced in; sometimes plain noise."""
    choice = random.random()
    if choice < 0.1:
        return random.randbytes(random.randrange(200)).replace(b"\n", b"")
    data = snapshot_dict(random.randrange(10_000), queue=random.choice(["inquiry", "vip"]))
    name = random.choice(FIELDS)
    if choice < 0.5:
        data[name] = random.choice(ODD_VALUES)
    elif choice < 0.6:
        data.pop(name, None)
    raw = bytearray(json.dumps(data, ensure_ascii=False).encode())
    for _ in range(random.randrange(3) if choice >= 0.6 else 0):
        at = random.randrange(len(raw) + 1)
        action = random.choice(["overwrite", "cut", "insert", "digits"])
        if action == "overwrite" and at < len(raw):
            raw[at] = random.randrange(256)
        elif action == "cut":
            del raw[at:]
        elif action == "insert":
            raw[at:at] = random.randbytes(random.randrange(1, 8))
        else:
            raw[at:at] = b"9" * random.choice([20, 400, 4400, 9000])
    return bytes(raw).replace(b"\n", b" ")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32))
def test_every_fuzzed_line_is_a_snapshot_or_a_counted_reason(seed: int) -> None:
    random = Random(seed)  # hypothesis picks (and on a failure, reports) the seed; lines come cheap
    parser = FeedParser(max_line_bytes=1 << 20, keep_reasons=None)
    parser.line(line(-1, queue="warm-up"), 0)  # the feed is JSONL from its first line
    for number in range(1, LINES_PER_EXAMPLE + 1):
        raw = mutated(random)
        before = parser.warnings.count
        snapshot = parser.line(raw, number)  # never raises: an exception fails the test
        counted = parser.warnings.count - before
        if snapshot is not None:
            assert counted == 0
        else:
            assert counted == 1 or raw.strip(b" \t\r") == b""
            if counted:
                skipped = parser.warnings.recent[-1]
                assert skipped.line == number and skipped.reason and skipped.code


async def test_a_followed_file_keeps_delivering_after_a_poison_line(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "feed.jsonl"
    poison = line(1)[:-1] + b', "offered": 1' + b"0" * 5000 + b"}"
    path.write_bytes(line(0) + b"\n" + poison + b"\n" + line(2) + b"\n")
    source = FileSource(path, config.queue, poll_s=0.01)
    iterator = aiter(source)
    first = await collect(iterator, 2)
    with open(path, "ab") as file:
        file.write(b'{"waiting": 1e999}\n' + line(3) + b"\n")
    later = await collect(iterator, 1)
    assert [s.ts.second for s in first + later] == [0, 2, 3]
    assert source.warnings.count == 2
    source.close()


def test_a_restarted_iteration_goes_on_after_the_last_line(tmp_path: Path, config: Config) -> None:
    """The runner iterates a source again after any failure: a file must not be read again."""
    path = tmp_path / "feed.jsonl"
    path.write_bytes(line(0) + b"\n" + line(1) + b"\n")
    source = FileSource(path, config.queue, poll_s=0.01)

    async def twice() -> list[int]:
        first = await collect(aiter(source), 1)
        second = await collect(aiter(source), 1)
        return [s.ts.second for s in first + second]

    assert asyncio.run(twice()) == [0, 1]
    source.close()


def test_the_committed_schema_is_generated_from_the_model() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == feed_schema_text(), "run scripts/feed_schema.py"
