"""The review of one incident, and response figures over many, on incidents with known times."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from test_export import assert_valid_markdown, at, markdown_parser, plain_text, store_intervals

from cli_runner import Cli
from conftest import TEST_PIN
from dutydesk.config import Config
from dutydesk.domain import followups, incidents, playbooks, shifts, supervisors
from dutydesk.domain.incident_stats import Spread, StoredAlertTimes, response_figures
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.export.incident_report import gather_report, render_report
from dutydesk.store.db import Database
from dutydesk.store.tables import QueueAlert

HOSTILE = "Zhao | [/] [b]bold[/b] \x1b[31mred\x1b[0m\nsecond line *x* <i>"
WHO = "赵工 | IT [red]"


def store_alert(db: Database, shift: ShiftInfo, rule: str, fired: datetime, acknowledged: datetime | None) -> None:
    row = {
        "shift_id": shift.id,
        "rule": rule,
        "queue": "hotline",
        "level": "critical",
        "fired_at": fired,
        "cleared_at": None,
        "acknowledged_by": "wang" if acknowledged else None,
        "acknowledged_at": acknowledged,
        "figures": json.dumps({"waiting": 17}),
        "simulated": False,
    }
    with db.engine.begin() as connection:
        connection.execute(insert(QueueAlert), [row])


def run_incident(db: Database, config: Config) -> int:
    """A level-2 peak at 09:15 local: ticks, a hostile escalation and answer, an untick, a
    level change, a follow-up, closing with steps skipped, and lessons."""
    supervisors.add_supervisor(db, "wang", "王伟", TEST_PIN)
    shift = shifts.open_shift(db, config, "wang", now=at(0, 3))
    store_intervals(db, shift)
    store_alert(db, shift, "waiting_16", at(1, 10), at(1, 13))
    playbook = playbooks.load_playbooks(user=Path("/nonexistent")).get("peak_level_2")
    number = incidents.start_incident(db, config, shift, playbook, note=HOSTILE, now=at(1, 15)).number
    incidents.tick_step(db, number, 1, now=at(1, 18))
    incidents.tick_step(db, number, 2, now=at(1, 20))
    incidents.untick_step(db, number, 2, "team leads were not told | 未通知", now=at(1, 21))
    incidents.tick_step(db, number, 2, now=at(1, 27))
    incidents.escalate(db, number, "Department head", said=HOSTILE, now=at(1, 28))
    incidents.escalate(db, number, WHO, "微信", now=at(1, 29))
    incidents.record_answer(db, number, "重启交换机\n10 分钟", now=at(1, 40))
    incidents.change_level(db, config, shift, number, 1, "queue | falling", now=at(1, 50))
    followups.add_followup(db, config, "Call back | <VIP>", "special_customer", due=at(3, 0), now=at(1, 55))
    incidents.close_incident(
        db,
        config,
        shift,
        number,
        "Queue back under 5 | 排队恢复",
        {"3": "no overtime needed [/]", "all": "not applicable: 已恢复"},
        now=at(2, 15),
    )
    incidents.add_review(db, number, "切换 IVR 应更早 | *switch* earlier", now=at(3, 0))
    incidents.add_review(db, number, HOSTILE, now=at(3, 5))
    return number


@pytest.fixture
def number(db: Database, config: Config) -> int:
    return run_incident(db, config)


def section(text: str, title: str) -> str:
    return text.split(f"\n## {title}\n")[1].split("\n## ")[0]


def test_the_report_has_every_part_and_its_markdown_holds(db, config, number) -> None:  # type: ignore[no-untyped-def]
    text = render_report(gather_report(db, config, number, now=at(4, 0)))
    tokens = assert_valid_markdown(text)
    assert "\x1b" not in text and "<i>" not in markdown_parser().render(text)
    assert text.startswith("# Incident #1 — Peak traffic, level 2")
    assert "Started 2026-11-23 09:15, ended 10:15 (1:00:00). Times are in Asia/Shanghai." in text
    assert section(text, "Summary").strip() == "Queue back under 5 \\| 排队恢复"
    assert "| 09:50 | 2 → 1 queue \\| falling | 王伟 (wang) |" in section(text, "Level changes")
    steps = section(text, "Steps")
    assert steps.splitlines()[1] == "3 of 7 done, 4 skipped."
    assert "| 1 | Confirm the queue" in steps and "| 09:20 | 09:18 | done on time |" in steps
    assert "| 09:25 | 09:27 | done 2:00 late |" in steps  # step 2 ticked, unticked, ticked again
    assert "| 09:45 | — | skipped: no overtime needed \\[/\\] |" in steps
    assert "| 09:30 | 09:28 | done on time |" in steps  # step 5, ticked by the escalation
    assert steps.count("skipped: not applicable: 已恢复") == 3
    contacts = section(text, "Escalations and contacts")
    assert (
        "| 09:28 | escalated | Department head | phone | Zhao \\| \\[/\\] \\[b\\]bold\\[/b\\] \\[31mred\\[0m ⏎"
        in contacts
    )
    assert "| 09:40 | answer | 赵工 \\| IT \\[red\\] | — | 重启交换机 ⏎ 10 分钟 | 王伟 (wang) |" in contacts
    timeline = section(text, "Timeline")
    kinds = [row.split(" | ")[1] for row in timeline.splitlines() if row.startswith("| 09") or row.startswith("| 10")]
    assert kinds[:6] == ["started", "step done", "step done", "step unticked", "step done", "escalated"]
    assert "| 09:21 | step unticked | 2 | team leads were not told \\| 未通知 | 王伟 (wang) |" in timeline
    queues = section(text, "Queues around the incident")
    assert "From 08:45 to 10:45 (30 min either side), all queues together." in queues
    assert "Alert waiting\\_16 fired at 09:10, 5:00 before the incident started." in queues
    assert queues.count("\n| 0") + queues.count("\n| 1") == 8 + 1  # 8 intervals 08:45–10:30, the alert
    assert "| 1 | special customer | Call back \\| \\<VIP\\> | 09:55 | open |" in section(
        text, "Follow-ups opened while it ran"
    )
    lessons = section(text, "Lessons")
    assert "- 11:00 · 王伟 (wang): 切换 IVR 应更早 \\| \\*switch\\* earlier" in lessons
    readable = [plain_text(t) for t in tokens if t.type == "inline"]
    assert "Zhao | [/] [b]bold[/b] [31mred[0m ⏎ second line *x* <i>" in readable  # reads as typed


def test_the_report_in_chinese(db, config, number) -> None:  # type: ignore[no-untyped-def]
    text = render_report(gather_report(db, config, number, now=at(4, 0)), "zh")
    assert_valid_markdown(text)
    assert text.startswith("# 突发事件 #1 — 话务高峰二级")
    for title in ("总结", "级别变更", "步骤", "上报与联系人", "时间线", "突发事件前后的队列情况", "经验教训"):
        assert f"\n## {title}\n" in text
    assert "已完成 3/7，跳过 4。" in text and "已跳过：no overtime needed \\[/\\]" in text


def test_an_open_incident_without_figures_says_so(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    playbook = playbooks.load_playbooks(user=Path("/nonexistent")).get("crm_down")
    number = incidents.start_incident(db, config, shift, playbook, now=at(1, 0)).number
    text = render_report(gather_report(db, config, number, now=at(1, 30)))
    assert_valid_markdown(text)
    assert "Not closed yet: no summary." in text and "No queue figures were stored for that time." in text
    assert "| 1 | Report the outage to technical support on the internal channel | 09:05 | — | " in text
    assert "not done, deadline missed |" in text and "Nobody was escalated to." in text


def test_report_cli_writes_a_file_once(on_duty: Cli, tmp_path: Path) -> None:
    on_duty.ok("incident", "start", "crm_down")
    target = tmp_path / "review.md"
    assert "Wrote" in on_duty.ok("incident", "report", "1", "-o", str(target), "--lang", "zh")
    assert target.read_text(encoding="utf-8").startswith("# 突发事件 #1 — CRM 系统中断")
    code, _out, err = on_duty("incident", "report", "1", "-o", str(target))
    assert code == 1 and "exists" in err and "Traceback" not in err
    code, _out, err = on_duty("incident", "report", "9")
    assert code == 1 and "no incident #9" in err
    code, _out, err = on_duty("incident", "report", "1", "--lang", "fr")
    assert code == 1 and "unknown language 'fr'" in err


# -- response figures ------------------------------------------------------------------------


def minutes(value: float | None) -> float | None:
    return None if value is None else value / 60


def test_figures_on_incidents_with_known_times_are_exact(db, config, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    supervisors.add_supervisor(db, "wang", "王伟", TEST_PIN)
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    frozen_clock.set(start)
    shift = shifts.open_shift(db, config, "wang")
    crm = playbooks.load_playbooks(user=Path("/nonexistent")).get("crm_down")
    peak = playbooks.load_playbooks(user=Path("/nonexistent")).get("peak_level_1")
    # Five CRM incidents a day apart: step 1 (5 min) done after 2, 4, 6, 8, 10 min; closed after 10..50 min.
    for index in range(5):
        began = start + timedelta(days=index)
        number = incidents.start_incident(db, config, shift, crm, now=began).number
        incidents.tick_step(db, number, 1, now=began + timedelta(minutes=2 * (index + 1)))
        skips = {"all": "test"}
        incidents.close_incident(
            db, config, shift, number, "ok", skips, now=began + timedelta(minutes=10 * (index + 1))
        )
    # One peak in December, led by an alert 3 min before, acknowledged after 1 min; still open.
    began = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    alerts = [
        StoredAlertTimes("waiting_8", began - timedelta(minutes=3), began - timedelta(minutes=2)),
        StoredAlertTimes("waiting_8", began - timedelta(hours=2), began - timedelta(minutes=100)),  # not leading
        StoredAlertTimes("waiting_8", began + timedelta(hours=1), None),  # not acknowledged
        StoredAlertTimes("no_such_rule", began - timedelta(minutes=1), began),  # no playbook
    ]
    incidents.start_incident(db, config, shift, peak, now=began)
    groups = response_figures(incidents.list_incidents(db), alerts, config, began + timedelta(minutes=20))

    assert [(g.playbook, g.month, g.incidents) for g in groups] == [
        ("crm_down", "2026-11", 5),
        ("peak_level_1", "2026-12", 1),
    ]
    crm_group, peak_group = groups
    assert crm_group.started_to_closed == Spread(5, 30 * 60, 50 * 60)
    assert crm_group.started_to_step == {1: Spread(5, 6 * 60, 10 * 60)}
    # Step 1 due after 5 min: on time for 2 and 4 min; steps 2–4 (15, 15, 30 min) skipped: late.
    assert (crm_group.steps_on_time, crm_group.steps_due) == (2, 20)
    assert crm_group.alert_to_started == Spread(0, None, None)
    assert peak_group.alert_to_started == Spread(1, 180, 180)
    assert peak_group.alert_to_acknowledged == Spread(2, (60 + 20 * 60) / 2, 20 * 60)
    assert peak_group.started_to_closed.count == 0
    # Open and not yet due at +20 min: step 1 (5 min) and step 2 (10 min) are late, longer ones wait.
    steps_due = sum(1 for step in peak.steps if step.within and step.within <= timedelta(minutes=20))
    assert (peak_group.steps_on_time, peak_group.steps_due) == (0, steps_due)
    assert round(crm_group.on_time_share or 0, 2) == 0.1


def test_p90_is_nearest_rank() -> None:
    assert Spread.of([]) == Spread(0, None, None)
    assert Spread.of([5]) == Spread(1, 5, 5)
    assert Spread.of(range(1, 11)) == Spread(10, 5.5, 9)
    assert Spread.of(range(1, 12)) == Spread(11, 6, 10)


def test_stats_cli_and_its_json(on_duty: Cli, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    assert on_duty.json("incident", "stats") == []
    on_duty.ok("incident", "start", "crm_down")
    frozen_clock.advance(timedelta(minutes=3))
    on_duty.ok("incident", "step", "1", "1", "--done")
    frozen_clock.advance(timedelta(minutes=7))
    on_duty.ok("incident", "close", "1", "--summary", "ok", "--skip", "all=test")
    shown = on_duty.json("incident", "stats", "--since", "2000-01-01")
    assert isinstance(shown, list) and len(shown) == 1
    group = shown[0]
    assert (group["playbook"], group["incidents"], group["steps_due"], group["steps_on_time"]) == ("crm_down", 1, 4, 1)
    assert group["started_to_closed"] == {"count": 1, "median_s": 600.0, "p90_s": 600.0}
    assert group["started_to_step"] == [{"n": 1, "count": 1, "median_s": 180.0, "p90_s": 180.0}]
    assert "crm_down" in on_duty.ok("incident", "stats")
    code, _out, err = on_duty("incident", "stats", "--since", "yesterday")
    assert code == 1 and "bad date 'yesterday'" in err
    assert on_duty.json("incident", "stats", "--since", "2999-01-01") == []
