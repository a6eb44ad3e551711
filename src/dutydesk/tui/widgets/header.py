"""The bars at the top of every screen: center, current shift, supervisor on duty, clock,
and below it the status strip: what needs the supervisor now, whichever screen is shown;
then the screen's own title bar."""

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from dutydesk import clock
from dutydesk.domain.views import ShiftInfo
from dutydesk.i18n import _
from dutydesk.textsafe import safe
from dutydesk.tui.rows import shift_summary
from dutydesk.tui.screens.base import DeskNode

if TYPE_CHECKING:  # the status comes after the first frame, with the storage stack
    from dutydesk.domain.status import DeskStatus, StatusItem

WIDE = 100  # below this many columns the center's name is left out
LEVEL_STYLE = {"critical": "bold #ff5f5f", "warning": "bold #ffaf00"}
LATE_STYLE = "bold #ff5f5f"


class DutyHeader(DeskNode, Vertical):
    """Reads the app's `shift`, `desk_status` and config; the clock ticks in the center's time zone."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-line"):
            yield Static(id="header-info")
            # The width it keeps: a tick needs no layout.
            drilling = self.app.queue_feed.drill_time() is not None
            yield Static(_clock_text("00:00:00", "00:00:00" if drilling else None), id="header-clock")
        yield Static(id="status-strip")

    def on_mount(self) -> None:
        self.watch(self.app, "shift", self._show_shift)
        self.watch(self.app, "desk_status", self._show_status)
        self._tick()
        self.set_interval(1, self._tick)

    def on_resize(self) -> None:
        self._show_shift(self.app.shift)

    @property
    def info(self) -> Static:
        return self.query_one("#header-info", Static)

    @property
    def clock_label(self) -> Static:
        return self.query_one("#header-clock", Static)

    def _show_shift(self, shift: ShiftInfo | None) -> None:
        config = self.app.context.config
        line = Text(no_wrap=True, overflow="ellipsis")
        if self.app.size.width >= WIDE:
            line.append(safe(str(config.center.name)), style="bold")
            line.append("  │  ", style="dim")
        if shift is None:
            line.append(_("No shift is open"), style="bold #ffaf00")
        else:
            line.append(shift_summary(shift, config))
            line.append("  │  ", style="dim")
            line.append(_("On duty: {name}").format(name=safe(shift.supervisor_display)), style="bold")
        self.info.update(line)

    def _show_status(self, status: "DeskStatus | None") -> None:
        self.query_one("#status-strip", Static).update(status_line(status, clock.utcnow()))

    def _tick(self) -> None:
        zone = self.app.context.config.zone
        drill = self.app.queue_feed.drill_time()
        # Same width every second: redraw the label, not the screen's layout (≈ 22 layouts per 10 s otherwise).
        self.clock_label.update(
            _clock_text(
                clock.utcnow().astimezone(zone).strftime("%H:%M:%S"),
                drill.astimezone(zone).strftime("%H:%M:%S") if drill else None,
            ),
            layout=False,
        )


def _clock_text(now: str, drill: str | None) -> Text:
    """The console's clock; in a sped-up drill, first the drill's clock, which the drill's
    alerts are timed by (it runs ahead of the console's)."""
    if drill is None:
        return Text(now)
    return Text.assemble((_("drill {time}").format(time=drill), LEVEL_STYLE["warning"]), "  ", now)


class TitleBar(Horizontal):
    """A screen's title, then what the screen says about itself: `#<key>-title`, `#<key>-status`.

    The status is text, never markup: screens update it with `Text` or plain strings
    (paths, names) that may hold square brackets.
    """

    DEFAULT_CSS = """
    TitleBar { height: 1; }
    TitleBar .screen-title { width: auto; padding: 0 1; text-style: bold; color: $accent; }
    TitleBar .title-separator { width: 2; color: $text-muted; }
    TitleBar .title-status { width: 1fr; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, title: str, key: str, status: str = "") -> None:
        super().__init__(id=f"{key}-titlebar")
        self.screen_title, self.key_prefix, self.first_status = title, key, status

    def compose(self) -> ComposeResult:
        yield Static(self.screen_title, id=f"{self.key_prefix}-title", classes="screen-title", markup=False)
        yield Static("│", classes="title-separator")
        yield Static(self.first_status, id=f"{self.key_prefix}-status", classes="title-status", markup=False)


def status_line(status: "DeskStatus | None", now: datetime) -> Text:
    line = Text(no_wrap=True, overflow="ellipsis")
    if status is None:
        return line
    if not status.items:
        line.append(_("Nothing needs you right now"), style="dim")
    for index, item in enumerate(status.items):
        if index:
            line.append("  ·  ", style="dim")
        line.append_text(status_item(item, now))
    return line


def status_item(item: "StatusItem", now: datetime) -> Text:
    from dutydesk.domain.incidents import countdown

    if item.code == "alerts":
        level = _("critical") if item.level == "critical" else _("warning")
        return Text(
            _("⚠ {count} alerts unacknowledged ({level})").format(count=item.count, level=level),
            style=LEVEL_STYLE.get(item.level or "", "bold"),
        )
    if item.code == "overdue":
        return Text(_("⏰ {count} follow-ups overdue").format(count=item.count), style=LATE_STYLE)
    if item.code == "incident":
        if item.due_at is None:
            return Text(_("⛑ incident #{number} running").format(number=item.number), style="bold")
        late = item.due_at < now
        return Text(
            _("⛑ incident #{number}: next step {countdown}").format(
                number=item.number, countdown=countdown(item.due_at, now)
            ),
            style=LATE_STYLE if late else "bold",
        )
    if item.code == "handover":
        minutes = max(int((item.due_at - now).total_seconds() // 60), 0) if item.due_at else 0
        return Text(_("✍ handover drafted: the shift ends in {minutes} min").format(minutes=minutes), style="bold")
    if item.code == "channel":
        return Text(
            _("✉ notices to {channel} failing ({count} in a row)").format(channel=item.name, count=item.count),
            style=LATE_STYLE,
        )
    return Text(item.code)
