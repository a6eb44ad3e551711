"""Database errors become `StorageError`s at the engine, before they leave `dutydesk.store`.

One `handle_error` listener on the engine sees every failed statement, commit and
connection attempt. An integrity error is left as it is: domain code catches it on
purpose (a row another console inserted a moment ago).
"""

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import IntegrityError

from dutydesk.errors import StorageError
from dutydesk.i18n import _


def storage_error(original: BaseException) -> StorageError:
    """The one line a user reads for a failed database call."""
    reason = (str(original).splitlines() or [type(original).__name__])[0]
    if "locked" in reason:
        return StorageError(_("the database is busy (another console is writing to it); try again"))
    return StorageError(_("database failure: {reason}").format(reason=reason))


def _raise_storage_error(context: ExceptionContext) -> None:
    # A pre-ping that finds the connection gone must reach the pool, which then reconnects
    # (a server restart costs no user action).
    if context.is_pre_ping or isinstance(context.sqlalchemy_exception, IntegrityError):
        return
    raise storage_error(context.original_exception) from context.original_exception


def report_failures_as_storage_errors(engine: Engine) -> None:
    event.listen(engine, "handle_error", _raise_storage_error)
