"""The command line in the UI language: help pages and usage errors.

Typer's vendored Click writes its own words in English ("Usage: ", "Show this message and
exit.", "Missing argument 'text'."), outside gettext. Instead of patching the library, dutydesk
localizes the command tree it built before running it: every command's help (the docstrings,
extracted into the catalog by scripts/update_catalogs.py), argument names, the usage
metavars, and a help formatter that translates section titles and Click's own help lines.
Usage errors are mapped by their type to one line of ours (`usage_error_line`).
"""

import inspect
import re
from collections.abc import Iterator
from typing import Any

from typer._click.core import Command, Context, Parameter
from typer._click.exceptions import BadParameter, MissingParameter, NoSuchOption, UsageError
from typer._click.formatting import HelpFormatter

from dutydesk.i18n import N_, _, _p, labelled

# Click's and Typer's own help lines, so that they are extracted into the catalog.
LIBRARY_TEXTS = (
    N_("Show this message and exit."),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
    N_("Arguments"),
    N_("Options"),
    N_("Commands"),
)
# Argument names as shown in help and usage ({TEXT}); the parameter name when not listed.
ARGUMENT_NAMES = {
    "text": N_("TEXT"),
    "name": N_("NAME"),
    "query": N_("WORDS"),
    "key": N_("KEY"),
    "title": N_("TITLE"),
    "when": N_("WHEN"),
    "directory": N_("DIRECTORY"),
    "path": N_("PATH"),
    "level": N_("LEVEL"),
    "reason": N_("REASON"),
    "channel": N_("CHANNEL"),
    "contact": N_("CONTACT"),
    "person": N_("PERSON"),
}
ARGUMENT_SUFFIXES = {"_id": N_("NUMBER"), "number": N_("NUMBER"), "_n": N_("STEP"), "_key": N_("KEY")}
EXPECTED_VALUES = {"int": N_("a whole number"), "float": N_("a number"), "Path": N_("a path")}
EXTRA_NOTES = re.compile(r"\s*\[(?P<notes>[^\[\]]*)\]$")  # Typer's "  [default: 50; x>=1]" after a help line
EXTRA_ARGUMENTS = re.compile(r"^Got unexpected extra arguments? ?(\(s\))? \((?P<arguments>.*)\)$")
NO_SUCH_COMMAND = re.compile(r"^No such command '(?P<name>[^']*)'")


class LocalizedHelpFormatter(HelpFormatter):
    """Click's help layout with its fixed English words in the UI language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{labelled(_(heading)).rstrip()}\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, _translated_help(text)) for term, text in rows], col_max, col_spacing)


class LocalizedContext(Context):
    formatter_class = LocalizedHelpFormatter


def _translated_help(text: str) -> str:
    """A help line: library lines translated, Typer's '[required; default: x]' in the UI language."""
    found = EXTRA_NOTES.search(text)
    if found is None:
        return _(text) if text else text
    notes = _("; ").join(_note(note) for note in found["notes"].split("; "))
    help_line = _(text[: found.start()]) if found.start() else ""
    return (help_line + "  " + _("({notes})").format(notes=notes)).lstrip()


def _note(note: str) -> str:
    if note == "required":
        return _p("help note", "required")
    if note.startswith("default: "):
        return _("default: {value}").format(value=note.removeprefix("default: "))
    return note  # a range such as x>=1


def commands(command: Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Command]]:
    """Every command of the tree with its path of names, the root first."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


def docstring_help(command: Command) -> str | None:
    """The help Typer took from the command's docstring (None when it came from `help=`)."""
    doc = inspect.getdoc(command.callback) if command.callback else None
    return command.help if doc and command.help == doc else None


def localize(root: Command) -> Command:
    for _path, command in commands(root):
        command.context_class = LocalizedContext
        if command.help:
            command.help = _(command.help)
        command.options_metavar = _("[OPTIONS]")
        if hasattr(command, "subcommand_metavar"):
            command.subcommand_metavar = _("COMMAND [ARGS]...")
        for parameter in command.params:
            if parameter.param_type_name == "argument" and parameter.metavar is None:
                parameter.metavar = argument_name(parameter.name or "")
            elif parameter.metavar:  # an option's own placeholder, marked with N_() where it is declared
                parameter.metavar = _(parameter.metavar)
    return root


def argument_name(name: str) -> str:
    if name in ARGUMENT_NAMES:
        return _(ARGUMENT_NAMES[name])
    suffix = next((s for s in ARGUMENT_SUFFIXES if name.endswith(s)), None)
    return _(ARGUMENT_SUFFIXES[suffix]) if suffix else name.upper()


def usage_error_line(error: UsageError) -> str:
    """One line in the UI language for a mistake on the command line (Click's text is English)."""
    detail = _usage_detail(error)
    if error.ctx is None:
        return detail
    return _("{problem} (see `{command} --help`)").format(problem=detail, command=error.ctx.command_path)


def _usage_detail(error: UsageError) -> str:
    if isinstance(error, MissingParameter):
        return _("missing {name}").format(name=_hint(error.param))
    if isinstance(error, NoSuchOption):
        return _("no such option: {name}").format(name=error.option_name)
    if isinstance(error, BadParameter):
        expected = _expected(error.param)
        if expected:
            return _("{name} must be {expected}").format(name=_hint(error.param), expected=expected)
        return _("invalid value for {name}").format(name=_hint(error.param))
    message = error.format_message()
    if extra := EXTRA_ARGUMENTS.match(message):
        return _("unexpected extra arguments: {arguments}").format(arguments=extra["arguments"])
    if unknown := NO_SUCH_COMMAND.match(message):
        return _("no such command: {name}").format(name=unknown["name"])
    if message.startswith("Missing command"):
        return _("a command is missing")
    if "requires an argument" in message:
        return _("{name} needs a value").format(name=message.split("'")[1] if "'" in message else message)
    return _("wrong usage: {detail}").format(detail=message)


def _hint(parameter: Parameter | None) -> str:
    if parameter is None:
        return ""
    if parameter.param_type_name == "argument":
        return parameter.metavar or parameter.name or ""
    return " / ".join(parameter.opts)


def _expected(parameter: Parameter | None) -> str | None:
    annotation = getattr(getattr(parameter, "type_descriptor", None), "annotation", None)
    name = getattr(annotation, "__name__", None)
    return _(EXPECTED_VALUES[name]) if name in EXPECTED_VALUES else None
