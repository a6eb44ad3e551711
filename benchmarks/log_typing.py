"""Typing on the Log screen: key-to-screen delay with and without the queue feed, and how much
database time the UI thread spends per entry added.

    python -m benchmarks.log_typing [--keys 200] [--entries 50] [--output FILE]

The real app (`make_app`, headless `run_test` at 120×40) on a throw-away database with an
open shift, the entry line focused:

- key to screen: each of `--keys` characters is pressed with the pilot; the figure is the
  time from pressing it until the entry line holds it and the app is idle (p50, p95), once
  with no feed and once with the simulator feed running (`--feed sim`);
- UI-thread database time: `--entries` entries are typed with no pause between keys; every
  statement SQLAlchemy runs is timed (`before/after_cursor_execute`) and summed by thread:
  the UI thread's share per entry added (the target is none) beside the workers'.
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

MISSED_AFTER_S = 5.0  # a key not shown by then counts as this slow (and the run goes on)


def _context(scratch: Path):  # type: ignore[no-untyped-def]
    from dutydesk.context import open_context
    from dutydesk.domain import shifts, supervisors

    context = open_context(scratch / "typing-bench.db", None, "en")
    supervisors.add_supervisor(context.db, "bench", "Bench", "2468")
    shifts.open_shift(context.db, context.config, "bench")
    return context


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))]


async def _key_delays(scratch: Path, keys: int, feed: str | None) -> dict[str, float]:
    from textual.widgets import Input

    from dutydesk.tui.app import make_app

    app = make_app(_context(scratch), feed)
    delays: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(2.0 if feed else 0.2)  # the feed's first snapshots and refreshes
        field = app.screen.query_one("#quick-add", Input)
        for number in range(keys):
            character = "abcdefghij"[number % 10]
            start = time.perf_counter()
            await pilot.press(character)
            while not field.value.endswith(character) and time.perf_counter() - start < MISSED_AFTER_S:
                await asyncio.sleep(0)
            delays.append(time.perf_counter() - start)
            if len(field.value) > 60:
                field.value = ""
    return {
        "p50_ms": statistics.median(delays) * 1000,
        "p95_ms": _percentile(delays, 0.95) * 1000,
        "keys": float(len(delays)),
    }


async def _ui_thread_db_time(scratch: Path, entries: int) -> dict[str, float]:
    from sqlalchemy import event
    from textual import events
    from textual.keys import _character_to_key

    from dutydesk.domain import log
    from dutydesk.tui.app import make_app

    context = _context(scratch)
    spent: dict[str, float] = {"ui": 0.0, "other": 0.0}
    started: dict[int, float] = {}

    def before(*_args: Any) -> None:
        started[threading.get_ident()] = time.perf_counter()

    def after(*_args: Any) -> None:
        took = time.perf_counter() - started.pop(threading.get_ident(), time.perf_counter())
        spent["ui" if threading.current_thread() is threading.main_thread() else "other"] += took

    event.listen(context.db.engine, "before_cursor_execute", before)
    event.listen(context.db.engine, "after_cursor_execute", after)
    app = make_app(context)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        spent["ui"] = spent["other"] = 0.0  # what follows is the typing only
        for number in range(entries):
            for character in f"entry {number}":
                app.post_message(events.Key(_character_to_key(character), character))
            app.post_message(events.Key("enter", "\r"))
        while getattr(app.screen, "total", 0) < entries:  # the rows on screen: no database call here
            await pilot.pause(0.05)
        await pilot.pause(1.0)
    return {
        "entries": float(log.count_entries(context.db)),
        "ui_thread_ms_per_entry": spent["ui"] * 1000 / entries,
        "worker_ms_per_entry": spent["other"] * 1000 / entries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--output", type=Path)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        with tempfile.TemporaryDirectory() as third:
            results = {
                "key_to_screen_no_feed": asyncio.run(_key_delays(Path(first), options.keys, None)),
                "key_to_screen_sim_feed": asyncio.run(_key_delays(Path(second), options.keys, "sim")),
                "db_time_while_typing": asyncio.run(_ui_thread_db_time(Path(third), options.entries)),
            }
    text = json.dumps(results, indent=2)
    if options.output:
        options.output.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
