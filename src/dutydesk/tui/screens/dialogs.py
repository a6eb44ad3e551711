"""Modal dialogs. Each does its own domain call and dismisses with the result, or `None`.

A dialog stays open when the domain refuses (the message is shown as a notification),
so nothing the user typed is lost.
"""

from typing import Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from dutydesk import clock
from dutydesk.context import Context
from dutydesk.domain import log, shifts, supervisors
from dutydesk.domain.log import LogEntryView
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.domain.supervisors import SupervisorInfo
from dutydesk.i18n import N_, _
from dutydesk.tui.bindings import translate_bindings
from dutydesk.tui.report import attempt
from dutydesk.tui.rows import local_time, slot_label

T = TypeVar("T")


class Dialog(ModalScreen[T | None], Generic[T]):
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    @property
    def context(self) -> Context:
        return self.app.context  # type: ignore[attr-defined,no-any-return]

    def action_cancel(self) -> None:
        self.dismiss(None)


class AddSupervisorScreen(Dialog[SupervisorInfo]):
    """First run: the person at the console registers as a supervisor."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = _("Add yourself as supervisor")
            yield Static(
                _("No supervisor is registered yet. Your PIN will be asked when you sign a handover."),
                classes="dialog-help",
                markup=False,
            )
            yield Label(_("Name (login, no spaces)"), markup=False)
            yield Input(id="name", compact=True, max_length=40)
            yield Label(_("Display name"), markup=False)
            yield Input(id="display", compact=True)
            yield Label(_("PIN (4 to 12 digits)"), markup=False)
            yield Input(id="pin", compact=True, password=True, restrict=r"\d*", max_length=12)
            yield Label(_("PIN again"), markup=False)
            yield Input(id="pin-again", compact=True, password=True, restrict=r"\d*", max_length=12)
            yield Static(_("Enter: next field, then save · Escape: skip"), classes="dialog-keys", markup=False)

    @on(Input.Submitted)
    def next_or_save(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id != "pin-again":
            self.focus_next()
            return
        values = {field.id: field.value for field in self.query(Input)}
        if values["pin"] != values["pin-again"]:
            self.notify(_("the two PINs differ"), severity="error")
            return
        added = attempt(
            self,
            lambda: supervisors.add_supervisor(
                self.context.db,
                values["name"].strip(),
                values["display"],
                values["pin"],
                min_length=self.context.config.handover.pin_min_length,
            ),
        )
        if added is not None:
            self.dismiss(added)


class OpenShiftScreen(Dialog[ShiftInfo]):
    """Pick the supervisor, confirm the team, and open the shift planned for now."""

    def __init__(self, chosen: str | None = None) -> None:
        super().__init__()
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        config = self.context.config
        slot, start, end = config.slot_at(clock.utcnow())
        people = attempt(self, lambda: supervisors.list_supervisors(self.context.db)) or []
        with Vertical(classes="dialog") as box:
            box.border_title = _("Open a shift")
            yield Static(
                _("Planned: {slot} {start}–{end}").format(
                    slot=slot_label(config, slot.key),
                    start=local_time(start, config),
                    end=local_time(end, config),
                ),
                classes="dialog-help",
                markup=False,
            )
            yield Label(_("Supervisor on duty"), markup=False)
            yield OptionList(
                *[Option(f"{person.display_name} ({person.name})", id=person.name) for person in people],
                id="supervisor",
            )
            yield Label(_("Team"), markup=False)
            yield Input(config.center.team, id="team", compact=True)
            yield Static(_("↑↓ choose · Enter: open the shift · Escape: not now"), classes="dialog-keys", markup=False)

    def on_mount(self) -> None:
        choices = self.query_one("#supervisor", OptionList)
        if choices.option_count == 0:
            return
        index = 0
        if self.chosen:
            index = next(
                (i for i in range(choices.option_count) if choices.get_option_at_index(i).id == self.chosen), 0
            )
        choices.highlighted = index
        if choices.option_count == 1 or self.chosen:
            self.query_one("#team", Input).focus()

    @on(OptionList.OptionSelected)
    def to_team(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#team", Input).focus()

    @on(Input.Submitted, "#team")
    def open_shift(self, event: Input.Submitted) -> None:
        event.stop()
        choices = self.query_one("#supervisor", OptionList)
        if choices.highlighted is None:
            self.notify(_("add a supervisor first"), severity="error")
            return
        name = choices.get_option_at_index(choices.highlighted).id
        assert name is not None
        opened = attempt(self, lambda: shifts.open_shift(self.context.db, self.context.config, name, event.value))
        if opened is not None:
            self.dismiss(opened)


class CorrectEntryScreen(Dialog[LogEntryView]):
    """The original text above, an editor prefilled with it below; saving adds a correction."""

    BINDINGS = [
        Binding("enter,ctrl+s", "save", N_("Save"), priority=True),
        Binding("ctrl+j", "newline", N_("New line"), priority=True),
    ]

    def __init__(self, entry: LogEntryView) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide") as box:
            box.border_title = _("Correct entry #{id}").format(id=self.entry.id)
            yield Label(_("Original"), markup=False)
            yield Static(Text(self.entry.text), id="original")
            yield Label(_("Corrected text"), markup=False)
            yield TextArea(self.entry.text, id="corrected", soft_wrap=True, show_line_numbers=False)
            yield Static(
                _("Enter or Ctrl+S: save · Ctrl+J: new line · Escape: cancel (nothing is saved)"),
                classes="dialog-keys",
                markup=False,
            )

    def on_mount(self) -> None:
        editor = self.query_one("#corrected", TextArea)
        editor.focus()
        editor.move_cursor(editor.document.end)

    def action_newline(self) -> None:
        self.query_one("#corrected", TextArea).insert("\n")

    def action_save(self) -> None:
        text = self.query_one("#corrected", TextArea).text
        if text == self.entry.text:
            self.notify(_("the text is unchanged: edit it or press Escape"), severity="warning")
            return
        saved = attempt(self, lambda: log.correct_entry(self.context.db, self.context.config, self.entry.id, text))
        if saved is not None:
            self.dismiss(saved)
