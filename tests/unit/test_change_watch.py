"""What tells a console that another one committed: every change a screen shows, on both backends."""

from collections.abc import Callable

import pytest

from dutydesk.config import Config
from dutydesk.domain import handover as ho
from dutydesk.domain import log, supervisors
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.domain.status import watch_changes
from dutydesk.store.db import Database, open_database

Change = Callable[[Database, int], object]

CHANGES: dict[str, Change] = {
    "an answer": lambda other, handover_id: ho.answer_item(other, handover_id, "crm", "ok", ""),
    "a read-back": lambda other, handover_id: ho.confirm_carried(other, handover_id),
}


@pytest.mark.parametrize("what", list(CHANGES))
def test_another_consoles_handover_change_is_seen(db: Database, config: Config, shift: ShiftInfo, what: str) -> None:
    supervisors.add_supervisor(db, "li", "李娜", "135790")
    log.add_entry(db, config, shift, "CRM slow", category="system_status", severity="warning")
    started = ho.start_handover(db, config)
    other = open_database(db.target)  # another console, its own connections
    try:
        with watch_changes(db) as watch:
            assert not watch.changed()  # the starting point
            assert not watch.changed()
            CHANGES[what](other, started.id)
            assert watch.changed()
    finally:
        other.close()
