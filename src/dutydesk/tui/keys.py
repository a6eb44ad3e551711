"""Escape and the key right after it, when the terminal delivers the two at once.

A terminal sends Alt+key as ESC followed by the key, and tmux sends Escape pressed just
before a key the same way (within its escape-time, half a second by default): the program
cannot tell the two apart. Textual reads ESC+letter as `alt+letter`, whose character a text
field inserts, and ESC+digit as the character Option+digit types on macOS (ESC 3 is "£", from
its table of sequences). dutydesk binds no Alt key: ESC+key is what the supervisor pressed,
Escape and then the key.
"""

import string
from typing import NamedTuple, cast

from textual import events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual.keys import Keys, _character_to_key

ESC = "\x1b"
MODIFIERS = {"ctrl", "alt", "super", "meta", "hyper"}  # shift is typing, the others are commands


# ESC [ and ESC ] begin the terminal's own sequences (keys, mouse, paste, replies); ESC \ ends some.
SEQUENCE_STARTS = "[]\\"
SYMBOLS = [character for character in string.punctuation if character not in SEQUENCE_STARTS]


class TableKey(NamedTuple):
    """A key as Textual's sequence table holds one (of it, the parser reads only the name)."""

    value: str


def read_escape_then_key() -> None:
    """Drop Textual's ESC+character entries (ESC 0-9, ESC -, ESC =: WezTerm's Option keys on
    macOS), so that ESC+digit is read as `alt+digit`, like ESC+letter. ESC+symbol, which Textual
    reads as the symbol alone (Alt goes only with letters and digits: the Escape was lost), is
    read as Escape and then the symbol's key, as Textual reads ESC+arrow."""
    table = cast(dict[str, object], ANSI_SEQUENCES_KEYS)
    for sequence in [seq for seq, key in table.items() if len(seq) == 2 and seq[0] == ESC and isinstance(key, str)]:
        del table[sequence]
    for symbol in SYMBOLS:  # "/" is "slash"
        table.setdefault(ESC + symbol, (Keys.Escape, TableKey(_character_to_key(symbol))))


def is_command(event: events.Key) -> bool:
    """A key with Ctrl, Alt or the like held: never text, even when it carries a character."""
    return not MODIFIERS.isdisjoint(event.key.split("+")[:-1])


def key_after_escape(event: events.Key) -> events.Key | None:
    """The key typed right after Escape, if `event` is the two read as one `alt+key`."""
    character = event.character
    if event.key.startswith("alt+") and character is not None and character.isalnum():
        return events.Key(character, character)  # a letter's or digit's key is named by its character
    return None
