"""What a handover looks like to its readers: states, roles, answers and the views of one record."""

from dataclasses import dataclass
from datetime import datetime

from dutydesk.config import Config
from dutydesk.i18n import N_, _, current_language

DRAFT, OUTGOING_SIGNED, SIGNED = "draft", "outgoing_signed", "signed"
OUTGOING, INCOMING = "outgoing", "incoming"
ROLES = {OUTGOING: N_("outgoing"), INCOMING: N_("incoming")}

CHECK_STATUSES = {"ok": N_("ok"), "issue": N_("issue"), "na": N_("n.a.")}
FLOOR_STATUSES = {"stable": N_("stable"), "watch": N_("watch"), "unstable": N_("unstable")}
AUTO_FILLED_KINDS = ("anomalies", "follow_ups")
LIST_KINDS = ("list", "actions")  # the note holds the list, one per line; each action line is a follow-up
# Carried rows the incoming supervisor acknowledges one by one (read-back): open problems
# and the notes of the read-back items; follow-ups can be confirmed all at once.
THREAD_SOURCE, READBACK_SOURCE = "log_thread", "item"
FLAGGED_SOURCES = (THREAD_SOURCE, READBACK_SOURCE)


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


def _bilingual(en: str, zh: str | None) -> str:
    return zh if current_language() == "zh" and zh else en


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


@dataclass(frozen=True)
class CarriedView:
    number: int  # 1, 2, ... in the handover, what the user types to confirm it
    item_key: str
    source: str
    ref: int
    text: str
    at: datetime
    confirmed_at: datetime | None

    @property
    def flagged(self) -> bool:
        return self.source in FLAGGED_SOURCES


@dataclass(frozen=True)
class SignatureView:
    role: str
    supervisor: str
    signed_at: datetime


@dataclass(frozen=True)
class HandoverView:
    id: int
    team: str
    outgoing_shift_id: int
    outgoing_supervisor: str
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

    def unconfirmed(self) -> list[CarriedView]:
        return [carried for carried in self.carried if carried.confirmed_at is None]

    def progress(self) -> tuple[int, int]:
        """(required answered, required)."""
        required = [item for item in self.items if item.required]
        return sum(item.status is not None for item in required), len(required)

    def signature(self, role: str) -> SignatureView | None:
        return next((s for s in self.signatures if s.role == role), None)

    def as_json(self, config: Config) -> dict[str, object]:
        def local(moment: datetime | None) -> str | None:
            return moment.astimezone(config.zone).isoformat() if moment else None

        answered, required = self.progress()
        return {
            "id": self.id,
            "team": self.team,
            "status": self.status,
            "outgoing_shift_id": self.outgoing_shift_id,
            "outgoing_supervisor": self.outgoing_supervisor,
            "incoming_shift_id": self.incoming_shift_id,
            "started_at": local(self.started_at),
            "required_answered": answered,
            "required_total": required,
            "items": [
                {
                    "key": i.key,
                    "section": i.section,
                    "kind": i.kind,
                    "label": i.label,
                    "required": i.required,
                    "status": i.status,
                    "note": i.note,
                    "answered_at": local(i.answered_at),
                }
                for i in self.items
            ],
            "carried": [
                {
                    "number": c.number,
                    "item": c.item_key,
                    "source": c.source,
                    "ref": c.ref,
                    "text": c.text,
                    "at": local(c.at),
                    "confirmed_at": local(c.confirmed_at),
                    "flagged": c.flagged,
                }
                for c in self.carried
            ],
            "signatures": [
                {"role": s.role, "supervisor": s.supervisor, "signed_at": local(s.signed_at)} for s in self.signatures
            ],
        }
