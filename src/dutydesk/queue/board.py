"""Per-queue running totals: the current 15-min interval, the last 30 minutes, the shift.

Every span keeps a running sum, so a refresh costs the same whether the feed sends one
snapshot a minute or fifty a second. Time is the snapshots' `ts`, never the wall clock.
"""

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dutydesk.queue.model import Counters, CountValues, Snapshot

TOTAL = ""  # the key of the whole center among the queues


@dataclass
class IntervalAggregate:
    """One queue's figures over one stored interval (`start` aware UTC)."""

    queue: str
    start: datetime
    counters: Counters = field(default_factory=Counters)
    snapshots: int = 0
    max_waiting: int = 0
    max_longest_wait_s: float = 0.0
    first_ts: datetime | None = None  # the first and last snapshot counted in
    last_ts: datetime | None = None


class RollingWindow:
    """The sum of the counters of the snapshots in the last `span`.

    Each snapshot's time and counts are kept in two queues of plain values (a datetime, a
    tuple of numbers): the garbage collector does not track such objects, and at 50 queues
    a second the window holds 180,000 snapshots, which every full collection walked through.
    """

    def __init__(self, span: timedelta) -> None:
        self.span = span
        self.total = Counters()
        self._times: deque[datetime] = deque()
        self._counts: deque[CountValues] = deque()

    def add(self, ts: datetime, counters: Counters) -> None:
        self._times.append(ts)
        self._counts.append(counters.values())
        self.total.add(counters)
        horizon = ts - self.span
        while self._times and self._times[0] <= horizon:
            self._times.popleft()
            self.total.subtract(Counters(*self._counts.popleft()))


def interval_start(ts: datetime, minutes: int) -> datetime:
    moment = ts.astimezone(UTC)
    minute = moment.minute - moment.minute % minutes
    return moment.replace(minute=minute, second=0, microsecond=0)


class QueueTrack:
    """One queue (or the total): its latest state and its three spans."""

    def __init__(self, queue: str, window: timedelta, interval_min: int) -> None:
        self.queue = queue
        self.interval_min = interval_min
        self.waiting = 0
        self.longest_wait_s = 0.0
        self.waited_now_s = 0.0  # the callers waiting now, summed (see Snapshot.waited_now_s)
        self.last_ts: datetime | None = None
        self.window = RollingWindow(window)
        self.shift = Counters()
        self.interval: IntervalAggregate | None = None

    def add(
        self, ts: datetime, counters: Counters, waiting: int, longest_wait_s: float, waited_now_s: float
    ) -> IntervalAggregate | None:
        """Count a snapshot in; the interval it closed, if it opened a new one."""
        closed = None
        start = interval_start(ts, self.interval_min)
        if self.interval is None or self.interval.start != start:
            closed, self.interval = self.interval, IntervalAggregate(self.queue, start)
        self.interval.counters.add(counters)
        self.interval.snapshots += 1
        self.interval.first_ts = self.interval.first_ts or ts
        self.interval.last_ts = ts
        self.interval.max_waiting = max(self.interval.max_waiting, waiting)
        self.interval.max_longest_wait_s = max(self.interval.max_longest_wait_s, longest_wait_s)
        self.window.add(ts, counters)
        self.shift.add(counters)
        self.waiting, self.longest_wait_s, self.waited_now_s, self.last_ts = waiting, longest_wait_s, waited_now_s, ts
        return closed


class Board:
    """Every queue's track and the center's total, fed snapshot by snapshot."""

    def __init__(self, window: timedelta, interval_min: int) -> None:
        self.window, self.interval_min = window, interval_min
        self.queues: dict[str, QueueTrack] = {}
        self.total = QueueTrack(TOTAL, window, interval_min)
        self.latest: dict[str, Snapshot] = {}

    def add(self, snapshot: Snapshot) -> list[IntervalAggregate]:
        """Count a snapshot in; the intervals that closed because of it."""
        track = self.queues.get(snapshot.queue)
        if track is None:
            track = self.queues[snapshot.queue] = QueueTrack(snapshot.queue, self.window, self.interval_min)
        previous = self.latest.get(snapshot.queue)
        self.latest[snapshot.queue] = snapshot
        closed = [
            track.add(
                snapshot.ts, snapshot.counters, snapshot.waiting, snapshot.longest_wait_s, snapshot.waited_now_s()
            )
        ]
        waiting = self.total.waiting + snapshot.waiting - (previous.waiting if previous else 0)
        waited = self.total.waited_now_s + snapshot.waited_now_s() - (previous.waited_now_s() if previous else 0.0)
        longest = max(s.longest_wait_s for s in self.latest.values())
        moment = max(snapshot.ts, self.total.last_ts or snapshot.ts)
        closed.append(self.total.add(moment, snapshot.counters, waiting, longest, max(0.0, waited)))
        return [aggregate for aggregate in closed if aggregate is not None and aggregate.queue != TOTAL]

    def restore(self, queue: str, shift_so_far: Counters) -> None:
        """Start a queue's (and the total's) shift figures from stored counts."""
        track = self.queues.get(queue)
        if track is None:
            track = self.queues[queue] = QueueTrack(queue, self.window, self.interval_min)
        track.shift.add(shift_so_far)
        self.total.shift.add(shift_so_far)

    def open_intervals(self) -> list[IntervalAggregate]:
        return [track.interval for track in self.queues.values() if track.interval is not None]
