"""The handover's action list, one follow-up per line, so nothing open lives only in free text.

A line names what to do, and may name who (`@owner`, after what to do; it may have spaces:
`@VIP desk`) and by when (`by 09:00`, `by +2h`, `by 2026-11-27 09:00`, or `截止 09:00`):
"Call back TS-5026 @IT by 09:00". Each new line
becomes a follow-up (kind "action") and is rewritten with its number in front,
"#31 Call back TS-5026 @IT by 09:00"; a line that starts with a number links to that
follow-up instead, so answering the list again never makes a second one. Open follow-ups
are carried into every handover until they are closed.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dutydesk.config import Config
from dutydesk.domain import followups
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.store.db import Database

LINKED = re.compile(r"^#(?P<id>\d+)\b")
OWNER = re.compile(r"(?:^|\s)@")  # the owner is the rest of the line, once the due time is taken out
DUE = re.compile(
    r"(?:^|\s)(?:by|due|截止)\s*(?P<due>\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}|\d{1,2}:\d{2}|\+\d+\s*(?:m|min|h|d))", re.I
)
CLOCK_TIME = re.compile(r"^(?P<hour>\d{1,2}):(?P<minute>\d{2})$")


@dataclass(frozen=True)
class ActionLine:
    title: str
    owner: str
    due: datetime | None


def parse_line(line: str, config: Config, now: datetime) -> ActionLine:
    """What, who and by when; a time of day without a date is its next occurrence."""
    due = DUE.search(line)
    title, *named = OWNER.split(DUE.sub(" ", line), maxsplit=1)
    owner = named[0] if named else ""
    if not title.strip():
        raise UserError(_("the action {line!r} says who or when but not what").format(line=line))
    return ActionLine(
        title=" ".join(title.split()),
        owner=" ".join(owner.split()),
        due=_due(due.group("due"), config, now) if due else None,
    )


def _due(text: str, config: Config, now: datetime) -> datetime:
    clock_time = CLOCK_TIME.match(text)
    if clock_time is None:
        return followups.parse_due(text.replace(" ", "T", 1) if text[0].isdigit() else text, config, now)
    hour, minute = int(clock_time.group("hour")), int(clock_time.group("minute"))
    local = now.astimezone(config.zone)
    try:
        moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    except ValueError:
        raise UserError(_("bad time {value!r}: use HH:MM or YYYY-MM-DD HH:MM").format(value=text)) from None
    if moment < local:
        moment += timedelta(days=1)
    return moment.astimezone(UTC)


def follow_up_lines(db: Database, config: Config, note: str, source: str, now: datetime) -> str:
    """The action list with each new line made a follow-up and numbered; linked lines checked.

    Every line is read before any follow-up is made, so a bad line makes none."""
    parsed: list[tuple[str, ActionLine | None]] = []
    for line in note.splitlines():
        linked = LINKED.match(line.strip())
        if linked:
            followups.get_followup(db, int(linked.group("id")))  # refuses a number that is no follow-up
        parsed.append((line, parse_line(line.strip(), config, now) if line.strip() and not linked else None))
    lines = []
    for line, action in parsed:
        if action is not None:
            created = followups.add_followup(
                db, config, action.title, "action", owner=action.owner, due=action.due, details=source, now=now
            )
            line = f"#{created.id} {line.strip()}"
        lines.append(line)
    return "\n".join(lines)
