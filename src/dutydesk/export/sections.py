"""The shift summary's sections, in the order the document shows them.

Each section is a small function from the gathered `ShiftSummary` to Markdown lines
(ending with a blank line). A section whose feature has no data says so in one line
rather than leaving an empty heading. Headings and labels go through `_()`; every piece
of user text through `markdown.escape()` (directly, via `table`/`bullets`, or via `md`).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from dutydesk import collector
from dutydesk.config import QueueRule
from dutydesk.domain import handover as handovers
from dutydesk.domain.followups import KINDS, PRIORITIES, FollowUpView, label, late_text
from dutydesk.domain.handover import INCIDENT_SOURCE, CarriedView, role_label, status_label
from dutydesk.domain.handover.anchor import FENCE
from dutydesk.domain.incident_stats import response_figures
from dutydesk.domain.incidents import IncidentView, TimelineEntry
from dutydesk.domain.log import LogEntryView, severity_label
from dutydesk.export.incident_stats import figure_rows, stats_headers
from dutydesk.export.markdown import Markup, bullets, escape, heading, paragraph, table, table_of_safe_cells
from dutydesk.export.summary import ShiftSummary
from dutydesk.i18n import _, current_language, set_language, with_count, zone_name
from dutydesk.queue.alerts import StoredAlert
from dutydesk.queue.metrics import GREEN, status, value_text
from dutydesk.queue.monitor import metric_label

Section = Callable[[ShiftSummary], list[str]]


def md(template: str, **values: object) -> Markup:
    """A translated template (trusted Markdown) filled with values escaped as user text."""
    return Markup(template.format(**{key: escape(str(value)) for key, value in values.items()}))


def line(text: str) -> list[str]:
    return [text, ""]


# -- times, always in the center's zone ---------------------------------------------------


def full_time(summary: ShiftSummary, moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(summary.config.zone).strftime("%Y-%m-%d %H:%M")


def clock_time(summary: ShiftSummary, moment: datetime | None) -> str:
    """HH:MM, with the date in front when it is not the day the shift started (night shifts)."""
    if moment is None:
        return "—"
    return _minute_text(int(moment.timestamp()) // 60, summary.config.center.timezone, summary.first_day)


@lru_cache(maxsize=4096)
def _minute_text(minute: int, zone: str, first_day: date) -> str:
    """One minute as `clock_time` shows it: a shift's thousands of entries share a few
    hundred minutes, so each is converted and formatted once."""
    local = datetime.fromtimestamp(minute * 60, ZoneInfo(zone))
    return local.strftime("%m-%d %H:%M" if local.date() != first_day else "%H:%M")


def _person(summary: ShiftSummary, name: str) -> str:
    return summary.display_names.get(name, name)  # the login name only when no display name is known


# -- title and people ---------------------------------------------------------------------


def title_section(summary: ShiftSummary) -> list[str]:
    shift, config = summary.shift, summary.config
    slot = config.slot(shift.slot_key)
    state = shift.status_label()
    return [
        md("# " + _("Shift summary — {center}"), center=str(config.center.name)),
        "",
        md(
            "**{slot}** · {date} {start}–{end} · " + _("team {team}") + " · " + _("shift #{id} ({state})"),
            slot=str(slot.label) if slot else shift.slot_key,
            team=shift.team,
            id=shift.id,
            date=full_time(summary, shift.planned_start)[:10],
            start=full_time(summary, shift.planned_start)[-5:],
            end=full_time(summary, shift.planned_end)[-5:],
            state=state,
        ),
        "",
        _opened_closed(summary),
        "",
    ]


def _opened_closed(summary: ShiftSummary) -> Markup:
    shift, zone = summary.shift, zone_name(summary.config.center.timezone)
    if shift.closed_at is None:
        return md(
            _("Opened {opened}, still open. Times are in {zone}."),
            opened=full_time(summary, shift.opened_at),
            zone=zone,
        )
    return md(
        _("Opened {opened}, closed {closed}. Times are in {zone}."),
        opened=full_time(summary, shift.opened_at),
        closed=full_time(summary, shift.closed_at),
        zone=zone,
    )


def supervisors_section(summary: ShiftSummary) -> list[str]:
    shift, record = summary.shift, summary.handover
    incoming = record.view.signature(handovers.INCOMING) if record else None
    return [
        *heading(2, _("Supervisors")),
        *bullets(
            [
                md(_("Outgoing (on duty): {name}"), name=_person(summary, shift.supervisor)),
                md(
                    _("Incoming: {name}"),
                    name=_person(summary, incoming.supervisor) if incoming else _("not handed over yet"),
                ),
            ]
        ),
    ]


# -- figures against targets -------------------------------------------------------------


def targets_of(summary: ShiftSummary) -> dict[str, tuple[str, float]]:
    """The target each figure is held to, as (comparison shown, target value)."""
    targets = summary.config.targets
    return {
        "answer_rate": ("≥", targets.answer_rate_min),
        "abandon_rate": ("≤", targets.abandon_rate_max),
        "service_level": ("≥", targets.service_level_min),
        "asa_s": ("≤", targets.average_speed_of_answer_max_s),
        "aht_s": ("≤", targets.handle_time_inquiry_max_s),
    }


def met_mark(summary: ShiftSummary, metric: str, value: float | None) -> str:
    verdict = status(metric, value, summary.config.targets, summary.config.queue.amber_band)
    return "—" if verdict is None else "✔" if verdict == GREEN else "✘"


def metric_title(metric: str) -> str:
    name = metric_label(metric)
    return name[:1].upper() + name[1:]


def figures_section(summary: ShiftSummary) -> list[str]:
    lines = heading(2, _("Figures against targets"))
    found = summary.figures
    if found is None:
        return [*lines, *line(_("No queue figures were stored for this shift."))]
    total = found.total
    rows = []
    for metric, (comparison, target) in targets_of(summary).items():
        value = total.value(metric)
        rows.append(
            [
                metric_title(metric),
                value_text(metric, value),
                f"{comparison} {value_text(metric, target)}",
                met_mark(summary, metric, value),
            ]
        )
    rows += [
        [_("Offered"), str(total.offered), "", ""],
        [_("Answered"), str(total.answered), "", ""],
        [_("Abandoned"), str(total.abandoned), "", ""],
    ]
    if found.simulated:
        lines += line("**" + _("Simulated figures: drill data from the simulator, not a live feed.") + "**")
    lines += line(
        md(
            _("From {count} stored intervals of {minutes} min; service level: answered within {seconds} s."),
            count=found.intervals,
            minutes=summary.config.queue.interval_min,
            seconds=f"{summary.config.targets.service_level_threshold_s:g}",
        )
    )
    lines += table([_("Figure"), _("This shift"), _("Target"), _("Met")], rows)
    peak_end = found.peak_start + timedelta(minutes=summary.config.queue.interval_min)
    lines += line(
        md(
            "**"
            + _("Peak interval")
            + "**: {start}–{end} · "
            + _("offered {offered}, answer rate {rate}, service level {level}"),
            start=clock_time(summary, found.peak_start),
            end=clock_time(summary, peak_end)[-5:],
            offered=found.peak.offered,
            rate=value_text("answer_rate", found.peak.answer_rate),
            level=value_text("service_level", found.peak.service_level),
        )
    )
    if len(found.queues) > 1:
        metrics = ["answer_rate", "abandon_rate", "service_level", "asa_s", "aht_s"]
        lines += table(
            [_("Queue"), _("Offered"), _("Answered"), _("Abandoned"), *(metric_title(m) for m in metrics)],
            (
                [name, str(f.offered), str(f.answered), str(f.abandoned), *(value_text(m, f.value(m)) for m in metrics)]
                for name, f in found.queues
            ),
        )
    return lines


COMPARISON_SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}


def _alert_time(summary: ShiftSummary, alert: StoredAlert) -> str:
    if alert.cleared_at is None:
        return _("{fired} – still active").format(fired=clock_time(summary, alert.fired_at))
    return f"{clock_time(summary, alert.fired_at)}–{clock_time(summary, alert.cleared_at)}"


def _configured_rule(summary: ShiftSummary, alert: StoredAlert) -> QueueRule | None:
    """The alert's rule as configured now; None when it left the configuration."""
    return next((rule for rule in summary.config.queue.rules if rule.key == alert.rule), None)


def _alert_rule(summary: ShiftSummary, alert: StoredAlert) -> Markup:
    """The rule's condition (its key when it left the configuration) and the level."""
    rule = _configured_rule(summary, alert)
    condition = (
        alert.rule
        if rule is None
        else " ".join(
            [metric_label(rule.metric), COMPARISON_SIGNS[rule.comparison], value_text(rule.metric, rule.value)]
        )
    )
    text = md("{condition} · **{level}**", condition=condition, level=severity_label(alert.level))
    return Markup("*" + _("simulated") + "* · " + text) if alert.simulated else text


def _alert_figures(summary: ShiftSummary, alert: StoredAlert) -> str:
    shown = alert.figures
    text = _("waiting {waiting}, answer rate {answer_rate}, abandon rate {abandon_rate}").format(
        waiting=value_text("waiting", shown.waiting),
        answer_rate=value_text("answer_rate", shown.answer_rate),
        abandon_rate=value_text("abandon_rate", shown.abandon_rate),
    )
    rule = _configured_rule(summary, alert)
    if rule is not None and rule.metric not in ("waiting", "answer_rate", "abandon_rate"):
        text = f"{metric_label(rule.metric)} {value_text(rule.metric, shown.value(rule.metric))}, {text}"
    return text


def _alert_acknowledged(summary: ShiftSummary, alert: StoredAlert) -> str:
    if alert.acknowledged_at is None:
        return _("not acknowledged")
    return _("{name} at {time}").format(
        name=_person(summary, alert.acknowledged_by or "—"), time=clock_time(summary, alert.acknowledged_at)
    )


def alerts_section(summary: ShiftSummary) -> list[str]:
    lines = heading(2, _("Alerts"))
    if not summary.alerts:
        return [*lines, *line(_("No queue alert fired during this shift."))]
    return [
        *lines,
        *table(
            [_("Fired – cleared"), _("Rule · level"), _("Queue"), _("Figures when it fired"), _("Acknowledged")],
            (
                [
                    _alert_time(summary, alert),
                    _alert_rule(summary, alert),
                    alert.queue or _("all queues"),
                    _alert_figures(summary, alert),
                    _alert_acknowledged(summary, alert),
                ]
                for alert in summary.alerts
            ),
        ),
    ]


# -- incidents ----------------------------------------------------------------------------


def _overdue_steps(incident: IncidentView, until: datetime) -> list[int]:
    """Steps done after their deadline, or not done when the deadline passed (skipped ones aside)."""
    reference = incident.closed_at or until
    return [
        step.n
        for step in incident.steps
        if step.due_at is not None and step.skipped_at is None and (step.done_at or reference) > step.due_at
    ]


def _timeline_line(summary: ShiftSummary, incident: IncidentView, event: TimelineEntry) -> str:
    details: list[str] = []
    step = next((step for step in incident.steps if step.n == event.step_n), None)
    if step is not None:
        details.append(md(_("step {n}: {text}"), n=step.n, text=str(step.text)))
    if event.contact:
        details.append(md("{contact}", contact=" · ".join(filter(None, [event.contact, event.channel]))))
    if event.text.strip():
        details.append(paragraph(event.text, "    "))
    text = md("{time} **{what}**", time=clock_time(summary, event.at), what=event.kind_label)
    return Markup(" — ".join([text, *details]))


def incidents_section(summary: ShiftSummary) -> list[str]:
    lines = heading(2, _("Incidents"))
    if not summary.incidents:
        return [*lines, *line(_("No incidents during this shift."))]
    for incident in summary.incidents:
        done = sum(step.done_at is not None for step in incident.steps)
        skipped = [step.n for step in incident.steps if step.skipped_at is not None]
        overdue = _overdue_steps(incident, summary.ends_at)
        lines += heading(
            3,
            md(
                _("#{number} {title} · level {level}"),
                number=incident.number,
                title=str(incident.title),
                level=incident.level,
            ),
        )
        items = [
            md(
                _("Time: {start} – {end}"),
                start=clock_time(summary, incident.started_at),
                end=clock_time(summary, incident.closed_at) if incident.closed_at else _("still open"),
            ),
            md(
                _("Steps done: {done} of {total}; skipped: {skipped}; overdue: {overdue}"),
                done=done,
                total=len(incident.steps),
                skipped=", ".join(map(str, skipped)) or _("none"),
                overdue=", ".join(map(str, overdue)) or _("none"),
            ),
        ]
        if incident.summary:
            items.append(Markup(_("Summary: {text}").format(text=paragraph(incident.summary, "  "))))
        items.append(md(_("Timeline:")))
        lines += ["- " + item for item in items]
        lines += ["  - " + _timeline_line(summary, incident, event) for event in incident.timeline] + [""]
    return lines


def response_section(summary: ShiftSummary) -> list[str]:
    """Response figures of this shift's incidents (and the alerts that fired in it)."""
    if not summary.incidents:
        return []
    groups = response_figures(summary.incidents, summary.alerts, summary.config, summary.ends_at)
    return [
        *heading(2, _("Response figures")),
        *line(_("Median / 90th percentile (m:ss or h:mm:ss) and how many were measured.")),
        *table(stats_headers(), figure_rows(groups)),
    ]


# -- the duty log -------------------------------------------------------------------------


def _current_entries(summary: ShiftSummary) -> list[LogEntryView]:
    """The entries as they stand now: a corrected entry is shown by its correction."""
    return [entry for entry in summary.entries if entry.superseded_by is None]


def _entry_cell(entry: LogEntryView, by_id: dict[int, LogEntryView], summary: ShiftSummary) -> str:
    if entry.supersedes is None:
        return entry.text
    earlier = []
    previous = by_id.get(entry.supersedes)
    while previous is not None:
        earlier.append("~~" + escape(previous.text) + "~~")
        previous = by_id.get(previous.supersedes) if previous.supersedes else None
    return Markup(
        escape(entry.text)
        + " — *"
        + md(_("corrected at {time}, was:"), time=clock_time(summary, entry.recorded_at))
        + "* "
        + " ← ".join(earlier)
    )


def _severity_cell(key: str) -> str:
    label = escape(severity_label(key))
    return f"**{label}**" if key == "critical" else label


def _entries_table(summary: ShiftSummary, entries: list[LogEntryView]) -> list[str]:
    by_id = {entry.id: entry for entry in summary.entries}
    severities = {key: _severity_cell(key) for key in {entry.severity for entry in entries}}
    # Numbers and times hold nothing to escape; severities are escaped once: only the text per row.
    rows = (
        [
            str(entry.id),
            clock_time(summary, entry.at),
            severities[entry.severity],
            escape(_entry_cell(entry, by_id, summary)),
        ]
        for entry in entries
    )
    return table_of_safe_cells([Markup("#"), _("Time"), _("Severity"), _("Entry")], rows)


def _category_title(summary: ShiftSummary, key: str) -> str:
    category = summary.config.category(key)
    return str(category.label) if category else key


def duty_log_section(summary: ShiftSummary) -> list[str]:
    lines = heading(2, _("Duty log"))
    entries = _current_entries(summary)
    separate = set(summary.config.export.separate_categories)
    if not summary.entries:
        return [*lines, *line(_("No duty-log entries in this shift."))]
    corrected = len(summary.entries) - len(entries)
    lines += line(md(_("Entries: {count} (corrected later: {corrected})."), count=len(entries), corrected=corrected))
    order = [c.key for c in summary.config.log.categories if c.key not in separate]
    order += sorted({e.category for e in entries} - set(order) - separate)  # keys no longer configured
    for key in order:
        in_category = [entry for entry in entries if entry.category == key]
        if in_category:
            lines += heading(3, with_count(_category_title(summary, key), len(in_category)))
            lines += _entries_table(summary, in_category)
    return lines


def separate_categories_section(summary: ShiftSummary) -> list[str]:
    """Customer issues, defects, improvement ideas (by default): each its own section."""
    lines: list[str] = []
    entries = _current_entries(summary)
    for key in summary.config.export.separate_categories:
        if summary.config.category(key) is None:
            continue
        in_category = [entry for entry in entries if entry.category == key]
        if in_category:
            lines += heading(2, with_count(_category_title(summary, key), len(in_category)))
            lines += _entries_table(summary, in_category)
        else:
            lines += heading(2, _category_title(summary, key)) + line(_("None in this shift."))
    return lines


# -- follow-ups ---------------------------------------------------------------------------


def _due_cell(summary: ShiftSummary, item: FollowUpView) -> str:
    due = clock_time(summary, item.due_at)
    if item.closed_at is None and item.due_at < summary.ends_at:
        return md(_("{due} (overdue {late})"), due=due, late=late_text(item.due_at, summary.ends_at))
    return due


def _followup_title(item: FollowUpView) -> str:
    return f"{item.complaint_number} {item.title}" if item.complaint_number else item.title


def followups_section(summary: ShiftSummary) -> list[str]:
    lines = heading(2, _("Follow-ups"))
    found = summary.followups
    if not (found.opened or found.closed or found.still_open):
        return [*lines, *line(_("No follow-ups opened, closed or open during this shift."))]
    open_headers = [Markup("#"), _("Kind"), _("Title"), _("Priority"), _("Due"), _("Owner")]

    def open_row(item: FollowUpView) -> list[str]:
        return [
            str(item.id),
            label(KINDS, item.kind),
            _followup_title(item),
            label(PRIORITIES, item.priority),
            _due_cell(summary, item),
            item.owner or "—",
        ]

    parts = [
        (_("Opened during the shift"), found.opened, open_headers, open_row),
        (
            _("Closed during the shift"),
            found.closed,
            [Markup("#"), _("Kind"), _("Title"), _("Closed"), _("Resolution")],
            lambda item: [
                str(item.id),
                label(KINDS, item.kind),
                _followup_title(item),
                clock_time(summary, item.closed_at),
                item.resolution or "—",
            ],
        ),
        (_("Still open: carried over"), found.still_open, open_headers, open_row),
    ]
    for title, items, headers, row in parts:
        lines += heading(3, with_count(title, len(items)))
        lines += table(headers, (row(item) for item in items)) if items else line(_("None."))
    return lines


# -- the handover and its signatures ------------------------------------------------------


def handover_section(summary: ShiftSummary) -> list[str]:
    lines = heading(2, _("Handover checklist"))
    record = summary.handover
    if record is None:
        return [*lines, *line(_("No handover was started for this shift."))]
    view = record.view
    answered, required = view.progress()
    lines += line(
        md(
            _("Handover #{id}: {answered} of {required} required items answered."),
            id=view.id,
            answered=answered,
            required=required,
        )
    )
    rows = []
    for item in view.items:
        shown = status_label(item.status)
        rows.append(
            [
                item.section_label,
                item.label,
                Markup("**⚠ " + escape(shown) + "**") if item.status == "issue" else shown,
                item.note,
            ]
        )
    lines += table([_("Section"), _("Item"), _("Status"), _("Note")], rows)
    if view.carried:
        lines += heading(3, _("Carried over"))
        lines += bullets(_carried_bullet(carried, summary.config.zone) for carried in view.carried)
        lines += line(_("✔ confirmed by the incoming supervisor, ✘ not confirmed."))
    return lines


def _carried_bullet(carried: CarriedView, zone: tzinfo) -> Markup:
    """One carried row; an open incident's state and steps as a list under it."""
    mark = "✔" if carried.confirmed_at else "✘"
    if carried.source != INCIDENT_SOURCE:
        return md("{mark} {text}", mark=mark, text=carried.shown(zone))
    first, *more = carried.shown(zone).splitlines()
    return Markup("\n".join([md("{mark} {text}", mark=mark, text=first), *(md("  - {text}", text=m) for m in more)]))


def signatures_section(summary: ShiftSummary) -> list[str]:
    lines = heading(2, _("Signatures"))
    record = summary.handover
    if record is None or not record.view.signatures:
        return [*lines, *line(_("Not signed."))]
    rows = []
    for role in (handovers.OUTGOING, handovers.INCOMING):
        signature = record.view.signature(role)
        if signature is None:
            rows.append([role_label(role), "—", _("not signed"), "—"])
        else:
            digest = record.signature_digests.get(role, "")
            rows.append(
                [
                    role_label(role),
                    _person(summary, signature.supervisor),
                    full_time(summary, signature.signed_at),
                    Markup(f"`{digest[:16]}…`") if digest else "—",
                ]
            )
    lines += table([_("Role"), _("Supervisor"), _("Signed at"), _("Digest")], rows)
    if record.digest:
        lines += line(md(_("Record digest (SHA-256):")) + f" `{record.digest}`")
    lines += line(md(_("Check the signatures and the chain with `dutydesk handover verify`.")))
    return lines


def seal_warning_section(summary: ShiftSummary) -> list[str]:
    """First thing a reader sees when the record was changed behind dutydesk's back."""
    problems = summary.seal_problems
    if not problems:
        return []
    lines = line(md("> **⚠ " + _("This shift's record does NOT verify: it was changed after it was written.") + "**"))
    return (
        lines
        + bullets(problems[:10])
        + (line(_("… and {count} more.").format(count=len(problems) - 10)) if len(problems) > 10 else [])
    )


def footer_section(summary: ShiftSummary) -> list[str]:
    lines = [
        "---",
        "",
        md("*" + _("Exported with dutydesk on {time}.") + "*", time=full_time(summary, summary.exported_at)),
        "",
    ]
    anchor = summary.seal.anchor
    if anchor is None:
        return lines
    lines += line(
        md(
            _(
                "Anchor: the chain heads and key fingerprints at export. Keep this file; "
                "`dutydesk verify --anchor FILE` checks that the record still extends it."
            )
        )
    )
    heads = [
        md(_("chain {team}: link {seq}, `{digest}`"), team=team or "—", seq=seq, digest=digest)
        for team, (seq, digest) in sorted(anchor.heads.items())
    ]
    keys = [
        md(_("key of {name}: `{fingerprint}`"), name=name, fingerprint=fingerprint)
        for name, fingerprint in sorted(anchor.keys.items())
    ]
    if heads or keys:
        lines += bullets([*heads, *keys])
    return [*lines, f"```{FENCE}", anchor.to_text().rstrip("\n"), "```"]


SECTIONS: list[Section] = [
    seal_warning_section,
    title_section,
    supervisors_section,
    figures_section,
    alerts_section,
    incidents_section,
    response_section,
    duty_log_section,
    separate_categories_section,
    followups_section,
    handover_section,
    signatures_section,
    footer_section,
]


@contextmanager
def in_language(language: str | None) -> Iterator[None]:
    """Headings and labels in `language` for the duration (None: the current language)."""
    previous = current_language()
    if language is not None:
        set_language(language)
    try:
        yield
    finally:
        if language is not None:
            set_language(previous)


def render_summary(summary: ShiftSummary, language: str | None = None) -> str:
    with in_language(language), collector.paused():  # tens of thousands of short strings, no cycles
        lines = [text for section in SECTIONS for text in section(summary)]
    return "\n".join(lines).rstrip("\n") + "\n"
