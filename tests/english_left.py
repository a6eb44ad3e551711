"""What counts as English left in a Chinese screen or help page: a run of three or more ASCII
letters that is not a proper name, key name, unit or code a user types or reads as is."""

import re

# Product, programs, formats and standards; key names; type tags of help pages (<str>, <int range>).
NAMES = "dutydesk Asterisk asterisk PostgreSQL SQLite shell bash zsh fish Markdown JSON JSONL CSV SVG URL http https IVR CRM CTI ACD PIN Erlang SHA ISO UTF"
KEYS = "Ctrl Enter Escape Esc Tab Space Shift Del home end pgup pgdn tab shift super"
TYPE_TAGS = "str int path bool float range"
# Codes the user types: severities, kinds, priorities, statuses, feeds, commands, a time pattern.
CODES = (
    "info warning critical event defect ticket complaint special_customer system_issue low normal high urgent "
    "general suggestion product_quality logistics_delay sim file YYYY crm_down wang all issue stable watch unstable "
    "crm outgoing incoming demo lead"
)
ALLOWED = set(f"{NAMES} {KEYS} {TYPE_TAGS} {CODES}".split())
CODE = re.compile(
    r"--[a-z][a-z-]*"  # an option
    r"|\$[A-Z_]+"  # an environment variable
    r"|`[^`]*`"  # code in backticks
    r"|[A-Za-z0-9_.:~-]*/[A-Za-z0-9_./:~-]+"  # a path or URL
    r"|\b[a-z0-9_]+\.[a-z]+\b"  # a dotted key or file name (peak_level_1.md)
    r"|\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b"  # a key with underscores
)
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def english_left(text: str, also_allowed: set[str] | None = None) -> list[str]:
    """The English words in a Chinese text, codes and allowed names removed."""
    allowed = ALLOWED | (also_allowed or set())
    return sorted({word for word in ENGLISH.findall(CODE.sub(" ", text)) if word not in allowed})
