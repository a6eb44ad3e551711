"""Running a domain call from a screen without ever crashing the app.

A `UserError` already carries a translated one-line message; any other database error
(e.g. "database is locked") is shortened to its first line. Both become an error
notification and the caller gets `None`, so it can keep what the user typed.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from textual.app import App
from textual.widget import Widget

from dutydesk.errors import UserError
from dutydesk.i18n import _

T = TypeVar("T")


def database_reason(error: SQLAlchemyError) -> str:
    reason = str(getattr(error, "orig", None) or error)
    return reason.splitlines()[0] if reason else type(error).__name__


def attempt(node: App[Any] | Widget, call: Callable[[], T]) -> T | None:
    """`call()`, or `None` after telling the user why it failed."""
    try:
        return call()
    except UserError as error:
        node.notify(str(error), severity="error")
    except SQLAlchemyError as error:
        node.notify(
            _("database error: {reason}").format(reason=database_reason(error)),
            severity="error",
            timeout=10,
        )
    return None
