"""The Handover screen: a whole handover answered and signed by two supervisors, with the keys."""

from datetime import timedelta

import pytest
from textual.widgets import Input, Static, TextArea

from conftest import FrozenClock
from dutydesk.config import Config
from dutydesk.context import Context
from dutydesk.domain import handover as ho
from dutydesk.domain import log, shifts, supervisors
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.tui.app import DutydeskApp
from dutydesk.tui.screens.handover import AnswerDialog, HandoverScreen, SignDialog

from .conftest import Notes, keys_at_once, screen_static, settle, type_at_once

NOTE = "排队 12 人 | *watch* _x_ #1 <b>"


@pytest.fixture
def ready(context: Context, config: Config, shift: ShiftInfo) -> ShiftInfo:
    supervisors.add_supervisor(context.db, "li", "李娜", "135790")
    log.add_entry(context.db, config, shift, "CRM slow since 09:10", category="system_status", severity="warning")
    return shift


async def press_on(pilot, row_key: str, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """Show the Handover screen, select the row `row_key` and press `keys` there."""
    await pilot.press("escape", "2")
    await pilot.pause()
    await go_to(pilot, row_key)
    await pilot.press(*keys)
    await pilot.pause()


async def go_to(pilot, row_key: str) -> None:  # type: ignore[no-untyped-def]
    """Press ↑ or ↓ until the row `row_key` is selected, as a supervisor would."""
    screen = pilot.app.screen
    assert isinstance(screen, HandoverScreen)
    keys = [row.key.value for row in screen.table.ordered_rows]
    steps = keys.index(row_key) - screen.table.cursor_row
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps))
    assert screen.selected_key() == row_key


async def test_a_full_handover_signed_by_two_supervisors(
    frozen_clock: FrozenClock, app: DutydeskApp, context: Context, ready: ShiftInfo, notes: Notes
) -> None:
    frozen_clock.set(ready.planned_end - timedelta(hours=2))  # before the draft is due
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "2")
        await pilot.pause()
        assert "press n to start" in screen_static(app, "#handover-status")
        await pilot.press("n")
        await pilot.pause()
        started = ho.handover_of_shift(context.db, ready.id)
        assert started is not None and "0 of 15 required answered" in screen_static(app, "#handover-status")

        for item in started.items:
            await go_to(pilot, f"item:{item.key}")
            if item.kind == "floor_status":
                await pilot.press("e", "down")  # the dialog opens on "stable": choose "watch"
                app.screen.query_one(TextArea).insert(NOTE)
                await pilot.press("ctrl+s")
            elif item.kind in ("list", "actions"):
                await pilot.press("o", *"li: call back VIP by 22:00", "ctrl+s")
            else:
                await pilot.press("o")
            await pilot.pause()
        assert "15 of 15 required answered" in screen_static(app, "#handover-status")

        await pilot.press("s")  # the read-back is not done yet
        await pilot.pause()
        assert notes.errors()[-1].startswith("cannot sign: the incoming supervisor has not confirmed")
        for number in (1, 2):  # the open problem, and the follow-up the action line became
            await go_to(pilot, f"carried:{number}")
            await pilot.press("c")
            await pilot.pause()
        assert "2 of 2 carried-over confirmed" in screen_static(app, "#handover-status")

        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SignDialog)
        await pilot.press(*"9999", "enter")  # wrong PIN: refused, the field is emptied
        await pilot.pause()
        assert notes.errors()[-1] == "wrong PIN for 王伟" and app.screen.query_one("#pin", Input).value == ""
        await pilot.press(*"246810", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HandoverScreen)
        assert ho.get_handover(context.db, started.id).status == "outgoing_signed"

        await pilot.press("o")  # frozen: answering keys do nothing any more
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SignDialog)
        warning = str(app.screen.query_one(".dialog-warning", Static).render())
        assert "signing now ends it 2 h 0 min early" in warning  # two hours before the planned end
        await pilot.press(*"135790", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        banner = screen_static(app, "#handover-signatures")
        assert "✔ 王伟" in banner and "✔ 李娜" in banner and "Signatures: valid" in banner

    done = ho.get_handover(context.db, started.id)
    assert done.status == "signed" and [s.supervisor for s in done.signatures] == ["wang", "li"]
    floor = next(i for i in done.items if i.key == "floor_status")
    assert (floor.status, floor.note) == ("watch", NOTE)
    assert shifts.get_shift(context.db, ready.id).status == "closed"
    assert app.shift is not None and app.shift.supervisor == "li"
    assert ho.verify_handovers(context.db).ok


async def test_an_issue_needs_a_note_and_the_dialog_keeps_what_was_typed(
    app: DutydeskApp, context: Context, ready: ShiftInfo, notes: Notes
) -> None:
    started = ho.start_handover(context.db, context.config)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_on(pilot, "item:crm", "i", "ctrl+s")  # no note yet
        assert notes.errors()[-1] == "CRM logged in and working: write a note for issue"
        app.screen.query_one(TextArea).insert("CRM 登录慢 | `login` *")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HandoverScreen)
    crm = next(i for i in ho.get_handover(context.db, started.id).items if i.key == "crm")
    assert (crm.status, crm.note) == ("issue", "CRM 登录慢 | `login` *")


async def test_a_tampered_record_shows_invalid(app: DutydeskApp, context: Context, ready: ShiftInfo) -> None:
    from sqlalchemy import text

    started = answered_and_confirmed(context)
    ho.sign_handover(context.db, context.config, started.id, "outgoing", "wang", "246810")
    ho.sign_handover(context.db, context.config, started.id, "incoming", "li", "135790")
    with context.db.engine.begin() as connection:
        connection.execute(text("UPDATE handover_answer SET status = 'na' WHERE key = 'crm'"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "2", "h")
        await pilot.pause()
        await pilot.press("enter")  # the newest handover
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        banner = screen_static(app, "#handover-signatures")
        assert (
            "Signatures: INVALID" in banner and "answer of checklist item “CRM logged in and working” changed" in banner
        )
        assert "read-only" in screen_static(app, "#handover-status")


async def test_space_ticks_in_place_and_on_an_answered_item_opens_it_to_change(
    app: DutydeskApp, context: Context, ready: ShiftInfo, notes: Notes
) -> None:
    """The checklist keys of every list: Space ticks without moving the cursor."""
    started = ho.start_handover(context.db, context.config)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_on(pilot, "item:crm", "space")
        screen = app.screen
        assert isinstance(screen, HandoverScreen) and screen.selected_key() == "item:crm"
        crm = next(i for i in ho.get_handover(context.db, started.id).items if i.key == "crm")
        assert crm.status == "ok"
        await pilot.press("space")  # answered: the answer opens, to change it with a note
        await pilot.pause()
        assert not isinstance(app.screen, HandoverScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.selected_key() == "item:crm"
    assert notes.errors() == []


async def test_fast_review_confirms_a_section_and_handles_problems_from_the_checklist(
    frozen_clock: FrozenClock, app: DutydeskApp, context: Context, ready: ShiftInfo
) -> None:
    from dutydesk.domain import threads
    from dutydesk.tui.screens.handover import ConfirmSectionDialog

    frozen_clock.set(ready.planned_end - timedelta(hours=2))  # before the draft is due
    ivr = log.add_entry(context.db, context.config, ready, "IVR drops calls", category="defect", severity="critical")
    started = ho.start_handover(context.db, context.config)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_on(pilot, "section:readiness", "a")
        assert isinstance(app.screen, ConfirmSectionDialog)
        summary = screen_static(app, "#section-summary")
        assert "Answer ok (7):" in summary and "Own equipment works" in summary
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HandoverScreen)
        assert app.screen.selected_key() == "item:briefing"  # moved on to the next row still waiting
        await pilot.press("o")
        await pilot.pause()
        assert app.screen.selected_key() == "item:floor_status"

        await go_to(pilot, "carried:1")  # CRM slow, from the fixture
        await pilot.press("k", *"restart planned 14:00", "enter")
        await pilot.pause()
        await go_to(pilot, "carried:2")
        await pilot.press("r", *"vendor fixed it", "enter")
        await pilot.pause()
    view = ho.get_handover(context.db, started.id)
    assert [item.status for item in view.items[:8]] == ["ok"] * 8
    [crm] = view.carried
    assert crm.shown(context.config.zone) == "restart planned 14:00 (logged 2 times)" and crm.confirmed_at is not None
    assert [t.id for t in threads.open_threads(context.db, context.config, ready.team)] == [crm.ref]
    assert ivr.id != crm.ref


async def test_a_note_typed_ahead_into_the_answer_dialog_keeps_every_character(
    app: DutydeskApp, context: Context, ready: ShiftInfo
) -> None:
    """The dialog opens on its status list; typed with no pause (the keys all queued before the
    list has handled the first), every character lands in the note, in order."""
    ho.start_handover(context.db, context.config)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_on(pilot, "item:crm", "i")
        assert isinstance(app.screen, AnswerDialog)
        typed = "headset broken at desk 12"
        type_at_once(app, typed)
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#answer-note", TextArea).text == typed


def answered_and_confirmed(context: Context) -> ho.HandoverView:
    started = ho.start_handover(context.db, context.config)
    for item in started.items:
        ho.answer_item(context.db, started.id, item.key, "stable" if item.kind == "floor_status" else "ok", "n")
    ho.refresh_carried(context.db, context.config, started.id)  # the read-back notes join the list
    return ho.confirm_carried(context.db, started.id)


async def test_keys_typed_fast_into_the_sign_dialog_choose_who_signs(
    app: DutydeskApp, context: Context, ready: ShiftInfo
) -> None:
    supervisors.add_supervisor(context.db, "chen", "Chen Jing", "111111")
    supervisors.add_supervisor(context.db, "smith", "Alex Smith", "222222")
    started = answered_and_confirmed(context)
    ho.sign_handover(context.db, context.config, started.id, "outgoing", "wang", "246810")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "2")
        await settle(pilot)
        # The list is chen, li, smith: the third signs, every key sent at once.
        keys_at_once(app, "s", "down", "down", *"222222", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
    signed = ho.get_handover(context.db, started.id)
    assert signed.status == "signed" and signed.signature("incoming").supervisor == "smith"  # type: ignore[union-attr]


async def test_a_note_typed_fast_then_ctrl_s_is_saved_whole(
    app: DutydeskApp, context: Context, ready: ShiftInfo
) -> None:
    started = ho.start_handover(context.db, context.config)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "2")
        await settle(pilot)
        await go_to(pilot, "item:crm")
        keys_at_once(app, "i", *"Headset 12 broken, swapped", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
    crm = next(i for i in ho.get_handover(context.db, started.id).items if i.key == "crm")
    assert (crm.status, crm.note) == ("issue", "Headset 12 broken, swapped")


def with_open_incident(context: Context, shift: ShiftInfo) -> int:
    """CRM down, its first step done; the fixture's problem logged a second time (as an English console carries it)."""
    from pathlib import Path

    from dutydesk.domain import incidents, playbooks

    crm = playbooks.load_playbooks(user=Path("/nonexistent")).get("crm_down")
    number = incidents.start_incident(context.db, context.config, shift, crm).number
    incidents.tick_step(context.db, number, 1)
    log.add_entry(
        context.db, context.config, shift, "CRM slow since 09:40", category="system_status", severity="warning"
    )
    return ho.start_handover(context.db, context.config).id


def carried_row(app: DutydeskApp, number: int) -> str:
    screen = app.screen
    assert isinstance(screen, HandoverScreen)
    return screen.table.get_row(f"carried:{number}")[0].plain


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_an_open_incident_is_read_back_from_the_handover_screen(
    app: DutydeskApp, context: Context, ready: ShiftInfo, request: pytest.FixtureRequest, language: str
) -> None:
    handover_id = with_open_incident(context, ready)
    if language == "zh":
        request.getfixturevalue("zh")
    problem, incident = ho.get_handover(context.db, handover_id).carried
    assert incident.source == ho.INCIDENT_SOURCE
    words = {
        "en": ("Incident #1 CRM down, level 1: 1 of 6 steps done", "(logged 2 times)", "since "),
        "zh": ("突发事件 #1 CRM", "（已记录 2 次）", "自 "),
    }[language]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape", "2")
        await settle(pilot)
        assert carried_row(app, problem.number).endswith(words[1])  # in this console's language
        assert f"⚑ {incident.number}. " in carried_row(app, incident.number)
        await go_to(pilot, f"carried:{incident.number}")
        await settle(pilot)
        table = app.screen.table  # type: ignore[attr-defined]
        # The detail grew and the list shrank: the selected row is still in sight.
        assert table.scroll_y <= table.cursor_row < table.scroll_y + table.size.height - 1
        detail = screen_static(app, "#handover-detail")
        assert words[0] in carried_row(app, incident.number) + detail and words[2] in detail
        assert "✔ 1. " in detail and "☐ 2. " in detail and "☐ 6. " in detail
        await pilot.press("r")  # an incident is closed on the Incident screen, not from the checklist
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
    confirmed = ho.get_handover(context.db, handover_id).carried_item(incident.number)
    assert confirmed.confirmed_at is not None
