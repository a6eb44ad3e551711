"""Response figures as rows of text, for the CLI's table and the shift summary's Markdown table."""

from dutydesk.domain.incident_stats import ResponseFigures, Spread
from dutydesk.i18n import _
from dutydesk.queue.metrics import duration_text


def stats_headers() -> list[str]:
    return [
        _("Playbook"),
        _("Month"),
        _("Incidents"),
        _("Alert → acknowledged"),
        _("Alert → started"),
        _("Started → closed"),
        _("Started → each step"),
        _("Steps on time"),
    ]


def spread_text(spread: Spread) -> str:
    """'4:00 / 9:30 (n=3)': median / 90th percentile and how many; '—' without any."""
    if not spread.count:
        return "—"
    return f"{duration_text(spread.median_s)} / {duration_text(spread.p90_s)} (n={spread.count})"


def on_time_text(group: ResponseFigures) -> str:
    share = group.on_time_share
    if share is None:
        return "—"
    return f"{share:.0%} ({group.steps_on_time}/{group.steps_due})"


def figure_pairs(group: ResponseFigures) -> list[tuple[str, str]]:
    """One group's figures as (name, value), for a narrow terminal."""
    return [
        (_("Alert → acknowledged"), spread_text(group.alert_to_acknowledged)),
        (_("Alert → started"), spread_text(group.alert_to_started)),
        (_("Started → closed"), spread_text(group.started_to_closed)),
        *((_("Started → step {n}").format(n=n), spread_text(spread)) for n, spread in group.started_to_step.items()),
        (_("Steps on time"), on_time_text(group)),
    ]


def figure_rows(groups: list[ResponseFigures]) -> list[list[str]]:
    return [
        [
            group.playbook,
            group.month,
            str(group.incidents),
            spread_text(group.alert_to_acknowledged),
            spread_text(group.alert_to_started),
            spread_text(group.started_to_closed),
            "; ".join(f"{n}: {spread_text(spread)}" for n, spread in group.started_to_step.items()) or "—",
            on_time_text(group),
        ]
        for group in groups
    ]
