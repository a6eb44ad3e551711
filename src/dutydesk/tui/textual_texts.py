"""Textual's own words in the UI language: the command palette, its system commands, key names.

Textual writes these in English and has no catalog; the app replaces them here, in one place:
`DutydeskApp` uses `LocalizedCommandPalette`, passes Textual's system commands through
`translated_system_commands`, and shows keys with `key_display`.
"""

from collections.abc import Iterable

from rich.align import Align
from rich.text import Text
from textual.app import SystemCommand
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from dutydesk.i18n import N_, _

# Textual's system commands by their help text (the title "Keys" has two helps): our title and help.
SYSTEM_COMMANDS = {
    "Change the current theme": (N_("Theme"), N_("Change the colour theme")),
    "Show help for the focused widget and a summary of available keys": (
        N_("Keys"),
        N_("Show the keys of this screen and help for the focused field"),
    ),
    "Hide the keys and widget help panel": (N_("Keys"), N_("Hide the keys panel")),
    "Maximize the focused widget": (N_("Maximize"), N_("Show the focused panel on the whole screen")),
    "Minimize the widget and restore to normal size": (N_("Minimize"), N_("Restore the panel to its normal size")),
    "Save an SVG 'screenshot' of the current screen": (N_("Screenshot"), N_("Save the screen as an SVG picture")),
}
# The key descriptions of Textual's widgets (DataTable, Input, OptionList, TextArea, Select …), so that
# they are extracted into the catalog; the app translates a widget's bindings when it gets focus.
WIDGET_KEYS = (
    N_("Focus Next"),
    N_("Focus Previous"),
    N_("Cursor up"),
    N_("Cursor down"),
    N_("Cursor left"),
    N_("Cursor right"),
    N_("Home"),
    N_("End"),
    N_("Page up"),
    N_("Page down"),
    N_("Page Left"),
    N_("Page Right"),
    N_("Select"),
    N_("Top"),
    N_("Bottom"),
    N_("Scroll Up"),
    N_("Scroll Down"),
    N_("Move cursor left"),
    N_("Move cursor right or accept the completion suggestion"),
    N_("Go to start"),
    N_("Go to end"),
    N_("Page Up"),
    N_("Page Down"),
    N_("Move cursor left and select"),
    N_("Move cursor left a word"),
    N_("Move cursor left a word and select"),
    N_("Move cursor right and select"),
    N_("Move cursor right a word"),
    N_("Move cursor right a word and select"),
    N_("Delete character left"),
    N_("Select all"),
    N_("Select line start"),
    N_("Select line end"),
    N_("Delete character right"),
    N_("Submit"),
    N_("Delete left to start of word"),
    N_("Delete all to the left"),
    N_("Delete right to start of word"),
    N_("Delete all to the right"),
    N_("Cut selected text"),
    N_("Copy selected text"),
    N_("Paste text from the clipboard"),
    N_("Up"),
    N_("Down"),
    N_("Scroll Left"),
    N_("Scroll Right"),
    N_("First"),
    N_("Last"),
    N_("Cursor line start"),
    N_("Cursor line end"),
    N_("Cursor page up"),
    N_("Cursor page down"),
    N_("Cursor word left"),
    N_("Cursor word right"),
    N_("Cursor left word select"),
    N_("Cursor right word select"),
    N_("Cursor line start select"),
    N_("Cursor line end select"),
    N_("Cursor up select"),
    N_("Cursor down select"),
    N_("Cursor left select"),
    N_("Cursor right select"),
    N_("Select line"),
    N_("Cut"),
    N_("Copy"),
    N_("Paste"),
    N_("Delete to line start"),
    N_("Delete to line end"),
    N_("Delete line"),
    N_("Undo"),
    N_("Redo"),
    N_("Show menu"),
    N_("Scroll Home"),
    N_("Scroll End"),
    N_("Press button"),
    N_("Toggle"),
    N_("Previous option"),
    N_("Next option"),
)
KEY_NAMES = {"space": N_("Space"), "escape": N_("Esc"), "enter": N_("Enter"), "delete": N_("Del")}


def translated_system_commands(commands: Iterable[SystemCommand]) -> Iterable[SystemCommand]:
    """Textual's system commands with our words; Quit is left out (the app has its own)."""
    for command in commands:
        if command.title == "Quit":
            continue
        title, help_text = SYSTEM_COMMANDS.get(command.help, (command.title, command.help))
        yield command._replace(title=_(title), help=_(help_text))


def key_display(key: str, shown: str) -> str:
    """A key's name as the footer and the keys panel show it."""
    return _(KEY_NAMES[key]) if key in KEY_NAMES else shown


class LocalizedCommandPalette(CommandPalette):
    """Textual's command palette with its placeholder and its 'No matches found' in the UI language."""

    def __init__(self) -> None:
        super().__init__(placeholder=_("Search for commands…"), id="--command-palette")

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual adds an English 'No matches found' option here; ours says it in the UI language.
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            self._list_visible = bool(search_value)
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("No matches found"), style="not bold")), disabled=True, id=self._NO_MATCHES
                    )
                )

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
