"""Asterisk's queue_log as a feed: hand-checked totals per queue, agent states with pause
reasons, a followed log, `queue check` and `queue replay` on it."""

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from tests.unit.test_queue_feed import collect

from dutydesk.config import Config
from dutydesk.queue.asterisk import QueueLogReader
from dutydesk.queue.model import COUNTER_FIELDS, Counters, Snapshot
from dutydesk.queue.parse import read_feed_file
from dutydesk.queue.sources import AsteriskSource, open_source
from dutydesk.store.db import open_database
from dutydesk.store.tables import QueueInterval

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "asterisk" / "queue_log"
EXPECTED = {  # tests/data/asterisk/README.md, counted by hand
    "7100": Counters(
        offered=4,
        answered=2,
        abandoned=2,
        abandoned_short=1,
        answered_within_sl=1,
        handle_time_s_total=3373,
        wait_time_s_total=62,
    ),
    "7200": Counters(
        offered=4,
        answered=1,
        abandoned=2,
        abandoned_short=0,
        answered_within_sl=1,
        handle_time_s_total=190,
        wait_time_s_total=10,
    ),
}


def reader() -> QueueLogReader:
    return QueueLogReader(1 << 20, sl_threshold_s=20, short_abandon_s=5, keep_reasons=None)


def at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def test_the_sample_log_gives_the_hand_checked_totals_per_queue() -> None:
    parser = reader()
    snapshots = list(read_feed_file(str(SAMPLE), parser))
    totals: dict[str, Counters] = {}
    last: dict[str, Snapshot] = {}
    for snapshot in snapshots:
        totals.setdefault(snapshot.queue, Counters()).add(snapshot.counters)
        last[snapshot.queue] = snapshot
    assert totals == EXPECTED
    assert (last["7100"].waiting, last["7200"].waiting) == (0, 1)
    assert last["7200"].longest_wait_s == 1292284200 - 1292281900  # the caller whose exit never came
    assert parser.warnings.count == 1 and parser.warnings.recent[0].line == 31 and parser.ignored == 2
    agents = {(s.queue, a.id): (a.state, a.reason, a.since) for s in last.values() for a in s.agents or ()}
    assert agents == {
        ("7100", "Local/9996@MemberConnector"): ("available", "", at(1292281460)),
        ("7200", "Local/9990@MemberConnector"): ("busy", "培训", at(1292281520)),
        ("7200", "SIP/1001"): ("busy", "Lunch", at(1292284200)),
    }


def test_callers_waiting_and_their_summed_wait_come_from_the_open_calls() -> None:
    parser = reader()
    lines = [
        b"1000|a|q|NONE|ENTERQUEUE||1|1",
        b"1010|b|q|NONE|ENTERQUEUE||2|2",
        b"1030|c|q|NONE|ENTERQUEUE||3|3",
    ]
    snapshot = [parser.line(raw, n) for n, raw in enumerate(lines, 1)][-1]
    assert snapshot is not None
    assert (snapshot.waiting, snapshot.longest_wait_s, snapshot.current_wait_s_total) == (3, 30, 30 + 20 + 0)
    later = parser.heartbeat(at(1090))[0]  # the log is quiet: the waits still grow
    assert (later.waiting, later.longest_wait_s, later.current_wait_s_total) == (3, 90, 90 + 80 + 60)
    assert later.counters == Counters()


def test_a_paused_agent_stays_on_the_call_then_shows_busy_with_the_reason() -> None:
    parser = reader()
    for number, raw in enumerate(
        [
            b"100|MANAGER|q|SIP/7|ADDMEMBER|",
            b"110|x|q|NONE|ENTERQUEUE||1|1",
            b"115|x|q|SIP/7|CONNECT|5|y|2",
            b"120|NONE|q|SIP/7|PAUSE|Training",
            b"200|x|q|SIP/7|COMPLETECALLER|5|85|1",
        ],
        1,
    ):
        snapshot = parser.line(raw, number)
        assert snapshot is not None and snapshot.agents is not None
        if number == 4:
            assert snapshot.agents[0].state == "on_call"
    assert snapshot.agents[0].state == "busy" and snapshot.agents[0].reason == "Training"
    assert snapshot.agents[0].since == at(200)


def test_bad_lines_are_counted_and_never_raise() -> None:
    parser = reader()
    for number, raw in enumerate(
        [
            b"",
            b"\xff\xfe|x",
            b"12|a|b",
            b"99999999999999|a|q|NONE|ENTERQUEUE",
            b"-1|a|q|NONE|ENTERQUEUE",
            b"1|a|q|x|CONNECT|abc",
        ],
        1,
    ):
        parser.line(raw, number)
    assert parser.warnings.count == 4 and parser.good == 1  # the CONNECT with a bad hold time still counts


async def test_the_asterisk_source_follows_the_log(tmp_path: Path, config: Config) -> None:
    log = tmp_path / "queue_log"
    log.write_bytes(SAMPLE.read_bytes()[:400])  # a few whole lines and half of one
    source = open_source(f"asterisk:{log}", config.queue, config.zone)
    assert isinstance(source, AsteriskSource) and source.spec == f"asterisk:{log}"
    first = await collect(aiter(source), 2)
    assert [s.queue for s in first] == ["7100", "7200"]
    source.close()


def test_queue_check_and_replay_read_a_queue_log(on_duty) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = on_duty("queue", "check", str(SAMPLE), "--json")
    checked = json.loads(out)
    assert code == 1 and checked["bad"] == 1 and checked["errors"][0]["code"] == "not_queue_log"  # one bad line
    replayed = on_duty.json("queue", "replay", str(SAMPLE))
    assert replayed["skipped"] == 1
    db = open_database(on_duty.db_path)
    columns = [func.sum(getattr(QueueInterval, name)) for name in COUNTER_FIELDS]
    with db.engine.connect() as connection:
        rows = connection.execute(select(QueueInterval.queue, *columns).group_by(QueueInterval.queue)).all()
    db.close()
    assert {queue: Counters(*sums) for queue, *sums in rows} == EXPECTED
