"""The dutydesk application: five main screens on number keys, the shift at the top.

`make_app(context)` builds it for the CLI and the tests alike. The app holds the state
every screen shows: the open shift (`DutydeskApp.shift`) and the status strip
(`DutydeskApp.desk_status`); screens watch them. One thread watches the database for
commits made anywhere (another console, the CLI, the feed thread): then the shift and
the strip are read again and the screen shown reloads, so nothing changes unseen.
On a first run it guides the user: add a supervisor, then open a shift.

A worker that fails is reported here, in one place (`report_failure`); an exception
nothing handled writes a crash report file and the app exits non-zero.
"""

import importlib
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input

from dutydesk import startup
from dutydesk.domain.views import ShiftInfo
from dutydesk.errors import UserError
from dutydesk.i18n import N_, _
from dutydesk.tui.bindings import translate_bindings, with_group
from dutydesk.tui.crash import write_crash_report
from dutydesk.tui.keygate import KeyGate
from dutydesk.tui.keys import read_escape_then_key, with_character
from dutydesk.tui.notices import NoticeService
from dutydesk.tui.queue_feed import QueueFeedService
from dutydesk.tui.screens.base import DeskIO, DeskScreen, take_typed_ahead, text_of_key
from dutydesk.tui.screens.log import LogScreen
from dutydesk.tui.textual_texts import LocalizedCommandPalette, key_display, translated_system_commands
from dutydesk.tui.widgets import footer

if TYPE_CHECKING:  # imported where used, after the first frame (the storage stack) or with a feed (the queue stack)
    from dutydesk.context import Context
    from dutydesk.domain.status import DeskStatus
    from dutydesk.domain.supervisors import SupervisorInfo
    from dutydesk.queue.runner import FeedRunner

STATUS_EVERY_S = 30.0


def shown_first_time(module: str, name: str) -> Callable[[], Screen[None]]:
    """A main screen whose module is imported when it is first shown, not before the first
    frame: the Log screen comes first, and the others bring Markdown, TextArea and the like."""

    def build() -> Screen[None]:
        screen: Screen[None] = getattr(importlib.import_module(f"dutydesk.tui.screens.{module}"), name)()
        return screen

    return build


# mode (= screen id), number key, footer label, screen class
MAIN_SCREENS: list[tuple[str, str, str, Callable[[], Screen[None]]]] = [
    ("log", "1", N_("Log"), LogScreen),
    ("handover", "2", N_("Handover"), shown_first_time("handover", "HandoverScreen")),
    ("queue", "3", N_("Queue"), shown_first_time("queue", "QueueScreen")),
    ("playbooks", "4", N_("Playbooks"), shown_first_time("playbooks", "PlaybooksScreen")),
    ("followups", "5", N_("Follow-ups"), shown_first_time("followups", "FollowUpsScreen")),
]


CHANGE_POLL_S = 0.5  # how often the database is asked whether anyone committed
PICKER_SHIFTS = 50  # the newest shifts offered for export


class DatabaseChanged(Message):
    """Someone committed to the database (this console included)."""


class DutydeskApp(DeskIO, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "dutydesk"
    MODES = {mode: screen for mode, _key, _label, screen in MAIN_SCREENS}
    DEFAULT_MODE = "log"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"switch_mode('{mode}')", label, id=f"screen.{mode}") for mode, key, label, _s in MAIN_SCREENS),
        Binding("e", "export", N_("Export"), id="export"),
        Binding("ctrl+q", "ask_quit", N_("Quit"), show=False, priority=True),
        Binding("ctrl+p", "command_palette", N_("palette"), show=False, priority=True),  # Textual's, in our words
    ]

    shift: reactive[ShiftInfo | None] = reactive(None)
    """The open shift this console works in (None until one is opened)."""
    desk_status: "reactive[DeskStatus | None]" = reactive(None)
    """What the status strip shows (None until first read)."""

    def __init__(self, context: "Context", queue_feed: QueueFeedService | None = None) -> None:
        super().__init__()
        self.desk_context = context
        self.queue_feed = queue_feed or QueueFeedService(None)  # runs while the app runs, on any screen
        self.notices = NoticeService(self, context)  # sends notices away from the console
        self.crash_report: Path | None = None  # written when an exception nobody handled stopped the app
        self._watching = threading.Event()  # set: the database watch stops
        read_escape_then_key()
        self.key_gate = KeyGate(self)
        self.data_generation = 0  # how many changes by others the database watch has seen

    @property
    def context(self) -> "Context":
        return self.desk_context

    def on_load(self) -> None:
        # Before any screen is built: the language is chosen, the shift is known.
        translate_bindings(self)
        page = self.context.first_page
        self.set_reactive(DutydeskApp.shift, page.shift if page is not None else self.find_open_shift())

    def on_resize(self, event: events.Resize) -> None:
        # Below this width the five screen keys would push the screen's own keys off the footer.
        group = Binding.Group(_("Screens"), compact=True) if event.size.width < footer.WIDE else None
        self._bindings = with_group(self._bindings, "screen.", group)
        self.refresh_bindings()

    def find_open_shift(self) -> ShiftInfo | None:
        """The open shift of this console's team, else the only open shift, if any."""
        db = self.context.db  # first, in a worker: the store's modules are imported once it is open
        from dutydesk.domain.shifts import console_shift

        return console_shift(db, self.context.config.center.team)

    def on_mount(self) -> None:
        self.queue_feed.start(self)
        self.notices.start()
        self.call_after_refresh(self.open_database)  # the first frame is drawn: the storage stack now
        self.call_after_refresh(self.read_status)  # the strip after the first frame: it needs more of the domain
        self.set_interval(STATUS_EVERY_S, self.read_status)  # deadlines come near with no write at all
        self.watch_database()
        self.call_after_refresh(self.guided_start)

    def open_database(self) -> None:
        """Import the storage stack and open the database, if the first frame was painted
        without them (`dutydesk.context.open_context_for_tui`); then start-up is over. Until
        then every worker that needs the database waits for it, and the UI takes keys as usual."""
        if self.context.db_is_open:
            startup.resume()
            return
        self.run_worker(self._open_database, thread=True, exit_on_error=False, group="open-database")

    def _open_database(self) -> None:
        try:
            self.context.open_database()
        except UserError as error:  # e.g. locked by a migration meanwhile: as if it had failed before the app
            self.call_from_thread(self.exit, return_code=1, message=str(error))
        finally:
            self.call_from_thread(startup.resume)

    def on_unmount(self) -> None:
        self._watching.set()
        self.queue_feed.stop()
        self.notices.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            event = with_character(event)  # Escape's partner (dutydesk.tui.keys) types as itself
        if self.key_gate.hold(event):
            return  # sent on in its turn, once the key before it is handled
        await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        """A key no widget took, before the bindings see it. Typed ahead, a key is sent to the
        widget focused when it arrives, but a key before it may have moved the focus into a
        field or opened a dialog by the time it is handled: text fields keep every character
        they get, so a character arriving here while one has the focus (or a dialog that
        takes typing is open) is text typed ahead, not a hotkey."""
        character = text_of_key(event)
        if character is not None and take_typed_ahead(self.screen, character):
            event.stop()
            event.prevent_default()  # not App._on_key: no binding runs for it

    # -- errors ------------------------------------------------------------------------

    def report_failure(self, error: BaseException) -> None:
        """The one place a failed worker is reported: one line, in the user's language."""
        if isinstance(error, UserError):
            self.notify(str(error), severity="error", timeout=10)
            return
        path = write_crash_report(error)
        self.notify(
            _("unexpected error ({kind}); the details are in {path}").format(kind=type(error).__name__, path=path),
            severity="error",
            timeout=20,
        )

    def _handle_exception(self, error: Exception) -> None:
        # Textual would print a long traceback on exit: the report file has it instead,
        # and the CLI names the file in one line.
        self.crash_report = write_crash_report(error)
        super()._handle_exception(error)
        self._exit_renderables.clear()

    # -- following the database ----------------------------------------------------------

    def watch_database(self) -> None:
        """Start the thread that asks the database, twice a second, whether anyone committed.

        A plain daemon thread, not a worker: it runs as long as the app, and workers are
        what screens (and tests) wait for to finish.
        """
        self._watching.clear()
        threading.Thread(target=self._watch, name="dutydesk-database-watch", daemon=True).start()

    def _watch(self) -> None:
        try:
            db = self.context.db  # first: at start-up, it waits for the first frame (see open_database)
            from dutydesk.domain.status import watch_changes

            with watch_changes(db) as watch:
                watch.changed()  # the starting point: what the screens are about to read
                # A sleep, not `Event.wait(timeout)`: a timed wait never returns under libfaketime
                # (the suite is run at a chosen wall-clock time with `faketime`).
                while not self._watching.is_set():
                    time.sleep(CHANGE_POLL_S)
                    if not self._watching.is_set() and watch.changed():
                        self.call_from_thread(self.post_message, DatabaseChanged())
        except UserError as error:  # the database went away: say so once, keep the console up
            self.call_from_thread(self.report_failure, error)

    @on(DatabaseChanged)
    def database_changed(self) -> None:
        self.run_io(self.find_open_shift, self._shift_read, group="shift-read", exclusive=True)
        self.read_status()
        self.data_generation += 1  # every main screen reads again when it is next shown
        shown = self.screen_stack  # empty while the console closes: a change seen then is no one's
        if shown and isinstance(shown[-1], DeskScreen):
            shown[-1].follow_database()

    def _shift_read(self, shift: ShiftInfo | None) -> None:
        if shift != self.shift:
            self.shift = shift  # e.g. a handover signed at another console: the new shift is shown

    def read_status(self) -> None:
        """The status strip, read in a worker; an hour before the shift ends the handover is
        drafted first (once), so the strip can say so."""
        context = self.context
        drill = self.queue_feed.is_drill  # its alerts are a drill's: the strip counts those

        def read() -> "DeskStatus":
            db = context.db  # first: the domain is imported once the database is open (see open_database)
            from dutydesk.domain.status import desk_status
            from dutydesk.export.draft import draft_if_due

            draft_if_due(db, context.config)
            return desk_status(db, context.config, drill=drill)

        self.run_io(read, self._status_read, group="status-read", exclusive=True)

    def _status_read(self, status: "DeskStatus") -> None:
        self.desk_status = status

    # -- first run ---------------------------------------------------------------------

    def guided_start(self) -> None:
        if self.shift is None:
            context = self.context

            def read() -> "list[SupervisorInfo]":
                db = context.db
                from dutydesk.domain.supervisors import list_supervisors

                return list_supervisors(db)

            self.run_io(read, self._guide)

    def _guide(self, people: "list[SupervisorInfo]") -> None:
        if self.shift is not None:
            return
        from dutydesk.tui.screens.dialogs import AddSupervisorScreen  # dialogs: after the first frame

        if not people:
            self.push_screen(AddSupervisorScreen(), self._supervisor_added)
        else:
            self.action_open_shift()

    def _supervisor_added(self, added: "SupervisorInfo | None") -> None:
        if added is not None:
            self.notify(_("Supervisor {name} added").format(name=added.display_name))
            self.action_open_shift(added.name)

    def action_open_shift(self, supervisor: str | None = None) -> None:
        if self.shift is not None:
            self.notify(_("shift #{id} is already open").format(id=self.shift.id), severity="warning")
            return
        from dutydesk.tui.screens.dialogs import OpenShiftScreen

        self.push_screen(OpenShiftScreen(supervisor), self._shift_opened)

    def _shift_opened(self, opened: ShiftInfo | None) -> None:
        if opened is not None:
            self.shift = opened
            self.notify(_("Shift #{id} is open").format(id=opened.id))

    def action_ask_quit(self) -> None:
        """Quit at once, unless a field holds text not saved yet: then ask first."""
        unsaved = [field for field in self.screen.query(Input) if field.value.strip() and not field.password]
        if not unsaved:
            self.exit()
            return
        from dutydesk.tui.screens.dialogs import Confirm

        question = _("Quit? The text typed in this field is not saved:")

        def answered(leave: bool | None) -> None:
            if leave:
                self.exit()

        self.push_screen(Confirm(question, [unsaved[0].value]), answered)

    # -- command palette ---------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:  # type: ignore[type-arg]
        for mode, _key, label, _screen in MAIN_SCREENS:
            yield SystemCommand(
                _(label),
                _("Show the {screen} screen").format(screen=_(label)),
                lambda mode=mode: self.switch_mode(mode),
            )
        yield SystemCommand(_("Add log entry"), _("Type a new entry in the duty log"), lambda: self._on_log("add"))
        yield SystemCommand(_("Search log"), _("Find words in the log of every shift"), lambda: self._on_log("search"))
        yield SystemCommand(_("Correct entry"), _("Correct the selected log entry"), lambda: self._on_log("correct"))
        yield SystemCommand(
            _("Load older entries"), _("Show the next page of the shift's log"), lambda: self._on_log("older")
        )
        if self.shift is None:
            yield SystemCommand(_("Open shift"), _("Open a shift for a supervisor and a team"), self.action_open_shift)
        yield SystemCommand(
            _("Export shift summary"), _("Preview the shift summary as Markdown and save it"), self.action_export
        )
        yield SystemCommand(_("Quit"), _("Leave dutydesk (everything is already saved)"), self.exit)
        yield from translated_system_commands(super().get_system_commands(screen))

    def action_command_palette(self) -> None:
        if self.use_command_palette and not any(isinstance(s, CommandPalette) for s in self.screen_stack):
            self.push_screen(LocalizedCommandPalette())

    def get_key_display(self, binding: Binding) -> str:
        return key_display(binding.key, super().get_key_display(binding))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        translate_bindings(event.widget)  # Textual's own widgets describe their keys in English

    def action_export(self) -> None:
        """Pick the shift (the open one highlighted, the one just handed over next to it), then preview it."""
        from dutydesk.tui.screens.export import ExportScreen, ShiftPicker  # on demand: Markdown is slow to import

        if isinstance(self.screen, ExportScreen | ShiftPicker):
            return
        current, context = (self.shift.id if self.shift else None), self.context

        def chosen(shift: ShiftInfo | None) -> None:
            if shift is not None:
                self.push_screen(ExportScreen(shift.id))

        def pick(found: list[ShiftInfo]) -> None:
            if not found:
                self.notify(_("no shift yet: open one with `dutydesk shift open --supervisor NAME`"), severity="error")
            else:
                self.push_screen(ShiftPicker(found, current), chosen)

        def read() -> list[ShiftInfo]:
            db = context.db
            from dutydesk.domain.shifts import list_shifts

            return list_shifts(db, PICKER_SHIFTS)

        self.run_io(read, pick, group="export-pick")

    def _on_log(self, action: str) -> None:
        """Run a Log screen action from anywhere: switch to the Log screen first."""

        def run() -> None:
            screen = self.screen
            if isinstance(screen, LogScreen):
                getattr(screen, f"action_{action}")()

        self.switch_mode("log")
        self.call_after_refresh(run)


def make_app(context: "Context", feed: str | None = None, runner: "FeedRunner | None" = None) -> DutydeskApp:
    """`feed`: the queue feed spec (sim, file:PATH, asterisk:PATH, http(s)://URL), default
    from config; or `runner`, a feed built by the caller (a test's own source)."""
    if runner is None and (feed or context.config.queue.feed):  # the queue stack only for a feed
        from dutydesk.queue.runner import chosen_feed, open_feed

        if chosen_feed(context.config, feed):
            context.open_database()  # the feed writes its alerts there from the start
            runner = open_feed(context.config, feed, context.db, shift=lambda: app.shift)
    app = DutydeskApp(context, QueueFeedService(runner))
    return app
