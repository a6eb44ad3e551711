"""The one definition of a feed snapshot: the parser validates with it and
docs/feed.schema.json is generated from it (`feed_schema()`, scripts/feed_schema.py).

Strict on purpose: a number in quotes, a fraction where a count is meant, a value outside
0 … 2^53 (the largest integer every JSON reader and both databases hold exactly) or a time
without offset is rejected, never guessed at. A rejection becomes a `Rejection`: a
language-neutral code and a translated reason.
"""

import json
import re
from datetime import UTC, datetime, timezone
from typing import Annotated, Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dutydesk.i18n import _
from dutydesk.queue.model import Agent, AgentState, Counters, Snapshot

LARGEST = 2**53
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)
SCHEMA_ID = "https://dutydesk.example/feed.schema.json"

Count = Annotated[int, Field(ge=0, le=LARGEST)]
Seconds = Annotated[float, Field(ge=0, le=LARGEST, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


def _in_range(moment: datetime) -> datetime:
    """Between 1970 and 9999 UTC: far enough from datetime's ends that interval and window
    arithmetic on it cannot overflow. Kept in its own offset, as a standard-library zone."""
    try:
        in_utc = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("out_of_range") from None
    if not EARLIEST <= in_utc < LATEST:
        raise ValueError("out_of_range")
    return moment.replace(tzinfo=timezone(moment.utcoffset()))  # type: ignore[arg-type]


class FeedAgent(BaseModel):
    """One agent of the queue."""

    # Validators are built on first use (in the feed's thread), not when the TUI starts.
    model_config = ConfigDict(strict=True, frozen=True, defer_build=True)

    id: Name | Count
    name: Name | None = Field(None, description="shown instead of the id")
    state: AgentState = Field(description="busy is not ready (示忙)")
    since: AwareDatetime = Field(description="ISO 8601 with a UTC offset: when the agent entered this state")
    reason: Annotated[str, Field(max_length=100)] = Field("", description="why not ready, e.g. a pause reason")

    _since = field_validator("since")(_in_range)


class FeedSnapshot(BaseModel):
    """One line of a JSONL queue feed: one queue at one moment. See docs/feed-format.md."""

    model_config = ConfigDict(strict=True, frozen=True, defer_build=True, title="dutydesk queue feed snapshot")

    ts: AwareDatetime = Field(description="ISO 8601 with a UTC offset; strictly increasing per queue")
    queue: Name
    counters: Literal["interval", "cumulative"] = Field(
        "interval",
        description="interval: counts since the queue's previous snapshot; cumulative: since the shift (or day) started",
    )
    waiting: Count = Field(description="callers in the queue now")
    longest_wait_s: Seconds = Field(description="how long the oldest waiting caller has waited")
    current_wait_s_total: Seconds | None = Field(
        None,
        description="how long all the callers waiting now have waited so far, summed (for ASA; "
        "missing: the longest wait alone is counted)",
    )
    offered: Count
    answered: Count
    abandoned: Count
    abandoned_short: Count = Field(
        0, description="abandons before the ACD's short-abandon threshold; at most abandoned"
    )
    answered_within_sl: Count = Field(description="answered within the service-level threshold; at most answered")
    handle_time_s_total: Seconds = Field(description="talk + hold + wrap-up of the answered calls")
    wait_time_s_total: Seconds = Field(description="queue time of the answered calls")
    agents: Annotated[list[FeedAgent], Field(max_length=10_000)] | None = Field(
        None, description="every agent of the queue; missing or null: this snapshot says nothing about agents"
    )

    _ts = field_validator("ts")(_in_range)

    @field_validator("queue")
    @classmethod
    def _named(cls, queue: str) -> str:
        if not queue.strip():
            raise ValueError("queue_name")
        return queue.strip()

    @model_validator(mode="after")
    def _parts_within_wholes(self) -> Self:
        if self.answered_within_sl > self.answered:
            raise ValueError("sl_over_answered")
        if self.abandoned_short > self.abandoned:
            raise ValueError("short_over_abandoned")
        return self

    def snapshot(self) -> Snapshot:
        counters = Counters(
            offered=self.offered,
            answered=self.answered,
            abandoned=self.abandoned,
            abandoned_short=self.abandoned_short,
            answered_within_sl=self.answered_within_sl,
            handle_time_s_total=self.handle_time_s_total,
            wait_time_s_total=self.wait_time_s_total,
        )
        agents = None
        if self.agents is not None:
            agents = tuple(
                Agent(str(agent.id), agent.name or str(agent.id), agent.state, agent.since, agent.reason)
                for agent in self.agents
            )
        return Snapshot(
            self.ts, self.queue, self.waiting, self.longest_wait_s, counters, agents, self.current_wait_s_total
        )


NUMBER_FIELDS = tuple(name for name, info in FeedSnapshot.model_fields.items() if info.annotation in (int, float))


def feed_schema() -> dict[str, Any]:
    """The JSON Schema of one snapshot, as committed in docs/feed.schema.json."""
    schema = FeedSnapshot.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def feed_schema_text() -> str:
    return json.dumps(feed_schema(), indent=2, ensure_ascii=False) + "\n"


class Rejection(ValueError):
    """Why an input is not a snapshot: `code` is language-neutral, the message translated."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


def rejection(error: ValidationError) -> Rejection:
    """The first problem pydantic found, as our own code and sentence."""
    first = error.errors(include_url=False)[0]
    kind, value = first["type"], first.get("input")
    field = ".".join(str(part) for part in first["loc"] if not isinstance(part, int))
    message = str(first.get("ctx", {}).get("error", ""))
    if kind == "json_invalid":
        if "out of range" in message:
            return Rejection("out_of_range", _("a number too large to read"))
        return Rejection("not_json", _("not valid JSON"))
    if kind in ("model_type", "model_attributes_type", "dict_type") and not field:
        return Rejection("not_object", _("not a JSON object"))
    if kind == "missing":
        return Rejection("missing_field", _("missing field {field}").format(field=field))
    if kind == "value_error":
        return _value_rejection(message.removeprefix("Value error, "), field)
    if kind in ("greater_than_equal", "less_than_equal", "finite_number"):
        return Rejection("out_of_range", _("field {field}: outside 0 … 2^53").format(field=field))
    if kind in ("int_type", "float_type", "int_from_float"):
        return _number_rejection(field, value, whole=kind != "float_type")
    if kind == "timezone_aware":
        return Rejection("no_offset", _("field {field}: the time has no UTC offset").format(field=field))
    if kind.startswith("datetime"):
        return Rejection("not_time", _("field {field}: not an ISO 8601 time").format(field=field))
    if kind == "literal_error":
        choices = ", ".join(re.findall(r"'([^']*)'", str(first.get("ctx", {}).get("expected", ""))))
        return Rejection(
            "not_a_choice", _("field {field}: must be one of {choices}").format(field=field, choices=choices)
        )
    if kind.startswith("string") or kind == "too_long":
        return Rejection("bad_text", _("field {field}: must be text of 1 to 100 characters").format(field=field))
    if kind in ("list_type",):
        return Rejection("not_list", _("field {field}: not a list").format(field=field))
    return Rejection("invalid", _("field {field}: not valid").format(field=field or "—"))


def _number_rejection(field: str, value: object, *, whole: bool) -> Rejection:
    if isinstance(value, str):
        return Rejection("quoted_number", _("field {field}: a number in quotes (or text)").format(field=field))
    if whole and isinstance(value, float):
        return Rejection("not_whole", _("field {field}: not a whole number").format(field=field))
    return Rejection("not_number", _("field {field}: not a number").format(field=field))


def _value_rejection(code: str, field: str) -> Rejection:
    if code == "out_of_range":
        return Rejection("out_of_range", _("field {field}: a time before 1970 or after 9998").format(field=field))
    if code == "queue_name":
        return Rejection("bad_text", _("field queue: must be a name of 1 to 100 characters"))
    if code == "sl_over_answered":
        return Rejection("inconsistent", _("field answered_within_sl: more than answered"))
    if code == "short_over_abandoned":
        return Rejection("inconsistent", _("field abandoned_short: more than abandoned"))
    return Rejection("invalid", _("field {field}: not valid").format(field=field or "—"))


def validate_json(text: str | bytes) -> tuple[Snapshot, str]:
    """A snapshot and its counter kind from one JSON text; a Rejection otherwise."""
    try:
        line = FeedSnapshot.model_validate_json(text)
    except ValidationError as error:
        raise rejection(error) from None
    return line.snapshot(), line.counters


def validate_object(data: object) -> tuple[Snapshot, str]:
    """The same rules for an already decoded JSON value (an HTTP body's items)."""
    try:
        text = json.dumps(data, allow_nan=False)
    except ValueError:
        raise Rejection("not_number", _("a number that is not finite")) from None
    return validate_json(text)


def csv_as_json(row: dict[str, str]) -> str:
    """A CSV row as the JSON text it stands for: a cell that is a JSON number in a number
    column stays a number, anything else is text (and so rejected as a quoted number)."""
    parts = []
    for name, cell in row.items():
        value = cell if name in NUMBER_FIELDS and _is_json_number(cell) else json.dumps(cell, ensure_ascii=False)
        parts.append(f"{json.dumps(name, ensure_ascii=False)}: {value}")
    return "{" + ", ".join(parts) + "}"


JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def _is_json_number(text: str) -> bool:
    return JSON_NUMBER.fullmatch(text) is not None
