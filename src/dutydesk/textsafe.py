"""User text shown in a terminal: control characters made visible, never sent as they are.

Stored text keeps every character as typed; only what is displayed (TUI and CLI alike)
goes through `safe()`. An ESC, BEL or other C0/C1 control character could clear the
screen, retitle the window or plant a link; it is shown as its escape (`\\x1b`) instead.
Newline and tab stay: multi-line notes are multi-line.
"""

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """`text` with every control character except newline and tab written as `\\xNN`."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def safe_with_spans(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """`safe(text)` and the (start, end) spans of `text` moved to where they fall in it."""
    pieces: list[str] = []
    moved: list[tuple[int, int]] = []
    done = 0
    for start, end in sorted(spans):
        if start < done:
            continue  # overlaps the previous span
        pieces.append(safe(text[done:start]))
        begin = sum(map(len, pieces))
        pieces.append(safe(text[start:end]))
        moved.append((begin, begin + len(pieces[-1])))
        done = end
    pieces.append(safe(text[done:]))
    return "".join(pieces), moved
