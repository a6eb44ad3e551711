"""The shift summary, previewed as rendered Markdown and saved to the export directory.

The summary is gathered and rendered in a thread worker (a long shift is thousands of
rows); `s` writes the whole summary under its readable name and shows the path.
"""

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, MarkdownViewer, Static
from textual.worker import Worker, WorkerState

from dutydesk.domain.shifts import ShiftInfo
from dutydesk.errors import UserError
from dutydesk.export import gather_summary, render_summary, save_to_export_dir
from dutydesk.export.markdown import shorten_tables
from dutydesk.i18n import N_, _
from dutydesk.tui.bindings import translate_bindings
from dutydesk.tui.report import attempt, database_reason
from dutydesk.tui.screens.base import DeskScreen
from dutydesk.tui.widgets.header import DutyHeader

# Textual lays out a Markdown table at a few ms per row: a 5,000-entry shift would take
# half a minute, so the preview shows each table's first rows and the file has them all.
PREVIEW_ROWS = 25


class ExportScreen(DeskScreen):
    DEFAULT_CSS = """
    #export-titlebar { height: 1; }
    #export-status { width: 1fr; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    #export-preview { height: 1fr; }
    """
    BINDINGS = [
        Binding("s", "save", N_("Save")),
        Binding("escape", "close", N_("Close")),
    ]

    def __init__(self, shift_id: int | None) -> None:
        super().__init__(id="export")
        translate_bindings(self)
        self.shift_id = shift_id  # None: the open or last closed shift
        self.shift: ShiftInfo | None = None  # the exported shift, once rendered
        self.text: str | None = None  # the Markdown shown, which `s` saves
        self.saved_path: Path | None = None
        self.save_when_ready = False  # `s` pressed before the summary was ready
        self.failure: str | None = None  # why the summary could not be prepared

    @property
    def status(self) -> Static:
        return self.query_one("#export-status", Static)

    @property
    def preview(self) -> MarkdownViewer:
        return self.query_one("#export-preview", MarkdownViewer)

    def compose(self) -> ComposeResult:
        yield DutyHeader()
        with Horizontal(id="export-titlebar"):
            yield Static(_("Shift summary"), classes="screen-title", markup=False)
            yield Static("│", classes="title-separator")
            yield Static(_("Preparing the summary…"), id="export-status", markup=False)
        yield MarkdownViewer(id="export-preview", show_table_of_contents=False, open_links=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.prepare()

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def prepare(self) -> None:
        summary = gather_summary(self.context.db, self.context.config, self.shift_id)
        text = render_summary(summary)
        preview = shorten_tables(text, PREVIEW_ROWS, "*" + _("… and {count} more rows in the saved file.") + "*")
        # mypy cannot solve `T | Awaitable[T]` for a coroutine function (it infers Awaitable[Never]).
        self.app.call_from_thread(self.show_summary, summary.shift, text, preview)  # type: ignore[arg-type]

    async def show_summary(self, shift: ShiftInfo, text: str, preview: str) -> None:
        self.shift, self.text = shift, text
        await self.preview.document.update(preview)
        self.status.update(
            _("Shift #{id} · s: save to {path}").format(id=shift.id, path=self.context.config.export.directory())
        )
        self.preview.focus()
        if self.save_when_ready:
            self.action_save()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, UserError):
            message = str(error)
        elif isinstance(error, SQLAlchemyError):
            message = _("database error: {reason}").format(reason=database_reason(error))
        else:
            message = _("the summary could not be prepared: {reason}").format(reason=error)
        self.failure = message
        self.status.update(message)
        self.notify(message, severity="error", timeout=10)

    def action_save(self) -> None:
        shift, text = self.shift, self.text
        if self.failure is not None:
            self.notify(self.failure, severity="error", timeout=10)
            return
        if shift is None or text is None:
            self.save_when_ready = True  # a quick `e` `s` still saves, once the summary is ready
            self.notify(_("Saving as soon as the summary is ready…"), timeout=3)
            return
        path = attempt(self, lambda: save_to_export_dir(self.context.db, self.context.config, shift, text))
        if path is not None:
            self.saved_path = path
            self.status.update(_("Saved to {path}").format(path=path))
            self.notify(_("Saved to {path}").format(path=path))

    def action_close(self) -> None:
        self.dismiss()
