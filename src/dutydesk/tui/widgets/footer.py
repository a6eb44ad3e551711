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
        self.composed_for: object = None  # the keys the footer shows (`keys_shown`)

    def on_resize(self, event: events.Resize) -> None:
        self.show_command_palette = event.size.width >= PALETTE_WIDE

    async def recompose(self) -> None:
        # Textual recomposes the footer, mounting every key again, after each change of the
        # screen's bindings; at start-up they change three times before the first frame (the
        # focus, the rows shown, the screen shown) and the keys stay the same.
        shown = self.keys_shown()
        if shown != self.composed_for:
            self.composed_for = shown
            await super().recompose()

    def keys_shown(self) -> object:
        """What `Footer.compose` builds the keys from (the palette's key too, which is not `show`n)."""
        key_display = self.app.get_key_display
        keys = [
            (
                binding.key,
                key_display(binding),
                binding.description,
                binding.action,
                binding.group,
                binding.show,
                enabled,
                tip,
            )
            for _node, binding, enabled, tip in self.screen.active_bindings.values()
        ]
        return keys, self.show_command_palette, self.compact
