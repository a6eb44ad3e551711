"""The shapes every `--json` output is built from, so that commands agree (schemas: docs/json/).

- a record's own number is `id`;
- a person is `{"name": login, "display_name": shown name}`;
- a time is ISO 8601 in center time with its offset;
- a translatable text is `{"en": ..., "zh": ...}` (Chinese falls back to English), a state or
  kind is a language-neutral code; what a user typed is given as typed. Never a sentence in
  the UI language: a script must get the same JSON whatever `--lang` says.
"""

from datetime import datetime, tzinfo
from typing import Protocol


class Bilingual(Protocol):
    @property
    def en(self) -> str: ...

    @property
    def zh(self) -> str | None: ...


def person(name: str, display_name: str | None) -> dict[str, str]:
    return {"name": name, "display_name": display_name or name}


def moment(value: datetime | None, zone: tzinfo) -> str | None:
    return value.astimezone(zone).isoformat() if value else None


def both_languages(text: Bilingual) -> dict[str, str]:
    return {"en": text.en, "zh": text.zh or text.en}
