"""The `dutydesk` command. Heavy modules (sqlmodel, textual) are imported inside the commands
that need them, so `dutydesk --help` stays fast.

The language of the help texts is chosen when `cli_support` is imported, before the rest.
"""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dutydesk.cli_support import (  # first: it chooses the language for the help texts
    JsonOption,
    Options,
    TeamOption,
    command_context,
    console,
    fail,
    local_text,
    open_shift_of,
    options,
    print_json,
    wrapping_table,
)
from dutydesk.commands import db as db_commands
from dutydesk.commands import export, followup, handover, incident, notify, playbook, queue
from dutydesk.errors import UserError
from dutydesk.i18n import _, choose_language, set_language

if TYPE_CHECKING:
    from dutydesk.context import Context
    from dutydesk.domain.shifts import ShiftInfo


app = typer.Typer(pretty_exceptions_enable=False, rich_markup_mode=None, help=_("The duty supervisor's console."))
supervisor_app = typer.Typer(help=_("Register and list supervisors."), no_args_is_help=True)
shift_app = typer.Typer(help=_("Open, show and close shifts."), no_args_is_help=True)
log_app = typer.Typer(help=_("Keep and search the duty log."), no_args_is_help=True)
app.add_typer(supervisor_app, name="supervisor")
app.add_typer(shift_app, name="shift")
app.add_typer(log_app, name="log")
app.add_typer(handover.app, name="handover")
app.add_typer(playbook.app, name="playbook")
app.add_typer(incident.app, name="incident")
app.add_typer(followup.app, name="followup")
app.add_typer(queue.app, name="queue")
app.add_typer(notify.app, name="notify")
app.add_typer(notify.alert_app, name="alert")
app.add_typer(db_commands.app, name="db")
app.command("export")(export.export)  # single commands, not groups
app.command("verify")(handover.verify_record)
app.command("anchor")(handover.write_anchor)
app.command("staffing")(queue.staffing)


@app.callback(invoke_without_command=True)
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help=_("Database file or URL (default: $DUTYDESK_DB, then the user data dir).")),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help=_("Configuration file (default: the user config dir)."))
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help=_("Language: en or zh (default: $DUTYDESK_LANG, then the locale)."))
    ] = None,
    feed: Annotated[
        str | None,
        typer.Option(
            "--feed",
            "--source",
            help=_(
                "Queue feed for the app: sim, file:PATH, asterisk:PATH or an http(s):// URL (default: from config)."
            ),
        ),
    ] = None,
) -> None:
    set_language(choose_language(lang))
    ctx.obj = Options(db, config, lang)
    ctx.meta["feed"] = feed
    if ctx.invoked_subcommand is None:
        from dutydesk.tui.screens.log import PAGE_SIZE

        _run_tui(ctx.obj.tui_context(PAGE_SIZE), feed)


def _run_tui(context: "Context", feed: str | None = None) -> None:
    from dutydesk.tui.app import make_app

    tui = make_app(context, feed)
    tui.run()
    if tui.crash_report is not None:
        typer.echo(
            _("error: dutydesk stopped on an unexpected error; the report is in {path}").format(path=tui.crash_report),
            err=True,
        )
    if tui.return_code:
        raise SystemExit(tui.return_code)


# --- demo -------------------------------------------------------------------------------


@app.command()
def demo(
    ctx: typer.Context,
    fresh: Annotated[bool, typer.Option("--fresh", help=_("Rebuild the demo database first."))] = False,
) -> None:
    """Open dutydesk on a demo database with a week of shifts."""
    from dutydesk import paths
    from dutydesk.demo import prepare_demo_database

    path = paths.demo_database_path()
    prepare_demo_database(path, fresh=fresh, config_path=options(ctx).config)
    _run_tui(options(ctx).context(path), ctx.meta.get("feed") or "sim")


# --- supervisors ------------------------------------------------------------------------


@supervisor_app.command("add")
def supervisor_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=_("Login name, e.g. wang."))],
    display_name: Annotated[
        str | None, typer.Option("--display-name", help=_("Name shown on screen, e.g. 王伟."))
    ] = None,
    pin_stdin: Annotated[bool, typer.Option("--pin-stdin", help=_("Read the PIN from standard input."))] = False,
) -> None:
    """Register a supervisor; asks for the PIN twice."""
    from dutydesk.domain.signing import create_key
    from dutydesk.domain.supervisors import add_supervisor, check_new_pin

    context = command_context(ctx)
    if pin_stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = typer.prompt(_("PIN"), hide_input=True, confirmation_prompt=_("PIN again"))
    min_length = context.config.handover.pin_min_length
    check_new_pin(pin, min_length)
    added = add_supervisor(context.db, name, display_name or name, pin, min_length=min_length)
    typer.echo(_("Added supervisor {name} ({display}).").format(name=added.name, display=added.display_name))
    handover.print_fingerprint(added.display_name, create_key(context.db, added.name, pin))


@supervisor_app.command("list")
def supervisor_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List registered supervisors."""
    from dutydesk.domain.supervisors import list_supervisors

    found = list_supervisors(command_context(ctx).db)
    if as_json:
        print_json([{"id": s.id, "name": s.name, "display_name": s.display_name} for s in found])
        return
    if not found:
        typer.echo(_("No supervisors yet: add one with `dutydesk supervisor add NAME`."))
    for supervisor in found:
        typer.echo(f"{supervisor.name}\t{supervisor.display_name}")


# --- shifts -----------------------------------------------------------------------------


@shift_app.command("open")
def shift_open(
    ctx: typer.Context,
    supervisor: Annotated[str, typer.Option("--supervisor", help=_("The supervisor on duty."))],
    team: TeamOption = None,
    new_team: Annotated[
        bool, typer.Option("--new-team", help=_("The team's first shift (a team never seen)."))
    ] = False,
) -> None:
    """Open a shift for a team, planned from the shift pattern."""
    from dutydesk.domain.shifts import open_shift

    context = command_context(ctx)
    _print_shift(context, open_shift(context.db, context.config, supervisor, team, new_team=new_team))


@shift_app.command("current")
def shift_current(ctx: typer.Context, team: TeamOption = None, as_json: JsonOption = False) -> None:
    """Show the open shift."""
    context = command_context(ctx)
    shift = open_shift_of(context, team)
    if as_json:
        print_json(shift.as_json(context.config))
    else:
        _print_shift(context, shift)


@shift_app.command("close")
def shift_close(ctx: typer.Context, team: TeamOption = None) -> None:
    """Close the open shift."""
    from dutydesk.domain.shifts import close_shift

    context = command_context(ctx)
    shift = close_shift(context.db, open_shift_of(context, team).id)
    _print_shift(context, shift)


@shift_app.command("list")
def shift_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help=_("How many, newest first."))] = 50,
    as_json: JsonOption = False,
) -> None:
    """List shifts, newest first."""
    from dutydesk.domain.shifts import list_shifts

    context = command_context(ctx)
    found = list_shifts(context.db, limit)
    if as_json:
        print_json([shift.as_json(context.config) for shift in found])
        return

    table = wrapping_table(_("#"), _("Team"), _("Shift"), _("Supervisor"), _("Status"), _("Opened"), _("Closed"))
    for shift in found:
        table.add_row(
            str(shift.id),
            shift.team,
            _slot_label(context, shift),
            shift.supervisor_display,
            shift.status_label(),
            local_text(context, shift.opened_at),
            local_text(context, shift.closed_at),
        )
    console().print(table)


@shift_app.command("show")
def shift_show(
    ctx: typer.Context,
    shift_id: Annotated[int | None, typer.Argument(help=_("Shift number (default: the open or last shift)."))] = None,
    as_json: JsonOption = False,
) -> None:
    """Show one shift."""
    from dutydesk.domain.shifts import chosen_shift

    context = command_context(ctx)
    shift = chosen_shift(context.db, shift_id, home_team=context.config.center.team)
    if as_json:
        print_json(shift.as_json(context.config))
    else:
        _print_shift(context, shift)


def _slot_label(context: "Context", shift: "ShiftInfo") -> str:
    slot = next((s for s in context.config.shifts if s.key == shift.slot_key), None)
    return str(slot.label) if slot else shift.slot_key


def _print_shift(context: "Context", shift: "ShiftInfo") -> None:
    typer.echo(
        _("Shift #{id} · team {team} · {slot} {start}–{end} · {supervisor} · {status}").format(
            id=shift.id,
            team=shift.team,
            slot=_slot_label(context, shift),
            start=local_text(context, shift.planned_start),
            end=local_text(context, shift.planned_end)[-5:],
            supervisor=shift.supervisor_display,
            status=shift.status_label(),
        )
    )


# --- the duty log -----------------------------------------------------------------------

CategoryOption = Annotated[str | None, typer.Option("--category", help=_("Category key, e.g. event, defect."))]
SeverityOption = Annotated[str | None, typer.Option("--severity", help=_("info, warning or critical."))]


def _entry_text(text: str) -> str:
    """The TEXT argument; '-' reads it from standard input (strict UTF-8)."""
    if text != "-":
        return text
    try:
        return sys.stdin.buffer.read().decode("utf-8").rstrip("\n")
    except UnicodeDecodeError as error:
        fail(_("the text is not valid UTF-8 (byte {position})").format(position=error.start))


@log_app.command("add")
def log_add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help=_("What happened; '-' reads it from standard input."))],
    category: CategoryOption = None,
    severity: SeverityOption = None,
    at: Annotated[str | None, typer.Option("--at", help=_("When: HH:MM or 'YYYY-MM-DD HH:MM' (default: now)."))] = None,
    team: TeamOption = None,
) -> None:
    """Add an entry to the open shift's duty log."""
    from dutydesk.domain.log import add_entry, parse_at

    context = command_context(ctx)
    shift = open_shift_of(context, team)
    entry = add_entry(
        context.db,
        context.config,
        shift,
        _entry_text(text),
        category=category,
        severity=severity or "info",
        at=parse_at(at, context.config) if at else None,
    )
    typer.echo(_("Logged #{id} at {time}.").format(id=entry.id, time=local_text(context, entry.at)))


@log_app.command("correct")
def log_correct(
    ctx: typer.Context,
    entry_id: Annotated[int, typer.Argument(help=_("The entry to correct."))],
    text: Annotated[str, typer.Argument(help=_("The corrected text; '-' reads standard input."))],
    category: CategoryOption = None,
    severity: SeverityOption = None,
) -> None:
    """Correct an entry: a new entry supersedes it, the original is kept."""
    from dutydesk.domain.log import correct_entry

    context = command_context(ctx)
    entry = correct_entry(context.db, context.config, entry_id, _entry_text(text), category=category, severity=severity)
    typer.echo(_("Logged #{id}, correcting #{old}.").format(id=entry.id, old=entry_id))


@log_app.command("resolve")
def log_resolve(
    ctx: typer.Context,
    entry_id: Annotated[int, typer.Argument(help=_("An entry of the problem that is over."))],
    note: Annotated[str, typer.Option("--note", help=_("What put it right (default: 'Resolved: ...')."))] = "",
    team: TeamOption = None,
) -> None:
    """Log that an anomaly is resolved: the next handover no longer carries it."""
    from dutydesk.domain.threads import resolve

    context = command_context(ctx)
    entry = resolve(context.db, context.config, open_shift_of(context, team), entry_id, note)
    typer.echo(_("Logged #{id}, resolving the problem of #{old}.").format(id=entry.id, old=entry_id))


@log_app.command("link")
def log_link(
    ctx: typer.Context,
    entry_id: Annotated[int, typer.Argument(help=_("An entry."))],
    same_as: Annotated[int, typer.Argument(help=_("An earlier entry of the same problem."))],
) -> None:
    """Say two entries are the same problem: the handover carries them as one."""
    from dutydesk.domain.threads import link_same_problem

    context = command_context(ctx)
    link_same_problem(context.db, entry_id, same_as)
    typer.echo(_("#{id} and #{other} are now one problem.").format(id=entry_id, other=same_as))


@log_app.command("threads")
def log_threads(
    ctx: typer.Context,
    show_all: Annotated[bool, typer.Option("--all", help=_("Resolved problems too."))] = False,
    team: TeamOption = None,
    as_json: JsonOption = False,
) -> None:
    """The anomalies as problems: one row per thread, latest state and age, oldest first."""
    from dutydesk.domain.threads import team_threads

    context = command_context(ctx)
    team = team or context.config.center.team
    found = [thread for thread in team_threads(context.db, context.config, team) if show_all or thread.is_open]
    if as_json:
        print_json([thread.as_json(context.config) for thread in found])
        return
    if not found:
        typer.echo(_("No open problems."))
        return
    from rich.text import Text

    table = wrapping_table(_("#"), _("Since"), _("Status"), _("Latest"))
    for thread in found:
        status = _("open") if thread.is_open else _("resolved by #{id}").format(id=thread.resolution.id)  # type: ignore[union-attr]
        table.add_row(str(thread.id), local_text(context, thread.opened_at), status, Text(thread.summary()))
    console().print(table)


@log_app.command("list")
def log_list(
    ctx: typer.Context,
    shift_id: Annotated[
        int | None, typer.Option("--shift", help=_("Shift number (default: the open or last shift)."))
    ] = None,
    category: CategoryOption = None,
    severity: SeverityOption = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help=_("At most this many, newest first."))] = None,
    as_json: JsonOption = False,
) -> None:
    """List a shift's entries, newest first."""
    from dutydesk.domain.log import LogFilter, list_entries
    from dutydesk.domain.shifts import chosen_shift, list_shifts

    context = command_context(ctx)
    _check_filters(context, category, severity)
    if shift_id is None and not list_shifts(context.db, 1):
        _print_entries(context, [], as_json, spans=None)  # a fresh database: nothing logged yet
        return
    shift = chosen_shift(context.db, shift_id, home_team=context.config.center.team)
    entries = list_entries(context.db, LogFilter(shift.id, category, severity), limit=limit)
    _print_entries(context, entries, as_json, spans=None)


@log_app.command("search")
def log_search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help=_("Words to find (English or Chinese)."))],
    category: CategoryOption = None,
    severity: SeverityOption = None,
    shift_id: Annotated[int | None, typer.Option("--shift", help=_("Only this shift."))] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help=_("At most this many results."))] = 50,
    as_json: JsonOption = False,
) -> None:
    """Search the log of every shift, best match first."""
    from dutydesk.domain.log import LogFilter, search

    context = command_context(ctx)
    _check_filters(context, category, severity)
    hits = search(context.db, query, LogFilter(shift_id, category, severity), limit=limit)
    _print_entries(context, [hit.entry for hit in hits], as_json, spans=[hit.spans for hit in hits])


def _check_filters(context: "Context", category: str | None, severity: str | None) -> None:
    from dutydesk.domain.log import SEVERITIES

    if category and context.config.category(category) is None:
        fail(
            _("unknown category {category!r}: choose one of {choices}").format(
                category=category, choices=", ".join(c.key for c in context.config.log.categories)
            )
        )
    if severity and severity not in SEVERITIES:
        fail(
            _("unknown severity {severity!r}: choose one of {choices}").format(
                severity=severity, choices=", ".join(SEVERITIES)
            )
        )


def _print_entries(context: "Context", entries: list[Any], as_json: bool, spans: list[Any] | None) -> None:
    if as_json:
        print_json([entry.as_json(context.config) for entry in entries])
        return
    if not entries:
        typer.echo(_("No entries."))
        return
    from rich.text import Text

    from dutydesk.domain.log import severity_label
    from dutydesk.textsafe import safe_with_spans

    table = wrapping_table(_("#"), _("Time"), _("Shift"), _("Category"), _("Severity"), _("Author"), _("Text"))
    for index, entry in enumerate(entries):
        shown, marked = safe_with_spans(entry.text, spans[index] if spans else [])
        text = Text(shown)
        for start, end in marked:
            text.stylize("bold reverse", start, end)
        if entry.superseded_by:
            text.append("  " + _("(corrected by #{id})").format(id=entry.superseded_by), style="dim")
        category = context.config.category(entry.category)
        table.add_row(
            str(entry.id),
            local_text(context, entry.at),
            str(entry.shift_id),
            str(category.label) if category else entry.category,
            severity_label(entry.severity),
            entry.author_display,
            text,
        )
    console().print(table)


def main() -> None:
    """Console entry point: a user error is one line on stderr and exit code 1 (a usage error: 2), never a traceback."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

    from dutydesk.cli_texts import localize, usage_error_line

    _refuse_undecodable_arguments()
    try:
        status = localize(typer.main.get_command(app)).main(prog_name="dutydesk", standalone_mode=False)
    except NoArgsIsHelpError as error:  # a group without its command: its help page is the answer
        typer.echo(error.ctx.get_help() if error.ctx else "")
        raise SystemExit(2) from None
    except UsageError as error:
        typer.echo(_("error: {message}").format(message=usage_error_line(error)), err=True)
        raise SystemExit(2) from None
    except ClickException as error:
        typer.echo(_("error: {message}").format(message=error.format_message()), err=True)
        raise SystemExit(error.exit_code) from None
    except typer.Abort:
        typer.echo(_("aborted"), err=True)
        raise SystemExit(1) from None
    except UserError as error:
        typer.echo(_("error: {message}").format(message=error), err=True)
        raise SystemExit(error.exit_code) from None
    raise SystemExit(status if isinstance(status, int) else 0)


def _refuse_undecodable_arguments() -> None:
    """Bytes that are not UTF-8 arrive as surrogates (e.g. a Latin-1 terminal): refuse them here,
    before they reach the database or the screen."""
    for argument in sys.argv[1:]:
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            shown = argument.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            typer.echo(_("error: the argument {argument} is not valid UTF-8 text").format(argument=shown), err=True)
            raise SystemExit(2) from None
