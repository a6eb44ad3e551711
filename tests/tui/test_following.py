"""Nothing happens unseen: other processes' writes, the status strip, dialogs that keep every key,
user text shown literally."""

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from dutydesk import clock
from dutydesk.context import Context, open_context
from dutydesk.domain import followups, log, shifts, supervisors
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.store.tables import QueueAlert
from dutydesk.tui.app import DutydeskApp
from dutydesk.tui.screens.followups import AddFollowUpScreen

from .conftest import screen_static, settle, table_rows, type_at_once

FOLLOW_WITHIN_S = 2.0
HOSTILE = "[/] [bold]x \x1b[2J\x1b]0;owned\x07"


async def within(pilot: Pilot[None], seconds: float, condition: Callable[[], bool]) -> bool:
    """Whether `condition()` comes true within `seconds` of real time, with no key pressed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


async def test_an_entry_added_by_another_process_appears_within_two_seconds(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        subprocess.run(
            [str(Path(sys.executable).parent / "dutydesk"), "--db", context.db.target, "log", "add", "from the CLI"],
            check=True,
            capture_output=True,
        )
        assert await within(pilot, FOLLOW_WITHIN_S, lambda: any(row[-1] == "from the CLI" for row in table_rows(app)))


async def test_a_shift_taken_over_at_another_console_moves_the_header(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert f"Shift #{shift.id}" in screen_static(app, "#header-info")
        other = open_context(context.db.target, None, "en")  # another console, its own connections
        try:
            supervisors.add_supervisor(other.db, "li", "李娜", "135790")
            shifts.close_shift(other.db, shift.id)
            newer = shifts.open_shift(other.db, other.config, "li")
        finally:
            other.db.close()
        moved = await within(pilot, FOLLOW_WITHIN_S, lambda: app.shift is not None and app.shift.id == newer.id)
        assert moved, (app.shift, newer)
        await settle(pilot)
        assert f"Shift #{newer.id}" in screen_static(app, "#header-info")
        assert "李娜" in screen_static(app, "#header-info")


async def test_the_status_strip_shows_alerts_overdue_follow_ups_on_the_log_screen(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert screen_static(app, "#status-strip") == "Nothing needs you right now"
        now = clock.utcnow()
        followups.add_followup(context.db, context.config, "call back", "ticket", due=now - timedelta(hours=1))
        with context.db.session() as session:
            session.add(
                QueueAlert(shift_id=shift.id, rule="waiting", queue="", level="critical", fired_at=now, figures="{}")
            )
            session.commit()
        assert await within(pilot, FOLLOW_WITHIN_S, lambda: "alerts" in screen_static(app, "#status-strip"))
        strip = screen_static(app, "#status-strip")
        assert "1 alerts unacknowledged (critical)" in strip
        assert "1 follow-ups overdue" in strip
        assert app.screen.id == "log"


async def test_a_dialog_typed_into_the_moment_it_opens_keeps_every_character(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "5")
        await settle(pilot)
        await pilot.press("a", *"printer jam at desk 12")  # no pause between the key that opens it and the text
        await settle(pilot)
        assert isinstance(app.screen, AddFollowUpScreen)
        assert app.screen.query_one("#title", Input).value == "printer jam at desk 12"


async def test_markup_and_control_characters_are_shown_literally(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    supervisors.add_supervisor(context.db, "zhao", "Wang [night lead] [/]", "135790")
    log.add_entry(context.db, context.config, shift, HOSTILE)
    followups.add_followup(context.db, context.config, HOSTILE, "ticket", details=HOSTILE, owner="[/]")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        row = table_rows(app)[0]
        assert row[-1] == "[/] [bold]x \\x1b[2J\\x1b]0;owned\\x07"
        assert "\x1b" not in screen_static(app, "#log-detail")
        await pilot.press("escape", "5")
        await settle(pilot)
        detail = screen_static(app, "#followup-detail")
        assert "[/] [bold]x \\x1b[2J" in detail and "\x1b" not in detail
        assert app.is_running


async def test_a_title_typed_ahead_of_the_dialog_it_opens_keeps_every_character(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    """As a terminal delivers fast typing: the key that opens the dialog and the title behind it
    all queued before the first is handled; the letters must not run as the screen's hotkeys."""
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "5")
        await settle(pilot)
        typed = "Callback customer Zhang"
        type_at_once(app, "a" + typed)
        await settle(pilot)
        assert isinstance(app.screen, AddFollowUpScreen)
        assert app.screen.query_one("#title", Input).value == typed


async def test_a_screen_shown_again_shows_what_another_console_changed_meanwhile(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    from dutydesk.domain import handover as ho
    from dutydesk.domain import log

    supervisors.add_supervisor(context.db, "li", "李娜", "135790")
    log.add_entry(context.db, context.config, shift, "CRM slow", category="system_status", severity="warning")
    started = ho.start_handover(context.db, context.config)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "2")
        await settle(pilot)
        assert "0 of 1 carried-over confirmed" in screen_static(app, "#handover-status")
        await pilot.press("1")  # away on the Log screen while another console reads back
        await settle(pilot)
        seen = app.data_generation
        other = open_context(context.db.target, None, "en")
        try:
            ho.confirm_carried(other.db, started.id)
        finally:
            other.db.close()
        assert await within(pilot, FOLLOW_WITHIN_S, lambda: app.data_generation > seen)
        await pilot.press("escape", "2")
        await settle(pilot)
        assert "1 of 1 carried-over confirmed" in screen_static(app, "#handover-status")
