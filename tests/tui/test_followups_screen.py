"""The Follow-ups screen: overdue on top in red, add, chase, change the due time, close."""

from datetime import timedelta

from rich.text import Text
from textual.widgets import DataTable, Input, Select, Static

from dutydesk import clock
from dutydesk.domain import followups
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.tui.app import DutydeskApp
from dutydesk.tui.screens.followups import AddFollowUpScreen, FollowUpsScreen

from .conftest import Notes, text_of

SPECIAL = "客户 | `rm *` <b>#1</b> _急_"


def rows(app: DutydeskApp) -> list[list[Text]]:
    table = app.screen.query_one("#followups-table", DataTable)
    return [list(table.get_row_at(index)) for index in range(table.row_count)]


async def open_screen(pilot, app: DutydeskApp) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("escape", "5")  # out of the Log screen's entry line
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, FollowUpsScreen)


async def settle(pilot, app: DutydeskApp) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_overdue_first_in_red_with_how_late(app: DutydeskApp, shift: ShiftInfo) -> None:
    db, config, now = app.context.db, app.context.config, clock.utcnow()
    followups.add_followup(db, config, "later", "ticket", due=now + timedelta(hours=3))
    followups.add_followup(db, config, "very late", "ticket", due=now - timedelta(hours=2, minutes=5))
    followups.add_followup(db, config, SPECIAL, "complaint", urgency="urgent")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_screen(pilot, app)
        shown = rows(app)
        assert shown[2][1].plain == "ticket"
        assert [row[2].plain for row in shown] == ["very late", SPECIAL, "later"]
        assert shown[0][6].plain == "2 h 05 min late" and "#ff5f5f" in str(shown[0][6].style)
        assert shown[1][6].plain.startswith("in ") and "#ff5f5f" not in str(shown[1][6].style)
        assert "3 open · 1 overdue" in text_of(app.screen.query_one("#followups-status", Static))


async def test_add_a_complaint_then_chase_change_due_and_close(app: DutydeskApp, shift: ShiftInfo) -> None:
    notes = Notes(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot, app)
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AddFollowUpScreen)
        dialog.query_one("#kind", Select).value = "complaint"
        dialog.query_one("#urgency", Select).value = "urgent"
        dialog.query_one("#complaint-type", Select).value = "service_attitude"
        await pilot.pause()
        assert dialog.has_class("-complaint")
        await pilot.press("ctrl+s")  # no title yet: refused, the dialog stays
        await pilot.pause()
        assert app.screen is dialog and notes.errors() == ["the title is empty"]
        dialog.query_one("#title", Input).value = SPECIAL
        dialog.query_one("#customer", Input).value = "张先生 138****0000"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, FollowUpsScreen)
        [item] = followups.open_followups(app.context.db)
        assert (item.kind, item.urgency, item.complaint_type, item.title) == (
            "complaint",
            "urgent",
            "service_attitude",
            SPECIAL,
        )
        assert item.complaint_number and item.complaint_number.startswith("C-")
        assert item.due_at - item.created_at == timedelta(minutes=30)
        assert rows(app)[0][1].plain.startswith("客户 | `rm *`")  # at 80 columns the kind column is left out
        assert SPECIAL in text_of(app.screen.query_one("#followup-detail", Static))

        await pilot.press("c")
        await pilot.pause()
        app.screen.query_one("#ask-text", Input).value = "投诉组 | 已电话督办"
        await pilot.press("enter")
        await settle(pilot, app)

        await pilot.press("d")
        await pilot.pause()
        app.screen.query_one("#new-due", Input).value = "+2h"
        await pilot.press("enter")  # to the reason
        await pilot.press("enter")  # empty reason: refused
        await pilot.pause()
        assert "the reason is empty" in notes.errors()
        app.screen.query_one("#reason", Input).value = "客户要求下午回电"
        await pilot.press("enter")
        await settle(pilot, app)

        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#ask-text", Input).value = "已道歉并补偿 *10 元*"
        await pilot.press("enter")
        await settle(pilot, app)
        assert followups.open_followups(app.context.db) == []
        stored = followups.get_followup(app.context.db, item.id)
        assert [h.kind for h in stored.history or []] == ["created", "chase", "due", "close"]
        assert stored.resolution == "已道歉并补偿 *10 元*"
        assert rows(app) == []
        assert "Nothing to follow up" in text_of(app.screen.query_one("#followup-detail", Static))


async def test_bad_due_time_keeps_the_dialog_open(app: DutydeskApp, shift: ShiftInfo) -> None:
    notes = Notes(app)
    followups.add_followup(app.context.db, app.context.config, "x", "ticket")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_screen(pilot, app)
        await pilot.press("d")
        await pilot.pause()
        app.screen.query_one("#new-due", Input).value = "tomorrow"
        app.screen.query_one("#reason", Input).value = "why"
        app.screen.query_one("#reason", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert any("bad due time 'tomorrow'" in message for message in notes.errors())
        assert app.screen.query_one("#new-due", Input).value == "tomorrow"  # kept for fixing
