"""Every keystroke lands once: type-ahead at full speed, pastes, keys typed as a dialog opens.

Keys are posted to the app the way the terminal driver posts them, all at once, with no
pause between them: the field sees them as fast as a paste or a macro would send them.
"""

from textual import events
from textual._xterm_parser import XTermParser
from textual.keys import _character_to_key
from textual.widgets import Input

from dutydesk.context import Context
from dutydesk.domain import log
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.tui.app import DutydeskApp
from dutydesk.tui.screens.dialogs import Confirm

from .conftest import settle, table_rows


def burst(app: DutydeskApp, typed: str) -> None:
    """Post every key of `typed` at once ("\\n" is Enter), like a terminal sending a macro."""
    for character in typed:
        if character == "\n":
            app.post_message(events.Key("enter", "\r"))
        else:
            app.post_message(events.Key(_character_to_key(character), character))


def stored_texts(context: Context) -> list[str]:
    return [entry.text for entry in reversed(log.list_entries(context.db))]


async def test_twenty_entries_typed_without_a_pause_are_twenty_rows(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    lines = [f"z-{number} caller on hold" for number in range(20)]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, "".join(line + "\n" for line in lines))
        await settle(pilot)
        assert [row[-1] for row in table_rows(app)] == list(reversed(lines))
        assert app.screen.query_one("#quick-add", Input).value == ""
    assert stored_texts(context) == lines


async def test_an_unbracketed_paste_of_five_lines_is_five_entries(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    lines = ["line one", "line two", "第三行", "line four", "line five"]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, "\n".join(lines) + "\n")  # a terminal without bracketed paste sends keys and Enters
        await settle(pilot)
    assert stored_texts(context) == lines


async def test_a_bracketed_paste_of_five_lines_asks_then_adds_five(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    lines = ["line one", "line two", "第三行", "line four", "line five"]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.post_message(events.Paste("\n".join(lines) + "\n"))
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert "5" in app.screen.question
        await pilot.press("enter")
        await settle(pilot)
        assert [row[-1] for row in table_rows(app)] == list(reversed(lines))
    assert stored_texts(context) == lines


async def test_a_bracketed_paste_declined_stays_in_the_line_for_editing(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.post_message(events.Paste("first\nsecond\n"))
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.query_one("#quick-add", Input).value == "first second"
    assert stored_texts(context) == []


async def test_letters_typed_on_the_log_screen_are_text_not_hotkeys(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, "export 3 queues, correct them\n")  # e, 3, c, m, o, / are keys elsewhere
        await settle(pilot)
        assert app.screen.id == "log"
    assert stored_texts(context) == ["export 3 queues, correct them"]


def read_keys(sequence: str) -> list[events.Key]:
    """The keys the terminal driver's parser reads from `sequence`, arriving in one read."""
    parser = XTermParser()
    read = [token for token in parser.feed(sequence) if isinstance(token, events.Key)]
    read += [token for token in parser.feed("") if isinstance(token, events.Key)]  # the end: no more bytes
    return read


def test_escape_and_a_digit_read_together_are_alt_digit_not_a_symbol(app: DutydeskApp) -> None:
    # The app, once built, has dropped Textual's reading of ESC 3 as "£" (macOS Option+3).
    assert [(key.key, key.character) for key in read_keys("\x1b3")] == [("alt+3", "3")]
    assert [(key.key, key.character) for key in read_keys("\x1be")] == [("alt+e", "e")]


def test_escape_and_a_symbol_read_together_are_escape_then_the_symbol(app: DutydeskApp) -> None:
    # Textual alone reads ESC / as "/" (the Escape is lost): the entry line would get a "/".
    assert [key.key for key in read_keys("\x1b/")] == ["escape", "slash"]
    assert [key.key for key in read_keys("\x1b?")] == ["escape", "question_mark"]
    # The terminal's own sequences are read as before.
    assert [key.key for key in read_keys("\x1b[A")] == ["up"]
    assert [key.key for key in read_keys("\x1bOB")] == ["down"]
    assert [type(token).__name__ for token in XTermParser().feed("\x1b[200~/x\x1b[201~")] == ["Paste"]


async def test_escape_then_slash_in_one_read_opens_the_search(app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, "draft")
        for key in read_keys("\x1b/"):
            app.post_message(key)
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one("#search", Input)
        assert app.screen.query_one("#quick-add", Input).value == "draft"  # no "/" in the entry


async def test_escape_and_a_digit_together_leave_the_entry_line_and_switch_screens(
    app: DutydeskApp, shift: ShiftInfo
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, "draft")
        app.post_message(events.Key("alt+3", "3"))  # what the driver reads from ESC 3
        await settle(pilot)
        assert app.current_mode == "queue"
        await pilot.press("1")
        await settle(pilot)
        assert app.screen.query_one("#quick-add", Input).value == "draft"


async def test_ctrl_and_alt_keys_never_insert_text(app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        field = app.screen.query_one("#quick-add", Input)
        for key, character in [("alt+shift+x", "X"), ("ctrl+j", "j"), ("alt+slash", "/")]:
            field.post_message(events.Key(key, character))  # a modified key that carries a character
        await settle(pilot)
        assert field.value == ""
        assert app.current_mode == "log"
