"""The live queue panel under load: 50 queues, 500 agents, 1 snapshot per second per queue.

    python -m benchmarks.queue_panel [--seconds 60] [--pairs 3] [--queues 50]
                                     [--agents-per-queue 10] [--output FILE]

The real app (`make_app`, headless `run_test` at 120×40: layout and rendering happen, only
the terminal writes do not) on a throw-away database with an open shift, showing the Queue
screen, in two kinds of run:

- live: fed by the simulator at real-time pace (`--feed sim`, one step per second, every
  queue a snapshot with its agents). The simulator's 30-minute warm-up is let in first
  (untimed), so the spans are full. The clock starts at the simulator profile's busiest hour
  (`busy_hour`), so the traffic is the same whenever the benchmark runs;
- silent (the baseline): the same screen and table of `--queues` rows on a file feed that
  delivered one snapshot per queue and then nothing.

The kinds alternate (live, silent, live, silent, … `--pairs` of them), each run measured for
`--seconds` / `--pairs` with a Down or Up key every second moving the queue table's cursor:

- CPU: process CPU time (every thread: feed, refresh worker, UI) as % of one core;
- key press to frame: from sending the key until the cursor has moved and the app is idle
  again (p50, p95, max), i.e. the delay a supervisor feels while the panel refreshes;
- peak RSS of the process (`getrusage`, so the whole process's, live runs included).

A pair's ratios (live over silent, p95 and CPU) are of two runs made one after the other.

The process starts as the `dutydesk` console script does (`dutydesk.startup.run`): without
garbage collection until the app's first frame, when everything start-up built is frozen
(`startup.resume`), so later collections walk only what the panel makes, as in the real
program. Started with the collector on, each full collection walked ~110,000 more objects.
"""

import argparse
import asyncio
import gc
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

KEY_EVERY_S = 1.0  # a key a second, as issue 18 measures the panel
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
    from dutydesk.tui.screens.queue import QueueScreen

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
            await pilot.press("escape", "3")  # the Log screen's entry line has the focus
            assert isinstance(app.screen, QueueScreen), app.screen
            monitor = app.queue_feed.runner.monitor
            while monitor.snapshots < warm_up:
                await asyncio.sleep(0.1)
            await pilot.pause(2)
            table = app.screen.query_one("#queue-table", DataTable)
            snapshots_before = monitor.snapshots
            cpu_before, wall_before = time.process_time(), time.monotonic()
            delays: list[float] = []
            key = "down"
            while time.monotonic() - wall_before < seconds:
                row = table.cursor_row
                key = "down" if row == 0 else "up" if row >= table.row_count - 1 else key
                started = time.perf_counter()
                await pilot.press(key)
                while table.cursor_row == row:
                    await asyncio.sleep(0.001)
                await pilot.pause()
                delays.append(time.perf_counter() - started)
                await asyncio.sleep(max(0.0, KEY_EVERY_S - (time.perf_counter() - started)))
            wall, cpu = time.monotonic() - wall_before, time.process_time() - cpu_before
            delivered = monitor.snapshots - snapshots_before
        context.db.close()
    return {
        "seconds": round(wall, 1),
        "snapshots_per_s": round(delivered / wall, 1),
        "cpu_percent": round(cpu / wall * 100, 2),
        "key_presses": len(delays),
        "key_to_update_p50_ms": round(statistics.median(delays) * 1000, 1),
        "key_to_update_p95_ms": round(percentile(delays, 95) * 1000, 1),
        "key_to_update_max_ms": round(max(delays) * 1000, 1),
        "key_to_update_s": [round(delay, 6) for delay in delays],  # every press, for the suite
    }


def percentile(values: list[float], share: int) -> float:
    """The nearest-rank percentile, as benchmarks.measure.Sample computes it."""
    ordered = sorted(values)
    return ordered[max(0, -(-share * len(ordered) // 100) - 1)]


def measure(seconds: float, pairs: int, queues: int, agents_per_queue: int) -> dict[str, Any]:
    """Live and silent runs in turn, `seconds` / `pairs` each."""
    each = seconds / pairs
    runs = []
    for number in range(1, pairs + 1):
        print(f"  pair {number}/{pairs}: live, then silent ({each:g} s each) ...", file=sys.stderr, flush=True)
        live = asyncio.run(_run(each, queues, agents_per_queue))
        silent = asyncio.run(_run(each, queues, agents_per_queue, idle=True))
        runs.append({"live": live, "silent": silent})
    return {
        "queues": queues,
        "agents": queues * agents_per_queue,
        "key_every_s": KEY_EVERY_S,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "pairs": runs,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.queue_panel", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="measured wall time of each kind (60)")
    parser.add_argument("--pairs", type=int, default=3, help="live/silent pairs the time is split over (3)")
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--agents-per-queue", type=int, default=10)
    parser.add_argument("--output", type=Path, default=RESULTS / "queue_panel.json")
    args = parser.parse_args(argv)
    gc.disable()  # as dutydesk.startup.run: the first app's first frame freezes start-up and collects again
    print(
        f"queue panel: {args.queues} queues, {args.queues * args.agents_per_queue} agents, "
        f"{args.seconds:g} s live and {args.seconds:g} s silent in {args.pairs} alternating pairs ...",
        file=sys.stderr,
        flush=True,
    )
    result = measure(args.seconds, args.pairs, args.queues, args.agents_per_queue)
    print(f"{'':>24}  " + "  ".join(f"{kind} {n:<5}" for n in range(1, args.pairs + 1) for kind in ("live", "silent")))
    for name, value in result["pairs"][0]["live"].items():
        if not isinstance(value, list):
            cells = [f"{pair[kind][name]!s:>11}" for pair in result["pairs"] for kind in ("live", "silent")]
            print(f"{name:>24}  " + "  ".join(cells))
    print(f"peak RSS {result['peak_rss_mib']} MiB")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"\nsaved {args.output}")


if __name__ == "__main__":
    main()
