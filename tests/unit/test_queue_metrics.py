"""Queue figures, targets, rules with sustain, Erlang C and the simulator."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from dutydesk.config import Config, QueueRule
from dutydesk.context import Context
from dutydesk.domain.log import LogFilter, list_entries
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.queue import erlang
from dutydesk.queue.metrics import AMBER, GREEN, RED, figures, status
from dutydesk.queue.model import Counters, Snapshot
from dutydesk.queue.monitor import QueueMonitor
from dutydesk.queue.rules import CLEARED, FIRED, RuleEngine
from dutydesk.queue.sim import SURGE_LOAD, Simulator
from dutydesk.store.tables import QueueInterval

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
HAND = Counters(
    offered=100,
    answered=80,
    abandoned=20,
    abandoned_short=5,
    answered_within_sl=60,
    handle_time_s_total=24_000,
    wait_time_s_total=2_000,
)


def test_figures_by_hand_with_short_abandons_excluded(config: Config) -> None:
    shown = figures(HAND, 7, 42.0, config.queue)
    assert (shown.offered, shown.answered, shown.abandoned) == (95, 80, 15)
    assert shown.answer_rate == pytest.approx(80 / 95)
    assert shown.abandon_rate == pytest.approx(15 / 95)
    assert shown.service_level == pytest.approx(60 / 95)
    assert shown.asa_s == pytest.approx((2_000 + 42) / (80 + 7))  # the 7 waiting count, the oldest for all
    assert shown.aht_s == pytest.approx(300.0)
    assert (shown.waiting, shown.longest_wait_s) == (7, 42.0)


def test_figures_by_hand_counting_everything_and_sl_over_answered(config: Config) -> None:
    settings = config.queue.model_copy(update={"exclude_short_abandons": False, "service_level_base": "answered"})
    shown = figures(HAND, 0, 0.0, settings)
    assert (shown.answer_rate, shown.abandon_rate, shown.service_level) == (0.8, 0.2, 0.75)


def test_no_calls_means_no_rate_not_a_bad_rate(config: Config) -> None:
    shown = figures(Counters(), 0, 0.0, config.queue)
    assert shown.answer_rate is None and shown.asa_s is None and shown.service_level is None


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("answer_rate", 0.86, GREEN),
        ("answer_rate", 0.80, AMBER),
        ("answer_rate", 0.70, RED),
        ("abandon_rate", 0.05, GREEN),
        ("abandon_rate", 0.054, AMBER),
        ("abandon_rate", 0.10, RED),
        ("asa_s", 30, GREEN),
        ("asa_s", 32, AMBER),
        ("asa_s", 40, RED),
        ("service_level", 0.8, GREEN),
        ("waiting", 50, None),
        ("answer_rate", None, None),
    ],
)
def test_status_against_targets(config: Config, metric: str, value: float | None, expected: str | None) -> None:
    assert status(metric, value, config.targets, config.queue.amber_band) == expected


# -- rules ----------------------------------------------------------------------------------


def waiting_rule(config: Config, scope: str = "each") -> QueueRule:
    return config.queue.rules[0].model_copy(update={"scope": scope})  # waiting >= 8 for 30 min


def snapshot(minute: float, waiting: int, queue: str = "inquiry", **counts: int) -> Snapshot:
    return Snapshot(T0 + timedelta(minutes=minute), queue, waiting, 30.0, Counters(**counts))


def run(engine: RuleEngine, series: list[tuple[float, int]]) -> list[tuple[str, float]]:
    from dutydesk.queue.metrics import Figures

    events = []
    for minute, waiting in series:
        shown = Figures(waiting, 0.0, 0, 0, 0, None, None, None, None, None)
        for event in engine.evaluate("inquiry", T0 + timedelta(minutes=minute), shown):
            events.append((event.kind, (event.at - T0).total_seconds() / 60))
    return events


def test_the_shipped_rules_are_domain_section_3(config: Config) -> None:
    by_key = {rule.key: rule for rule in config.queue.rules}
    assert (by_key["waiting_8"].value, by_key["waiting_8"].sustain_min, by_key["waiting_8"].comparison) == (8, 30, ">=")
    assert (by_key["waiting_16"].value, by_key["waiting_16"].level) == (16, "critical")
    assert "suspend breaks" in by_key["waiting_8"].action.en


def test_a_rule_fires_at_30_min_not_at_29_once_and_clears(config: Config) -> None:
    engine = RuleEngine([waiting_rule(config)])
    series = [(minute, 9) for minute in range(36)] + [(36, 7), (37, 9)]
    assert run(engine, series) == [(FIRED, 30), (CLEARED, 36)]


def test_a_dip_below_restarts_the_sustain_clock(config: Config) -> None:
    engine = RuleEngine([waiting_rule(config)])
    series = [(m, 9) for m in range(20)] + [(20, 3)] + [(m, 8) for m in range(21, 52)]
    assert run(engine, series) == [(FIRED, 51)]


def test_sustain_is_measured_on_snapshot_times_with_sparse_snapshots(config: Config) -> None:
    engine = RuleEngine([waiting_rule(config)])
    assert run(engine, [(0, 9), (29.9, 9), (45, 9)]) == [(FIRED, 45)]


# -- the monitor: log entries and stored intervals -------------------------------------------


def test_alerts_are_logged_once_and_intervals_stored(context: Context, shift: ShiftInfo) -> None:
    rule = waiting_rule(context.config, scope="total")
    config = context.config.model_copy(update={"queue": context.config.queue.model_copy(update={"rules": [rule]})})
    monitor = QueueMonitor(config, context.db, lambda: shift)
    for minute in range(40):
        waiting = 9 if minute < 35 else 2
        monitor.ingest(snapshot(minute, waiting // 2 + waiting % 2, offered=2, answered=2, answered_within_sl=1))
        monitor.ingest(snapshot(minute, waiting // 2, queue="vip", offered=1))
    monitor.save(final=True)
    entries = list_entries(context.db, LogFilter(shift.id, None, None))
    texts = sorted(entry.text for entry in entries)
    assert len(texts) == 2
    assert texts[0].startswith("Queue alert (all queues): waiting 9 >= 8 for 30 min. Stop the callback service")
    assert texts[1].startswith("Queue alert cleared (all queues)")
    fired = next(e for e in entries if "cleared" not in e.text)
    assert (fired.category, fired.severity, fired.at) == ("system_status", "warning", T0 + timedelta(minutes=30))
    with context.db.engine.connect() as connection:
        rows = connection.execute(
            select(
                QueueInterval.queue, func.count(), func.sum(QueueInterval.offered), func.sum(QueueInterval.snapshots)
            )
            .group_by(QueueInterval.queue)
            .order_by(QueueInterval.queue)
        ).all()
    assert [tuple(row) for row in rows] == [("inquiry", 3, 80, 40), ("vip", 3, 40, 40)]
    view = monitor.view()
    assert view.total.shift.offered == 120 and view.total.window.offered == 90
    assert [alert.cleared_at for alert in view.alerts] == [T0 + timedelta(minutes=35)]
    assert view.waiting_history == [9] * 35 + [2] * 5  # a sample a minute, for the sparkline
    assert view.answer_rate_history[-1] == pytest.approx(60 / 90)

    restarted = QueueMonitor(config, context.db, lambda: shift)
    restarted.restore()
    assert restarted.view().total.shift.offered == 120  # the shift goes on from what was stored
    assert [line.shift.offered for line in restarted.view().queues] == [80, 40]


def test_the_simulator_s_log_entries_say_they_come_from_the_simulator(context: Context, shift: ShiftInfo) -> None:
    rule = waiting_rule(context.config, scope="total")
    config = context.config.model_copy(update={"queue": context.config.queue.model_copy(update={"rules": [rule]})})
    monitor = QueueMonitor(config, context.db, lambda: shift, simulated=True)
    for minute in range(32):  # fires at 30:00
        monitor.ingest(snapshot(minute, 9, offered=2, answered=2))
    monitor.save()
    monitor.acknowledge(monitor.alerts[0].id, shift)  # while it is live: a cleared one needs none
    for minute in range(32, 35):
        monitor.ingest(snapshot(minute, 1, offered=2, answered=2))
    monitor.save()
    texts = sorted(entry.text for entry in list_entries(context.db, LogFilter(shift.id, None, None)))
    assert len(texts) == 3 and all(text.startswith("[SIM] Queue alert ") for text in texts), texts
    assert monitor.view().simulated and not QueueMonitor(config).view().simulated


def test_agents_long_in_busy_or_offline_are_flagged(config: Config) -> None:
    from dutydesk.queue.model import Agent

    agents = (
        Agent("1", "王伟", "busy", T0 - timedelta(minutes=16)),
        Agent("2", "Li", "busy", T0 - timedelta(minutes=14)),
        Agent("3", "Zhao", "on_call", T0 - timedelta(minutes=40)),
        Agent("4", "Qian", "offline", T0 - timedelta(hours=2)),
    )
    monitor = QueueMonitor(config)
    monitor.ingest(Snapshot(T0, "inquiry", 0, 0.0, Counters(), agents))
    view = monitor.view()
    assert [(a.name, a.flagged) for a in view.agents] == [
        ("Qian", True),
        ("王伟", True),
        ("Li", False),
        ("Zhao", False),
    ]
    assert view.agent_counts["busy"] == 2 and view.staffed_agents == 1


# -- Erlang C -------------------------------------------------------------------------------


def test_erlang_c_against_the_published_worked_example() -> None:
    # 100 calls in 30 min, AHT 180 s, 80 % in 20 s: the call centre helper's worked example
    # (10 erlangs) gives P(wait) 68.21 % with 11 agents, SL 79.6 % with 13, 88.8 % with 14.
    assert erlang.erlang_c(11, 10.0) == pytest.approx(0.6821, abs=1e-4)
    assert erlang.evaluate(13, 10.0, 180, 20).service_level == pytest.approx(0.7956, abs=1e-3)
    hint = erlang.agents_needed(100, 1800, 180, 0.80, 20)
    assert hint.agents == 14
    assert hint.service_level == pytest.approx(0.8884, abs=1e-3)
    assert hint.asa_s == pytest.approx(7.84, abs=0.05)
    assert hint.occupancy == pytest.approx(10 / 14)


def test_erlang_c_against_an_independent_formula() -> None:
    import math

    def direct(agents: int, traffic: float) -> float:  # the textbook sum, fine for small N
        top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
        bottom = sum(traffic**k / math.factorial(k) for k in range(agents)) + top
        return top / bottom

    for agents, traffic in ((2, 1.5), (5, 3.2), (20, 17.0), (40, 30.5)):
        assert erlang.erlang_c(agents, traffic) == pytest.approx(direct(agents, traffic))
    assert erlang.agents_needed(0, 1800, 180, 0.8, 20).agents == 0


# -- the simulator --------------------------------------------------------------------------


def simulate(config: Config, seed: int, steps: int, surge_at: int | None = None) -> list[tuple[object, ...]]:
    sim = Simulator(config.queue.simulator, config.zone, T0, seed=seed)
    seen = []
    for step in range(steps):
        if step == surge_at:
            sim.toggle("surge")
        seen += [(s.ts, s.queue, s.waiting, s.counters.as_dict(), s.agents) for s in sim.step_all()]
    return seen


def test_the_simulator_is_reproducible_with_a_seed(config: Config) -> None:
    assert simulate(config, 7, 600) == simulate(config, 7, 600)
    assert simulate(config, 7, 600) != simulate(config, 8, 600)


def test_scenarios_change_the_simulated_world(config: Config) -> None:
    def totals(scenario: str | None) -> Counters:
        sim = Simulator(config.queue.simulator, config.zone, T0, seed=1)
        if scenario:
            sim.toggle(scenario)
        total = Counters()
        for _ in range(1800):
            for s in sim.step_all():
                total.add(s.counters)
        return total

    calm, surge, outage, slow = totals(None), totals("surge"), totals("outage"), totals("slow-crm")
    settings = config.queue.simulator  # 10 agents per queue answer 150 calls an hour: a surge brings 450
    capacity = len(settings.queues) * settings.agents_per_queue * 1800 / (settings.handle_time_s + settings.wrap_up_s)
    assert 0.85 < surge.offered / (SURGE_LOAD * capacity) < 1.15
    assert surge.offered > 3 * calm.offered
    assert outage.answered == 0 and outage.abandoned > 0
    assert slow.handle_time_s_total / slow.answered > 1.5 * calm.handle_time_s_total / calm.answered


@pytest.mark.parametrize("local_time", [time(3, 0), time(10, 30), time(23, 30)])
def test_a_surge_drill_swamps_the_staffed_agents_at_any_hour(config: Config, local_time: time) -> None:
    """A trainer switching the surge on at 03:00 sees the queues build within a few
    simulated minutes, as at 10:30: the drill is scaled to the staffing, not to the hour."""
    start = datetime.combine(date(2026, 11, 26), local_time, tzinfo=config.zone)
    sim = Simulator(config.queue.simulator, config.zone, start, seed=5)
    for _ in range(10 * 60):  # ten calm minutes
        calm = sim.step_all()
    assert sum(s.waiting for s in calm) < 8
    sim.toggle("surge")
    for _ in range(5 * 60):
        surged = sim.step_all()
    waiting = [s.waiting for s in surged]
    assert sum(waiting) >= 16 and min(waiting) > 0, waiting  # the "waiting ≥ 16" rule's level, in every queue


def test_sparklines_use_a_fixed_scale() -> None:
    from dutydesk.queue.render import sparkline

    assert sparkline([0, 4, 8, 20], 0, 8) == "▁▅██"
    assert sparkline([0.97, 1.0, 0.5], 0.0, 1.0) == "██▅"  # a small dip looks small


def test_rules_with_an_unknown_log_category_or_a_duplicate_key_are_config_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dutydesk.config import load_config
    from dutydesk.errors import ConfigError

    rule = """[[queue.rules]]
key = "{key}"
metric = "waiting"
comparison = ">="
value = 3
sustain_min = 0
level = "warning"
action = {{ en = "Call everyone", zh = "全员接听" }}
log_category = "{category}"
"""
    path = tmp_path / "config.toml"
    path.write_text(rule.format(key="w", category="gossip"), encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown log category 'gossip'"):
        QueueMonitor(load_config(path))
    path.write_text(rule.format(key="w", category="event") * 2, encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate rule key w"):
        load_config(path)
