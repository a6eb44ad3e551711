"""Incident playbooks (应急预案): Markdown files with TOML front matter, read and linted.

A playbook file starts with a `+++` line, holds TOML up to the next `+++` line, then
Markdown. Its steps are the Markdown checklist items (`- [ ] …`): the item's first line
is the English text, an indented line under it the Chinese. A step may end with a
deadline relative to the incident's start, `(within 30 min)` / `(within 2 h)` in
English or `（30 分钟内）` / `（2 小时内）` in Chinese. docs/playbooks.md is the reference.

Shipped playbooks come with dutydesk; a supervisor's own files in the config dir
override them by key. A file that cannot be read is never fatal: it is returned as a
`BrokenPlaybook` with a reason that names the file and, where known, the line.
"""

import re
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import ConfigDict, Field, ValidationError, field_validator

from dutydesk import paths
from dutydesk.config import KEY_PATTERN, Label, Strict, _line_of_key, validation_reason
from dutydesk.errors import UserError
from dutydesk.i18n import N_, _
from dutydesk.jsonshape import both_languages
from dutydesk.textsearch import CJK_RUN

FENCE = "+++"
SHIPPED = "shipped"
KINDS = {
    "peak_traffic": N_("peak traffic"),
    "system_fault": N_("system fault"),
    "complaint": N_("complaint"),
    "communications_outage": N_("communications outage"),
    "other": N_("other"),
}
Kind = Literal["peak_traffic", "system_fault", "complaint", "communications_outage", "other"]

STEP_START = re.compile(r"^[-*+][ \t]+\[[ xX]\][ \t]+(?P<text>.*\S)\s*$")
CONTINUATION = re.compile(r"^[ \t]{2,}(?P<text>\S.*?)\s*$")
UNIT_MINUTES = {"min": 1, "mins": 1, "minute": 1, "minutes": 1, "h": 60, "hour": 60, "hours": 60, "分钟": 1, "小时": 60}
DEADLINE_EN = re.compile(r"\s*\(within\s+(?P<amount>\d+)\s*(?P<unit>minutes?|mins?|hours?|h)\)\s*$", re.IGNORECASE)
DEADLINE_ZH = re.compile(r"\s*[（(]\s*(?P<amount>\d+)\s*(?P<unit>分钟|小时)\s*内\s*[）)]\s*$")


class Contact(Strict):
    model_config = ConfigDict(defer_build=True)  # validated only when a playbook is read: not at import
    role: Label
    name: str = ""  # a person's name is the same in every language
    channel: Label | None = None  # how to reach them: "phone", "internal channel", ...
    step: Annotated[int, Field(ge=1)] | None = None  # the step an escalation to this contact fulfils

    @field_validator("channel", mode="before")
    @classmethod
    def channel_in_one_language(cls, value: object) -> object:
        """`channel = "WeCom"` (and an incident stored before channels had two languages) is the
        channel in every language; an empty one is none."""
        if isinstance(value, str):
            return {"en": value} if value.strip() else None
        return value

    def as_json(self) -> dict[str, object]:
        return {
            "role": both_languages(self.role),
            "name": self.name,
            "channel": both_languages(self.channel) if self.channel else None,
            "step": self.step,
        }

    def matches(self, text: str) -> bool:
        """`text` names this contact: its role (either language) or its name, any case."""
        wanted = text.strip().casefold()
        return bool(wanted) and wanted in {
            part.casefold()
            for part in (self.role.en, self.role.zh or "", self.name, f"{self.role} {self.name}")
            if part
        }


class FrontMatter(Strict):
    model_config = ConfigDict(defer_build=True)
    key: Annotated[str, Field(pattern=KEY_PATTERN)]
    title: Label
    kind: Kind
    level: Annotated[int, Field(ge=1, le=9)]
    respond_within_min: Annotated[int, Field(gt=0)]
    trigger: Label | None = None
    ivr: Label | None = None
    contacts: list[Contact] = []


@dataclass(frozen=True)
class Step:
    n: int  # 1-based
    text: Label
    within: timedelta | None  # deadline relative to the incident's start


@dataclass(frozen=True)
class Playbook:
    key: str
    title: Label
    kind: str
    level: int
    respond_within: timedelta
    trigger: Label | None
    ivr: Label | None
    contacts: list[Contact]
    steps: list[Step]
    body: str  # the Markdown after the front matter
    path: Path
    origin: str  # SHIPPED or "user"

    @property
    def source(self) -> str:
        return SHIPPED if self.origin == SHIPPED else str(self.path)

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": both_languages(self.title),
            "kind": self.kind,
            "level": self.level,
            "respond_within_min": int(self.respond_within.total_seconds() // 60),
            "source": self.source,
            "broken": None,
            "trigger": both_languages(self.trigger) if self.trigger else None,
            "ivr": both_languages(self.ivr) if self.ivr else None,
            "contacts": [contact.as_json() for contact in self.contacts],
            "steps": [
                {
                    "n": step.n,
                    "text": both_languages(step.text),
                    "within_min": int(step.within.total_seconds() // 60) if step.within else None,
                }
                for step in self.steps
            ],
        }


@dataclass(frozen=True)
class BrokenPlaybook:
    path: Path
    reason: str  # names the file and, where known, the line
    origin: str
    key: str | None = None  # when the front matter got far enough to name one

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key or self.path.stem,
            "title": None,
            "kind": None,
            "level": None,
            "source": SHIPPED if self.origin == SHIPPED else str(self.path),
            "broken": self.reason,
        }


@dataclass(frozen=True)
class PlaybookSet:
    playbooks: dict[str, Playbook]  # by key, user files over shipped ones
    broken: list[BrokenPlaybook]

    def get(self, key: str) -> Playbook:
        playbook = self.playbooks.get(key)
        if playbook is not None:
            return playbook
        broken = next((item for item in self.broken if item.key == key), None)
        if broken is not None:
            raise UserError(_("playbook {key!r} is broken: {reason}").format(key=key, reason=broken.reason))
        raise UserError(
            _("no playbook {key!r}: known keys are {keys}").format(
                key=key, keys=", ".join(sorted(self.playbooks)) or "—"
            )
        )

    def ordered(self) -> list[Playbook]:
        kinds = list(KINDS)
        return sorted(self.playbooks.values(), key=lambda p: (kinds.index(p.kind), p.level, p.key))


class PlaybookError(Exception):
    """One problem in one file; `line` is 1-based in the whole file, when known."""

    def __init__(self, message: str, line: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.key = message, line, key


# -- locations ------------------------------------------------------------------------


def shipped_dir() -> Path:
    return paths.sample_data_dir() / "playbooks"


def user_dir() -> Path:
    return platformdirs.user_config_path(paths.APP_NAME) / "playbooks"


# -- parsing --------------------------------------------------------------------------


def parse_playbook(text: str, path: Path, origin: str = SHIPPED) -> Playbook:
    """The playbook in `text`; raises `PlaybookError` naming the line of the first problem."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        raise PlaybookError(_("the file must start with a '+++' line (TOML front matter)"), 1)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == FENCE), None)
    if end is None:
        raise PlaybookError(_("the front matter is not closed by a second '+++' line"), 1)
    front_text = "\n".join(lines[1:end])
    meta = _front_matter(front_text)
    steps = parse_steps(lines[end + 1 :], first_line=end + 2)
    if not steps:
        raise PlaybookError(_("no steps: write them as a checklist, '- [ ] Do this'"), end + 2, meta.key)
    for contact in meta.contacts:
        if contact.step is not None and contact.step > len(steps):
            line = _line_of_key(front_text, ("contacts", "step"))
            raise PlaybookError(
                _("contact {role!r}: there is no step {n}").format(role=contact.role.en, n=contact.step),
                line + 1 if line else None,
                meta.key,
            )
    return Playbook(
        key=meta.key,
        title=meta.title,
        kind=meta.kind,
        level=meta.level,
        respond_within=timedelta(minutes=meta.respond_within_min),
        trigger=meta.trigger,
        ivr=meta.ivr,
        contacts=list(meta.contacts),
        steps=steps,
        body="\n".join(lines[end + 1 :]).strip("\n"),
        path=path,
        origin=origin,
    )


def _front_matter(front_text: str) -> FrontMatter:
    """Validated front matter; line numbers are shifted by 1 for the opening '+++'."""
    try:
        values = tomllib.loads(front_text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        # An error at the end of the front matter is on its last line.
        line = int(found.group(1)) + 1 if found else front_text.count("\n") + 2
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        raise PlaybookError(_("front matter: {reason}").format(reason=reason), line) from None
    try:
        return FrontMatter.model_validate(values)
    except ValidationError as error:
        # An unknown field is most often a misspelt one: name it before the "missing" field.
        first = min(error.errors(), key=lambda e: e["type"] != "extra_forbidden")
        field = ".".join(str(part) for part in first["loc"])
        key_line = _line_of_key(front_text, first["loc"])
        key = values.get("key") if isinstance(values.get("key"), str) else None
        if first["type"] == "extra_forbidden":
            message = _("unknown field {field!r}").format(field=field)
        else:
            message = _("field {field}: {reason}").format(field=field, reason=validation_reason(first))
        raise PlaybookError(message, key_line + 1 if key_line else None, key) from None


def parse_steps(lines: list[str], first_line: int = 1) -> list[Step]:
    """Checklist items: indented lines under an item continue it, Chinese ones are its Chinese text."""
    items: list[tuple[int, str, str | None]] = []  # line number, English, Chinese
    in_item = False
    for index, line in enumerate(lines):
        started = STEP_START.match(line)
        if started:
            items.append((first_line + index, started.group("text"), None))
            in_item = True
            continue
        more = CONTINUATION.match(line) if in_item else None
        if more is None:
            in_item = False
            continue
        number, english, chinese = items[-1]
        text = more.group("text")
        if chinese is not None or CJK_RUN.search(text):
            items[-1] = (number, english, (chinese or "") + text)  # Chinese wraps without spaces
        else:
            items[-1] = (number, f"{english} {text}", None)
    return [_step(n, *item) for n, item in enumerate(items, start=1)]


def _step(n: int, line: int, english: str, chinese: str | None) -> Step:
    english, within_en = _split_deadline(english, DEADLINE_EN)
    within_zh = None
    if chinese is not None:
        chinese, within_zh = _split_deadline(chinese, DEADLINE_ZH)
    if within_en and within_zh and within_en != within_zh:
        raise PlaybookError(_("step {n}: the English and Chinese deadlines differ").format(n=n), line)
    if within_en == timedelta(0) or within_zh == timedelta(0):
        raise PlaybookError(_("step {n}: a deadline must be more than 0").format(n=n), line)
    return Step(n, Label(en=english, zh=chinese), within_en or within_zh)


def _split_deadline(text: str, pattern: re.Pattern[str]) -> tuple[str, timedelta | None]:
    found = pattern.search(text)
    if not found:
        return text, None
    minutes = int(found.group("amount")) * UNIT_MINUTES[found.group("unit").lower()]
    return text[: found.start()].rstrip(), timedelta(minutes=minutes)


# -- loading --------------------------------------------------------------------------


def read_playbook(path: Path, origin: str) -> Playbook | BrokenPlaybook:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        return BrokenPlaybook(
            path, _("{path}: not UTF-8 text (byte {position})").format(path=path, position=error.start), origin
        )
    except OSError as error:
        return BrokenPlaybook(path, _("cannot read {path}: {reason}").format(path=path, reason=error.strerror), origin)
    try:
        return parse_playbook(text, path, origin)
    except PlaybookError as error:
        where = f"{path}, line {error.line}" if error.line else str(path)
        return BrokenPlaybook(path, f"{where}: {error.message}", origin, error.key)


def read_dir(directory: Path, origin: str) -> tuple[list[Playbook], list[BrokenPlaybook]]:
    """Every `*.md` file of `directory` (a missing directory holds none); duplicate keys are broken."""
    good: list[Playbook] = []
    broken: list[BrokenPlaybook] = []
    files = sorted(directory.glob("*.md")) if directory.is_dir() else []
    seen: dict[str, Path] = {}
    for path in files:
        result = read_playbook(path, origin)
        if isinstance(result, BrokenPlaybook):
            broken.append(result)
        elif result.key in seen:
            broken.append(
                BrokenPlaybook(
                    path,
                    _("{path}, line {line}: duplicate key {key!r}, already used by {other}").format(
                        path=path, line=_key_line(path), key=result.key, other=seen[result.key]
                    ),
                    origin,
                    result.key,
                )
            )
        else:
            seen[result.key] = path
            good.append(result)
    return good, broken


def _key_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next((i + 1 for i, line in enumerate(lines) if re.match(r"\s*key\s*=", line)), 1)


def load_playbooks(shipped: Path | None = None, user: Path | None = None) -> PlaybookSet:
    """Shipped playbooks, overridden by key by the user's; broken files of both are listed."""
    playbooks: dict[str, Playbook] = {}
    broken: list[BrokenPlaybook] = []
    for directory, origin in ((shipped or shipped_dir(), SHIPPED), (user or user_dir(), "user")):
        good, bad = read_dir(directory, origin)
        playbooks.update((playbook.key, playbook) for playbook in good)
        broken.extend(bad)
    return PlaybookSet(playbooks, broken)


def check_dir(directory: Path) -> tuple[list[Playbook], list[BrokenPlaybook]]:
    """Lint every playbook file in `directory`; raises `UserError` if it is not a directory."""
    if not directory.is_dir():
        raise UserError(_("{path} is not a directory").format(path=directory))
    return read_dir(directory, "user")


def kind_label(kind: str) -> str:
    return _(KINDS[kind]) if kind in KINDS else kind
