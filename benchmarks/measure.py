"""Timing helpers: repeated runs with a warm-up, summary statistics, processes in a pty."""

import fcntl
import json
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Sample:
    """Seconds measured for one figure, over several runs."""

    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @property
    def p95(self) -> float:
        """Nearest-rank 95th percentile."""
        ordered = sorted(self.values)
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]

    def summary(self) -> dict[str, Any]:
        return {
            "median_s": self.median,
            "min_s": self.low,
            "max_s": self.high,
            "p95_s": self.p95,
            "n": len(self.values),
        }


def timed(action: Callable[[], object]) -> float:
    """The seconds `action()` takes, in this process."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def cpu_per_call(action: Callable[[], object], repetitions: int) -> float:
    """This thread's CPU seconds per call of `action`, over `repetitions` calls in a row.

    For work of microseconds (a search for a word in no entry): one call alone is shorter than
    a scheduler's time slice, so on a shared machine a wall-clock sample of it often measures
    the other processes instead. The thread's CPU time counts its own work only (SQLite's
    included: it runs in the calling thread), and a batch spreads the interpreter's own
    pauses (a garbage collection) over the calls that caused them.
    """
    started = time.thread_time()
    for _index in range(repetitions):
        action()
    return (time.thread_time() - started) / repetitions


def batch_lasting(action: Callable[[], object], seconds: float) -> tuple[int, float]:
    """How many calls of `action` in a row take at least `seconds` of this thread's CPU time
    (doubling from one call, which is also a warm-up), and their CPU seconds per call."""
    repetitions = 1
    per_call = cpu_per_call(action, repetitions)
    while per_call * repetitions < seconds:
        repetitions *= 2
        per_call = cpu_per_call(action, repetitions)
    return repetitions, per_call


def repeat(action: Callable[[], float], runs: int, warmup: int = 1) -> Sample:
    """`action` returns the seconds it measured; the warm-up runs are thrown away."""
    for _index in range(warmup):
        action()
    return Sample([action() for _index in range(runs)])


def alternate(actions: Mapping[str, Callable[[], float]], runs: int, warmup: int = 1) -> dict[str, Sample]:
    """Each action in turn, round after round (A B C A B C …), so that a change in the
    machine's load falls on every figure alike and value i of each sample is one pair (or
    triple) measured side by side. The warm-up rounds are thrown away."""
    for _index in range(warmup):
        for action in actions.values():
            action()
    samples = {key: Sample() for key in actions}
    for _index in range(runs):
        for key, action in actions.items():
            samples[key].values.append(action())
    return samples


def time_command(argv: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> float:
    """Wall time from starting the process to its exit; it must succeed."""
    started = time.perf_counter()
    result = subprocess.run(list(argv), env=dict(env), cwd=cwd, capture_output=True, timeout=120)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr.decode(errors='replace')}")
    return elapsed


def python_import_time(module: str, env: Mapping[str, str]) -> float:
    """Seconds a fresh interpreter spends importing `module` (measured inside it)."""
    code = f"import time; started = time.perf_counter(); import {module}; print(time.perf_counter() - started)"
    result = subprocess.run(
        [sys.executable, "-c", code], env=dict(env), capture_output=True, text=True, check=True, timeout=120
    )
    return float(result.stdout.strip())


def run_in_pty(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    width: int = 120,
    height: int = 40,
    timeout: float = 60,
) -> dict[str, float]:
    """Run a start-up driver in a `width` x `height` pseudo-terminal.

    Returns the seconds from starting the process to each moment the driver reported (it
    writes a JSON object of `time.monotonic()` values to $BENCH_READY_FILE), and to its exit
    (`exit`). Everything it writes to the terminal is read and thrown away, as a terminal would.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
    with tempfile.NamedTemporaryFile("r", suffix=".ready", delete=False) as ready_file:
        ready_path = Path(ready_file.name)
    try:
        full_env = {**env, "BENCH_READY_FILE": str(ready_path)}
        started = time.monotonic()
        process = subprocess.Popen(
            list(argv),
            env=full_env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        output = bytearray()
        deadline = started + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                process.kill()
                raise RuntimeError(f"{' '.join(argv)} did not finish in {timeout} s")
            readable, _w, _x = select.select([master], [], [], min(remaining, 0.5))
            if readable:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the terminal's other side is closed
                    break
                if not chunk:
                    break
                output.extend(chunk[-4096:])
                del output[:-8192]
            elif process.poll() is not None:
                break
        status = process.wait(timeout=max(1.0, deadline - time.monotonic()))
        exited = time.monotonic()
        ready_text = ready_path.read_text().strip()
        if status != 0 or not ready_text:
            tail = output.decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(argv)} failed (status {status}); its last output:\n{tail}")
        moments: dict[str, float] = json.loads(ready_text)
        return {name: moment - started for name, moment in moments.items()} | {"exit": exited - started}
    finally:
        os.close(master)
        ready_path.unlink(missing_ok=True)
