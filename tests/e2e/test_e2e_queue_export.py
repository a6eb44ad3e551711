"""A queue alert under the simulator's surge drill, and a shift summary saved, in a real terminal.

What these tests rely on:
- `dutydesk --feed "sim:scenario=surge,speed=N" demo --fresh` runs the simulator N times
  faster than real time with the surge drill on; key 3 shows the Queue screen, whose
  status line names the drill ("drill: call surge") and whose alert box counts the alerts
  ("Alerts  N active") and lists each with its level ("warning" or "critical");
- key `e` opens the export preview of the current shift (the Markdown summary, titled
  "Shift summary — <center>"), `s` saves it into `[export] dir` of the configuration
  given with `--config` and says "Saved to PATH".
"""

import re
from pathlib import Path

from e2e.test_e2e_tui import (
    LOG_TITLE,
    STARTUP_TIMEOUT_S,
    Terminal,
    on_queue_screen,
    quit_app,
)

DEADLINE_S = 120  # generous: these machines are loaded and have 2 cores
# 30x real time (a minute of drill in 2 s) from a fixed seed; the surge is on from the start,
# through the simulator's 30-minute warm-up, so the sustained rules have already elapsed.
SURGE_FEED = "sim:scenario=surge,speed=30,seed=7"
ALERTS_ACTIVE = re.compile(r"Alerts\s+(\d+) active")


def active_alerts(screen: str) -> int:
    found = ALERTS_ACTIVE.search(screen)
    return int(found.group(1)) if found else 0


def test_surge_drill_raises_a_queue_alert(terminal: Terminal, dutydesk: Path, app_env: dict[str, str]) -> None:
    term = terminal(120, 40)
    term.start([str(dutydesk), "--feed", SURGE_FEED, "demo", "--fresh"], app_env)
    term.wait_for(LOG_TITLE, STARTUP_TIMEOUT_S)
    term.wait_until(lambda s: "Done" in s.splitlines()[-1], "the entry line to take the focus")
    term.send("Escape")  # digits typed in the entry line are text; on the table they switch screens
    term.wait_until(lambda s: "Done" not in s.splitlines()[-1], "the table to take the focus")
    term.send("3")
    term.wait_until(on_queue_screen, "the Queue screen", DEADLINE_S)
    term.wait_for("drill: call surge", DEADLINE_S)  # the panel says which drill is on
    # Triple arrivals swamp the agents: an alert fires and is listed with its level.
    screen = term.wait_until(
        lambda s: active_alerts(s) >= 1 and ("warning" in s or "critical" in s),
        "an active queue alert",
        DEADLINE_S,
    )
    assert "SIMULATOR" in screen  # drill data is never mistaken for live figures
    quit_app(term)


def test_export_preview_saves_the_summary(
    terminal: Terminal, dutydesk: Path, app_env: dict[str, str], tmp_path: Path
) -> None:
    export_dir = tmp_path / "exports 导出"  # a space and Chinese in the path
    export_dir.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(f'[export]\ndir = "{export_dir}"\n', encoding="utf-8")
    term = terminal(120, 40)
    term.start([str(dutydesk), "--config", str(config), "demo", "--fresh"], app_env)
    term.wait_for(LOG_TITLE, STARTUP_TIMEOUT_S)
    term.wait_until(lambda s: "Done" in s.splitlines()[-1], "the entry line to take the focus")
    term.send("Escape")  # e typed in the entry line is text; on the table it exports
    term.wait_until(lambda s: "Done" not in s.splitlines()[-1], "the table to take the focus")
    term.send("e")
    term.wait_for("Export the summary of which shift?", DEADLINE_S)
    term.send("Enter")  # the open shift is highlighted
    term.wait_for("Shift summary", DEADLINE_S)
    term.send("s")
    term.wait_for("Saved to", DEADLINE_S)
    saved = list(export_dir.glob("*.md"))
    assert len(saved) == 1, saved
    text = saved[0].read_text(encoding="utf-8")
    assert text.startswith("# Shift summary — Customer Service Center")
    assert "team A" in text and "(open)" in text
    assert "## Duty log" in text
    term.send("Escape")
    term.wait_for(LOG_TITLE, DEADLINE_S)
    quit_app(term)
