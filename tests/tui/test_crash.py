"""An error nobody handled: a crash report in the user's log directory, a non-zero exit."""

from pathlib import Path

import pytest

from dutydesk.domain.shifts import ShiftInfo
from dutydesk.paths import crash_report_dir
from dutydesk.tui.app import DutydeskApp

from .conftest import settle


class Boom(Exception):
    pass


async def test_an_unexpected_error_writes_a_crash_report_and_exits_non_zero(
    app: DutydeskApp, shift: ShiftInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))  # the log dir lives under it

    def explode() -> None:
        raise Boom("a bug, not a user error")

    with pytest.raises(Boom):
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.call_later(explode)
            await pilot.pause()
    assert app.return_code == 1
    assert app.crash_report is not None and app.crash_report.parent == crash_report_dir()
    assert crash_report_dir().is_relative_to(tmp_path)
    report = app.crash_report.read_text(encoding="utf-8")
    assert "Boom: a bug, not a user error" in report and "Traceback" in report
