"""`dutydesk notify …` and `dutydesk alert …`: notices away from the console.

Channel URLs are secrets: nothing here prints more of one than its scheme.
"""

from typing import TYPE_CHECKING, Annotated

import typer

from dutydesk.cli_support import (
    JsonOption,
    command_context,
    console,
    fail,
    local_text,
    open_shift_of,
    print_json,
    wrapping_table,
)
from dutydesk.i18n import N_, _

if TYPE_CHECKING:
    from datetime import tzinfo

    from dutydesk.context import Context
    from dutydesk.notify.outbox import OutboxEntry
    from dutydesk.notify.sender import Notifier
    from dutydesk.queue.alerts import StoredAlert

app = typer.Typer(help=_("Notices to chat groups, e-mail and phones, and their escalation."), no_args_is_help=True)
alert_app = typer.Typer(help=_("Stored queue alerts: list and acknowledge."), no_args_is_help=True)
NO_URL = N_("no channel has a URL: set the environment variable that each channel names (see `notify channels`)")


def _notifier(context: "Context") -> "Notifier":
    from dutydesk.notify.sender import Notifier

    return Notifier(context.db, context.config, context.config.center.team)


@app.command("channels")
def list_channels(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the configured channels and whether each has a URL (never the URL itself)."""
    from dutydesk.jsonshape import both_languages

    context = command_context(ctx)
    found = _notifier(context).channels.values()
    labels = {channel.key: channel.label for channel in context.config.notify.channels}
    rows = [
        {
            "id": c.key,
            "label": both_languages(labels[c.key]),
            "scheme": c.shown,
            "configured": c.url is not None,
            "source": c.source,
            "problem": c.problem,
            "drills": c.drills,
        }
        for c in found
    ]
    if as_json:
        print_json(rows)
        return
    table = wrapping_table(_("Channel"), _("Name"), _("URL"), _("Set by"), _("Drills"))
    for channel in found:
        shown = channel.problem or channel.shown
        table.add_row(channel.key, channel.label, shown, channel.source, "✓" if channel.drills else "")
    console().print(table)


@app.command("test")
def test(
    ctx: typer.Context,
    channel: Annotated[str | None, typer.Argument(help=_("The channel (default: every configured one)."))] = None,
) -> None:
    """Send a test message and say what happened."""
    from dutydesk.notify.channels import send

    context = command_context(ctx)
    found = _notifier(context).channels
    if channel is not None and channel not in found:
        fail(_("no channel {key!r}: known channels are {keys}").format(key=channel, keys=", ".join(found)))
    configured = [c for c in found.values() if c.url and channel in (None, c.key)]
    if not configured:
        fail(_(NO_URL))
    failures = 0
    title = _("dutydesk test message from {center}").format(center=context.config.center.name)
    for item in configured:
        reason = send(
            item, title, _("If you can read this, the channel works."), "info", context.config.notify.timeout_s
        )
        failures += reason is not None
        typer.echo(
            _("{channel}: sent").format(channel=item.label)
            if reason is None
            else _("{channel}: failed: {reason}").format(channel=item.label, reason=reason)
        )
    raise typer.Exit(1 if failures else 0)


@app.command("run")
def run(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help=_("One round, then exit (for cron)."))] = False,
) -> None:
    """Send notices for this team until stopped (for a center server without a console)."""
    import time

    context = command_context(ctx)
    notifier = _notifier(context)
    if not notifier.enabled:
        fail(_(NO_URL))
    try:
        while True:
            result = notifier.tick()
            if result.sent or result.failed:
                typer.echo(_("sent {sent}, failed {failed}").format(sent=len(result.sent), failed=len(result.failed)))
            if once:
                return
            time.sleep(context.config.notify.tick_s)
    except KeyboardInterrupt:
        pass
    finally:
        notifier.stop()


@app.command("list")
def list_notices(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The outbox, newest first: what was sent, is waiting, or failed."""
    from dutydesk.notify.outbox import listing

    context = command_context(ctx)
    with context.db.engine.connect() as connection:
        rows = listing(connection)
    if as_json:
        print_json([_notice_json(row, context.config.zone) for row in rows])
        return
    if not rows:
        typer.echo(_("No notices."))
        return
    table = wrapping_table(_("#"), _("Channel"), _("What"), _("Status"), _("Sent"), _("Problem"))
    for row in rows:
        table.add_row(str(row.id), row.channel, row.title, row.status, local_text(context, row.sent_at), row.error)
    console().print(table)


def _notice_json(row: "OutboxEntry", zone: "tzinfo") -> dict[str, object]:
    from dutydesk.jsonshape import moment

    fields = ("id", "team", "channel", "kind", "level", "title", "status", "attempts", "error", "simulated")
    found: dict[str, object] = {name: getattr(row, name) for name in fields}
    return found | {"created_at": moment(row.created_at, zone), "sent_at": moment(row.sent_at, zone)}


@alert_app.command("ack")
def acknowledge(
    ctx: typer.Context,
    alert_id: Annotated[int, typer.Argument(help=_("The alert number (see `alert list`)."))],
    team: Annotated[str | None, typer.Option("--team", help=_("The team whose open shift acknowledges it."))] = None,
) -> None:
    """Acknowledge a queue alert: it stops escalating."""
    from dutydesk import clock
    from dutydesk.queue.alerts import acknowledge_stored

    context = command_context(ctx)
    shift = open_shift_of(context, team)
    typer.echo(acknowledge_stored(context.db, context.config, shift, alert_id, clock.utcnow()))


@alert_app.command("list")
def list_alerts(
    ctx: typer.Context,
    team: Annotated[str | None, typer.Option("--team", help=_("The team whose open shift to show."))] = None,
    as_json: JsonOption = False,
) -> None:
    """The open shift's queue alerts, oldest first; a drill's are marked [SIM]."""
    from dutydesk.domain.shifts import current_shift
    from dutydesk.domain.views import severity_label
    from dutydesk.queue.alerts import shift_alerts

    context = command_context(ctx)
    shift = current_shift(context.db, team, home_team=context.config.center.team)
    alerts = shift_alerts(context.db, shift.id) if shift else []
    if as_json:
        print_json([_alert_json(alert, context.config.zone) for alert in alerts])
        return
    if not alerts:
        typer.echo(_("No queue alerts."))
        return
    table = wrapping_table(_("#"), _("Rule"), _("Queue"), _("Level"), _("Fired"), _("Cleared"), _("Acknowledged"))
    for alert in alerts:
        table.add_row(
            str(alert.id),
            _("[SIM] {text}").format(text=alert.rule) if alert.simulated else alert.rule,
            alert.queue or _("all queues"),
            severity_label(alert.level),
            local_text(context, alert.fired_at),
            local_text(context, alert.cleared_at),
            alert.acknowledged_by_display or "—",
        )
    console().print(table)


def _alert_json(alert: "StoredAlert", zone: "tzinfo") -> dict[str, object]:
    from dutydesk.jsonshape import moment, person

    return {
        "id": alert.id,
        "rule": alert.rule,
        "queue": alert.queue or None,
        "level": alert.level,
        "fired_at": moment(alert.fired_at, zone),
        "cleared_at": moment(alert.cleared_at, zone),
        "acknowledged_by": (
            person(alert.acknowledged_by, alert.acknowledged_by_display) if alert.acknowledged_by else None
        ),
        "acknowledged_at": moment(alert.acknowledged_at, zone),
        "simulated": alert.simulated,
    }
