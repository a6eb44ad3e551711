"""Anomaly threads: an anomaly is a problem with a history, not a line of the log."""

from datetime import timedelta

import pytest

from dutydesk.domain import log, threads
from dutydesk.errors import UserError


def anomaly(db, config, shift, text: str, severity: str = "warning", category: str = "system_status"):  # type: ignore[no-untyped-def]
    return log.add_entry(db, config, shift, text, category=category, severity=severity)


def open_ids(db, config) -> list[int]:  # type: ignore[no-untyped-def]
    return [thread.id for thread in threads.open_threads(db, config, config.center.team)]


def test_a_correction_keeps_the_problem_open(db, config, shift, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    raised = anomaly(db, config, shift, "CRM 登录缓慢")
    frozen_clock.advance(timedelta(minutes=5))
    log.correct_entry(db, config, raised.id, "CRM 登录缓慢（约 30 秒）")
    [thread] = threads.open_threads(db, config, config.center.team)
    assert thread.id == raised.id and thread.latest.text == "CRM 登录缓慢（约 30 秒）"
    assert thread.summary() == "CRM 登录缓慢（约 30 秒）"


def test_resolving_closes_the_thread_and_twice_is_refused(db, config, shift, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    raised = anomaly(db, config, shift, "CRM slow, logins take 30 s")
    frozen_clock.advance(timedelta(minutes=30))
    resolution = threads.resolve(db, config, shift, raised.id, "CRM 已恢复")
    assert resolution.text == "CRM 已恢复" and resolution.severity == "info"
    assert open_ids(db, config) == []
    [thread] = threads.team_threads(db, config, config.center.team)
    assert thread.resolution is not None and thread.resolution.id == resolution.id
    with pytest.raises(UserError, match="already resolved"):
        threads.resolve(db, config, shift, raised.id)


def test_twenty_repeated_lines_are_one_thread(db, config, shift, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    first = anomaly(db, config, shift, "CRM slow: 12 s per screen")
    for waited in range(20, 39):
        frozen_clock.advance(timedelta(minutes=7))
        anomaly(db, config, shift, f"CRM slow: {waited} s per screen")
    other = anomaly(db, config, shift, "IVR menu plays the wrong holiday message")
    [crm, ivr] = threads.open_threads(db, config, config.center.team)
    assert (crm.id, ivr.id) == (first.id, other.id)
    assert len(crm.current) == 20 and crm.latest.text == "CRM slow: 38 s per screen"
    assert crm.summary() == "CRM slow: 38 s per screen (logged 20 times)"
    assert crm.age(frozen_clock.now) == timedelta(minutes=7 * 19)


def test_the_same_problem_after_it_was_resolved_is_a_new_thread(db, config, shift, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    raised = anomaly(db, config, shift, "CRM slow")
    frozen_clock.advance(timedelta(minutes=10))
    threads.resolve(db, config, shift, raised.id)
    frozen_clock.advance(timedelta(minutes=10))
    again = anomaly(db, config, shift, "CRM slow")
    assert open_ids(db, config) == [again.id]


def test_linked_entries_are_one_problem_whatever_their_text(db, config, shift, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    raised = anomaly(db, config, shift, "CRM slow")
    frozen_clock.advance(timedelta(minutes=10))
    update = anomaly(db, config, shift, "Ticket system times out as well (same database)", category="defect")
    assert open_ids(db, config) == [raised.id, update.id]
    threads.link_same_problem(db, update.id, raised.id)
    assert open_ids(db, config) == [raised.id]
    with pytest.raises(UserError, match="no log entry #999"):
        threads.link_same_problem(db, 999, raised.id)


def test_drill_alerts_are_carried_only_if_the_config_says_so(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    anomaly(db, config, shift, "[SIM] Queue alert (inquiry): waiting 14 > 10 for 2 min.", category="system_status")
    anomaly(db, config, shift, "【模拟】队列告警（咨询）：排队 14 > 10，持续 2 分钟。", category="system_status")
    assert open_ids(db, config) == []
    drills = config.model_copy(update={"handover": config.handover.model_copy(update={"carry_drill_alerts": True})})
    assert len(threads.open_threads(db, drills, drills.center.team)) == 2


def test_only_an_anomaly_can_be_resolved(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    note = log.add_entry(db, config, shift, "Coffee machine fixed", category="event")
    with pytest.raises(UserError, match=f"entry #{note.id} raises no anomaly"):
        threads.resolve(db, config, shift, note.id)


def test_cli_resolve_link_and_threads(on_duty) -> None:  # type: ignore[no-untyped-def]
    on_duty.ok("log", "add", "CRM 登录缓慢", "--category", "system_status", "--severity", "warning")
    on_duty.ok("log", "correct", "1", "CRM 登录缓慢（约 30 秒）")
    on_duty.ok("log", "add", "Tickets slow too", "--category", "defect", "--severity", "warning")
    assert "#3 and #1 are now one problem" in on_duty.ok("log", "link", "3", "1")
    [thread] = on_duty.json("log", "threads")
    assert thread["id"] == 1 and thread["entries"] == [1, 2, 3] and thread["status"] == "open"
    assert "resolving the problem of #1" in on_duty.ok("log", "resolve", "1", "--note", "CRM 已恢复")
    assert on_duty.json("log", "threads") == []
    [resolved] = on_duty.json("log", "threads", "--all")
    assert resolved["resolved_by"]["text"] == "CRM 已恢复"
    code, _out, err = on_duty("log", "resolve", "1")
    assert code == 1 and err.count("\n") == 1 and "already resolved" in err
