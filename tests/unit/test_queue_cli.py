"""`dutydesk queue check|replay|watch` and `dutydesk staffing`: the JSON contracts and exit codes."""

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from cli_runner import Cli
from dutydesk.store.db import open_database

START = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def feed_lines(minutes: int, waiting: int) -> list[str]:
    lines = []
    for minute in range(minutes):
        for queue, share in (("咨询 | *x*", waiting // 2 + waiting % 2), ("vip", waiting // 2)):
            lines.append(
                json.dumps(
                    {
                        "ts": (START + timedelta(minutes=minute)).isoformat(),
                        "queue": queue,
                        "waiting": share,
                        "longest_wait_s": 60,
                        "offered": 3,
                        "answered": 2,
                        "abandoned": 1,
                        "answered_within_sl": 2,
                        "handle_time_s_total": 480,
                        "wait_time_s_total": 20,
                    },
                    ensure_ascii=False,
                )
            )
    return lines


def test_check_reports_good_and_bad_lines_and_exits_1(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    good = feed_lines(2, 4)
    feed.write_bytes("\n".join(good).encode() + b'\n{"queue": "vip"}\nnot json\n\xff\n' + good[0].encode() + b"\n")
    code, out, _err = cli("queue", "check", str(feed), "--json")
    assert code == 1
    report = json.loads(out)
    assert (report["good"], report["bad"]) == (4, 4)
    assert [e["line"] for e in report["errors"]] == [5, 6, 7, 8]
    assert report["errors"][0]["reason"] == "missing field ts"
    assert report["errors"][3]["reason"].startswith("out of time order")


def test_check_of_a_clean_file_exits_0(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(feed_lines(3, 2)) + "\n", encoding="utf-8")
    code, out, _err = cli("queue", "check", str(feed))
    assert code == 0 and "6 good snapshots, 0 bad lines" in out


def test_replay_fires_the_rules_logs_them_and_stores_intervals(on_duty: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(feed_lines(35, 9) + feed_lines(40, 2)[70:]) + "\n", encoding="utf-8")
    result = on_duty.json("queue", "replay", str(feed))
    assert (result["snapshots"], result["skipped"]) == (80, 0)
    by_rule = {alert["rule"]: alert for alert in result["alerts"]}
    waiting = by_rule["waiting_8"]
    assert waiting["queue"] is None and waiting["value"] == 9 and waiting["figures"]["waiting"] == 9
    assert waiting["fired_at"] == (START + timedelta(minutes=30)).isoformat()
    assert waiting["cleared_at"] == (START + timedelta(minutes=35)).isoformat()
    assert "abandon_rate_high" in by_rule  # 1 of 3 calls abandoned
    entries = on_duty.json("log", "list")
    texts = [entry["text"] for entry in entries]
    assert sum(text.startswith("Queue alert (all queues): waiting 9 >= 8") for text in texts) == 1
    assert any(text.startswith("Queue alert cleared (all queues)") for text in texts)
    stored_db = open_database(on_duty.db_path)
    with stored_db.engine.connect() as connection:
        rows = connection.execute(
            text("select queue, count(*), sum(offered) from queue_interval group by queue order by queue")
        ).all()
        # what the JSON says is what is stored
        stored = connection.execute(
            text("select rule, queue, cleared_at is null, figures from queue_alert order by id")
        ).all()
    stored_db.close()
    assert [tuple(row) for row in rows] == [("vip", 3, 120), ("咨询 | *x*", 3, 120)]
    assert [(rule, queue, json.loads(figures)) for rule, queue, _active, figures in stored] == [
        (alert["rule"], alert["queue"] or "", alert["figures"]) for alert in result["alerts"]
    ]
    assert [active for _rule, _queue, active, _figures in stored] == [
        alert["cleared_at"] is None for alert in result["alerts"]
    ]


def test_replay_without_an_open_shift_is_an_error(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(feed_lines(1, 1)) + "\n", encoding="utf-8")
    code, _out, err = cli("queue", "replay", str(feed))
    assert code == 1 and err.startswith("error: no shift is open")


def test_watch_once_prints_the_figures_of_a_file_feed(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(feed_lines(3, 4)) + "\nbroken\n", encoding="utf-8")
    view = cli.json("queue", "watch", "--feed", f"file:{feed}", "--once")
    assert [line["queue"] for line in view["queues"]] == ["vip", "咨询 | *x*"]
    assert view["total"]["shift"]["offered"] == 18 and view["total"]["window"]["waiting"] == 4
    assert view["total"]["shift"]["answer_rate"] == 2 / 3
    assert view["feed"]["warnings"] == 1
    assert view["simulated"] is False  # type: ignore[index]


def test_watch_with_a_bad_feed_is_an_error(cli: Cli) -> None:
    code, _out, err = cli("queue", "watch", "--feed", "gopher://x", "--once")
    assert code == 1 and "unknown feed" in err


def test_watch_without_a_feed_says_how_to_set_one_and_exits_1(cli: Cli) -> None:
    for extra in ((), ("--once",), ("--json",)):
        code, out, err = cli("queue", "watch", *extra)
        assert code == 1 and out == ""
        assert err.strip().count("\n") == 0 and "no queue feed is configured" in err  # one line
        assert "queue.feed" in err and "--feed" in err and "Traceback" not in err


def test_watch_of_the_simulator_says_it_is_the_simulator(cli: Cli) -> None:
    view = cli.json("queue", "watch", "--feed", "sim:seed=2", "--json")
    assert view["simulated"] is True  # type: ignore[index]
    code, out, _err = cli("queue", "watch", "--feed", "sim:seed=2", "--once")
    assert code == 0 and "SIMULATOR — drill data, not live" in out


def test_the_app_refuses_a_bad_feed_before_starting(cli: Cli) -> None:
    code, _out, err = cli("--feed", "sim:scenario=flood")
    assert code == 1 and "unknown scenario 'flood'" in err and "Traceback" not in err


def test_staffing_json_contract(cli: Cli) -> None:
    hint = cli.json("staffing", "--calls", "100", "--interval", "30m", "--aht", "180", "--target", "80/20")
    assert hint["agents"] == 14 and abs(hint["service_level"] - 0.8884) < 1e-3
    assert set(hint) >= {"agents", "service_level", "asa_s", "occupancy"}
    code, _out, err = cli("staffing", "--calls", "100", "--interval", "soon")
    assert code == 1 and "bad interval" in err
