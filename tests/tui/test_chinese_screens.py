"""Under zh no screen shows English: every main screen, the command palette and the keys panel,
at 120×40 and at 80×24, read off the rendered screen."""

import html
import re

import pytest
from textual.command import CommandInput, CommandList, CommandPalette

from dutydesk import paths
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.tui.app import MAIN_SCREENS, DutydeskApp
from english_left import english_left

SIZES = [(120, 40), (80, 24)]
SVG_TEXT = re.compile(r"<text[^>]*>(.*?)</text>", re.S)


def screen_text(app: DutydeskApp) -> str:
    svg = app.export_screenshot()
    return html.unescape(" ".join(re.sub(r"<[^>]+>", "", part) for part in SVG_TEXT.findall(svg))).replace("\xa0", " ")


def english_on(app: DutydeskApp) -> list[str]:
    """English words on the screen; pieces of this machine's file paths (wrapped anywhere) are not words."""
    machine_paths = f"{paths.default_config_path()} {paths.default_database_path()}"
    return [word for word in english_left(screen_text(app)) if word not in machine_paths]


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("mode", [mode for mode, *_rest in MAIN_SCREENS])
async def test_every_screen_is_chinese(
    app: DutydeskApp, zh: None, shift: ShiftInfo, mode: str, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        await app.switch_mode(mode)
        await pilot.pause()
        assert english_on(app) == []


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_the_command_palette_and_the_keys_panel_are_chinese(
    app: DutydeskApp, zh: None, shift: ShiftInfo, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        commands = " ".join(f"{c.title} {c.help}" for c in app.get_system_commands(app.screen))
        assert english_left(commands) == []
        await pilot.press("ctrl+p")
        while not isinstance(app.screen, CommandPalette):
            await pilot.pause()
        palette = app.screen
        assert palette.query_one(CommandInput).placeholder == "搜索命令…"
        await pilot.press(*"zzzz")
        results = palette.query_one(CommandList)
        for _attempt in range(500):  # the palette waits a moment before it says nothing matched
            shown = [results.get_option_at_index(i).prompt for i in range(results.option_count)]
            if any("没有匹配的命令" in str(getattr(prompt, "plain", prompt)) for prompt in shown):
                break
            await pilot.pause(0.01)
        else:
            pytest.fail(f"the palette never said that nothing matched: {shown}")
        await pilot.press("escape")  # the palette closes: the entry line has the focus again
        await pilot.press("escape")  # Escape hands it to the log table
        app.action_show_help_panel()
        await pilot.pause()
        assert "光标上移" in screen_text(app)  # the log table's own keys, in Chinese
        assert english_on(app) == []


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_a_running_incident_and_its_escalation_dialog_are_chinese(
    app: DutydeskApp, zh: None, shift: ShiftInfo, size: tuple[int, int]
) -> None:
    """The playbook's copied contacts (role and channel) and IVR text show in Chinese too."""
    from dutydesk.domain import incidents, playbooks
    from dutydesk.tui.screens.incident import IncidentScreen

    playbook = playbooks.load_playbooks(user=paths.default_config_path().parent / "none").get("telephony_down")
    incidents.start_incident(app.context.db, app.context.config, shift, playbook)
    async with app.run_test(size=size) as pilot:
        await app.switch_mode("playbooks")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")  # the running incident is listed first
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        assert english_on(app) == []
        await pilot.press("u")
        await pilot.pause()
        assert "电话" in screen_text(app) and english_on(app) == []


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_a_signed_handover_names_its_signers_in_chinese(
    app: DutydeskApp, zh: None, shift: ShiftInfo, size: tuple[int, int]
) -> None:
    """The signature line shows display names (交班：✔ 王伟), never the login (wang, li)."""
    from dutydesk.domain import handover, log, supervisors

    db, config = app.context.db, app.context.config
    supervisors.add_supervisor(db, "li", "李娜", "135790")
    log.add_entry(db, config, shift, "CRM 登录缓慢", category="system_status", severity="warning")
    started = handover.start_handover(db, config)
    for item in started.items:
        handover.answer_item(db, started.id, item.key, "stable" if item.kind == "floor_status" else "ok", "正常")
    handover.refresh_carried(db, config, started.id)
    handover.confirm_carried(db, started.id)
    handover.sign_handover(db, config, started.id, "outgoing", "wang", "246810")
    handover.sign_handover(db, config, started.id, "incoming", "li", "135790")
    async with app.run_test(size=size) as pilot:
        await pilot.press("escape", "2", "h")
        await pilot.pause()
        await pilot.press("enter")  # the newest handover
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = screen_text(app)
        assert "✔ 王伟" in shown and "✔ 李娜" in shown
        assert english_on(app) == []
