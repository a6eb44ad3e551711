"""Feed sources behind one interface: an async iterator of snapshots plus its warnings.

    sim[:seed=N,speed=X,scenario=surge]   the simulator, paced in real time (× speed)
    file:PATH                             follows a JSONL/CSV file like `tail -f`
    asterisk:PATH                         follows Asterisk's queue_log (dutydesk.queue.asterisk)
    http://URL, https://URL               polls an endpoint (one snapshot or a list)

Bad input never raises out of a source: it is skipped and counted in `warnings`.
"""

import asyncio
import json
import os
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Protocol
from zoneinfo import ZoneInfo

from dutydesk import clock
from dutydesk.config import QueueSettings
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.queue.asterisk import QueueLogReader
from dutydesk.queue.feed_model import Rejection
from dutydesk.queue.model import Snapshot
from dutydesk.queue.parse import FeedParser, FeedWarnings, LineParser, LineSplitter
from dutydesk.queue.sim import SCENARIOS, Simulator

READ_CHUNK = 1 << 16


class FeedSource(Protocol):
    spec: str
    interval_s: float  # how often it should deliver; twice this without data means stale
    warnings: FeedWarnings

    def __aiter__(self) -> AsyncIterator[Snapshot]: ...


class SimSource:
    """The simulator, paced: first `warm_up_steps` at once (so the panel opens on figures,
    not on zeros), then one step per `interval_s / speed` seconds."""

    def __init__(
        self, simulator: Simulator, interval_s: float, speed: float, spec: str = "sim", warm_up_steps: int = 0
    ) -> None:
        self.simulator, self.speed, self.spec = simulator, speed, spec
        self.interval_s = interval_s / speed
        self.warm_up_steps = warm_up_steps
        self.warnings = FeedWarnings()

    async def __aiter__(self) -> AsyncIterator[Snapshot]:
        for _step in range(self.warm_up_steps):
            for snapshot in self.simulator.step_all():
                yield snapshot
        started = time.monotonic()
        steps = 0
        while True:
            steps += 1
            for snapshot in self.simulator.step_all():
                yield snapshot
            # Paced against the start, so slow steps do not make simulated time drift.
            await asyncio.sleep(max(0.0, started + steps * self.interval_s - time.monotonic()))


class FileSource:
    """Follows a growing file; a rotated file is read to its end, then the new one from
    its start; a truncated file is read again from its start. The open file and the line
    count belong to the source, not to one iteration: if the runner starts iterating again
    (after any failure) it goes on after the last line read, never from the start."""

    def __init__(self, path: Path, settings: QueueSettings, poll_s: float | None = None) -> None:
        self.path, self.spec = path, f"file:{path}"
        self.interval_s = settings.refresh_s
        self.poll_s = poll_s if poll_s is not None else min(0.25, settings.refresh_s)
        self.parser = self.make_parser(settings)
        self.warnings = self.parser.warnings
        self._splitter = LineSplitter(settings.max_line_bytes)
        self._file: BinaryIO | None = None
        self._pending: deque[bytes] = deque()  # lines read but not yet delivered
        self._line = 0

    def make_parser(self, settings: QueueSettings) -> LineParser:
        return FeedParser(settings.max_line_bytes)

    async def __aiter__(self) -> AsyncIterator[Snapshot]:
        try:
            while True:
                if self._file is None:
                    self._file = self._open()
                    if self._file is None:
                        await asyncio.sleep(self.poll_s)
                        continue
                while self._pending:
                    self._line += 1
                    snapshot = self.parser.line(self._pending.popleft(), self._line)
                    if snapshot is not None:
                        yield snapshot
                chunk = self._file.read(READ_CHUNK)
                if chunk:
                    self._pending.extend(self._splitter.feed(chunk))
                    continue
                self._file = self._after_end(self._file)
                for snapshot in self.idle():
                    yield snapshot
                await asyncio.sleep(self.poll_s)
        except asyncio.CancelledError:
            self.close()
            raise

    def idle(self) -> list[Snapshot]:
        """Snapshots to give while the file has nothing new (none: a snapshot feed says it all)."""
        return []

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _open(self) -> BinaryIO | None:
        try:
            file = open(self.path, "rb")  # noqa: SIM115 - kept open while following
        except OSError:
            return None
        self._splitter.reset()
        self._pending.clear()
        self._line = 0
        return file

    def _after_end(self, file: BinaryIO) -> BinaryIO | None:
        """At the end of the file: the same file, or None to reopen the rotated one."""
        try:
            current = os.stat(self.path)
        except OSError:
            return file  # rotated away and not recreated yet: keep waiting
        if current.st_ino != os.fstat(file.fileno()).st_ino:
            file.close()
            return None
        if current.st_size < file.tell():
            file.seek(0)
            self._splitter.reset()
            self._pending.clear()
            self._line = 0
        return file


class AsteriskSource(FileSource):
    """Follows Asterisk's queue_log (`asterisk:PATH`); while it is quiet, gives every queue's
    state once an interval so that waits keep growing on screen."""

    def __init__(self, path: Path, settings: QueueSettings, sl_threshold_s: float) -> None:
        self.sl_threshold_s = sl_threshold_s
        super().__init__(path, settings)
        self.spec = f"asterisk:{path}"
        self._beat = time.monotonic()

    def make_parser(self, settings: QueueSettings) -> QueueLogReader:
        return QueueLogReader(settings.max_line_bytes, self.sl_threshold_s, settings.short_abandon_s)

    def idle(self) -> list[Snapshot]:
        if time.monotonic() - self._beat < self.interval_s:
            return []
        self._beat = time.monotonic()
        assert isinstance(self.parser, QueueLogReader)
        return self.parser.heartbeat(clock.utcnow())


class HttpSource:
    def __init__(self, url: str, settings: QueueSettings) -> None:
        self.url = self.spec = url
        self.interval_s = settings.http_interval_s
        self.timeout_s = settings.http_timeout_s
        self.max_bytes = settings.max_line_bytes
        self.parser = FeedParser(settings.max_line_bytes)
        self.warnings = self.parser.warnings

    async def __aiter__(self) -> AsyncIterator[Snapshot]:
        while True:
            started = time.monotonic()
            for snapshot in self._snapshots(await asyncio.to_thread(self._fetch)):
                yield snapshot
            await asyncio.sleep(max(0.0, started + self.interval_s - time.monotonic()))

    def _fetch(self) -> object:
        """The decoded body, or None after counting why there is none."""
        try:
            with urllib.request.urlopen(self.url, timeout=self.timeout_s) as response:
                body = response.read(self.max_bytes + 1)
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", None) or error
            self.warnings.add(0, _("HTTP: {reason}").format(reason=str(reason)[:200]), "http")
            return None
        if len(body) > self.max_bytes:
            self.warnings.add(0, _("HTTP: response longer than {limit} bytes").format(limit=self.max_bytes), "too_long")
            return None
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            self.warnings.add(0, _("HTTP: the response is not UTF-8 JSON"), "not_json")
            return None

    def _snapshots(self, body: object) -> list[Snapshot]:
        snapshots = []
        for item in body if isinstance(body, list) else [body] if body is not None else []:
            try:
                snapshot = self.parser.accept(item, repeat_ok=True)
            except Rejection as error:
                self.warnings.add(0, str(error), error.code)
                continue
            if snapshot is not None:
                snapshots.append(snapshot)
        return snapshots


def open_source(
    spec: str,
    settings: QueueSettings,
    zone: ZoneInfo,
    *,
    seed: int | None = None,
    start: datetime | None = None,
    sl_threshold_s: float = 20.0,
) -> FeedSource:
    """The source a spec names; a UserError for a spec that names none."""
    spec = spec.strip()
    if spec == "sim" or spec.startswith("sim:"):
        return _sim_source(spec, settings, zone, seed, start)
    if spec.startswith("file:") and len(spec) > 5:
        return FileSource(Path(spec[5:]).expanduser(), settings)
    if spec.startswith("asterisk:") and len(spec) > 9:
        return AsteriskSource(Path(spec[9:]).expanduser(), settings, sl_threshold_s)
    if spec.startswith(("http://", "https://")):
        return HttpSource(spec, settings)
    raise UserError(
        _("unknown feed {spec!r}: use sim, file:PATH, asterisk:PATH or an http(s):// URL").format(spec=spec)
    )


def _sim_source(
    spec: str, settings: QueueSettings, zone: ZoneInfo, seed: int | None, start: datetime | None
) -> SimSource:
    options = dict(item.partition("=")[::2] for item in spec[4:].split(",") if item)
    unknown = set(options) - {"seed", "speed", "scenario"}
    if unknown:
        raise UserError(_("unknown simulator option {option!r}").format(option=min(unknown)))
    try:
        seed = int(options["seed"]) if "seed" in options else seed
        speed = float(options.get("speed", 1))
    except ValueError:
        raise UserError(_("the simulator's seed and speed must be numbers")) from None
    if speed <= 0:
        raise UserError(_("the simulator's speed must be positive"))
    warm_up_steps = round(settings.simulator.warm_up_min * 60 / settings.refresh_s)
    begin = (start or clock.utcnow()) - timedelta(seconds=warm_up_steps * settings.refresh_s)
    simulator = Simulator(settings.simulator, zone, begin, seed=seed, step_s=settings.refresh_s)
    for scenario in filter(None, options.get("scenario", "").split("+")):
        if scenario not in SCENARIOS:
            raise UserError(
                _("unknown scenario {name!r}: choose one of {choices}").format(
                    name=scenario, choices=", ".join(SCENARIOS)
                )
            )
        simulator.toggle(scenario)
    return SimSource(simulator, settings.refresh_s, speed, spec, warm_up_steps)
