"""The queue panel's state: snapshots in; figures, agents, alerts and a staffing hint out.

`QueueMonitor` is what the Queue screen, `queue watch` and `queue replay` share. It is
fed from one thread (the feed runner or a replay loop) and read from another (the
screen's refresh worker); both hold `lock`. Database writes (interval aggregates, alert
rows and their log entries) are collected while ingesting and done by `save()`, outside
the hot path; `_writing` keeps `save()` and `acknowledge()` from storing an alert twice.
"""

import contextlib
import os
import secrets
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import delete, func, insert, select

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain import lease
from dutydesk.domain.log import add_entry
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.errors import ConfigError, UserError
from dutydesk.i18n import N_, NP_, _
from dutydesk.queue import erlang
from dutydesk.queue.alerts import insert_alert, live_stored_alerts, mark_acknowledged, mark_cleared
from dutydesk.queue.board import TOTAL, Board, IntervalAggregate, QueueTrack
from dutydesk.queue.metrics import GREEN, RED, Figures, duration_text, figures, value_text
from dutydesk.queue.model import AGENT_STATES, COUNTER_FIELDS, Counters, Snapshot
from dutydesk.queue.rules import CLEARED, FIRED, Alert, AlertEvent, Pending, RuleEngine
from dutydesk.store.db import Database
from dutydesk.store.tables import QueueInterval, columns_of

COMPARISON_SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}
WRITER_ROLE = "queue_writer"
WRITER_LEASE = timedelta(seconds=20)  # renewed at every save (every 5 s while the feed delivers)
INTERVAL = columns_of(QueueInterval)
KEPT_ALERTS = 100
HISTORY_MINUTES = 60
NOT_READY = ("busy", "break", "offline")  # listed before the agents who take calls
METRIC_LABELS = {
    "waiting": NP_("queue metric", "waiting"),
    "longest_wait_s": N_("longest wait"),
    "answer_rate": N_("answer rate"),
    "abandon_rate": N_("abandon rate"),
    "service_level": N_("service level"),
    "asa_s": N_("ASA"),
    "aht_s": N_("AHT"),
}


@dataclass(frozen=True)
class QueueLine:
    queue: str  # "" for the whole center
    interval: Figures  # the current stored interval (15 min)
    window: Figures  # the last 30 min
    shift: Figures  # since the panel started on this shift


class AgentLine(NamedTuple):
    """A tuple, not a dataclass: a view makes one per agent (500 a second at the busy hour),
    and a tuple of plain values is quicker to make and not tracked by the garbage collector."""

    id: str
    name: str
    queue: str
    state: str
    since: datetime
    in_state_s: float
    flagged: bool
    reason: str = ""  # why not ready, when the feed says (a pause reason)


SHORT, IDLE_WHILE_WAITING = "short", "idle_while_waiting"


@dataclass(frozen=True)
class Staffing:
    """Erlang C's agents needed for the offered load (arrivals, abandoned included) against
    the agents able to take calls (available, on a call or wrapping up). Red when fewer are
    able than needed, or when callers wait past the longest-wait target while agents of
    their own queue sit available (then more staff would not help: check telephony and
    routing)."""

    hint: erlang.StaffingHint
    able: int
    available: int  # available in a queue whose callers wait past the longest-wait target
    aht_assumed: bool  # nothing answered in the window: AHT is the target's
    status: str  # GREEN or RED
    problem: str | None  # SHORT, IDLE_WHILE_WAITING or None

    def as_json(self) -> dict[str, object]:
        return self.hint.as_json() | {
            "able_to_take_calls": self.able,
            "available": self.available,
            "aht_assumed": self.aht_assumed,
            "status": self.status,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class PanelView:
    as_of: datetime | None  # the newest snapshot's time
    total: QueueLine
    queues: list[QueueLine]
    agent_counts: dict[str, int]
    agents: list[AgentLine]  # flagged first, longest in state first
    alerts: list[Alert]  # copies: active first, newest first
    pending: list[Pending]  # rules building up, closest to firing first
    staffing: Staffing | None  # None: no call offered in the window
    staffed_agents: int  # available, on a call or wrapping up: able to take calls
    waiting_history: list[int]  # the total, one sample a minute, the last hour
    answer_rate_history: list[float]  # the total's last-30-min answer rate, likewise
    snapshots: int
    write_problem: str | None
    simulated: bool  # the figures come from the simulator: drill data, not live
    writer: bool | None = None  # this console stores the figures (False: another one does)

    def as_json(self) -> dict[str, object]:
        def line(item: QueueLine) -> dict[str, object]:
            return {
                "queue": item.queue or None,
                "interval": item.interval.as_json(),
                "window": item.window.as_json(),
                "shift": item.shift.as_json(),
            }

        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "total": line(self.total),
            "queues": [line(item) for item in self.queues],
            "agent_counts": self.agent_counts,
            "flagged_agents": [
                {
                    "id": a.id,
                    "name": a.name,
                    "queue": a.queue,
                    "state": a.state,
                    "reason": a.reason or None,
                    "since": a.since.isoformat(),
                    "in_state_s": round(a.in_state_s),
                }
                for a in self.agents
                if a.flagged
            ],
            "alerts": [alert.as_json() for alert in self.alerts],
            "pending": [item.as_json() for item in self.pending],
            "staffing": self.staffing.as_json() if self.staffing else None,
            "staffed_agents": self.staffed_agents,
            "snapshots": self.snapshots,
            "simulated": self.simulated,
            "writer": self.writer,
        }


def metric_label(metric: str) -> str:
    return _(METRIC_LABELS[metric])


class QueueMonitor:
    def __init__(
        self,
        config: Config,
        db: Database | None = None,
        shift: Callable[[], ShiftInfo | None] = lambda: None,
        *,
        simulated: bool = False,
    ) -> None:
        """`simulated`: fed by the simulator, so its log entries say so (a drill's log must
        never read like real events)."""
        self.config, self.settings, self.db, self.shift = config, config.queue, db, shift
        self.simulated = simulated
        _check_rule_categories(config)
        self.board = Board(timedelta(minutes=self.settings.window_min), self.settings.interval_min)
        self.rules = RuleEngine(list(self.settings.rules))
        self._has_total_rules = any(rule.scope == "total" for rule in self.settings.rules)
        self.alerts: list[Alert] = []
        self.lock = threading.Lock()
        self._writing = threading.Lock()
        self.snapshots = 0
        self._changes = 0  # steps whenever what `view()` shows may have changed, see `state`
        self.write_problem: str | None = None
        self.holder = _holder_name()
        self.writer: bool | None = None  # holds the writer lease (None: not asked yet)
        self._own_rows: set[int] = set()  # alert rows this monitor inserted (their firing is its to log)
        self._closed_intervals: list[IntervalAggregate] = []
        self._events: deque[AlertEvent] = deque(maxlen=2 * KEPT_ALERTS)  # not stored yet
        self._history: deque[tuple[datetime, int, float]] = deque(maxlen=HISTORY_MINUTES)

    # -- feeding -------------------------------------------------------------------------

    def ingest(self, snapshot: Snapshot) -> list[AlertEvent]:
        """Count one snapshot in and evaluate the rules; the alerts that fired or cleared."""
        with self.lock:
            return self._ingest(snapshot)

    def _ingest(self, snapshot: Snapshot) -> list[AlertEvent]:
        self.snapshots += 1
        self._changes += 1
        self._closed_intervals.extend(self.board.add(snapshot))
        track = self.board.queues[snapshot.queue]
        events = self.rules.evaluate(snapshot.queue, snapshot.ts, self._window_figures(track))
        if self._has_total_rules:
            events += self.rules.evaluate(TOTAL, snapshot.ts, self._window_figures(self.board.total))
        for event in events:
            if event.kind == FIRED:
                self.alerts.append(event.alert)
        if len(self.alerts) > KEPT_ALERTS:
            self._forget_cleared_alerts()
        self._events.extend(events)
        self._sample_history(snapshot.ts)
        return events

    def _forget_cleared_alerts(self) -> None:
        """Keep the newest KEPT_ALERTS alerts, and every live one however old: an alert still
        firing is never dropped from the panel (the status strip counts it meanwhile)."""
        surplus = len(self.alerts) - KEPT_ALERTS
        kept = []
        for alert in self.alerts:
            if surplus > 0 and not alert.active:
                surplus -= 1
                continue
            kept.append(alert)
        self.alerts[:] = kept

    def _sample_history(self, ts: datetime) -> None:
        """The minute's sample is the latest state within that minute."""
        minute = ts.replace(second=0, microsecond=0)
        if self._history and self._history[-1][0] >= minute:  # (a late queue counts as now)
            minute = self._history.pop()[0]
        total = self._window_figures(self.board.total)
        previous = self._history[-1][2] if self._history else 1.0
        rate = total.answer_rate if total.answer_rate is not None else previous
        self._history.append((minute, total.waiting, rate))

    def restore(self) -> None:
        """Count in what this shift's stored intervals hold and take up its alerts still
        active (a restarted panel goes on with the shift's figures and alerts)."""
        shift = self.shift()
        if shift is None or self.db is None:
            return
        self._restore_alerts(shift)
        interval = columns_of(QueueInterval)
        query = (
            select(interval.queue, *(func.sum(interval[name]) for name in COUNTER_FIELDS))
            .where(interval.shift_id == shift.id)
            .group_by(interval.queue)
        )
        with self.db.engine.connect() as connection:
            rows = connection.execute(query).all()
        with self.lock:
            for row in rows:
                self.board.restore(row[0], Counters(*row[1:]))
            self._changes += 1

    def _restore_alerts(self, shift: ShiftInfo) -> None:
        assert self.db is not None
        rules = {rule.key: rule for rule in self.settings.rules}
        stored = live_stored_alerts(self.db, shift.id, simulated=self.simulated)  # a drill's alert stays out of live
        with self.lock:
            for item in stored:
                rule = rules.get(item.rule)
                if rule is None:
                    continue
                alert = self.rules.resume(rule, item.queue, item.fired_at, item.figures)
                alert.row_id = item.id
                alert.acknowledged_by, alert.acknowledged_at = item.acknowledged_by, item.acknowledged_at
                alert.acknowledged_by_display = item.acknowledged_by_display
                self.alerts.append(alert)

    def _window_figures(self, track: QueueTrack) -> Figures:
        return figures(track.window.total, track.waiting, track.longest_wait_s, self.settings, track.waited_now_s)

    # -- saving --------------------------------------------------------------------------

    def save(self, *, final: bool = False) -> None:
        """Store closed intervals (and with `final` the open ones) and log alert events, if
        this monitor holds the team's writer lease (else another console stores the same
        figures, and the intervals are dropped). Alert events wait until they are stored:
        the panel shows an alert from the start, so the stored rows (the status strip,
        `alert list`) must have it as soon as this console may write, e.g. once the lease
        of a console killed without letting it go runs out; storing is idempotent, so one
        another console stored meanwhile is not stored twice. With `final` the lease is
        given up. Never raises: a failure is kept in `write_problem` for the status line."""
        with self._writing:
            with self.lock:
                intervals, self._closed_intervals = self._closed_intervals, []
                if final:
                    intervals += self.board.open_intervals()
                events = list(self._events)
            if self.db is None:
                return
            shift = self.shift()
            try:
                self.writer = self._hold_lease(shift)
                if not self.writer:
                    return
                self._store_intervals(shift, intervals)
                for event in events:
                    if self._store_event(shift, event):
                        self._log_event(shift, event)
                    with self.lock, contextlib.suppress(ValueError):  # ValueError: dropped by the bound meanwhile
                        self._events.remove(event)
                if final:
                    lease.release(self.db, _team(shift), WRITER_ROLE, self.holder)
            except Exception as error:  # a locked or full database must not stop the feed
                self.write_problem = str(error).splitlines()[0][:200]

    def _hold_lease(self, shift: ShiftInfo | None) -> bool:
        assert self.db is not None
        return lease.hold(self.db, _team(shift), WRITER_ROLE, self.holder, WRITER_LEASE, clock.utcnow())

    def storing_console(self) -> str | None:
        """Who stores this team's queue figures now (None: nobody, or no database)."""
        if self.db is None:
            return None
        return lease.holder_of(self.db, _team(self.shift()), WRITER_ROLE, clock.utcnow())

    def _store_intervals(self, shift: ShiftInfo | None, intervals: list[IntervalAggregate]) -> None:
        """Each interval once: a stored row of the same queue and interval whose span of
        snapshots overlaps this one is the same calls seen again (a second console, a
        replay, a restart reading the file again); the one that saw more snapshots stays.
        A row whose span does not overlap is another part of the interval (a restart that
        saw only the rest of it) and is kept beside it."""
        if not intervals or self.db is None:
            return
        shift_id = shift.id if shift else None
        with self.db.engine.begin() as connection:
            for item in intervals:
                overlapping = connection.execute(
                    select(INTERVAL.id, INTERVAL.snapshots).where(
                        INTERVAL.shift_id.is_(None) if shift_id is None else INTERVAL.shift_id == shift_id,
                        INTERVAL.queue == item.queue,
                        INTERVAL.start == item.start,
                        INTERVAL.simulated == self.simulated,
                        INTERVAL.first_ts.is_(None) | (INTERVAL.first_ts <= item.last_ts),
                        INTERVAL.last_ts.is_(None) | (INTERVAL.last_ts >= item.first_ts),
                    )
                ).all()
                if any(row.snapshots >= item.snapshots for row in overlapping):
                    continue  # already stored, from at least as many snapshots
                if overlapping:
                    connection.execute(delete(QueueInterval).where(INTERVAL.id.in_([row.id for row in overlapping])))
                connection.execute(insert(QueueInterval).values(self._interval_row(shift_id, item)))

    def _interval_row(self, shift_id: int | None, item: IntervalAggregate) -> dict[str, object]:
        return {
            "shift_id": shift_id,
            "queue": item.queue,
            "start": item.start,
            "snapshots": item.snapshots,
            "max_waiting": item.max_waiting,
            "max_longest_wait_s": item.max_longest_wait_s,
            **item.counters.as_dict(),
            "simulated": self.simulated,
            "first_ts": item.first_ts,
            "last_ts": item.last_ts,
        }

    def _store_event(self, shift: ShiftInfo | None, event: AlertEvent) -> bool:
        """The alert's row: inserted when it fires (unless this console's early
        acknowledgement, another console or a replay did), given its clearing time when it
        clears. True when the event is news to the database, so it is logged exactly once."""
        assert self.db is not None
        alert = event.alert
        with self.db.engine.begin() as connection:
            if alert.row_id is None:
                alert.row_id, created = insert_alert(
                    connection, alert, shift.id if shift else None, self.simulated, None
                )
                if created:
                    self._own_rows.add(alert.row_id)
            if event.kind == CLEARED:
                return mark_cleared(connection, alert.row_id, event.at)
            return alert.row_id in self._own_rows

    def _log_event(self, shift: ShiftInfo | None, event: AlertEvent) -> None:
        if shift is None or self.db is None:
            return
        rule = event.alert.rule
        add_entry(
            self.db,
            self.config,
            shift,
            self._log_text(alert_event_text(event)),
            category=rule.log_category,
            severity=rule.level if event.kind == FIRED else "info",
            at=_log_time(event.at),
        )

    def now(self) -> datetime:
        """The time on the feed's clock. A drill keeps its own, which runs ahead of the
        console's when it is sped up: its newest snapshot's time. A real feed's is the
        console's clock."""
        as_of = self.board.total.last_ts
        return as_of if self.simulated and as_of is not None else clock.utcnow()

    def acknowledge(self, alert_id: int, who: ShiftInfo | None) -> Alert | None:
        """Record who acknowledged a live alert and when (on the feed's clock): in its row and
        the duty log. A cleared alert needs no acknowledgement: a UserError."""
        with self._writing:
            with self.lock:
                alert = next((a for a in self.alerts if a.id == alert_id), None)
                if alert is not None and not alert.active:
                    raise UserError(cleared_text(alert))
                if alert is None or alert.acknowledged_at is not None:
                    return alert
                now = max(self.now(), alert.fired_at)
            if self.db is not None:
                self._store_acknowledgement(alert, who, now)
            with self.lock:
                alert.acknowledged_by = who.supervisor if who else None
                alert.acknowledged_by_display = who.supervisor_display if who else None
                alert.acknowledged_at = now
                self._changes += 1
        if who is not None and self.db is not None:
            add_entry(
                self.db,
                self.config,
                who,
                self._log_text(acknowledgement_text(alert)),
                category=alert.rule.log_category,
                at=_log_time(now),
            )
        return alert

    def _store_acknowledgement(self, alert: Alert, who: ShiftInfo | None, now: datetime) -> None:
        """Stored before the alert shows it, so a failed write leaves it unacknowledged."""
        assert self.db is not None
        name = who.supervisor if who else None
        with self.db.engine.begin() as connection:
            if alert.row_id is None:  # acknowledged before `save()` stored it
                shift = who or self.shift()
                acknowledged = replace(alert, acknowledged_at=now)
                alert.row_id, created = insert_alert(
                    connection, acknowledged, shift.id if shift else None, self.simulated, name
                )
                if created:
                    self._own_rows.add(alert.row_id)
                else:  # stored by another console meanwhile
                    mark_acknowledged(connection, alert.row_id, name, now)
            else:
                mark_acknowledged(connection, alert.row_id, name, now)

    def _log_text(self, text: str) -> str:
        return _("[SIM] {text}").format(text=text) if self.simulated else text

    # -- reading -------------------------------------------------------------------------

    def live_alerts(self) -> list[Alert]:
        """Copies of the alerts still firing, newest first."""
        with self.lock:
            live = [replace(alert) for alert in self.alerts if alert.active]
        return sorted(live, key=lambda alert: alert.fired_at, reverse=True)

    def pending(self) -> list[Pending]:
        """The rules building up (for the status strip): closest to firing first."""
        with self.lock:
            return self.rules.pending()

    @property
    def state(self) -> tuple[object, ...]:
        """Equal as long as `view()` (without `now`) would show the same: a reader that
        refreshes on a timer can skip the refresh while nothing came in (a silent feed)."""
        return self._changes, self.writer, self.write_problem

    def view(self, now: datetime | None = None) -> PanelView:
        """Everything the panel shows, as plain data. Time in state is measured to `now`
        (default: the newest snapshot, so a replay shows what the live panel showed)."""
        with self.lock:
            return self._view(now)

    def _view(self, now: datetime | None) -> PanelView:
        as_of = self.board.total.last_ts
        lines = [self._line(track) for _name, track in sorted(self.board.queues.items())]
        agents = self._agents(now or as_of)
        counts = {state: 0 for state in AGENT_STATES}
        for agent in agents:
            counts[agent.state] += 1
        staffed = counts["available"] + counts["on_call"] + counts["wrap_up"]
        alerts = sorted(self.alerts, key=lambda a: (not a.active, -a.fired_at.timestamp()))
        return PanelView(
            as_of=as_of,
            total=self._line(self.board.total),
            queues=lines,
            agent_counts=counts,
            agents=sorted(agents, key=lambda a: (not a.flagged, a.state not in NOT_READY, -a.in_state_s)),
            alerts=[replace(alert) for alert in alerts],
            pending=self.rules.pending(),
            staffing=self._staffing(staffed, agents),
            staffed_agents=staffed,
            snapshots=self.snapshots,
            write_problem=self.write_problem,
            simulated=self.simulated,
            writer=self.writer,
            waiting_history=[waiting for _minute, waiting, _rate in self._history],
            answer_rate_history=[rate for _minute, _waiting, rate in self._history],
        )

    def _line(self, track: QueueTrack) -> QueueLine:
        now = (track.waiting, track.longest_wait_s, self.settings, track.waited_now_s)
        interval = track.interval.counters if track.interval else track.shift
        return QueueLine(
            track.queue,
            figures(interval, *now),
            figures(track.window.total, *now),
            figures(track.shift, *now),
        )

    def _agents(self, now: datetime | None) -> list[AgentLine]:
        limit = self.settings.agent_state_limit_min * 60
        flagged_states = set(self.settings.flagged_states)
        seen: dict[str, AgentLine] = {}
        for snapshot in self.board.latest.values():
            for agent in snapshot.agents or ():
                in_state = max(0.0, ((now or snapshot.ts) - agent.since).total_seconds())
                seen[agent.id] = AgentLine(
                    agent.id,
                    agent.name,
                    snapshot.queue,
                    agent.state,
                    agent.since,
                    in_state,
                    agent.state in flagged_states and in_state > limit,
                    agent.reason,
                )
        return list(seen.values())

    def _staffing(self, able: int, agents: list[AgentLine]) -> Staffing | None:
        total = self.board.total
        counters = total.window.total
        if counters.offered == 0:
            return None
        targets = self.config.targets
        answered = counters.answered or total.shift.answered
        handled = counters.handle_time_s_total if counters.answered else total.shift.handle_time_s_total
        aht = handled / answered if answered else targets.handle_time_inquiry_max_s
        hint = erlang.agents_needed(
            counters.offered,
            self.settings.window_min * 60,
            aht,
            targets.service_level_min,
            targets.service_level_threshold_s,
        )
        # Agents available in a queue whose callers wait past the target: more agents would
        # not help those callers (telephony, routing). Said first. An agent free in another
        # queue is not one of them.
        suffering = {
            name
            for name, track in self.board.queues.items()
            if track.waiting and track.longest_wait_s > targets.longest_wait_max_s
        }
        available = sum(agent.state == "available" and agent.queue in suffering for agent in agents)
        problem = None
        if available:
            problem = IDLE_WHILE_WAITING
        elif able < hint.agents:
            problem = SHORT
        return Staffing(hint, able, available, not answered, RED if problem else GREEN, problem)


def _log_time(at: datetime) -> datetime:
    """When a duty-log entry about an alert is written: the log is kept on the console's
    clock, which a sped-up drill's runs ahead of (its entries say [SIM] and name no time)."""
    return min(at, clock.utcnow())


def _team(shift: ShiftInfo | None) -> str:
    return shift.team if shift else ""


def _holder_name() -> str:
    """This console: host and process, and a token for two monitors in one process."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _check_rule_categories(config: Config) -> None:
    for rule in config.queue.rules:
        if config.category(rule.log_category) is None:
            raise ConfigError(
                _("queue rule {rule}: unknown log category {category!r}: choose one of {choices}").format(
                    rule=rule.key,
                    category=rule.log_category,
                    choices=", ".join(c.key for c in config.log.categories),
                )
            )


def _scope_text(queue: str) -> str:
    return _("queue {queue}").format(queue=queue) if queue else _("all queues")


def alert_event_text(event: AlertEvent) -> str:
    alert, rule = event.alert, event.alert.rule
    if event.kind == CLEARED:
        return _("Queue alert cleared ({scope}): {action}. Now {metric} {value}.").format(
            scope=_scope_text(alert.queue),
            action=str(rule.action),
            metric=metric_label(rule.metric),
            value=value_text(rule.metric, event.figures.value(rule.metric)),
        )
    shown = event.figures
    return _(
        "Queue alert ({scope}): {metric} {value} {comparison} {threshold} for {minutes:g} min. "
        "{action}. Waiting {waiting}, answer rate {answer_rate}, abandon rate {abandon_rate}."
    ).format(
        scope=_scope_text(alert.queue),
        metric=metric_label(rule.metric),
        value=value_text(rule.metric, alert.value),
        comparison=rule.comparison,
        threshold=value_text(rule.metric, rule.value),
        minutes=rule.sustain_min,
        action=str(rule.action),
        waiting=shown.waiting,
        answer_rate=value_text("answer_rate", shown.answer_rate),
        abandon_rate=value_text("abandon_rate", shown.abandon_rate),
    )


def alert_summary(alert: Alert) -> str:
    """One line: where, what value, what to do."""
    return _("{scope}: {metric} {value} — {action}").format(
        scope=alert.queue or _("all queues"),
        metric=metric_label(alert.rule.metric),
        value=value_text(alert.rule.metric, alert.value),
        action=str(alert.rule.action),
    )


def pending_text(item: Pending) -> str:
    """E.g. "waiting ≥ 8 for 12:30 of 30:00"."""
    rule = item.rule
    return _("{metric} {comparison} {threshold} for {held} of {sustain}").format(
        metric=metric_label(rule.metric),
        comparison=COMPARISON_SIGNS.get(rule.comparison, rule.comparison),
        threshold=value_text(rule.metric, rule.value),
        held=duration_text(item.held_s),
        sustain=duration_text(item.sustain_s),
    )


def cleared_text(alert: Alert) -> str:
    return _("That alert has cleared ({summary}): there is nothing to acknowledge").format(summary=alert_summary(alert))


def acknowledgement_text(alert: Alert) -> str:
    return _("Queue alert acknowledged by {who} ({scope}): {action}").format(
        who=alert.acknowledged_by_display or "—", scope=_scope_text(alert.queue), action=str(alert.rule.action)
    )
