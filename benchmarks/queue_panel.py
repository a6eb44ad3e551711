"""The live queue panel under load: 50 queues, 500 agents, 1 snapshot per second per queue.

    python -m benchmarks.queue_panel [--seconds 60] [--queues 50] [--agents-per-queue 10]
                                     [--output FILE]

The real app (`make_app`, headless `run_test` at 120×40: layout and rendering happen, only
the terminal writes do not) on a throw-away database with an open shift, fed by the
simulator at real-time pace (`--feed sim`, one step per second, every queue a snapshot
with its agents), showing the Queue screen. The simulator's 30-minute warm-up is let in
first (untimed), so the spans are full. The clock starts at the simulator profile's busiest
hour (`busy_hour`), so the traffic is the same whenever the benchmark runs. Then for `--seconds`:

- CPU: process CPU time (every thread: feed, refresh worker, UI) per minute of wall time,
  over the first half with no key pressed (the panel's own cost), and over the second half;
- peak RSS of the process (`getrusage`);
- key press to update (second half): every 0.25 s a Down or Up key moves the queue table's cursor; the
  figure is the time from sending the key until the cursor has moved and the app is idle
  again (p50, p95, max), i.e. the delay a supervisor feels while the panel refreshes.

Baseline, in the same run: the same screen and table of `--queues` rows on a file feed that
delivered one snapshot per queue and then nothing (up to 30 s): the key-press delay of an
idle panel under the test pilot, so the difference is what the live feed costs. (Peak RSS
is the process's, so the baseline's repeats the live run's peak.)
"""

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from benchmarks.run import RESULTS
from dutydesk import clock
from dutydesk.config import Config

KEY_EVERY_S = 0.25
BENCH_DAY = date(2026, 11, 26)  # a Thursday


def busy_hour(config: Config) -> datetime:
    """The start of the simulator profile's busiest hour: the panel is measured at the
    same traffic whatever the hour the benchmark runs at."""
    profile = config.queue.simulator.profile
    hour = max(range(24), key=profile.__getitem__)
    return datetime.combine(BENCH_DAY, datetime.min.time().replace(hour=hour), tzinfo=config.zone)


def _context(scratch: Path, queues: int, agents_per_queue: int):  # type: ignore[no-untyped-def]
    from dutydesk.context import open_context
    from dutydesk.domain import shifts, supervisors

    context = open_context(scratch / "queue-bench.db", None, "en")
    simulator = context.config.queue.simulator.model_copy(
        update={
            "queues": [f"queue-{number:02d}" for number in range(1, queues + 1)],
            "agents_per_queue": agents_per_queue,
        }
    )
    queue = context.config.queue.model_copy(update={"simulator": simulator})
    context.config = context.config.model_copy(update={"queue": queue})
    clock.freeze(busy_hour(context.config), ticking=True)  # the simulator's traffic follows the hour
    supervisors.add_supervisor(context.db, "bench", "Bench", "246810")
    shifts.open_shift(context.db, context.config, "bench")
    return context


def _still_feed(path: Path, queues: int) -> str:
    """A file feed with one snapshot per queue and nothing after: the same table, idle."""
    lines = [
        json.dumps(
            {
                "ts": "2026-11-26T10:00:00+08:00",
                "queue": f"queue-{number:02d}",
                "waiting": 1,
                "longest_wait_s": 5,
                "offered": 1,
                "answered": 1,
                "abandoned": 0,
                "answered_within_sl": 1,
                "handle_time_s_total": 200,
                "wait_time_s_total": 5,
            }
        )
        for number in range(1, queues + 1)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"file:{path}"


async def _run(seconds: float, queues: int, agents_per_queue: int, *, idle: bool = False) -> dict[str, Any]:
    from textual.widgets import DataTable

    from dutydesk.tui.app import make_app

    with tempfile.TemporaryDirectory(prefix="dutydesk-queue-bench-") as scratch:
        context = _context(Path(scratch), queues, agents_per_queue)
        feed = _still_feed(Path(scratch) / "still.jsonl", queues) if idle else "sim:seed=7"
        app = make_app(context, feed=feed)
        warm_up = (
            queues
            if idle
            else (round(context.config.queue.simulator.warm_up_min * 60 / context.config.queue.refresh_s) * queues)
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("3")
            monitor = app.queue_feed.runner.monitor
            while monitor.snapshots < warm_up:
                await asyncio.sleep(0.1)
            await pilot.pause(2)
            table = app.screen.query_one("#queue-table", DataTable)
            # First half: nobody touches the keyboard (what the panel itself costs).
            snapshots_before = monitor.snapshots
            cpu_before, wall_before = time.process_time(), time.monotonic()
            await asyncio.sleep(seconds / 2)
            quiet_wall, quiet_cpu = time.monotonic() - wall_before, time.process_time() - cpu_before
            delivered = monitor.snapshots - snapshots_before
            # Second half: a key press every 0.25 s.
            cpu_before, wall_before = time.process_time(), time.monotonic()
            delays: list[float] = []
            key = "down"
            while time.monotonic() - wall_before < seconds / 2:
                row = table.cursor_row
                key = "down" if row == 0 else "up" if row >= table.row_count - 1 else key
                started = time.perf_counter()
                await pilot.press(key)
                while table.cursor_row == row:
                    await asyncio.sleep(0.001)
                await pilot.pause()
                delays.append(time.perf_counter() - started)
                await asyncio.sleep(KEY_EVERY_S)
            keys_wall, keys_cpu = time.monotonic() - wall_before, time.process_time() - cpu_before
        context.db.close()
    ordered = sorted(delays)
    return {
        "seconds": round(quiet_wall + keys_wall, 1),
        "queues": queues,
        "agents": queues * agents_per_queue,
        "snapshots_per_s": round(delivered / quiet_wall, 1),
        "cpu_s_per_min": round(quiet_cpu / quiet_wall * 60, 2),
        "cpu_s_per_min_with_keys": round(keys_cpu / keys_wall * 60, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "key_presses": len(delays),
        "key_to_update_p50_ms": round(statistics.median(delays) * 1000, 1),
        "key_to_update_p95_ms": round(ordered[max(0, -(-95 * len(ordered) // 100) - 1)] * 1000, 1),
        "key_to_update_max_ms": round(ordered[-1] * 1000, 1),
        "key_to_update_s": [round(delay, 6) for delay in delays],  # every press, for the suite
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.queue_panel", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="measured wall time (60)")
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--agents-per-queue", type=int, default=10)
    parser.add_argument("--output", type=Path, default=RESULTS / "queue_panel.json")
    args = parser.parse_args(argv)
    print(
        f"queue panel: {args.queues} queues, {args.queues * args.agents_per_queue} agents, "
        f"{args.seconds:g} s; then the baseline (the same table, no feed) ...",
        file=sys.stderr,
        flush=True,
    )
    live = asyncio.run(_run(args.seconds, args.queues, args.agents_per_queue))
    idle = asyncio.run(_run(min(args.seconds, 30), args.queues, args.agents_per_queue, idle=True))
    result = {"live": live, "baseline_idle_feed": idle}
    print(f"{'':>24}  {'live':>10}  {'idle':>10}")
    for name, value in live.items():
        if isinstance(value, list):
            continue
        print(f"{name:>24}  {value!s:>10}  {idle[name]!s:>10}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"\nsaved {args.output}")


if __name__ == "__main__":
    main()
