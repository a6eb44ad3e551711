"""How a log entry looks in the table and in the detail area: plain functions, no widgets.

Widths are always terminal cells (`rich.cells.cell_len`), never `len()`: a Chinese
character takes two cells.
"""

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from dutydesk.config import Config
from dutydesk.domain.views import LogEntryView, ShiftInfo, severity_label
from dutydesk.i18n import _
from dutydesk.textsafe import safe, safe_with_spans

SEVERITY_SYMBOL = {"info": " ", "warning": "▲", "critical": "✖"}
SEVERITY_STYLE = {"info": "", "warning": "bold #ffaf00", "critical": "bold #ff5f5f"}
TEXT_STYLE = {"info": "", "warning": "#ffaf00", "critical": "#ff5f5f"}
SUPERSEDED_STYLE = Style(dim=True, strike=True)
HIGHLIGHT_STYLE = Style(bold=True, reverse=True, color="yellow")
NEWLINE = "⏎"


def local_time(moment: datetime, config: Config, pattern: str = "%H:%M") -> str:
    return moment.astimezone(config.zone).strftime(pattern)


def slot_label(config: Config, slot_key: str) -> str:
    slot = next((slot for slot in config.shifts if slot.key == slot_key), None)
    return str(slot.label) if slot else slot_key


def shift_summary(shift: ShiftInfo, config: Config) -> str:
    return _("Shift #{id} · team {team} · {slot} {start}–{end}").format(
        id=shift.id,
        team=safe(shift.team),
        slot=slot_label(config, shift.slot_key),
        start=local_time(shift.planned_start, config),
        end=local_time(shift.planned_end, config),
    )


def category_label(config: Config, key: str) -> str:
    category = config.category(key)
    return str(category.label) if category else key


def severity_text(key: str, *, aligned: bool = True) -> Text:
    """The severity with its symbol; `aligned` keeps a blank where info has none."""
    symbol = SEVERITY_SYMBOL.get(key, " ")
    prefix = f"{symbol} " if aligned or symbol.strip() else ""
    return Text(prefix + severity_label(key), style=SEVERITY_STYLE.get(key, ""))


def one_line(text: str) -> str:
    """The text on one line, character for character (so match spans still fit)."""
    return text.replace("\n", NEWLINE).replace("\r", " ").replace("\t", " ")


def highlighted(text: str, spans: list[tuple[int, int]] | None, style: str | Style = "") -> Text:
    """User text, safe to show (`textsafe.safe`), with the match spans (offsets in `text`) marked."""
    shown, moved = safe_with_spans(text, spans or [])
    result = Text(shown, style=style)
    for start, end in moved:
        result.stylize(HIGHLIGHT_STYLE, start, end)
    return result


def text_cell(entry: LogEntryView, spans: list[tuple[int, int]] | None = None) -> Text:
    """The entry's text on one line, marked when it corrects or was corrected."""
    cell = Text(no_wrap=True, overflow="ellipsis")
    if entry.supersedes is not None:
        cell.append(f"↺ #{entry.supersedes} ", style="bold cyan")
    body_style = SUPERSEDED_STYLE if entry.superseded_by is not None else TEXT_STYLE.get(entry.severity, "")
    cell.append_text(highlighted(one_line(entry.text), spans, body_style))
    if entry.superseded_by is not None:
        cell.append(f" → #{entry.superseded_by}", style="dim cyan")
    return cell


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    title: str
    width: int


def fit(text: Text, width: int) -> Text:
    """`text` cut to `width` cells with an ellipsis (the DataTable would only crop it)."""
    if text.cell_len <= width:
        return text
    cut = text.copy()
    cut.truncate(max(width, 1), overflow="ellipsis")
    return cut


MIN_TEXT_WIDTH = 20


def columns(
    config: Config,
    entries: list[LogEntryView],
    table_width: int,
    *,
    show_shift: bool = False,
) -> list[ColumnSpec]:
    """Columns sized to what they hold; the text column takes the rest of the width."""

    def widest(values: list[str], title: str, cap: int = 40) -> int:
        return min(cap, max([cell_len(title), *(cell_len(value) for value in values)]))

    specs = [ColumnSpec("id", "#", widest([str(e.id) for e in entries], "#"))]
    if show_shift:  # entries of many days: each says which
        specs.append(ColumnSpec("date_time", _("Time"), widest(["2026-12-31 00:00"], _("Time"))))
        specs.append(ColumnSpec("shift", _("Shift"), widest([f"#{e.shift_id}" for e in entries], _("Shift"))))
    else:
        specs.append(ColumnSpec("time", _("Time"), widest(["00:00"], _("Time"))))
    specs.append(
        ColumnSpec(
            "category",
            _("Category"),
            widest([category_label(config, c.key) for c in config.log.categories], _("Category"), 18),
        )
    )
    specs.append(
        ColumnSpec(
            "severity", _("Severity"), widest([f"▲ {severity_label(key)}" for key in SEVERITY_SYMBOL], _("Severity"))
        )
    )
    specs.append(ColumnSpec("author", _("Author"), widest([e.author_display for e in entries], _("Author"), 14)))
    # On a narrow terminal the text keeps room to be read: the selected entry's detail line
    # below the table still names its author and category.
    for dropped in ("author", "category"):
        if _text_width(specs, table_width) >= MIN_TEXT_WIDTH:
            break
        specs = [spec for spec in specs if spec.key != dropped]
    specs.append(ColumnSpec("text", _("Text"), max(MIN_TEXT_WIDTH, _text_width(specs, table_width))))
    return specs


def _text_width(specs: list[ColumnSpec], table_width: int) -> int:
    # Each column has one cell of padding either side; keep 2 cells for the scrollbar.
    return table_width - sum(spec.width + 2 for spec in specs) - 2 - 2


def cells(
    entry: LogEntryView,
    config: Config,
    specs: list[ColumnSpec],
    spans: list[tuple[int, int]] | None = None,
) -> list[Text]:
    dim = entry.superseded_by is not None
    values: dict[str, Text] = {
        "id": Text(str(entry.id), style="dim", justify="right"),
        "time": Text(local_time(entry.at, config)),
        "date_time": Text(local_time(entry.at, config, "%Y-%m-%d %H:%M")),
        "shift": Text(f"#{entry.shift_id}"),
        "category": Text(category_label(config, entry.category)),
        "severity": severity_text(entry.severity),
        "author": Text(safe(entry.author_display)),
        "text": text_cell(entry, spans),
    }
    row = []
    for spec in specs:
        cell = fit(values[spec.key], spec.width)
        if dim and spec.key != "text":
            cell.stylize("dim")
        row.append(cell)
    return row


def detail(entry: LogEntryView, config: Config, spans: list[tuple[int, int]] | None = None) -> Text:
    """The whole entry for the area under the table: a heading line, then the full text."""
    heading = Text()
    heading.append(f"#{entry.id}", style="bold")
    heading.append(
        "  {time} · {category} · ".format(
            time=local_time(entry.at, config, "%Y-%m-%d %H:%M"),
            category=category_label(config, entry.category),
        )
    )
    heading.append_text(severity_text(entry.severity, aligned=False))
    heading.append(f" · {safe(entry.author_display)} · ")
    heading.append(_("shift #{id}").format(id=entry.shift_id))
    if entry.supersedes is not None:
        heading.append("   ")
        heading.append(_("↺ corrects #{id}").format(id=entry.supersedes), style="bold cyan")
    if entry.superseded_by is not None:
        heading.append("   ")
        heading.append(_("→ corrected by #{id}").format(id=entry.superseded_by), style="bold cyan")
    body = highlighted(entry.text, spans, SUPERSEDED_STYLE if entry.superseded_by is not None else "")
    return Text("\n").join([heading, body])
