"""The schema version this dutydesk writes and reads: its own module, so the TUI's first frame
(`dutydesk.store.quick_read`) can check a file's version without importing SQLAlchemy."""

SCHEMA_VERSION = 11
