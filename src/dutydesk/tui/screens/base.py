"""What every screen and dialog of dutydesk shares: the typed app, translated bindings, one I/O path.

Database work never runs on the UI thread. A screen calls `self.run_io(read, show)`: `read()`
runs in a thread worker, `show(result)` runs back on the UI thread. A worker that fails is
reported in one place (`on_worker_state_changed` → `DutydeskApp.report_failure`): a
`UserError` (which includes `StorageError`) as a one-line notification in the user's
language, anything else as a crash report file the notification names. The caller's
`show` is simply not called, so a dialog stays open with everything typed in it.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from textual import events, getters
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker, WorkerState, get_current_worker

from dutydesk.config import Config
from dutydesk.context import Context
from dutydesk.i18n import N_
from dutydesk.tui.bindings import translate_bindings
from dutydesk.tui.keys import is_command

if TYPE_CHECKING:
    from textual.widgets import TextArea

    from dutydesk.tui.app import DutydeskApp

T = TypeVar("T")


class DeskNode(MessagePump):
    """Mixed into dutydesk's screens and widgets: `self.app` is typed as the DutydeskApp.

    Textual's `getters.app(DutydeskApp)` needs the class when this module is imported, and the
    app module imports the screens: it is declared for the type checker only.
    """

    if TYPE_CHECKING:
        app = getters.app(DutydeskApp)


def text_of_key(event: events.Key) -> str | None:
    """The character a key types, or None for a key that is no text (Ctrl/Alt held, arrows…)."""
    if not event.is_printable or event.character is None or is_command(event):
        return None
    return event.character


def typing_field(widget: Widget | None) -> "Input | TextArea | None":
    """`widget` if it is a field that takes typed text."""
    if isinstance(widget, Input):
        return widget
    from textual.widgets import TextArea  # not before the first frame: the Log screen has none

    if isinstance(widget, TextArea) and not widget.read_only:
        return widget
    return None


def insert_typed(field: "Input | TextArea", character: str) -> None:
    if isinstance(field, Input):
        field.insert_text_at_cursor(character)
    else:
        field.insert(character)


def take_typed_ahead(screen: Screen[Any], character: str) -> bool:
    """Where a character goes that no widget took (see `DutydeskApp.on_key`): into the field
    that has the focus now, or into the dialog's `TYPING_TARGET`. False: it is a hotkey."""
    if isinstance(screen, Dialog):
        return screen.take_typed(character)
    field = typing_field(screen.focused)
    if field is not None:
        insert_typed(field, character)
    return field is not None


class DeskIO(DeskNode):
    """Mixed into DeskScreen and Dialog: the app, its context, and `run_io`."""

    @property
    def context(self) -> Context:
        return self.app.context

    @property
    def config(self) -> Config:
        return self.context.config

    def run_io(
        self,
        read: Callable[[], T],
        show: Callable[[T], object],
        *,
        group: str = "io",
        exclusive: bool = False,
        failed: Callable[[], object] | None = None,
        typing_waits: bool = True,
    ) -> Worker[None]:
        """`read()` in a thread worker, then `show(result)` on the UI thread (unless cancelled).

        `exclusive=True` cancels the group's earlier reads: only the newest one is shown.
        `failed()` runs on the UI thread when `read()` raised, before the error is reported.
        Keys typed after the one that started the I/O wait for its result (it often moves the
        focus or closes a dialog), unless `typing_waits=False`.
        """

        app = self.app

        def job() -> None:
            try:
                result = read()
            except Exception:
                if failed is not None:
                    app.call_from_thread(failed)
                raise
            if not get_current_worker().is_cancelled:
                app.call_from_thread(show, result)

        run_worker = cast(Screen[Any], self).run_worker
        worker = run_worker(job, thread=True, exit_on_error=False, group=group, exclusive=exclusive, name=group)
        if typing_waits:
            app.key_gate.started(worker)
        return worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Only this node's own workers: a screen that is not a DeskIO reports its own.
        if (
            event.worker.node is cast(DOMNode, self)
            and event.state == WorkerState.ERROR
            and event.worker.error is not None
        ):
            event.stop()
            self.app.report_failure(event.worker.error)


class DeskScreen(DeskIO, Screen[None]):
    """A main screen. `reload()` is called when another process changed the database.

    Its `BINDINGS` describe keys with `N_()`; here they are translated, once the language is
    chosen: subclasses only declare them.
    """

    def __init__(self, id: str | None = None) -> None:  # noqa: A002 - Textual's own parameter name
        super().__init__(id=id)
        translate_bindings(self)
        self.read_generation = 0  # the app's `data_generation` this screen last followed

    def reload(self) -> None:
        """Read what the screen shows again; screens that show stored data override it."""

    def follow_database(self, *, always: bool = False) -> None:
        """Read again if the database changed (another console, the CLI) since this screen last
        followed it (or `always`): at once when it is shown, else when it is shown again."""
        if always or self.read_generation != self.app.data_generation:
            self.read_generation = self.app.data_generation
            self.reload()

    def on_screen_resume(self) -> None:
        # After a subclass's own handler (Textual calls each class's, the subclass's first):
        # one that read again already is up to date, and this reads nothing twice.
        self.follow_database()  # back from another screen or a dialog, while something changed


class Dialog(DeskIO, ModalScreen[T | None], Generic[T]):
    """A modal dialog that dismisses with its result, or `None` on Escape; its bindings translated.

    `TYPING_TARGET` is where typing goes (the field the hint names). It has the focus when
    the dialog opens (unless the dialog names another `AUTO_FOCUS`, e.g. a list to choose
    from), and a character that reaches the dialog itself (typed before the focus landed,
    or while a list has it) is put into that field, so no character is lost.
    """

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]
    TYPING_TARGET: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.TYPING_TARGET is not None and "AUTO_FOCUS" not in cls.__dict__:
            cls.AUTO_FOCUS = cls.TYPING_TARGET

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.typed_before_compose = ""

    def action_cancel(self) -> None:
        self.dismiss(None)

    def take_typed(self, character: str) -> bool:
        """Put a character that reached the dialog unhandled where the cursor is now, else into
        `TYPING_TARGET` (text fields keep every printable key they get, so it came from a list,
        a button, or the screen below: typed ahead of a focus change)."""
        field = typing_field(self.focused)
        if field is None and self.TYPING_TARGET is not None:
            try:
                field = typing_field(self.query_one(self.TYPING_TARGET))
            except NoMatches:  # typed before the dialog was composed: kept for its first frame
                self.typed_before_compose += character
                return True
        if field is None:
            return False
        self.set_focus(field)
        insert_typed(field, character)
        return True

    def on_mount(self) -> None:
        self.call_after_refresh(self._insert_typed_before_compose)

    def _insert_typed_before_compose(self) -> None:
        typed, self.typed_before_compose = self.typed_before_compose, ""
        for character in typed:
            self.take_typed(character)
