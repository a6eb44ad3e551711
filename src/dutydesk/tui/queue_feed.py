"""The app's one queue feed: started with the app, stopped with it; announces new alerts.

Built by `make_app` (so a test can hand in its own `FeedRunner`), not by the Queue screen:
the feed runs whichever screen is shown, and alerts fire and are logged everywhere.
`runner` is None when no feed is configured: then no thread runs and nothing is written.
"""

from typing import TYPE_CHECKING

from textual.app import App

from dutydesk.i18n import _

if TYPE_CHECKING:  # the queue stack is imported by whoever builds a runner: no feed, no import
    from datetime import datetime

    from dutydesk.queue.runner import FeedRunner


class QueueFeedService:
    def __init__(self, runner: "FeedRunner | None") -> None:
        self.runner = runner
        self._announced = 0
        self._app: App[None] | None = None

    def start(self, app: App[None]) -> None:
        self._app = app
        if self.runner is not None:
            self.runner.start()
            app.set_interval(self.runner.monitor.settings.refresh_s, self._announce)

    @property
    def is_drill(self) -> bool:
        """The feed is the simulator: its alerts are a drill's."""
        return self.runner is not None and self.runner.monitor.simulated

    def drill_time(self) -> "datetime | None":
        """The drill's own time, by which its alerts fire, clear and are acknowledged, when it
        runs at another pace than the console's clock (`sim:speed=60`); else None."""
        runner = self.runner
        return runner.monitor.now() if runner is not None and runner.keeps_own_time else None

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.stop()

    def _announce(self) -> None:
        from dutydesk.queue.monitor import alert_summary  # loaded with the runner already

        assert self.runner is not None and self._app is not None  # armed only with a feed, once started
        monitor = self.runner.monitor
        with monitor.lock:
            fresh = [alert for alert in monitor.alerts if alert.id > self._announced]
        title = _("Simulated queue alert") if monitor.simulated else _("Queue alert")
        for alert in fresh:
            self._announced = alert.id
            self._app.notify(
                alert_summary(alert),
                title=title,
                severity="error" if alert.rule.level == "critical" else "warning",
                timeout=10,
            )
