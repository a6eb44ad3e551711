"""First run: add a supervisor, open a shift; and what the Log screen says with no shift."""

import pytest
from textual.widgets import Input, OptionList

from dutydesk.context import Context
from dutydesk.domain import log, shifts, supervisors
from dutydesk.domain.supervisors import SupervisorInfo
from dutydesk.tui.app import DutydeskApp
from dutydesk.tui.screens.dialogs import AddSupervisorScreen, OpenShiftScreen
from dutydesk.tui.screens.log import LogScreen

from .conftest import Notes, screen_static, settle, table_rows


@pytest.mark.day_and_night
async def test_first_run_adds_supervisor_then_opens_shift(app: DutydeskApp, context: Context) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, AddSupervisorScreen)
        await pilot.press(*"li.na", "enter")
        await pilot.press(*"李娜", "enter")
        await pilot.press(*"135790", "enter")
        await pilot.press(*"135790", "enter")
        await settle(pilot)
        assert isinstance(app.screen, OpenShiftScreen)
        assert app.screen.query_one("#team", Input).value == context.config.center.team
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        assert app.screen.id == "log"
        header = screen_static(app, "#header-info")
        opened = shifts.current_shift(context.db, context.config.center.team)
        assert opened is not None
        assert "李娜" in header and {"day": "Day shift", "night": "Night shift"}[opened.slot_key] in header

    people = supervisors.list_supervisors(context.db)
    assert [(p.name, p.display_name) for p in people] == [("li.na", "李娜")]
    assert opened.supervisor == "li.na"
    assert app.shift == opened


async def test_pins_that_differ_keep_the_dialog_and_add_nobody(
    app: DutydeskApp, context: Context, notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"zhao", "enter", *"Zhao", "enter", *"123456", "enter", *"654321", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AddSupervisorScreen)
        assert app.screen.query_one("#name", Input).value == "zhao"
        assert "the two PINs differ" in notes.errors()
    assert supervisors.list_supervisors(context.db) == []


async def test_a_short_pin_is_refused_by_the_domain(app: DutydeskApp, context: Context, notes: Notes) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"zhao", "enter", "enter", *"12", "enter", *"12", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AddSupervisorScreen)
        assert notes.errors() == ["a PIN is 6 to 12 digits"]
    assert supervisors.list_supervisors(context.db) == []


async def test_cancelled_open_shift_leaves_log_saying_no_shift_then_o_opens_one(
    app: DutydeskApp, context: Context, supervisor: SupervisorInfo
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OpenShiftScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        assert "No shift is open" in screen_static(app, "#log-status")
        assert "No shift is open" in screen_static(app, "#header-info")
        quick_add = app.screen.query_one("#quick-add", Input)
        assert quick_add.disabled
        assert "press o" in quick_add.placeholder
        assert table_rows(app) == []

        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, OpenShiftScreen)
        choices = app.screen.query_one("#supervisor", OptionList)
        assert choices.get_option_at_index(choices.highlighted or 0).id == supervisor.name
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        assert not app.screen.query_one("#quick-add", Input).disabled
        assert "0 entries in shift" in screen_static(app, "#log-status")
    assert shifts.current_shift(context.db) is not None
    assert log.count_entries(context.db) == 0


async def test_with_a_shift_open_the_log_screen_comes_straight_away(app: DutydeskApp, shift: shifts.ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen_stack == [app.screen]
        assert app.screen.id == "log"
        assert screen_static(app, "#log-title") == "Duty log"
        header = screen_static(app, "#header-info")
        assert f"Shift #{shift.id}" in header and "王伟" in header
