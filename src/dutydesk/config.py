"""Typed settings: the shipped `defaults.toml` with the user's `config.toml` laid over it.

A user file overrides only what it names. Any error, TOML syntax or a wrong value, is
reported with the key and the line and nothing of the file is used: the app never starts
on half a config.
"""

import re
import tomllib
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from dutydesk.errors import ConfigError
from dutydesk.i18n import N_, _, current_language

DEFAULTS_FILE = Path(__file__).parent / "defaults.toml"
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(Strict):
    """A name a center writes in both languages; Chinese falls back to English."""

    en: str
    zh: str | None = None

    def __str__(self) -> str:
        return self.text(current_language())

    def text(self, language: str) -> str:
        return self.zh if language == "zh" and self.zh else self.en


class Center(Strict):
    name: Label
    timezone: str
    team: Annotated[str, Field(min_length=1)]

    @field_validator("name", mode="before")
    @classmethod
    def name_in_one_language(cls, value: object) -> object:
        """`name = "客服中心"` is the name in every language."""
        return {"en": value} if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class ShiftSlot(Strict):
    key: Annotated[str, Field(pattern=KEY_PATTERN)]
    start: time
    end: time
    label: Label

    def planned_span(self, moment: datetime) -> tuple[datetime, datetime] | None:
        """The planned start and end of this slot's shift that contains `moment` (local)."""
        length = _slot_length(self.start, self.end)
        for day_offset in (0, -1):
            day = moment.date() + timedelta(days=day_offset)
            start = datetime.combine(day, self.start, tzinfo=moment.tzinfo)
            if start <= moment < start + length:
                return start, start + length
        return None


def _slot_length(start: time, end: time) -> timedelta:
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return timedelta(minutes=minutes if minutes > 0 else minutes + 24 * 60)


class Targets(Strict):
    answer_rate_min: Annotated[float, Field(ge=0, le=1)]
    answer_rate_peak_min: Annotated[float, Field(ge=0, le=1)]
    average_speed_of_answer_max_s: Annotated[float, Field(gt=0)]
    longest_wait_max_s: Annotated[float, Field(gt=0)] = (
        30  # no caller should wait longer (DOMAIN.md: answer within 30 s)
    )
    handle_time_inquiry_max_s: Annotated[float, Field(gt=0)]
    handle_time_complaint_max_s: Annotated[float, Field(gt=0)]
    abandon_rate_max: Annotated[float, Field(ge=0, le=1)]
    first_contact_resolution_min: Annotated[float, Field(ge=0, le=1)]
    csat_min: Annotated[float, Field(ge=1, le=5)]
    answer_within_rings: Annotated[int, Field(gt=0)]
    chat_first_response_max_s: Annotated[float, Field(gt=0)]
    chat_average_reply_max_s: Annotated[float, Field(gt=0)]
    service_level_min: Annotated[float, Field(ge=0, le=1)]
    service_level_threshold_s: Annotated[float, Field(gt=0)]


class Category(Strict):
    key: Annotated[str, Field(pattern=KEY_PATTERN)]
    label: Label


class LogSettings(Strict):
    categories: Annotated[list[Category], Field(min_length=1)]

    @field_validator("categories")
    @classmethod
    def unique_keys(cls, categories: list[Category]) -> list[Category]:
        keys = [category.key for category in categories]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"duplicate category key {', '.join(duplicates)}")
        return categories


class ExportSettings(Strict):
    dir: str  # empty: the user's documents dir / "dutydesk"
    separate_categories: list[str]  # log categories that get their own section

    def directory(self) -> Path:
        if self.dir.strip():
            return Path(self.dir).expanduser()
        return platformdirs.user_documents_path() / "dutydesk"


# -- the live queue panel ------------------------------------------------------------


class QueueRule(Strict):
    """A threshold rule: `metric comparison value`, held for `sustain_min`, raises an alert."""

    key: Annotated[str, Field(pattern=KEY_PATTERN)]
    scope: Literal["total", "each"] = "total"  # the whole center, or every queue on its own
    metric: Literal["waiting", "longest_wait_s", "answer_rate", "abandon_rate", "service_level", "asa_s", "aht_s"]
    comparison: Literal[">=", ">", "<=", "<"]
    value: float
    sustain_min: Annotated[float, Field(ge=0)]
    # Shown as an early warning once the condition has held this long (no alert is written).
    early_warning_min: Annotated[float, Field(gt=0)] | None = None
    level: Literal["warning", "critical"]
    playbook: str = ""  # the playbook key it suggests
    action: Label
    log_category: Annotated[str, Field(pattern=KEY_PATTERN)] = "system_status"


class QueueSymbols(Strict):
    green: Annotated[str, Field(min_length=1)]
    amber: Annotated[str, Field(min_length=1)]
    red: Annotated[str, Field(min_length=1)]


class QueueSimulator(Strict):
    queues: Annotated[list[str], Field(min_length=1)]
    agents_per_queue: Annotated[int, Field(gt=0)]
    calls_per_hour: Annotated[float, Field(ge=0)]  # per queue, at profile factor 1
    handle_time_s: Annotated[float, Field(gt=0)]  # mean talk time
    wrap_up_s: Annotated[float, Field(ge=0)]
    patience_s: Annotated[float, Field(gt=0)]  # mean time a caller waits before hanging up
    short_abandon_s: Annotated[float, Field(ge=0)]
    service_level_threshold_s: Annotated[float, Field(gt=0)]
    not_ready_per_agent_hour: Annotated[float, Field(ge=0)]  # busy/break episodes
    not_ready_s: Annotated[float, Field(gt=0)]  # their mean length
    profile: Annotated[list[float], Field(min_length=24, max_length=24)]  # factor per hour of day
    warm_up_min: Annotated[float, Field(ge=0)]  # simulated at once before the live pace starts


class QueueSettings(Strict):
    feed: str  # "" (no live feed), sim, file:PATH or http(s)://URL
    refresh_s: Annotated[float, Field(gt=0)]
    stale_after_intervals: Annotated[float, Field(gt=0)]
    window_min: Annotated[int, Field(gt=0)]
    interval_min: Annotated[int, Field(gt=0, le=60)]
    exclude_short_abandons: bool
    service_level_base: Literal["offered", "answered"]
    agent_state_limit_min: Annotated[float, Field(gt=0)]
    flagged_states: list[Literal["available", "on_call", "wrap_up", "busy", "break", "offline"]]
    amber_band: Annotated[float, Field(ge=0, le=1)]
    max_line_bytes: Annotated[int, Field(ge=1024)]
    # A queue_log caller who leaves sooner is a short abandon (feeds with their own count keep theirs).
    short_abandon_s: Annotated[float, Field(ge=0)] = 5
    http_interval_s: Annotated[float, Field(gt=0)]
    http_timeout_s: Annotated[float, Field(gt=0)]
    symbols: QueueSymbols
    simulator: QueueSimulator
    rules: list[QueueRule]

    @field_validator("rules")
    @classmethod
    def unique_rule_keys(cls, rules: list[QueueRule]) -> list[QueueRule]:
        keys = [rule.key for rule in rules]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule key {', '.join(duplicates)}")
        return rules


# -- incidents and follow-ups --------------------------------------------------------


class IncidentSettings(Strict):
    # A step deadline turns amber when less than this share of its time is left.
    amber_fraction: Annotated[float, Field(gt=0, lt=1)]
    log_category: Annotated[str, Field(pattern=KEY_PATTERN)]  # for start, level change, close
    # Roles a center assigns on each incident (who leads, who communicates); none by default.
    roles: list[Category] = []


class ComplaintUrgency(Strict):
    respond_within_min: Annotated[int, Field(gt=0)]
    resolve_within_min: Annotated[int, Field(gt=0)] | None = None
    label: Label


class FollowUpSettings(Strict):
    ticket_accept_within_min: Annotated[int, Field(gt=0)]  # a dispatched ticket is chased after this
    default_due_min: Annotated[int, Field(gt=0)]  # other follow-ups without a --due
    complaint_urgency: dict[str, ComplaintUrgency]
    complaint_types: Annotated[list[Category], Field(min_length=1)]


class ChecklistItem(Strict):
    key: Annotated[str, Field(pattern=KEY_PATTERN)]
    label: Label
    required: bool = True
    kind: Literal["check", "floor_status", "list", "actions", "anomalies", "follow_ups", "log_read"] = "check"


class ChecklistSection(Strict):
    key: Annotated[str, Field(pattern=KEY_PATTERN)]
    label: Label
    items: Annotated[list[ChecklistItem], Field(min_length=1)]


class HandoverSettings(Strict):
    """The handover checklist template and the signing rules."""

    sections: Annotated[list[ChecklistSection], Field(min_length=1)]
    anomaly_categories: list[str]
    anomaly_min_severity: Literal["info", "warning", "critical"]
    anomaly_lookback_days: Annotated[int, Field(gt=0)]
    # Entries of one category this alike (difflib ratio, digits ignored) are one problem.
    thread_similarity: Annotated[float, Field(gt=0, le=1)] = 0.6
    carry_drill_alerts: bool = False  # simulator ([SIM]) alerts are a drill, not a live problem
    draft_before_end_min: Annotated[int, Field(gt=0)] = 60  # the console drafts the handover this early
    readback_items: list[str] = ["special_customers", "notices"]  # the incoming supervisor acknowledges each
    pin_attempts: Annotated[int, Field(gt=0)]
    pin_lockout_s: Annotated[int, Field(ge=0)]
    pin_min_length: Annotated[int, Field(ge=4, le=12)]

    @field_validator("sections")
    @classmethod
    def unique_item_keys(cls, sections: list[ChecklistSection]) -> list[ChecklistSection]:
        keys = [item.key for section in sections for item in section.items]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"duplicate checklist item key {', '.join(duplicates)}")
        return sections


# -- notifications away from the console -------------------------------------------------

NoticeKind = Literal[
    "alert.fired",
    "alert.unacknowledged",
    "alert.cleared",
    "incident.opened",
    "incident.step_overdue",
    "incident.update",
    "incident.closed",
    "followup.overdue",
    "handover.unsigned",
]
NoticeLevel = Literal["info", "warning", "critical"]


class NotifyChannel(Strict):
    """Where notices go. The URL (apprise syntax) is a secret: it is read from an environment
    variable or a file readable by its owner only, never from this file."""

    key: Annotated[str, Field(pattern=KEY_PATTERN)]
    label: Label
    url_env: str = ""
    url_file: str = ""
    drills: bool = False  # also receives notices about simulator (drill) data


class NotifyRoute(Strict):
    """Notices of `event` (at one of `levels`) go to `channels`; for an alert that is still
    unacknowledged, `after_min` after it fired (an escalation step)."""

    event: NoticeKind
    channels: Annotated[list[str], Field(min_length=1)]
    levels: list[NoticeLevel] = ["info", "warning", "critical"]
    after_min: Annotated[float, Field(ge=0)] = 0


class NotifySettings(Strict):
    language: Literal["en", "zh"]  # the language notices are written in
    lookback_min: Annotated[float, Field(gt=0)]  # on start, older events are not announced
    tick_s: Annotated[float, Field(gt=0)]
    batch_window_s: Annotated[float, Field(ge=0)]  # one message per channel per window at most
    rate_per_minute: Annotated[int, Field(gt=0)]
    retry_first_s: Annotated[float, Field(gt=0)]
    retry_max_s: Annotated[float, Field(gt=0)]
    give_up_after: Annotated[int, Field(gt=0)]  # attempts
    failing_after: Annotated[int, Field(gt=0)]  # failures in a row before the status strip shows it
    handover_grace_min: Annotated[float, Field(ge=0)]
    incident_update_every_min: Annotated[float, Field(gt=0)]  # level-1 incidents
    timeout_s: Annotated[float, Field(gt=0)]
    channels: list[NotifyChannel]
    routes: list[NotifyRoute]

    @field_validator("routes")
    @classmethod
    def known_channels(cls, routes: list[NotifyRoute], info: ValidationInfo) -> list[NotifyRoute]:
        known = {channel.key for channel in info.data.get("channels", [])}
        unknown = sorted({key for route in routes for key in route.channels} - known)
        if unknown:
            raise ValueError(f"unknown channel {', '.join(unknown)}")
        return routes

    def channel(self, key: str) -> NotifyChannel | None:
        return next((c for c in self.channels if c.key == key), None)


class Config(Strict):
    center: Center
    shifts: Annotated[list[ShiftSlot], Field(min_length=1)]
    targets: Targets
    log: LogSettings
    queue: QueueSettings
    export: ExportSettings
    handover: HandoverSettings
    incidents: IncidentSettings
    followups: FollowUpSettings
    notify: NotifySettings

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.center.timezone)

    def category(self, key: str) -> Category | None:
        return next((c for c in self.log.categories if c.key == key), None)

    def slot(self, key: str) -> ShiftSlot | None:
        return next((s for s in self.shifts if s.key == key), None)

    def slot_at(self, moment: datetime) -> tuple[ShiftSlot, datetime, datetime]:
        """The shift slot whose planned span contains `moment`, with that span (local)."""
        local_moment = moment.astimezone(self.zone)
        for slot in self.shifts:
            span = slot.planned_span(local_moment)
            if span:
                return slot, *span
        # A pattern with a gap: the shift is planned from now for the first slot's length.
        first = self.shifts[0]
        return first, local_moment, local_moment + _slot_length(first.start, first.end)


def load_config(path: Path | None, *, required: bool = False) -> Config:
    """Defaults merged with the user file at `path` (if it exists or is `required`)."""
    defaults = tomllib.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    user_text, user_values = "", dict[str, Any]()
    if path is not None and (required or path.exists()):
        user_text, user_values = _read_user_file(path)
    try:
        return Config.model_validate(_merge(defaults, user_values))
    except ValidationError as error:
        raise _config_error(path, user_text, error) from None


def _read_user_file(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(_("config file {path} does not exist").format(path=path)) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            _("{path}: not UTF-8 text (byte {position})").format(path=path, position=error.start)
        ) from None
    except OSError as error:
        raise ConfigError(_("cannot read {path}: {reason}").format(path=path, reason=error.strerror)) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(_("{path}: {reason}").format(path=path, reason=error)) from None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# pydantic's error types, said in the UI language (its own messages are English).
VALIDATION_REASONS = {
    "missing": N_("this key is required"),
    "extra_forbidden": N_("unknown key"),
    "string_type": N_("must be text"),
    "int_type": N_("must be a whole number"),
    "int_parsing": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "float_type": N_("must be a number"),
    "float_parsing": N_("must be a number"),
    "bool_type": N_("must be true or false"),
    "bool_parsing": N_("must be true or false"),
    "time_type": N_("must be a time like 08:00"),
    "time_parsing": N_("must be a time like 08:00"),
    "string_pattern_mismatch": N_("may hold only lowercase letters, digits and _"),
    "greater_than": N_("must be more than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "literal_error": N_("must be one of {expected}"),
    "list_type": N_("must be a list"),
    "dict_type": N_("must be a table"),
    "model_type": N_("must be a table"),
}


def validation_reason(error: Mapping[str, Any]) -> str:
    """One pydantic error as a reason in the UI language (its English text when the type is not listed)."""
    reason = VALIDATION_REASONS.get(error["type"])
    if reason is None:
        return str(error["msg"]).removeprefix("Value error, ")
    return _(reason).format(**error.get("ctx", {}))


def _config_error(path: Path | None, text: str, error: ValidationError) -> ConfigError:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    line = _line_of_key(text, first["loc"])
    where = f"{path}, line {line}" if line else str(path or DEFAULTS_FILE)
    return ConfigError(_("{where}: key {key}: {reason}").format(where=where, key=key, reason=validation_reason(first)))


def _line_of_key(text: str, location: tuple[int | str, ...]) -> int | None:
    """The line where the innermost named key of `location` is set, if it can be found."""
    names = [part for part in location if isinstance(part, str)]
    for name in reversed(names):
        pattern = re.compile(rf"^[ \t]*(\[+[ \t]*)?([\w.]*\.)?{re.escape(name)}[ \t]*(=|\]|\.)", re.M)
        match = pattern.search(text)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None
