"""Escape and the key right after it, when the terminal delivers the two at once.

A terminal sends Alt+key as ESC followed by the key, and tmux sends Escape pressed just
before a key the same way (within its escape-time, half a second by default): the program
cannot tell the two apart. dutydesk binds no Alt key: ESC+key is what the supervisor
pressed, Escape and then the key. Textual reads ESC+letter as `alt+letter` (a text field
inserts its letter), ESC+digit as the character Option+digit types on macOS (ESC 3 is "£"),
ESC+symbol as the symbol alone (the Escape is lost), and ESC+letter followed at once by
more keys as "^", the letter and the rest. So each ESC+character is put in Textual's table
of sequences as two keys, Escape and the character's, as Textual reads ESC+arrow; the key
gate (dutydesk.tui.keygate) then hands the second key over once Escape has done its job.
"""

import string
from typing import NamedTuple, cast

from textual import events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual.keys import Keys, _character_to_key

ESC = "\x1b"
MODIFIERS = {"ctrl", "alt", "super", "meta", "hyper"}  # shift is typing, the others are commands
# After ESC these begin the terminal's own sequences (keys, mouse, paste, replies, string
# controls), or end them: they keep Textual's reading.
SEQUENCE_STARTS = "[]\\OP^_X"


class TableKey(NamedTuple):
    """A key as Textual's sequence table holds one (of it, the parser reads only the name)."""

    value: str


# The character of each key the table sends after Escape, by the key's name ("/" is "slash"):
# the parser sends such keys without their character.
CHARACTER_OF_KEY = {
    _character_to_key(character): character
    for character in string.ascii_letters + string.digits + string.punctuation
    if character not in SEQUENCE_STARTS
}


def read_escape_then_key() -> None:
    """ESC+character, for every printable ASCII character that starts no sequence of the
    terminal's, is read as Escape and then that character's key."""
    table = cast(dict[str, object], ANSI_SEQUENCES_KEYS)
    for name, character in CHARACTER_OF_KEY.items():
        table[ESC + character] = (Keys.Escape, TableKey(name))


def with_character(event: events.Key) -> events.Key:
    """The key with its character, if it came from ESC+character without it."""
    character = CHARACTER_OF_KEY.get(event.key) if event.character is None else None
    return events.Key(event.key, character) if character is not None else event


def is_command(event: events.Key) -> bool:
    """A key with Ctrl, Alt or the like held: never text, even when it carries a character."""
    return not MODIFIERS.isdisjoint(event.key.split("+")[:-1])
