"""The console's part in notifications: it runs the team's notifier while it is open.

Every `tick_s` a thread worker lets the notifier read, store and send (the lease makes sure
only one console of the team sends). What the supervisor must see comes back to the UI
thread: a channel that started failing, and level-1 incidents whose status update is due.
"""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from textual.app import App
from textual.timer import Timer

from dutydesk.context import Context
from dutydesk.i18n import _

if TYPE_CHECKING:  # imported by the worker, after the app's first frame
    from dutydesk.notify.outbox import ChannelHealth
    from dutydesk.notify.sender import Notifier


class NoticeService:
    def __init__(self, app: App[None], context: Context) -> None:
        self.app, self.context = app, context
        self.notifier: Notifier | None = None
        self.timer: Timer | None = None
        self.failing: set[str] = set()  # channels already reported as failing
        self.reminded: set[tuple[int, datetime]] = set()  # (incident, update due since)

    def start(self) -> None:
        self.timer = self.app.set_interval(self.context.config.notify.tick_s, self._tick)

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.stop()

    def _tick(self) -> None:
        self.app.run_worker(self._work, thread=True, exclusive=True, group="notify", exit_on_error=False)

    def _work(self) -> None:
        db = self.context.db  # first: the storage stack is imported once the database is open
        from dutydesk.domain.incidents import updates_due
        from dutydesk.notify.sender import Notifier

        config = self.context.config
        if self.notifier is None:
            self.notifier = Notifier(db, config, config.center.team)
        every = timedelta(minutes=config.notify.incident_update_every_min)
        due = updates_due(db, every)
        failing: list[ChannelHealth] = []
        if self.notifier.enabled:
            self.notifier.tick()
            failing = self.notifier.failing_channels()
        self.app.call_from_thread(self._show, failing, due)

    def _show(self, failing: "list[ChannelHealth]", due: list[tuple[int, datetime]]) -> None:
        from dutydesk.notify.channels import channel_label

        for health in failing:
            if health.channel not in self.failing:
                self.app.notify(
                    _("Notices to {channel} are failing: {reason}").format(
                        channel=channel_label(self.context.config.notify, health.channel), reason=health.last_error
                    ),
                    severity="error",
                    timeout=15,
                )
        self.failing = {health.channel for health in failing}
        for number, since in due:
            if (number, since) not in self.reminded:
                self.reminded.add((number, since))
                self.app.notify(
                    _("Incident #{number}: a status update is due (s on its screen)").format(number=number),
                    severity="warning",
                    timeout=20,
                )
