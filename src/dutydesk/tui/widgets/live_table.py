"""A DataTable that draws again only the rows and cells that changed, for tables refreshed every second."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import count

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, CellKey, ColumnKey, RowKey

SegmentLines = list[list[Segment]]


class LiveTable(DataTable[Text]):
    """Textual's DataTable keys every cache of drawn lines, rows and cells on one counter that
    any change steps, and `update_cell` marks the whole table for drawing: at 50 queues, with
    a few figures changing each second, drawing was most of the queue panel's CPU time.

    Here `update_cell` leaves that counter to the other changes (rows added, removed or
    sorted, columns, sizes), gives the cell and its row a version of their own, and marks
    only that row for drawing. While a row or a cell is drawn the counter reads as (the
    other changes, its version), so it comes from the cache unless it or the table changed.
    The cache of whole lines, keyed by position, is emptied instead: lines are drawn again
    from the cached rows. Everything else is DataTable's own.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._versions = count(1)
        self._cell_versions: dict[tuple[RowKey | None, ColumnKey | None], int] = {}
        self._row_versions: dict[RowKey | None, int] = {}
        self._table_count: int | None = None  # the real counter while a versioned one is shown
        self._lines_stale = False  # cells changed since the caches keyed on the counter alone were emptied

    def update_cell(
        self, row_key: RowKey | str, column_key: ColumnKey | str, value: Text, *, update_width: bool = False
    ) -> None:
        row_key = RowKey(row_key) if isinstance(row_key, str) else row_key
        column_key = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        if row_key not in self._row_locations or column_key not in self._column_locations:
            raise CellDoesNotExist(f"No cell exists for row_key={row_key!r}, column_key={column_key!r}.")
        self._data[row_key][column_key] = value
        version = next(self._versions)
        self._cell_versions[row_key, column_key] = self._row_versions[row_key] = version
        self._lines_stale = True
        if update_width:  # measured when the app is idle, and then the whole table is drawn again
            self._updated_cells.add(CellKey(row_key, column_key))
            self._require_update_dimensions = True
        self.refresh_row(self.get_row_index(row_key))

    def _drop_stale_lines(self) -> None:
        """The caches keyed on the table's counter alone, emptied once after a refresh's
        changes rather than at each cell: the lines (keyed by position) and the formatted
        rows (read this way when column widths are measured)."""
        if self._lines_stale:
            self._lines_stale = False
            self._line_cache.clear()
            self._row_renderable_cache.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._drop_stale_lines()
        return super().render_lines(crop)

    def _update_column_widths(self, updated_cells: set[CellKey]) -> None:
        self._drop_stale_lines()
        super()._update_column_widths(updated_cells)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        self._drop_stale_lines()
        super()._update_dimensions(new_rows)

    def remove_row(self, row_key: RowKey | str) -> None:
        super().remove_row(row_key)
        removed = RowKey(row_key) if isinstance(row_key, str) else row_key
        self._row_versions.pop(removed, None)
        for column_key in self.columns:
            self._cell_versions.pop((removed, column_key), None)

    def clear(self, columns: bool = False) -> "LiveTable":
        super().clear(columns)
        self._row_versions.clear()
        self._cell_versions.clear()
        return self

    @contextmanager
    def _counter_as(self, *version: object) -> Iterator[None]:
        """Inside, the caches' counter reads as (the table's own changes, *version)."""
        shown = self._update_count
        table = shown if self._table_count is None else self._table_count
        outer, self._table_count = self._table_count, table
        self._update_count = (table, *version)  # type: ignore[assignment]
        try:
            yield
        finally:
            self._update_count, self._table_count = shown, outer

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[SegmentLines, SegmentLines]:
        with self._counter_as(self._row_versions.get(row_key, 0)):
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        version = 0  # the header and row labels change only with the table
        if row_index >= 0 and column_index >= 0:
            row_key = self._row_locations.get_key(row_index)
            column_key = self._column_locations.get_key(column_index)
            version = self._cell_versions.get((row_key, column_key), 0)
        with self._counter_as(version, width):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
