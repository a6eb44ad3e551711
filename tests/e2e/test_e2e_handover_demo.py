"""The demo's current shift handed over at the keyboard, from the first key to the incoming signature.

The demo is built 45 minutes before the end of its day shift, so the console has drafted the
handover. The outgoing supervisor confirms each section at once (a, Enter), answers the
floor status from the drafted note, reads back each flagged problem (c), marks the plan
not applicable, and both sign. The keys pressed and the wall time are measured: the
closing note of issue 14 reports them (before: more than 100 keys with 51 carried rows).
"""

import re
import time
from collections.abc import Callable
from pathlib import Path

from e2e.terminal import TmuxTerminal
from e2e.test_e2e_tui import QUICK_ADD_FOOTER, focus_quick_add

DEMO_INSTANT = "2026-11-26T19:15:00+08:00"  # 45 min before the day shift ends at 20:00
DEMO_PIN = "123456"  # sample_data/demo.toml
MAX_KEYS = 40


class CountingTerminal:
    """Sends keys to the terminal and counts each key press (a typed character is one)."""

    def __init__(self, term: TmuxTerminal) -> None:
        self.term, self.presses = term, 0

    def send(self, *keys: str) -> None:
        self.presses += len(keys)
        self.term.send(*keys)

    def type(self, text: str) -> None:
        self.presses += len(text)
        self.term.type(text)


def carried_counts(screen: str) -> tuple[int, int]:
    found = re.search(r"(\d+) of (\d+) carried-over confirmed", screen)
    assert found, screen
    return int(found.group(1)), int(found.group(2))


def test_the_demo_shift_is_handed_over_in_a_few_dozen_keys(
    terminal: Callable[..., TmuxTerminal], dutydesk: Path, app_env: dict[str, str], run_cli: Callable[..., object]
) -> None:
    env = {**app_env, "DUTYDESK_FROZEN_TIME": DEMO_INSTANT}
    term = terminal(120, 45)
    term.start([str(dutydesk), "demo", "--fresh"], env)
    term.wait_for("Duty log", 60)
    keys = CountingTerminal(term)
    started = time.monotonic()

    focus_quick_add(term)
    keys.send("Escape")  # from the entry line to the log table, where number keys switch screens
    term.wait_until(lambda s: QUICK_ADD_FOOTER not in s.splitlines()[-1], "the table to take the focus")
    keys.send("2")
    screen = term.wait_for("0 of 15 required answered")
    assert "Readiness" in screen
    keys.send("a")  # readiness: 7 checks at once, after the summary
    term.wait_for("Answer ok (7):")
    keys.send("Enter")
    term.wait_for("7 of 15 required answered")
    keys.send("o")  # the briefing; the cursor moves on to the floor status
    term.wait_for("8 of 15 required answered")
    keys.send("e")  # the floor status: the drafted note is there, "stable" chosen
    term.wait_for("Draft from the shift at 19:15")
    keys.send("Enter")  # "stable", with the drafted note
    term.wait_for("9 of 15 required answered")
    keys.send("a")  # situation: its items and the follow-ups at once; problems are read back one by one
    term.wait_for("Read back one by one afterwards")
    keys.send("Enter")
    screen = term.wait_for("13 of 15 required answered")
    confirmed, carried = carried_counts(screen)
    assert 0 < confirmed < carried  # the follow-ups are confirmed; the problems wait for their read-back
    for done in range(confirmed + 1, carried + 1):  # the cursor is on the first problem already
        keys.send("c")  # read it back, and on to the next
        term.wait_for(f"{done} of {carried} carried-over confirmed")
    keys.send("x", "x")  # the action list and the contingencies: nothing to add
    term.wait_for("14 of 15 required answered")
    keys.send("o")  # the duty log read
    term.wait_for(f"15 of 15 required answered · {carried} of {carried} carried-over confirmed")

    keys.send("s")
    term.wait_for("Sign as outgoing supervisor")
    keys.type(DEMO_PIN)
    keys.send("Enter")
    term.wait_until(lambda s: "outgoing: ✔" in s and "Sign as" not in s, "the outgoing signature")
    keys.send("s")
    term.wait_for("Sign as incoming supervisor")
    keys.type(DEMO_PIN)  # typed on the list: the first supervisor listed signs
    keys.send("Enter")
    term.wait_until(lambda s: "incoming: ✔" in s and "Signatures: valid" in s, "both signatures", 30)
    elapsed = time.monotonic() - started
    print(f"\nhandover of the demo shift: {keys.presses} key presses, {elapsed:.1f} s wall time")
    assert keys.presses <= MAX_KEYS
    term.send("C-q")
    assert term.wait_for_exit() == 0
