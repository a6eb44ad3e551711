"""What every `dutydesk` command shares: the language, the global options, JSON and table output.

Command modules import only typer at the top; sqlmodel and rich come in when a command runs.
Help texts are translated when the command modules are imported, so importing this module
first chooses the language: `--lang` on the command line, then DUTYDESK_LANG, then the locale.
"""

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, cast

import typer

from dutydesk import startup
from dutydesk.errors import UserError
from dutydesk.i18n import _, choose_language, set_language
from dutydesk.textsafe import safe

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from dutydesk.context import Context
    from dutydesk.domain.shifts import ShiftInfo


def _language_from_argv(argv: list[str]) -> str | None:
    for index, argument in enumerate(argv):
        if argument == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith("--lang="):
            return argument.split("=", 1)[1]
    return None


try:
    set_language(choose_language(_language_from_argv(sys.argv[1:])))
except UserError:
    pass  # reported by the main callback when it validates --lang itself

JsonOption = Annotated[bool, typer.Option("--json", help=_("Print JSON for scripts."))]
TeamOption = Annotated[str | None, typer.Option("--team", help=_("Team or site (default: from config)."))]


class Options:
    """The global options, kept until a command opens the context it needs."""

    def __init__(self, db: str | None, config: Path | None, lang: str | None) -> None:
        self.db, self.config, self.lang = db, config, lang
        self._context: Context | None = None

    def context(self, db: "str | Path | None" = None) -> "Context":
        if self._context is None:
            from dutydesk.context import database_target, open_context

            self._context = open_context(checked_database(db or self.db or database_target()), self.config, self.lang)
        return self._context

    def tui_context(self, page_size: int) -> "Context":
        """The context for the TUI: an SQLite file already at this schema is opened by the app
        after its first frame, painted from a page of `page_size` entries read now with sqlite3."""
        from dutydesk.context import database_target, open_context_for_tui

        target = checked_database(self.db or database_target())
        self._context = open_context_for_tui(target, self.config, self.lang, page_size=page_size)
        return self._context


def checked_database(target: "str | Path") -> "str | Path":
    """Refuse a database path that is a directory, or whose directory does not exist: a typo in
    --db should not leave an empty database somewhere. The default location is created."""
    from dutydesk import paths

    if "://" in str(target):
        return target  # a URL: the store reports what is wrong with it
    path = Path(target).expanduser()
    if path.is_dir():
        fail(
            _("{path} is a directory: give the database file, e.g. {example}").format(
                path=path, example=path / "dutydesk.db"
            )
        )
    if not path.parent.is_dir() and path.resolve() != paths.default_database_path().resolve():
        fail(
            _("the directory {path} does not exist: create it first or correct the database path").format(
                path=path.parent
            )
        )
    return target


def options(ctx: typer.Context) -> Options:
    return cast(Options, ctx.find_root().obj)  # set by the root callback


def command_context(ctx: typer.Context) -> "Context":
    """The context a command works with; opening it ends start-up (`dutydesk.startup`)."""
    context = options(ctx).context()
    startup.resume()
    return context


def open_shift_of(context: "Context", team: str | None) -> "ShiftInfo":
    """The shift a command works on: --team's, else this console's team's, else the only open one."""
    from dutydesk.domain.shifts import require_current_shift

    return require_current_shift(context.db, team, home_team=context.config.center.team)


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def console() -> "Console":
    """A rich console for which every string is user text: never markup, control characters escaped."""
    from rich.console import Console
    from rich.text import Text

    class SafeConsole(Console):
        def render_str(self, text: str, **options: Any) -> Text:  # table cells and printed strings
            return super().render_str(safe(text), **options)

    return SafeConsole(highlight=False, soft_wrap=False, markup=False)


def echo(message: str, err: bool = False) -> None:
    """`typer.echo` for lines holding user text: control characters escaped (`textsafe.safe`)."""
    typer.echo(safe(message), err=err)


def safe_text(text: str) -> "Text":
    """User text as a rich `Text` (never markup), control characters escaped."""
    from rich.text import Text

    return Text(safe(text))


def wrapping_table(*headers: str) -> "Table":
    """A table whose cells wrap by display width, in English and Chinese alike: Chinese text has
    no spaces to break at, so a long cell folds onto the next line instead of being cut short."""
    from rich.table import Column, Table

    return Table(*(Column(header, overflow="fold") for header in headers))


def fail(message: str) -> NoReturn:
    raise UserError(message)


def local_text(context: "Context", moment: Any) -> str:
    return moment.astimezone(context.config.zone).strftime("%Y-%m-%d %H:%M") if moment else "—"
