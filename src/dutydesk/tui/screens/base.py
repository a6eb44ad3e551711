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
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, TextArea
from textual.worker import Worker, WorkerState, get_current_worker

from dutydesk.config import Config
from dutydesk.context import Context
from dutydesk.i18n import N_
from dutydesk.tui.bindings import translate_bindings
from dutydesk.tui.keys import is_command

if TYPE_CHECKING:
    from dutydesk.tui.app import DutydeskApp

T = TypeVar("T")


class DeskNode(MessagePump):
    """Mixed into dutydesk's screens and widgets: `self.app` is typed as the DutydeskApp.

    Textual's `getters.app(DutydeskApp)` needs the class when this module is imported, and the
    app module imports the screens: it is declared for the type checker only.
    """

    if TYPE_CHECKING:
        app = getters.app(DutydeskApp)


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
    ) -> Worker[None]:
        """`read()` in a thread worker, then `show(result)` on the UI thread (unless cancelled).

        `exclusive=True` cancels the group's earlier reads: only the newest one is shown.
        `failed()` runs on the UI thread when `read()` raised, before the error is reported.
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
        return run_worker(job, thread=True, exit_on_error=False, group=group, exclusive=exclusive, name=group)

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

    def reload(self) -> None:
        """Read what the screen shows again; screens that show stored data override it."""


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

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        if self.TYPING_TARGET is None or not event.is_printable or event.character is None or is_command(event):
            return
        if isinstance(self.focused, Input | TextArea):
            return  # the key was for that field, which did not want it (e.g. a letter in a PIN)
        target = self.query_one(self.TYPING_TARGET)
        event.stop()
        self.set_focus(target)
        if isinstance(target, Input):
            target.insert_text_at_cursor(event.character)
        elif isinstance(target, TextArea):
            target.insert(event.character)
