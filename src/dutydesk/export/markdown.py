"""Markdown building blocks: the one escaping function for all user text, and GFM tables.

Everything that did not come from dutydesk's own code (log text, notes, names, labels a
center configured) goes through `escape()`, so it can neither break a table nor inject
HTML, and it still reads naturally as plain text. What a section deliberately writes as
Markdown is wrapped in `Markup` and passes through untouched.
"""

import re
from collections.abc import Iterable

# ASCII punctuation Markdown or HTML reads as syntax anywhere in a line (`&` starts an
# entity, `!` an image, `~` strikethrough). Backslash-escaped, each shows as itself (a
# translation table: one pass in C, where a regex substitution expands a template per match).
INLINE_SYNTAX = str.maketrans({char: "\\" + char for char in "\\`*_#<>[]|~&!"})
# What opens a block when it starts a line: a list item, a setext underline, an ordered item.
BLOCK_START = re.compile(r"^([-+=])|^(\d+)([.)])")
CONTROL = str.maketrans(dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F]))  # removed
# Anything `escape_lines` would change beyond trimming (most cells are plain words and numbers).
NEEDS_WORK = re.compile(r"[\\`*_#<>\[\]|~&!\x00-\x1f\x7f]")
NEWLINE_IN_CELL = " ⏎ "


class Markup(str):
    """Markdown a section wrote on purpose; `escape()` leaves it as it is."""


def escape_lines(text: str, *, starting_lines: bool = False) -> list[str]:
    """The lines of `text`, each safe inline; blank lines dropped.

    With `starting_lines` each line may begin a Markdown line (a paragraph or a list item),
    so what would open a block there (`- `, `1. `, `===`) is escaped too.
    """
    if isinstance(text, Markup):
        return text.splitlines() or [""]
    if not starting_lines and not NEEDS_WORK.search(text):
        return [text.strip()]
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").translate(CONTROL)
    lines = []
    for line in text.split("\n"):
        line = line.strip()  # leading spaces would make a code block
        if line:
            line = line.translate(INLINE_SYNTAX)
            if starting_lines:
                line = BLOCK_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", line)
            lines.append(line)
    return lines or [""]


def escape(text: str) -> str:
    """User text for a table cell or one line: newlines become a visible ⏎."""
    if not NEEDS_WORK.search(text):  # most cells: plain words and numbers, one line
        return text if isinstance(text, Markup) else text.strip()
    return NEWLINE_IN_CELL.join(escape_lines(text))


def paragraph(text: str, indent: str = "") -> str:
    """User text as a paragraph or list-item body: its line breaks kept as hard breaks."""
    return ("\\\n" + indent).join(escape_lines(text, starting_lines=True))


def heading(level: int, text: str) -> list[str]:
    return ["#" * level + " " + escape(text), ""]


def table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    """A GFM table; every cell is escaped unless it is `Markup`."""
    return table_of_safe_cells(headers, ([escape(cell) for cell in row] for row in rows))


def table_of_safe_cells(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    """A GFM table whose cells are already escaped (headers are escaped here): for the duty log's
    thousands of rows, whose numbers, times and labels need no escaping or are escaped once."""
    titles = [escape(title) for title in headers]
    lines = ["| " + " | ".join(titles) + " |", "|" + "|".join(" --- " for _title in titles) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    lines.append("")
    return lines


def bullets(items: Iterable[str]) -> list[str]:
    """A list; each item escaped (hard line breaks kept) unless it is `Markup`."""
    lines = ["- " + (item if isinstance(item, Markup) else paragraph(item, "  ")) for item in items]
    return [*lines, ""]


def shorten_tables(text: str, max_rows: int, note: str) -> str:
    """Each table cut to its first `max_rows` rows, then `note` (`{count}`: the rows left out).

    For an on-screen preview of a long shift. A line starting with "| " is always a table
    line here: user text cannot start a line, its newlines never reach the output.
    """
    out: list[str] = []
    table_lines = 0  # header and delimiter included
    for text_line in [*text.split("\n"), ""]:
        if text_line.startswith("| "):
            table_lines += 1
            if table_lines <= max_rows + 2:
                out.append(text_line)
            continue
        if table_lines > max_rows + 2:
            out += ["", note.format(count=table_lines - 2 - max_rows)]
        table_lines = 0
        out.append(text_line)
    return "\n".join(out[:-1])
