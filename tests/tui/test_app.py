"""Screens on number keys, the command palette, the footer in Chinese, import hygiene."""

import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Static
from textual.widgets._footer import FooterKey, FooterLabel

from dutydesk.domain.shifts import ShiftInfo
from dutydesk.i18n import _
from dutydesk.tui.app import DutydeskApp
from dutydesk.tui.rows import columns, fit

from .conftest import footer_descriptions, screen_static, settle, table_rows, text_of

SOURCE = Path(__file__).parents[2] / "src" / "dutydesk"


async def test_number_keys_switch_screens(app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("escape")  # from the entry line to the table: digits there are text
        for key, screen_id in {"2": "handover", "3": "queue", "4": "playbooks", "5": "followups"}.items():
            await pilot.press(key)
            await pilot.pause()
            assert app.screen.id == screen_id
            assert f"Shift #{shift.id}" in screen_static(app, "#header-info")
        await pilot.press("1")
        await pilot.pause()
        assert app.screen.id == "log"


async def test_footer_lists_the_screens(app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "1" not in footer_descriptions(app)  # in the entry line a digit is text, not a screen
        await pilot.press("escape")
        await pilot.pause()
        footer = footer_descriptions(app)
        assert [footer[k] for k in "12345"] == ["Log", "Handover", "Queue", "Playbooks", "Follow-ups"]
        assert footer["a"] == "Add"
        assert "c" not in footer  # nothing to correct in an empty shift


async def test_a_narrow_footer_groups_the_screen_keys_so_every_key_fits(app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        for key in "2345":  # (on the Log screen the entry line has the focus, and its own keys)
            await pilot.press(key)
            await pilot.pause()
            footer_keys = list(app.screen.query(FooterKey))
            assert {"1", "5", "e"} <= {footer_key.key for footer_key in footer_keys}
            assert all(footer_key.region.right <= 80 for footer_key in footer_keys), app.screen.id
            assert [text_of(label) for label in app.screen.query(FooterLabel)] == ["Screens"]
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert footer_descriptions(app)["2"] == "Handover"  # wide enough: each screen key with its name again
        assert not app.screen.query(FooterLabel)


async def test_the_footer_mounts_its_keys_again_only_when_they_change(app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        keys = list(app.screen.query(FooterKey))
        app.screen.refresh_bindings()  # "changed", to the same keys
        await settle(pilot)
        assert list(app.screen.query(FooterKey)) == keys
        await pilot.press("escape")  # from the entry line to the table: other keys
        await settle(pilot)
        assert not set(app.screen.query(FooterKey)) & set(keys)
        assert footer_descriptions(app)["a"] == "Add"


@pytest.mark.day_and_night
async def test_footer_and_labels_in_chinese(zh: None, app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        footer = footer_descriptions(app)
        # Whatever the catalog says, it is shown, and it is not the English source.
        assert footer["1"] == _("Log") != "Log"
        assert footer["2"] == _("Handover") != "Handover"
        assert footer["slash"] == _("Search") != "Search"
        assert screen_static(app, "#log-title") == _("Duty log") != "Duty log"
        assert screen_static(app, "#entry-kind") == "[事件 · " + _("info") + "]"
        assert {"day": "白班", "night": "夜班"}[shift.slot_key] in screen_static(app, "#header-info")
        await pilot.press("a", "f2", "f3")
        assert screen_static(app, "#entry-kind") == "[系统状态 · ▲ " + _("warning") + "]"
        await pilot.press(*"接通率下降", "enter")
        await pilot.pause()
        assert table_rows(app)[0][2:4] == ["系统状态", "▲ " + _("warning")]


async def test_command_palette_lists_and_runs_the_apps_actions(app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in [
            "Log",
            "Handover",
            "Queue",
            "Playbooks",
            "Follow-ups",
            "Add log entry",
            "Search log",
            "Correct entry",
            "Quit",
        ]:
            assert title in titles
        assert titles.count("Quit") == 1
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Handover")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.id == "handover"
        await pilot.press("ctrl+p", *"Search log")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.id == "log"
        assert app.screen.focused is not None and app.screen.focused.id == "search"


async def test_header_clock_shows_center_time(app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        clock_text = text_of(app.screen.query_one("#header-clock", Static))
        hours, minutes, seconds = clock_text.split(":")
        assert len(clock_text) == 8 and 0 <= int(hours) < 24 and 0 <= int(minutes) < 60 and 0 <= int(seconds) < 60


def test_columns_are_measured_in_cells_not_characters(config) -> None:  # type: ignore[no-untyped-def]
    cut = fit(__import__("rich.text").text.Text("接通率下降到七十八"), 9)
    assert cut.cell_len <= 9 and cut.plain.endswith("…")
    from dutydesk.i18n import set_language

    set_language("en")
    specs = {spec.key: spec.width for spec in columns(config, [], 120)}
    assert specs["category"] == len("Improvement idea")  # the widest English label
    assert sum(width + 2 for width in specs.values()) + 2 <= 120


def test_only_the_tui_imports_textual_and_nothing_imports_the_tui() -> None:
    outside = [
        path
        for path in SOURCE.rglob("*.py")
        if "tui" not in path.relative_to(SOURCE).parts
        and ("dutydesk.tui" in (text := path.read_text(encoding="utf-8")) and "import" in text)
    ]
    # The CLI alone may start the TUI.
    assert [p.name for p in outside if p.name != "cli.py"] == []
    probe = (
        "import sys, dutydesk.domain.log, dutydesk.domain.shifts, dutydesk.domain.supervisors, "
        "dutydesk.config, dutydesk.context; print('textual' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
