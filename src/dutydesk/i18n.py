"""One translation function for every user-visible string: `_()`.

Catalogs are gettext files under `locale/` (`dutydesk.pot` is the template, translators
edit `zh_CN/LC_MESSAGES/dutydesk.po`; `scripts/compile_catalogs.py` writes the `.mo`).
English is the source language. The language is chosen once at start-up and can be
changed at run time, so `_()` looks up the current catalog on every call; constants that
are defined at import time are marked with `N_()` and translated where they are shown.
"""

import gettext
import os
from pathlib import Path

from dutydesk.errors import UserError

LANGUAGES = ("en", "zh")
DOMAIN = "dutydesk"
LOCALE_DIR = Path(__file__).parent / "locale"
_GETTEXT_LANGUAGE = {"zh": "zh_CN"}

_catalog: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _(message: str) -> str:
    return _catalog.gettext(message)


def translated_in(message: str, language: str) -> str:
    """`message` in `language`, whatever the current language (e.g. to recognise text logged in either)."""
    if language == "en":
        return message
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[_GETTEXT_LANGUAGE[language]]).gettext(message)


def N_(message: str) -> str:
    """Mark a string for translation without translating it yet."""
    return message


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


def set_language(language: str) -> None:
    global _catalog, _language
    if language == "en":
        _catalog = gettext.NullTranslations()
    else:
        _catalog = gettext.translation(DOMAIN, LOCALE_DIR, languages=[_GETTEXT_LANGUAGE[language]])
    _language = language
