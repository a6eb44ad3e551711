"""What a handover carries, read in the reader's language: an open incident, a problem logged many times."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import TEST_PIN
from dutydesk.config import Category, Config, Label
from dutydesk.domain import handover as ho
from dutydesk.domain import incidents, log, playbooks, supervisors
from dutydesk.export import gather_summary, render_summary
from dutydesk.i18n import set_language

INCOMING_PIN = "135790"


@pytest.fixture
def crm() -> playbooks.Playbook:
    return playbooks.load_playbooks(user=Path("/nonexistent")).get("crm_down")


@pytest.fixture
def with_lead(config: Config) -> Config:
    lead = Category(key="lead", label=Label(en="Lead", zh="负责人"))
    return config.model_copy(update={"incidents": config.incidents.model_copy(update={"roles": [lead]})})


@pytest.fixture
def chinese() -> Iterator[None]:
    set_language("zh")
    yield
    set_language("en")


def execute(db, statement: str) -> None:  # type: ignore[no-untyped-def]
    with db.engine.begin() as connection:
        connection.execute(text(statement))


def carried_incident(view: ho.HandoverView) -> ho.CarriedView:
    [row] = [c for c in view.carried if c.source == ho.INCIDENT_SOURCE]
    return row


def running_incident(db, config, shift, crm, frozen_clock) -> int:  # type: ignore[no-untyped-def]
    """CRM down since 20 minutes ago: step 1 done, 王伟 leads; and a closed one, which is not carried."""
    now = frozen_clock.now
    number = incidents.start_incident(db, config, shift, crm, now=now - timedelta(minutes=20)).number
    incidents.tick_step(db, number, 1, now=now - timedelta(minutes=15))
    incidents.assign_role(db, config, number, "lead", "王伟", now=now - timedelta(minutes=14))
    over = incidents.start_incident(db, config, shift, crm, now=now - timedelta(minutes=10)).number
    incidents.close_incident(db, config, shift, over, "false alarm", {incidents.SKIP_ALL: "no outage"}, now=now)
    return number


def test_an_open_incident_is_carried_with_its_steps_and_who_leads_it(  # type: ignore[no-untyped-def]
    db, with_lead, shift, crm, frozen_clock
) -> None:
    number = running_incident(db, with_lead, shift, crm, frozen_clock)
    row = carried_incident(ho.start_handover(db, with_lead))
    assert (row.item_key, row.ref, row.flagged, row.confirmed_at) == ("anomalies", number, True, None)
    assert row.at == frozen_clock.now - timedelta(minutes=20)
    details = row.details
    assert details is not None
    assert (details["playbook"], details["level"]) == ("crm_down", 1)
    assert details["started_by"] == {"name": "wang", "display_name": "王伟"}
    assert details["roles"] == [{"role": "lead", "label": {"en": "Lead", "zh": "负责人"}, "person": "王伟"}]
    assert [step["state"] for step in details["steps"]] == ["done"] + ["open"] * 5

    zone = with_lead.zone
    started = (frozen_clock.now - timedelta(minutes=20)).astimezone(zone)
    step_2_due = (started + timedelta(minutes=15)).strftime("%H:%M")
    lines = row.shown(zone).splitlines()
    assert lines[0] == "Incident #1 CRM down, level 1: 1 of 6 steps done"
    assert lines[1] == (
        f"since {started:%m-%d %H:%M} · respond by {started + timedelta(minutes=30):%m-%d %H:%M} · Lead: 王伟"
    )
    assert lines[2] == "✔ 1. Report the outage to technical support on the internal channel"
    assert lines[3].startswith(f"☐ 2. due {step_2_due} · Share the fallback spreadsheet")
    assert len(lines) == 2 + 6
    set_language("zh")
    try:
        lines = row.shown(zone).splitlines()
    finally:
        set_language("en")
    assert lines[0] == f"突发事件 #1 {crm.title.zh}，1 级：已完成 1/6 步"
    assert lines[1].endswith("负责人：王伟") and lines[2] == "✔ 1. 立即通过内部渠道向技术支持报告"


def test_without_roles_the_incident_says_who_started_it(db, config, shift, crm) -> None:  # type: ignore[no-untyped-def]
    incidents.start_incident(db, config, shift, crm)
    row = carried_incident(ho.start_handover(db, config))
    assert row.details is not None and row.details["roles"] == []
    assert row.shown(config.zone).splitlines()[1].endswith(" · started by 王伟")


def test_the_carried_incident_follows_it_until_the_outgoing_signature(  # type: ignore[no-untyped-def]
    db, config, shift, crm, frozen_clock
) -> None:
    number = incidents.start_incident(db, config, shift, crm).number
    started = ho.start_handover(db, config)
    row = carried_incident(started)
    # Read back one by one: confirming the section at once leaves it waiting.
    bulk, flagged = ho.confirmable_together(started, [c.number for c in started.carried])
    assert row.number not in bulk and flagged == 1
    assert carried_incident(ho.confirm(db, config, started.id, [row.number])).confirmed_at is not None
    incidents.tick_step(db, number, 2)  # progress since the read-back: read it back again
    again = carried_incident(ho.refresh_carried(db, config, started.id))
    assert again.confirmed_at is None and again.number == row.number
    assert again.shown(config.zone).splitlines()[0].endswith("1 of 6 steps done")
    incidents.close_incident(db, config, shift, number, "CRM back", {incidents.SKIP_ALL: "recovered"})
    assert [c.source for c in ho.refresh_carried(db, config, started.id).carried] == []


def test_an_incident_of_another_team_is_not_carried(db, config, shift, crm) -> None:  # type: ignore[no-untyped-def]
    incidents.start_incident(db, config, shift, crm)
    execute(db, "UPDATE shift SET team = 'B'")
    supervisors.add_supervisor(db, "zhao", "赵", "864200")
    from dutydesk.domain import shifts

    shifts.open_shift(db, config, "zhao")
    assert ho.start_handover(db, config, team="A").carried == []


def test_the_carried_incident_is_signed_and_tampering_with_it_is_named(  # type: ignore[no-untyped-def]
    db, config, shift, crm
) -> None:
    supervisors.add_supervisor(db, "li", "李娜", INCOMING_PIN)
    incidents.start_incident(db, config, shift, crm)
    started = ho.start_handover(db, config)
    for item in started.items:
        ho.answer_item(db, started.id, item.key, "stable" if item.kind == "floor_status" else "na", "calm")
    row = carried_incident(started)
    with pytest.raises(Exception, match=f"not confirmed carried-over items {row.number}"):
        ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN)
    ho.confirm(db, config, started.id, [c.number for c in ho.get_handover(db, started.id).carried])
    ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN)
    ho.sign_handover(db, config, started.id, "incoming", "li", INCOMING_PIN)
    assert ho.verify_handovers(db).ok
    # An insider marks a step done that was not: the signed copy says otherwise.
    execute(
        db, "UPDATE handover_carried SET details = replace(details, '\"open\"', '\"done\"') WHERE source = 'incident'"
    )
    found = [problem.what for problem in ho.verify_handovers(db).problems]
    assert any(f"details of carried-over item {row.number} changed after signing" in what for what in found), found
    # Data no longer as written is shown by its signed text, never an error on screen.
    execute(db, "UPDATE handover_carried SET details = '{\"steps\": 1}' WHERE source = 'incident'")
    assert carried_incident(ho.get_handover(db, started.id)).shown(config.zone) == row.text


def test_handover_json_gives_the_incident_as_data_in_center_time(db, config, shift, crm, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    incidents.start_incident(db, config, shift, crm)
    shown = carried_incident(ho.start_handover(db, config)).as_json(config.zone)
    incident = shown["incident"]
    assert isinstance(incident, dict)
    assert (shown["source"], shown["anomaly"], shown["follow_up"], shown["note"]) == ("incident", None, None, None)
    assert incident["started_at"] == frozen_clock.now.astimezone(config.zone).isoformat()
    assert incident["title"] == {"en": crm.title.en, "zh": crm.title.zh}
    assert (
        incident["steps"][0]["due_at"] == (frozen_clock.now + timedelta(minutes=5)).astimezone(config.zone).isoformat()
    )
    assert incident["steps"][0]["state"] == "open" and incident["steps"][0]["at"] is None


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_shift_summary_lists_the_open_incident_and_its_steps(db, config, shift, crm, language) -> None:  # type: ignore[no-untyped-def]
    number = incidents.start_incident(db, config, shift, crm).number
    incidents.tick_step(db, number, 1)
    ho.start_handover(db, config)
    lines = render_summary(gather_summary(db, config, shift.id), language).splitlines()
    heading, done = (
        ("Incident \\#1 CRM", "Report the outage") if language == "en" else ("突发事件 \\#1 CRM", "立即通过内部渠道")
    )
    first = next(index for index, line in enumerate(lines) if line.startswith(f"- ✘ {heading}"))  # not read back yet
    assert lines[first + 2].startswith(f"  - ✔ 1. {done}")  # after the line with since when and who
    assert lines[first + 3].startswith("  - ☐ 2. ")


def test_a_problem_logged_twice_is_read_in_the_readers_language(db, config, shift, chinese) -> None:  # type: ignore[no-untyped-def]
    for seconds in (12, 15):
        log.add_entry(
            db, config, shift, f"CRM slow, {seconds} s per login", category="system_status", severity="warning"
        )
    started = ho.start_handover(db, config)  # carried by a console in Chinese
    [row] = started.carried
    assert row.text == "CRM slow, 15 s per login" and row.details is not None and row.details["logged"] == 2
    assert row.shown(config.zone) == "CRM slow, 15 s per login（已记录 2 次）"
    set_language("en")
    assert ho.get_handover(db, started.id).carried[0].shown(config.zone) == "CRM slow, 15 s per login (logged 2 times)"


def test_rows_carried_with_the_count_as_text_stay_readable(db, config, shift, chinese) -> None:  # type: ignore[no-untyped-def]
    for seconds in (12, 15):
        log.add_entry(
            db, config, shift, f"CRM slow, {seconds} s per login", category="system_status", severity="warning"
        )
    started = ho.start_handover(db, config)
    number = started.carried[0].number
    ho.confirm(db, config, started.id, [number])
    # As an English console stored it before the count was data (schema 11 kept the data beside it).
    execute(db, "UPDATE handover_carried SET text = text || ' (logged 2 times)'")
    assert ho.get_handover(db, started.id).carried[0].shown(config.zone) == "CRM slow, 15 s per login（已记录 2 次）"
    # Unchanged in data, a refresh keeps the read-back and stores the user's words alone.
    refreshed = ho.refresh_carried(db, config, started.id).carried[0]
    assert (refreshed.text, refreshed.confirmed_at is not None) == ("CRM slow, 15 s per login", True)
    # Carried before schema 11: no data, only the text in the carrying console's language.
    execute(db, "UPDATE handover_carried SET details = NULL, text = 'CRM slow (logged 3 times)'")
    assert ho.get_handover(db, started.id).carried[0].shown(config.zone) == "CRM slow（已记录 3 次）"
    execute(db, "UPDATE handover_carried SET text = 'CRM 慢（已记录 4 次）'")
    set_language("en")
    assert ho.get_handover(db, started.id).carried[0].shown(config.zone) == "CRM 慢 (logged 4 times)"


def test_the_drafted_handover_carries_the_open_incident(db, config, shift, crm, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    from dutydesk.export.draft import draft_if_due

    number = incidents.start_incident(db, config, shift, crm).number
    frozen_clock.set(shift.planned_end - timedelta(minutes=30))
    notice = draft_if_due(db, config)
    assert notice is not None and notice.drafted_now
    assert carried_incident(ho.get_handover(db, notice.handover_id)).ref == number
