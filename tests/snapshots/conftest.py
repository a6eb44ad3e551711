"""Snapshot fixtures: one center, one shift, one instant, whatever instant, zone or backend
the suite runs with, so that a picture changes only when the screen does.

Update the pictures after a deliberate change with
`.venv/bin/python -m pytest tests/snapshots --snapshot-update` and look at the SVGs.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import TEST_PIN
from dutydesk import clock, i18n
from dutydesk.context import Context, open_context
from dutydesk.domain import followups, handover, log, shifts, supervisors
from dutydesk.domain.shifts import ShiftInfo
from tui.conftest import steady_cursors  # noqa: F401 - autouse: no cursor blinks into a picture

INCOMING_PIN = "135790"
SHIFT_START = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai: the day shift
AT = SHIFT_START + timedelta(hours=2, minutes=30)  # every picture is taken at 10:30 center time

CONFIG = """\
[center]
name = { en = "Hangzhou Service Center", zh = "杭州客服中心" }
timezone = "Asia/Shanghai"
team = "A"

[export]
dir = "/srv/dutydesk/exports"
"""

# (minutes into the shift, text, category, severity)
ENTRIES = [
    (2, "Shift opened: 42 agents signed in, 3 on leave (李娜 covers team B)", "staffing", "info"),
    (17, "CRM 登录缓慢，已报 IT (ticket INC-20931)", "system_status", "warning"),
    (41, "VIP caller 张先生 asked for a supervisor callback before 12:00", "customer_issue", "info"),
    (63, "Inquiry queue above 8 waiting for 5 min: 2 agents moved from chat", "event", "warning"),
    (88, "CRM back to normal response times", "system_status", "info"),
    (126, "坐席 0317 报告耳机故障，已更换", "event", "info"),
]

FOLLOW_UPS = [
    # (title, kind, priority, due after the shift start)
    ("Call back 张先生 about the refund", "ticket", "high", timedelta(hours=4)),
    ("Billing complaint: double charge in October", "complaint", "urgent", timedelta(hours=2)),
    ("Check the IVR message for the holiday hours", "action", "normal", timedelta(hours=30)),
]


@pytest.fixture(params=["en", "zh"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param
    i18n.set_language("en")


@pytest.fixture
def desk(
    database_target: str | Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen_clock: object, language: str
) -> Iterator[Context]:
    """The center's own config and a morning's work on the day shift, at 10:30 center time.

    The test runs in its own directory, where paths shown on screen (the user's playbook
    folder, the feed file) are the same every run."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/home/supervisor/.config")  # shown as is; nothing there is read
    monkeypatch.delenv("NO_COLOR", raising=False)  # Textual would draw every picture in grey
    config_path = tmp_path / "config.toml"
    config_path.write_text(CONFIG, encoding="utf-8")
    context = open_context(database_target, config_path, language)
    seed(context)
    clock.freeze(AT)
    yield context
    context.db.close()


def seed(context: Context) -> ShiftInfo:
    db, config = context.db, context.config
    clock.freeze(SHIFT_START - timedelta(days=1))
    supervisors.add_supervisor(db, "wang", "王伟", TEST_PIN)
    supervisors.add_supervisor(db, "li", "李娜", INCOMING_PIN)
    clock.freeze(SHIFT_START)
    shift = shifts.open_shift(db, config, "wang")
    for minutes, text, category, severity in ENTRIES:
        clock.freeze(SHIFT_START + timedelta(minutes=minutes))
        log.add_entry(db, config, shift, text, category=category, severity=severity)
    for title, kind, priority, due_after in FOLLOW_UPS:
        followups.add_followup(db, config, title, kind, priority=priority, owner="wang", due=SHIFT_START + due_after)
    clock.freeze(AT - timedelta(minutes=10))
    started = handover.start_handover(db, config)
    for item in started.items[:4]:
        status = "stable" if item.kind == "floor_status" else "ok"
        handover.answer_item(db, started.id, item.key, status, note="checked at 10:20")
    return shift
