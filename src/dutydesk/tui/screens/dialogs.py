"""Modal dialogs. Each does its own domain call (in a worker) and dismisses with the result, or `None`.

A dialog stays open when the domain refuses (the message is shown as a notification),
so nothing the user typed is lost.
"""

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from dutydesk import clock
from dutydesk.domain import log, shifts, supervisors
from dutydesk.domain.log import LogEntryView
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.domain.supervisors import SupervisorInfo
from dutydesk.i18n import N_, _
from dutydesk.tui.rows import local_time, slot_label
from dutydesk.tui.screens.base import Dialog
from dutydesk.tui.widgets.fields import TextField

__all__ = ["AddSupervisorScreen", "Confirm", "CorrectEntryScreen", "Dialog", "OpenShiftScreen"]


class Confirm(Dialog[bool]):
    """A yes/no question; the lines it is about are shown below it, as typed."""

    BINDINGS = [Binding("enter,y", "answer(True)", N_("Yes")), Binding("n", "answer(False)", N_("No"))]

    def __init__(self, question: str, lines: list[str] | None = None) -> None:
        super().__init__()
        self.question = question
        self.lines = lines or []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide") as box:
            box.border_title = _("Please confirm")
            yield Static(Text(self.question), classes="dialog-help")
            if self.lines:
                yield Static(Text("\n".join(self.lines)), id="original")
            yield Static(_("Enter or y: yes · n or Escape: no"), classes="dialog-keys", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class AddSupervisorScreen(Dialog[SupervisorInfo]):
    """First run: the person at the console registers as a supervisor."""

    TYPING_TARGET = "#name"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = _("Add yourself as supervisor")
            yield Static(
                _("No supervisor is registered yet. Your PIN will be asked when you sign a handover."),
                classes="dialog-help",
                markup=False,
            )
            yield Label(_("Name (login, no spaces)"), markup=False)
            yield TextField(id="name", compact=True, max_length=40)
            yield Label(_("Display name"), markup=False)
            yield TextField(id="display", compact=True)
            yield Label(_("PIN (4 to 12 digits)"), markup=False)
            yield TextField(id="pin", compact=True, password=True, restrict=r"\d*", max_length=12)
            yield Label(_("PIN again"), markup=False)
            yield TextField(id="pin-again", compact=True, password=True, restrict=r"\d*", max_length=12)
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
        db, min_length = self.context.db, self.context.config.handover.pin_min_length
        self.run_io(
            lambda: supervisors.add_supervisor(
                db, values["name"].strip(), values["display"], values["pin"], min_length=min_length
            ),
            self.dismiss,
        )


class OpenShiftScreen(Dialog[ShiftInfo]):
    """Pick the supervisor and open the shift planned for now; the team is prefilled (Tab to change it).

    The focus starts on the list, not in a field: on a first run the key the user presses
    next (the Log screen said "press o") must not become the team's name.
    """

    AUTO_FOCUS = "#supervisor"

    def __init__(self, chosen: str | None = None) -> None:
        super().__init__()
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        config = self.context.config
        slot, start, end = config.slot_at(clock.utcnow())
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
            yield OptionList(id="supervisor")
            yield Label(_("Team"), markup=False)
            yield TextField(config.center.team, id="team", compact=True)
            yield Static(
                _("↑↓ choose · Enter: open the shift · Tab: team · Escape: not now"),
                classes="dialog-keys",
                markup=False,
            )

    def on_mount(self) -> None:
        db = self.context.db
        self.run_io(lambda: supervisors.list_supervisors(db), self._show_people)

    def _show_people(self, people: list[SupervisorInfo]) -> None:
        choices = self.query_one("#supervisor", OptionList)
        choices.add_options(
            [Option(Text(f"{person.display_name} ({person.name})"), id=person.name) for person in people]
        )
        names = [person.name for person in people]
        if names:
            choices.highlighted = names.index(self.chosen) if self.chosen in names else 0

    @on(OptionList.OptionSelected)
    def chosen_supervisor(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.open_shift()

    @on(Input.Submitted, "#team")
    def team_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.open_shift()

    def open_shift(self) -> None:
        choices = self.query_one("#supervisor", OptionList)
        if choices.highlighted is None:
            self.notify(_("add a supervisor first"), severity="error")
            return
        name = choices.get_option_at_index(choices.highlighted).id
        assert name is not None
        team, db, config = self.query_one("#team", Input).value, self.context.db, self.context.config
        self.run_io(lambda: shifts.open_shift(db, config, name, team), self.dismiss)


class CorrectEntryScreen(Dialog[LogEntryView]):
    """The original text above, an editor prefilled with it below; saving adds a correction."""

    BINDINGS = [
        Binding("enter,ctrl+s", "save", N_("Save"), priority=True),
        Binding("ctrl+j", "newline", N_("New line"), priority=True),
    ]
    AUTO_FOCUS = "#corrected"

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
        editor.move_cursor(editor.document.end)

    def action_newline(self) -> None:
        self.query_one("#corrected", TextArea).insert("\n")

    def action_save(self) -> None:
        text = self.query_one("#corrected", TextArea).text
        if text == self.entry.text:
            self.notify(_("the text is unchanged: edit it or press Escape"), severity="warning")
            return
        db, config, entry_id = self.context.db, self.context.config, self.entry.id
        self.run_io(lambda: log.correct_entry(db, config, entry_id, text), self.dismiss)
