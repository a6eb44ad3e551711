"""The key footer: compact, and without the command-palette hint when space is short."""

from textual import events
from textual.widgets import Footer

WIDE = 100  # columns needed to show every main key and the palette hint together


class DeskFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)

    def on_resize(self, event: events.Resize) -> None:
        self.show_command_palette = event.size.width >= WIDE
