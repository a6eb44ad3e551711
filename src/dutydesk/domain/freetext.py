"""Checks every free-text field of incidents and follow-ups goes through."""

from dutydesk.errors import UserError
from dutydesk.i18n import _


def require_text(text: str, what: str) -> str:
    """`text` without surrounding blank lines; refuses empty text and bytes that were not UTF-8.

    `what` is the already translated name of the field, e.g. _("the summary").
    """
    if not text.strip():
        raise UserError(_("{what} is empty").format(what=what))
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        # A non-UTF-8 byte from the command line arrives as a lone surrogate.
        raise UserError(_("{what} holds bytes that are not UTF-8").format(what=what))
    return text.strip("\n")
