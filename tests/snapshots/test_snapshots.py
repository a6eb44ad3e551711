"""The screens and dialogs as a person sees them, in English and Chinese, small and large.

Each picture is an SVG under __snapshots__/ that a test compares with the app as it draws
now. The data, the instant (10:30 in Shanghai), the center's zone and the queue feed are
the test's own (tests/snapshots/conftest.py), so a picture is the same at any hour, in any
zone. After a deliberate change to a screen, update them and look at the difference:
`.venv/bin/python -m pytest tests/snapshots --snapshot-update`.
"""

import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from dutydesk.context import Context
from dutydesk.domain import handover
from dutydesk.queue.runner import open_feed
from dutydesk.tui.app import DutydeskApp, make_app
from dutydesk.tui.screens.export import ExportScreen
from dutydesk.tui.screens.handover import SignDialog
from dutydesk.tui.screens.queue import QueueScreen
from tui.conftest import settle
from waiting import wait_for

from .conftest import AT

SnapCompare = Callable[..., bool]
Steps = Callable[[Pilot[None]], Awaitable[None]]

pytestmark = pytest.mark.sqlite_only("the picture is the same on both backends")

SMALL, LARGE = (80, 24), (120, 40)
SIZE_IDS = {SMALL: "80x24", LARGE: "120x40"}
DEADLINE_S = 60.0
FEED_FILE = "feed.jsonl"  # relative, in the test's own directory: the status line shows the spec

# The last half hour of three queues, one snapshot a minute each (interval counters).
QUEUES = {"inquiry": (6, 48, 14, 12), "complaints": (2, 21, 5, 5), "vip": (0, 0, 2, 2)}


def since(agent: int) -> str:
    return (AT - timedelta(minutes=3 + 7 * agent, seconds=10 * agent)).isoformat()


def snapshot_time(minutes_before: int) -> datetime:
    return AT - timedelta(minutes=minutes_before, seconds=-5)


LAST_SNAPSHOT = snapshot_time(1)  # 10:29:05


def feed_lines() -> str:
    lines = []
    for minute in range(30, 0, -1):
        at = snapshot_time(minute).isoformat()
        for queue, (waiting, longest, offered, answered) in QUEUES.items():
            agent_states = ["on_call", "on_call", "wrap_up", "available", "busy"]
            lines.append(
                {
                    "ts": at,
                    "queue": queue,
                    "waiting": waiting,
                    "longest_wait_s": longest,
                    "offered": offered // 5,
                    "answered": answered // 5,
                    "abandoned": 0,
                    "answered_within_sl": answered // 5,
                    "handle_time_s_total": 240 * (answered // 5),
                    "wait_time_s_total": 15 * (answered // 5),
                    "agents": [
                        {"id": f"{queue[:2]}{n}", "name": f"{queue} {n}", "state": state, "since": since(n)}
                        for n, state in enumerate(agent_states)
                    ],
                }
            )
    return "".join(json.dumps(line) + "\n" for line in lines)


async def shown(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    assert await wait_for(condition, DEADLINE_S), f"never shown: {what}"
    await settle(pilot)


def keys(*pressed: str) -> Steps:
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(*pressed)
        await settle(pilot)

    return run


async def queue_panel(pilot: Pilot[None]) -> None:
    app = pilot.app
    await keys("escape", "3")(pilot)
    monitor = app.queue_feed.runner.monitor
    await shown(pilot, lambda: monitor.view().as_of == LAST_SNAPSHOT, "the whole feed")
    screen = app.screen
    assert isinstance(screen, QueueScreen)
    before = screen.refreshes
    screen.refresh_now()  # from the whole feed, not from whatever the timer last saw
    await shown(pilot, lambda: screen.refreshes > before, "the panel refreshed")


async def export_preview(pilot: Pilot[None]) -> None:
    await keys("escape", "e")(pilot)
    await pilot.press("enter")  # the open shift, highlighted
    await shown(
        pilot, lambda: isinstance(pilot.app.screen, ExportScreen) and pilot.app.screen.text is not None, "the summary"
    )


async def sign_dialog(pilot: Pilot[None]) -> None:
    app = pilot.app
    await keys("escape", "2")(pilot)
    view = handover.latest_handover(app.context.db)
    assert view is not None
    await app.push_screen(SignDialog(view, handover.OUTGOING))
    await settle(pilot)


def snapshot_app(desk: Context, queue: bool) -> DutydeskApp:
    if not queue:
        return make_app(desk)
    Path(FEED_FILE).write_text(feed_lines(), encoding="utf-8")
    return make_app(desk, runner=open_feed(desk.config, f"file:{FEED_FILE}", desk.db))


SCREENS: dict[str, Steps] = {
    "log": keys(),
    "handover": keys("escape", "2"),
    "queue": queue_panel,
    "playbooks": keys("escape", "4"),
    "followups": keys("escape", "5"),
    "export": export_preview,
}

DIALOGS: dict[str, Steps] = {
    "correct": keys("escape", "c"),
    "note": keys("escape", "r"),
    "confirm": keys("d", "r", "a", "f", "t", "ctrl+q"),  # quitting with unsaved text asks first
    "sign": sign_dialog,
    "export_picker": keys("escape", "e"),
}


# Each main screen at both sizes; the summary preview (slow to render) and the dialogs, which
# fit either size alike, once each: the suite stays well under a minute.
SCREEN_CASES = [(screen, size) for screen in SCREENS for size in (SMALL, LARGE) if (screen, size) != ("export", SMALL)]


@pytest.mark.parametrize(("screen", "size"), SCREEN_CASES, ids=[f"{s}-{SIZE_IDS[z]}" for s, z in SCREEN_CASES])
def test_main_screen(screen: str, size: tuple[int, int], desk: Context, snap_compare: SnapCompare) -> None:
    app = snapshot_app(desk, queue=screen == "queue")
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])


@pytest.mark.parametrize("dialog", DIALOGS)
def test_dialog(dialog: str, desk: Context, snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(desk), terminal_size=SMALL, run_before=DIALOGS[dialog])
