"""The key footer: compact; the screen keys grouped and the command-palette hint left out when space is short."""

from textual import events
from textual.widgets import Footer

WIDE = 110  # columns needed to show a screen's keys and the five screen keys, each with its name
PALETTE_WIDE = 130  # ... and the command-palette hint as well


class DeskFooter(Footer):
    DEFAULT_CSS = """
    DeskFooter FooterLabel { padding-right: 1; }
    """

    def __init__(self) -> None:
        super().__init__(compact=True)

    def on_resize(self, event: events.Resize) -> None:
        self.show_command_palette = event.size.width >= PALETTE_WIDE
