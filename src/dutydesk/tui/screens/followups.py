"""The Follow-ups screen (key 5): what is still to chase, soonest due first, overdue in red.

Thin over `dutydesk.domain.followups`. The list, the selected item's history and every
write run in thread workers (`run_io`); after a write the list is read again.
"""

from datetime import datetime, timedelta

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Select, Static

from dutydesk import clock
from dutydesk.domain import followups
from dutydesk.domain.followups import KINDS, PRIORITIES, STATUSES, FollowUpView, label
from dutydesk.i18n import N_, _, labelled
from dutydesk.textsafe import safe
from dutydesk.tui.rows import fit, local_time, one_line
from dutydesk.tui.screens.base import DeskScreen
from dutydesk.tui.screens.dialogs import Dialog
from dutydesk.tui.screens.incident import AskText
from dutydesk.tui.widgets.fields import TextField
from dutydesk.tui.widgets.footer import DeskFooter
from dutydesk.tui.widgets.header import DutyHeader, TitleBar

LATE_STYLE = "bold #ff5f5f"
COLUMNS = ("id", "kind", "title", "priority", "owner", "due", "late")
WIDE = 100  # below this many columns the kind column is left out
PRIORITY_STYLE = {"urgent": "bold #ff5f5f", "high": "bold #ffaf00", "normal": "", "low": "dim"}


class FollowUpsScreen(DeskScreen):
    DEFAULT_CSS = """
    FollowUpsScreen #followups-table { height: 1fr; }
    FollowUpsScreen #followup-detail {
        height: auto; max-height: 10; min-height: 3; padding: 0 1; border-top: solid $primary; overflow-y: auto;
    }
    """
    BINDINGS = [
        Binding("a", "add", N_("Add")),
        Binding("c", "chase", N_("Chase")),
        Binding("n", "note", N_("Note")),
        Binding("d", "due", N_("Due")),
        Binding("w", "waiting", N_("Waiting/open")),
        Binding("x", "close_item", N_("Close")),
    ]

    def __init__(self) -> None:
        super().__init__(id="followups")
        self.items: list[FollowUpView] = []
        self.loaded = False
        self.detail_view: FollowUpView | None = None

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#followups-table", DataTable)

    def compose(self) -> ComposeResult:
        yield DutyHeader()
        yield TitleBar(_("Follow-ups"), "followups")
        yield DataTable(id="followups-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="followup-detail")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.load()
        self.set_interval(30, self.show_rows)  # items fall overdue while the screen is open
        self.table.focus()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.follow_database(always=True)  # reload() is load()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.show_rows)

    # -- reading -----------------------------------------------------------------------

    def reload(self) -> None:
        self.load()

    def load(self, select: int | None = None) -> None:
        db = self.context.db

        def loaded(items: list[FollowUpView]) -> None:
            self.items, self.loaded = items, True
            self.detail_view = None  # its history may have grown too
            self.show_rows(select)

        self.run_io(lambda: followups.open_followups(db), loaded, group="followups", exclusive=True)

    def load_detail(self, followup_id: int) -> None:
        db = self.context.db
        self.run_io(
            lambda: followups.get_followup(db, followup_id),
            self._detail_loaded,
            group="followup-detail",
            exclusive=True,
        )

    def _detail_loaded(self, view: FollowUpView) -> None:
        if view.id == self.selected_id():
            self.detail_view = view
            self.show_detail()

    # -- showing -----------------------------------------------------------------------

    def show_rows(self, select: int | None = None) -> None:
        table, now = self.table, clock.utcnow()
        chosen = select if select is not None else self.selected_id()
        table.clear(columns=True)
        titles = {
            "id": "#",
            "kind": _("Kind"),
            "title": _("Title"),
            "priority": _("Priority"),
            "owner": _("Owner"),
            "due": _("Due"),
            "late": _("Late / left"),
        }

        def widest(values: list[str], key: str, cap: int = 20) -> int:
            return min(cap, max(cell_len(value) for value in [*values, titles[key]]))

        widths = {
            "id": widest([str(item.id) for item in self.items], "id"),
            "kind": widest([label(KINDS, key) for key in KINDS], "kind"),
            "priority": widest([label(PRIORITIES, key) for key in PRIORITIES], "priority"),
            "owner": widest([item.owner for item in self.items], "owner", 14),
            "due": widest(["11-26 10:00"], "due"),
            "late": widest(
                [_("{late} late").format(late=followups.late_text(now - timedelta(hours=23, minutes=59), now))], "late"
            ),
        }
        width = table.size.width or self.size.width
        if width < WIDE:  # the kind is in the detail below; the title needs the room
            del widths["kind"]
        widths["title"] = max(16, width - sum(widths.values()) - 2 * (len(widths) + 1) - 2)
        for key in COLUMNS:
            if key in widths:
                table.add_column(titles[key], width=widths[key], key=key)
        for item in self.items:
            table.add_row(*self.cells(item, now, widths), key=str(item.id))
        ids = [item.id for item in self.items]
        if chosen in ids:
            table.move_cursor(row=ids.index(chosen), animate=False)
        self.show_status(now)
        self.show_detail()
        self.refresh_bindings()

    def cells(self, item: FollowUpView, now: datetime, widths: dict[str, int]) -> list[Text]:
        late = item.overdue(now)
        title = Text(one_line(item.title), style=LATE_STYLE if late else "")
        if item.status == followups.WAITING:
            title = Text(f"⏸ {one_line(item.title)}", style="dim")
        if late:
            timing = Text(_("{late} late").format(late=followups.late_text(item.due_at, now)), style=LATE_STYLE)
        else:
            timing = Text(_("in {left}").format(left=followups.late_text(now, item.due_at)), style="dim")
        due_pattern = (
            "%H:%M"
            if item.due_at.astimezone(self.config.zone).date() == now.astimezone(self.config.zone).date()
            else "%m-%d %H:%M"
        )
        values = {
            "id": Text(str(item.id), style="dim", justify="right"),
            "kind": Text(label(KINDS, item.kind)),
            "title": title,
            "priority": Text(label(PRIORITIES, item.priority), style=PRIORITY_STYLE.get(item.priority, "")),
            "owner": Text(safe(item.owner)),
            "due": Text(local_time(item.due_at, self.config, due_pattern), style=LATE_STYLE if late else ""),
            "late": timing,
        }
        return [fit(values[key], widths[key]) for key in COLUMNS if key in widths]

    def show_status(self, now: datetime) -> None:
        status = self.query_one("#followups-status", Static)
        if not self.loaded:
            status.update(Text(_("reading…")))
            return
        overdue = sum(1 for item in self.items if item.overdue(now))
        line = _("{count} open").format(count=len(self.items))
        if overdue:
            line += " · " + _("{count} overdue").format(count=overdue)
        status.update(Text(line))

    def selected_id(self) -> int | None:
        table = self.table
        if table.row_count == 0:
            return None
        value = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(value) if value is not None else None

    def selected(self) -> FollowUpView | None:
        chosen = self.selected_id()
        return next((item for item in self.items if item.id == chosen), None)

    @on(DataTable.RowHighlighted, "#followups-table")
    def _highlighted(self) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        detail = self.query_one("#followup-detail", Static)
        item = self.selected()
        if item is None:
            detail.update(
                Text(
                    _("Nothing to follow up. Press a to add a ticket, complaint or other item.") if self.loaded else ""
                )
            )
            return
        full = self.detail_view if self.detail_view is not None and self.detail_view.id == item.id else None
        if full is None:
            self.load_detail(item.id)
        detail.update(self.detail_text(full or item))

    def detail_text(self, item: FollowUpView) -> Text:
        text = Text()
        text.append(f"#{item.id} ", style="bold")
        if item.complaint_number:
            text.append(f"{item.complaint_number} ", style="bold")
        text.append(safe(item.title), style="bold")
        facts = [label(KINDS, item.kind), label(STATUSES, item.status)]
        if item.urgency:
            urgency = self.config.followups.complaint_urgency.get(item.urgency)
            facts.append(str(urgency.label) if urgency else item.urgency)
        if item.complaint_type:
            kind = next((t for t in self.config.followups.complaint_types if t.key == item.complaint_type), None)
            facts.append(str(kind.label) if kind else item.complaint_type)
        if item.customer:
            facts.append(_("customer {customer}").format(customer=safe(item.customer)))
        if item.resolve_by:
            facts.append(_("resolve by {time}").format(time=local_time(item.resolve_by, self.config, "%m-%d %H:%M")))
        text.append("\n" + " · ".join(facts), style="dim")
        if item.details:
            text.append("\n" + safe(item.details))
        for entry in item.history or []:
            text.append(f"\n{local_time(entry.at, self.config, '%m-%d %H:%M')} ", style="dim")
            if entry.shown_text:
                text.append(labelled(entry.kind_label), style="bold")
                text.append(safe(entry.shown_text))
            else:
                text.append(entry.kind_label, style="bold")
        return text

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("chase", "note", "due", "waiting", "close_item"):
            return self.selected() is not None
        return True

    # -- acting ------------------------------------------------------------------------

    def action_add(self) -> None:
        self.app.push_screen(AddFollowUpScreen(), self._written)

    def action_note(self) -> None:
        self._ask(AskText(_("Note on follow-up #{id}"), _("Note")), followups.add_note)

    def action_chase(self) -> None:
        self._ask(
            AskText(_("Chase follow-up #{id}"), _("Who was chased and what they said (optional)"), required=False),
            followups.chase,
        )

    def action_close_item(self) -> None:
        self._ask(AskText(_("Close follow-up #{id}"), _("Resolution (required)")), followups.close_followup)

    def action_waiting(self) -> None:
        item = self.selected()
        if item is not None:
            status, db = (followups.OPEN if item.status == followups.WAITING else followups.WAITING), self.context.db
            self.run_io(lambda: followups.set_status(db, item.id, status), self._written)

    def action_due(self) -> None:
        item = self.selected()
        if item is not None:
            self.app.push_screen(ChangeDueScreen(item), self._written)

    def _ask(self, dialog: AskText, write) -> None:  # type: ignore[no-untyped-def]
        item = self.selected()
        if item is None:
            return
        dialog.title_text = dialog.title_text.format(id=item.id)

        def done(text: str | None) -> None:
            if text is not None:
                db = self.context.db
                self.run_io(lambda: write(db, item.id, text), self._written)

        self.app.push_screen(dialog, done)

    def _written(self, view: FollowUpView | None) -> None:
        if view is None:
            return
        self.detail_view = view
        if view.status == followups.CLOSED:
            self.notify(_("Follow-up #{id} closed").format(id=view.id))
        self.load(select=view.id)


class AddFollowUpScreen(Dialog[FollowUpView]):
    """Every field on one line each; Enter moves on, Enter on the last field (or Ctrl+S) saves."""

    DEFAULT_CSS = """
    AddFollowUpScreen .field { height: 1; margin-top: 1; }
    AddFollowUpScreen.-complaint .field { margin-top: 0; }
    AddFollowUpScreen .field-label { width: 16; text-style: bold; }
    AddFollowUpScreen .field Input { width: 1fr; }
    AddFollowUpScreen .field Select { width: 1fr; }
    AddFollowUpScreen .complaint-only { display: none; }
    AddFollowUpScreen.-complaint .complaint-only { display: block; }
    """
    BINDINGS = [Binding("ctrl+s", "save", N_("Save"), priority=True)]
    TYPING_TARGET = "#title"

    def compose(self) -> ComposeResult:
        config = self.context.config
        with Vertical(classes="dialog dialog-wide") as box:
            box.border_title = _("Add a follow-up")
            yield from self.field(
                _("Kind"),
                choice([(label(KINDS, key), key) for key in KINDS], "ticket", "kind"),
            )
            yield from self.field(_("Title"), TextField(id="title", compact=True))
            yield from self.field(_("Details"), TextField(id="details", compact=True))
            yield from self.field(
                _("Customer"), TextField(id="customer", compact=True, placeholder=_("name, phone, account"))
            )
            yield from self.field(_("Owner dept."), TextField(id="owner", compact=True))
            yield from self.field(
                _("Priority"),
                choice([(label(PRIORITIES, key), key) for key in PRIORITIES], "normal", "priority"),
            )
            yield from self.field(
                _("Due"),
                TextField(id="due", compact=True, placeholder=_("+30m, +2h, +1d, 2026-11-26T14:00 · empty: by kind")),
            )
            yield from self.field(
                _("Urgency"),
                choice(
                    [(str(u.label), key) for key, u in config.followups.complaint_urgency.items()], "general", "urgency"
                ),
                complaint=True,
            )
            yield from self.field(
                _("Complaint type"),
                Select(
                    [(str(t.label), t.key) for t in config.followups.complaint_types],
                    id="complaint-type",
                    compact=True,
                    prompt=_("Choose"),
                ),
                complaint=True,
            )
            yield Static(_("Enter: next field · Ctrl+S: save · Escape: cancel"), classes="dialog-keys", markup=False)

    def field(self, title: str, widget: Input | Select, complaint: bool = False) -> ComposeResult:  # type: ignore[type-arg]
        with Horizontal(classes="field complaint-only" if complaint else "field"):
            yield Static(title, classes="field-label", markup=False)
            yield widget

    @on(Select.Changed, "#kind")
    def kind_changed(self, event: Select.Changed) -> None:
        self.set_class(event.value == "complaint", "-complaint")

    @on(Input.Submitted)
    def next_or_save(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "due" and not self.has_class("-complaint"):
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        values = {field.id: field.value for field in self.query(Input)}
        kind = str(self.query_one("#kind", Select).value)
        complaint = kind == "complaint"
        complaint_type = self.query_one("#complaint-type", Select).value

        def add() -> FollowUpView:
            config, now = self.context.config, clock.utcnow()
            due = followups.parse_due(values["due"], config, now) if values["due"].strip() else None
            if due is not None and due < now:
                self.app.call_from_thread(
                    self.notify, _("the due time is already past: saved as overdue"), severity="warning"
                )
            return followups.add_followup(
                self.context.db,
                config,
                values["title"],
                kind,
                details=values["details"],
                customer=values["customer"],
                owner=values["owner"],
                priority=str(self.query_one("#priority", Select).value),
                due=due,
                urgency=str(self.query_one("#urgency", Select).value) if complaint else None,
                complaint_type=str(complaint_type) if complaint and complaint_type != Select.NULL else None,
                now=now,
            )

        self.run_io(add, self.dismiss)


class ChangeDueScreen(Dialog[FollowUpView]):
    """A new due time and the reason for it; both required."""

    TYPING_TARGET = "#new-due"

    def __init__(self, item: FollowUpView) -> None:
        super().__init__()
        self.item = item

    def compose(self) -> ComposeResult:
        config = self.context.config
        with Vertical(classes="dialog") as box:
            box.border_title = _("Change the due time of #{id}").format(id=self.item.id)
            yield Static(
                Text(_("Now due {time}").format(time=local_time(self.item.due_at, config, "%Y-%m-%d %H:%M"))),
                classes="dialog-help",
            )
            yield Label(_("New due time"), markup=False)
            yield TextField(id="new-due", compact=True, placeholder=_("+30m, +2h, +1d, 2026-11-26T14:00"))
            yield Label(_("Reason (required)"), markup=False)
            yield TextField(id="reason", compact=True)
            yield Static(_("Enter: next field, then save · Escape: cancel"), classes="dialog-keys", markup=False)

    @on(Input.Submitted)
    def next_or_save(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id != "reason":
            self.focus_next()
            return
        due_text, reason = self.query_one("#new-due", Input).value, event.value

        def change() -> FollowUpView:
            config = self.context.config
            return followups.change_due(
                self.context.db, config, self.item.id, followups.parse_due(due_text, config), reason
            )

        self.run_io(change, self.dismiss)


def choice(options: list[tuple[str, str]], value: str, widget_id: str) -> Select[str]:
    """A compact list with one option always chosen (the dialog's kinds, priorities, urgencies)."""
    return Select(options, value=value, allow_blank=False, id=widget_id, compact=True)
