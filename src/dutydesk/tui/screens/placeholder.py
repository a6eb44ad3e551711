"""Main screens that are not built yet: each says so, and what it will do."""

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from dutydesk.i18n import N_, _
from dutydesk.tui.bindings import translate_bindings
from dutydesk.tui.widgets.footer import DeskFooter
from dutydesk.tui.widgets.header import DutyHeader


class PlaceholderScreen(Screen[None]):
    SCREEN_ID = "placeholder"
    HEADING = ""
    PURPOSE = ""

    def __init__(self) -> None:
        super().__init__(id=self.SCREEN_ID)
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        yield DutyHeader()
        yield Static(_(self.HEADING) if self.HEADING else "", classes="screen-title", markup=False)
        with Vertical(classes="placeholder"):
            yield Static(_("This part is not built yet."), classes="placeholder-status", markup=False)
            yield Static(_(self.PURPOSE) if self.PURPOSE else "", classes="placeholder-purpose", markup=False)
        yield DeskFooter()


class QueueScreen(PlaceholderScreen):
    SCREEN_ID = "queue"
    HEADING = N_("Queue")
    PURPOSE = N_("It will show the live queue indicators against the center's targets and raise alerts.")


class PlaybooksScreen(PlaceholderScreen):
    SCREEN_ID = "playbooks"
    HEADING = N_("Playbooks")
    PURPOSE = N_("It will guide you step by step through the incident and peak-traffic procedures.")


class FollowUpsScreen(PlaceholderScreen):
    SCREEN_ID = "followups"
    HEADING = N_("Follow-ups")
    PURPOSE = N_("It will list the tickets and complaints to chase, with their deadlines.")
