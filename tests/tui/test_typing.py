"""Every keystroke lands once: type-ahead at full speed, pastes, keys typed as a dialog opens.

Keys are posted to the app the way the terminal driver posts them, all at once, with no
pause between them: the field sees them as fast as a paste or a macro would send them.
"""

import threading

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.widgets import Input

from dutydesk.context import Context
from dutydesk.domain import log
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.tui import app as tui_app
from dutydesk.tui.app import DutydeskApp
from dutydesk.tui.keys import with_character
from dutydesk.tui.screens.dialogs import Confirm

from .conftest import keys_at_once, settle, table_rows, type_at_once
from .test_following import within


def stored_texts(context: Context) -> list[str]:
    return [entry.text for entry in reversed(log.list_entries(context.db))]


async def test_twenty_entries_typed_without_a_pause_are_twenty_rows(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    lines = [f"z-{number} caller on hold" for number in range(20)]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        type_at_once(app, "".join(line + "\n" for line in lines))
        await settle(pilot)
        assert [row[-1] for row in table_rows(app)] == list(reversed(lines))
        assert app.screen.query_one("#quick-add", Input).value == ""
    assert stored_texts(context) == lines


async def test_a_read_started_before_an_entry_was_written_does_not_take_its_row_away(
    app: DutydeskApp, shift: ShiftInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tui_app, "CHANGE_POLL_S", 3600)  # no change watch: it would read again itself
    held = threading.Event()
    count_entries = log.count_entries

    def held_count(*args: object, **kwargs: object) -> int:
        held.wait(timeout=30)  # until the entry typed meanwhile is written and shown
        return count_entries(*args, **kwargs)  # type: ignore[arg-type]

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(log, "count_entries", held_count)
        app.screen.reload()  # reads the empty shift, then waits
        type_at_once(app, "typed during a read\n")
        assert await within(pilot, 30, lambda: len(table_rows(app)) == 1)
        held.set()
        await settle(pilot)
        assert [row[-1] for row in table_rows(app)] == ["typed during a read"]


async def test_an_unbracketed_paste_of_five_lines_is_five_entries(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    lines = ["line one", "line two", "第三行", "line four", "line five"]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        type_at_once(app, "\n".join(lines) + "\n")  # a terminal without bracketed paste sends keys and Enters
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
        type_at_once(app, "export 3 queues, correct them\n")  # e, 3, c, m, o, / are keys elsewhere
        await settle(pilot)
        assert app.screen.id == "log"
    assert stored_texts(context) == ["export 3 queues, correct them"]


def read_keys(sequence: str) -> list[events.Key]:
    """The keys the terminal driver's parser reads from `sequence`, arriving in one read."""
    parser = XTermParser()
    read = [token for token in parser.feed(sequence) if isinstance(token, events.Key)]
    read += [token for token in parser.feed("") if isinstance(token, events.Key)]  # the end: no more bytes
    return read


def test_escape_and_a_key_read_together_are_escape_then_the_key(app: DutydeskApp) -> None:
    # Textual alone reads ESC 3 as "£" (macOS Option+3), ESC e as alt+e, ESC / as "/" (the
    # Escape lost), and ESC c followed at once by an arrow as "^", "c", the arrow.
    for sequence, second in [("\x1b3", "3"), ("\x1be", "e"), ("\x1b/", "/"), ("\x1b?", "?")]:
        escape, key = read_keys(sequence)
        assert escape.key == "escape" and with_character(key).character == second
    assert [key.key for key in read_keys("\x1bc\x1b[B")] == ["escape", "c", "down"]
    # The terminal's own sequences are read as before.
    assert [key.key for key in read_keys("\x1b[A")] == ["up"]
    assert [key.key for key in read_keys("\x1bOB")] == ["down"]
    assert [key.key for key in read_keys("\x1b")] == ["escape"]
    assert [type(token).__name__ for token in XTermParser().feed("\x1b[200~/x\x1b[201~")] == ["Paste"]


@pytest.mark.parametrize(("sequence", "where"), [("\x1b/", "search"), ("\x1b3", "queue")])
async def test_escape_and_a_key_in_one_read_leave_the_entry_line_then_do_the_key(
    app: DutydeskApp, shift: ShiftInfo, sequence: str, where: str
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        type_at_once(app, "draft")
        for key in read_keys(sequence):
            app.post_message(key)
        await settle(pilot)
        if where == "search":
            assert app.screen.focused is app.screen.query_one("#search", Input)
        else:
            assert app.current_mode == "queue"
            await pilot.press("1")
            await settle(pilot)
        assert app.screen.query_one("#quick-add", Input).value == "draft"  # nothing typed into the entry


async def test_ctrl_and_alt_keys_never_insert_text(app: DutydeskApp, shift: ShiftInfo) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        field = app.screen.query_one("#quick-add", Input)
        for key, character in [("alt+shift+x", "X"), ("ctrl+j", "j"), ("alt+slash", "/")]:
            field.post_message(events.Key(key, character))  # a modified key that carries a character
        await settle(pilot)
        assert field.value == ""
        assert app.current_mode == "log"


async def test_a_form_typed_fast_fills_each_field_in_turn(app: DutydeskApp, context: Context) -> None:
    from dutydesk.domain import supervisors

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)  # first run: the dialog to add yourself as supervisor
        type_at_once(app, "zhang\nZhang Wei\n246810\n246810\n")  # Enter: next field, then save
        await settle(pilot)
    assert [(p.name, p.display_name) for p in supervisors.list_supervisors(context.db)] == [("zhang", "Zhang Wei")]


async def test_typing_after_a_search_adds_one_entry_and_empties_the_line(
    app: DutydeskApp, context: Context, shift: ShiftInfo
) -> None:
    log.add_entry(context.db, context.config, shift, "CRM slow")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        keys_at_once(app, "escape", "slash", *"CRM", "enter", "a", *"zz1", "enter")  # search, then a: add
        await settle(pilot)
        assert app.screen.query_one("#quick-add", Input).value == ""
    assert [e.text for e in log.list_entries(context.db, log.LogFilter(shift_id=shift.id))] == ["zz1", "CRM slow"]
