"""A DataTable that draws again only the cells that changed, for tables refreshed every second."""

from itertools import count

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey


class LiveTable(DataTable[Text]):
    """Textual's DataTable keys every cache of drawn cells on one counter that any change
    steps, so one new figure draws every visible cell again: at 50 queues, with a few figures
    changing each second, that was most of the queue panel's CPU time.

    Here the steps of `update_cell` are told apart from the others (rows added, removed or
    sorted, columns, sizes): while a cell is drawn, the counter reads as (the other changes,
    that cell's own version, its width), so a cell is drawn again when it changed or the
    table did, and otherwise comes from the cache. Everything else is DataTable's own.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._cell_updates = 0  # how many of the counter's steps were update_cell's
        self._cell_versions: dict[tuple[RowKey | None, ColumnKey | None], int] = {}
        self._next_version = count(1)

    def update_cell(
        self, row_key: RowKey | str, column_key: ColumnKey | str, value: Text, *, update_width: bool = False
    ) -> None:
        super().update_cell(row_key, column_key, value, update_width=update_width)
        self._cell_updates += 1
        # Keys as the table holds them: a column added without a key has one whose value is None.
        cell = (
            RowKey(row_key) if isinstance(row_key, str) else row_key,
            ColumnKey(column_key) if isinstance(column_key, str) else column_key,
        )
        self._cell_versions[cell] = next(self._next_version)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        version = 0  # the header and row labels change only with the table
        if row_index >= 0 and column_index >= 0:
            row_key = self._row_locations.get_key(row_index)
            column_key = self._column_locations.get_key(column_index)
            version = self._cell_versions.get((row_key, column_key), 0)
        counter = self._update_count
        self._update_count = (counter - self._cell_updates, version, width)  # type: ignore[assignment]
        try:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        finally:
            self._update_count = counter
