"""Text fields that keep every keystroke, in order, however fast it is typed or pasted.

Textual's `Input` inserts a typed character in its own message queue, but Enter is not a
character: it bubbles up to the app, which runs the `submit` binding later, in the app's
queue. Typed ahead (`z-A⏎z-B⏎z-C⏎`), the field has by then taken the next line's
characters too, so the submitted value is two lines merged, and it is read twice.
`TextField` handles Enter where the characters are handled, in the field's own queue,
so the value submitted is exactly what was typed before that Enter.

A key with Ctrl or Alt held is a command, never text: `Input` would insert its character
(Escape and a digit typed quickly arrive as `alt+digit`, see `dutydesk.tui.keys`).
"""

from textual import events
from textual.message import Message
from textual.widgets import Input

from dutydesk.tui.keys import is_command


class TextField(Input):
    """An `Input` whose Enter is handled in order with the characters typed around it."""

    CLEAR_ON_SUBMIT = False  # True: the next line starts empty the moment Enter is handled

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.submit_now()
            return
        if is_command(event):
            event.prevent_default()  # not `Input._on_key`; the key goes on to the bindings
            return
        focused = self.screen.focused
        if event.is_printable and event.character and focused is not self and isinstance(focused, Input):
            # Typed ahead of a focus change (Enter moved on to the next field): the key
            # belongs to the field that has the focus now.
            event.stop()
            event.prevent_default()
            focused.insert_text_at_cursor(event.character)
        # Any other key: Textual goes on to `Input._on_key` (handlers run along the class hierarchy).

    def submit_now(self) -> None:
        value = self.value
        if self.CLEAR_ON_SUBMIT:
            self.value = ""
        self.post_message(self.Submitted(self, value, None))


class EntryLine(TextField):
    """The quick-add line: each Enter is one entry; a pasted block of several lines is offered as that many."""

    CLEAR_ON_SUBMIT = True

    class LinesPasted(Message):
        """Several lines were pasted; the screen asks before adding them as entries."""

        def __init__(self, field: "EntryLine", lines: list[str]) -> None:
            super().__init__()
            self.field = field
            self.lines = lines

        @property
        def control(self) -> "EntryLine":
            return self.field

    def _on_paste(self, event: events.Paste) -> None:
        lines = [line for line in event.text.splitlines() if line.strip()]
        if len(lines) > 1:
            event.stop()
            event.prevent_default()  # not `Input._on_paste`, which would insert the first line
            self.post_message(self.LinesPasted(self, lines))
