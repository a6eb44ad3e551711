"""The Playbooks screen and an incident run through it, with a clock the test controls."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import DataTable, Static

from dutydesk import clock
from dutydesk.domain import incidents, log, playbooks
from dutydesk.domain.log import LogFilter
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.tui.app import DutydeskApp
from dutydesk.tui.screens.incident import IncidentScreen
from dutydesk.tui.screens.playbooks import PlaybooksScreen

from .conftest import Notes, text_of

SPECIAL = "坐席反映 | `rm *` <b>#1</b> _急_"


class Clock:
    """`clock.utcnow()` as the test sets it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = clock.utcnow()
        monkeypatch.setattr(clock, "utcnow", lambda: self.now)

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def rows(app: DutydeskApp, selector: str) -> list[list[Text]]:
    table = app.screen.query_one(selector, DataTable)
    return [list(table.get_row_at(index)) for index in range(table.row_count)]


def row_keys(app: DutydeskApp) -> list[str]:
    table = app.screen.query_one("#playbooks-table", DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


async def go_to(pilot, app: DutydeskApp, key: str) -> None:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#playbooks-table", DataTable)
    for _ in range(row_keys(app).index(key) - table.cursor_row):
        await pilot.press("down")


async def test_start_tick_overdue_and_close(app: DutydeskApp, shift: ShiftInfo, fake_clock: Clock) -> None:
    started = fake_clock.now
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PlaybooksScreen)
        assert "playbook:crm_down" in row_keys(app)
        await go_to(pilot, app, "playbook:crm_down")
        assert "Share the fallback spreadsheet" in text_of(app.screen.query_one("#playbook-preview-text", Static))
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"CRM ")
        app.screen.query_one("#start-note").value = SPECIAL  # type: ignore[attr-defined]
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, IncidentScreen) and screen.number == 1
        assert incidents.get_incident(app.context.db, 1).timeline[0].text == SPECIAL

        table = app.screen.query_one("#incident-steps", DataTable)
        await pilot.press("space")  # step 1 done; the cursor stays on it
        await pilot.pause()
        stored = incidents.get_incident(app.context.db, 1)
        assert stored.steps[0].done_at == started
        steps = rows(app, "#incident-steps")
        assert steps[0][0].plain == "✔" and steps[0][4].plain.startswith("done")
        assert steps[1][4].plain == "15:00" and table.cursor_row == 0
        await pilot.press("space")  # on a step done: asks why, then unticks it
        await pilot.pause()
        await pilot.press("enter")  # no reason: refused, the dialog stays
        await pilot.pause()
        app.screen.query_one("#ask-text").value = "ticked the wrong one"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert incidents.get_incident(app.context.db, 1).steps[0].done_at is None and table.cursor_row == 0
        assert rows(app, "#incident-steps")[0][0].plain == "☐"
        await pilot.press("down", "up", "space")  # the same keys move and tick in every list
        await pilot.pause()
        assert incidents.get_incident(app.context.db, 1).steps[0].done_at == started and table.cursor_row == 0

        fake_clock.advance(timedelta(minutes=16))  # step 2 (15 min) is late, step 4 (30 min) not yet amber
        screen.show_countdowns()
        steps = rows(app, "#incident-steps")
        assert steps[1][4].plain == "-1:00" and "#ff5f5f" in str(steps[1][4].style)
        assert steps[3][4].plain == "14:00" and steps[3][4].style == ""
        fake_clock.advance(timedelta(minutes=7))  # 7 of 30 min left: under 25 %
        screen.show_countdowns()
        assert "#ffaf00" in str(rows(app, "#incident-steps")[3][4].style)

        await pilot.press("c")
        await pilot.pause()
        app.screen.query_one("#close-summary").value = "恢复 | *ok*"  # type: ignore[attr-defined]
        app.screen.query_one("#skip-2").value = "shared by the team lead"  # type: ignore[attr-defined]
        app.screen.query_one("#skip-all").focus()
        await pilot.press("enter")  # reasons missing for steps 3 to 6: refused, the dialog stays
        await pilot.pause()
        assert incidents.get_incident(app.context.db, 1).status == "open"
        app.screen.query_one("#skip-all").value = "not applicable: CRM back in 20 min"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        closed = incidents.get_incident(app.context.db, 1)
        assert closed.status == "closed" and closed.summary == "恢复 | *ok*"
        assert [s.skip_reason for s in closed.steps[1:3]] == [
            "shared by the team lead",
            "not applicable: CRM back in 20 min",
        ]
        assert "closed" in text_of(app.screen.query_one("#incident-status", Static))
        assert rows(app, "#incident-steps")[1][4].plain == "skipped"
        timeline = [row[1].plain for row in rows(app, "#incident-timeline")]
        assert timeline == [
            "started",
            "step done 1",
            "step unticked 1",
            "step done 1",
            *[f"step skipped {n}" for n in range(2, 7)],
            "closed",
        ]
        texts = [entry.text for entry in log.list_entries(app.context.db, LogFilter(shift_id=shift.id))]
        assert texts[0].startswith("Incident #1 closed") and texts[1].startswith("Incident #1 started")

        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PlaybooksScreen)
        assert not any(key.startswith("incident:") for key in row_keys(app))


async def test_note_escalation_and_open_incident_from_the_list(app: DutydeskApp, shift: ShiftInfo) -> None:
    playbook = playbooks.load_playbooks().get("telephony_down")
    incidents.start_incident(app.context.db, app.context.config, shift, playbook)
    notes = Notes(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape", "4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert row_keys(app)[0] == "incident:1"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        assert "online service" in text_of(app.screen.query_one("#incident-ivr", Static))
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("enter")  # empty: refused, the dialog stays
        await pilot.pause()
        app.screen.query_one("#ask-text").value = SPECIAL  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("3")  # the third contact: the department head
        app.screen.query_one("#escalate-said").value = SPECIAL  # type: ignore[attr-defined]
        await pilot.press("enter", "enter", "enter")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#ask-text").value = "coming"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        stored = incidents.get_incident(app.context.db, 1)
        assert [(e.kind, e.step_n, e.contact, e.channel, e.text) for e in stored.timeline[1:]] == [
            ("note", None, None, None, SPECIAL),
            ("escalation", None, "Department head", "phone", SPECIAL),
            ("step", 5, "Department head", None, ""),  # "Escalate to the department head"
            ("answer", None, "Department head", None, "coming"),
        ]
        assert ("IVR text copied", "information") in notes.seen
        assert notes.errors() == []


async def test_broken_playbook_is_listed_not_fatal(app: DutydeskApp, shift: ShiftInfo) -> None:
    user = playbooks.user_dir()
    user.mkdir(parents=True)
    (user / "bad.md").write_text('+++\nkey = "mine"\nlevle = 1\n+++\n- [ ] a\n', encoding="utf-8")
    notes = Notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        keys = row_keys(app)
        assert keys[-1] == "broken:0"
        await go_to(pilot, app, "broken:0")
        preview = text_of(app.screen.query_one("#playbook-preview-text", Static))
        assert "line 3: unknown field 'levle'" in preview
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PlaybooksScreen)  # nothing started
        assert any("unknown field" in message for message in notes.errors())
        assert incidents.list_incidents(app.context.db) == []


async def test_starting_without_a_shift_is_refused(app: DutydeskApp) -> None:
    notes = Notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        if app.screen.id != "playbooks" and app.screen.is_modal:
            await pilot.press("escape")  # the first-run dialog
        await pilot.press("escape", "4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await go_to(pilot, app, "playbook:crm_down")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert any("No shift is open" in message for message in notes.errors())
        assert incidents.list_incidents(app.context.db) == []


def test_user_dir_is_in_the_config_dir(tmp_path: Path) -> None:
    assert playbooks.user_dir() == tmp_path / "xdg-config" / "dutydesk" / "playbooks"


async def test_open_playbook_from_elsewhere_offers_to_start_it(app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "4")
        screen = app.screen
        assert isinstance(screen, PlaybooksScreen)
        screen.open_playbook("peak_level_2")  # before the files are read: done once they are
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.selected_key() == "playbook:peak_level_2"
        await pilot.press("enter")  # no note: start
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        assert incidents.get_incident(app.context.db, 1).playbook == "peak_level_2"


async def test_the_log_screen_shows_the_incident_entries(app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("escape", "4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await go_to(pilot, app, "playbook:telephony_down")
        await pilot.press("enter", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        table = app.screen.query_one("#log-table", DataTable)
        texts = [table.get_row_at(index)[-1].plain for index in range(table.row_count)]
        assert any(text.startswith("Incident #1 started: Telephony down") for text in texts)
