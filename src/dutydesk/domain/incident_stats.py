"""How the center responds: times from alert to acknowledgement, to incident, to each step, to
closing (median and 90th percentile), and how often step deadlines were met.

Figures are grouped per playbook and per month (of the incident's start, or the alert's
firing, in the center's zone). An alert belongs to a playbook through the queue rule that
fired it (`playbook = …` in the rule); the alert that led to an incident is the latest one
of such a rule fired in the hour before the incident started.

The 90th percentile is the nearest-rank one: the smallest time that at least 90 % of the
times do not exceed, always one of the measured times (no interpolation between two).
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlmodel import col

from dutydesk.config import Config
from dutydesk.domain.incidents import CLOSED, IncidentView, get_incidents
from dutydesk.store.db import Database
from dutydesk.store.tables import Incident, QueueAlert, columns_of

ALERT_LOOKBACK = timedelta(hours=1)  # an alert older than this before the start did not lead to it


class AlertTimes(Protocol):
    """What the figures need of a stored alert (`queue.alerts.StoredAlert` has it)."""

    @property
    def rule(self) -> str: ...
    @property
    def fired_at(self) -> datetime: ...
    @property
    def acknowledged_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class StoredAlertTimes:
    rule: str
    fired_at: datetime
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class Spread:
    """Durations in seconds: how many, their median and 90th percentile (None when there are none)."""

    count: int
    median_s: float | None
    p90_s: float | None

    @classmethod
    def of(cls, seconds: Iterable[float]) -> "Spread":
        ordered = sorted(seconds)
        if not ordered:
            return cls(0, None, None)
        return cls(len(ordered), statistics.median(ordered), ordered[math.ceil(0.9 * len(ordered)) - 1])

    def as_json(self) -> dict[str, float | int | None]:
        return {"count": self.count, "median_s": self.median_s, "p90_s": self.p90_s}


@dataclass(frozen=True)
class ResponseFigures:
    playbook: str
    month: str  # YYYY-MM in the center's zone
    incidents: int
    alert_to_acknowledged: Spread
    alert_to_started: Spread
    started_to_closed: Spread
    started_to_step: dict[int, Spread]  # by step number
    steps_due: int  # steps with a deadline that are done, skipped, or past it
    steps_on_time: int  # of those, done by the deadline

    @property
    def on_time_share(self) -> float | None:
        return self.steps_on_time / self.steps_due if self.steps_due else None

    def as_json(self) -> dict[str, object]:
        return {
            "playbook": self.playbook,
            "month": self.month,
            "incidents": self.incidents,
            "alert_to_acknowledged": self.alert_to_acknowledged.as_json(),
            "alert_to_started": self.alert_to_started.as_json(),
            "started_to_closed": self.started_to_closed.as_json(),
            "started_to_step": [{"n": n, **spread.as_json()} for n, spread in sorted(self.started_to_step.items())],
            "steps_due": self.steps_due,
            "steps_on_time": self.steps_on_time,
            "steps_on_time_share": self.on_time_share,
        }


@dataclass
class _Group:
    incidents: list[IncidentView] = field(default_factory=list)
    acknowledged_s: list[float] = field(default_factory=list)
    started_s: list[float] = field(default_factory=list)


def response_figures(
    views: Iterable[IncidentView], alerts: Iterable[AlertTimes], config: Config, now: datetime
) -> list[ResponseFigures]:
    """The figures per (playbook, month), ordered by playbook then month."""
    playbook_of_rule = {rule.key: rule.playbook for rule in config.queue.rules if rule.playbook}
    alerts = [alert for alert in alerts if alert.rule in playbook_of_rule]
    groups: dict[tuple[str, str], _Group] = defaultdict(_Group)
    for alert in alerts:
        if alert.acknowledged_at is not None:
            group = groups[(playbook_of_rule[alert.rule], _month(alert.fired_at, config))]
            group.acknowledged_s.append(_seconds(alert.fired_at, alert.acknowledged_at))
    for view in views:
        group = groups[(view.playbook, _month(view.started_at, config))]
        group.incidents.append(view)
        leading = leading_alert(view, [a for a in alerts if playbook_of_rule[a.rule] == view.playbook])
        if leading is not None:
            group.started_s.append(_seconds(leading.fired_at, view.started_at))
    return [_figures(key, group, now) for key, group in sorted(groups.items())]


def leading_alert(view: IncidentView, alerts: Iterable[AlertTimes]) -> AlertTimes | None:
    """The latest alert (of the incident's playbook) fired in the hour before it started."""
    window = [a for a in alerts if view.started_at - ALERT_LOOKBACK <= a.fired_at <= view.started_at]
    return max(window, key=lambda alert: alert.fired_at, default=None)


def _figures(key: tuple[str, str], group: _Group, now: datetime) -> ResponseFigures:
    to_step: dict[int, list[float]] = defaultdict(list)
    due = on_time = 0
    for view in group.incidents:
        for step in view.steps:
            if step.done_at is not None:
                to_step[step.n].append(_seconds(view.started_at, step.done_at))
            if step.due_at is None:
                continue
            # An open step counts once its deadline has passed, or once the incident closed without it.
            if not step.is_open or view.status == CLOSED or now > step.due_at:
                due += 1
                on_time += step.on_time is True
    return ResponseFigures(
        playbook=key[0],
        month=key[1],
        incidents=len(group.incidents),
        alert_to_acknowledged=Spread.of(group.acknowledged_s),
        alert_to_started=Spread.of(group.started_s),
        started_to_closed=Spread.of(_seconds(v.started_at, v.closed_at) for v in group.incidents if v.closed_at),
        started_to_step={n: Spread.of(seconds) for n, seconds in sorted(to_step.items())},
        steps_due=due,
        steps_on_time=on_time,
    )


def _seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


def _month(moment: datetime, config: Config) -> str:
    return moment.astimezone(config.zone).strftime("%Y-%m")


# -- reading ------------------------------------------------------------------------------


def incidents_since(db: Database, since: datetime | None) -> list[IncidentView]:
    """Every incident started at or after `since` (None: all), oldest first."""
    query = select(col(Incident.id)).order_by(col(Incident.started_at), col(Incident.id))
    if since is not None:
        query = query.where(col(Incident.started_at) >= since)
    with db.engine.connect() as connection:
        numbers = [number for number in connection.execute(query).scalars() if number is not None]
    return get_incidents(db, numbers)


def alerts_since(db: Database, since: datetime | None) -> list[StoredAlertTimes]:
    """Every stored queue alert fired at or after `since` (None: all), oldest first."""
    alert = columns_of(QueueAlert)
    query = select(alert.rule, alert.fired_at, alert.acknowledged_at).order_by(alert.fired_at, alert.id)
    if since is not None:
        query = query.where(alert.fired_at >= since)
    with db.engine.connect() as connection:
        return [StoredAlertTimes(row.rule, row.fired_at, row.acknowledged_at) for row in connection.execute(query)]
