"""`dutydesk followup …`: tickets, complaints and other items to chase until closed."""

from typing import TYPE_CHECKING, Annotated

import typer

from dutydesk.cli_support import (
    JsonOption,
    command_context,
    console,
    local_text,
    print_json,
    safe_text,
    wrapping_table,
)
from dutydesk.i18n import _

if TYPE_CHECKING:
    from dutydesk.context import Context
    from dutydesk.domain.followups import FollowUpView

app = typer.Typer(help=_("Follow-ups: tickets, complaints, special customers, system issues."), no_args_is_help=True)

Id = Annotated[int, typer.Argument(help=_("The follow-up number."))]


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help=_("What is to be followed up."))],
    kind: Annotated[str, typer.Option("--kind", help=_("ticket, complaint, special_customer or system_issue."))],
    priority: Annotated[str | None, typer.Option("--priority", help=_("low, normal, high or urgent."))] = None,
    due: Annotated[
        str | None, typer.Option("--due", help=_("When: +30m, +2h, +1d or an ISO time (default: from the kind)."))
    ] = None,
    owner: Annotated[str, typer.Option("--owner", help=_("The department it is dispatched to."))] = "",
    customer: Annotated[str, typer.Option("--customer", help=_("Customer reference (name, phone, account)."))] = "",
    details: Annotated[str, typer.Option("--details", help=_("Background, what the customer wants."))] = "",
    urgency: Annotated[
        str | None, typer.Option("--urgency", help=_("Complaints: urgent, general or suggestion."))
    ] = None,
    complaint_type: Annotated[
        str | None, typer.Option("--type", help=_("Complaints: e.g. product_quality, logistics_delay."))
    ] = None,
) -> None:
    """Add a follow-up; a complaint gets a number and deadlines from its urgency."""
    from dutydesk import clock
    from dutydesk.domain.followups import add_followup, parse_due

    context = command_context(ctx)
    now = clock.utcnow()
    due_at = parse_due(due, context.config, now) if due else None
    if due_at is not None and due_at < now:
        typer.echo(_("warning: the due time {due} is already past").format(due=local_text(context, due_at)), err=True)
    item = add_followup(
        context.db,
        context.config,
        title,
        kind,
        details=details,
        customer=customer,
        owner=owner,
        priority=priority,
        due=due_at,
        urgency=urgency,
        complaint_type=complaint_type,
        now=now,
    )
    number = f" {item.complaint_number}" if item.complaint_number else ""
    typer.echo(
        _("Added follow-up #{id}{number}, due {due}.").format(
            id=item.id, number=number, due=local_text(context, item.due_at)
        )
    )


@app.command("list")
def list_followups(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help=_("Only items not closed."))] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help=_("Only overdue items."))] = False,
    as_json: JsonOption = False,
) -> None:
    """List follow-ups, soonest due first (overdue on top), closed ones last."""

    from dutydesk import clock
    from dutydesk.domain.followups import KINDS, PRIORITIES, STATUSES, label, late_text
    from dutydesk.domain.followups import list_followups as find

    context = command_context(ctx)
    now = clock.utcnow()
    found = find(context.db, open_only=open_only, overdue_only=overdue, now=now)
    if as_json:
        print_json([item.as_json(context.config, now) for item in found])
        return
    if not found:
        typer.echo(_("No follow-ups."))
        return
    table = wrapping_table(_("#"), _("Kind"), _("Title"), _("Priority"), _("Status"), _("Owner"), _("Due"))
    for item in found:
        due = local_text(context, item.due_at)
        if item.overdue(now):
            due += " " + _("({late} late)").format(late=late_text(item.due_at, now))
        table.add_row(
            str(item.id),
            label(KINDS, item.kind),
            item.title,
            label(PRIORITIES, item.priority),
            label(STATUSES, item.status),
            item.owner,
            due,
            style="red" if item.overdue(now) else "",
        )
    console().print(table)


@app.command("show")
def show(ctx: typer.Context, followup_id: Id, as_json: JsonOption = False) -> None:
    """Show a follow-up with its history."""
    from dutydesk import clock
    from dutydesk.domain.followups import get_followup

    context = command_context(ctx)
    item = get_followup(context.db, followup_id)
    if as_json:
        print_json(item.as_json(context.config, clock.utcnow()))
    else:
        _print(context, item)


@app.command("note")
def note(ctx: typer.Context, followup_id: Id, text: Annotated[str, typer.Argument(help=_("The note."))]) -> None:
    """Add a note to a follow-up's history."""
    from dutydesk.domain.followups import add_note

    add_note(command_context(ctx).db, followup_id, text)
    typer.echo(_("Follow-up #{id}: note added.").format(id=followup_id))


@app.command("chase")
def chase(
    ctx: typer.Context,
    followup_id: Id,
    text: Annotated[str, typer.Argument(help=_("Who was chased and what they said."))] = "",
) -> None:
    """Record a chase (督办)."""
    from dutydesk.domain.followups import chase as record

    record(command_context(ctx).db, followup_id, text)
    typer.echo(_("Follow-up #{id}: chase recorded.").format(id=followup_id))


@app.command("due")
def due(
    ctx: typer.Context,
    followup_id: Id,
    when: Annotated[str, typer.Argument(help=_("+30m, +2h, +1d or an ISO time."))],
    reason: Annotated[str, typer.Option("--reason", help=_("Why the due time changes (required)."))],
) -> None:
    """Change the due time of a follow-up."""
    from dutydesk import clock
    from dutydesk.domain.followups import change_due, parse_due

    context = command_context(ctx)
    now = clock.utcnow()
    due_at = parse_due(when, context.config, now)
    if due_at < now:
        typer.echo(_("warning: the due time {due} is already past").format(due=local_text(context, due_at)), err=True)
    change_due(context.db, context.config, followup_id, due_at, reason, now)
    typer.echo(_("Follow-up #{id} is now due {due}.").format(id=followup_id, due=local_text(context, due_at)))


@app.command("close")
def close(
    ctx: typer.Context,
    followup_id: Id,
    resolution: Annotated[str, typer.Option("--resolution", help=_("How it was resolved (required)."))],
) -> None:
    """Close a follow-up with its resolution."""
    from dutydesk.domain.followups import close_followup

    close_followup(command_context(ctx).db, followup_id, resolution)
    typer.echo(_("Follow-up #{id} closed.").format(id=followup_id))


def _print(context: "Context", item: "FollowUpView") -> None:
    from dutydesk.domain.followups import KINDS, PRIORITIES, STATUSES, label

    out = console()
    heading = f"#{item.id} {item.complaint_number or ''} · {label(KINDS, item.kind)} · {item.title}"
    out.print(safe_text(heading.replace("  ", " ")), style="bold")
    out.print(
        safe_text(
            _("Priority {priority} · {status} · owner {owner} · due {due}").format(
                priority=label(PRIORITIES, item.priority),
                status=label(STATUSES, item.status),
                owner=item.owner or "—",
                due=local_text(context, item.due_at),
            )
        )
    )
    if item.customer:
        out.print(safe_text(_("Customer: {customer}").format(customer=item.customer)))
    if item.details:
        out.print(safe_text(item.details))
    for entry in item.history or []:
        out.print(safe_text(f"{local_text(context, entry.at)}  {entry.line}"))
