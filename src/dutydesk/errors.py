"""The one exception type whose message is meant for the user.

Domain, storage and config code raise `UserError` with an already translated, one-line
message; the CLI prints it and exits non-zero, the TUI shows it in a notification.
"""


class UserError(Exception):
    """Something the user can fix: bad input, a missing shift, a refused database."""

    exit_code = 1


class ConfigError(UserError):
    """The configuration file cannot be used as it is."""


class DatabaseRefused(UserError):
    """The database file is not one dutydesk can open safely."""


class DatabaseUnavailable(DatabaseRefused):
    """The database server cannot be reached, refuses this login, or the driver is missing."""


class StorageError(UserError):
    """The database failed under a call (locked, full disk, lost server): one line, never a traceback.

    Raised by `dutydesk.store` in place of SQLAlchemy's errors, so the CLI and the TUI report
    it like any other `UserError` without importing SQLAlchemy themselves.
    """
