"""One running incident: its steps counting down, contacts, IVR text and timeline.

Thin over `dutydesk.domain.incidents`: every key calls one domain function and shows the
`IncidentView` it returns. The countdowns are recomputed from that view once a second,
with no database read; the colours come from `incidents.deadline_state`.
"""

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Input, Label, Static

from dutydesk import clock
from dutydesk.domain import incidents, playbooks
from dutydesk.domain.incidents import IncidentView, StepView, TimelineEntry
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.errors import UserError
from dutydesk.export.incident_report import save_report
from dutydesk.i18n import N_, _
from dutydesk.tui.report import attempt
from dutydesk.tui.rows import fit, local_time, one_line
from dutydesk.tui.screens.base import DeskScreen
from dutydesk.tui.screens.dialogs import Dialog
from dutydesk.tui.widgets.checklist import ChecklistTable
from dutydesk.tui.widgets.footer import DeskFooter
from dutydesk.tui.widgets.header import DutyHeader, TitleBar

STATE_STYLE = {
    "amber": "bold #ffaf00",
    "red": "bold #ff5f5f",
    "done": "dim green",
    "skipped": "dim italic",
    "due": "",
    "none": "dim",
}
EVENT_STYLE = {
    "start": "bold",
    "close": "bold",
    "level": "bold #ffaf00",
    "escalation": "bold cyan",
    "answer": "cyan",
    "untick": "#ffaf00",
    "skip": "dim italic",
    "review": "magenta",
}


class AskText(Dialog[str]):
    """One line of text: a note, a summary, a reason. Empty text is refused where required."""

    def __init__(
        self,
        title: str,
        label: str,
        *,
        help_text: str = "",
        value: str = "",
        required: bool = True,
        digits: bool = False,
    ) -> None:
        super().__init__()
        self.title_text, self.label, self.help_text = title, label, help_text
        self.value, self.required, self.digits = value, required, digits

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide") as box:
            box.border_title = self.title_text
            if self.help_text:
                yield Static(Text(self.help_text), classes="dialog-help")
            yield Label(self.label, markup=False)
            yield Input(self.value, id="ask-text", compact=True, restrict=r"\d*" if self.digits else None)
            yield Static(_("Enter: save · Escape: cancel (nothing is saved)"), classes="dialog-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#ask-text", Input).focus()

    @on(Input.Submitted, "#ask-text")
    def save(self, event: Input.Submitted) -> None:
        event.stop()
        if self.required and not event.value.strip():
            self.notify(_("type something first, or press Escape"), severity="warning")
            return
        self.dismiss(event.value)


class IncidentScreen(DeskScreen):
    DEFAULT_CSS = """
    IncidentScreen #incident-status { color: $text; }
    IncidentScreen #incident-body { height: 1fr; }
    IncidentScreen #incident-main { width: 2fr; }
    IncidentScreen #incident-side { width: 1fr; min-width: 28; border-left: solid $primary; padding: 0 1; }
    IncidentScreen #incident-steps { height: 2fr; }
    IncidentScreen #incident-timeline { height: 1fr; border-top: solid $primary; }
    IncidentScreen .side-heading { text-style: bold; color: $accent; margin-top: 1; }
    IncidentScreen #incident-summary { height: auto; max-height: 4; padding: 0 1; }
    """
    # Space and Enter on the steps: the shared checklist keys (tui/widgets/checklist.py).
    BINDINGS = [
        Binding("n", "note", N_("Note")),
        Binding("s", "status_update", N_("Status update")),
        Binding("u", "escalate", N_("Escalate")),
        Binding("a", "answer", N_("Answer")),
        Binding("o", "role", N_("Role")),
        Binding("l", "level", N_("Level")),
        Binding("c", "close_incident", N_("Close")),
        Binding("r", "review", N_("Lessons")),
        Binding("p", "report", N_("Report")),
        Binding("y", "copy_ivr", N_("Copy IVR")),
        Binding("escape", "back", N_("Back")),
    ]

    def __init__(self, number: int) -> None:
        super().__init__(id="incident")
        self.number = number
        self.view: IncidentView | None = None

    # -- widgets -----------------------------------------------------------------------

    @property
    def steps_table(self) -> ChecklistTable:
        return self.query_one("#incident-steps", ChecklistTable)

    @property
    def timeline_table(self) -> DataTable[Text]:
        return self.query_one("#incident-timeline", DataTable)

    def compose(self) -> ComposeResult:
        yield DutyHeader()
        yield TitleBar(_("Incident"), "incident")
        yield Static(id="incident-summary")
        with Horizontal(id="incident-body"):
            with Vertical(id="incident-main"):
                yield ChecklistTable(id="incident-steps")
                yield DataTable(id="incident-timeline", cursor_type="none", show_header=False)
            with VerticalScroll(id="incident-side"):
                yield Static(_("Escalate to"), classes="side-heading", markup=False)
                yield Static(id="incident-contacts")
                yield Static(_("IVR announcement (y: copy)"), classes="side-heading", markup=False)
                yield Static(id="incident-ivr")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.load()
        self.set_interval(1, self.show_countdowns)
        self.steps_table.focus()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.show)

    # -- reading -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="incident")
    def load(self) -> None:
        try:
            view = incidents.get_incident(self.context.db, self.number)
        except UserError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.app.call_from_thread(self.show, view)

    # -- showing -----------------------------------------------------------------------

    def show(self, view: IncidentView | None = None) -> None:
        if view is not None:
            self.view = view
        if self.view is None:
            return
        self.show_steps()
        self.show_timeline()
        self.show_side()
        self.show_countdowns()
        self.refresh_bindings()

    def show_steps(self) -> None:
        assert self.view is not None
        table = self.steps_table
        cursor = table.cursor_row
        table.clear(columns=True)
        width = table.size.width or self.size.width * 2 // 3
        # 4 narrow columns with one cell of padding either side, and the scrollbar.
        text_width = max(20, width - (1 + 2 + 5 + 10) - 2 * 5 - 2)
        table.add_column("", width=1, key="mark")
        table.add_column("#", width=2, key="n")
        table.add_column(_("Step"), width=text_width, key="text")
        table.add_column(_("Due"), width=5, key="due")
        table.add_column(_("Left"), width=10, key="left")
        for step in self.view.steps:
            done = step.done_at is not None
            table.add_row(
                Text("✔", style="green") if done else Text("–" if step.skipped_at else "☐"),
                Text(str(step.n), justify="right"),
                Text(str(step.text), style="" if step.is_open else "dim"),  # wrapped: a step is read whole
                Text(local_time(step.due_at, self.config) if step.due_at else "—"),
                Text(""),
                key=str(step.n),
                height=None,
            )
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1), animate=False)

    def show_countdowns(self) -> None:
        view = self.view
        if view is None or not self.is_mounted:
            return
        now = clock.utcnow()
        table = self.steps_table
        for step in view.steps:
            if str(step.n) in table.rows:
                table.update_cell(str(step.n), "left", self.left_cell(view, step, now))
        self.query_one("#incident-status", Static).update(self.status_line(view, now))

    def left_cell(self, view: IncidentView, step: StepView, now: datetime) -> Text:
        state = view.step_state(step, now, self.config)
        if state == "done":
            assert step.done_at is not None
            return Text(_("done {time}").format(time=local_time(step.done_at, self.config)), style=STATE_STYLE["done"])
        if state == "skipped":
            return Text(_("skipped"), style=STATE_STYLE["skipped"])
        if state == "none" or step.due_at is None:
            return Text("")
        return Text(incidents.countdown(step.due_at, now), style=STATE_STYLE[state], justify="right")

    def status_line(self, view: IncidentView, now: datetime) -> Text:
        """Title, level and the response deadline first: they must survive a narrow terminal."""
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"#{view.number} {view.title}", style="bold")
        line.append(" · " + _("level {level}").format(level=view.level) + " · ")
        if view.status == incidents.CLOSED and view.closed_at:
            line.append(_("closed {time}").format(time=local_time(view.closed_at, self.config)), style="bold green")
        else:
            state = incidents.deadline_state(
                view.started_at, view.respond_by, None, now, self.config.incidents.amber_fraction
            )
            line.append(
                _("respond by {time} ({left})").format(
                    time=local_time(view.respond_by, self.config), left=incidents.countdown(view.respond_by, now)
                ),
                style=STATE_STYLE[state],
            )
        done = sum(1 for s in view.steps if s.done_at)
        line.append(" · " + _("{done}/{total} steps done").format(done=done, total=len(view.steps)))
        skipped = sum(1 for s in view.steps if s.skipped_at)
        if skipped:
            line.append(" · " + _("{count} skipped").format(count=skipped))
        for key, person in view.roles.items():
            line.append(f" · {self.role_label(key)}: {person}")
        line.append(" · " + _("started {time}").format(time=local_time(view.started_at, self.config)))
        line.append(" · " + playbooks.kind_label(view.kind))
        return line

    def show_timeline(self) -> None:
        assert self.view is not None
        table = self.timeline_table
        table.clear(columns=True)
        width = table.size.width or self.size.width * 2 // 3
        kinds = [entry.kind_label for entry in self.view.timeline]
        kind_width = max([cell_len(kind) for kind in kinds] + [4]) + 3
        table.add_column("time", width=5, key="time")
        table.add_column("kind", width=kind_width, key="kind")
        text_width = max(20, width - 5 - kind_width - 6 - 2)
        table.add_column("text", width=text_width, key="text")
        for entry in self.view.timeline:
            kind = entry.kind_label + (f" {entry.step_n}" if entry.step_n else "")
            table.add_row(
                Text(local_time(entry.at, self.config)),
                Text(kind, style=EVENT_STYLE.get(entry.kind, "")),
                fit(self.timeline_text(entry), text_width),
            )
        table.scroll_end(animate=False)
        summary = self.query_one("#incident-summary", Static)
        summary.display = self.view.summary is not None
        if self.view.summary:
            summary.update(Text(_("Summary: {summary}").format(summary=self.view.summary)))

    def timeline_text(self, entry: TimelineEntry) -> Text:
        """Whom (role holder, contact and channel), what was said, and who wrote it."""
        text = Text()
        whom = [self.role_label(entry.role) if entry.role else "", entry.contact or "", entry.channel or ""]
        if any(whom):
            text.append(" · ".join(one_line(part) for part in whom if part) + " ", style="bold")
        text.append(one_line(entry.text))
        if entry.author:
            text.append(f"  ({one_line(entry.author)})", style="dim")
        return text

    def role_label(self, key: str) -> str:
        role = next((r for r in self.config.incidents.roles if r.key == key), None)
        return str(role.label) if role else key

    def show_side(self) -> None:
        assert self.view is not None
        contacts = Text()
        for contact in self.view.contacts:
            contacts.append(f"• {contact.role}", style="bold")
            if contact.name:
                contacts.append(f" {contact.name}")
            if contact.channel:
                contacts.append(f"\n  {contact.channel}", style="dim")
            contacts.append("\n")
        self.query_one("#incident-contacts", Static).update(contacts or Text(_("none in the playbook"), style="dim"))
        ivr = self.view.ivr
        self.query_one("#incident-ivr", Static).update(Text(str(ivr)) if ivr else Text(_("none"), style="dim"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.view
        if view is None:
            return action == "back"
        is_open = view.status == incidents.OPEN
        if action in ("note", "status_update", "escalate", "level", "close_incident"):
            return is_open
        if action == "answer":
            return is_open and any(entry.kind == "escalation" for entry in view.timeline)
        if action == "role":
            return is_open and bool(self.config.incidents.roles)
        if action == "review":
            return not is_open
        if action == "copy_ivr":
            return view.ivr is not None
        return True

    # -- acting ------------------------------------------------------------------------

    def selected_step(self) -> StepView | None:
        key = self.steps_table.selected_key
        if self.view is None or key is None:
            return None
        return next((step for step in self.view.steps if str(step.n) == key), None)

    @property
    def is_open(self) -> bool:
        return self.view is not None and self.view.status == incidents.OPEN

    @on(ChecklistTable.Toggled, "#incident-steps")
    def toggle_step(self, event: ChecklistTable.Toggled) -> None:
        """Space: tick an open step at once; a step done asks why, then unticks it."""
        assert self.view is not None
        step = next((step for step in self.view.steps if str(step.n) == event.row_key), None)
        if step is None or not self.is_open:
            return
        if step.done_at is None:
            self._write(lambda: incidents.tick_step(self.context.db, self.number, step.n), "")
        else:
            self.untick(step)

    @on(DataTable.RowSelected, "#incident-steps")
    def open_step(self) -> None:
        """Enter: tick an open step with a note; a step done asks why, then unticks it."""
        step = self.selected_step()
        if step is None or not self.is_open:
            return
        if step.done_at is not None:
            self.untick(step)
            return
        self.app.push_screen(
            AskText(
                _("Step {n} done").format(n=step.n),
                _("Note (optional)"),
                help_text=str(step.text),
                required=False,
            ),
            lambda text: self._write(
                lambda: incidents.tick_step(self.context.db, self.number, step.n, text or None), text
            ),
        )

    def untick(self, step: StepView) -> None:
        self.app.push_screen(
            AskText(
                _("Untick step {n}").format(n=step.n),
                _("Why is it not done after all? (required; the tick stays on the timeline)"),
                help_text=str(step.text),
            ),
            lambda text: self._write(lambda: incidents.untick_step(self.context.db, self.number, step.n, text), text),
        )

    def action_note(self) -> None:
        self.app.push_screen(
            AskText(_("Note on incident #{number}").format(number=self.number), _("Note")),
            lambda text: self._write(lambda: incidents.add_note(self.context.db, self.number, text), text),
        )

    def action_status_update(self) -> None:
        """A status update: on the timeline, and sent by the notifier to the incident's channels."""
        self.app.push_screen(
            AskText(
                _("Status update on incident #{number}").format(number=self.number),
                _("Where it stands, what is next (sent to the incident's notification channels)"),
            ),
            lambda text: self._write(lambda: incidents.post_update(self.context.db, self.number, text), text),
        )

    def action_escalate(self) -> None:
        assert self.view is not None
        self.app.push_screen(EscalateDialog(self.view), self._changed)

    def action_answer(self) -> None:
        assert self.view is not None
        last = next((e.contact for e in reversed(self.view.timeline) if e.kind == "escalation"), "")
        self.app.push_screen(
            AskText(
                _("Answer on incident #{number}").format(number=self.number),
                _("What did {contact} answer?").format(contact=last),
            ),
            lambda text: self._write(lambda: incidents.record_answer(self.context.db, self.number, text), text),
        )

    def action_role(self) -> None:
        roles = "  ".join(f"{role.key}: {role.label}" for role in self.config.incidents.roles)

        def assign(text: str | None) -> None:
            key, _sep, person = (text or "").partition(" ")
            if text is not None:
                self._write(lambda: incidents.assign_role(self.context.db, self.config, self.number, key, person), text)

        self.app.push_screen(
            AskText(
                _("Roles on incident #{number}").format(number=self.number),
                _("Role key, a space, then who holds it (e.g. lead Wang Wei)"),
                help_text=roles,
            ),
            assign,
        )

    def action_level(self) -> None:
        def change(text: str | None) -> None:
            if not text:
                return
            shift = self.require_shift()
            if shift is not None:
                self._write(
                    lambda: incidents.change_level(self.context.db, self.config, shift, self.number, int(text)), text
                )

        self.app.push_screen(
            AskText(
                _("Change the level of incident #{number}").format(number=self.number),
                _("New level (system failure: 1 is the most severe; peak traffic: 2 is the worse)"),
                digits=True,
            ),
            change,
        )

    def action_close_incident(self) -> None:
        shift = self.require_shift()
        if shift is not None and self.view is not None:
            self.app.push_screen(CloseDialog(self.view, shift), self._changed)

    def action_review(self) -> None:
        self.app.push_screen(
            AskText(
                _("Lessons from incident #{number}").format(number=self.number),
                _("What to keep, what to change (added to the report; nothing is ever replaced)"),
            ),
            lambda text: self._write(lambda: incidents.add_review(self.context.db, self.number, text), text),
        )

    def action_copy_ivr(self) -> None:
        if self.view is not None and self.view.ivr is not None:
            self.app.copy_to_clipboard(str(self.view.ivr))
            self.notify(_("IVR text copied"))

    def action_report(self) -> None:
        self.write_report()

    @work(thread=True, exclusive=True, exit_on_error=False, group="incident-report")
    def write_report(self) -> None:
        try:
            path = save_report(self.context.db, self.config, self.number)
        except UserError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.app.call_from_thread(self.notify, _("Report written to {path}").format(path=path))

    def action_back(self) -> None:
        self.app.pop_screen()

    def require_shift(self) -> ShiftInfo | None:
        shift: ShiftInfo | None = self.app.shift
        if shift is None:
            self.notify(_("No shift is open: open one first (it records this in the duty log)"), severity="error")
        return shift

    def _write(self, call, text: str | None) -> None:  # type: ignore[no-untyped-def]
        """Run a domain write once the dialog gave text (None: cancelled)."""
        if text is None:
            return
        self._changed(attempt(self, call))

    def _changed(self, view: IncidentView | None) -> None:
        if view is not None:
            self.show(view)


class StartIncidentScreen(Dialog[IncidentView]):
    """Confirm starting an incident from a playbook, with an optional first note."""

    def __init__(self, playbook: playbooks.Playbook) -> None:
        super().__init__()
        self.playbook = playbook

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide") as box:
            box.border_title = _("Start an incident")
            heading = Text(str(self.playbook.title), style="bold")
            heading.append("  " + _("level {level}").format(level=self.playbook.level))
            yield Static(heading)
            if self.playbook.trigger:
                yield Static(Text(str(self.playbook.trigger)), classes="dialog-help")
            yield Label(_("What happened (optional)"), markup=False)
            yield Input(id="start-note", compact=True)
            yield Static(_("Enter: start the incident · Escape: cancel"), classes="dialog-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#start-note", Input).focus()

    @on(Input.Submitted, "#start-note")
    def start(self, event: Input.Submitted) -> None:
        event.stop()
        shift: ShiftInfo | None = self.app.shift
        if shift is None:
            self.notify(_("No shift is open: open one first (it records this in the duty log)"), severity="error")
            return
        note = event.value if event.value.strip() else None
        started = attempt(
            self, lambda: incidents.start_incident(self.context.db, self.context.config, shift, self.playbook, note)
        )
        if started is not None:
            self.dismiss(started)


class FormDialog(Dialog[IncidentView]):
    """Several one-line fields: Enter moves to the next one, Enter on the last saves."""

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    @on(Input.Submitted)
    def next_or_save(self, event: Input.Submitted) -> None:
        event.stop()
        fields = list(self.query(Input))
        if event.input is not fields[-1]:
            self.focus_next()
            return
        view = attempt(self, self.save)
        if view is not None:
            self.dismiss(view)

    def value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def save(self) -> IncidentView:
        raise NotImplementedError


class EscalateDialog(FormDialog):
    """Who was contacted (a playbook contact, by number, role or name, or anyone), how, and what was said."""

    def __init__(self, view: IncidentView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        contacts = self.view.contacts
        with Vertical(classes="dialog dialog-wide") as box:
            box.border_title = _("Escalate incident #{number}").format(number=self.view.number)
            listed = Text()
            for index, contact in enumerate(contacts, start=1):
                listed.append(f"{index}. {contact.role}" + (f" {contact.name}" if contact.name else ""), style="bold")
                if contact.channel:
                    listed.append(f" — {contact.channel}")
                if contact.step:
                    listed.append("  " + _("(ticks step {n})").format(n=contact.step), style="dim")
                listed.append("\n")
            listed.rstrip()
            yield Static(listed or Text(_("The playbook lists no contacts."), style="dim"))
            names = [str(c.role) for c in contacts] + [c.name for c in contacts if c.name]
            yield Label(_("Who: a number above, a role or a name, or anyone else"), markup=False)
            yield Input(id="escalate-contact", compact=True, suggester=SuggestFromList(names, case_sensitive=False))
            yield Label(
                _("How: phone, internal channel, in person… (empty: the contact's usual channel)"), markup=False
            )
            yield Input(id="escalate-channel", compact=True)
            yield Label(_("What was said or asked (optional)"), markup=False)
            yield Input(id="escalate-said", compact=True)
            yield Static(_("Enter: next field, save on the last · Escape: cancel"), classes="dialog-keys", markup=False)

    def save(self) -> IncidentView:
        contact = self.value("#escalate-contact").strip()
        if contact.isdigit() and 1 <= int(contact) <= len(self.view.contacts):
            contact = str(self.view.contacts[int(contact) - 1].role)
        return incidents.escalate(
            self.context.db, self.view.number, contact, self.value("#escalate-channel"), self.value("#escalate-said")
        )


class CloseDialog(FormDialog):
    """The summary, and a reason for each step still open (or one for all of them)."""

    def __init__(self, view: IncidentView, shift: ShiftInfo) -> None:
        super().__init__()
        self.view, self.shift = view, shift
        self.open_steps = [step for step in view.steps if step.is_open]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog dialog-wide") as box:
            box.border_title = _("Close incident #{number}").format(number=self.view.number)
            yield Label(_("Summary: what happened, what was done, the result (required)"), markup=False)
            yield Input(id="close-summary", compact=True)
            if self.open_steps:
                yield Static(
                    _(
                        "{count} steps are still open. They will be recorded as skipped: give each a reason, "
                        "or one reason for all the others below."
                    ).format(count=len(self.open_steps)),
                    classes="dialog-help",
                    markup=False,
                )
                for step in self.open_steps:
                    yield Label(Text(f"{step.n}. {step.text}"))
                    yield Input(id=f"skip-{step.n}", compact=True, placeholder=_("why it is skipped"))
                yield Label(_("All the other open steps"), markup=False)
                yield Input(id="skip-all", compact=True, placeholder=_("e.g. not applicable: the fault was local"))
            yield Static(
                _("Enter: next field, close on the last · Escape: cancel"), classes="dialog-keys", markup=False
            )

    def save(self) -> IncidentView:
        skips = {str(step.n): self.value(f"#skip-{step.n}") for step in self.open_steps}
        if self.open_steps:
            skips[incidents.SKIP_ALL] = self.value("#skip-all")
        return incidents.close_incident(
            self.context.db,
            self.context.config,
            self.shift,
            self.view.number,
            self.value("#close-summary"),
            {key: reason for key, reason in skips.items() if reason.strip()},
        )
