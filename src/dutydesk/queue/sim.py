"""A call-center simulator: the demo's feed and a trainer's drill ground.

Each step of `step_s` seconds of simulated time: callers arrive (Poisson, at the hour's
factor of the time-of-day profile), give up after an exponential patience, are answered
first come first served by available agents, who talk, wrap up and now and then go busy,
on a break or offline. Scenarios change the world while they are on: `surge` brings three
times the calls the staffed agents can answer (or three times the hour's calls, if that is
more), so the queue builds within minutes at 03:00 as at 10:00; `outage` (telephony down)
stops every answer, `slow-crm` doubles handle time. The same seed and start time give the
same snapshots.
"""

import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dutydesk.config import QueueSimulator
from dutydesk.queue.model import Agent, Counters, Snapshot

SCENARIOS = ("surge", "outage", "slow-crm")
NOT_READY_STATES = ("busy", "break", "offline")
NOT_READY_WEIGHTS = (0.5, 0.4, 0.1)
# A surge is scaled to the staffing, not to the hour's traffic: tripling a quiet night's
# few calls would never reach the agents' capacity, and the drill would show nothing.
SURGE_LOAD = 3.0


@dataclass
class _SimAgent:
    id: str
    name: str
    state: str
    since: datetime
    until: datetime | None = None  # when the current call, wrap-up or pause ends


@dataclass
class _SimQueue:
    name: str
    agents: list[_SimAgent]
    callers: deque[tuple[datetime, datetime]] = field(default_factory=deque)  # (arrived, gives up)
    counters: Counters = field(default_factory=Counters)


class Simulator:
    def __init__(
        self,
        settings: QueueSimulator,
        zone: ZoneInfo,
        start: datetime,
        *,
        seed: int | None = None,
        step_s: float = 1.0,
        queues: list[str] | None = None,
    ) -> None:
        self.settings, self.zone, self.step = settings, zone, timedelta(seconds=step_s)
        self.now = start
        self.random = random.Random(seed)
        self.scenarios: set[str] = set()
        names = queues or settings.queues
        self.queues = [self._queue(name, index) for index, name in enumerate(names)]

    def _queue(self, name: str, index: int) -> _SimQueue:
        agents = [
            _SimAgent(f"{index + 1:02d}{number + 1:02d}", f"{name}-{number + 1}", "available", self.now)
            for number in range(self.settings.agents_per_queue)
        ]
        return _SimQueue(name, agents)

    def toggle(self, scenario: str) -> bool:
        """Switch a scenario on or off; True when it is now on."""
        if scenario in self.scenarios:
            self.scenarios.discard(scenario)
            return False
        self.scenarios.add(scenario)
        return True

    def step_all(self) -> list[Snapshot]:
        """Advance one step; a snapshot of every queue at the new time."""
        self.now += self.step
        return [self._step(queue) for queue in self.queues]

    def _step(self, queue: _SimQueue) -> Snapshot:
        queue.counters = Counters()
        self._arrivals(queue)
        self._abandons(queue)
        for agent in queue.agents:
            self._agent_moves(agent)
        if "outage" not in self.scenarios:
            self._answer(queue)
        oldest = queue.callers[0][0] if queue.callers else self.now
        return Snapshot(
            ts=self.now,
            queue=queue.name,
            waiting=len(queue.callers),
            longest_wait_s=(self.now - oldest).total_seconds(),
            counters=queue.counters,
            agents=tuple(Agent(a.id, a.name, a.state, a.since) for a in queue.agents),
            current_wait_s_total=sum((self.now - caller[0]).total_seconds() for caller in queue.callers),
        )

    def arrival_rate(self) -> float:
        """Callers per second into each queue: the hour's share of the traffic profile, or
        under a surge SURGE_LOAD times the larger of that and what the agents can answer."""
        settings = self.settings
        rate = settings.calls_per_hour / 3600 * settings.profile[self.now.astimezone(self.zone).hour]
        if "surge" in self.scenarios:
            capacity = settings.agents_per_queue / (settings.handle_time_s + settings.wrap_up_s)
            rate = SURGE_LOAD * max(rate, capacity)
        return rate

    def _arrivals(self, queue: _SimQueue) -> None:
        for _ in range(self._poisson(self.arrival_rate() * self.step.total_seconds())):
            patience = timedelta(seconds=self.random.expovariate(1 / self.settings.patience_s))
            queue.callers.append((self.now, self.now + patience))
            queue.counters.offered += 1

    def _abandons(self, queue: _SimQueue) -> None:
        short = timedelta(seconds=self.settings.short_abandon_s)
        staying: deque[tuple[datetime, datetime]] = deque()
        for arrived, gives_up in queue.callers:
            if gives_up > self.now:
                staying.append((arrived, gives_up))
                continue
            queue.counters.abandoned += 1
            if gives_up - arrived < short:
                queue.counters.abandoned_short += 1
        queue.callers = staying

    def _agent_moves(self, agent: _SimAgent) -> None:
        if agent.until is not None and agent.until <= self.now:
            if agent.state == "on_call" and self.settings.wrap_up_s > 0:
                self._set(agent, "wrap_up", timedelta(seconds=self.settings.wrap_up_s))
            else:
                self._set(agent, "available", None)
        elif agent.state == "available":
            chance = self.settings.not_ready_per_agent_hour / 3600 * self.step.total_seconds()
            if self.random.random() < chance:
                state = self.random.choices(NOT_READY_STATES, NOT_READY_WEIGHTS)[0]
                length = self.random.expovariate(1 / self.settings.not_ready_s)
                self._set(agent, state, timedelta(seconds=length))

    def _answer(self, queue: _SimQueue) -> None:
        free = [agent for agent in queue.agents if agent.state == "available"]
        factor = 2.0 if "slow-crm" in self.scenarios else 1.0
        while free and queue.callers:
            arrived, _gives_up = queue.callers.popleft()
            wait_s = (self.now - arrived).total_seconds()
            talk_s = self.random.expovariate(1 / self.settings.handle_time_s) * factor
            counters = queue.counters
            counters.answered += 1
            counters.wait_time_s_total += wait_s
            counters.answered_within_sl += wait_s <= self.settings.service_level_threshold_s
            counters.handle_time_s_total += talk_s + self.settings.wrap_up_s
            self._set(free.pop(0), "on_call", timedelta(seconds=max(1.0, talk_s)))

    def _set(self, agent: _SimAgent, state: str, length: timedelta | None) -> None:
        agent.state, agent.since = state, self.now
        agent.until = self.now + length if length is not None else None

    def _poisson(self, mean: float) -> int:
        if mean > 30:  # the normal approximation is close enough and never loops long
            return max(0, round(self.random.gauss(mean, math.sqrt(mean))))
        limit, count, product = math.exp(-mean), 0, self.random.random()
        while product > limit:
            count += 1
            product *= self.random.random()
        return count
