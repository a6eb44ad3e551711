"""Erlang C: how many agents a queue needs to meet a service-level target.

Traffic A = arrival rate × AHT (in erlangs). With N agents (N > A) the probability that a
caller waits is Erlang C:  C(N, A) = B / (1 − (A/N)(1 − B)),  B being Erlang B, computed
by the stable recurrence B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)). Then
    service level = 1 − C · exp(−(N − A) · T / AHT)   (answered within T seconds)
    ASA           = C · AHT / (N − A)
    occupancy     = A / N
"""

import math
from dataclasses import dataclass

MAX_AGENTS = 10_000


@dataclass(frozen=True)
class StaffingHint:
    agents: int
    traffic_erlangs: float
    service_level: float
    asa_s: float
    occupancy: float

    def as_json(self) -> dict[str, float]:
        return {
            "agents": self.agents,
            "traffic_erlangs": round(self.traffic_erlangs, 4),
            "service_level": round(self.service_level, 4),
            "asa_s": round(self.asa_s, 2),
            "occupancy": round(self.occupancy, 4),
        }


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a call waits, with `agents` agents and `traffic` erlangs offered."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking / (1 - (traffic / agents) * (1 - blocking))


def evaluate(agents: int, traffic: float, aht_s: float, threshold_s: float) -> StaffingHint:
    if agents <= traffic:
        return StaffingHint(agents, traffic, 0.0, math.inf, 1.0 if agents else 0.0)
    return _hint(agents, traffic, erlang_c(agents, traffic), aht_s, threshold_s)


def _hint(agents: int, traffic: float, wait_probability: float, aht_s: float, threshold_s: float) -> StaffingHint:
    service_level = 1 - wait_probability * math.exp(-(agents - traffic) * threshold_s / aht_s)
    asa_s = wait_probability * aht_s / (agents - traffic)
    return StaffingHint(agents, traffic, service_level, asa_s, traffic / agents)


def agents_needed(calls: float, interval_s: float, aht_s: float, target: float, threshold_s: float) -> StaffingHint:
    """The smallest whole number of agents that answers `target` of the calls within
    `threshold_s`, for `calls` arriving over `interval_s` seconds with handle time `aht_s`."""
    traffic = calls / interval_s * aht_s if interval_s > 0 else 0.0
    if not traffic > 0:
        return StaffingHint(0, 0.0, 1.0, 0.0, 0.0)
    if not math.isfinite(traffic) or traffic >= MAX_AGENTS:
        return evaluate(MAX_AGENTS, traffic, aht_s, threshold_s)  # not enough: the caller can tell by the level
    # Erlang B grows one agent at a time, so the whole search costs one pass up to MAX_AGENTS.
    blocking = 1.0
    for agents in range(1, MAX_AGENTS + 1):
        blocking = traffic * blocking / (agents + traffic * blocking)
        if agents > traffic:
            hint = _hint(agents, traffic, blocking / (1 - (traffic / agents) * (1 - blocking)), aht_s, threshold_s)
            if hint.service_level >= target:
                return hint
    return evaluate(MAX_AGENTS, traffic, aht_s, threshold_s)
