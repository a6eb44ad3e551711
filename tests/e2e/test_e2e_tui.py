"""dutydesk in a real terminal: the installed console script, driven through tmux.

What these tests rely on (the visible contract of the TUI and CLI):
- `dutydesk demo --fresh` opens the Log screen, titled "Duty log" ("值班日志" in Chinese),
  listing the current shift's entries; the demo database is
  $XDG_CACHE_HOME/dutydesk/demo.db;
- `a` puts the cursor in the quick-add line (placeholder "type a log entry, ..."; the
  footer then shows "esc Done"), Enter adds the entry, Escape leaves the line; ctrl+q
  quits from anywhere;
- number keys 1-5 switch the main screens; 3 is the Queue screen, titled "Queue" at the
  start of a line;
- `dutydesk --db PATH log list --json` prints the current shift's entries as JSON.
"""

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from e2e.terminal import TmuxTerminal

STARTUP_TIMEOUT_S = 120  # a cold start on a loaded CI machine builds the demo and imports Textual
LOG_TITLE = "Duty log"
LOG_TITLE_ZH = "值班日志"
QUICK_ADD_HINT = "type a log entry"
QUICK_ADD_FOOTER = "Done"  # the footer shows "esc Done" while the quick-add line has the focus
QUEUE_TITLE = "Queue"

Terminal = Callable[..., TmuxTerminal]


def start_demo(
    terminal: Terminal,
    dutydesk: Path,
    env: dict[str, str],
    width: int = 120,
    height: int = 40,
) -> TmuxTerminal:
    term = terminal(width, height)
    term.start([str(dutydesk), "demo", "--fresh"], env)
    term.wait_for(LOG_TITLE if not env["LANG"].startswith("zh") else LOG_TITLE_ZH, STARTUP_TIMEOUT_S)
    return term


def focus_quick_add(term: TmuxTerminal) -> None:
    """Wait until the quick-add line has the focus (its footer keys show): it has it whenever a shift is open."""
    term.wait_until(lambda s: QUICK_ADD_FOOTER in s.splitlines()[-1], "the quick-add line to take the focus")


def leave_quick_add(term: TmuxTerminal) -> None:
    """Escape to the table, where number keys switch screens (in the line they are text).

    Waiting in between also keeps the terminal from reading Escape and the next key as Alt+key.
    """
    focus_quick_add(term)
    term.send("Escape")
    term.wait_until(lambda s: QUICK_ADD_FOOTER not in s.splitlines()[-1], "the table to take the focus")


def quit_app(term: TmuxTerminal) -> None:
    term.send("C-q")
    assert term.wait_for_exit() == 0


def test_demo_opens_on_the_duty_log(
    terminal: Terminal, dutydesk: Path, app_env: dict[str, str], demo_db_path: Path
) -> None:
    term = start_demo(terminal, dutydesk, app_env)
    # Entries of the demo's current shift are listed: its texts come from sample_data.
    screen = term.wait_until(
        lambda s: any(word in s for word in ("CRM", "坐席", "callers", "排队", "agents", "工单")),
        "demo entries in the log table",
    )
    assert LOG_TITLE in screen
    assert "entries in shift #14" in screen
    assert demo_db_path.exists()
    quit_app(term)


def test_quick_add_entry_is_saved(
    terminal: Terminal, dutydesk: Path, app_env: dict[str, str], demo_db_path: Path, run_cli: Callable[..., object]
) -> None:
    term = start_demo(terminal, dutydesk, app_env)
    text = f"e2e check {uuid.uuid4().hex[:8]}: backup lines tested, 备用线路正常"
    focus_quick_add(term)
    term.type(text)
    term.wait_for(text[:30])  # echoed in the quick-add line
    term.send("Enter")
    # Added: the line is empty again (its hint is back) and the entry is in the table.
    screen = term.wait_until(lambda s: QUICK_ADD_HINT in s and "e2e check" in s, "the new entry in the table")
    assert "备用线路" in screen
    term.send("Escape")
    quit_app(term)

    result = run_cli("--db", str(demo_db_path), "log", "list", "--json")
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    listed = json.loads(result.stdout)  # type: ignore[attr-defined]
    entries = listed["entries"] if isinstance(listed, dict) else listed
    assert text in [entry["text"] for entry in entries]


def on_queue_screen(screen: str) -> bool:
    """The Queue screen is showing: its title starts a line, and the log's title is gone."""
    return LOG_TITLE not in screen and any(line.strip().startswith(QUEUE_TITLE) for line in screen.splitlines())


def test_number_keys_switch_screens(terminal: Terminal, dutydesk: Path, app_env: dict[str, str]) -> None:
    term = start_demo(terminal, dutydesk, app_env)
    leave_quick_add(term)
    term.send("3")
    term.wait_until(on_queue_screen, "the Queue screen")
    term.send("1")
    screen = term.wait_for(LOG_TITLE)
    assert not on_queue_screen(screen)
    quit_app(term)


def test_chinese_locale(terminal: Terminal, dutydesk: Path, app_env: dict[str, str]) -> None:
    app_env["LANG"] = "zh_CN.UTF-8"
    term = start_demo(terminal, dutydesk, app_env)
    screen = term.screen()
    assert LOG_TITLE_ZH in screen
    assert LOG_TITLE not in screen
    quit_app(term)


def test_small_terminal_keeps_title_and_quick_add(terminal: Terminal, dutydesk: Path, app_env: dict[str, str]) -> None:
    term = start_demo(terminal, dutydesk, app_env, width=80, height=24)
    screen = term.wait_for(QUICK_ADD_HINT[:12])
    lines = screen.splitlines()
    assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
    assert LOG_TITLE in screen
    # The quick-add line still works at this size.
    focus_quick_add(term)
    term.type("small screen note")
    term.wait_for("small screen note")
    term.send("C-q")  # the note is not saved: ctrl+q asks first
    term.wait_for("Please confirm")
    term.send("y")
    assert term.wait_for_exit() == 0
