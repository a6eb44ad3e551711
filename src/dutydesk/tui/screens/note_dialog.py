"""A one-line note dialog: resolve a problem from the Log screen or the handover checklist.

The write is the caller's (`save` gets the note); the dialog stays open while the domain
refuses, so the note typed is not lost.
"""

from collections.abc import Callable
from typing import TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from dutydesk.context import Context
from dutydesk.i18n import _
from dutydesk.tui.report import attempt
from dutydesk.tui.screens.dialogs import Dialog

T = TypeVar("T")


class NoteDialog(Dialog[T]):
    def __init__(self, title: str, about: Text, save: Callable[[Context, str], T], placeholder: str = "") -> None:
        super().__init__()
        self.title_text, self.about, self.save, self.placeholder = title, about, save, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide") as box:
            box.border_title = self.title_text
            yield Static(self.about, classes="dialog-help")
            yield Label(_("Note"), markup=False)
            yield Input(id="note", compact=True, placeholder=self.placeholder)
            yield Static(_("Enter: save · Escape: cancel (nothing is saved)"), classes="dialog-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        saved = attempt(self, lambda: self.save(self.context, event.value))
        if saved is not None:
            self.dismiss(saved)
