"""The shift summary exported to Markdown (no Textual here: the CLI and the TUI share it)."""

from dutydesk.export.files import (
    export_all,
    refuse_invalid,
    save_to_export_dir,
    summary_file_name,
    write_atomically,
)
from dutydesk.export.sections import SECTIONS, render_summary
from dutydesk.export.summary import ShiftSummary, gather_summary

__all__ = [
    "SECTIONS",
    "ShiftSummary",
    "export_all",
    "gather_summary",
    "refuse_invalid",
    "render_summary",
    "save_to_export_dir",
    "summary_file_name",
    "write_atomically",
]
