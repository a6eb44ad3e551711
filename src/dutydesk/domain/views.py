"""What screens, commands and the export show of a shift and of log entries: plain values, and
the Log screen's first page made of them without the storage stack (`store.quick_read`).

Nothing here imports SQLAlchemy: the TUI paints its first frame from these while the rest
loads. `dutydesk.domain.shifts` and `dutydesk.domain.log` read and write them.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from dutydesk.errors import UserError
from dutydesk.i18n import N_, _, _p
from dutydesk.jsonshape import moment, person
from dutydesk.store.quick_read import quick_reader

if TYPE_CHECKING:
    from dutydesk.config import Config

SEVERITIES = {"info": N_("info"), "warning": N_("warning"), "critical": N_("critical")}


@dataclass(frozen=True)
class ShiftInfo:
    id: int
    team: str
    slot_key: str
    supervisor: str  # the supervisor's name
    supervisor_display: str
    status: str
    planned_start: datetime  # aware UTC
    planned_end: datetime
    opened_at: datetime
    closed_at: datetime | None

    def status_label(self) -> str:
        """ "On duty" or "ended", in the UI language (a shift's own words, not a ticket's)."""
        return _p("shift status", "open") if self.status == "open" else _p("shift status", "closed")

    def as_json(self, config: "Config") -> dict[str, object]:
        zone = config.zone
        return {
            "id": self.id,
            "supervisor": person(self.supervisor, self.supervisor_display),
            "team": self.team,
            "slot": self.slot_key,
            "status": self.status,
            "planned_start": moment(self.planned_start, zone),
            "planned_end": moment(self.planned_end, zone),
            "opened_at": moment(self.opened_at, zone),
            "closed_at": moment(self.closed_at, zone),
        }


class LogEntryView(NamedTuple):
    """One entry as screens, commands and the export show it. A named tuple, not a frozen
    dataclass: a 5,000-entry shift is built ten times faster (no per-field setattr)."""

    id: int
    at: datetime  # aware UTC
    recorded_at: datetime
    category: str
    severity: str
    text: str
    author: str
    author_display: str
    shift_id: int
    supersedes: int | None
    superseded_by: int | None

    def as_json(self, config: "Config") -> dict[str, object]:
        return {
            "id": self.id,
            "at": self.at.astimezone(config.zone).isoformat(),
            "recorded_at": self.recorded_at.astimezone(config.zone).isoformat(),
            "category": self.category,
            "severity": self.severity,
            "text": self.text,
            "author": person(self.author, self.author_display),
            "shift_id": self.shift_id,
            "supersedes": self.supersedes,
            "superseded_by": self.superseded_by,
        }


def severity_label(key: str) -> str:
    return _(SEVERITIES[key])


class NewEntry(NamedTuple):
    """An entry as typed, before it is written."""

    text: str
    category: str
    severity: str


def pick_open_shift(found: list[ShiftInfo], home_team: str | None) -> ShiftInfo | None:
    """The open shift a console works in: the only one open, or, when several teams have one
    open, the one of `home_team` (this console's own team)."""
    if len(found) > 1:
        found = [shift for shift in found if shift.team == home_team]
        if not found:
            raise UserError(_("several shifts are open; choose one with --team"))
    return found[0] if found else None


class FirstPage(NamedTuple):
    """What the Log screen shows first: the console's open shift (None: none is open or
    several teams have one and none is this console's) and its newest entries."""

    shift: ShiftInfo | None
    entries: list[LogEntryView]
    total: int  # entries in the shift


def read_first_page(path: Path, home_team: str, limit: int) -> FirstPage | None:
    """The first page read from an SQLite file with `sqlite3` alone; None when the file must be
    opened the normal way (a new file, another schema version, not readable)."""
    with quick_reader(path) as reader:
        if reader is None:
            return None
        try:
            shift = pick_open_shift([ShiftInfo(*row) for row in reader.open_shifts()], home_team)
        except UserError:  # several teams have a shift open, none of them this console's
            shift = None
        if shift is None:
            return FirstPage(None, [], 0)
        entries = [LogEntryView._make(row) for row in reader.newest_entries(shift.id, limit)]
        return FirstPage(shift, entries, reader.count_entries(shift.id))
    return None  # the file could not be read this way
