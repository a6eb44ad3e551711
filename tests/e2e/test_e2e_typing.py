"""Keystrokes land once in a real terminal: type-ahead with no pause, and `tmux paste-buffer`."""

import json
import subprocess
from pathlib import Path

from e2e.terminal import TmuxTerminal
from e2e.test_e2e_tui import LOG_TITLE, STARTUP_TIMEOUT_S, Terminal, focus_quick_add, on_queue_screen, quit_app

LINES = [f"z-{letter}" for letter in "ABCDEFGHIJKLMNOPQRST"]  # 20 entries


def start_on_duty(terminal: Terminal, dutydesk: Path, env: dict[str, str], db: Path) -> TmuxTerminal:
    run = [str(dutydesk), "--db", str(db)]
    subprocess.run(
        [*run, "supervisor", "add", "wang", "--display-name", "王伟", "--pin-stdin"],
        input=b"246810",
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run([*run, "shift", "open", "--supervisor", "wang"], env=env, check=True, capture_output=True)
    term = terminal(120, 40)
    term.start(run, env)
    term.wait_for("Duty log", STARTUP_TIMEOUT_S)
    focus_quick_add(term)
    return term


def stored(dutydesk: Path, env: dict[str, str], db: Path) -> list[str]:
    out = subprocess.run(
        [str(dutydesk), "--db", str(db), "log", "list", "--json"], env=env, check=True, capture_output=True, text=True
    ).stdout
    return [entry["text"] for entry in reversed(json.loads(out))]


def test_twenty_entries_typed_with_no_pause(
    terminal: Terminal, dutydesk: Path, app_env: dict[str, str], tmp_path: Path
) -> None:
    db = tmp_path / "typing.db"
    term = start_on_duty(terminal, dutydesk, app_env, db)
    keys: list[str] = []
    for line in LINES:
        keys += [line, "Enter"]
    term.send(*keys)  # one tmux send-keys: as fast as the terminal delivers them
    term.wait_for("20 entries in shift")
    quit_app(term)
    assert stored(dutydesk, app_env, db) == LINES


def test_a_pasted_block_of_five_lines(
    terminal: Terminal, dutydesk: Path, app_env: dict[str, str], tmp_path: Path
) -> None:
    db = tmp_path / "paste.db"
    lines = ["line one", "line two", "第三行", "line four", "line five"]
    term = start_on_duty(terminal, dutydesk, app_env, db)
    term.tmux("set-buffer", "-b", "five", "\n".join(lines) + "\n")
    term.tmux("paste-buffer", "-p", "-b", "five", "-t", "main")  # bracketed, as a terminal pastes
    term.wait_for("Add 5 entries")
    term.send("Enter")
    term.wait_for("5 entries in shift")
    quit_app(term)
    assert stored(dutydesk, app_env, db) == lines


def test_escape_and_a_digit_arriving_together_leave_the_line_and_switch_screens(
    terminal: Terminal, dutydesk: Path, app_env: dict[str, str], tmp_path: Path
) -> None:
    """Escape then 3 pressed quickly reach the program as one ESC-3 (what terminals send for
    Alt+3): the entry line keeps its text, with no third character in it, and 3 shows the Queue."""
    term = start_on_duty(terminal, dutydesk, app_env, tmp_path / "escape.db")
    term.type("draft note")
    term.wait_for("draft note")
    term.send("Escape", "3")  # one send-keys: both bytes in one write
    term.wait_until(on_queue_screen, "the Queue screen")
    term.send("1")
    screen = term.wait_for(LOG_TITLE)
    entry_line = next(line for line in screen.splitlines() if "draft note" in line)
    assert entry_line.split("draft note")[1].strip() == "", entry_line
    assert not {"£", "™", "¡"} & set(screen)
    term.send("C-q")  # the line still holds the draft: ctrl+q asks first
    term.wait_for("Please confirm")
    term.send("y")
    assert term.wait_for_exit() == 0
