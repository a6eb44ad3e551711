"""Ready before the change: the handover drafted from the shift an hour before it ends.

From `handover.draft_before_end_min` minutes before the open shift's planned end, the
console starts the shift's handover (if nobody has yet) and pre-fills the floor-status
note from the shift itself: figures against targets, the alerts and the incidents. The
open problems, incidents and follow-ups are carried rows already. Nothing is answered and nothing is
signed: the supervisor reads the draft, answers, and both sign as always.

It lives with the shift summary because it says the same things in fewer words, from the
same `gather_summary`. `draft_if_due` is what a periodic caller (the status strip) runs;
it does nothing outside the window and nothing twice.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain import handover as handovers
from dutydesk.domain import incidents, shifts
from dutydesk.export.sections import met_mark, metric_title, targets_of
from dutydesk.export.summary import ShiftSummary, gather_summary
from dutydesk.i18n import _
from dutydesk.queue.metrics import value_text
from dutydesk.store.db import Database


@dataclass(frozen=True)
class DraftNotice:
    handover_id: int
    shift_id: int
    ends_at: datetime  # the shift's planned end, aware UTC
    drafted_now: bool  # this call made the draft (False: it was there already)

    def text(self, now: datetime) -> str:
        """What the status strip says, e.g. "Handover #4 drafted: shift ends in 42 min"."""
        minutes = max(int((self.ends_at - now).total_seconds() // 60), 0)
        return _("Handover #{id} drafted: the shift ends in {minutes} min").format(id=self.handover_id, minutes=minutes)


def draft_if_due(
    db: Database, config: Config, team: str | None = None, now: datetime | None = None
) -> DraftNotice | None:
    """The open shift's handover draft once its end is near enough (made now if missing), else None."""
    now = now or clock.utcnow()
    shift = shifts.current_shift(db, team or config.center.team)
    if shift is None or now < shift.planned_end - timedelta(minutes=config.handover.draft_before_end_min):
        return None
    existing = handovers.handover_of_shift(db, shift.id)
    if existing is not None:
        return DraftNotice(existing.id, shift.id, shift.planned_end, drafted_now=False)
    started = handovers.start_handover(db, config, shift.team, now)
    summary = gather_summary(db, config, shift.id, now=now)
    floor = next((item for item in started.items if item.kind == "floor_status"), None)
    if floor is not None:
        handovers.prefill_note(db, started.id, floor.key, situation_text(summary, now))
    handovers.refresh_carried(db, config, started.id, now)
    return DraftNotice(started.id, shift.id, shift.planned_end, drafted_now=True)


def situation_text(summary: ShiftSummary, now: datetime) -> str:
    """The shift in a few lines: figures against targets, alerts, incidents."""
    return "\n".join(
        [
            _("Draft from the shift at {time}: check and answer.").format(
                time=now.astimezone(summary.config.zone).strftime("%H:%M")
            ),
            _figures_line(summary),
            _alerts_line(summary),
            _incidents_line(summary),
        ]
    )


def _figures_line(summary: ShiftSummary) -> str:
    if summary.figures is None:
        return _("Figures: none stored for this shift.")
    total = summary.figures.total
    parts = [
        f"{metric_title(metric)} {value_text(metric, total.value(metric))} "
        f"({comparison} {value_text(metric, target)}) {met_mark(summary, metric, total.value(metric))}"
        for metric, (comparison, target) in targets_of(summary).items()
    ]
    drill = " " + _("(drill figures from the simulator)") if summary.figures.simulated else ""
    return _("Figures: {figures}").format(figures="; ".join(parts)) + drill


def _alerts_line(summary: ShiftSummary) -> str:
    live = [alert for alert in summary.alerts if not alert.simulated]
    active = [alert for alert in live if alert.active]
    return _("Alerts: {count} fired, {active} still active.").format(count=len(live), active=len(active))


def _incidents_line(summary: ShiftSummary) -> str:
    if not summary.incidents:
        return _("Incidents: none.")
    described = [
        f"#{incident.number} {incident.title} ({_('open') if incident.status == incidents.OPEN else _('closed')})"
        for incident in summary.incidents
    ]
    return _("Incidents: {incidents}").format(incidents="; ".join(described))
