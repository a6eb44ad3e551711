"""Keys and pastes handled one at a time, each once the one before it has done what it does.

Textual hands a key to the widget that has the focus when the app reads it, and reads the
next key at once, while the first is still on its way. Typed fast (a burst, an input
method committing text and Enter, keys typed ahead while the console is busy), a key after
Enter reaches the field Enter left, a key after the one that opens a dialog reaches the
dialog before it has set itself up, and Ctrl+S saves before the letter typed just before
it is in the field. The gate holds what the terminal sends and lets each key (or paste) go
only once the one before it has been handled, with the messages it set off and the dialog
it opened, so each lands where it would have landed had the console been instant.
"""

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from textual.app import App
    from textual.worker import Worker

ROUNDS = 20  # at most: a key's messages, the ones they set off as they bubble, a dialog's mount
SETTLE_TIMEOUT_S = 5.0  # a screen that never settles, or slow I/O, does not stop the typing


class KeyGate:
    def __init__(self, app: "App[Any]") -> None:
        self.app = app
        self.waiting: deque[events.Key | events.Paste] = deque()
        self.released: set[int] = set()  # ids of the events let through, to be handled as they come
        self.task: asyncio.Task[None] | None = None
        self.handling = False  # a key let through is being handled
        self.workers: list[Worker[None]] = []  # I/O its handling started: what it reads often moves the focus

    def hold(self, event: events.Event) -> bool:
        """True: the gate keeps `event` and sends it on in its turn. False: handle it now (an
        event the gate let through, or one that is not typing)."""
        if not isinstance(event, events.Key | events.Paste) or event.is_forwarded:
            return False
        if id(event) in self.released:
            self.released.discard(id(event))
            return False
        self.waiting.append(event)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._release_in_turn())
        return True

    def started(self, worker: "Worker[None]") -> None:
        """I/O a screen started; if a key set it off, the next key waits for its result."""
        if self.handling:
            self.workers.append(worker)

    def send_now(self, event: events.Key | events.Paste) -> None:
        """Send a key that the one being handled stands for (Escape's partner): it goes next."""
        self.released.add(id(event))
        self.app.post_message(event)

    async def idle(self) -> None:
        """Once every key sent to the app so far has been let through and handled (for tests)."""
        while True:
            await _drained([self.app])  # keys already posted to the app reach the gate
            if self.task is None or self.task.done():
                return
            await asyncio.shield(self.task)

    async def _release_in_turn(self) -> None:
        while self.waiting:
            self.handling = True
            self.send_now(self.waiting.popleft())
            try:
                await asyncio.wait_for(self._settled(), SETTLE_TIMEOUT_S)
            except TimeoutError:
                pass  # let the next key go: held longer, typing would seem to hang
            finally:
                self.handling, self.workers = False, []

    async def _settled(self) -> None:
        """Return once the key's messages are handled, the I/O it started has shown its result,
        and a screen it opened has drawn its first frame."""
        screen_before = self.app.screen
        await self._quiet()
        while self.workers:
            workers, self.workers = self.workers, []
            await asyncio.gather(*(_finished(worker) for worker in workers))
            await self._quiet()  # what the results set off (a dialog closed, the focus moved)
        screen = self.app.screen
        if screen is not screen_before and screen.is_running:
            await screen.wait_for_refresh()  # a dialog just opened: set up (focus, choices) once drawn

    async def _quiet(self) -> None:
        """Once the app and the key's route have handled every message, with the screen and
        the focus as they were before the last round (a message handled can send others, to
        the widget's parent as it bubbles, and move the focus)."""
        for _round in range(ROUNDS):
            before = self._where()
            await _drained([self.app, *self._route()])
            nodes = [self.app, *self._route()]
            if self._where() == before and not any(node.message_queue_size for node in nodes):
                return

    def _where(self) -> tuple[object, object]:
        return self.app.screen, self.app.focused

    def _route(self) -> list[MessagePump]:
        """The screen and the widgets a key goes through, from the focused one up."""
        screen = self.app.screen
        route: list[MessagePump] = [screen]
        node = self.app.focused
        while node is not None and node is not screen:
            route.append(node)
            node = node.parent  # type: ignore[assignment]
        return route


async def _finished(worker: "Worker[None]") -> None:
    try:
        await worker.wait()
    except Exception:  # noqa: BLE001 - its failure is reported where the I/O was started (DeskIO)
        return


async def _drained(nodes: list[MessagePump]) -> None:
    """Once each node has handled the messages it had when this was called."""
    done = [asyncio.Event() for _node in nodes]
    waits = [event.wait() for node, event in zip(nodes, done, strict=True) if node.call_later(event.set)]
    await asyncio.gather(*waits)
