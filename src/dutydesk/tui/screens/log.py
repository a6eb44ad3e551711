"""The duty log of the current shift: read it, add to it, search it, correct it.

The screen is thin: it calls `dutydesk.domain.log` in thread workers and shows the plain
`LogEntryView`s it gets back. The entry line has the focus whenever a shift is open, so
what is typed on this screen is an entry, never a hotkey (Escape leaves the line for the
table, where the letter keys work). Entries typed ahead are written one after another, in
the order typed, each committed before its row appears. Long shifts are read a page at a time.
"""

from collections import deque
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label, Static

from dutydesk.domain.views import SEVERITIES, LogEntryView, NewEntry, ShiftInfo
from dutydesk.i18n import N_, _
from dutydesk.tui import rows
from dutydesk.tui.bindings import translate_bindings
from dutydesk.tui.screens.base import DeskScreen
from dutydesk.tui.widgets.fields import EntryLine
from dutydesk.tui.widgets.footer import DeskFooter
from dutydesk.tui.widgets.header import DutyHeader, TitleBar

if TYPE_CHECKING:
    from dutydesk.context import Context
    from dutydesk.domain.log import SearchHit

PAGE_SIZE = 200
SEVERITY_ORDER = list(SEVERITIES)

Spans = list[tuple[int, int]] | None


class QuickAdd(EntryLine):
    """The one-line entry field; while it has focus the footer shows F2 and F3."""

    BINDINGS = [
        Binding("f2", "screen.cycle_category", N_("Category")),
        Binding("f3", "screen.cycle_severity", N_("Severity")),
        Binding("escape", "screen.back", N_("Done")),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        translate_bindings(self)


class LogScreen(DeskScreen):
    BINDINGS = [
        Binding("a", "add", N_("Add")),
        Binding("slash", "search", N_("Search"), key_display="/"),
        Binding("c", "correct", N_("Correct")),
        Binding("r", "resolve", N_("Resolve")),
        Binding("m", "older", N_("Older")),
        Binding("o", "open_shift", N_("Open shift")),
        Binding("f2", "cycle_category", N_("Category"), show=False),
        Binding("f3", "cycle_severity", N_("Severity"), show=False),
        Binding("escape", "back", N_("Back"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="log")
        self.unsaved: deque[NewEntry] = deque()  # typed and submitted, not yet written
        self.left_for_another_screen = False
        self.writing = False  # one write at a time, so entries are stored in the order typed
        self.entries: list[LogEntryView] = []  # the shift's loaded pages, newest first
        self.total = 0  # entries in the shift
        self.query_text: str | None = None  # set while search results are shown
        self.hits: list[SearchHit] = []
        self.category_index = 0
        self.severity_index = 0
        self.laid_out_width = 0  # the screen width the table's columns were fitted to
        self.column_specs: list[rows.ColumnSpec] = []  # the table's columns, as last laid out
        self.writes_shown = 0  # batches of entries written here and shown: a read from before one is stale

    # -- widgets -----------------------------------------------------------------------

    @property
    def shift(self) -> ShiftInfo | None:
        return self.app.shift

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#log-table", DataTable)

    @property
    def quick_add(self) -> Input:
        return self.query_one("#quick-add", Input)

    @property
    def search_input(self) -> Input:
        return self.query_one("#search", Input)

    @property
    def status(self) -> Static:
        return self.query_one("#log-status", Static)

    @property
    def detail(self) -> Static:
        return self.query_one("#log-detail", Static)

    def compose(self) -> ComposeResult:
        yield DutyHeader()
        yield TitleBar(_("Duty log"), "log")
        yield DataTable(id="log-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="log-detail")
        with Horizontal(id="search-bar"):
            yield Label(_("Search"), id="search-label", markup=False)
            yield Input(
                id="search",
                compact=True,
                placeholder=_("words to find in the log of every shift · Enter: search · Escape: back"),
            )
        with Horizontal(id="quick-add-bar"):
            yield Static(id="entry-kind")
            yield QuickAdd(id="quick-add", compact=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "shift", self._shift_changed, init=False)
        self.show_kind()
        page = self.context.first_page
        if page is not None and page.shift == self.shift:  # read before the database was opened
            self.entries, self.total = list(page.entries), page.total
            # The first frame holds the rows a terminal this high can show, the rest follow right
            # after it: laying out and measuring a whole page of rows would delay it. Scheduled
            # through the app: the screen's own after-refresh callbacks run inside Textual's
            # start-up batch, before anything is written to the terminal.
            self.show_rows(first_rows=self.app.size.height)
            self.app.call_after_refresh(self.show_rest)
        self.focus_entry_line()

    def on_screen_suspend(self) -> None:
        # Left for another main screen, not for a dialog over this one (the mode stays "log").
        self.left_for_another_screen = self.app.current_mode != "log"

    def on_screen_resume(self) -> None:
        # Also the first showing. Other screens write to the log too (incidents started and
        # closed), so coming back reads the entries again, as many as were loaded.
        self.follow_database(always=True)
        if self.left_for_another_screen and not self.has_class("-searching"):
            self.focus_entry_line()  # back from another screen, typing is an entry again, never a hotkey
        self.left_for_another_screen = False

    def focus_entry_line(self) -> None:
        # At once, not deferred like `focus()`: keys typed next belong to the entry.
        self.set_focus(self.table if self.quick_add.disabled else self.quick_add)

    def on_resize(self, event: events.Resize) -> None:
        # The columns are fitted to the width: lay the rows out again only when it changed.
        if event.size.width != self.laid_out_width:
            self.call_after_refresh(self._fit_to_width)

    def _fit_to_width(self) -> None:
        if self.size.width != self.laid_out_width:  # the rows read meanwhile were laid out at this width
            self.show_rows()

    # -- reading -----------------------------------------------------------------------

    def _shift_changed(self, shift: ShiftInfo | None) -> None:
        self.leave_search()
        self.entries, self.total = [], 0
        self.show_kind()
        self.show_rows()
        self.reload()
        if self.is_current:
            self.focus_entry_line()

    def reload(self) -> None:
        """Read the newest page again, as many rows as are loaded (the search results too)."""
        shift, keep, query, context = self.shift, len(self.entries), self.query_text, self.context
        writes = self.writes_shown

        def read() -> "tuple[int, ShiftInfo | None, list[LogEntryView], int, list[SearchHit] | None]":
            if shift is None:
                return writes, None, [], 0, None
            db = context.db  # first: at start-up, it waits for the first frame (see DutydeskApp.open_database)
            from dutydesk.domain import log  # the storage stack, once the database is open
            from dutydesk.domain.log import LogFilter

            page = log.list_entries(db, LogFilter(shift_id=shift.id), limit=max(PAGE_SIZE, keep))
            hits = log.search(db, query) if query is not None else None
            return writes, shift, page, log.count_entries(db, LogFilter(shift_id=shift.id)), hits

        self.run_io(read, self._read, group="log-read", exclusive=True)

    def _read(self, result: "tuple[int, ShiftInfo | None, list[LogEntryView], int, list[SearchHit] | None]") -> None:
        writes, shift, entries, total, hits = result
        if shift != self.shift:
            return  # read for a shift no longer shown
        if writes != self.writes_shown:
            # Read while entries typed here were being written: it may not hold them, and shown it
            # would take their rows off the screen until the next change. Read again instead.
            self.reload()
            return
        self.entries, self.total = entries, total
        if hits is not None and self.query_text is not None:
            self.hits = hits
        self.show_rows()

    def action_older(self) -> None:
        shift = self.shift
        if shift is None or self.query_text is not None:
            return
        offset, context = len(self.entries), self.context

        def read() -> list[LogEntryView]:
            db = context.db
            from dutydesk.domain.log import LogFilter, list_entries

            return list_entries(db, LogFilter(shift_id=shift.id), limit=PAGE_SIZE, offset=offset)

        self.run_io(read, self._older_read, group="log-read")

    def _older_read(self, older: list[LogEntryView]) -> None:
        known = {entry.id for entry in self.entries}
        self.entries.extend(entry for entry in older if entry.id not in known)
        self.show_rows()

    # -- showing -----------------------------------------------------------------------

    def shown(self) -> list[tuple[LogEntryView, Spans]]:
        if self.query_text is not None:
            return [(hit.entry, hit.spans) for hit in self.hits]
        return [(entry, None) for entry in self.entries]

    def show_rows(self, select: int | None = None, *, first_rows: int | None = None) -> None:
        """Fill the table from what is loaded; keep the cursor on the same entry (or `select`).
        With `first_rows`, only so many rows: `show_rest` adds the others."""
        table = self.table
        items = self.shown()
        chosen = select if select is not None else self.selected_id()
        # Before the first layout (the first page, shown on mount) the screen will be the terminal's width.
        self.laid_out_width = self.size.width or self.app.size.width
        specs = rows.columns(
            self.config,
            [entry for entry, _spans in items],
            table.size.width or self.laid_out_width,
            show_shift=self.query_text is not None,
        )
        table.clear(columns=True)
        for spec in specs:
            table.add_column(spec.title, width=spec.width, key=spec.key)
        self.column_specs = specs
        in_table = items[:first_rows]
        self.add_rows(in_table)
        ids = [entry.id for entry, _spans in in_table]
        if chosen in ids:
            table.move_cursor(row=ids.index(chosen), animate=False)
        self.show_status()
        self.show_detail()
        self.refresh_bindings()

    def add_rows(self, items: list[tuple[LogEntryView, Spans]]) -> None:
        table, specs = self.table, self.column_specs
        for entry, spans in items:
            table.add_row(*rows.cells(entry, self.config, specs, spans), key=str(entry.id))

    def show_rest(self) -> None:
        """The rows `show_rows(first_rows=…)` left out, in their order (none if the table was
        filled again meanwhile: the table always holds the first rows of `shown()`)."""
        self.add_rows(self.shown()[self.table.row_count :])

    def show_status(self) -> None:
        if self.query_text is not None:
            count = len(self.hits)
            if count == 1:
                line = _("1 result for '{query}'").format(query=self.query_text)
            else:
                line = _("{count} results for '{query}'").format(count=count, query=self.query_text)
            from dutydesk.domain.log import SEARCH_LIMIT  # imported by the search that found them

            if count >= SEARCH_LIMIT:
                line += " · " + _("the best {limit} are shown").format(limit=SEARCH_LIMIT)
            line += " · " + _("Escape: back to the shift")
        elif self.shift is None:
            line = _("No shift is open: press o to open one")
        else:
            if self.total == 1:
                line = _("1 entry in shift #{id}").format(id=self.shift.id)
            else:
                line = _("{count} entries in shift #{id}").format(count=self.total, id=self.shift.id)
            if len(self.entries) < self.total:
                line += " · " + _("showing the newest {shown}, m: older").format(shown=len(self.entries))
        self.status.update(Text(line))

    def show_detail(self) -> None:
        entry_id = self.selected_id()
        for entry, spans in self.shown():
            if entry.id == entry_id:
                self.detail.update(rows.detail(entry, self.config, spans))
                return
        if self.query_text is not None:
            self.detail.update(Text(_("Nothing found. Escape: back to the shift")))
        elif self.shift is None:
            self.detail.update(Text(_("No shift is open. Press o to open one.")))
        else:
            self.detail.update(Text(_("No entries yet: type one below and press Enter.")))

    def show_kind(self) -> None:
        category = self.config.log.categories[self.category_index]
        severity = SEVERITY_ORDER[self.severity_index]
        kind = Text("[", style="bold")
        kind.append(str(category.label))
        kind.append(" · ")
        kind.append(rows.severity_text(severity, aligned=False))
        kind.append("]")
        kind.stylize("bold")
        self.query_one("#entry-kind", Static).update(kind)
        field = self.quick_add
        field.disabled = self.shift is None
        field.placeholder = (
            _("No shift is open: press o to open one, then type here")
            if self.shift is None
            else _("type a log entry, Enter: add · F2: category · F3: severity")
        )

    def selected_id(self) -> int | None:
        table = self.table
        if table.row_count == 0:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(row_key.value) if row_key.value is not None else None

    def selected(self) -> LogEntryView | None:
        entry_id = self.selected_id()
        return next((entry for entry, _spans in self.shown() if entry.id == entry_id), None)

    @on(DataTable.RowHighlighted, "#log-table")
    def _row_highlighted(self) -> None:
        self.show_detail()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "search" and isinstance(self.focused, Input):
            return False  # "/" is typed into the field, not run
        if action == "open_shift":
            return self.shift is None
        if action == "older":
            return self.query_text is None and len(self.entries) < self.total
        if action in ("add", "cycle_category", "cycle_severity"):
            return self.shift is not None
        if action == "correct":
            return self.table.row_count > 0
        if action == "resolve":
            return self.table.row_count > 0 and self.shift is not None
        return True

    # -- adding ------------------------------------------------------------------------

    def action_add(self) -> None:
        if self.query_text is not None:
            self.leave_search()
        self.focus_entry_line()

    def action_cycle_category(self) -> None:
        self.category_index = (self.category_index + 1) % len(self.config.log.categories)
        self.show_kind()

    def action_cycle_severity(self) -> None:
        self.severity_index = (self.severity_index + 1) % len(SEVERITY_ORDER)
        self.show_kind()

    @on(Input.Submitted, "#quick-add")
    def add_entry(self, event: Input.Submitted) -> None:
        event.stop()
        if self.shift is None:
            self.notify(_("No shift is open: press o to open one"), severity="warning")
            return
        if not event.value.strip():
            self.notify(_("type the entry first"), severity="warning", timeout=3)
            return
        self.queue_entries([event.value])

    @on(EntryLine.LinesPasted, "#quick-add")
    def ask_before_adding_lines(self, event: EntryLine.LinesPasted) -> None:
        from dutydesk.tui.screens.dialogs import Confirm  # the dialogs are imported when first needed

        event.stop()
        lines = event.lines

        def answered(add_them: bool | None) -> None:
            if add_them:
                self.queue_entries(lines)
            else:  # kept for editing, as one line
                field = self.quick_add
                joined = " ".join(line.strip() for line in lines)
                field.insert_text_at_cursor(joined if not field.value.strip() else " " + joined)

        question = _("Add {count} entries, one per pasted line?").format(count=len(lines))
        self.app.push_screen(Confirm(question, lines), answered)

    def queue_entries(self, texts: list[str]) -> None:
        """Write these entries after any still being written, with the chosen category and severity."""
        category = self.config.log.categories[self.category_index].key
        severity = SEVERITY_ORDER[self.severity_index]
        self.unsaved.extend(NewEntry(text, category, severity) for text in texts)
        self.category_index = self.severity_index = 0
        self.show_kind()
        self.write_next()

    def write_next(self) -> None:
        """Write every entry waiting, in one transaction: typed ahead on a loaded machine, twenty
        entries cost one commit, not twenty."""
        shift = self.shift
        if self.writing or not self.unsaved or shift is None:
            return
        self.writing = True
        batch, context = list(self.unsaved), self.context

        def write() -> list[LogEntryView]:
            db = context.db  # first: typed before the database was open, it waits for it here
            from dutydesk.domain.log import add_entries
            from dutydesk.domain.shifts import get_shift

            # The shift may have been closed from another console since it was read.
            current = get_shift(db, shift.id)
            return add_entries(db, context.config, current, batch)

        # Typing goes on in the emptied line while entries are written: entries typed ahead
        # are written together, in one transaction (one commit, one redraw, not one each).
        self.run_io(write, self._entries_written, group="log-write", failed=self._entry_refused, typing_waits=False)

    def _entries_written(self, written: list[LogEntryView]) -> None:
        for _entry in written:
            self.unsaved.popleft()
        self.writing = False
        self.writes_shown += 1
        self.leave_search(show=False)
        self.entries[:0] = reversed(written)
        self.total += len(written)
        self.show_rows(select=written[-1].id)
        self.write_next()

    def _entry_refused(self) -> None:
        """Nothing typed is lost: the entries not written go back into the line, to edit or retry."""
        texts = [new.text for new in self.unsaved]
        self.unsaved.clear()
        self.writing = False
        field = self.quick_add
        field.value = " ".join([*texts, field.value]).strip()

    # -- searching ---------------------------------------------------------------------

    def action_search(self) -> None:
        self.add_class("-searching")
        self.search_input.focus()

    @on(Input.Submitted, "#search")
    def run_search(self, event: Input.Submitted) -> None:
        event.stop()
        query, context = event.value.strip(), self.context

        def find() -> "tuple[str, list[SearchHit]]":
            db = context.db
            from dutydesk.domain.log import search

            return query, search(db, query)

        self.run_io(find, self._found, group="log-read", exclusive=True)

    def _found(self, found: "tuple[str, list[SearchHit]]") -> None:
        query, hits = found
        self.query_text, self.hits = query, hits
        self.show_rows(select=hits[0].entry.id if hits else None)
        self.table.focus()

    def leave_search(self, show: bool = True) -> None:
        self.remove_class("-searching")
        was_searching = self.query_text is not None
        self.query_text, self.hits = None, []
        if show and was_searching:
            self.show_rows()

    def action_back(self) -> None:
        if self.query_text is not None or self.has_class("-searching"):
            self.leave_search()
            self.table.focus()
        elif self.focused is self.quick_add:
            self.set_focus(self.table)

    # -- correcting --------------------------------------------------------------------

    def action_correct(self) -> None:
        entry = self.selected()
        if entry is None:
            self.notify(_("select an entry first"), severity="warning")
            return
        if entry.superseded_by is not None:
            self.notify(
                _("entry #{id} was already corrected by #{newer}: correct that one").format(
                    id=entry.id, newer=entry.superseded_by
                ),
                severity="warning",
            )
            return
        from dutydesk.tui.screens.dialogs import CorrectEntryScreen

        self.app.push_screen(CorrectEntryScreen(entry), self._corrected)

    def _corrected(self, saved: LogEntryView | None) -> None:
        if saved is None:
            return
        self.entries.insert(0, saved)
        self.total += 1
        self.show_rows(select=saved.id)
        self.reload()  # the corrected entry now shows it was superseded
        self.notify(_("entry #{id} corrected by #{new}").format(id=saved.supersedes, new=saved.id))

    def action_resolve(self) -> None:
        """r: the selected entry's problem is over; the resolving note becomes a new entry."""
        entry, shift = self.selected(), self.shift
        if entry is None or shift is None:
            self.notify(_("select an entry first"), severity="warning")
            return

        def save(context: "Context", note: str) -> LogEntryView:
            from dutydesk.domain import threads

            return threads.resolve(context.db, context.config, shift, entry.id, note)

        from dutydesk.tui.screens.note_dialog import NoteDialog

        about = Text(entry.text)
        self.app.push_screen(
            NoteDialog(_("Resolve the problem of #{id}").format(id=entry.id), about, save, _("what put it right")),
            self._resolved,
        )

    def _resolved(self, saved: LogEntryView | None) -> None:
        if saved is not None:
            self.reload()
            self.notify(_("resolved: logged #{id}").format(id=saved.id))

    # -- shift -------------------------------------------------------------------------

    def action_open_shift(self) -> None:
        self.app.action_open_shift()
