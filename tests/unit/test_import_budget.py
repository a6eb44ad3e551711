"""What starting costs, checked by what gets imported (deterministic), not by wall-clock time.

`dutydesk --help` and every group's help need typer alone; `log add` needs the storage stack but
not Textual, rich, signing or the PostgreSQL dialect; the TUI's first frame needs the Log screen,
not the other main screens (Markdown, the queue table) nor the PostgreSQL dialect.
"""

import os
import subprocess
import sys

import pytest
from tests.cli_runner import Cli
from tests.conftest import FrozenClock

from dutydesk import clock

STORAGE_AND_UI = ("sqlalchemy", "sqlmodel", "textual", "rich", "cryptography")
NOT_FOR_WRITING = ("textual", "rich", "cryptography", "markdown_it", "sqlalchemy.dialects.postgresql")
NOT_FOR_THE_FIRST_FRAME = (
    "markdown_it",
    "pygments",
    "sqlalchemy.dialects.postgresql",
    "dutydesk.tui.screens.handover",
    "dutydesk.tui.screens.queue",
    "dutydesk.tui.screens.playbooks",
    "dutydesk.tui.screens.followups",
    "dutydesk.export.draft",
    "dutydesk.queue",  # no feed configured: no queue stack
    "dutydesk.domain.handover",  # the status strip, read after the first frame
    "cryptography",
    "dutydesk.notify",  # the notifier's worker, after the first frame
    "dutydesk.tui.screens.dialogs",
    "textual.widgets._text_area",
    "sqlalchemy",  # painted from a page read with sqlite3; the storage stack is imported after it
    "sqlmodel",
    "dutydesk.store.db",
)


def imported_by(code: str, environment: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh interpreter holds after running `code` (its SystemExit ignored)."""
    probe = f"import sys\ntry:\n    {code}\nexcept SystemExit:\n    pass\nprint('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=environment or None
    )
    return set(result.stdout.splitlines())


def run_cli(*argv: str) -> str:
    return f"sys.argv = ['dutydesk', *{list(argv)!r}]; from dutydesk.startup import run; run()"


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(p for p in packages if any(m == p or m.startswith(p + ".") for m in modules))


def test_help_imports_typer_alone() -> None:
    modules = imported_by(run_cli("--help"))
    assert "typer" in modules
    assert loaded(modules, (*STORAGE_AND_UI, "pydantic")) == []


@pytest.mark.parametrize("argv", [["log", "--help"], ["log", "add", "--help"], ["handover", "sign", "--help"]])
def test_a_command_help_imports_neither_storage_nor_ui(argv: list[str]) -> None:
    # pydantic may come: Typer coerces the global options (--db, --lang …) with it on the way to a command.
    modules = imported_by(run_cli(*argv))
    assert loaded(modules, STORAGE_AND_UI) == []


@pytest.mark.sqlite_only("a server database needs the PostgreSQL dialect")
def test_writing_an_entry_imports_neither_the_ui_nor_signing(on_duty: Cli, frozen_clock: FrozenClock) -> None:
    environment = {**os.environ, **clock.environment_for_child(frozen_clock.now)}
    modules = imported_by(run_cli("--db", str(on_duty.db_path), "log", "add", "probe entry"), environment)
    assert on_duty.json("log", "list")[0]["text"] == "probe entry"  # type: ignore[index]
    assert "sqlmodel" in modules
    assert loaded(modules, NOT_FOR_WRITING) == []


def test_the_first_frame_needs_only_the_log_screen() -> None:
    modules = imported_by("import dutydesk.cli, dutydesk.context, dutydesk.tui.app")
    assert "dutydesk.tui.screens.log" in modules
    assert loaded(modules, NOT_FOR_THE_FIRST_FRAME) == []
