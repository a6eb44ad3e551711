"""What deserves a notice, read from what is stored.

The notifier does not hook into the code that fires alerts or opens incidents: it reads
the stored rows (alerts, incidents and their steps, follow-ups, open shifts) and turns each
event into a `Notice` whose key names the event. The outbox stores a notice once per key
and channel, so reading the same rows again — from a restarted console, or from a second
one — never sends anything twice, and an event that happened while no console was running
is still announced when one starts (within `lookback_min`).
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, select

from dutydesk.config import Config, QueueRule
from dutydesk.domain.playbooks import PlaybookSet
from dutydesk.i18n import N_, translator
from dutydesk.queue.metrics import value_text
from dutydesk.queue.monitor import METRIC_LABELS
from dutydesk.store.tables import FollowUp, Incident, IncidentEvent, IncidentStep, QueueAlert, Shift, columns_of

ALERT = columns_of(QueueAlert)
INCIDENT = columns_of(Incident)
STEP = columns_of(IncidentStep)
EVENT = columns_of(IncidentEvent)
FOLLOW_UP = columns_of(FollowUp)
SHIFT = columns_of(Shift)

INCIDENT_LEVELS = {1: "critical", 2: "warning", 3: "info"}  # playbook level 1 is the worst
FOLLOW_UP_LEVELS = {"urgent": "critical", "high": "warning"}  # the others: info


@dataclass(frozen=True)
class Notice:
    key: str  # the event, e.g. "alert:12:fired"
    kind: str  # a NoticeKind
    level: str  # info | warning | critical
    title: str
    body: str
    at: datetime  # when it happened (or fell due)
    simulated: bool = False  # about drill data: only channels marked for drills get it
    after_min: float = 0  # the escalation step it belongs to (alert.unacknowledged)


@dataclass(frozen=True)
class Reader:
    """Reads one team's events and writes their notices in the center's language."""

    config: Config
    playbooks: PlaybookSet
    team: str

    @property
    def t(self) -> Callable[[str], str]:
        return translator(self.config.notify.language)

    def notices(self, connection: Connection, now: datetime) -> list[Notice]:
        since = now - timedelta(minutes=self.config.notify.lookback_min)
        found = [
            *self._alerts(connection, now),
            *self._incidents(connection, now),
            *self._overdue_follow_ups(connection, now),
            *self._unsigned_handovers(connection, now),
        ]
        return sorted((notice for notice in found if since <= notice.at <= now), key=lambda n: n.at)

    def _text(self, label_en: str, label_zh: str | None) -> str:
        return label_zh if self.config.notify.language == "zh" and label_zh else label_en

    def _first_step(self, playbook_key: str) -> str:
        playbook = self.playbooks.playbooks.get(playbook_key) if playbook_key else None
        if playbook is None or not playbook.steps:
            return ""
        step = playbook.steps[0].text.text(self.config.notify.language)
        return self.t(N_("Playbook, step 1: {step}")).format(step=step)

    # -- queue alerts ------------------------------------------------------------------

    def _alerts(self, connection: Connection, now: datetime) -> Iterator[Notice]:
        escalations = [r for r in self.config.notify.routes if r.event == "alert.unacknowledged"]
        longest = max((route.after_min for route in escalations), default=0)
        horizon = now - timedelta(minutes=self.config.notify.lookback_min + longest)
        query = (
            select(ALERT.id, ALERT.rule, ALERT.queue, ALERT.level, ALERT.fired_at, ALERT.cleared_at)
            .add_columns(ALERT.acknowledged_at, ALERT.figures, ALERT.simulated)
            .join(Shift, SHIFT.id == ALERT.shift_id)
            .where(SHIFT.team == self.team, ALERT.fired_at >= horizon)
        )
        rules = {rule.key: rule for rule in self.config.queue.rules}
        for row in connection.execute(query):
            rule = rules.get(row.rule)
            if rule is not None:  # else a rule since removed from the configuration
                yield from self._alert_notices(row, rule, sorted({r.after_min for r in escalations}), now)

    def _alert_notices(self, row: Row[Any], rule: QueueRule, steps: list[float], now: datetime) -> Iterator[Notice]:
        what, body, key = self._alert_text(row, rule), self._alert_body(rule), f"alert:{row.id}"
        yield Notice(f"{key}:fired", "alert.fired", row.level, what, body, row.fired_at, row.simulated)
        if row.cleared_at is not None:
            title = self.t(N_("Cleared: {alert}")).format(alert=what)
            yield Notice(f"{key}:cleared", "alert.cleared", row.level, title, "", row.cleared_at, row.simulated)
            return
        if row.acknowledged_at is not None:
            return
        for after_min in steps:
            due = row.fired_at + timedelta(minutes=after_min)
            if due <= now:
                title = self.t(N_("Not acknowledged for {minutes:g} min: {alert}")).format(
                    minutes=after_min, alert=what
                )
                kind, step_key = "alert.unacknowledged", f"{key}:unacknowledged:{after_min:g}"
                yield Notice(step_key, kind, row.level, title, body, due, row.simulated, after_min)

    def _alert_text(self, row: Row[Any], rule: QueueRule) -> str:
        t = self.t
        scope = t(N_("queue {queue}")).format(queue=row.queue) if row.queue else t(N_("all queues"))
        figures = json.loads(row.figures)
        return t(N_("{scope}: {metric} {value} ({comparison} {threshold} for {minutes:g} min)")).format(
            scope=("[SIM] " if row.simulated else "") + scope,
            metric=t(METRIC_LABELS[rule.metric]),
            value=value_text(rule.metric, figures.get(rule.metric)),
            comparison=rule.comparison,
            threshold=value_text(rule.metric, rule.value),
            minutes=rule.sustain_min,
        )

    def _alert_body(self, rule: QueueRule) -> str:
        to_do = self.t(N_("To do: {action}")).format(action=rule.action.text(self.config.notify.language))
        return "\n".join(line for line in (to_do, self._first_step(rule.playbook)) if line)

    # -- incidents ---------------------------------------------------------------------

    def _incidents(self, connection: Connection, now: datetime) -> Iterator[Notice]:
        query = (
            select(INCIDENT.id, INCIDENT.title_en, INCIDENT.title_zh, INCIDENT.level, INCIDENT.started_at)
            .add_columns(INCIDENT.closed_at, INCIDENT.summary, INCIDENT.playbook_key)
            .join(Shift, SHIFT.id == INCIDENT.shift_id)
            .where(SHIFT.team == self.team)
            .where(INCIDENT.closed_at.is_(None) | (INCIDENT.closed_at >= now - timedelta(days=1)))
        )
        for row in connection.execute(query):
            yield from self._incident_notices(connection, row, now)

    def _incident_notices(self, connection: Connection, row: Row[Any], now: datetime) -> Iterator[Notice]:
        t, key, level = self.t, f"incident:{row.id}", INCIDENT_LEVELS.get(row.level, "warning")
        head = t(N_("Incident #{number}: {title}")).format(number=row.id, title=self._text(row.title_en, row.title_zh))
        opened = t(N_("Opened: {incident} (level {level})")).format(incident=head, level=row.level)
        yield Notice(
            f"{key}:opened", "incident.opened", level, opened, self._first_step(row.playbook_key), row.started_at
        )
        updates = select(EVENT.id, EVENT.at, EVENT.text).where(EVENT.incident_id == row.id, EVENT.kind == "update")
        for update in connection.execute(updates):
            title = t(N_("Update: {incident}")).format(incident=head)
            yield Notice(f"{key}:update:{update.id}", "incident.update", level, title, update.text, update.at)
        if row.closed_at is not None:
            closed = t(N_("Closed: {incident}")).format(incident=head)
            yield Notice(f"{key}:closed", "incident.closed", level, closed, row.summary or "", row.closed_at)
            return
        query = select(STEP.n, STEP.text_en, STEP.text_zh, STEP.due_at).where(
            STEP.incident_id == row.id, STEP.done_at.is_(None), STEP.due_at < now
        )
        for step in connection.execute(query):
            title = t(N_("Step {n} overdue: {incident}")).format(n=step.n, incident=head)
            text = self._text(step.text_en, step.text_zh)
            yield Notice(f"{key}:step:{step.n}:overdue", "incident.step_overdue", level, title, text, step.due_at)

    # -- follow-ups and handovers ------------------------------------------------------

    def _overdue_follow_ups(self, connection: Connection, now: datetime) -> Iterator[Notice]:
        query = select(FOLLOW_UP.id, FOLLOW_UP.title, FOLLOW_UP.priority, FOLLOW_UP.due_at, FOLLOW_UP.owner).where(
            FOLLOW_UP.status != "closed", FOLLOW_UP.due_at < now
        )
        for row in connection.execute(query):
            title = self.t(N_("Follow-up #{number} overdue: {title}")).format(number=row.id, title=row.title)
            body = self.t(N_("Dispatched to: {owner}")).format(owner=row.owner) if row.owner else ""
            level = FOLLOW_UP_LEVELS.get(row.priority, "info")
            # A new due date is a new deadline: missed again, it is announced again.
            key = f"followup:{row.id}:overdue:{row.due_at.isoformat()}"
            yield Notice(key, "followup.overdue", level, title, body, row.due_at)

    def _unsigned_handovers(self, connection: Connection, now: datetime) -> Iterator[Notice]:
        grace = timedelta(minutes=self.config.notify.handover_grace_min)
        query = select(SHIFT.id, SHIFT.planned_end).where(
            SHIFT.team == self.team, SHIFT.status == "open", SHIFT.planned_end <= now - grace
        )
        for row in connection.execute(query):
            planned_end = row.planned_end.astimezone(self.config.zone).strftime("%H:%M")
            title = self.t(N_("Handover not signed: team {team}, shift planned to end at {time}")).format(
                team=self.team, time=planned_end
            )
            yield Notice(
                f"handover:{row.id}:unsigned", "handover.unsigned", "warning", title, "", row.planned_end + grace
            )
