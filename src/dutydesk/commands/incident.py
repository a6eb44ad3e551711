"""`dutydesk incident …`: start an incident from a playbook, tick its steps, close it."""

from typing import TYPE_CHECKING, Annotated

import typer

from dutydesk.cli_support import (
    JsonOption,
    TeamOption,
    command_context,
    console,
    fail,
    local_text,
    open_shift_of,
    print_json,
)
from dutydesk.i18n import _

if TYPE_CHECKING:
    from dutydesk.context import Context
    from dutydesk.domain.incidents import IncidentView

app = typer.Typer(help=_("Incidents run from playbooks: start, steps, notes, close."), no_args_is_help=True)

Number = Annotated[int, typer.Argument(help=_("The incident number."))]


@app.command("start")
def start(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help=_("The playbook key, e.g. crm_down."))],
    note: Annotated[str | None, typer.Option("--note", help=_("What happened, for the timeline and the log."))] = None,
    team: TeamOption = None,
) -> None:
    """Start an incident from a playbook; it is written to the open shift's duty log."""
    from dutydesk.domain.incidents import start_incident
    from dutydesk.domain.playbooks import load_playbooks

    context = command_context(ctx)
    playbook = load_playbooks().get(key)
    shift = open_shift_of(context, team)
    incident = start_incident(context.db, context.config, shift, playbook, note)
    typer.echo(_("Started incident #{number}: {title}").format(number=incident.number, title=incident.title))
    _print(context, incident)


@app.command("list")
def list_incidents(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help=_("Only open incidents."))] = False,
    as_json: JsonOption = False,
) -> None:
    """List incidents, open ones first."""
    from rich.table import Table

    from dutydesk import clock
    from dutydesk.domain.incidents import list_incidents as find

    context = command_context(ctx)
    found = find(context.db, open_only=open_only)
    if as_json:
        print_json([incident.as_json(context.config) for incident in found])
        return
    if not found:
        typer.echo(_("No incidents."))
        return
    now = clock.utcnow()
    table = Table(_("#"), _("Title"), _("Level"), _("Status"), _("Started"), _("Steps done"), _("Late"))
    for incident in found:
        done = sum(1 for step in incident.steps if step.done_at)
        late = sum(1 for step in incident.steps if incident.step_state(step, now, context.config) == "red")
        table.add_row(
            str(incident.number),
            str(incident.title),
            str(incident.level),
            _status(incident.status),
            local_text(context, incident.started_at),
            f"{done}/{len(incident.steps)}",
            str(late or ""),
        )
    console().print(table)


@app.command("show")
def show(ctx: typer.Context, number: Number, as_json: JsonOption = False) -> None:
    """Show an incident: its steps with their deadlines and its timeline."""
    from dutydesk.domain.incidents import get_incident

    context = command_context(ctx)
    incident = get_incident(context.db, number)
    if as_json:
        print_json(incident.as_json(context.config))
    else:
        _print(context, incident)


@app.command("step")
def step(
    ctx: typer.Context,
    number: Number,
    step_n: Annotated[int, typer.Argument(help=_("The step number (from 1)."))],
    done: Annotated[bool, typer.Option("--done", help=_("Mark the step done."))] = False,
    note: Annotated[str | None, typer.Option("--note", help=_("A note on the timeline."))] = None,
) -> None:
    """Mark a step done (`--done`)."""
    from dutydesk.domain.incidents import tick_step

    context = command_context(ctx)
    if not done:
        fail(_("say --done to mark the step done"))
    tick_step(context.db, number, step_n, note)
    typer.echo(_("Incident #{number}: step {n} done.").format(number=number, n=step_n))


@app.command("note")
def note(ctx: typer.Context, number: Number, text: Annotated[str, typer.Argument(help=_("The note."))]) -> None:
    """Add a note to an incident's timeline."""
    from dutydesk.domain.incidents import add_note

    add_note(command_context(ctx).db, number, text)
    typer.echo(_("Incident #{number}: note added.").format(number=number))


@app.command("update")
def update(ctx: typer.Context, number: Number, text: Annotated[str, typer.Argument(help=_("The update."))]) -> None:
    """Post a status update: on the timeline and, by the notifier, to the incident's channels."""
    from dutydesk.domain.incidents import post_update

    post_update(command_context(ctx).db, number, text)
    typer.echo(_("Incident #{number}: update posted.").format(number=number))


@app.command("escalate")
def escalate(
    ctx: typer.Context,
    number: Number,
    to_whom: Annotated[str, typer.Argument(help=_("Who was told, how, and what was said."))],
) -> None:
    """Record an escalation on the timeline."""
    from dutydesk.domain.incidents import escalate as record

    record(command_context(ctx).db, number, to_whom)
    typer.echo(_("Incident #{number}: escalation recorded.").format(number=number))


@app.command("level")
def level(
    ctx: typer.Context,
    number: Number,
    new_level: Annotated[int, typer.Argument(help=_("The new level."))],
    reason: Annotated[str | None, typer.Option("--reason", help=_("Why the level changes."))] = None,
    team: TeamOption = None,
) -> None:
    """Change an incident's level; it is written to the duty log."""
    from dutydesk.domain.incidents import change_level

    context = command_context(ctx)
    change_level(context.db, context.config, open_shift_of(context, team), number, new_level, reason)
    typer.echo(_("Incident #{number} is now level {level}.").format(number=number, level=new_level))


@app.command("close")
def close(
    ctx: typer.Context,
    number: Number,
    summary: Annotated[str, typer.Option("--summary", help=_("What happened and what was done (required)."))],
    team: TeamOption = None,
) -> None:
    """Close an incident with a short summary; it is written to the duty log."""
    from dutydesk.domain.incidents import close_incident

    context = command_context(ctx)
    close_incident(context.db, context.config, open_shift_of(context, team), number, summary)
    typer.echo(_("Incident #{number} closed.").format(number=number))


@app.command("review")
def review(
    ctx: typer.Context, number: Number, text: Annotated[str, typer.Argument(help=_("The review note."))]
) -> None:
    """Add a post-incident review note to a closed incident."""
    from dutydesk.domain.incidents import add_review

    add_review(command_context(ctx).db, number, text)
    typer.echo(_("Incident #{number}: review note added.").format(number=number))


def _status(status: str) -> str:
    return _("open") if status == "open" else _("closed")


def _print(context: "Context", incident: "IncidentView") -> None:
    from rich.text import Text

    from dutydesk import clock
    from dutydesk.domain.incidents import countdown

    now = clock.utcnow()
    out = console()
    out.print(
        Text(
            _("Incident #{number} · {title} · level {level} · {status} · started {started}").format(
                number=incident.number,
                title=incident.title,
                level=incident.level,
                status=_status(incident.status),
                started=local_text(context, incident.started_at),
            )
        )
    )
    for step in incident.steps:
        state = incident.step_state(step, now, context.config)
        line = Text(f"{step.n:>2}. [{'x' if step.done_at else ' '}] {step.text}")
        if step.due_at and not step.done_at and state != "none":
            line.append(
                f"  {local_text(context, step.due_at)[-5:]} ({countdown(step.due_at, now)})",
                style={"red": "bold red", "amber": "yellow"}.get(state, ""),
            )
        out.print(line)
    for entry in incident.timeline:
        out.print(
            Text(
                f"{local_text(context, entry.at)}  {entry.kind_label}"
                + (f" {entry.step_n}" if entry.step_n else "")
                + (f": {entry.text}" if entry.text else "")
            )
        )
