"""Threshold rules with sustain: an alert fires once per breach and clears when it ends.

A rule fires at the first snapshot at which its condition has held in every snapshot of
that queue (or of the total) since a breaching snapshot at least `sustain_min` earlier,
by the snapshots' `ts`, so a replay and the live panel agree. It clears at the first
snapshot where the condition no longer holds. A metric without a value (a rate with no
calls) does not hold.

Between the first breaching snapshot and firing, a rule is **pending** (Prometheus's
`for:`): `RuleEngine.pending()` says for how long it has held, of how long, and whether it
has passed the rule's optional early-warning time. Pending rules write nothing.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dutydesk.config import QueueRule
from dutydesk.jsonshape import person
from dutydesk.queue.metrics import Figures

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
FIRED, CLEARED = "fired", "cleared"


@dataclass
class Alert:
    id: int
    rule: QueueRule
    queue: str  # "" for the whole center
    fired_at: datetime
    value: float  # the metric's value when it fired
    figures: Figures
    cleared_at: datetime | None = None
    acknowledged_by: str | None = None  # the supervisor's name
    acknowledged_by_display: str | None = None
    acknowledged_at: datetime | None = None
    row_id: int | None = None  # its `queue_alert` row, once stored

    @property
    def active(self) -> bool:
        return self.cleared_at is None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            **rule_fields(self.rule, self.queue, self.value),
            "fired_at": self.fired_at.isoformat(),
            "cleared_at": self.cleared_at.isoformat() if self.cleared_at else None,
            "playbook": self.rule.playbook or None,
            "figures": self.figures.as_json(),
            "acknowledged_by": (
                person(self.acknowledged_by, self.acknowledged_by_display) if self.acknowledged_by else None
            ),
            "acknowledged_at": self.acknowledged_at.isoformat() if self.acknowledged_at else None,
        }


@dataclass(frozen=True)
class AlertEvent:
    kind: str  # FIRED or CLEARED
    alert: Alert
    at: datetime
    figures: Figures  # at this moment


@dataclass(frozen=True)
class Pending:
    """A rule whose condition holds but whose sustain time has not passed yet."""

    rule: QueueRule
    queue: str  # "" for the whole center
    since: datetime  # the first breaching snapshot
    held_s: float  # to the latest snapshot evaluated
    value: float  # the metric now
    early_warning: bool  # held at least the rule's early-warning time

    @property
    def sustain_s(self) -> float:
        return self.rule.sustain_min * 60

    @property
    def left_s(self) -> float:
        return max(0.0, self.sustain_s - self.held_s)

    def as_json(self) -> dict[str, object]:
        return {
            **rule_fields(self.rule, self.queue, self.value),
            "since": self.since.isoformat(),
            "held_s": self.held_s,
            "sustain_s": self.sustain_s,
            "early_warning": self.early_warning,
        }


@dataclass
class _Breach:
    since: datetime | None = None
    alert: Alert | None = None
    last: datetime | None = None  # the latest breaching snapshot
    value: float = 0.0


@dataclass
class RuleEngine:
    rules: list[QueueRule]
    _breaches: dict[tuple[str, str], _Breach] = field(default_factory=dict)
    _next_id: int = 1

    def evaluate(self, queue: str, ts: datetime, figures: Figures) -> list[AlertEvent]:
        """The alerts that fire or clear with this snapshot of `queue` ("" the total)."""
        events = []
        for rule in self.rules:
            if (rule.scope == "total") != (queue == ""):
                continue
            event = self._evaluate(rule, queue, ts, figures)
            if event is not None:
                events.append(event)
        return events

    def resume(self, rule: QueueRule, queue: str, fired_at: datetime, figures: Figures) -> Alert:
        """An alert fired before a restart, still active: it goes on as this engine's own,
        so the continuing breach does not fire it again and its end clears it."""
        alert = Alert(self._next_id, rule, queue, fired_at, figures.value(rule.metric) or 0.0, figures)
        self._next_id += 1
        self._breaches[(rule.key, queue)] = _Breach(since=fired_at, alert=alert)
        return alert

    def pending(self) -> list[Pending]:
        """The rules building up, the closest to firing first."""
        found = []
        for rule in self.rules:
            for (key, queue), breach in self._breaches.items():
                if key != rule.key or breach.alert is not None or breach.since is None or breach.last is None:
                    continue
                held = (breach.last - breach.since).total_seconds()
                early = rule.early_warning_min is not None and held >= rule.early_warning_min * 60
                found.append(Pending(rule, queue, breach.since, held, breach.value, early))
        return sorted(found, key=lambda item: (item.left_s, item.rule.key, item.queue))

    def _evaluate(self, rule: QueueRule, queue: str, ts: datetime, figures: Figures) -> AlertEvent | None:
        breach = self._breaches.setdefault((rule.key, queue), _Breach())
        if breach.alert is not None and ts <= breach.alert.fired_at:
            # From before the alert fired: a restarted feed going over its past (the
            # simulator's warm-up, a file read again). It neither clears nor fires it again,
            # so an alert can never read "cleared" before it fired.
            return None
        value = figures.value(rule.metric)
        if value is None or not COMPARISONS[rule.comparison](value, rule.value):
            breach.since, alert, breach.alert = None, breach.alert, None
            if alert is None:
                return None
            alert.cleared_at = ts
            return AlertEvent(CLEARED, alert, ts, figures)
        if breach.since is None:
            breach.since = ts
        breach.last, breach.value = ts, value
        if breach.alert is None and ts - breach.since >= timedelta(minutes=rule.sustain_min):
            breach.alert = Alert(self._next_id, rule, queue, ts, value, figures)
            self._next_id += 1
            return AlertEvent(FIRED, breach.alert, ts, figures)
        return None


def rule_fields(rule: QueueRule, queue: str, value: float) -> dict[str, object]:
    """What an alert and a rule still building say of their rule, in JSON."""
    return {
        "rule": rule.key,
        "queue": queue or None,
        "level": rule.level,
        "metric": rule.metric,
        "comparison": rule.comparison,
        "threshold": rule.value,
        "value": value,
    }
