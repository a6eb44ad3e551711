"""Incidents: started from a playbook, steps ticked against deadlines, a timeline, closure."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dutydesk.config import Category, Label
from dutydesk.domain import incidents, log, playbooks, shifts
from dutydesk.domain.incidents import deadline_state
from dutydesk.domain.log import LogFilter
from dutydesk.errors import UserError

SPECIAL = "客户投诉 | `rm *` <b>#1</b> _急_ \\ 完"
START = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


@pytest.fixture
def crm() -> playbooks.Playbook:
    return playbooks.load_playbooks(user=Path("/nonexistent")).get("crm_down")


def test_start_copies_the_playbook_and_logs_it(db, config, shift, crm) -> None:  # type: ignore[no-untyped-def]
    incident = incidents.start_incident(db, config, shift, crm, note="坐席反映 CRM 打不开", now=START)
    assert (incident.number, incident.playbook, incident.level, incident.status) == (1, "crm_down", 1, "open")
    assert incident.respond_by == START + timedelta(minutes=30)
    assert [step.n for step in incident.steps] == list(range(1, len(crm.steps) + 1))
    assert incident.steps[0].due_at == START + timedelta(minutes=5)
    assert incident.steps[-1].due_at is None
    assert incident.contacts[0].role.en == "Technical support"
    assert [(e.kind, e.text) for e in incident.timeline] == [("start", "坐席反映 CRM 打不开")]
    entries = log.list_entries(db, LogFilter(shift_id=shift.id))
    assert len(entries) == 1 and entries[0].text.startswith("Incident #1 started: CRM down (level 1)")
    assert entries[0].category == config.incidents.log_category and entries[0].severity == "warning"


def test_running_incident_keeps_its_steps_when_the_playbook_changes(db, config, shift, crm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    incident = incidents.start_incident(db, config, shift, crm, now=START)
    edited = crm.path.read_text(encoding="utf-8").replace("Report the outage", "Shout about the outage")
    (tmp_path / "crm.md").write_text(edited, encoding="utf-8")
    assert playbooks.load_playbooks(user=tmp_path).get("crm_down").steps[0].text.en.startswith("Shout")
    assert incidents.get_incident(db, incident.number).steps[0].text.en.startswith("Report the outage")


def test_ticks_notes_escalation_level_and_close_make_the_timeline(db, config, shift, crm) -> None:  # type: ignore[no-untyped-def]
    number = incidents.start_incident(db, config, shift, crm, now=START).number
    incidents.tick_step(db, number, 1, note=SPECIAL, now=START + timedelta(minutes=3))
    incidents.add_note(db, number, "Backup sheet shared | 已共享", now=START + timedelta(minutes=4))
    incidents.escalate(db, number, "技术支持 Zhao by phone", now=START + timedelta(minutes=5))
    incidents.change_level(db, config, shift, number, 2, "only partly down", now=START + timedelta(minutes=6))
    closed = incidents.close_incident(
        db, config, shift, number, SPECIAL, skips={"all": "drill"}, now=START + timedelta(minutes=7)
    )
    assert [e.kind for e in closed.timeline] == ["start", "step", "note", "escalation", "level", *["skip"] * 5, "close"]
    assert closed.timeline[1].step_n == 1 and closed.timeline[1].text == SPECIAL
    assert closed.timeline[4].text == "1 → 2 only partly down"
    assert (closed.status, closed.level, closed.summary) == ("closed", 2, SPECIAL)
    assert closed.closed_at == START + timedelta(minutes=7)
    assert closed.steps[0].done_at == START + timedelta(minutes=3)
    texts = [e.text for e in log.list_entries(db, LogFilter(shift_id=shift.id))]
    assert texts[0] == f"Incident #1 closed: CRM down — {SPECIAL} (skipped steps: 2, 3, 4, 5, 6)"
    assert texts[1] == "Incident #1: level 1 → 2 — only partly down"
    assert len(texts) == 3


def test_refusals(db, config, shift, crm) -> None:  # type: ignore[no-untyped-def]
    number = incidents.start_incident(db, config, shift, crm, now=START).number
    with pytest.raises(UserError, match="no step 99"):
        incidents.tick_step(db, number, 99)
    incidents.tick_step(db, number, 2, now=START)
    with pytest.raises(UserError, match="step 2 of incident #1 is already done"):
        incidents.tick_step(db, number, 2)
    with pytest.raises(UserError, match="no incident #7"):
        incidents.add_note(db, 7, "x")
    with pytest.raises(UserError, match="the summary is empty"):
        incidents.close_incident(db, config, shift, number, "  \n")
    with pytest.raises(UserError, match="not UTF-8"):
        incidents.add_note(db, number, b"bad \xff".decode("utf-8", "surrogateescape"))
    with pytest.raises(UserError, match="still open"):
        incidents.add_review(db, number, "too early")
    with pytest.raises(UserError, match="already at level 1"):
        incidents.change_level(db, config, shift, number, 1)
    incidents.close_incident(db, config, shift, number, "done", skips={"all": "not needed"})
    with pytest.raises(UserError, match="already closed"):
        incidents.close_incident(db, config, shift, number, "again")
    with pytest.raises(UserError, match="already closed"):
        incidents.tick_step(db, number, 3)
    review = incidents.add_review(db, number, "复盘：需要更早切换 *备用表*")
    assert review.timeline[-1].kind == "review"


def test_start_level_and_close_need_the_shift_still_open(db, config, shift, crm) -> None:  # type: ignore[no-untyped-def]
    number = incidents.start_incident(db, config, shift, crm).number
    shifts.close_shift(db, shift.id)  # e.g. from another console: `shift` here is stale
    with pytest.raises(UserError, match=f"shift #{shift.id} is closed"):
        incidents.start_incident(db, config, shift, crm)
    with pytest.raises(UserError, match="is closed"):
        incidents.change_level(db, config, shift, number, 2)
    with pytest.raises(UserError, match="is closed"):
        incidents.close_incident(db, config, shift, number, "done")
    assert [(i.number, i.level, i.status) for i in incidents.list_incidents(db)] == [(number, 1, "open")]


def test_listing_puts_open_incidents_first(db, config, shift, crm) -> None:  # type: ignore[no-untyped-def]
    first = incidents.start_incident(db, config, shift, crm, now=START).number
    second = incidents.start_incident(db, config, shift, crm, now=START + timedelta(minutes=1)).number
    incidents.close_incident(db, config, shift, second, "fixed", skips={"all": "false alarm"})
    assert [i.number for i in incidents.list_incidents(db)] == [first, second]
    assert [i.number for i in incidents.list_incidents(db, open_only=True)] == [first]
    shown = incidents.get_incident(db, first).as_json(config)
    assert shown["steps"][0]["n"] == 1 and shown["started_at"].endswith("+08:00")  # type: ignore[index]


@pytest.mark.parametrize(
    ("elapsed", "state"),
    [
        (timedelta(0), "due"),
        (timedelta(minutes=30), "due"),  # exactly 25 % of 40 min left: not yet amber
        (timedelta(minutes=30, seconds=1), "amber"),
        (timedelta(minutes=40), "amber"),  # due now: nothing left, not late yet
        (timedelta(minutes=40, seconds=1), "red"),
    ],
)
def test_deadline_colour_boundaries(elapsed: timedelta, state: str) -> None:
    due = START + timedelta(minutes=40)
    assert deadline_state(START, due, None, START + elapsed, 0.25) == state


def test_deadline_without_due_or_done() -> None:
    assert deadline_state(START, None, None, START, 0.25) == "none"
    later = START + timedelta(hours=5)
    assert deadline_state(START, START + timedelta(minutes=1), START, later, 0.25) == "done"


def test_countdown_text() -> None:
    assert incidents.countdown(START + timedelta(minutes=12, seconds=5), START) == "12:05"
    assert incidents.countdown(START - timedelta(minutes=3, seconds=10), START) == "-3:10"
    assert incidents.countdown(START + timedelta(hours=2, minutes=1), START) == "2:01:00"


def test_untick_reopens_the_step_and_keeps_both_acts_on_the_timeline(db, config, shift, crm) -> None:  # type: ignore[no-untyped-def]
    number = incidents.start_incident(db, config, shift, crm, now=START).number
    incidents.tick_step(db, number, 3, now=START + timedelta(minutes=1))
    with pytest.raises(UserError, match="the reason is empty"):
        incidents.untick_step(db, number, 3, " ")
    view = incidents.untick_step(db, number, 3, "meant step 2", now=START + timedelta(minutes=2))
    assert view.steps[2].done_at is None and view.steps[2].is_open
    assert [(e.kind, e.step_n, e.text, e.author) for e in view.timeline[1:]] == [
        ("step", 3, "", "wang"),
        ("untick", 3, "meant step 2", "wang"),
    ]
    with pytest.raises(UserError, match="step 3 of incident #1 is not done"):
        incidents.untick_step(db, number, 3, "twice")
    again = incidents.tick_step(db, number, 3, now=START + timedelta(minutes=4))
    assert again.steps[2].done_at == START + timedelta(minutes=4)


def test_closing_with_open_steps_needs_a_reason_for_each(db, config, shift, crm) -> None:  # type: ignore[no-untyped-def]
    number = incidents.start_incident(db, config, shift, crm, now=START).number
    for n in (1, 2, 3):
        incidents.tick_step(db, number, n, now=START + timedelta(minutes=n))
    with pytest.raises(UserError, match="steps 4, 5, 6 of incident #1 are still open"):
        incidents.close_incident(db, config, shift, number, "back")
    with pytest.raises(UserError, match="steps 5, 6 of incident #1 are still open"):
        incidents.close_incident(db, config, shift, number, "back", skips={"4": "told at once"})
    with pytest.raises(UserError, match="no open step 2: open steps are 4, 5, 6"):
        incidents.close_incident(db, config, shift, number, "back", skips={"2": "x", "all": "y"})
    with pytest.raises(UserError, match="the reason is empty"):
        incidents.close_incident(db, config, shift, number, "back", skips={"all": "  "})
    assert incidents.get_incident(db, number).status == "open"  # nothing written by a refusal
    closed = incidents.close_incident(
        db,
        config,
        shift,
        number,
        "back",
        skips={"4": "told at once", "all": "CRM never went down"},
        now=START + timedelta(minutes=5),
    )
    assert [(s.n, s.done_at is not None, s.skip_reason) for s in closed.steps] == [
        (1, True, None),
        (2, True, None),
        (3, True, None),
        (4, False, "told at once"),
        (5, False, "CRM never went down"),
        (6, False, "CRM never went down"),
    ]
    assert [(e.kind, e.step_n) for e in closed.timeline[-4:]] == [
        ("skip", 4),
        ("skip", 5),
        ("skip", 6),
        ("close", None),
    ]
    assert closed.step_state(closed.steps[3], START, config) == "skipped" and closed.steps[3].on_time is False


def test_escalation_to_a_playbook_contact_ticks_its_step_and_the_answer_is_recorded(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    playbook = playbooks.load_playbooks(user=Path("/nonexistent")).get("system_fault_1")
    number = incidents.start_incident(db, config, shift, playbook, now=START).number
    view = incidents.escalate(db, number, "部门负责人", said="CRM 全部中断", now=START + timedelta(minutes=9))
    assert view.steps[5].done_at == START + timedelta(minutes=9)  # "Escalate to the department head"
    escalation, tick = view.timeline[-2:]
    assert (escalation.kind, escalation.contact, escalation.channel, escalation.text) == (
        "escalation",
        "部门负责人",
        "phone",  # the contact's channel in the playbook, when none is given
        "CRM 全部中断",
    )
    assert (tick.kind, tick.step_n, tick.contact) == ("step", 6, "部门负责人")
    free = incidents.escalate(db, number, "Zhao (vendor) | [b]", "WeChat", now=START + timedelta(minutes=10))
    assert free.timeline[-1].contact == "Zhao (vendor) | [b]" and free.timeline[-1].channel == "WeChat"
    assert sum(e.kind == "step" for e in free.timeline) == 1  # free text ticks nothing
    answered = incidents.record_answer(db, number, "on the way", now=START + timedelta(minutes=20))
    assert (answered.timeline[-1].kind, answered.timeline[-1].contact) == ("answer", "Zhao (vendor) | [b]")
    answered = incidents.record_answer(db, number, "收到", contact="Department head")
    assert answered.timeline[-1].contact == "Department head"
    other = incidents.start_incident(db, config, shift, playbook, now=START).number
    with pytest.raises(UserError, match="no escalation to answer"):
        incidents.record_answer(db, other, "hello?")


def test_roles_come_from_the_configuration(db, config, shift, crm) -> None:  # type: ignore[no-untyped-def]
    number = incidents.start_incident(db, config, shift, crm, now=START).number
    with pytest.raises(UserError, match="no role 'lead'"):
        incidents.assign_role(db, config, number, "lead", "Li")
    lead = Category(key="lead", label=Label(en="Lead", zh="负责人"))
    configured = config.model_copy(update={"incidents": config.incidents.model_copy(update={"roles": [lead]})})
    incidents.assign_role(db, configured, number, "lead", "Li")
    view = incidents.assign_role(db, configured, number, "lead", "王伟")
    assert view.roles == {"lead": "王伟"}


def test_contact_channels_keep_both_languages_and_old_one_text_channels_still_read(db, config, shift, crm) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update
    from sqlmodel import col

    from dutydesk.store.tables import Incident

    number = incidents.start_incident(db, config, shift, crm, now=START).number
    support = incidents.get_incident(db, number).contacts[0]
    assert support.channel is not None and (support.channel.en, support.channel.zh) == (
        "internal channel (report at once)",
        "内部渠道（立即报告）",
    )
    stored_before = '[{"role_en": "Technical support", "role_zh": null, "name": "", "channel": "WeCom", "step": 1}]'
    with db.engine.begin() as connection:
        connection.execute(update(Incident).where(col(Incident.id) == number).values(contacts_json=stored_before))
    contact = incidents.get_incident(db, number).contacts[0]
    assert contact.channel is not None and (contact.channel.en, contact.channel.zh) == ("WeCom", None)
