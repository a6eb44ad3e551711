"""One list behaviour for every list of things to do: incident steps, the handover checklist.

The same keys everywhere:

- ↑/↓, Home/End, PgUp/PgDn move the cursor, and nothing else ever moves it: after
  ticking, the cursor stays on the item just ticked, so what is selected is always what the
  supervisor last looked at (moving on is one ↓).
- Space ticks the selected item at once; on an item already ticked it asks why, then unticks
  it. Both acts stay on the record.
- Enter opens the selected item: tick it with a note, or answer it in full.

The table only says which item the supervisor toggled (`Toggled`); what ticking means is the
screen's business.
"""

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from dutydesk.i18n import N_
from dutydesk.tui.bindings import translate_bindings


class ChecklistTable(DataTable[Text]):
    BINDINGS = [
        Binding("space", "toggle_item", N_("Tick/untick"), key_display="space"),
    ]

    @dataclass
    class Toggled(Message):
        """Space on the row `row_key`."""

        checklist: "ChecklistTable"
        row_key: str

        @property
        def control(self) -> "ChecklistTable":
            return self.checklist

    def __init__(self, *, id: str, zebra_stripes: bool = True) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id, cursor_type="row", zebra_stripes=zebra_stripes)
        translate_bindings(self)

    @property
    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        value = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return str(value) if value is not None else None

    def on_resize(self) -> None:
        """A pane beside the list that grows (a long detail) shrinks it: the selected row stays in sight."""
        if self.row_count:
            self.move_cursor(row=self.cursor_row)

    def action_toggle_item(self) -> None:
        key = self.selected_key
        if key is not None:
            self.post_message(self.Toggled(self, key))
