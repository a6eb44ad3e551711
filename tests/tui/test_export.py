"""The Export screen: `e` previews the shift summary rendered, `s` saves it and shows where."""

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, MarkdownViewer, OptionList

from dutydesk.context import Context
from dutydesk.domain import log, shifts
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.tui.app import DutydeskApp
from dutydesk.tui.screens.export import PREVIEW_ROWS, ExportScreen

from .conftest import Notes, screen_static, settle


@pytest.fixture
def export_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The documents dir platformdirs reports, inside the test's own directory."""
    documents = tmp_path / "documents"
    monkeypatch.setattr("platformdirs.user_documents_path", lambda: documents)
    return documents / "dutydesk"


async def open_export(pilot: Pilot[None], choose: str = "enter") -> None:
    """From the Log screen's entry line: Escape to the table, e, then the shift in the picker."""
    await pilot.press("escape", "e")
    await settle(pilot)
    await pilot.press(choose)
    await settle(pilot)


def preview_text(app: DutydeskApp) -> str:
    return app.screen.query_one("#export-preview", MarkdownViewer).document.source


@pytest.mark.day_and_night
async def test_export_previews_and_saves_the_shift_summary(
    app: DutydeskApp, context: Context, shift: ShiftInfo, notes: Notes, export_dir: Path
) -> None:
    log.add_entry(
        context.db, context.config, shift, "CRM down | <b>*all*</b> 客户无法登录", category="defect", severity="warning"
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await open_export(pilot)
        assert isinstance(app.screen, ExportScreen)
        source = preview_text(app)
        assert source.startswith("# Shift summary — Customer Service Center")
        assert "CRM down \\| \\<b\\>\\*all\\*\\</b\\> 客户无法登录" in source
        rendered = " ".join(str(block.source) for block in app.screen.query(Markdown))
        assert "Duty log" in rendered
        assert screen_static(app, "#export-status").startswith(f"Shift #{shift.id}")

        await pilot.press("s")
        await settle(pilot)
        day = shift.planned_start.astimezone(context.config.zone)  # a night shift's date is its evening's
        saved = export_dir / f"{day:%Y-%m-%d}-{shift.slot_key}-shift.md"
        assert saved.read_text(encoding="utf-8") == source
        assert screen_static(app, "#export-status") == f"Saved to {saved}"
        await pilot.press("s")  # a second save never replaces the first
        await settle(pilot)
        assert saved.with_name(saved.stem + "-2.md").read_text(encoding="utf-8") == source
        assert notes.errors() == []

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "log"


async def test_export_without_any_shift_tells_why(
    app: DutydeskApp, context: Context, supervisor: object, notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_export()  # over the guided start's open-shift dialog
        await settle(pilot)
        assert notes.errors() == ["no shift yet: open one with `dutydesk shift open --supervisor NAME`"]
        assert not isinstance(app.screen, ExportScreen)
        assert not any(path.suffix == ".md" for path in Path(context.config.export.directory()).glob("*"))


async def test_save_pressed_before_the_summary_is_ready_saves_when_it_is(
    app: DutydeskApp, shift: ShiftInfo, export_dir: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "e")
        await settle(pilot)
        await pilot.press("enter", "s")  # faster than the summary is gathered
        await settle(pilot)
        saved = list(export_dir.glob("*.md"))
        assert len(saved) == 1 and "## Duty log" in saved[0].read_text(encoding="utf-8")


async def test_export_from_the_command_palette(app: DutydeskApp, shift: ShiftInfo, export_dir: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Export shift", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        assert "## Duty log" in preview_text(app)


@pytest.mark.day_and_night
async def test_export_in_chinese(app: DutydeskApp, shift: ShiftInfo, zh: None, export_dir: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_export(pilot)
        assert {"day": "**白班**", "night": "**夜班**"}[shift.slot_key] in preview_text(app)


async def test_a_long_shift_previews_the_first_rows_and_saves_them_all(
    app: DutydeskApp, context: Context, shift: ShiftInfo, export_dir: Path
) -> None:
    for number in range(PREVIEW_ROWS + 5):
        log.add_entry(context.db, context.config, shift, f"surge update {number}")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_export(pilot)
        preview = preview_text(app)
        assert f"surge update {PREVIEW_ROWS - 1} |" in preview and f"surge update {PREVIEW_ROWS} |" not in preview
        assert "*… and 5 more rows in the saved file.*" in preview
        await pilot.press("s")
        await settle(pilot)
        saved = next(export_dir.iterdir()).read_text(encoding="utf-8")
        assert all(f"surge update {number} |" in saved for number in range(PREVIEW_ROWS + 5))


async def test_typing_e_in_the_log_entry_field_types_it(app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e", "x")
        await settle(pilot)
        assert app.screen.id == "log"
        assert app.screen.query_one("#quick-add", Input).value == "ex"


async def test_export_is_shown_again_not_mounted_twice(app: DutydeskApp, shift: ShiftInfo, export_dir: Path) -> None:
    """e, 3, e once crashed with DuplicateIds: the first preview was still on the Log screen's stack."""
    async with app.run_test(size=(120, 40)) as pilot:
        await open_export(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert app.screen.id == "queue"
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        assert app.is_running


async def test_the_shift_just_handed_over_can_be_exported(
    app: DutydeskApp, context: Context, shift: ShiftInfo, export_dir: Path
) -> None:
    log.add_entry(context.db, context.config, shift, "last words of the old shift")
    shifts.close_shift(context.db, shift.id)
    newer = shifts.open_shift(context.db, context.config, shift.supervisor, shift.team)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.shift is not None and app.shift.id == newer.id
        await pilot.press("escape", "e")
        await settle(pilot)
        picker = app.screen.query_one("#past-shifts", OptionList)
        day = shift.planned_start.astimezone(context.config.zone).date().isoformat()
        assert str(picker.get_option_at_index(1).prompt).startswith(f"{day}  Shift #{shift.id}")  # shifts repeat daily
        await pilot.press("down")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.shift is not None and app.screen.shift.id == shift.id
        assert "last words of the old shift" in preview_text(app)
