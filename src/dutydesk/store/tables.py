"""Every table dutydesk stores. Times are naive UTC (see `dutydesk.clock`)."""

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself, e.g. its schema version."""

    __tablename__ = "dutydesk_meta"
    key: str = Field(primary_key=True)
    value: str


class Supervisor(SQLModel, table=True):
    __tablename__ = "supervisor"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    display_name: str
    pin_hash: str
    created_at: datetime


class Shift(SQLModel, table=True):
    __tablename__ = "shift"
    __table_args__ = (
        # At most one open shift per team: the database itself refuses a second one.
        Index(
            "ix_shift_one_open_per_team",
            "team",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    team: str
    slot_key: str
    supervisor_id: int = Field(foreign_key="supervisor.id")
    planned_start: datetime
    planned_end: datetime
    opened_at: datetime = Field(index=True)
    closed_at: datetime | None = None
    status: str = "open"


class LogEntry(SQLModel, table=True):
    """A duty-log entry. Append-only: a correction is a new row that supersedes an old one."""

    __tablename__ = "log_entry"
    __table_args__ = (Index("ix_log_entry_shift_at", "shift_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shift.id")
    at: datetime = Field(index=True)
    recorded_at: datetime
    category: str = Field(index=True)
    severity: str
    text: str
    author_id: int = Field(foreign_key="supervisor.id")
    supersedes_id: int | None = Field(default=None, foreign_key="log_entry.id", unique=True)
