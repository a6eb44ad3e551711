"""Queue figures from counters, and their status against the center's targets.

The formulas (also in docs/feed-format.md and the panel's help), with "counted" meaning
short abandons taken out when `queue.exclude_short_abandons` is on:

    counted offered   = offered − short abandons
    answer rate       = answered / counted offered
    abandon rate      = (abandoned − short abandons) / counted offered
    service level     = answered within threshold / counted offered   (base "offered")
                      = answered within threshold / answered          (base "answered")
    ASA               = (wait time of answered calls + time waited so far by the callers
                         waiting now) / (answered + waiting now)
    AHT               = handle time (talk + hold + wrap-up) / answered

ASA counts the callers still waiting so that it cannot look good while nobody is answered:
a feed that does not say how long all of them have waited (`current_wait_s_total`) adds the
longest wait alone, so the ASA shown is then a lower bound. Rates are capped at 100 % (over
a short span a call offered earlier can be answered now) and are None when their
denominator is zero: no calls is not a bad answer rate.
"""

from dataclasses import dataclass
from typing import cast

from dutydesk.config import QueueSettings, Targets
from dutydesk.queue.model import Counters

GREEN, AMBER, RED = "green", "amber", "red"


@dataclass(frozen=True, slots=True)
class Figures:
    waiting: int
    longest_wait_s: float
    offered: int  # counted offered
    answered: int
    abandoned: int  # counted abandoned
    answer_rate: float | None
    abandon_rate: float | None
    service_level: float | None
    asa_s: float | None
    aht_s: float | None

    def value(self, metric: str) -> float | None:
        return cast(float | None, getattr(self, metric))

    def as_json(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in self.__slots__}


def _ratio(part: float, whole: float) -> float | None:
    return min(1.0, part / whole) if whole > 0 else None


def _mean(total: float, count: int) -> float | None:
    return total / count if count > 0 else None


def figures(
    counters: Counters,
    waiting: int,
    longest_wait_s: float,
    settings: QueueSettings,
    current_wait_s_total: float | None = None,
) -> Figures:
    """The figures of a span's counters with the callers waiting now (`current_wait_s_total`:
    how long all of them have waited so far, when the feed knows)."""
    waited_now = current_wait_s_total if current_wait_s_total is not None else longest_wait_s if waiting else 0.0
    short = counters.abandoned_short if settings.exclude_short_abandons else 0
    offered = max(0, counters.offered - short)
    abandoned = max(0, counters.abandoned - short)
    base = offered if settings.service_level_base == "offered" else counters.answered
    return Figures(
        waiting=waiting,
        longest_wait_s=longest_wait_s,
        offered=offered,
        answered=counters.answered,
        abandoned=abandoned,
        answer_rate=_ratio(counters.answered, offered),
        abandon_rate=_ratio(abandoned, offered),
        service_level=_ratio(counters.answered_within_sl, base),
        asa_s=_mean(counters.wait_time_s_total + waited_now, counters.answered + waiting),
        aht_s=_mean(counters.handle_time_s_total, counters.answered),
    )


def _target(metric: str, targets: Targets) -> tuple[float, bool] | None:
    """The target of a metric and whether it is a minimum (True) or a maximum."""
    return {
        "answer_rate": (targets.answer_rate_min, True),
        "abandon_rate": (targets.abandon_rate_max, False),
        "service_level": (targets.service_level_min, True),
        "asa_s": (targets.average_speed_of_answer_max_s, False),
        "aht_s": (targets.handle_time_inquiry_max_s, False),
        "longest_wait_s": (targets.longest_wait_max_s, False),
    }.get(metric)


def status(metric: str, value: float | None, targets: Targets, amber_band: float) -> str | None:
    """green: target met; amber: missed by at most `amber_band` of the target; red: beyond.
    None when the metric has no target or no value."""
    target = _target(metric, targets)
    if target is None or value is None:
        return None
    limit, is_minimum = target
    if is_minimum:
        return GREEN if value >= limit else AMBER if value >= limit * (1 - amber_band) else RED
    return GREEN if value <= limit else AMBER if value <= limit * (1 + amber_band) else RED


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole >= 3600:
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return f"{whole // 60}:{whole % 60:02d}"


def value_text(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    if metric.endswith("_rate") or metric == "service_level":
        return f"{value:.1%}"
    if metric.endswith("_s"):
        return duration_text(value)
    return str(int(value))
