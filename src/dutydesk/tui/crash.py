"""A crash report: the traceback of an error nobody handled, in a file the user can send on."""

import traceback
from pathlib import Path

from dutydesk import __version__, clock
from dutydesk.paths import crash_report_dir


def write_crash_report(error: BaseException) -> Path:
    directory = crash_report_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = clock.utcnow().strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"crash-{stamp}-{type(error).__name__}.txt"
    lines = traceback.format_exception(error)
    path.write_text(f"dutydesk {__version__}\n{''.join(lines)}", encoding="utf-8")
    return path
