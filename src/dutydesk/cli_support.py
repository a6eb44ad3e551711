"""What every `dutydesk` command shares: the global options, JSON and table output.

Command modules import only typer at the top; sqlmodel and rich come in when a command runs.
"""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from dutydesk.errors import UserError

if TYPE_CHECKING:
    from rich.console import Console

    from dutydesk.context import Context


class Options:
    """The global options, kept until a command opens the context it needs."""

    def __init__(self, db: str | None, config: Path | None, lang: str | None) -> None:
        self.db, self.config, self.lang = db, config, lang
        self._context: "Context | None" = None

    def context(self, db: "str | Path | None" = None) -> "Context":
        if self._context is None:
            from dutydesk.context import open_context

            self._context = open_context(db or self.db, self.config, self.lang)
        return self._context


def options(ctx: typer.Context) -> Options:
    return ctx.find_root().obj  # type: ignore[no-any-return]


def command_context(ctx: typer.Context) -> "Context":
    return options(ctx).context()


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def console() -> "Console":
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def fail(message: str) -> NoReturn:
    raise UserError(message)


def local_text(context: "Context", moment: Any) -> str:
    return moment.astimezone(context.config.zone).strftime("%Y-%m-%d %H:%M") if moment else "—"
