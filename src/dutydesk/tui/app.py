"""The dutydesk application: five main screens on number keys, the shift at the top.

`make_app(context)` builds it for the CLI and the tests alike. The app holds the one
piece of state every screen shows, the open shift (`DutydeskApp.shift`); screens watch
it. On a first run it guides the user: add a supervisor, then open a shift.
"""

from collections.abc import Iterable
from typing import ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.reactive import reactive
from textual.screen import Screen

from dutydesk.context import Context
from dutydesk.domain import shifts, supervisors
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.domain.supervisors import SupervisorInfo
from dutydesk.errors import UserError
from dutydesk.i18n import N_, _
from dutydesk.queue.runner import FeedRunner, chosen_feed, open_feed
from dutydesk.tui.bindings import translate_bindings
from dutydesk.tui.notices import NoticeService
from dutydesk.tui.queue_feed import QueueFeedService
from dutydesk.tui.report import attempt
from dutydesk.tui.screens.dialogs import AddSupervisorScreen, OpenShiftScreen
from dutydesk.tui.screens.followups import FollowUpsScreen
from dutydesk.tui.screens.handover import HandoverScreen
from dutydesk.tui.screens.log import LogScreen
from dutydesk.tui.screens.playbooks import PlaybooksScreen
from dutydesk.tui.screens.queue import QueueScreen
from dutydesk.tui.textual_texts import LocalizedCommandPalette, key_display, translated_system_commands

# mode (= screen id), number key, footer label, screen class
MAIN_SCREENS = [
    ("log", "1", N_("Log"), LogScreen),
    ("handover", "2", N_("Handover"), HandoverScreen),
    ("queue", "3", N_("Queue"), QueueScreen),
    ("playbooks", "4", N_("Playbooks"), PlaybooksScreen),
    ("followups", "5", N_("Follow-ups"), FollowUpsScreen),
]


class DutydeskApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "dutydesk"
    MODES = {mode: screen for mode, _key, _label, screen in MAIN_SCREENS}
    DEFAULT_MODE = "log"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"switch_mode('{mode}')", label, id=f"screen.{mode}") for mode, key, label, _s in MAIN_SCREENS),
        Binding("e", "export", N_("Export"), id="export"),
        Binding("ctrl+q", "quit", N_("Quit"), show=False, priority=True),
        Binding("ctrl+p", "command_palette", N_("palette"), show=False, priority=True),  # Textual's, in our words
    ]

    shift: reactive[ShiftInfo | None] = reactive(None)
    """The open shift this console works in (None until one is opened)."""

    def __init__(self, context: Context, queue_feed: QueueFeedService | None = None) -> None:
        super().__init__()
        self.context = context
        self.queue_feed = queue_feed or QueueFeedService(None)  # runs while the app runs, on any screen
        self.notices = NoticeService(self, context)  # sends notices away from the console

    def on_load(self) -> None:
        # Before any screen is built: the language is chosen, the shift is known.
        translate_bindings(self)
        self.set_reactive(DutydeskApp.shift, self.find_open_shift())

    def find_open_shift(self) -> ShiftInfo | None:
        """The open shift of this console's team, else the only open shift, if any."""
        db = self.context.db
        try:
            return shifts.current_shift(db, home_team=self.context.config.center.team)
        except UserError:  # several teams have a shift open: the user opens or picks one
            return None

    def on_mount(self) -> None:
        self.queue_feed.start(self)
        self.notices.start()
        self.call_after_refresh(self.guided_start)

    def on_unmount(self) -> None:
        self.queue_feed.stop()
        self.notices.stop()

    # -- first run ---------------------------------------------------------------------

    def guided_start(self) -> None:
        if self.shift is not None:
            return
        people = attempt(self, lambda: supervisors.list_supervisors(self.context.db))
        if people == []:
            self.push_screen(AddSupervisorScreen(), self._supervisor_added)
        elif people:
            self.action_open_shift()

    def _supervisor_added(self, added: SupervisorInfo | None) -> None:
        if added is not None:
            self.notify(_("Supervisor {name} added").format(name=added.display_name))
            self.action_open_shift(added.name)

    def action_open_shift(self, supervisor: str | None = None) -> None:
        if self.shift is not None:
            self.notify(_("shift #{id} is already open").format(id=self.shift.id), severity="warning")
            return
        self.push_screen(OpenShiftScreen(supervisor), self._shift_opened)

    def _shift_opened(self, opened: ShiftInfo | None) -> None:
        if opened is not None:
            self.shift = opened
            self.notify(_("Shift #{id} is open").format(id=opened.id))

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
        from dutydesk.tui.screens.export import ExportScreen  # on demand: Markdown is slow to import

        if not isinstance(self.screen, ExportScreen):
            self.push_screen(ExportScreen(self.shift.id if self.shift else None))

    def _on_log(self, action: str) -> None:
        """Run a Log screen action from anywhere: switch to the Log screen first."""

        def run() -> None:
            screen = self.screen
            if isinstance(screen, LogScreen):
                getattr(screen, f"action_{action}")()

        self.switch_mode("log")
        self.call_after_refresh(run)


def make_app(context: Context, feed: str | None = None, runner: FeedRunner | None = None) -> DutydeskApp:
    """`feed`: the queue feed spec (sim, file:PATH, asterisk:PATH, http(s)://URL), default
    from config; or `runner`, a feed built by the caller (a test's own source)."""
    if runner is None and chosen_feed(context.config, feed):
        runner = open_feed(context.config, feed, context.db, shift=lambda: app.shift)
    app = DutydeskApp(context, QueueFeedService(runner))
    return app
