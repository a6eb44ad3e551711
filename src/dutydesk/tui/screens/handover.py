"""The Handover screen (key 2): the checklist by section, read-back, and the two signatures.

Thin over `dutydesk.domain.handover`: every key calls one domain function and shows the
`HandoverView` it returns. Reading the log entries and verifying signatures runs in a
worker; writes are synchronous. A past handover opens read-only (h), with its signature
status on top.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.context import Context
from dutydesk.domain import handover as ho
from dutydesk.domain import supervisors
from dutydesk.domain.handover import CarriedView, HandoverView, ItemView, VerifyReport
from dutydesk.domain.log import LogEntryView
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.errors import UserError
from dutydesk.export.draft import draft_if_due
from dutydesk.i18n import N_, NP_, _, labelled
from dutydesk.textsafe import safe
from dutydesk.tui.report import attempt
from dutydesk.tui.rows import local_time
from dutydesk.tui.screens.base import DeskScreen
from dutydesk.tui.screens.dialogs import Dialog
from dutydesk.tui.screens.note_dialog import NoteDialog
from dutydesk.tui.widgets.checklist import ChecklistTable
from dutydesk.tui.widgets.fields import TextField
from dutydesk.tui.widgets.footer import DeskFooter
from dutydesk.tui.widgets.header import DutyHeader, TitleBar

STATUS_WIDTH = 10
ProblemWrite = Callable[[Context, int, int, str], HandoverView]  # handover, carried number, note
MIN_NOTE_WIDTH = 24
STATUS_STYLE = {
    "ok": "green",
    "stable": "green",
    "issue": "bold #ff5f5f",
    "unstable": "bold #ff5f5f",
    "watch": "bold #ffaf00",
    "na": "dim",
}


@dataclass(frozen=True)
class Loaded:
    """What the worker reads besides the checklist itself."""

    handover_id: int
    log_entries: list[LogEntryView]
    report: VerifyReport | None


class HandoverScreen(DeskScreen):
    BINDINGS = [
        Binding("n", "start", N_("Start")),
        Binding("e", "answer", NP_("checklist", "Answer")),
        Binding("o", "quick('ok')", N_("OK")),
        Binding("i", "quick('issue')", N_("Issue")),
        Binding("x", "quick('na')", N_("N/A")),
        Binding("c", "confirm", N_("Confirm")),
        Binding("a", "confirm_section", N_("Confirm all shown")),
        Binding("r", "resolve", N_("Resolved")),
        Binding("k", "still_open", N_("Still open")),
        Binding("s", "sign", N_("Sign")),
        Binding("h", "history", N_("Past")),
        Binding("escape", "back", N_("Back"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="handover")
        self.handover: HandoverView | None = None
        self.viewing_past = False  # a record chosen with h, shown read-only
        self.loaded: Loaded | None = None

    @property
    def shift(self) -> ShiftInfo | None:
        return self.app.shift

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#handover-table", DataTable)

    def compose(self) -> ComposeResult:
        yield DutyHeader()
        yield TitleBar(_("Handover"), "handover")
        yield Static(id="handover-signatures")
        yield ChecklistTable(id="handover-table", zebra_stripes=False)
        yield Static(id="handover-detail")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "shift", self._shift_changed, init=False)
        self.reload()
        self.table.focus()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.show_rows)

    def _shift_changed(self, shift: ShiftInfo | None) -> None:
        if not self.viewing_past:
            self.reload()

    # -- reading -------------------------------------------------------------------------

    def reload(self) -> None:
        """The open shift's handover (or the one being viewed), then the rest, each in a worker."""
        db, viewed, shift = self.context.db, (self.handover if self.viewing_past else None), self.shift

        def read() -> HandoverView | None:
            if viewed is not None:
                return ho.get_handover(db, viewed.id)
            return self._current_draft(shift) if shift else None

        self.run_io(read, self.show_view, group="handover", exclusive=True)

    def _current_draft(self, shift: ShiftInfo) -> HandoverView | None:
        """The open shift's handover (drafted by now if the shift ends within the hour), its
        carried-over list brought up to date while unsigned."""
        draft_if_due(self.context.db, self.context.config, shift.team)
        found = ho.handover_of_shift(self.context.db, shift.id)
        return ho.refresh_carried(self.context.db, self.context.config, found.id) if found else None

    def show_view(self, view: HandoverView | None) -> None:
        self.handover = view
        if self.loaded is not None and (view is None or self.loaded.handover_id != view.id):
            self.loaded = None
        self.show_rows()
        if view is not None:
            self.load_details(view)

    def load_details(self, view: HandoverView) -> None:
        db = self.context.db

        def read() -> Loaded:
            entries = ho.log_since_last_handover(db, view)
            return Loaded(view.id, entries, ho.verify_handovers(db, view.id) if view.frozen else None)

        self.run_io(read, self._details_loaded, group="handover-details", exclusive=True)

    def _details_loaded(self, loaded: Loaded) -> None:
        if self.handover is not None and self.handover.id == loaded.handover_id:
            self.loaded = loaded
            self.show_signatures()
            self.show_detail()

    # -- showing -------------------------------------------------------------------------

    def show_rows(self) -> None:
        table, view = self.table, self.handover
        chosen = self.selected_key()
        table.clear(columns=True)
        item_width, note_width = _column_widths(view, table.size.width or self.size.width)
        table.add_column(_("Item"), width=item_width)
        table.add_column(_("Status"), width=STATUS_WIDTH)
        table.add_column(_("Note"), width=note_width)
        if view is not None:
            section = None
            for item in view.items:
                if item.section != section:
                    section = item.section
                    table.add_row(
                        Text(item.section_label, style="bold underline"), Text(""), Text(""), key=f"section:{section}"
                    )
                table.add_row(*_item_cells(item), key=f"item:{item.key}")
                for carried in (c for c in view.carried if c.item_key == item.key):
                    table.add_row(*_carried_cells(carried, self.context), key=f"carried:{carried.number}")
            keys = [row.key.value for row in table.ordered_rows]
            if chosen in keys:
                table.move_cursor(row=keys.index(chosen), animate=False)
            elif chosen is None and len(keys) > 1:
                table.move_cursor(row=1, animate=False)
        self.show_status()
        self.show_signatures()
        self.show_detail()
        self.refresh_bindings()

    def show_status(self) -> None:
        view, status = self.handover, self.query_one("#handover-status", Static)
        if view is None:
            if self.shift is None:
                status.update(Text(_("No shift is open")))
            else:
                status.update(
                    Text(_("Not started for shift #{id}: press n to start the handover").format(id=self.shift.id))
                )
            return
        answered, required = view.progress()
        line = _("#{id} · {answered} of {required} required answered").format(
            id=view.id, answered=answered, required=required
        )
        if view.carried:
            confirmed = len(view.carried) - len(view.unconfirmed())
            line += " · " + _("{confirmed} of {count} carried-over confirmed").format(
                confirmed=confirmed, count=len(view.carried)
            )
        if self.viewing_past:
            line += " · " + _("read-only, Escape: back")
        status.update(Text(line))

    def show_signatures(self) -> None:
        banner, view = self.query_one("#handover-signatures", Static), self.handover
        if view is None:
            banner.update("")
            return
        line = Text()
        for role in (ho.OUTGOING, ho.INCOMING):
            signature = view.signature(role)
            line.append(labelled(ho.role_label(role)), style="bold")
            if signature is None:
                line.append(_("not signed"), style="dim")
            else:
                line.append(
                    f"✔ {signature.supervisor_display} {local_time(signature.signed_at, self.context.config)}",
                    style="green",
                )
            line.append("   ")
        report = self.loaded.report if self.loaded else None
        if report is not None:
            if report.ok:
                line.append(" " + _("Signatures: valid") + " ", style="bold black on green")
            else:
                line.append(" " + _("Signatures: INVALID") + " ", style="bold white on red")
                for problem in report.problems:
                    line.append("\n" + problem.what, style="#ff5f5f")
        banner.update(line)

    def show_detail(self) -> None:
        detail, view = self.query_one("#handover-detail", Static), self.handover
        if view is None:
            detail.update(
                Text(
                    _(
                        "The handover checklist is answered here, read back by the incoming "
                        "supervisor, then signed by both."
                    )
                )
            )
            return
        item, carried, key = self.selected_item(), self.selected_carried(), self.selected_key() or ""
        text = Text()
        if key.startswith("section:"):
            section = next((i for i in view.items if i.section == key.split(":", 1)[1]), None)
            text.append(section.section_label if section else "", style="bold")
            text.append("\n" + _("↑↓: choose an item"), style="dim")
        elif carried is not None:
            text = _carried_detail(carried, self.context.config, detail.content_size.width)
        elif item is not None:
            text.append(item.label + "\n", style="bold")
            if item.note:
                text.append(item.note + "\n")
            text.append(_answer_hint(item), style="dim")
            if item.kind == "log_read":
                text.append("\n" + self._log_text())
        detail.update(text)

    def _log_text(self) -> str:
        if self.loaded is None:
            return _("Loading the log…")
        entries = self.loaded.log_entries
        if not entries:
            return _("The outgoing shift has no log entries.")
        lines = [_("{count} log entries of the outgoing shift:").format(count=len(entries))]
        config = self.context.config
        lines += [f"{local_time(e.at, config)} {e.text.splitlines()[0] if e.text else ''}" for e in entries]
        return "\n".join(lines)

    def selected_key(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        value = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(value) if value is not None else None

    def selected_item(self) -> ItemView | None:
        key, view = self.selected_key(), self.handover
        if view is None or key is None:
            return None
        if key.startswith("carried:"):
            carried = self.selected_carried()
            key = f"item:{carried.item_key}" if carried else key
        return next((i for i in view.items if f"item:{i.key}" == key), None)

    def selected_carried(self) -> CarriedView | None:
        key, view = self.selected_key(), self.handover
        if view is None or key is None or not key.startswith("carried:"):
            return None
        return view.carried_item(int(key.split(":")[1]))

    @on(DataTable.RowHighlighted, "#handover-table")
    def _row_highlighted(self) -> None:
        self.show_detail()

    @on(DataTable.RowSelected, "#handover-table")
    def _row_selected(self) -> None:
        """Enter: answer the item, or confirm the carried-over item."""
        key = self.selected_key() or ""
        if self.check_action("answer", ()) and not key.startswith("section:"):
            self.action_confirm() if self.selected_carried() else self.action_answer()

    @on(ChecklistTable.Toggled, "#handover-table")
    def _toggled(self) -> None:
        """Space: an unanswered item is ticked OK; an answered one opens its answer to change it
        (the note says why); a carried-over item is confirmed."""
        item, key = self.selected_item(), self.selected_key() or ""
        if not self.check_action("answer", ()) or key.startswith("section:"):
            return
        # Space ticks in place (the list behaviour of every checklist); the letter keys move on.
        if self.selected_carried():
            self.action_confirm(advance=False)
        elif item is not None and item.status is None:
            self.action_quick("ok", advance=False)
        else:
            self.action_answer(advance=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.handover
        editable = view is not None and not view.frozen and not self.viewing_past
        if action == "start":
            return view is None and self.shift is not None and not self.viewing_past
        if action in ("answer", "quick", "confirm", "confirm_section"):
            return editable
        if action in ("resolve", "still_open"):
            carried = self.selected_carried()
            return editable and carried is not None and carried.source == ho.THREAD_SOURCE
        if action == "sign":
            return view is not None and view.status != ho.SIGNED and not self.viewing_past
        return True

    # -- answering -----------------------------------------------------------------------

    def action_start(self) -> None:
        context, team = self.context, self.shift.team if self.shift else None
        started = attempt(
            self,
            lambda: ho.refresh_carried(
                context.db, context.config, ho.start_handover(context.db, context.config, team).id
            ),
        )
        if started is not None:
            self.show_view(started)
            self.table.focus()

    def action_answer(self, status: str | None = None, *, advance: bool = True) -> None:
        item = self.selected_item()
        if self.handover is None or item is None:
            self.notify(_("select a checklist item first"), severity="warning")
            return
        self.app.push_screen(
            AnswerDialog(self.handover.id, item, status), lambda view: self._changed(view, advance=advance)
        )

    def action_quick(self, status: str, *, advance: bool = True) -> None:
        if status == "ok" and self.selected_carried() is not None:
            self.action_confirm(advance=advance)  # on a carried row, "ok" is its read-back
            return
        item = self.selected_item()
        if self.handover is None or item is None:
            self.notify(_("select a checklist item first"), severity="warning")
            return
        if status not in ho.statuses_for(item.kind) or ho.note_required(item.kind, status):
            self.action_answer(status if status in ho.statuses_for(item.kind) else None, advance=advance)
            return
        handover_id = self.handover.id
        context = self.context
        self._changed(
            attempt(self, lambda: ho.answer(context.db, context.config, handover_id, item.key, status, item.note)),
            advance=advance,
        )

    def action_confirm(self, *, advance: bool = True) -> None:
        carried = self.selected_carried()
        if self.handover is None or carried is None:
            # Off a carried row, c goes to the next one waiting for its read-back.
            if not self._advance(carried_only=True):
                self.notify(_("every carried-over item is confirmed"), severity="information")
            return
        handover_id = self.handover.id
        context = self.context
        self._changed(
            attempt(self, lambda: ho.confirm(context.db, context.config, handover_id, [carried.number])),
            advance=advance,
        )

    def action_confirm_section(self) -> None:
        """a: everything shown in the cursor's section that can be confirmed at once, after a summary."""
        view, section = self.handover, self.selected_section()
        if view is None or section is None:
            return
        review = ho.section_review(view, section)
        if review.empty:
            self.notify(_("nothing in this section to confirm at once"), severity="warning")
            self._advance()
            return
        self.app.push_screen(ConfirmSectionDialog(view, section, review), self._changed)

    def action_resolve(self) -> None:
        self._note_on_problem(
            _("Resolved: carried-over item {number}"),
            _("what put it right"),
            lambda context, handover_id, number, note: ho.resolve_carried(
                context.db, context.config, handover_id, number, note
            ),
        )

    def action_still_open(self) -> None:
        self._note_on_problem(
            _("Still open: carried-over item {number}"),
            _("where it stands now"),
            lambda context, handover_id, number, note: ho.still_open(
                context.db, context.config, handover_id, number, note
            ),
        )

    def _note_on_problem(self, title: str, placeholder: str, write: ProblemWrite) -> None:
        """r / k on a carried problem: a note, logged in the outgoing shift's duty log."""
        carried, view = self.selected_carried(), self.handover
        if carried is None or view is None:
            return

        def save(context: Context, note: str) -> HandoverView:
            return write(context, view.id, carried.number, note)

        shown = Text(carried.shown(self.context.config.zone))
        dialog = NoteDialog(title.format(number=carried.number), shown, save, placeholder)
        self.app.push_screen(dialog, self._changed)

    def _changed(self, view: HandoverView | None, *, advance: bool = True) -> None:
        if view is not None:
            self.show_view(view)
            if advance:
                self._advance()

    def _advance(self, carried_only: bool = False) -> bool:
        """One key answers and moves on: to the next row still waiting, wrapping once."""
        view, table = self.handover, self.table
        if view is None or view.frozen:
            return False
        keys = [str(row.key.value) for row in table.ordered_rows]
        waiting = {f"carried:{c.number}" for c in view.unconfirmed()}
        if not carried_only:
            waiting |= {f"item:{i.key}" for i in view.items if i.status is None}
        here = table.cursor_row
        for index in [*range(here + 1, len(keys)), *range(0, here + 1)]:
            if keys[index] in waiting:
                table.move_cursor(row=index, animate=False)
                return True
        return False

    def selected_section(self) -> str | None:
        key, item = self.selected_key() or "", self.selected_item()
        if key.startswith("section:"):
            return key.split(":", 1)[1]
        return item.section if item else None

    # -- signing -------------------------------------------------------------------------

    def action_sign(self) -> None:
        view = self.handover
        if view is None:
            return
        role = ho.OUTGOING if view.signature(ho.OUTGOING) is None else ho.INCOMING
        try:
            ho.check_ready(view, role)
        except UserError as error:
            self.notify(str(error), severity="error")
            return
        self.app.push_screen(SignDialog(view, role), self._signed)

    def _signed(self, view: HandoverView | None) -> None:
        if view is None:
            return
        if view.status == ho.SIGNED:
            # The shift changed hands: keep the signed record in view until Escape.
            self.viewing_past = True
            self.app.shift = self.app.find_open_shift()
            self.notify(
                _("Handover #{id} signed by both: shift #{shift} is open").format(
                    id=view.id, shift=view.incoming_shift_id
                )
            )
        else:
            self.notify(_("Signed by the outgoing supervisor; now the incoming one signs (s)"))
        self.show_view(view)

    # -- past records --------------------------------------------------------------------

    def action_history(self) -> None:
        self.app.push_screen(PastHandoversDialog(), self._past_chosen)

    def _past_chosen(self, view: HandoverView | None) -> None:
        if view is not None:
            self.viewing_past = True
            self.show_view(view)

    def action_back(self) -> None:
        if self.viewing_past:
            self.viewing_past = False
            self.reload()


def _column_widths(view: HandoverView | None, width: int) -> tuple[int, int]:
    """The item column fits the longest label if it can; the note column gets the rest."""
    labels = [cell_len(item.label) + 3 for item in view.items] if view else [20]
    room = max(width - STATUS_WIDTH - 8, 30)  # 8: cell padding and the scrollbar
    item_width = min(max(labels), room - min(MIN_NOTE_WIDTH, room // 3))
    return item_width, max(room - item_width, 10)


def _item_cells(item: ItemView) -> tuple[Text, Text, Text]:
    mark = "*" if item.required else " "
    status = Text(ho.status_label(item.status), style=STATUS_STYLE.get(item.status or "", "bold #ffaf00"))
    note = Text(item.note.splitlines()[0] if item.note else "", no_wrap=True, overflow="ellipsis")
    return Text(f" {mark} {item.label}", no_wrap=True, overflow="ellipsis"), status, note


def _carried_cells(carried: CarriedView, context: Context) -> tuple[Text, Text, Text]:
    confirmed = carried.confirmed_at is not None
    waiting = _("read back") if carried.flagged else _("to confirm")
    status = Text(_("confirmed") if confirmed else waiting, style="green" if confirmed else "bold #ffaf00")
    flag = "⚑" if carried.flagged else " "
    since = local_time(carried.at, context.config, "%m-%d %H:%M")
    text = f"   {flag} {carried.number}. {since} {_first_line(carried, context.config.zone)}"
    return Text(text, no_wrap=True, overflow="ellipsis"), status, Text("")


def _carried_detail(carried: CarriedView, config: Config, width: int) -> Text:
    """A carried row in full, then what to do with it. An incident names itself in its first line
    and shows each step on one line (cut to `width`), so that its steps fit the pane at 80x24."""
    shown = carried.shown(config.zone)
    if carried.source == ho.INCIDENT_SOURCE and carried.details is not None:
        text = Text()
        for number, line in enumerate(shown.splitlines()):
            cut = Text(line, style="bold" if number == 0 else "")
            cut.truncate(width, overflow="ellipsis")
            text.append_text(cut)
            text.append("\n")
    else:
        when = local_time(carried.at, config, "%m-%d %H:%M")
        if carried.source == ho.FOLLOW_UP_SOURCE:
            heading = _("Open follow-up #{id}, opened {time}:").format(id=carried.ref, time=when)
        else:
            heading = _("Carried over from the duty log, {time}:").format(time=when)
        text = Text(heading + "\n", style="bold")
        text.append(shown + "\n")
    text.append(
        _("c: confirm (read-back by the incoming supervisor)")
        if carried.confirmed_at is None
        else _("Confirmed at {time}").format(time=local_time(carried.confirmed_at, config)),
        style="dim",
    )
    return text


def _first_line(carried: CarriedView, zone: tzinfo) -> str:
    """What a carried row is, in one line (an incident's steps follow on further lines)."""
    shown = carried.shown(zone)
    return shown.splitlines()[0] if shown else ""


def _answer_hint(item: ItemView) -> str:
    if item.kind == "floor_status":
        return _("Enter: stable / watch / unstable, with one line why")
    if item.kind == "actions":
        return _("Enter: one action per line, e.g. Call back TS-5026 @IT by 09:00 (each becomes a follow-up)")
    if item.kind == "list":
        return _("Enter: write the list (one per line), or x: nothing to list")
    return _("o: ok · i: issue (with a note) · x: not applicable · Enter: answer with a note")


class ConfirmSectionDialog(Dialog[HandoverView]):
    """What "confirm all shown" will do in one section; Enter does it, Escape does nothing."""

    BINDINGS = [Binding("enter,y", "save", N_("Confirm"), priority=True)]

    def __init__(self, view: HandoverView, section: str, review: ho.SectionReview) -> None:
        super().__init__()
        self.view, self.section, self.review = view, section, review

    def compose(self) -> ComposeResult:
        label = next(item.section_label for item in self.view.items if item.section == self.section)
        with Vertical(classes="dialog dialog-wide") as box:
            box.border_title = _("Confirm all shown: {section}").format(section=label)
            yield Static(_section_summary(self.review, self.context.config.zone), id="section-summary")
            yield Static(_("Enter: confirm · Escape: cancel"), classes="dialog-keys", markup=False)

    def action_save(self) -> None:
        context = self.context
        saved = attempt(self, lambda: ho.confirm_section(context.db, context.config, self.view.id, self.section))
        if saved is not None:
            self.dismiss(saved)


def _section_summary(review: ho.SectionReview, zone: tzinfo) -> Text:
    text = Text()
    if review.items:
        text.append(_("Answer ok ({count}):").format(count=len(review.items)) + "\n", style="bold")
        text.append("".join(f"  • {item.label}\n" for item in review.items))
    if review.carried:
        text.append(_("Confirm carried-over ({count}):").format(count=len(review.carried)) + "\n", style="bold")
        text.append("".join(f"  • {c.number}. {_first_line(c, zone)}\n" for c in review.carried))
    if review.flagged:
        text.append(
            _("Read back one by one afterwards ({count}):").format(count=len(review.flagged)) + "\n",
            style="bold #ffaf00",
        )
        text.append("".join(f"  • {c.number}. {_first_line(c, zone)}\n" for c in review.flagged))
    return text


class AnswerDialog(Dialog[HandoverView]):
    """Choose the status and write the note of one checklist item."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), priority=True),
    ]
    AUTO_FOCUS = "#answer-status"  # as the hint says: ↑↓ status, and typing goes to the note
    TYPING_TARGET = "#answer-note"

    def __init__(self, handover_id: int, item: ItemView, status: str | None) -> None:
        super().__init__()
        self.handover_id, self.item = handover_id, item
        self.initial = status or item.status

    def compose(self) -> ComposeResult:
        statuses = ho.statuses_for(self.item.kind)
        with Vertical(classes="dialog dialog-wide") as box:
            box.border_title = self.item.label
            yield Label(_("Status"), markup=False)
            yield OptionList(*[Option(_(label), id=key) for key, label in statuses.items()], id="answer-status")
            yield Label(_("Note"), markup=False)
            yield TextArea(self.item.note, id="answer-note", soft_wrap=True, show_line_numbers=False)
            yield Static(
                _("↑↓ status · Enter: save · Tab: to the note (Enter there: new line) · Ctrl+S: save · Escape: cancel"),
                classes="dialog-keys",
                markup=False,
            )

    def on_mount(self) -> None:
        choices = self.query_one("#answer-status", OptionList)
        keys = list(ho.statuses_for(self.item.kind))
        choices.highlighted = keys.index(self.initial) if self.initial in keys else 0

    @on(OptionList.OptionSelected, "#answer-status")
    def to_note(self, event: OptionList.OptionSelected) -> None:
        """Enter on a status: with the note already written (or drafted), that answers; else write it."""
        event.stop()
        note = self.query_one("#answer-note", TextArea)
        if note.text.strip():
            self.action_save()
        else:
            note.focus()

    def action_save(self) -> None:
        choices = self.query_one("#answer-status", OptionList)
        if choices.highlighted is None:
            return
        status = choices.get_option_at_index(choices.highlighted).id
        note = self.query_one("#answer-note", TextArea).text
        assert status is not None
        context = self.context
        saved = attempt(
            self, lambda: ho.answer(context.db, context.config, self.handover_id, self.item.key, status, note)
        )
        if saved is not None:
            self.dismiss(saved)


class SignDialog(Dialog[HandoverView]):
    """Pick who signs, type the PIN (masked); a wrong PIN clears the field and stays open."""

    BINDINGS = [  # the PIN field has the focus; the arrows still choose who signs
        Binding("up", "choose('cursor_up')", show=False),
        Binding("down", "choose('cursor_down')", show=False),
    ]
    TYPING_TARGET = "#pin"  # digits typed while the list has the focus go to the PIN (Dialog.take_typed)

    def __init__(self, view: HandoverView, role: str) -> None:
        super().__init__()
        self.view, self.role = view, role

    def compose(self) -> ComposeResult:
        people = attempt(self, lambda: supervisors.list_supervisors(self.context.db)) or []
        if self.role == ho.OUTGOING:
            people = [p for p in people if p.name == self.view.outgoing_supervisor]
        else:
            outgoing = self.view.signature(ho.OUTGOING)
            people = [p for p in people if outgoing is None or p.name != outgoing.supervisor]
        with Vertical(classes="dialog") as box:
            box.border_title = _("Sign as {role} supervisor").format(role=ho.role_label(self.role))
            if self.role == ho.INCOMING:
                help_text = _("Signing takes over the shift: the outgoing shift closes, yours opens.")
                warning = self.view.early_signing_warning(self.context.config, clock.utcnow())
                if warning:
                    yield Static(warning, classes="dialog-warning", markup=False)
            else:
                help_text = _("After this signature the checklist can no longer change.")
            yield Static(help_text, classes="dialog-help", markup=False)
            yield Label(_("Supervisor"), markup=False)
            yield OptionList(
                *[Option(Text(safe(f"{p.display_name} ({p.name})")), id=p.name) for p in people], id="signer"
            )
            yield Label(_("PIN"), markup=False)
            yield TextField(id="pin", password=True, restrict=r"\d*", max_length=12)
            yield Static(_("↑↓ choose · Enter: sign · Escape: cancel"), classes="dialog-keys", markup=False)

    def on_mount(self) -> None:
        choices = self.query_one("#signer", OptionList)
        if choices.option_count:
            choices.highlighted = 0

    async def action_choose(self, move: str) -> None:
        await self.query_one("#signer", OptionList).run_action(move)

    @on(OptionList.OptionSelected, "#signer")
    def to_pin(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    def sign(self, event: Input.Submitted) -> None:
        event.stop()
        choices, pin_field = self.query_one("#signer", OptionList), self.query_one("#pin", Input)
        if choices.highlighted is None:
            self.notify(_("no supervisor can sign here: add one first"), severity="error")
            return
        name = choices.get_option_at_index(choices.highlighted).id
        assert name is not None
        pin = pin_field.value
        pin_field.value = ""  # never left on screen, right or wrong
        signed = attempt(
            self, lambda: ho.sign_handover(self.context.db, self.context.config, self.view.id, self.role, name, pin)
        )
        if signed is not None:
            self.dismiss(signed)


class PastHandoversDialog(Dialog[HandoverView]):
    """Every handover, newest first; the chosen one opens read-only."""

    def compose(self) -> ComposeResult:
        found = attempt(self, lambda: ho.list_handovers(self.context.db, 100)) or []
        self.found = {str(h.id): h for h in found}
        config = self.context.config
        with Vertical(classes="dialog dialog-wide") as box:
            box.border_title = _("Past handovers")
            yield OptionList(
                *[
                    Option(
                        f"#{h.id}  {h.team}  {local_time(h.started_at, config, '%Y-%m-%d %H:%M')}  "
                        f"{' → '.join(s.supervisor_display for s in h.signatures) or _('not signed')}",
                        id=str(h.id),
                    )
                    for h in found
                ],
                id="past",
            )
            yield Static(_("↑↓ choose · Enter: open read-only · Escape: cancel"), classes="dialog-keys", markup=False)

    @on(OptionList.OptionSelected, "#past")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.found.get(str(event.option.id)))
