"""Figures that cannot look good while callers suffer: the outage and surge drills, minute by
minute, and the formulas by hand."""

from datetime import UTC, datetime

import pytest

from dutydesk.config import Config
from dutydesk.queue.metrics import GREEN, RED, figures, status
from dutydesk.queue.model import Counters
from dutydesk.queue.monitor import IDLE_WHILE_WAITING, SHORT, PanelView, QueueMonitor
from dutydesk.queue.sim import Simulator

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in the center: a busy hour
STEP_S = 5
TARGETED = ("longest_wait_s", "answer_rate", "abandon_rate", "service_level", "asa_s")


def drill(config: Config, scenario: str, minutes: int = 30, warm_up_min: int = 30) -> list[PanelView]:
    """One view a minute from the start of the scenario, after a calm warm-up."""
    sim = Simulator(config.queue.simulator, config.zone, T0, seed=3, step_s=STEP_S)
    monitor = QueueMonitor(config, simulated=True)
    views = []
    for step in range((warm_up_min + minutes) * 60 // STEP_S):
        if step == warm_up_min * 60 // STEP_S:
            sim.toggle(scenario)
        for snapshot in sim.step_all():
            monitor.ingest(snapshot)
        if step >= warm_up_min * 60 // STEP_S and (step + 1) % (60 // STEP_S) == 0:
            views.append(monitor.view())
    return views


def worst(views: list[PanelView]) -> PanelView:
    return max(views, key=lambda view: (view.total.window.waiting, view.total.window.longest_wait_s))


def state(config: Config, view: PanelView, metric: str) -> str | None:
    return status(metric, view.total.window.value(metric), config.targets, config.queue.amber_band)


def test_asa_counts_the_callers_still_waiting() -> None:
    answered = Counters(offered=12, answered=2, answered_within_sl=2, wait_time_s_total=10)
    from dutydesk.config import load_config  # noqa: PLC0415 - only for the settings

    settings = load_config(None).queue
    assert figures(answered, 0, 0.0, settings).asa_s == pytest.approx(5.0)
    # 10 callers waiting, the oldest 300 s: without their sum, the oldest alone is added.
    assert figures(answered, 10, 300.0, settings).asa_s == pytest.approx((10 + 300) / 12)
    assert figures(answered, 10, 300.0, settings, 1_500.0).asa_s == pytest.approx((10 + 1_500) / 12)
    assert figures(Counters(offered=9), 9, 518.0, settings).asa_s == pytest.approx(518 / 9)


@pytest.mark.parametrize("scenario", ["outage", "surge"])
def test_no_figure_is_green_while_its_target_is_missed(config: Config, scenario: str) -> None:
    targets = config.targets
    for view in drill(config, scenario):
        shown = view.total.window
        if shown.longest_wait_s > targets.longest_wait_max_s:
            assert state(config, view, "longest_wait_s") != GREEN
        if shown.asa_s is not None and shown.asa_s > targets.average_speed_of_answer_max_s:
            assert state(config, view, "asa_s") != GREEN
        if view.staffing is not None and view.staffing.status == GREEN:
            assert view.staffed_agents >= view.staffing.hint.agents
            assert not (view.staffing.available and shown.longest_wait_s > targets.longest_wait_max_s)


def test_the_outage_s_worst_minute_is_red_everywhere_callers_suffer(config: Config) -> None:
    view = worst(drill(config, "outage"))
    assert view.total.window.waiting > 0
    assert {metric: state(config, view, metric) for metric in TARGETED} == dict.fromkeys(TARGETED, RED)
    assert view.staffing is not None and view.staffing.status == RED
    assert view.staffing.problem == IDLE_WHILE_WAITING  # agents sit available: not a staffing gap


def test_the_surge_s_worst_minute_is_short_of_agents(config: Config) -> None:
    view = worst(drill(config, "surge"))
    assert state(config, view, "longest_wait_s") == RED and state(config, view, "asa_s") == RED
    assert view.staffing is not None and view.staffing.status == RED and view.staffing.problem == SHORT
    assert view.staffing.hint.agents > view.staffed_agents
