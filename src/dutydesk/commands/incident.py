"""`dutydesk incident …`: start an incident from a playbook, tick its steps, close it."""

from datetime import date
from pathlib import Path
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
    wrapping_table,
)
from dutydesk.i18n import LANGUAGES, N_, _

if TYPE_CHECKING:
    from dutydesk.context import Context
    from dutydesk.domain.incident_stats import ResponseFigures
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
    table = wrapping_table(_("#"), _("Title"), _("Level"), _("Status"), _("Started"), _("Steps done"), _("Late"))
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
    undo: Annotated[
        str | None, typer.Option("--undo", metavar=N_("REASON"), help=_("Untick a step done by mistake, saying why."))
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help=_("A note on the timeline."))] = None,
) -> None:
    """Mark a step done (`--done`), or untick it (`--undo REASON`); both stay on the timeline."""
    from dutydesk.domain.incidents import tick_step, untick_step

    context = command_context(ctx)
    if done == (undo is not None):
        fail(_("say --done to mark the step done, or --undo REASON to untick it"))
    if undo is not None:
        untick_step(context.db, number, step_n, undo)
        typer.echo(_("Incident #{number}: step {n} unticked.").format(number=number, n=step_n))
        return
    tick_step(context.db, number, step_n, note)
    typer.echo(_("Incident #{number}: step {n} done.").format(number=number, n=step_n))


@app.command("note")
def note(
    ctx: typer.Context,
    number: Number,
    text: Annotated[str, typer.Argument(help=_("The note."))],
    answer: Annotated[
        bool, typer.Option("--answer", help=_("It is the answer of the last one escalated to (or of --from)."))
    ] = False,
    from_whom: Annotated[str | None, typer.Option("--from", help=_("Who answered (with --answer)."))] = None,
) -> None:
    """Add a note to an incident's timeline, or the answer to an escalation (`--answer`)."""
    from dutydesk.domain.incidents import add_note, record_answer

    context = command_context(ctx)
    if from_whom is not None and not answer:
        fail(_("--from goes with --answer"))
    if answer:
        record_answer(context.db, number, text, from_whom)
        typer.echo(_("Incident #{number}: answer recorded.").format(number=number))
        return
    add_note(context.db, number, text)
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
    contact: Annotated[str, typer.Argument(help=_("Who was contacted: a playbook contact's role or name, or anyone."))],
    channel: Annotated[str, typer.Option("--channel", help=_("How: phone, internal channel, in person…"))] = "",
    said: Annotated[str, typer.Option("--said", help=_("What was said or asked."))] = "",
) -> None:
    """Record an escalation; a playbook contact's step is ticked with it."""
    from dutydesk.domain.incidents import escalate as record

    context = command_context(ctx)
    before = _done_steps(context, number)
    incident = record(context.db, number, contact, channel, said)
    typer.echo(_("Incident #{number}: escalation recorded.").format(number=number))
    for n in sorted({s.n for s in incident.steps if s.done_at} - before):
        typer.echo(_("Incident #{number}: step {n} done.").format(number=number, n=n))


def _done_steps(context: "Context", number: int) -> set[int]:
    from dutydesk.domain.incidents import get_incident

    return {step.n for step in get_incident(context.db, number).steps if step.done_at}


@app.command("role")
def role(
    ctx: typer.Context,
    number: Number,
    role_key: Annotated[str, typer.Argument(help=_("The role's key in the configuration, e.g. lead."))],
    person: Annotated[str, typer.Argument(help=_("Who holds it."))],
) -> None:
    """Give someone a role on an incident (roles come from `[incidents] roles` in the configuration)."""
    from dutydesk.domain.incidents import assign_role

    context = command_context(ctx)
    assign_role(context.db, context.config, number, role_key, person)
    typer.echo(_("Incident #{number}: {person} is {role}.").format(number=number, person=person, role=role_key))


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
    skip: Annotated[
        list[str] | None,
        typer.Option(
            "--skip",
            metavar=N_("STEP=REASON"),
            help=_("Skip an open step, saying why (repeat it); all=REASON for every other open step."),
        ),
    ] = None,
    team: TeamOption = None,
) -> None:
    """Close an incident with a short summary; every open step is skipped with a reason."""
    from dutydesk.domain.incidents import close_incident

    context = command_context(ctx)
    skips = dict(_skip(item) for item in skip or [])
    close_incident(context.db, context.config, open_shift_of(context, team), number, summary, skips)
    typer.echo(_("Incident #{number} closed.").format(number=number))


def _skip(item: str) -> tuple[str, str]:
    step_key, sep, reason = item.partition("=")
    if not sep:
        fail(_("--skip takes STEP=REASON (or all=REASON), not {item!r}").format(item=item))
    return step_key.strip().lower(), reason


@app.command("review")
def review(
    ctx: typer.Context, number: Number, text: Annotated[str, typer.Argument(help=_("The review note."))]
) -> None:
    """Add a post-incident review note to a closed incident."""
    from dutydesk.domain.incidents import add_review

    add_review(command_context(ctx).db, number, text)
    typer.echo(_("Incident #{number}: review note added.").format(number=number))


@app.command("report")
def report(
    ctx: typer.Context,
    number: Number,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=_("Write to this file instead of standard output."))
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=_("Language of headings and labels: en or zh."))] = None,
    force: Annotated[bool, typer.Option("--force", help=_("Replace the file if it exists."))] = False,
) -> None:
    """Write the review of one incident as Markdown: timeline, steps, contacts, queues, lessons."""
    from dutydesk.export import write_atomically
    from dutydesk.export.incident_report import gather_report, render_report

    if lang is not None and lang not in LANGUAGES:
        fail(
            _("unknown language {language!r}: choose one of {choices}").format(
                language=lang, choices=", ".join(LANGUAGES)
            )
        )
    context = command_context(ctx)
    text = render_report(gather_report(context.db, context.config, number), lang)
    if output is None:
        typer.echo(text, nl=False)
        return
    write_atomically(output, text, force=force)
    typer.echo(_("Wrote {path}.").format(path=output))


@app.command("stats")
def stats(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", help=_("Incidents from this day on, YYYY-MM-DD."))] = None,
    as_json: JsonOption = False,
) -> None:
    """Response figures per playbook and month: alert to acknowledgement and to start, start to each step
    and to closing (median and 90th percentile), steps on time."""
    from datetime import UTC, datetime

    from dutydesk import clock
    from dutydesk.domain.incident_stats import alerts_since, incidents_since, response_figures

    context = command_context(ctx)
    start = None
    if since is not None:
        try:
            day = date.fromisoformat(since)
        except ValueError:
            fail(_("bad date {value!r}: use YYYY-MM-DD").format(value=since))
        start = datetime.combine(day, datetime.min.time(), tzinfo=context.config.zone).astimezone(UTC)
    found = response_figures(
        incidents_since(context.db, start), alerts_since(context.db, start), context.config, clock.utcnow()
    )
    if as_json:
        print_json([group.as_json() for group in found])
        return
    if not found:
        typer.echo(_("No incidents."))
        return
    _print_stats(found)


def _print_stats(found: "list[ResponseFigures]") -> None:
    """One small table per playbook and month: it fits a narrow terminal."""
    from rich.table import Table
    from rich.text import Text

    from dutydesk.export.incident_stats import figure_pairs

    out = console()
    for group in found:
        title = _("{playbook} · {month} · {count} incidents").format(
            playbook=group.playbook, month=group.month, count=group.incidents
        )
        table = Table(_("Figure"), _("Median / 90th percentile (n)"), title=Text(title), title_justify="left")
        for name, value in figure_pairs(group):
            table.add_row(name, value)
        out.print(table)


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
        mark = "x" if step.done_at else "-" if step.skipped_at else " "
        line = Text(f"{step.n:>2}. [{mark}] {step.text}")
        if step.skip_reason:
            line.append("  " + _("skipped: {reason}").format(reason=step.skip_reason), style="dim")
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
                + "".join(f" · {part}" for part in (entry.role, entry.contact, entry.channel) if part)
                + (f": {entry.text}" if entry.text else "")
                + (f"  ({entry.author})" if entry.author else "")
            )
        )
