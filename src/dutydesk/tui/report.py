"""A domain call made in place, for the few writes still made on the UI thread.

Prefer `DeskIO.run_io` (screens/base.py), which runs the call in a thread worker and
reports failures in one place. This is for the screens not moved yet: a `UserError`
(a `StorageError` included) becomes an error notification and the caller gets `None`,
so it can keep what the user typed.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App
from textual.widget import Widget

from dutydesk.errors import UserError

T = TypeVar("T")


def attempt(node: App[Any] | Widget, call: Callable[[], T]) -> T | None:
    """`call()`, or `None` after telling the user why it failed."""
    try:
        return call()
    except UserError as error:
        node.notify(str(error), severity="error", timeout=10)
    return None
