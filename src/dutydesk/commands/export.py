"""`dutydesk export` (one command, registered in dutydesk.cli): the shift summary as Markdown, to stdout, a file, or one file per shift."""

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from dutydesk.cli_support import command_context, fail
from dutydesk.i18n import LANGUAGES, _


def export(
    ctx: typer.Context,
    shift_id: Annotated[
        int | None, typer.Argument(help=_("Shift number (default: the open or last closed shift)."))
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=_("Write to this file instead of standard output."))
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=_("Language of headings and labels: en or zh."))] = None,
    force: Annotated[bool, typer.Option("--force", help=_("Replace files that exist."))] = False,
    every_shift: Annotated[bool, typer.Option("--all", help=_("One file per shift (with --since and --dir)."))] = False,
    since: Annotated[
        str | None, typer.Option("--since", help=_("With --all: shifts from this day on, YYYY-MM-DD."))
    ] = None,
    directory: Annotated[
        Path | None, typer.Option("--dir", help=_("With --all: where to write (default: the export dir in config)."))
    ] = None,
    allow_invalid: Annotated[
        bool, typer.Option("--allow-invalid", help=_("Export even when the record does not verify (it says so)."))
    ] = False,
) -> None:
    """Export a shift summary as Markdown."""
    if lang is not None and lang not in LANGUAGES:
        fail(
            _("unknown language {language!r}: choose one of {choices}").format(
                language=lang, choices=", ".join(LANGUAGES)
            )
        )
    if every_shift:
        if shift_id is not None or output is not None:
            fail(_("--all writes one file per shift: give --dir, not a shift number or -o"))
        _export_all(ctx, since, directory, lang, force, allow_invalid)
        return
    if since is not None or directory is not None:
        fail(_("--since and --dir go with --all"))
    _export_one(ctx, shift_id, output, lang, force, allow_invalid)


def _export_one(
    ctx: typer.Context, shift_id: int | None, output: Path | None, lang: str | None, force: bool, allow_invalid: bool
) -> None:
    from dutydesk.export import gather_summary, refuse_invalid, render_summary, write_atomically

    context = command_context(ctx)
    summary = gather_summary(context.db, context.config, shift_id)
    if not allow_invalid:
        refuse_invalid(summary.seal_problems)
    text = render_summary(summary, lang)
    if output is None:
        typer.echo(text, nl=False)
        return
    write_atomically(output, text, force=force)
    typer.echo(_("Wrote {path}.").format(path=output))


def _export_all(
    ctx: typer.Context, since: str | None, directory: Path | None, lang: str | None, force: bool, allow_invalid: bool
) -> None:
    from dutydesk.export import export_all

    first_day = None
    if since is not None:
        try:
            first_day = date.fromisoformat(since)
        except ValueError:
            fail(_("bad date {value!r}: use YYYY-MM-DD").format(value=since))
    context = command_context(ctx)
    target = directory or context.config.export.directory()
    written = export_all(
        context.db, context.config, first_day, target, force=force, language=lang, allow_invalid=allow_invalid
    )
    for path in written:
        typer.echo(str(path))
    typer.echo(_("Wrote {count} files to {path}.").format(count=len(written), path=target))
