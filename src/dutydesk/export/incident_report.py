"""One incident's review as Markdown: what happened, who did what when, which steps were done,
late or skipped, whom it reached, how the queues fared around it, and the lessons drawn.

Gathered once (`gather_report`) and rendered section by section (`render_report`), like the
shift summary, with the same escaping: every piece of user text goes through
`markdown.escape()` (directly, or via `table`/`bullets`/`md`).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain import incidents
from dutydesk.domain.followups import KINDS, STATUSES, FollowUpView, label
from dutydesk.domain.incident_stats import leading_alert
from dutydesk.domain.incidents import IncidentView, StepView, TimelineEntry
from dutydesk.domain.log import severity_label
from dutydesk.domain.playbooks import kind_label
from dutydesk.domain.supervisors import list_supervisors
from dutydesk.export.files import UNSAFE_IN_NAME, save_in_export_dir
from dutydesk.export.markdown import Markup, bullets, heading, paragraph, table
from dutydesk.export.sections import in_language, md
from dutydesk.export.summary import followups_during
from dutydesk.i18n import _
from dutydesk.queue.metrics import Figures, duration_text, figures, value_text
from dutydesk.queue.model import COUNTER_FIELDS, Counters
from dutydesk.store.db import Database
from dutydesk.store.tables import QueueAlert, QueueInterval, columns_of

QUEUE_MARGIN = timedelta(minutes=30)  # queue figures from this long before the start to after the end


@dataclass(frozen=True)
class AlertRow:
    rule: str
    queue: str
    level: str
    fired_at: datetime
    cleared_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class IncidentReport:
    config: Config
    incident: IncidentView
    exported_at: datetime
    intervals: list[tuple[datetime, Figures]]  # all queues together, per interval start
    simulated: bool  # some intervals come from the simulator
    alerts: list[AlertRow]  # fired around the incident
    followups: list[FollowUpView]  # opened while it ran
    display_names: dict[str, str]  # supervisor name -> display name

    @property
    def ends_at(self) -> datetime:
        return self.incident.closed_at or self.exported_at

    @property
    def window(self) -> tuple[datetime, datetime]:
        return self.incident.started_at - QUEUE_MARGIN, self.ends_at + QUEUE_MARGIN


def gather_report(db: Database, config: Config, number: int, *, now: datetime | None = None) -> IncidentReport:
    incident = incidents.get_incident(db, number)
    now = now or clock.utcnow()
    end = incident.closed_at or now
    start, stop = incident.started_at - QUEUE_MARGIN, end + QUEUE_MARGIN
    intervals, simulated = _intervals(db, config, start, stop)
    return IncidentReport(
        config=config,
        incident=incident,
        exported_at=now,
        intervals=intervals,
        simulated=simulated,
        alerts=_alerts(db, start, stop),
        followups=followups_during(db, incident.started_at, end).opened,
        display_names={s.name: s.display_name for s in list_supervisors(db)},
    )


def _intervals(
    db: Database, config: Config, start: datetime, stop: datetime
) -> tuple[list[tuple[datetime, Figures]], bool]:
    """The stored intervals starting in [start, stop), all queues summed per interval start."""
    column = columns_of(QueueInterval)
    query = (
        select(column.start, column.simulated, *(column[name] for name in COUNTER_FIELDS))
        .where(column.start >= start, column.start < stop)
        .order_by(column.start)
    )
    per_start: dict[datetime, Counters] = defaultdict(Counters)
    simulated = False
    with db.engine.connect() as connection:
        for row in connection.execute(query):
            per_start[row.start].add(Counters(*row[2:]))
            simulated = simulated or row.simulated
    return [(at, figures(counters, 0, 0.0, config.queue)) for at, counters in per_start.items()], simulated


def _alerts(db: Database, start: datetime, stop: datetime) -> list[AlertRow]:
    column = columns_of(QueueAlert)
    fields = [column[name] for name in AlertRow.__dataclass_fields__]
    query = select(*fields).where(column.fired_at >= start, column.fired_at < stop).order_by(column.fired_at)
    with db.engine.connect() as connection:
        return [AlertRow(*row) for row in connection.execute(query)]


# -- pieces --------------------------------------------------------------------------------

Section = Callable[[IncidentReport], list[str]]


def _time(report: IncidentReport, moment: datetime | None) -> str:
    """HH:MM in the center's zone, with the date when it is not the incident's first day."""
    if moment is None:
        return "—"
    zone = report.config.zone
    local = moment.astimezone(zone)
    if local.date() != report.incident.started_at.astimezone(zone).date():
        return local.strftime("%m-%d %H:%M")
    return local.strftime("%H:%M")


def _person(report: IncidentReport, name: str | None) -> str:
    if not name:
        return "—"
    display = report.display_names.get(name, name)
    return display if display == name else f"{display} ({name})"


def _role(report: IncidentReport, key: str) -> str:
    role = next((r for r in report.config.incidents.roles if r.key == key), None)
    return str(role.label) if role else key


def _step_result(report: IncidentReport, step: StepView) -> str:
    if step.skipped_at is not None:
        return _("skipped: {reason}").format(reason=step.skip_reason or "—")
    if step.done_at is None:
        if step.due_at is not None and report.ends_at > step.due_at:
            return _("not done, deadline missed")
        return _("not done yet")
    if step.due_at is None:
        return _("done")
    if step.done_at <= step.due_at:
        return _("done on time")
    return _("done {late} late").format(late=duration_text((step.done_at - step.due_at).total_seconds()))


def _event_details(report: IncidentReport, entry: TimelineEntry) -> str:
    parts = [_role(report, entry.role) if entry.role else "", entry.contact or "", entry.channel or "", entry.text]
    return " · ".join(part for part in parts if part.strip())


# -- sections ------------------------------------------------------------------------------


def title_section(report: IncidentReport) -> list[str]:
    view = report.incident
    state = _("closed") if view.status == incidents.CLOSED else _("still open")
    return [
        md("# " + _("Incident #{number} — {title}"), number=view.number, title=str(view.title)),
        "",
        md(
            "**" + _("level {level}") + "** · {kind} · " + _("playbook {playbook}") + " · {state}",
            level=view.level,
            kind=kind_label(view.kind),
            playbook=view.playbook,
            state=state,
        ),
        "",
        md(
            _("Started {start}, ended {end} ({duration}). Times are in {zone}."),
            start=report.incident.started_at.astimezone(report.config.zone).strftime("%Y-%m-%d %H:%M"),
            end=_time(report, view.closed_at) if view.closed_at else _("still open"),
            duration=duration_text((report.ends_at - view.started_at).total_seconds()),
            zone=report.config.center.timezone,
        ),
        "",
    ]


def seal_section(report: IncidentReport) -> list[str]:
    """Where the record's "verified or flagged" header goes (the shift summary's, from the seal
    over incident events): empty until that check exists."""
    return []


def summary_section(report: IncidentReport) -> list[str]:
    view = report.incident
    lines = heading(2, _("Summary"))
    lines += [paragraph(view.summary) if view.summary else _("Not closed yet: no summary."), ""]
    if view.roles:
        lines += table(
            [_("Role"), _("Who")], ([_role(report, key), person] for key, person in sorted(view.roles.items()))
        )
    return lines


def levels_section(report: IncidentReport) -> list[str]:
    changes = [e for e in report.incident.timeline if e.kind == "level"]
    lines = heading(2, _("Level changes"))
    if not changes:
        return [*lines, _("The level did not change."), ""]
    return [
        *lines,
        *table(
            [_("Time"), _("Change and reason"), _("By")],
            ([_time(report, e.at), e.text, _person(report, e.author)] for e in changes),
        ),
    ]


def steps_section(report: IncidentReport) -> list[str]:
    steps = report.incident.steps
    done = sum(step.done_at is not None for step in steps)
    skipped = sum(step.skipped_at is not None for step in steps)
    lines = heading(2, _("Steps"))
    lines += [_("{done} of {total} done, {skipped} skipped.").format(done=done, total=len(steps), skipped=skipped), ""]
    lines += table(
        [_("#"), _("Step"), _("Due"), _("Done"), _("Result")],
        (
            [str(s.n), str(s.text), _time(report, s.due_at), _time(report, s.done_at), _step_result(report, s)]
            for s in steps
        ),
    )
    return lines


def contacts_section(report: IncidentReport) -> list[str]:
    reached = [e for e in report.incident.timeline if e.kind in ("escalation", "answer")]
    lines = heading(2, _("Escalations and contacts"))
    if not reached:
        return [*lines, _("Nobody was escalated to."), ""]
    return [
        *lines,
        *table(
            [_("Time"), _("What"), _("Who"), _("How"), _("Said"), _("By")],
            (
                [
                    _time(report, e.at),
                    e.kind_label,
                    e.contact or "—",
                    e.channel or "—",
                    e.text or "—",
                    _person(report, e.author),
                ]
                for e in reached
            ),
        ),
    ]


def timeline_section(report: IncidentReport) -> list[str]:
    return [
        *heading(2, _("Timeline")),
        *table(
            [_("Time"), _("What"), _("Step"), _("Details"), _("By")],
            (
                [
                    _time(report, e.at),
                    e.kind_label,
                    str(e.step_n or ""),
                    _event_details(report, e),
                    _person(report, e.author),
                ]
                for e in report.incident.timeline
            ),
        ),
    ]


def queue_section(report: IncidentReport) -> list[str]:
    start, stop = report.window
    lines = heading(2, _("Queues around the incident"))
    lines += [
        md(
            _("From {start} to {end} (30 min either side), all queues together."),
            start=_time(report, start),
            end=_time(report, stop),
        ),
        "",
    ]
    leading = leading_alert(report.incident, [a for a in report.alerts if _suggests(report, a)])
    if leading is not None:
        lines += [
            md(
                _("Alert {rule} fired at {time}, {minutes} before the incident started."),
                rule=leading.rule,
                time=_time(report, leading.fired_at),
                minutes=duration_text((report.incident.started_at - leading.fired_at).total_seconds()),
            ),
            "",
        ]
    if report.simulated:
        lines += ["**" + _("Simulated figures: drill data from the simulator, not a live feed.") + "**", ""]
    if report.intervals:
        lines += table(
            [_("Interval"), _("Offered"), _("Answered"), _("Abandoned"), _("Service level"), _("Answer rate")],
            (
                [
                    _time(report, at),
                    str(f.offered),
                    str(f.answered),
                    str(f.abandoned),
                    value_text("service_level", f.service_level),
                    value_text("answer_rate", f.answer_rate),
                ]
                for at, f in report.intervals
            ),
        )
    else:
        lines += [_("No queue figures were stored for that time."), ""]
    if report.alerts:
        lines += table(
            [_("Fired"), _("Rule"), _("Queue"), _("Level"), _("Acknowledged"), _("Cleared")],
            (
                [
                    _time(report, a.fired_at),
                    a.rule,
                    a.queue or _("all queues"),
                    severity_label(a.level),
                    f"{_time(report, a.acknowledged_at)} {_person(report, a.acknowledged_by)}"
                    if a.acknowledged_at
                    else _("not acknowledged"),
                    _time(report, a.cleared_at),
                ]
                for a in report.alerts
            ),
        )
    return lines


def _suggests(report: IncidentReport, alert: AlertRow) -> bool:
    """The alert's rule suggests this incident's playbook."""
    rule = next((r for r in report.config.queue.rules if r.key == alert.rule), None)
    return rule is not None and rule.playbook == report.incident.playbook


def followups_section(report: IncidentReport) -> list[str]:
    lines = heading(2, _("Follow-ups opened while it ran"))
    if not report.followups:
        return [*lines, _("None."), ""]
    return [
        *lines,
        *table(
            [_("#"), _("Kind"), _("Title"), _("Opened"), _("Status")],
            (
                [str(f.id), label(KINDS, f.kind), f.title, _time(report, f.created_at), label(STATUSES, f.status)]
                for f in report.followups
            ),
        ),
    ]


def lessons_section(report: IncidentReport) -> list[str]:
    lessons = [e for e in report.incident.timeline if e.kind == "review"]
    lines = heading(2, _("Lessons"))
    if not lessons:
        return [
            *lines,
            md(
                _("None recorded yet: add them with `dutydesk incident review {number}` or r on the incident screen."),
                number=report.incident.number,
            ),
            "",
        ]
    return [
        *lines,
        *bullets(
            Markup(
                md("{time} · {who}: ", time=_time(report, e.at), who=_person(report, e.author))
                + paragraph(e.text, "  ")
            )
            for e in lessons
        ),
    ]


def footer_section(report: IncidentReport) -> list[str]:
    return [
        "---",
        "",
        md(
            "*" + _("Exported with dutydesk on {time}.") + "*",
            time=report.exported_at.astimezone(report.config.zone).strftime("%Y-%m-%d %H:%M"),
        ),
    ]


SECTIONS: list[Section] = [
    title_section,
    seal_section,
    summary_section,
    levels_section,
    steps_section,
    contacts_section,
    timeline_section,
    queue_section,
    followups_section,
    lessons_section,
    footer_section,
]


def render_report(report: IncidentReport, language: str | None = None) -> str:
    with in_language(language):
        lines = [text for section in SECTIONS for text in section(report)]
    return "\n".join(lines).rstrip("\n") + "\n"


def report_file_name(report: IncidentReport) -> str:
    """E.g. `incident-12-2026-11-26-crm_down.md`."""
    day = report.incident.started_at.astimezone(report.config.zone).date().isoformat()
    playbook = UNSAFE_IN_NAME.sub("-", report.incident.playbook).strip("-")
    return f"incident-{report.incident.number}-{day}-{playbook}.md"


def save_report(db: Database, config: Config, number: int, language: str | None = None) -> Path:
    """The report, saved under its readable name in the export directory (never replacing a file)."""
    report = gather_report(db, config, number)
    return save_in_export_dir(config, report_file_name(report), render_report(report, language))
