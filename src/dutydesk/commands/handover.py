"""`dutydesk handover …`: answer the checklist, sign it as two supervisors, verify signed records."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dutydesk import clock
from dutydesk.cli_support import (
    JsonOption,
    TeamOption,
    command_context,
    console,
    echo,
    fail,
    local_text,
    open_shift_of,
    print_json,
)
from dutydesk.i18n import _

if TYPE_CHECKING:
    from dutydesk.context import Context
    from dutydesk.domain.handover import Anchor, HandoverView, RecordSeal, VerifyReport

app = typer.Typer(help=_("The shift handover: checklist, signatures, verification."), no_args_is_help=True)

AnchorOption = Annotated[
    Path | None,
    typer.Option("--anchor", help=_("An anchor file or an exported summary: the record must extend it.")),
]
HandoverOption = Annotated[
    int | None, typer.Option("--handover", help=_("Handover number (default: the open shift's)."))
]


def _target(context: "Context", handover_id: int | None, team: str | None) -> "HandoverView":
    """The handover named, else the one of the open shift (which must have been started)."""
    from dutydesk.domain.handover import get_handover, handover_of_shift

    if handover_id is not None:
        return get_handover(context.db, handover_id)
    found = handover_of_shift(context.db, open_shift_of(context, team).id)
    if found is None:
        fail(_("no handover started for the open shift: start one with `dutydesk handover start`"))
    return found


@app.command("start")
def start(ctx: typer.Context, team: TeamOption = None) -> None:
    """Start the handover of the open shift (or show the one already started)."""
    from dutydesk.domain.handover import refresh_carried, start_handover

    context = command_context(ctx)
    started = start_handover(context.db, context.config, team)
    _print_handover(context, refresh_carried(context.db, context.config, started.id))


@app.command("show")
def show(
    ctx: typer.Context,
    handover_id: Annotated[
        int | None, typer.Argument(help=_("Handover number (default: the open shift's, else the last)."))
    ] = None,
    team: TeamOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a handover: the checklist, carried-over items, signatures and their status."""
    from dutydesk.domain.handover import (
        HandoverView,
        get_handover,
        handover_of_shift,
        latest_handover,
        refresh_carried,
        verify_handovers,
    )
    from dutydesk.domain.shifts import current_shift

    context = command_context(ctx)
    found: HandoverView | None
    if handover_id is not None:
        found = get_handover(context.db, handover_id)
    else:
        shift = current_shift(context.db, team, home_team=context.config.center.team)
        found = (handover_of_shift(context.db, shift.id) if shift else None) or latest_handover(context.db, team)
    if found is None:
        fail(_("no handover yet: start one with `dutydesk handover start`"))
    found = refresh_carried(context.db, context.config, found.id)  # a draft shows what it would carry now
    report = verify_handovers(context.db, found.id) if found.frozen else None
    if as_json:
        data = found.as_json(context.config)
        data["verified"] = None if report is None else report.ok
        data["problems"] = [] if report is None else [p.what for p in report.problems]
        print_json(data)
        return
    _print_handover(context, found, report)


@app.command("list")
def list_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help=_("How many, newest first."))] = 20,
    as_json: JsonOption = False,
) -> None:
    """List handovers, newest first."""
    from dutydesk.domain.handover import handover_status_label, list_handovers

    context = command_context(ctx)
    found = list_handovers(context.db, limit)
    if as_json:
        print_json([handover.as_json(context.config) for handover in found])
        return
    if not found:
        typer.echo(_("No handovers yet."))
    for handover in found:
        names = " → ".join(s.supervisor_display for s in handover.signatures) or "—"
        typer.echo(
            f"#{handover.id}\t{handover.team}\t{local_text(context, handover.started_at)}\t"
            f"{handover_status_label(handover.status)}\t{names}"
        )


@app.command("check")
def check(
    ctx: typer.Context,
    item_key: Annotated[str, typer.Argument(help=_("Checklist item key, e.g. crm (see `handover show`)."))],
    status: Annotated[
        str, typer.Option("--status", help=_("ok, issue or na (floor_status: stable, watch or unstable)."))
    ],
    note: Annotated[str, typer.Option("--note", help=_("Note; required for issue."))] = "",
    handover_id: HandoverOption = None,
    team: TeamOption = None,
) -> None:
    """Answer one checklist item."""
    from dutydesk.domain.handover import answer, status_label

    context = command_context(ctx)
    handover = _target(context, handover_id, team)
    updated = answer(context.db, context.config, handover.id, item_key, status, note)
    answered, required = updated.progress()
    typer.echo(
        _("{item}: {status} · {answered} of {required} required answered").format(
            item=next(i.label for i in updated.items if i.key == item_key),
            status=status_label(status),
            answered=answered,
            required=required,
        )
    )


@app.command("confirm")
def confirm(
    ctx: typer.Context,
    number: Annotated[int | None, typer.Argument(help=_("Carried-over item number (see `handover show`)."))] = None,
    every: Annotated[
        bool, typer.Option("--all", help=_("Confirm every carried-over item not flagged for read-back one by one."))
    ] = False,
    handover_id: HandoverOption = None,
    team: TeamOption = None,
) -> None:
    """Read-back: the incoming supervisor confirms a carried-over item."""
    from dutydesk.domain.handover import confirm, confirmable_together

    if (number is None) == (not every):
        fail(_("give an item number or --all"))
    context = command_context(ctx)
    handover = _target(context, handover_id, team)
    numbers = (
        [number] if number is not None else confirmable_together(handover, [c.number for c in handover.carried])[0]
    )
    updated = confirm(context.db, context.config, handover.id, numbers)
    typer.echo(_("Confirmed; {open} carried-over items left to confirm.").format(open=len(updated.unconfirmed())))
    flagged = [str(c.number) for c in updated.unconfirmed() if c.flagged]
    if flagged:
        typer.echo(_("Read back one by one: {numbers}").format(numbers=", ".join(flagged)))


@app.command("sign")
def sign(
    ctx: typer.Context,
    role: Annotated[str, typer.Option("--role", help=_("outgoing (signs first) or incoming."))],
    supervisor: Annotated[str, typer.Option("--supervisor", help=_("Who signs (their PIN is asked)."))],
    pin_stdin: Annotated[bool, typer.Option("--pin-stdin", help=_("Read the PIN from standard input."))] = False,
    handover_id: HandoverOption = None,
    team: TeamOption = None,
) -> None:
    """Sign the handover with your PIN; the incoming signature hands the shift over."""
    from dutydesk.domain.handover import INCOMING, check_signer, role_label, sign_handover
    from dutydesk.domain.handover.anchor import key_fingerprints

    context = command_context(ctx)
    handover = _target(context, handover_id, team)
    check_signer(context.db, handover, role, supervisor)  # before the PIN is asked
    warning = handover.early_signing_warning(context.config, clock.utcnow()) if role == INCOMING else None
    if warning:
        typer.echo(warning, err=True)
    pin = sys.stdin.readline().strip() if pin_stdin else typer.prompt(_("PIN"), hide_input=True)
    had_key = supervisor in key_fingerprints(context.db)
    signed = sign_handover(context.db, context.config, handover.id, role, supervisor, pin)
    signature = signed.signature(role)
    shown_name = signature.supervisor_display if signature else supervisor
    typer.echo(
        _("Handover #{id} signed by {name} ({role}).").format(id=signed.id, name=shown_name, role=role_label(role))
    )
    if not had_key:  # the key was made at this first signature
        print_fingerprint(shown_name, key_fingerprints(context.db)[supervisor])
    if role == INCOMING and signed.incoming_shift_id is not None:
        typer.echo(
            _("Shift #{old} is closed; shift #{new} is open for {name}.").format(
                old=signed.outgoing_shift_id, new=signed.incoming_shift_id, name=shown_name
            )
        )


@app.command("verify")
def verify(
    ctx: typer.Context,
    handover_id: Annotated[
        int | None, typer.Argument(help=_("Handover number (default: what was written since the last verify)."))
    ] = None,
    every: Annotated[bool, typer.Option("--all", help=_("Verify every signed handover and the whole chain."))] = False,
    anchor_file: AnchorOption = None,
) -> None:
    """Check signatures and the hash chain; exits 1 when something no longer matches."""
    from dutydesk.domain.handover import verify_handovers

    context = command_context(ctx)
    if handover_id is not None and not every and anchor_file is None:
        _print_report(context, verify_handovers(context.db, handover_id))
        return
    verify_record(ctx, every, anchor_file)


def verify_record(
    ctx: typer.Context,
    every: Annotated[
        bool, typer.Option("--all", help=_("The whole record, not just what was written since the last verify."))
    ] = False,
    anchor_file: AnchorOption = None,
) -> None:
    """Verify what was written since the last verify (the whole record with --all or --anchor)."""
    from dutydesk.domain.handover import seal_of_record, seal_since_marks

    context = command_context(ctx)
    anchor = _read_anchor(anchor_file)
    whole = every or anchor is not None  # an anchor is compared with digests recomputed from the first link
    seal = seal_of_record(context.db, anchor) if whole else seal_since_marks(context.db)
    _record_verified(context, seal)
    _print_report(context, seal.report)


def _record_verified(context: "Context", seal: "RecordSeal") -> None:
    """Mark the heads a run found intact: the next plain `verify` starts from there."""
    from dutydesk.domain.handover import record_verified

    unstored = record_verified(context.db, seal)
    if unstored is not None:
        typer.echo(
            _(
                "note: the verified heads could not be stored ({reason}): the next verify checks from the last ones"
            ).format(reason=unstored),
            err=True,
        )


def write_anchor(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help=_("Where to write the anchor file."))],
) -> None:
    """Write the chain heads and key fingerprints to a file kept outside the database."""
    from dutydesk.domain.handover import seal_of_record
    from dutydesk.export import write_atomically

    context = command_context(ctx)
    seal = seal_of_record(context.db)
    if seal.anchor is None or not seal.report.ok:
        _print_report(context, seal.report)  # exits 1: an anchor of a record that does not verify proves nothing
        return
    write_atomically(output, seal.anchor.to_text(), force=True)
    _record_verified(context, seal)  # the anchored heads: the next plain `verify` starts there
    typer.echo(_("Wrote {path}: keep it where the database's writers cannot change it.").format(path=output))


def print_fingerprint(name: str, fingerprint: str) -> None:
    typer.echo(
        _(
            "Signing key fingerprint of {name}: {fingerprint} (keep it outside dutydesk to check signatures later)"
        ).format(name=name, fingerprint=fingerprint)
    )


def _read_anchor(path: Path | None) -> "Anchor | None":
    from dutydesk.domain.handover import read_anchor

    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(_("cannot read {path}: {reason}").format(path=path, reason=getattr(error, "strerror", None) or error))
    return read_anchor(text, str(path))


def _print_report(context: "Context", report: "VerifyReport") -> None:
    for problem in report.problems:
        if problem.handover_id is None:
            typer.echo(_("INVALID: {what}").format(what=problem.what), err=True)
        else:
            typer.echo(_("INVALID handover #{id}: {what}").format(id=problem.handover_id, what=problem.what), err=True)
    if not report.ok:
        raise typer.Exit(1)
    if report.checked:
        typer.echo(_("{count} signed handovers verified: all valid.").format(count=len(report.checked)))
    elif report.since is not None:  # an earlier verify (or export) checked every signature there is
        typer.echo(_("No handover was signed since the last verify."))
    else:
        typer.echo(_("No signed handovers to verify."))
    if report.since is not None:
        typer.echo(
            _(
                "Verified since {time} (the last verify): what was written after it. "
                "The whole record: `dutydesk verify --all`."
            ).format(time=local_text(context, report.since))
        )
    elif report.whole:
        typer.echo(_("Whole record verified: every link of the chain from the first."))


def _print_handover(context: "Context", handover: "HandoverView", report: "VerifyReport | None" = None) -> None:
    from rich.text import Text

    from dutydesk.domain.handover import (
        handover_status_label,
        log_since_last_handover,
        role_label,
        status_label,
    )

    out = console()
    answered, required = handover.progress()
    echo(
        _("Handover #{id} · team {team} · shift #{shift} ({name}) · {status}").format(
            id=handover.id,
            team=handover.team,
            shift=handover.outgoing_shift_id,
            name=handover.outgoing_display,
            status=handover_status_label(handover.status),
        )
    )
    if report is not None:
        out.print(
            Text(
                _("Signatures: valid") if report.ok else _("Signatures: INVALID"),
                style="bold green" if report.ok else "bold white on red",
            )
        )
        for problem in report.problems:
            echo("  " + problem.what)
    echo(_("{answered} of {required} required answered").format(answered=answered, required=required))
    section = None
    for item in handover.items:
        if item.section != section:
            section = item.section
            echo(f"\n{item.section_label}")
        mark = "*" if item.required else " "
        echo(f" {mark} {status_label(item.status):<9} {item.key:<18} {item.label}")
        if item.note:
            echo("      " + item.note.replace("\n", "\n      "))
        for carried in (c for c in handover.carried if c.item_key == item.key):
            state = _("confirmed") if carried.confirmed_at else _("to confirm")
            shown = carried.shown(context.config.zone).replace("\n", "\n         ")
            echo(f"      {carried.number}. [{state}] {local_text(context, carried.at)} {shown}")
        if item.kind == "log_read":
            count = len(log_since_last_handover(context.db, handover))
            echo(
                "      "
                + _("{count} log entries of the outgoing shift: `dutydesk log list --shift {shift}`").format(
                    count=count, shift=handover.outgoing_shift_id
                )
            )
    echo("")
    for signature in handover.signatures:
        echo(
            _("Signed ({role}): {name} at {time}").format(
                role=role_label(signature.role),
                name=signature.supervisor_display,
                time=local_text(context, signature.signed_at),
            )
        )
