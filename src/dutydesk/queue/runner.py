"""Runs a feed source in a background thread (its own asyncio loop) into a monitor.

The UI thread never waits for the feed: it reads `QueueMonitor.view()` and `status()`.
"""

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.queue.monitor import QueueMonitor
from dutydesk.queue.sources import FeedSource, SimSource, open_source
from dutydesk.store.db import Database

SAVE_EVERY_S = 5.0
RETRY_AFTER_S = 2.0


@dataclass(frozen=True)
class FeedStatus:
    spec: str
    warnings: int
    last_warning: str | None
    stale_since: datetime | None  # aware UTC: the last delivery (or the start) when stale
    scenarios: tuple[str, ...]
    failure: str | None


class FeedRunner:
    def __init__(
        self, source: FeedSource, monitor: QueueMonitor, stale_after_intervals: float, refresh_s: float = 0.0
    ) -> None:
        self.source, self.monitor = source, monitor
        # A source faster than the panel's refresh is judged at the refresh's pace.
        self.stale_after_s = stale_after_intervals * max(source.interval_s, refresh_s)
        self.started_at = clock.utcnow()
        self.last_received: datetime | None = None
        self.failure: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dutydesk-feed", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None  # the feed thread's, while it runs
        self._feeding: asyncio.Task[None] | None = None

    def start(self) -> "FeedRunner":
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        loop, feeding = self._loop, self._feeding
        if loop is not None and feeding is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already ended
                loop.call_soon_threadsafe(feeding.cancel)
        self._thread.join(timeout)

    @property
    def keeps_own_time(self) -> bool:
        """The feed's clock is not the console's: the simulator sped up (or slowed down)."""
        return isinstance(self.source, SimSource) and self.source.speed != 1

    def toggle_scenario(self, scenario: str) -> bool | None:
        """Switch a drill scenario; None when the feed is not the simulator."""
        if isinstance(self.source, SimSource):
            return self.source.simulator.toggle(scenario)
        return None

    def status(self, now: datetime | None = None) -> FeedStatus:
        now = clock.utcnow() if now is None else now
        since = self.last_received or self.started_at
        stale = (now - since).total_seconds() > self.stale_after_s
        recent = self.source.warnings.recent
        scenarios = tuple(sorted(self.source.simulator.scenarios)) if isinstance(self.source, SimSource) else ()
        return FeedStatus(
            spec=self.source.spec,
            warnings=self.source.warnings.count,
            last_warning=f"{recent[-1].line}: {recent[-1].reason}" if recent else None,
            stale_since=since if stale else None,
            scenarios=scenarios,
            failure=self.failure,
        )

    def _run(self) -> None:
        try:
            self.monitor.restore()
        except Exception as error:  # an unreadable history must not stop the live feed
            self.failure = f"{type(error).__name__}: {error}"[:200]
        asyncio.run(self._main())
        self.monitor.save(final=True)

    async def _main(self) -> None:
        """Feed until `stop()` cancels the feeding task from the UI thread (no polling: the
        thread sleeps between snapshots). A stop before the task existed is seen here."""
        self._feeding = feeding = asyncio.create_task(self._feed())
        self._loop = asyncio.get_running_loop()
        if self._stop.is_set():
            feeding.cancel()
        try:
            await feeding
        except asyncio.CancelledError:
            pass

    async def _feed(self) -> None:
        saved = time.monotonic()
        while True:
            try:
                async for snapshot in self.source:
                    events = self.monitor.ingest(snapshot)
                    self.last_received = clock.utcnow()
                    if events or time.monotonic() - saved > SAVE_EVERY_S:  # alerts are logged at once
                        await asyncio.to_thread(self.monitor.save)
                        saved = time.monotonic()
            except Exception as error:  # a bug in a source must not end the panel: retry
                self.failure = f"{type(error).__name__}: {error}"[:200]
            await asyncio.sleep(RETRY_AFTER_S)


def chosen_feed(config: Config, spec: str | None = None) -> str:
    """The feed to run: `spec` (--feed), else the configured one; "" when there is none."""
    return (spec or config.queue.feed).strip()


def open_feed(
    config: Config,
    spec: str | None = None,
    db: Database | None = None,
    shift: Callable[[], ShiftInfo | None] = lambda: None,
    seed: int | None = None,
) -> FeedRunner:
    """A runner (not started) for the source `spec` names, default the configured one;
    a UserError when neither names one."""
    settings = config.queue
    chosen = chosen_feed(config, spec)
    if not chosen:
        raise UserError(
            _(
                "no queue feed is configured: set queue.feed in the configuration file "
                "or pass --feed (sim, file:PATH, asterisk:PATH or an http(s):// URL)"
            )
        )
    source = open_source(
        chosen, settings, config.zone, seed=seed, sl_threshold_s=config.targets.service_level_threshold_s
    )
    monitor = QueueMonitor(config, db, shift, simulated=isinstance(source, SimSource))
    return FeedRunner(source, monitor, settings.stale_after_intervals, settings.refresh_s)
