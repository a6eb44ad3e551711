"""Has anyone changed the database since we last looked? Cheap enough to ask twice a second.

SQLite answers exactly with `PRAGMA data_version`: it changes when another connection
(another console, the CLI, this process's own writes through the pool) commits, and
reading it touches no table. It must be asked on one connection kept open, so a
`ChangeWatch` holds one, used from one thread. A server database has no such pragma:
there the watch reads a small fingerprint instead, the highest ids of the tables every
write adds to (the record chain gets a link for every chained write, a handover answer
included) plus the counts of the rows that change in place (closed shifts, acknowledged or
cleared alerts, confirmed carried-over items).
"""

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, text

from dutydesk.store.db import Database

FINGERPRINT = """
SELECT
  (SELECT coalesce(max(id), 0) FROM log_entry),
  (SELECT coalesce(max(id), 0) FROM shift),
  (SELECT count(*) FROM shift WHERE closed_at IS NOT NULL),
  (SELECT coalesce(max(id), 0) FROM handover_signature),
  (SELECT coalesce(max(id), 0) FROM handover_answer),
  (SELECT coalesce(max(id), 0) FROM incident_event),
  (SELECT coalesce(max(id), 0) FROM follow_up_event),
  (SELECT coalesce(max(id), 0) FROM follow_up),
  (SELECT coalesce(max(id), 0) FROM queue_alert),
  (SELECT count(*) FROM queue_alert WHERE acknowledged_at IS NOT NULL OR cleared_at IS NOT NULL),
  (SELECT coalesce(max(id), 0) FROM supervisor),
  (SELECT coalesce(max(id), 0) FROM chain_link),
  (SELECT coalesce(max(id), 0) FROM handover_carried),
  (SELECT count(*) FROM handover_carried WHERE confirmed_at IS NOT NULL)
"""


class ChangeWatch:
    """`changed()` is True when the database changed since the previous call (False on the first)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.connection: Connection | None = None
        self.last: tuple[object, ...] | None = None

    def __enter__(self) -> Self:
        self.connection = self.db.engine.connect()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.connection is not None:
            self.connection.close()

    def changed(self) -> bool:
        assert self.connection is not None, "use ChangeWatch as a context manager"
        query = "PRAGMA data_version" if self.db.is_sqlite else FINGERPRINT
        current = tuple(self.connection.execute(text(query)).one())
        self.connection.rollback()  # end the read, so the next one sees new commits
        changed = self.last is not None and current != self.last
        self.last = current
        return changed
