"""What every main screen of dutydesk reaches: the app's context and its config."""

from textual.screen import Screen

from dutydesk.config import Config
from dutydesk.context import Context


class DeskScreen(Screen[None]):
    @property
    def context(self) -> Context:
        return self.app.context  # type: ignore[attr-defined,no-any-return]

    @property
    def config(self) -> Config:
        return self.context.config
