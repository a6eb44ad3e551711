"""What a handover looks like to its readers: states, roles, answers and the views of one record."""

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from dutydesk.config import Config, Label
from dutydesk.domain.threads import relabel_logged_count, with_logged_count
from dutydesk.errors import UserError
from dutydesk.i18n import N_, _, current_language, labelled
from dutydesk.jsonshape import both_languages, moment, person

DRAFT, OUTGOING_SIGNED, SIGNED = "draft", "outgoing_signed", "signed"
OUTGOING, INCOMING = "outgoing", "incoming"
ROLES = {OUTGOING: N_("outgoing"), INCOMING: N_("incoming")}
HANDOVER_STATUSES = {
    DRAFT: N_("not signed"),
    OUTGOING_SIGNED: N_("signed by the outgoing supervisor"),
    SIGNED: N_("signed by both"),
}

CHECK_STATUSES = {"ok": N_("ok"), "issue": N_("issue"), "na": N_("n.a.")}
FLOOR_STATUSES = {"stable": N_("stable"), "watch": N_("watch"), "unstable": N_("unstable")}
AUTO_FILLED_KINDS = ("anomalies", "follow_ups")
LIST_KINDS = ("list", "actions")  # the note holds the list, one per line; each action line is a follow-up
# Carried rows the incoming supervisor acknowledges one by one (read-back): open problems,
# open incidents and the notes of the read-back items; follow-ups can be confirmed all at once.
THREAD_SOURCE, READBACK_SOURCE, INCIDENT_SOURCE, FOLLOW_UP_SOURCE = "log_thread", "item", "incident", "follow_up"
FLAGGED_SOURCES = (THREAD_SOURCE, READBACK_SOURCE, INCIDENT_SOURCE)
STEP_MARKS = {"done": "✔", "skipped": "✘", "open": "☐"}
# A handover usually starts a little before the planned end; signing earlier than this is worth a word.
USUAL_EARLY_START = timedelta(minutes=30)


def statuses_for(kind: str) -> dict[str, str]:
    """The answers an item of this kind takes (msgids to show with `_()`)."""
    return FLOOR_STATUSES if kind == "floor_status" else CHECK_STATUSES


def note_required(kind: str, status: str) -> bool:
    """A floor status always says why; a list item answered "ok" holds the list; an issue says what."""
    return kind == "floor_status" or status == "issue" or (kind in LIST_KINDS and status == "ok")


def status_label(status: str | None) -> str:
    if status is None:
        return "—"
    return _({**CHECK_STATUSES, **FLOOR_STATUSES}.get(status, status))


def role_label(role: str) -> str:
    return _(ROLES[role]) if role in ROLES else role


def handover_status_label(status: str) -> str:
    return _(HANDOVER_STATUSES[status]) if status in HANDOVER_STATUSES else status


def _bilingual(en: str, zh: str | None) -> str:
    return zh if current_language() == "zh" and zh else en


def _in_language(both: dict[str, str]) -> str:
    """A stored `{en, zh}` text in the reader's language."""
    return _bilingual(both["en"], both.get("zh"))


@dataclass(frozen=True)
class ItemView:
    key: str
    section: str
    section_en: str
    section_zh: str | None
    label_en: str
    label_zh: str | None
    kind: str
    required: bool
    status: str | None
    note: str
    answered_at: datetime | None

    @property
    def label(self) -> str:
        return _bilingual(self.label_en, self.label_zh)

    @property
    def section_label(self) -> str:
        return _bilingual(self.section_en, self.section_zh)

    def as_json(self, zone: tzinfo) -> dict[str, object]:
        return {
            "key": self.key,
            "section": self.section,
            "section_label": both_languages(Label(en=self.section_en, zh=self.section_zh)),
            "kind": self.kind,
            "label": both_languages(Label(en=self.label_en, zh=self.label_zh)),
            "required": self.required,
            "status": self.status,
            "note": self.note,
            "answered_at": moment(self.answered_at, zone),
        }


@dataclass(frozen=True)
class CarriedView:
    number: int  # 1, 2, ... in the handover, what the user types to confirm it
    item_key: str
    source: str
    ref: int
    text: str  # as shown and signed
    at: datetime
    confirmed_at: datetime | None
    details: dict[str, Any] | None  # the row as data (see carry.py); None when carried before schema 11

    @property
    def flagged(self) -> bool:
        return self.source in FLAGGED_SOURCES

    def shown(self, zone: tzinfo) -> str:
        """The row in the reader's language, built from its data; the first line sums it up.
        A row carried before schema 11 has no data: shown as stored (its count relabelled)."""
        details = self.details
        if details is None:
            return relabel_logged_count(self.text) if self.source == THREAD_SOURCE else self.text
        try:
            return self._shown_from(details, zone)
        except (KeyError, TypeError, ValueError, AttributeError):  # data not as written (verification says so)
            return self.text

    def _shown_from(self, details: dict[str, Any], zone: tzinfo) -> str:
        if self.source == THREAD_SOURCE:
            return with_logged_count(details["text"], details["logged"])
        if self.source == FOLLOW_UP_SOURCE:
            due = _("due {time}").format(time=_local(details["due"], zone, "%Y-%m-%d %H:%M"))
            return " · ".join(part for part in (details["title"], details["owner"], due) if part)
        if self.source == INCIDENT_SOURCE:
            return _incident_lines(details, zone)
        return self.text

    def as_json(self, zone: tzinfo) -> dict[str, object]:
        """Codes, ids, times and the user's own text; never `text`, a sentence in the language it was carried in."""
        details = self.details or {}
        return {
            "number": self.number,
            "item": self.item_key,
            "source": self.source,
            "ref": self.ref,
            "at": moment(self.at, zone),
            "confirmed_at": moment(self.confirmed_at, zone),
            "flagged": self.flagged,
            "anomaly": _with_local_times(details, ("at",), zone) if self.source == THREAD_SOURCE and details else None,
            "follow_up": _with_local_times(details, ("due",), zone)
            if self.source == FOLLOW_UP_SOURCE and details
            else None,
            "incident": _incident_json(details, zone) if self.source == INCIDENT_SOURCE and details else None,
            "note": self.text if self.source == READBACK_SOURCE else None,
        }


def _with_local_times(details: dict[str, Any], keys: tuple[str, ...], zone: tzinfo) -> dict[str, Any]:
    """Stored times are UTC: shown in center time, with the offset."""
    return {
        key: moment(datetime.fromisoformat(value), zone) if key in keys and value else value
        for key, value in details.items()
    }


def _incident_json(details: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    steps = [_with_local_times(step, ("due_at", "at"), zone) for step in details.get("steps", [])]
    return _with_local_times(details, ("started_at", "respond_by"), zone) | {"steps": steps}


def _local(stored: str, zone: tzinfo, pattern: str) -> str:
    return datetime.fromisoformat(stored).astimezone(zone).strftime(pattern)


def _incident_lines(details: dict[str, Any], zone: tzinfo) -> str:
    """An open incident as the incoming supervisor reads it: what, since when, who, each step."""
    steps = details["steps"]
    done = sum(step["state"] != "open" for step in steps)
    people = [
        labelled(_in_language(role["label"]) if role["label"] else role["role"]) + role["person"]
        for role in details["roles"]
    ]
    if not people and details["started_by"]:
        people = [_("started by {name}").format(name=details["started_by"]["display_name"])]
    lines = [
        _("Incident #{id} {title}, level {level}: {done} of {total} steps done").format(
            id=details["incident_id"],
            title=_in_language(details["title"]),
            level=details["level"],
            done=done,
            total=len(steps),
        ),
        " · ".join(
            [
                _("since {time}").format(time=_local(details["started_at"], zone, "%m-%d %H:%M")),
                _("respond by {time}").format(time=_local(details["respond_by"], zone, "%m-%d %H:%M")),
                *people,
            ]
        ),
    ]
    for step in steps:
        # The deadline before the words: a line cut to the screen's width keeps it.
        due = step["state"] == "open" and step["due_at"]
        deadline = _("due {time}").format(time=_local(step["due_at"], zone, "%H:%M")) + " · " if due else ""
        lines.append(f"{STEP_MARKS.get(step['state'], '?')} {step['n']}. {deadline}{_in_language(step['text'])}")
    return "\n".join(lines)


@dataclass(frozen=True)
class SignatureView:
    role: str
    supervisor: str  # the supervisor's name
    supervisor_display: str
    signed_at: datetime

    def as_json(self, zone: tzinfo) -> dict[str, object]:
        return {
            "role": self.role,
            "supervisor": person(self.supervisor, self.supervisor_display),
            "signed_at": moment(self.signed_at, zone),
        }


@dataclass(frozen=True)
class HandoverView:
    id: int
    team: str
    outgoing_shift_id: int
    outgoing_supervisor: str  # the supervisor's name
    outgoing_display: str
    outgoing_planned_end: datetime | None  # None when the outgoing shift is missing (a damaged record)
    incoming_shift_id: int | None
    started_at: datetime
    status: str
    items: list[ItemView]
    carried: list[CarriedView]
    signatures: list[SignatureView]

    @property
    def frozen(self) -> bool:
        return bool(self.signatures)

    def missing_required(self) -> list[ItemView]:
        return [item for item in self.items if item.required and item.status is None]

    def carried_item(self, number: int) -> CarriedView:
        """The carried row numbered `number` (numbers stay for the whole handover: one that
        is resolved leaves a gap, one carried later comes after the others)."""
        found = next((carried for carried in self.carried if carried.number == number), None)
        if found is None:
            raise UserError(
                _("handover #{id} has no carried-over item {number} (its items: {numbers})").format(
                    id=self.id, number=number, numbers=", ".join(str(c.number) for c in self.carried) or "—"
                )
            )
        return found

    def unconfirmed(self) -> list[CarriedView]:
        return [carried for carried in self.carried if carried.confirmed_at is None]

    def progress(self) -> tuple[int, int]:
        """(required answered, required)."""
        required = [item for item in self.items if item.required]
        return sum(item.status is not None for item in required), len(required)

    def signature(self, role: str) -> SignatureView | None:
        return next((s for s in self.signatures if s.role == role), None)

    def early_signing_warning(self, config: Config, now: datetime) -> str | None:
        """What the incoming supervisor should know before a signature that ends the outgoing
        shift well before its planned end (the next shift then opens at once), else None."""
        if self.outgoing_planned_end is None:
            return None
        early = self.outgoing_planned_end - now
        if early <= USUAL_EARLY_START:
            return None
        hours, minutes = divmod(round(early.total_seconds() / 60), 60)
        return _(
            "The outgoing shift is planned until {end}: signing now ends it {hours} h {minutes} min early "
            "and opens the next shift at once."
        ).format(end=self.outgoing_planned_end.astimezone(config.zone).strftime("%H:%M"), hours=hours, minutes=minutes)

    def as_json(self, config: Config) -> dict[str, object]:
        zone = config.zone
        answered, required = self.progress()
        incoming = self.signature(INCOMING)
        return {
            "id": self.id,
            "team": self.team,
            "status": self.status,
            "outgoing_shift_id": self.outgoing_shift_id,
            "outgoing_supervisor": person(self.outgoing_supervisor, self.outgoing_display),
            "incoming_shift_id": self.incoming_shift_id,
            "incoming_supervisor": person(incoming.supervisor, incoming.supervisor_display) if incoming else None,
            "started_at": moment(self.started_at, zone),
            "required_answered": answered,
            "required_total": required,
            "items": [item.as_json(zone) for item in self.items],
            "carried": [carried.as_json(zone) for carried in self.carried],
            "signatures": [signature.as_json(zone) for signature in self.signatures],
        }
