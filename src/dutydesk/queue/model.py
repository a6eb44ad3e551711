"""What a feed delivers: one snapshot of one queue at one moment, and the agents in it."""

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Literal, get_args

AgentState = Literal["available", "on_call", "wrap_up", "busy", "break", "offline"]
AGENT_STATES: tuple[str, ...] = get_args(AgentState)
INTERVAL, CUMULATIVE = "interval", "cumulative"


@dataclass(slots=True)
class Counters:
    """Call counts over some span of time; spans add up and subtract field by field."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    abandoned_short: int = 0  # abandoned before the ACD's short-abandon threshold
    answered_within_sl: int = 0
    handle_time_s_total: float = 0.0  # talk + hold + wrap-up of the answered calls
    wait_time_s_total: float = 0.0  # queue time of the answered calls

    def add(self, other: "Counters") -> None:
        for name in COUNTER_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def subtract(self, other: "Counters") -> None:
        for name in COUNTER_FIELDS:
            setattr(self, name, getattr(self, name) - getattr(other, name))

    def copy(self) -> "Counters":
        return Counters(*self.values())

    def values(self) -> "CountValues":
        """The counts in field order: `Counters(*values)` is an equal copy."""
        return (
            self.offered,
            self.answered,
            self.abandoned,
            self.abandoned_short,
            self.answered_within_sl,
            self.handle_time_s_total,
            self.wait_time_s_total,
        )

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in COUNTER_FIELDS}


CountValues = tuple[int, int, int, int, int, float, float]  # Counters' fields, in order
COUNTER_FIELDS = tuple(f.name for f in fields(Counters))
INTEGER_COUNTERS = tuple(f.name for f in fields(Counters) if f.type in (int, "int"))


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    name: str
    state: str  # one of AGENT_STATES
    since: datetime  # aware; when the agent entered this state
    reason: str = ""  # why not ready (a pause reason), when the feed says


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One queue at `ts`. `counters` always cover the span since the previous snapshot of
    the queue: cumulative feeds are turned into such deltas when they are read."""

    ts: datetime  # aware
    queue: str
    waiting: int
    longest_wait_s: float
    counters: Counters = field(default_factory=Counters)
    agents: tuple[Agent, ...] | None = None  # None: this snapshot says nothing about agents
    current_wait_s_total: float | None = None  # how long the callers waiting now have waited, summed

    def waited_now_s(self) -> float:
        """The callers waiting now have waited at least this long, summed: the feed's sum, or
        when it has none the longest wait alone (a lower bound)."""
        if self.current_wait_s_total is not None:
            return self.current_wait_s_total
        return self.longest_wait_s if self.waiting else 0.0
