"""A real terminal for end-to-end tests: a program running in a private tmux server.

Each `TmuxTerminal` has its own tmux server (`tmux -L <unique socket>`) with no user
configuration, no status line and no escape delay, so the program gets the whole
`width` x `height` screen and keys arrive as typed. The program runs with exactly the
environment given (`env -i`), nothing inherited from the test runner, and starts at the
test's clock. Reading is by
polling `capture-pane` up to a deadline; a failed wait shows the screen it last saw.
"""

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from dutydesk import clock

TMUX = shutil.which("tmux")
POLL_INTERVAL_S = 0.05
# Generous: a wait ends as soon as its condition holds, and a loaded 2-core machine can
# stall the app for many seconds (the suite passes with two busy loops running beside it).
DEFAULT_TIMEOUT_S = 60.0

TMUX_CONFIG = """\
set -g status off
set -s escape-time 0
set -g remain-on-exit on  # the last screen stays readable after the program ends
set -g default-terminal "xterm-256color"
set -g history-limit 5000
"""


def child_env(env: Mapping[str, str]) -> dict[str, str]:
    """`env` with the clock of a dutydesk started now (the test's clock): the demo's shifts,
    the simulator's hour and the dates shown do not depend on when the suite runs, and
    programs started one after another agree on the order of what they record."""
    return {**clock.environment_for_child(clock.utcnow()), **env}  # a test's own instant wins


class TerminalTimeout(AssertionError):
    pass


class TmuxTerminal:
    def __init__(self, workdir: Path, width: int = 120, height: int = 40) -> None:
        if TMUX is None:
            raise RuntimeError("tmux is not installed")
        self.width, self.height = width, height
        self.socket = f"dutydesk-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.config_file = workdir / f"{self.socket}.tmux.conf"
        self.config_file.write_text(TMUX_CONFIG)
        self.status_file = workdir / f"{self.socket}.status"
        self.started = False

    # --- tmux plumbing ------------------------------------------------------------------

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        assert TMUX is not None
        return subprocess.run(
            [TMUX, "-u", "-L", self.socket, "-f", str(self.config_file), *args],
            capture_output=True,
            text=True,
            check=check,
            timeout=10,
            # The tmux server itself needs a UTF-8 locale to keep wide (CJK) cells intact.
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "LANG": "C.UTF-8",
                "TERM": "xterm-256color",
                "HOME": os.environ.get("HOME", "/tmp"),
            },
        )

    def start(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> None:
        """Run `argv` with exactly `env` (and the test's clock) in a fresh `width` x `height` terminal."""
        self.status_file.unlink(missing_ok=True)
        command = [
            "/bin/sh",
            "-c",
            'status_file=$1; shift; "$@"; echo $? > "$status_file"',
            "sh",
            str(self.status_file),
            "env",
            "-i",
            *(f"{key}={value}" for key, value in child_env(env).items()),
            *argv,
        ]
        args = ["new-session", "-d", "-s", "main", "-x", str(self.width), "-y", str(self.height)]
        if cwd is not None:
            args += ["-c", str(cwd)]
        self.tmux(*args, "--", *command)
        self.started = True

    def close(self) -> None:
        if self.started:
            self.tmux("kill-server", check=False)
            self.started = False
        self.config_file.unlink(missing_ok=True)
        self.status_file.unlink(missing_ok=True)

    def __enter__(self) -> "TmuxTerminal":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- driving ------------------------------------------------------------------------

    def send(self, *keys: str) -> None:
        """tmux key names: 'Enter', 'Escape', 'C-q', 'Tab', '3', ..."""
        self.tmux("send-keys", "-t", "main", *keys)

    def type(self, text: str) -> None:
        """Literal text, sent as typed characters (no key-name lookup)."""
        self.tmux("send-keys", "-t", "main", "-l", text)

    # --- reading ------------------------------------------------------------------------

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "main").stdout

    def lines(self) -> list[str]:
        return self.screen().splitlines()

    def exited(self) -> int | None:
        """The program's exit status once it has ended (128+N: killed by signal N), else None.

        Read from the file the wrapping shell writes: tmux's own `pane_dead_status` is not
        reliably filled in (tmux 3.3a leaves it empty at times).
        """
        try:
            text = self.status_file.read_text().strip()
        except FileNotFoundError:
            return None
        return int(text) if text.lstrip("-").isdigit() else None

    def wait_until(self, condition: Callable[[str], bool], what: str, timeout: float = DEFAULT_TIMEOUT_S) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.monotonic() > deadline:
                status = self.exited()
                ended = f" (the program exited with status {status})" if status is not None else ""
                raise TerminalTimeout(
                    f"after {timeout:.0f} s still waiting for {what}{ended}; the screen:\n"
                    + "\n".join(f"|{line}" for line in screen.splitlines())
                )
            time.sleep(POLL_INTERVAL_S)

    def wait_for(self, text: str, timeout: float = DEFAULT_TIMEOUT_S) -> str:
        return self.wait_until(lambda screen: text in screen, repr(text), timeout)

    def wait_for_absence(self, text: str, timeout: float = DEFAULT_TIMEOUT_S) -> str:
        return self.wait_until(lambda screen: text not in screen, f"{text!r} to go away", timeout)

    def wait_for_exit(self, timeout: float = DEFAULT_TIMEOUT_S) -> int:
        deadline = time.monotonic() + timeout
        while (status := self.exited()) is None:
            if time.monotonic() > deadline:
                raise TerminalTimeout(f"the program did not exit within {timeout:.0f} s; the screen:\n{self.screen()}")
            time.sleep(POLL_INTERVAL_S)
        return status
