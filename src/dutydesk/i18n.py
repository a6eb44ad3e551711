"""One translation function for every user-visible string: `_()`.

Catalogs are gettext files under `locale/` (`dutydesk.pot` is the template, translators
edit `zh_CN/LC_MESSAGES/dutydesk.po`; `scripts/update_catalogs.py` extracts the strings,
merges them into the `.po` and writes the `.mo`).
English is the source language. The language is chosen once at start-up and can be
changed at run time, so `_()` looks up the current catalog on every call; constants that
are defined at import time are marked with `N_()` and translated where they are shown.

A word with two roles (a follow-up "waiting" vs the queue metric "waiting") gets a context:
`_p("follow-up status", "waiting")`, or `NP_(...)` for a constant; each (context, message)
is its own catalog entry (msgctxt), so the roles can be translated differently.
`docs/glossary.md` lists the terms the Chinese catalog uses.
"""

import gettext
import os
from collections.abc import Callable
from pathlib import Path

from dutydesk.errors import UserError

LANGUAGES = ("en", "zh")
DOMAIN = "dutydesk"
LOCALE_DIR = Path(__file__).parent / "locale"
_GETTEXT_LANGUAGE = {"zh": "zh_CN"}

_catalog: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


class ContextMessage(str):
    """A constant message marked with its context by `NP_()`; `_()` translates it in that context."""

    context: str


def _(message: str) -> str:
    return _translated(_catalog, message)


def _translated(catalog: gettext.NullTranslations, message: str) -> str:
    if isinstance(message, ContextMessage):
        return catalog.pgettext(message.context, message)
    return catalog.gettext(message)


def _p(context: str, message: str) -> str:
    """Translate a message that means different things in different places (gettext's pgettext)."""
    return _catalog.pgettext(context, message)


def translated_in(message: str, language: str) -> str:
    """`message` in `language`, whatever the current language (e.g. to recognise text logged in either)."""
    if language == "en":
        return message
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[_GETTEXT_LANGUAGE[language]]).gettext(message)


def N_(message: str) -> str:
    """Mark a string for translation without translating it yet."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark a string with its context for translation without translating it yet."""
    marked = ContextMessage(message)
    marked.context = context
    return marked


# Zones a reader knows by a name of its own; any other zone is shown by its key.
ZONE_NAMES = {"Asia/Shanghai": N_("Beijing time"), "Asia/Hong_Kong": N_("Hong Kong time")}


def zone_name(zone_key: str) -> str:
    """How a center's time zone is named in text: 北京时间 for Asia/Shanghai."""
    return _(ZONE_NAMES[zone_key]) if zone_key in ZONE_NAMES else zone_key


def with_count(title: str, count: int) -> str:
    """A heading with how many items follow: 'Events (3)', '事件（3）'."""
    return _("{title} ({count})").format(title=title, count=count)


def labelled(label: str) -> str:
    """A label before its value: 'Outgoing: ', '交班：'."""
    return _("{label}: ").format(label=label)


def current_language() -> str:
    return _language


def choose_language(explicit: str | None = None) -> str:
    """--lang, else DUTYDESK_LANG, else the locale (LANG=zh_CN.UTF-8 means Chinese)."""
    chosen = explicit or os.environ.get("DUTYDESK_LANG")
    if chosen:
        if chosen not in LANGUAGES:
            raise UserError(
                _("unknown language {language!r}: choose one of {choices}").format(
                    language=chosen, choices=", ".join(LANGUAGES)
                )
            )
        return chosen
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def _catalog_for(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[_GETTEXT_LANGUAGE[language]])


def set_language(language: str) -> None:
    global _catalog, _language
    _catalog = _catalog_for(language)
    _language = language


def translator(language: str) -> Callable[[str], str]:
    """`_()` for one language, whatever this console shows: notices go out in the center's
    language. Mark the messages it translates with `N_()` (or `NP_()`)."""
    catalog = _catalog_for(language)
    return lambda message: _translated(catalog, message)
