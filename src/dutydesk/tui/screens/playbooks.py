"""The Playbooks screen (key 4): open incidents on top, then every playbook, a preview beside.

Enter on an open incident opens it; Enter (or s) on a playbook starts an incident from it.
Broken playbook files are listed with their reason and cannot be started. Files are read
again with r, after editing them.
"""

from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from dutydesk import clock
from dutydesk.domain import incidents, playbooks
from dutydesk.domain.incidents import IncidentView
from dutydesk.domain.playbooks import BrokenPlaybook, Playbook, PlaybookSet
from dutydesk.errors import UserError
from dutydesk.i18n import N_, _
from dutydesk.tui.rows import fit, local_time
from dutydesk.tui.screens.base import DeskScreen
from dutydesk.tui.screens.incident import (
    STATE_STYLE,
    IncidentScreen,
    StartIncidentScreen,
)
from dutydesk.tui.widgets.footer import DeskFooter
from dutydesk.tui.widgets.header import DutyHeader, TitleBar


@dataclass(frozen=True)
class Loaded:
    found: PlaybookSet
    running: list[IncidentView]


class PlaybooksScreen(DeskScreen):
    DEFAULT_CSS = """
    PlaybooksScreen #playbooks-body { height: 1fr; }
    PlaybooksScreen #playbooks-table { width: 1fr; }
    PlaybooksScreen #playbook-preview { width: 1fr; border-left: solid $primary; padding: 0 1; }
    """
    BINDINGS = [
        Binding("enter", "choose", N_("Open / start"), priority=True),
        Binding("s", "start", N_("Start incident")),
        Binding("r", "reload", N_("Reload files")),
    ]

    def __init__(self) -> None:
        super().__init__(id="playbooks")
        self.loaded: Loaded | None = None
        self.pending_key: str | None = None  # asked for by open_playbook before the files were read

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#playbooks-table", DataTable)

    def compose(self) -> ComposeResult:
        yield DutyHeader()
        yield TitleBar(_("Playbooks"), "playbooks")
        with Horizontal(id="playbooks-body"):
            yield DataTable(id="playbooks-table", cursor_type="row")
            with VerticalScroll(id="playbook-preview"):
                yield Static(id="playbook-preview-text")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.load()
        self.table.focus()

    def on_screen_resume(self) -> None:
        if self.loaded is not None:  # back from an incident: its progress changed
            self.load()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.show_rows)

    # -- reading -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="playbooks")
    def load(self) -> None:
        try:
            loaded = Loaded(playbooks.load_playbooks(), incidents.list_incidents(self.context.db, open_only=True))
        except UserError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.app.call_from_thread(self._loaded, loaded)

    def _loaded(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.show_rows()
        if self.pending_key is not None:
            key, self.pending_key = self.pending_key, None
            self.open_playbook(key)

    def open_playbook(self, key: str) -> None:
        """Select playbook `key` and offer to start an incident from it (the Queue screen's alerts)."""
        if self.loaded is None:
            self.pending_key = key
            return
        keys = [row.key.value for row in self.table.ordered_rows]
        if f"playbook:{key}" not in keys:
            self.notify(_("no playbook {key!r}").format(key=key), severity="error")
            return
        self.table.move_cursor(row=keys.index(f"playbook:{key}"), animate=False)
        self.action_start()

    def action_reload(self) -> None:
        self.load()
        self.notify(_("Playbook files read again"), timeout=2)

    # -- showing -----------------------------------------------------------------------

    def items(self) -> dict[str, IncidentView | Playbook | BrokenPlaybook]:
        if self.loaded is None:
            return {}
        items: dict[str, IncidentView | Playbook | BrokenPlaybook] = {}
        for incident in self.loaded.running:
            items[f"incident:{incident.number}"] = incident
        for playbook in self.loaded.found.ordered():
            items[f"playbook:{playbook.key}"] = playbook
        for index, broken in enumerate(self.loaded.found.broken):
            items[f"broken:{index}"] = broken
        return items

    def show_rows(self) -> None:
        table = self.table
        chosen = self.selected_key()
        table.clear(columns=True)
        width = max(30, (table.size.width or self.size.width // 2) - 4)
        table.add_column(_("Playbook"), width=width, key="name")
        for key, item in self.items().items():
            table.add_row(fit(self.row_text(item), width), key=key)
        keys = [row.key.value for row in table.ordered_rows]
        if chosen in keys:
            table.move_cursor(row=keys.index(chosen), animate=False)
        self.show_status()
        self.show_preview()
        self.refresh_bindings()

    def row_text(self, item: IncidentView | Playbook | BrokenPlaybook) -> Text:
        if isinstance(item, IncidentView):
            text = Text("▶ ", style="bold #ffaf00")
            text.append(f"#{item.number} {item.title}", style="bold")
            done = sum(1 for step in item.steps if step.done_at)
            late = sum(1 for step in item.steps if item.step_state(step, clock.utcnow(), self.config) == "red")
            text.append("  " + _("{done}/{total} done").format(done=done, total=len(item.steps)), style="dim")
            if late:
                text.append("  " + _("{count} late").format(count=late), style=STATE_STYLE["red"])
            return text
        if isinstance(item, BrokenPlaybook):
            text = Text("✖ ", style="bold #ff5f5f")
            text.append(item.key or item.path.name)
            text.append("  " + _("broken"), style="bold #ff5f5f")
            return text
        text = Text(f"  L{item.level} ", style="bold" if item.level == 1 else "")
        text.append(str(item.title))
        text.append("  " + playbooks.kind_label(item.kind), style="dim")
        return text

    def show_status(self) -> None:
        status = self.query_one("#playbooks-status", Static)
        if self.loaded is None:
            status.update(Text(_("reading the playbook files…")))
            return
        line = _("{count} playbooks").format(count=len(self.loaded.found.playbooks))
        if self.loaded.found.broken:
            line += " · " + _("{count} broken").format(count=len(self.loaded.found.broken))
        running = len(self.loaded.running)
        if running == 1:
            line += " · " + _("1 incident open")
        else:
            line += " · " + _("{count} incidents open").format(count=running)
        status.update(Text(line))

    def selected_key(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        value = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(value) if value is not None else None

    def selected(self) -> IncidentView | Playbook | BrokenPlaybook | None:
        key = self.selected_key()
        return self.items().get(key) if key else None

    @on(DataTable.RowHighlighted, "#playbooks-table")
    def _highlighted(self) -> None:
        self.show_preview()
        self.refresh_bindings()

    def show_preview(self) -> None:
        preview = self.query_one("#playbook-preview-text", Static)
        item = self.selected()
        if item is None:
            preview.update(Text(_("No playbooks found.") if self.loaded else ""))
        elif isinstance(item, BrokenPlaybook):
            text = Text(_("This playbook file cannot be used:") + "\n\n", style="bold #ff5f5f")
            text.append(item.reason)
            text.append(
                "\n\n" + _("Fix the file, then press r. `dutydesk playbook check` lists every error."), style="dim"
            )
            preview.update(text)
        elif isinstance(item, IncidentView):
            preview.update(self.incident_preview(item))
        else:
            preview.update(playbook_preview(item))

    def incident_preview(self, incident: IncidentView) -> Group:
        head = Text(f"#{incident.number} {incident.title}\n", style="bold")
        head.append(
            _("Started {time} · level {level}").format(
                time=local_time(incident.started_at, self.config), level=incident.level
            )
            + "\n"
        )
        now = clock.utcnow()
        steps = []
        for step in incident.steps:
            state = incident.step_state(step, now, self.config)
            mark = "✔" if step.done_at else "–" if step.skipped_at else "☐"
            line = Text(str(step.text), style="" if step.is_open else "dim")
            if step.due_at and state in ("due", "amber", "red"):
                line.append(f"  {incidents.countdown(step.due_at, now)}", style=STATE_STYLE[state])
            steps.append((Text(f"{mark} {step.n}.", style="" if step.is_open else "dim"), line))
        return Group(head, numbered_lines(steps), Text("\n" + _("Enter: open the incident"), style="dim"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return isinstance(self.selected(), Playbook)
        return True

    # -- acting ------------------------------------------------------------------------

    def action_choose(self) -> None:
        item = self.selected()
        if isinstance(item, IncidentView):
            self.app.push_screen(IncidentScreen(item.number))
        elif isinstance(item, Playbook):
            self.action_start()
        elif isinstance(item, BrokenPlaybook):
            self.notify(item.reason, severity="error")

    def action_start(self) -> None:
        item = self.selected()
        if isinstance(item, Playbook):
            self.app.push_screen(StartIncidentScreen(item), self._started)

    def _started(self, started: IncidentView | None) -> None:
        if started is None:
            return
        self.notify(_("Incident #{number} started").format(number=started.number))
        self.app.push_screen(IncidentScreen(started.number))


def playbook_preview(playbook: Playbook) -> Group:
    """The playbook as the preview pane shows it: facts, contacts, IVR, then the steps."""
    text = Text(str(playbook.title) + "\n", style="bold")
    minutes = int(playbook.respond_within.total_seconds() // 60)
    text.append(
        _("{kind} · level {level} · respond within {minutes} min").format(
            kind=playbooks.kind_label(playbook.kind), level=playbook.level, minutes=minutes
        )
        + "\n"
    )
    if playbook.trigger:
        text.append(_("When: {trigger}").format(trigger=playbook.trigger) + "\n")
    if playbook.origin != playbooks.SHIPPED:
        text.append(_("Your file: {path}").format(path=playbook.path) + "\n", style="dim")
    else:
        text.append(
            _("To change it, copy {file} to {folder} and edit the copy; then press r.").format(
                file=playbook.path.name, folder=playbooks.user_dir()
            )
            + "\n",
            style="dim",
        )
    steps = []
    for step in playbook.steps:
        line = Text(str(step.text))
        if step.within:
            line.append(
                "  " + _("within {minutes} min").format(minutes=int(step.within.total_seconds() // 60)), style="bold"
            )
        steps.append((Text(f"{step.n:>2}."), line))
    after = Text()
    if playbook.contacts:
        after.append("\n" + _("Escalate to") + "\n", style="bold")
        for contact in playbook.contacts:
            after.append(f"• {contact.role} {contact.name} ({contact.channel or '—'})\n")
    if playbook.ivr:
        after.append("\n" + _("IVR announcement") + "\n", style="bold")
        after.append(str(playbook.ivr) + "\n")
    return Group(text, numbered_lines(steps), after)


def numbered_lines(rows: list[tuple[Text, Text]]) -> Table:
    """Numbered lines whose text wraps under itself, not under its number: a Chinese step has
    no space to break at, and as one Text it would start on a line of its own."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")  # a long Chinese step folds, as plain text does
    for number, line in rows:
        grid.add_row(number, line)
    return grid
