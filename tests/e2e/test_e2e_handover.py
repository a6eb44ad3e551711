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

Run = Callable[..., subprocess.CompletedProcess[str]]
CARRIED_ROW_DOWNS = 14  # from the first item to the carried-over anomaly under "anomalies"


def prepare(dutydesk: Path, env: dict[str, str], db: Path) -> None:
    def ok(*args: str, stdin: str = "") -> str:
        result = subprocess.run(
            [str(dutydesk), "--db", str(db), *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    ok("supervisor", "add", "wang", "--pin-stdin", stdin="2468\n")
    ok("supervisor", "add", "li", "--display-name", "李娜", "--pin-stdin", stdin="1357\n")
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
    prepare(dutydesk, app_env, db)
    term = terminal(120, 40)
    term.start([str(dutydesk), "--db", str(db)], app_env)
    term.wait_for("Duty log", 30)
    term.wait_until(lambda s: "Done" in s.splitlines()[-1], "the entry line to take the focus")
    term.send("Escape")  # digits typed in the entry line are text; on the table they switch screens
    term.wait_until(lambda s: "Done" not in s.splitlines()[-1], "the table to take the focus")
    term.send("2")
    term.wait_for("15 of 15 required answered")
    term.send(*["Down"] * CARRIED_ROW_DOWNS)
    term.wait_for("Carried over from the duty log")
    term.send("c")
    term.wait_for("1 of 1 carried-over confirmed")

    term.send("s")
    term.wait_for("Sign as outgoing supervisor")
    term.type("2468")
    term.wait_for("••••")  # masked
    term.send("Enter")
    term.wait_until(lambda s: "outgoing: ✔ wang" in s and "Sign as" not in s, "the outgoing signature")
    term.send("s")
    term.wait_for("Sign as incoming supervisor")
    term.type("1357")
    term.wait_for("••••")  # masked
    term.send("Enter")
    screen = term.wait_until(lambda s: "incoming: ✔ li" in s and "Signatures: valid" in s, "both signatures")
    assert "On duty: 李娜" in screen
    assert "2468" not in screen and "1357" not in screen
    term.send("C-q")
    assert term.wait_for_exit() == 0

    verified = run_cli("--db", str(db), "verify")
    assert verified.returncode == 0 and "1 signed handovers verified: all valid." in verified.stdout
    shift = json.loads(run_cli("--db", str(db), "shift", "current", "--json").stdout)
    assert shift["supervisor"] == "li"
