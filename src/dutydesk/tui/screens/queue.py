"""The live queue panel (key 3): totals, a row per queue, agents, alerts, feed status.

The feed runs all the time in its own thread (`dutydesk.tui.queue_feed.QueueFeedService`,
built by `make_app`), so alerts fire and are logged whichever screen is shown. With no feed
configured nothing runs and the screen says how to set one; with the simulator it says,
unmissably, that the figures are drill data. This screen only reads: each refresh is a
thread worker that builds the plain `PanelView`; the widgets are updated when it succeeds
and only then is the next refresh armed. As in dolphie, the screen keeps the handle of
its one refresh timer and stops it before a refresh it starts itself (a key such as `t`),
and a result overtaken by a newer refresh is dropped, so refreshes never overlap or pile
up: the configured rate, plus one per key. Nothing is computed or drawn while the screen
is not visible.
"""

import time

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from dutydesk.domain.log import severity_label
from dutydesk.i18n import N_, _, _p
from dutydesk.queue import render
from dutydesk.queue.metrics import Figures, duration_text
from dutydesk.queue.monitor import AgentLine, PanelView, QueueLine, alert_summary, pending_text
from dutydesk.queue.render import (
    STATUS_STYLE,
    WARNING_STYLE,
    column_titles,
    figure_cells,
    figure_text,
    simulator_mark,
    staffing_text,
)
from dutydesk.queue.rules import Alert, Pending
from dutydesk.queue.runner import FeedRunner, FeedStatus
from dutydesk.queue.sim import SCENARIOS
from dutydesk.queue.sources import SimSource
from dutydesk.tui.rows import local_time
from dutydesk.tui.screens.base import DeskScreen, Dialog
from dutydesk.tui.widgets.footer import DeskFooter
from dutydesk.tui.widgets.header import DutyHeader, TitleBar
from dutydesk.tui.widgets.live_table import LiveTable

SPANS = list(render.SPANS.items())  # (Figures field of QueueLine, title)
FEED_ACTIONS = {"acknowledge", "playbook", "span", "drill"}
AGENT_ROWS = 50
NARROW_BELOW = 120  # terminal columns
MIN_DELAY_S = 0.05  # a Textual timer of 0 s never fires (its skip logic divides by the interval)  # the agents shown: flagged first, then longest in their state
STATE_LABELS = {
    "available": N_("available"),
    "on_call": N_("on call"),
    "wrap_up": N_("wrap-up"),
    "busy": N_("busy"),
    "break": N_("break"),
    "offline": N_("offline"),
}
SCENARIO_LABELS = {
    "surge": N_("surge: three times the calls the agents can answer"),
    "outage": N_("outage: telephony down, nothing answered"),
    "slow-crm": N_("slow CRM: handle time doubled"),
}
FORMULAS = N_("""\
# Queue figures

*Counted offered* = offered − short abandons (when short abandons are excluded).

- **Answer rate** = answered / counted offered
- **Abandon rate** = (abandoned − short abandons) / counted offered
- **Service level** = answered within the threshold / counted offered (or / answered, per configuration)
- **ASA** = (wait time of answered calls + time waited so far by the callers waiting now) / (answered + waiting now); when the feed gives only the longest wait, that alone is added (the ASA is then at least this)
- **AHT** = (talk + hold + wrap-up) / answered
- **Waiting**, **longest wait**: the latest snapshot; the longest wait has its own target (30 s)

Green: the target is met. Amber: missed by at most the amber band. Red: beyond.
Rules use the last 30 minutes and fire once the condition has held for their sustain time; until then they are listed as building ("waiting ≥ 8 for 12:30 of 30:00"), amber past their early-warning time, without writing an alert.
Staffing: Erlang C from the last 30 minutes' offered calls (abandoned included) and AHT (the AHT target when nothing was answered), against the agents able to take calls (available, on a call, wrap-up). Red when fewer are able than needed, or when callers wait past the longest-wait target while agents are available.

Escape closes this help.""")

# The simulator's scenarios (queue/sim.py SCENARIOS) as the drill banner names them.
DRILLS = {"surge": N_("call surge"), "outage": N_("telephony outage"), "slow-crm": N_("slow CRM")}


class ScenarioScreen(Dialog[str]):
    """Drills: pick a simulator scenario to switch on or off."""

    def __init__(self, active: tuple[str, ...]) -> None:
        super().__init__()
        self.active = active

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = _("Drill scenarios")
            yield Static(
                _("Enter switches a scenario on or off. Only the simulator has them."),
                classes="dialog-help",
                markup=False,
            )
            yield OptionList(
                *[
                    Option(("● " if key in self.active else "○ ") + _(SCENARIO_LABELS[key]), id=key)
                    for key in SCENARIOS
                ],
                id="scenarios",
            )

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class FormulaScreen(Dialog[None]):
    BINDINGS = [Binding("escape", "cancel", N_("Close"))]

    def compose(self) -> ComposeResult:
        # Imported here, when the help is opened: Markdown brings pygments and markdown_it (~58 ms of start-up).
        from textual.widgets import Markdown

        with Vertical(classes="dialog dialog-wide"):
            yield Markdown(_(FORMULAS))


class QueueScreen(DeskScreen):
    DEFAULT_CSS = """
    #queue-totals { height: auto; padding: 0 1; background: $boost; text-wrap: nowrap; text-overflow: ellipsis; }
    #queue-trends { height: 1; padding: 0 1; background: $boost; text-wrap: nowrap; text-overflow: ellipsis; }
    #queue-table { height: 1fr; min-height: 5; }
    #queue-lower { height: 1fr; max-height: 16; min-height: 6; }
    #queue-agent-box { width: 2fr; }
    #queue-alert-box { width: 3fr; }
    #queue-agent-counts, #queue-alert-title { height: 1; padding: 0 1; text-style: bold;
        text-wrap: nowrap; text-overflow: ellipsis; }
    #queue-agents, #queue-alerts { height: 1fr; }
    #queue-no-feed { height: 1fr; padding: 1 2; }
    QueueScreen.-narrow #queue-agent-box, QueueScreen.-narrow #queue-alert-box { width: 1fr; }
    """
    BINDINGS = [
        Binding("a", "acknowledge", N_("Acknowledge")),
        Binding("p", "playbook", N_("Playbook")),
        Binding("t", "span", N_("Span")),
        Binding("d", "drill", N_("Drill")),
        Binding("f", "formulas", N_("Formulas")),
    ]

    def __init__(self) -> None:
        super().__init__(id="queue")
        self.span_index = 0
        self.view: PanelView | None = None
        self.narrow = False  # under NARROW_BELOW columns: fewer columns, see `_set_columns`
        self.refreshes = 0  # panels shown, for tests and the benchmark of the refresh rate
        self._timer: Timer | None = None  # the one armed refresh, if any
        self._generation = 0  # the newest refresh started; older results are dropped
        self._started = 0.0  # when it started (monotonic)
        self._cells: dict[str, dict[str, Shown]] = {}  # table → row key → the row's cells and their signatures
        self._queue_rows: dict[str, tuple[Figures, list[Text]]] = {}  # row key → the figures it was built from
        self._agent_rows: dict[str, tuple[tuple[object, ...], list[Text]]] = {}  # agent → its steady cells
        self._texts: dict[str, tuple[object, ...]] = {}  # Static id → signature of the text it shows
        self._shown: tuple[object, ...] | None = None  # the monitor's state and the feed status shown

    # -- widgets -----------------------------------------------------------------------

    @property
    def has_feed(self) -> bool:
        return self.app.queue_feed.runner is not None

    @property
    def feed(self) -> FeedRunner:
        runner = self.app.queue_feed.runner
        assert runner is not None  # the panel's parts are only built with a feed
        return runner

    @property
    def queue_table(self) -> DataTable[Text]:
        return self.query_one("#queue-table", DataTable)

    @property
    def agent_table(self) -> DataTable[Text]:
        return self.query_one("#queue-agents", DataTable)

    @property
    def alert_table(self) -> DataTable[Text]:
        return self.query_one("#queue-alerts", DataTable)

    def compose(self) -> ComposeResult:
        yield DutyHeader()
        yield TitleBar(_("Queue"), "queue")
        if not self.has_feed:
            yield Static(self._no_feed_text(), id="queue-no-feed")
            yield DeskFooter()
            return
        yield Static(id="queue-totals")
        yield Static(id="queue-trends")
        yield LiveTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="queue-lower"):
            with Vertical(id="queue-agent-box"):
                yield Static(id="queue-agent-counts")
                yield LiveTable(id="queue-agents", cursor_type="row")
            with Vertical(id="queue-alert-box"):
                yield Static(_("Alerts"), id="queue-alert-title", markup=False)
                yield LiveTable(id="queue-alerts", cursor_type="row")
        yield DeskFooter()

    def _no_feed_text(self) -> Text:
        path = self.app.context.config_path
        text = Text(
            _("No queue feed is configured: no live figures are shown and no queue alerts are raised."),
            style=WARNING_STYLE,
        )
        text.append("\n\n")
        text.append(
            _(
                "To show the live queue, set queue.feed in the configuration file ({path}) to "
                "file:PATH (a growing JSONL or CSV file) or an http(s):// URL, or start dutydesk "
                "with --feed, e.g. dutydesk --feed file:/var/acd/feed.jsonl"
            ).format(path=path)
        )
        text.append("\n\n")
        text.append(_("To try the panel with simulated drill data: dutydesk demo, or --feed sim."), style="dim")
        return text

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Without a feed there is nothing to acknowledge, span or drill: those keys are hidden."""
        return self.has_feed or action not in FEED_ACTIONS

    def on_mount(self) -> None:
        if not self.has_feed:
            self.query_one("#queue-status", Static).update(Text(_("no queue feed"), style=WARNING_STYLE))
            return
        self._set_columns(self.size.width < NARROW_BELOW)
        self.alert_table.add_columns(_("Fired"), _("Level"), _("Alert"), _("Status"))
        self.queue_table.focus()
        self.call_after_refresh(self.refresh_now)

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW_BELOW
        if self.has_feed and narrow != self.narrow:
            self._set_columns(narrow)
            self.refresh_now()

    def _set_columns(self, narrow: bool) -> None:
        """Below 120 columns the queue table leaves out the counts and the agent table the
        queue, so that state, time in state and every status symbol stay on screen."""
        self.narrow = narrow
        self.set_class(narrow, "-narrow")
        for table, titles in (
            (self.queue_table, [_("Queue"), *column_titles(narrow)]),
            (self.agent_table, [_("Agent"), *([] if narrow else [_("Queue")]), _("State"), _("For")]),
        ):
            table.clear(columns=True)
            table.add_columns(*titles)
        self._cells.pop("queues", None)
        self._cells.pop("agents", None)
        self._queue_rows.clear()
        self._agent_rows.clear()

    # -- refresh: a worker computes, the UI updates, then the next one is armed ---------

    @property
    def refresh_s(self) -> float:
        return self.feed.monitor.settings.refresh_s

    def refresh_now(self) -> None:
        """Refresh at once: the armed timer is stopped first, so it cannot add a second one."""
        self._stop_timer()
        self._generation += 1
        self._started = time.monotonic()
        self._compute(self._generation)

    def _arm(self, delay: float) -> None:
        self._stop_timer()
        self._timer = self.set_timer(delay, self._on_timer)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _on_timer(self) -> None:
        self._timer = None
        # Hidden, or a dialog on top, or nothing new since the panel shown (a silent feed):
        # look again later, without a worker or a view of every queue.
        if not self.is_current or self._shown == (self.feed.monitor.state, self.feed.status()):
            self._arm(self.refresh_s)
            return
        self.refresh_now()

    @work(thread=True, exit_on_error=False, group="queue-refresh")
    def _compute(self, generation: int) -> None:
        monitor = self.feed.monitor
        state = monitor.state  # read first: a change during the view is shown by the next refresh
        view, status = monitor.view(), self.feed.status()
        self.app.call_from_thread(self._show, view, status, generation, state)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "queue-refresh" and event.state == WorkerState.ERROR:
            self.notify(
                _("the queue panel could not refresh: {reason}").format(reason=event.worker.error), severity="error"
            )
            self._arm(self.refresh_s)

    def _show(self, view: PanelView, status: FeedStatus, generation: int, state: tuple[object, ...]) -> None:
        if generation != self._generation:
            return  # overtaken by a newer refresh, which arms the next one
        self.view = view
        self._shown = (state, status)
        self.refreshes += 1
        try:
            self._show_status(view, status)
            self._show_totals(view)
            self._show_trends(view)
            self._show_queues(view)
            self._show_agents(view)
            self._show_alerts(view)
        finally:  # paced from this refresh's start, so the rate is the configured one
            self._arm(max(MIN_DELAY_S, self._started + self.refresh_s - time.monotonic()))

    # -- panels ------------------------------------------------------------------------

    def _show_text(self, selector: str, text: Text) -> None:
        """Update a Static only when its text changed. The panel's lines do not wrap, so the
        same number of lines is the same size: no layout of the whole screen is needed then
        (a layout a second cost more than all the rest of the panel)."""
        before, after = self._texts.get(selector), _signature(text)
        if after == before:
            return
        self._texts[selector] = after
        same_size = before is not None and str(before[0]).count("\n") == text.plain.count("\n")
        self.query_one(selector, Static).update(text, layout=not same_size)

    def _span(self, line: QueueLine) -> Figures:
        return getattr(line, SPANS[self.span_index][0])  # type: ignore[no-any-return]

    def _show_status(self, view: PanelView, status: FeedStatus) -> None:
        line = Text(no_wrap=True, overflow="ellipsis")
        if view.simulated:  # first, so it survives the narrowest terminal
            line.append_text(simulator_mark())
            line.append(" ")
        line.append(_(SPANS[self.span_index][1]), style="bold")
        line.append(" · " + status.spec)
        if status.scenarios:
            names = "、".join(_(DRILLS.get(name, name)) for name in status.scenarios)
            line.append(" · " + _("drill: {names}").format(names=names), style=WARNING_STYLE)
        if view.as_of is not None:
            line.append(" · " + _("as of {time}").format(time=local_time(view.as_of, self.config, "%H:%M:%S")))
        if status.stale_since is not None:
            line.append(
                " · "
                + _("feed stale since {time}").format(time=local_time(status.stale_since, self.config, "%H:%M:%S")),
                style=WARNING_STYLE,
            )
        if status.warnings:
            line.append(
                " · "
                + _("{count} feed warnings, last: {reason}").format(count=status.warnings, reason=status.last_warning),
                style=WARNING_STYLE,
            )
        if view.writer is False:
            line.append(" · " + _("read-only: another console stores these figures and alerts"), style="dim")
        problem = status.failure or view.write_problem
        if problem:
            line.append(" · " + problem, style=STATUS_STYLE["red"])
        self._show_text("#queue-status", line)

    def _show_totals(self, view: PanelView) -> None:
        shown = self._span(view.total)
        text = Text()
        for metric, title in (
            ("waiting", _("Waiting")),
            ("longest_wait_s", _("Longest")),
            ("answer_rate", _p("queue metric", "Answer")),
            ("abandon_rate", _("Abandon")),
            ("", ""),
            ("service_level", _("SL")),
            ("asa_s", _("ASA")),
            ("aht_s", _("AHT")),
        ):
            if not metric:
                text.append("\n")
                continue
            text.append(f"{title} ", style="dim")
            value = figure_text(metric, shown.value(metric), self.config)
            value.stylize("bold")
            text.append_text(value)
            text.append("   ")
        text.append_text(staffing_text(view, self.config))
        self._show_text("#queue-totals", text)

    def _show_trends(self, view: PanelView) -> None:
        """The last hour, a bar a minute: waiting from 0 (up to at least the lowest waiting
        rule's level, so a calm hour looks calm), answer rate from 0 to 100 %."""
        rules = self.config.queue.rules
        floor = min((int(rule.value) for rule in rules if rule.metric == "waiting"), default=1)
        waiting_top = max([*view.waiting_history, floor])
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(_("Waiting, last hour") + " ", style="dim")
        text.append(render.sparkline(view.waiting_history, 0, waiting_top), style="bold")
        text.append(" " + _("max {count}").format(count=waiting_top) + "    ", style="dim")
        text.append(_("Answer rate, last hour") + " ", style="dim")
        text.append(render.sparkline(view.answer_rate_history, 0.0, 1.0), style="bold")
        self._show_text("#queue-trends", text)

    def _show_queues(self, view: PanelView) -> None:
        """A row is built again only when its figures changed (a few queues a second):
        otherwise the very list shown last time is handed to `_sync`, which skips it."""
        lines = [(line.queue, line) for line in view.queues] + [("\0total", view.total)]
        rows = []
        for key, line in lines:
            figures = self._span(line)
            built = self._queue_rows.get(key)
            if built is None or built[0] != figures:
                label = Text(_("Total"), style="bold") if line is view.total else Text(line.queue)
                built = self._queue_rows[key] = (figures, [label, *figure_cells(figures, self.config, self.narrow)])
            rows.append((key, built[1]))
        _sync(self.queue_table, rows, self._cells.setdefault("queues", {}))

    def _show_agents(self, view: PanelView) -> None:
        counts = "  ".join(f"{_(STATE_LABELS[state])} {count}" for state, count in view.agent_counts.items())
        flagged = sum(agent.flagged for agent in view.agents)
        label = Text(counts, no_wrap=True, overflow="ellipsis")
        if flagged:
            label.append("  ·  " + _("{count} flagged").format(count=flagged), style=WARNING_STYLE)
        self._show_text("#queue-agent-counts", label)
        rows = [(agent.id, self._agent_cells(agent)) for agent in view.agents[:AGENT_ROWS]]
        _sync(self.agent_table, rows, self._cells.setdefault("agents", {}))

    def _show_alerts(self, view: PanelView) -> None:
        """Active and past alerts, and below the active ones the rules building up."""
        active = [(str(alert.id), self._alert_cells(alert)) for alert in view.alerts if alert.active]
        pending = [(f"pending:{item.rule.key}:{item.queue}", self._pending_cells(item)) for item in view.pending]
        past = [(str(alert.id), self._alert_cells(alert)) for alert in view.alerts if not alert.active]
        _sync(self.alert_table, active + pending + past, self._cells.setdefault("alerts", {}))
        title = Text(_("Alerts"), style="bold")
        if active:
            title.append(
                "  " + _("{count} active · a: acknowledge · p: playbook").format(count=len(active)),
                style=STATUS_STYLE["red"],
            )
        if pending:
            title.append("  " + _("{count} building").format(count=len(pending)), style=WARNING_STYLE)
        self._show_text("#queue-alert-title", title)

    def _alert_cells(self, alert: Alert) -> list[Text]:
        style = STATUS_STYLE["red"] if alert.rule.level == "critical" else WARNING_STYLE
        if not alert.active:
            style = "dim"
            state = _("cleared {time}").format(time=local_time(alert.cleared_at, self.config, "%H:%M"))  # type: ignore[arg-type]
        elif alert.acknowledged_at is not None:
            state = _("acknowledged by {who} {time}").format(
                who=alert.acknowledged_by_display or "—",
                time=local_time(alert.acknowledged_at, self.config, "%H:%M"),
            )
        else:
            state = _("active")
        return [
            Text(local_time(alert.fired_at, self.config, "%H:%M:%S")),
            Text(("✗ " if alert.rule.level == "critical" else "▲ ") + severity_label(alert.rule.level), style=style),
            Text(alert_summary(alert), style=style if alert.active else "dim"),
            Text(state, style=style),
        ]

    def _agent_cells(self, agent: AgentLine) -> list[Text]:
        """The steady cells are the ones shown before while they say the same (so `_sync`
        does not compare them again); the time in state is new every second."""
        steady = (agent.name, agent.queue, agent.state, agent.reason, agent.flagged)
        kept = self._agent_rows.get(agent.id)
        if kept is None or kept[0] != steady:
            kept = self._agent_rows[agent.id] = (steady, _steady_agent_cells(agent, with_queue=not self.narrow))
        return [*kept[1], Text(duration_text(agent.in_state_s), style=WARNING_STYLE if agent.flagged else "")]

    def _pending_cells(self, item: Pending) -> list[Text]:
        """A rule building up: amber once past its early-warning time, dim before."""
        style = WARNING_STYLE if item.early_warning else "dim"
        label = _("early warning") if item.early_warning else _("building")
        return [
            Text(local_time(item.since, self.config, "%H:%M:%S"), style=style),
            Text(("▲ " if item.early_warning else "◔ ") + label, style=style),
            Text(
                _("{scope}: {rule}").format(scope=item.queue or _("all queues"), rule=pending_text(item)), style=style
            ),
            Text(_("fires in {time}").format(time=duration_text(item.left_s)), style=style),
        ]

    # -- actions -----------------------------------------------------------------------

    def _cursor_key(self) -> str | None:
        """The key of the alert list's row under the cursor, when the list has focus."""
        table = self.alert_table
        if not (table.has_focus and table.row_count):
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def _chosen_alert(self) -> Alert | None:
        """The alert under the cursor when the alert list has focus, else the newest active one."""
        alerts = self.view.alerts if self.view else []
        key = self._cursor_key()
        return _newest_live(alerts) if key is None else next((a for a in alerts if str(a.id) == key), None)

    def _alert_to_acknowledge(self) -> Alert | None:
        """A live alert, chosen from the monitor's alerts as they are now, not as the panel last
        showed them (a refresh ago: at a drill's speed, minutes of its time): the one under the
        cursor if it is still live, else the newest live one. A cursor left on an alert that
        has cleared since (it moves down with its row) must not take the acknowledgement
        from the one still firing."""
        live = self.feed.monitor.live_alerts()
        key = self._cursor_key()
        return next((alert for alert in live if str(alert.id) == key), None) or _newest_live(live)

    def action_acknowledge(self) -> None:
        alert = self._alert_to_acknowledge()
        if alert is None:
            self.notify(_("No alert to acknowledge"), severity="warning")
            return
        shift, monitor = self.app.shift, self.feed.monitor
        self.run_io(lambda: monitor.acknowledge(alert.id, shift), self._acknowledged, group="queue-acknowledge")

    def _acknowledged(self, alert: Alert | None) -> None:
        if alert is not None:
            self.notify(alert_summary(alert), title=_("Alert acknowledged"))
            self.refresh_now()

    def action_playbook(self) -> None:
        alert = self._chosen_alert()
        if alert is None or not alert.rule.playbook:
            self.notify(_("No playbook suggested"), severity="warning")
            return
        key = alert.rule.playbook
        self.app.switch_mode("playbooks")

        def open_it() -> None:
            opener = getattr(self.app.screen, "open_playbook", None)
            if callable(opener):
                opener(key)

        self.app.call_after_refresh(open_it)

    def action_span(self) -> None:
        self.span_index = (self.span_index + 1) % len(SPANS)
        self.refresh_now()

    def action_drill(self) -> None:
        if not isinstance(self.feed.source, SimSource):
            self.notify(_("Drills need the simulator: start with --feed sim"), severity="warning")
            return
        self.app.push_screen(ScenarioScreen(self.feed.status().scenarios), self._drill_chosen)

    def _drill_chosen(self, scenario: str | None) -> None:
        if scenario is None:
            return
        on = self.feed.toggle_scenario(scenario)
        message = _("Drill {name} started") if on else _("Drill {name} stopped")
        self.notify(message.format(name=_(DRILLS.get(scenario, scenario))), severity="warning" if on else "information")

    def action_formulas(self) -> None:
        self.app.push_screen(FormulaScreen())


def _newest_live(alerts: list[Alert]) -> Alert | None:
    """Of alerts listed newest first: the newest live one nobody acknowledged, else the newest live one."""
    live = [alert for alert in alerts if alert.active]
    return next((alert for alert in live if alert.acknowledged_at is None), live[0] if live else None)


def _steady_agent_cells(agent: AgentLine, with_queue: bool) -> list[Text]:
    """Name, queue and state: what changes only when the agent's state does."""
    style = WARNING_STYLE if agent.flagged else ""
    return [
        Text(("⚑ " if agent.flagged else "  ") + agent.name, style=style),
        *([Text(agent.queue)] if with_queue else []),
        Text(_(STATE_LABELS[agent.state]) + (f" · {agent.reason}" if agent.reason else ""), style=style),
    ]


def _signature(cell: Text) -> tuple[object, ...]:
    return cell.plain, str(cell.style), tuple(cell.spans)


Shown = tuple[list[Text], tuple[tuple[object, ...], ...]]  # a row's cells as given, and their signatures


def _sync(table: DataTable[Text], rows: list[tuple[str, list[Text]]], shown: dict[str, Shown]) -> None:
    """Make the table show `rows` in order, touching only the cells that changed: a row that
    left is removed, a new one added, one that moved is moved by a sort (no row is built
    again), so the cursor and the scroll position stay where the user left them. A row
    given as the very list of cells given last time is unchanged, and so is a cell given as
    the very Text given last time: they are not compared."""
    keys = [key for key, _cells in rows]
    cursor = table.cursor_row
    # The cursor stays on the row it was on (a new alert above must not move the selection
    # to another alert), else at the same height.
    selected = list(shown)[cursor] if 0 <= cursor < len(shown) else None
    gone = shown.keys() - set(keys)
    for key in gone:
        table.remove_row(key)
        del shown[key]
    columns = table.ordered_columns
    for key, cells in rows:
        before = shown.get(key)
        if before is not None and before[0] is cells:
            continue
        if before is None:
            after = tuple(_signature(cell) for cell in cells)
            table.add_row(*cells, key=key)
        else:
            given, signatures = before
            after = tuple(
                signatures[index] if cell is given[index] else _signature(cell) for index, cell in enumerate(cells)
            )
            for index, cell in enumerate(cells):
                if after[index] != signatures[index]:
                    # Columns widen for a longer text (measuring only that cell); they do not
                    # narrow, which would measure the whole column for every shorter one.
                    wider = cell.cell_len > columns[index].content_width
                    table.update_cell(key, columns[index].key, cell, update_width=wider)
        shown[key] = (cells, after)
    if list(shown) != keys:
        # DataTable's sort gives its key function a row's cells, not its key: the first
        # cell, the very object the table holds, tells the row.
        first = columns[0].key
        position = {id(table.get_cell(key, first)): index for index, key in enumerate(keys)}
        table.sort(key=lambda cells: position[id(cells[0])])
        shown.update({key: shown.pop(key) for key in keys})  # in the new order
    elif not gone:
        return
    row = keys.index(selected) if selected in keys else min(cursor, len(keys) - 1)
    if row >= 0:
        table.move_cursor(row=row, animate=False)
