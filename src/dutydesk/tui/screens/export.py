"""The shift summary, previewed as rendered Markdown and saved to the export directory.

The shift is chosen first (`ShiftPicker`: the open shift, the one just handed over, any
earlier one). The summary is gathered and rendered in a thread worker (a long shift is
thousands of rows); `s` writes the whole summary under its readable name and shows the path.
"""

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, MarkdownViewer, OptionList, Static
from textual.widgets.option_list import Option

from dutydesk.domain.shifts import ShiftInfo
from dutydesk.export import gather_summary, render_summary, save_to_export_dir
from dutydesk.export.markdown import shorten_tables
from dutydesk.i18n import N_, _
from dutydesk.textsafe import safe
from dutydesk.tui.rows import local_time, shift_summary
from dutydesk.tui.screens.base import DeskScreen, Dialog
from dutydesk.tui.widgets.header import DutyHeader, TitleBar

# Textual lays out a Markdown table at a few ms per row: a 5,000-entry shift would take
# half a minute, so the preview shows each table's first rows and the file has them all.
PREVIEW_ROWS = 25


class ShiftPicker(Dialog[ShiftInfo]):
    """Which shift to export: newest first (the open one, then the one just handed over), the current one highlighted."""

    AUTO_FOCUS = "#past-shifts"

    def __init__(self, shifts: list[ShiftInfo], current: int | None) -> None:
        super().__init__()
        self.shifts = shifts
        self.current = current

    def compose(self) -> ComposeResult:
        choices = OptionList(id="past-shifts")
        for shift in self.shifts:
            line = Text(local_time(shift.planned_start, self.config, "%Y-%m-%d  "))  # which day: shifts repeat
            line.append(safe(shift_summary(shift, self.config)))
            line.append("  " + shift.status_label(), style="dim")
            choices.add_option(Option(line, id=str(shift.id)))
        ids = [shift.id for shift in self.shifts]
        choices.highlighted = ids.index(self.current) if self.current in ids else 0
        with Vertical(classes="dialog dialog-wide") as box:
            box.border_title = _("Export the summary of which shift?")
            yield choices
            yield Static(_("↑↓ choose · Enter: preview · Escape: cancel"), classes="dialog-keys", markup=False)

    @on(OptionList.OptionSelected, "#past-shifts")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.shifts[event.option_index])


class ExportScreen(DeskScreen):
    DEFAULT_CSS = """
    #export-preview { height: 1fr; }
    """
    BINDINGS = [
        Binding("s", "save", N_("Save")),
        Binding("escape", "close", N_("Close")),
    ]

    def __init__(self, shift_id: int | None) -> None:
        super().__init__()  # no id: an earlier preview may still be on another mode's stack
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
        yield TitleBar(_("Shift summary"), "export", _("Preparing the summary…"))
        yield MarkdownViewer(id="export-preview", show_table_of_contents=False, open_links=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        db, config, shift_id = self.context.db, self.context.config, self.shift_id
        more = "*" + _("… and {count} more rows in the saved file.") + "*"

        def prepare() -> tuple[ShiftInfo, str, str]:
            summary = gather_summary(db, config, shift_id)
            text = render_summary(summary)
            return summary.shift, text, shorten_tables(text, PREVIEW_ROWS, more)

        self.run_io(prepare, self.show_summary, group="export", failed=self._not_prepared)

    def _not_prepared(self) -> None:
        self.failure = _("the summary could not be prepared")
        self.status.update(Text(self.failure))

    async def show_summary(self, prepared: tuple[ShiftInfo, str, str]) -> None:
        shift, text, preview = prepared
        self.shift, self.text = shift, text
        await self.preview.document.update(preview)
        self.status.update(
            _("Shift #{id} · s: save to {path}").format(id=shift.id, path=self.context.config.export.directory())
        )
        self.preview.focus()
        if self.save_when_ready:
            self.action_save()

    def action_save(self) -> None:
        shift, text = self.shift, self.text
        if self.failure is not None:
            self.notify(self.failure, severity="error", timeout=10)
            return
        if shift is None or text is None:
            self.save_when_ready = True  # a quick `e` `s` still saves, once the summary is ready
            self.notify(_("Saving as soon as the summary is ready…"), timeout=3)
            return
        db, config = self.context.db, self.context.config
        self.run_io(lambda: save_to_export_dir(db, config, shift, text), self._saved, group="export-save")

    def _saved(self, path: Path) -> None:
        self.saved_path = path
        self.status.update(Text(_("Saved to {path}").format(path=path)))
        self.notify(_("Saved to {path}").format(path=path))

    def action_close(self) -> None:
        self.dismiss()
