"""A handover signed in a real terminal by two supervisors, as they would at the console.

The checklist is answered from the command line (as a script would), then the read-back
and both signatures are done with the keys on the Handover screen (key 2), and the
command line verifies the signed record.
"""

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from e2e.terminal import TmuxTerminal
from e2e.test_e2e_tui import STARTUP_TIMEOUT_S

Run = Callable[..., subprocess.CompletedProcess[str]]
CARRIED = 4


def prepare(run_cli: Run, db: Path) -> None:
    def ok(*args: str, stdin: str = "") -> str:
        result = run_cli("--db", str(db), *args, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return result.stdout

    ok("supervisor", "add", "wang", "--pin-stdin", stdin="246810\n")
    ok("supervisor", "add", "li", "--display-name", "李娜", "--pin-stdin", stdin="135790\n")
    ok("shift", "open", "--supervisor", "wang")
    ok("log", "add", "CRM slow since 09:10", "--category", "system_status", "--severity", "warning")
    ok("handover", "start")
    for item in json.loads(ok("handover", "show", "--json"))["items"]:
        status = "watch" if item["key"] == "floor_status" else "ok"
        ok("handover", "check", item["key"], "--status", status, "--note", "队列 8 人 | *ok*")


def test_two_supervisors_sign_a_handover_in_the_terminal(
    terminal: Callable[..., TmuxTerminal], dutydesk: Path, app_env: dict[str, str], run_cli: Run, tmp_path: Path
) -> None:
    db = tmp_path / "handover.db"
    prepare(run_cli, db)
    term = terminal(120, 40)
    term.start([str(dutydesk), "--db", str(db)], app_env)
    term.wait_for("Duty log", STARTUP_TIMEOUT_S)
    term.wait_until(lambda s: "Done" in s.splitlines()[-1], "the entry line to take the focus")
    term.send("Escape")  # digits typed in the entry line are text; on the table they switch screens
    term.wait_until(lambda s: "Done" not in s.splitlines()[-1], "the table to take the focus")
    term.send("2")
    term.wait_for("15 of 15 required answered")
    # Carried over: the anomaly, the follow-up the action line became, and the notes of the
    # special customers and notices to read back. The first c goes to the first of them,
    # each next one confirms and moves on.
    term.send("c")
    term.wait_for("c: confirm (read-back by the incoming supervisor)")
    for confirmed in range(1, CARRIED + 1):
        term.send("c")
        term.wait_for(f"{confirmed} of {CARRIED} carried-over confirmed")

    term.send("s")
    term.wait_for("Sign as outgoing supervisor")
    term.type("246810")
    term.wait_for("••••")  # masked
    term.send("Enter")
    term.wait_until(lambda s: "outgoing: ✔ wang" in s and "Sign as" not in s, "the outgoing signature")
    term.send("s")
    term.wait_for("Sign as incoming supervisor")
    term.type("135790")
    term.wait_for("••••")  # masked
    term.send("Enter")
    screen = term.wait_until(lambda s: "incoming: ✔ 李娜" in s and "Signatures: valid" in s, "both signatures")
    assert "On duty: 李娜" in screen
    assert "246810" not in screen and "135790" not in screen
    term.send("C-q")
    assert term.wait_for_exit() == 0

    verified = run_cli("--db", str(db), "verify")
    assert verified.returncode == 0 and "1 signed handovers verified: all valid." in verified.stdout
    shift = json.loads(run_cli("--db", str(db), "shift", "current", "--json").stdout)
    assert shift["supervisor"]["name"] == "li"
