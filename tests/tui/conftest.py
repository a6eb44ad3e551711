"""TUI fixtures: the app on the test's own database, steady cursors, Chinese on demand."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from rich.console import Console
from rich.text import Text
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TextArea
from textual.widgets._footer import FooterKey
from textual.widgets._input import Input

from dutydesk import i18n
from dutydesk.context import Context
from dutydesk.tui.app import DutydeskApp, make_app

# Used only while the project's zh_CN catalog is missing (it is compiled from the .po).
STAND_IN_ZH = {
    "Log": "日志",
    "Handover": "交接班",
    "Queue": "队列",
    "Playbooks": "应急预案",
    "Follow-ups": "跟进",
    "Duty log": "值班日志",
    "Add": "添加",
    "Search": "搜索",
    "Correct": "更正",
    "info": "信息",
    "warning": "警告",
    "critical": "严重",
}


@pytest.fixture(autouse=True)
def steady_cursors(monkeypatch: pytest.MonkeyPatch) -> None:
    """No blinking: what a test sees does not depend on when it looks."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


@pytest.fixture
def zh(context: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Chinese (after `context`, which sets English): the real catalog if it is built,
    else a small stand-in compiled here."""
    try:
        i18n.set_language("zh")
    except FileNotFoundError:
        catalog = Catalog(locale="zh_CN", domain=i18n.DOMAIN)
        for source, translation in STAND_IN_ZH.items():
            catalog.add(source, translation)
        target = tmp_path / "locale" / "zh_CN" / "LC_MESSAGES"
        target.mkdir(parents=True)
        with open(target / f"{i18n.DOMAIN}.mo", "wb") as file:
            write_mo(file, catalog)
        monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
        i18n.set_language("zh")
    yield
    i18n.set_language("en")


@pytest.fixture
def app(context: Context) -> DutydeskApp:
    return make_app(context)


class Notes:
    """Every notification the app shows, as (message, severity)."""

    def __init__(self, app: DutydeskApp) -> None:
        self.seen: list[tuple[str, str]] = []
        original = app.notify

        def notify(message: str, *args: object, severity: str = "information", **kwargs: object) -> None:
            self.seen.append((str(message), severity))
            original(message, *args, severity=severity, **kwargs)  # type: ignore[arg-type]

        app.notify = notify  # type: ignore[method-assign]

    def errors(self) -> list[str]:
        return [message for message, severity in self.seen if severity == "error"]


@pytest.fixture
def notes(app: DutydeskApp) -> Notes:
    return Notes(app)


def text_of(widget: Static) -> str:
    content = widget.content
    if isinstance(content, Text):
        return content.plain
    if isinstance(content, str):
        return content
    console = Console(width=200, no_color=True)  # a table or group of them: its words, as drawn
    with console.capture() as captured:
        console.print(content)
    return captured.get()


def table_rows(app: DutydeskApp) -> list[list[str]]:
    table = app.screen.query_one("#log-table", DataTable)
    return [[cell.plain for cell in table.get_row_at(index)] for index in range(table.row_count)]


def column_titles(app: DutydeskApp) -> list[str]:
    table = app.screen.query_one("#log-table", DataTable)
    return [column.label.plain for column in table.ordered_columns]


def text_cell(app: DutydeskApp, row: int) -> Text:
    table = app.screen.query_one("#log-table", DataTable)
    cell = table.get_row_at(row)[-1]
    assert isinstance(cell, Text)
    return cell


def footer_descriptions(app: DutydeskApp) -> dict[str, str]:
    return {key.key: key.description for key in app.screen.query(FooterKey)}


def screen_static(app: DutydeskApp, selector: str) -> str:
    return text_of(app.screen.query_one(selector, Static))


def keys_at_once(app: DutydeskApp, *keys: str) -> None:
    """Keys as a terminal delivers fast typing: all queued before the first is handled
    (`pilot.press` waits for each key, so an action a key starts has always run before the
    next). A key is a character, or a key's name: "enter", "tab", "down", "ctrl+s"."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(_character_to_key(key), key))
        else:
            app.post_message(events.Key(key, "\r" if key == "enter" else None))


def type_at_once(app: DutydeskApp, text: str) -> None:
    """`keys_at_once` for text, "\n" standing for Enter."""
    keys_at_once(app, *["enter" if character == "\n" else character for character in text])


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the screens' database workers have finished and what they read is shown."""
    app = pilot.app
    for _round in range(50):
        await app.key_gate.idle()  # every key pressed so far is handled
        await pilot.pause()
        busy = [worker for worker in app.workers if not worker.is_finished]
        if not busy:
            return
        await asyncio.gather(*(worker.wait() for worker in busy), return_exceptions=True)
    raise AssertionError("the workers never settled")
