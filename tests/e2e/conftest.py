"""End-to-end fixtures: the installed `dutydesk` in a real tmux terminal, in a throw-away home."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import instant_of
from dutydesk import clock
from e2e.terminal import TMUX, TmuxTerminal, child_env

DUTYDESK = Path(sys.executable).parent / "dutydesk"

NO_TMUX = "tmux is not installed: the end-to-end tests need it (apt-get install tmux)"


@pytest.fixture
def dutydesk() -> Path:
    if TMUX is None:
        pytest.skip(NO_TMUX)
    if not DUTYDESK.exists():
        pytest.fail(f"the dutydesk console script is not installed beside {sys.executable}")
    return DUTYDESK


@pytest.fixture(autouse=True)
def instant_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Here the clock starts at the test's instant and runs on: each child process is
    started at the time it is started (`child_env`), so the CLI commands and the app that a
    test runs one after another agree on the order of what they record."""
    at = instant_of(request)
    if at is not None:
        clock.freeze(at, ticking=True)
    yield
    clock.unfreeze()


@pytest.fixture
def app_env(tmp_path: Path) -> dict[str, str]:
    """The whole environment the app runs with: nothing of the real user's."""
    home = tmp_path / "home"
    env = {
        "HOME": str(home),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "PATH": f"{DUTYDESK.parent}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
    }
    for variable in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        Path(env[variable]).mkdir(parents=True, exist_ok=True)
    return env


@pytest.fixture
def demo_db_path(app_env: dict[str, str]) -> Path:
    """Where `dutydesk demo` keeps its database (platformdirs' user cache dir)."""
    return Path(app_env["XDG_CACHE_HOME"]) / "dutydesk" / "demo.db"


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[..., TmuxTerminal]]:
    """A factory: `terminal(width=120, height=40)`; every terminal is killed afterwards."""
    if TMUX is None:
        pytest.skip(NO_TMUX)
    made: list[TmuxTerminal] = []

    def make(width: int = 120, height: int = 40) -> TmuxTerminal:
        term = TmuxTerminal(tmp_path, width, height)
        made.append(term)
        return term

    yield make
    for term in made:
        term.close()


@pytest.fixture
def run_cli(dutydesk: Path, app_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(dutydesk), *args], env=child_env(app_env), input=stdin, capture_output=True, text=True, timeout=120
        )

    return run
