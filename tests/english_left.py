"""What counts as English left in a Chinese screen or help page: a run of three or more ASCII
letters that is not a proper name, key name, unit or code a user types or reads as is."""

import re

ALLOWED = {
    # product, programs, formats and standards
    "dutydesk",
    "shell",
    "bash",
    "zsh",
    "fish",
    "Markdown",
    "JSON",
    "JSONL",
    "CSV",
    "URL",
    "http",
    "https",
    "IVR",
    "CRM",
    "CTI",
    "ACD",
    "PIN",
    "Erlang",
    "SHA",
    "ISO",
    "UTF",
    "TOML",
    "toml",
    "Asterisk",
    "SQLite",
    "PostgreSQL",
    "ASA",
    "AHT",
    "VIP",
    "Ctrl",
    "Enter",
    "Escape",
    "Esc",
    "Tab",
    "Space",
    "Shift",
    # type tags in help: <str> <int> <path> <bool> <float>
    "str",
    "int",
    "path",
    "bool",
    "float",
    # codes the user types: severities, kinds, priorities, urgencies, feeds, time patterns
    "info",
    "warning",
    "critical",
    "event",
    "defect",
    "ticket",
    "complaint",
    "special_customer",
    "system_issue",
    "low",
    "normal",
    "high",
    "urgent",
    "general",
    "suggestion",
    "product_quality",
    "logistics_delay",
    "sim",
    "file",
    "YYYY",
    "crm_down",
    "wang",
    "all",
    "issue",
    "stable",
    "watch",
    "unstable",
    "crm",
    "outgoing",
    "incoming",
}
CODE = re.compile(r"--[a-z][a-z-]*|\$[A-Z_]+|`[^`]*`|<[a-z ]+>|\b[a-z_]+\.[a-z]+\b|\b[A-Za-z]+_[A-Za-z_]+\b")
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def english_left(text: str, also_allowed: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """The English words in a Chinese text, codes and allowed names removed."""
    words = ENGLISH.findall(CODE.sub(" ", text))
    return sorted({word for word in words if word not in ALLOWED and word not in also_allowed})
