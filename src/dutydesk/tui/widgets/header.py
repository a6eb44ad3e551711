"""The bar at the top of every screen: center, current shift, supervisor on duty, clock."""

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from dutydesk import clock
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.i18n import _
from dutydesk.tui.rows import shift_summary

WIDE = 100  # below this many columns the center's name is left out


class DutyHeader(Horizontal):
    """Reads the app's `shift` and `config`; the clock ticks in the center's time zone."""

    def compose(self) -> ComposeResult:
        yield Static(id="header-info")
        yield Static(id="header-clock")

    def on_mount(self) -> None:
        self.watch(self.app, "shift", self._show_shift)
        self._tick()
        self.set_interval(1, self._tick)

    def on_resize(self) -> None:
        self._show_shift(self.app.shift)  # type: ignore[attr-defined]

    @property
    def info(self) -> Static:
        return self.query_one("#header-info", Static)

    @property
    def clock_label(self) -> Static:
        return self.query_one("#header-clock", Static)

    def _show_shift(self, shift: ShiftInfo | None) -> None:
        config = self.app.context.config  # type: ignore[attr-defined]
        line = Text(no_wrap=True, overflow="ellipsis")
        if self.app.size.width >= WIDE:
            line.append(str(config.center.name), style="bold")
            line.append("  │  ", style="dim")
        if shift is None:
            line.append(_("No shift is open"), style="bold #ffaf00")
        else:
            line.append(shift_summary(shift, config))
            line.append("  │  ", style="dim")
            line.append(_("On duty: {name}").format(name=shift.supervisor_display), style="bold")
        self.info.update(line)

    def _tick(self) -> None:
        zone = self.app.context.config.zone  # type: ignore[attr-defined]
        self.clock_label.update(clock.utcnow().astimezone(zone).strftime("%H:%M:%S"))
