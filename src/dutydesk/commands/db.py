"""`dutydesk db …`: move a center's record onto a server, migrate a server database."""

from pathlib import Path
from typing import Annotated

import typer

from dutydesk import startup
from dutydesk.cli_support import JsonOption, options, print_json
from dutydesk.errors import UserError
from dutydesk.i18n import _

app = typer.Typer(help=_("Move the record to a PostgreSQL server; migrate a server database."), no_args_is_help=True)


@app.command("copy")
def copy(
    source: Annotated[Path, typer.Option("--from", help=_("The SQLite database file to copy."))],
    target: Annotated[str, typer.Option("--to", help=_("The empty database to copy into, e.g. postgresql://…"))],
    as_json: JsonOption = False,
) -> None:
    """Copy every table, ids and signatures included, into an empty database."""
    from dutydesk.store.db import open_database
    from dutydesk.store.transfer import copy_database

    startup.resume()  # a whole database is copied next: with its garbage collected
    if not source.is_file():
        raise UserError(_("there is no database file {path}").format(path=source))
    with_source, with_target = open_database(source), None
    try:
        with_target = open_database(target)
        copied = copy_database(with_source, with_target)
    finally:
        with_source.close()
        if with_target is not None:
            with_target.close()
    if as_json:
        print_json({"tables": copied, "rows": sum(copied.values())})
        return
    typer.echo(
        _("Copied {rows} rows in {tables} tables to {target}; run `dutydesk --db URL verify` there.").format(
            rows=sum(copied.values()), tables=len(copied), target=with_target.engine.url.render_as_string()
        )
    )


@app.command("migrate")
def migrate(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Bring the --db database to this version's schema (a server database: by its owner role)."""
    from dutydesk.context import database_target
    from dutydesk.store.db import open_database
    from dutydesk.store.schema_version import SCHEMA_VERSION

    startup.resume()  # a migration may rewrite every row: with its garbage collected
    db = open_database(options(ctx).db or database_target(), migrate_server=True)
    found = db.schema_found
    db.close()
    if as_json:
        print_json({"schema_found": found, "schema": SCHEMA_VERSION})
    elif db.path is not None:
        typer.echo(
            _(
                "The database file is at schema {version} (older files are migrated on opening, after a backup copy)."
            ).format(version=SCHEMA_VERSION)
        )
    elif found is None:
        typer.echo(
            _("Created the schema (version {version}) in the new server database.").format(version=SCHEMA_VERSION)
        )
    elif found == SCHEMA_VERSION:
        typer.echo(_("The server database is already at schema {version}.").format(version=SCHEMA_VERSION))
    else:
        typer.echo(
            _(
                "Migrated the server database from schema {found} to {version} in one transaction: the version was "
                "checked again under a lock, and any failure would have rolled everything back. No backup file is "
                "made of a server database: take one with pg_dump before migrating if you want one."
            ).format(found=found, version=SCHEMA_VERSION)
        )
