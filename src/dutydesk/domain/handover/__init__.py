"""The handover (交接班): a checklist the outgoing and incoming supervisors both sign.

A handover belongs to the outgoing shift. It copies the checklist template from the config
(so a later template change leaves old records as they were), carries over what the next
shift must know (unresolved anomalies from the duty log, open incidents, open follow-ups), and is answered
item by item. The outgoing supervisor signs first, the incoming one second; from the first
signature on the record is frozen. The incoming signature closes the outgoing shift and
opens the incoming one. `verify_handovers` re-checks every signature and the hash chain
without any PIN. The signed bytes are defined in docs/handover-signing.md.

Where things are:

- `views`: states, roles, answer labels and the read-only views (`HandoverView`, …);
- `carry`: what a new handover carries over (unresolved anomalies, open incidents, open follow-ups);
- `records`: reading handovers (rows in bulk, views);
- `answering`: starting a handover, answering items, confirming carried-over items;
- `review`: the draft kept up to date until the outgoing signature, action lines made follow-ups;
- `content`: the signed bytes of each format version;
- `signing_flow`: signing, and the shift switch the incoming signature causes;
- `verify`: checking signatures, digests and chains.
"""

from dutydesk.domain.handover.anchor import Anchor, read_anchor
from dutydesk.domain.handover.answering import answer_item, confirm_carried, start_handover
from dutydesk.domain.handover.carry import (
    CARRY_OVER_SOURCES,
    CarryOver,
    open_follow_ups,
    open_incidents,
    unresolved_anomalies,
)
from dutydesk.domain.handover.records import (
    get_handover,
    handover_of_shift,
    latest_handover,
    list_handovers,
    log_since_last_handover,
)
from dutydesk.domain.handover.review import (
    SectionReview,
    answer,
    confirm,
    confirm_section,
    confirmable_together,
    prefill_note,
    refresh_carried,
    resolve_carried,
    section_review,
    still_open,
)
from dutydesk.domain.handover.signing_flow import check_ready, check_signer, sign_handover
from dutydesk.domain.handover.verify import (
    Problem,
    RecordSeal,
    VerifyReport,
    record_verified,
    seal_of_record,
    seal_of_shift,
    seal_since_marks,
    verify_handovers,
)
from dutydesk.domain.handover.views import (
    AUTO_FILLED_KINDS,
    CHECK_STATUSES,
    DRAFT,
    FLOOR_STATUSES,
    FOLLOW_UP_SOURCE,
    INCIDENT_SOURCE,
    INCOMING,
    OUTGOING,
    OUTGOING_SIGNED,
    ROLES,
    SIGNED,
    THREAD_SOURCE,
    CarriedView,
    HandoverView,
    ItemView,
    SignatureView,
    handover_status_label,
    note_required,
    role_label,
    status_label,
    statuses_for,
)

__all__ = [
    "AUTO_FILLED_KINDS",
    "Anchor",
    "RecordSeal",
    "read_anchor",
    "record_verified",
    "seal_of_record",
    "seal_of_shift",
    "seal_since_marks",
    "CARRY_OVER_SOURCES",
    "CHECK_STATUSES",
    "DRAFT",
    "FLOOR_STATUSES",
    "FOLLOW_UP_SOURCE",
    "INCIDENT_SOURCE",
    "INCOMING",
    "OUTGOING",
    "OUTGOING_SIGNED",
    "ROLES",
    "SIGNED",
    "THREAD_SOURCE",
    "CarriedView",
    "CarryOver",
    "HandoverView",
    "ItemView",
    "Problem",
    "SectionReview",
    "SignatureView",
    "VerifyReport",
    "answer",
    "answer_item",
    "check_ready",
    "check_signer",
    "confirm",
    "confirm_carried",
    "confirm_section",
    "confirmable_together",
    "get_handover",
    "handover_of_shift",
    "handover_status_label",
    "latest_handover",
    "list_handovers",
    "log_since_last_handover",
    "note_required",
    "open_follow_ups",
    "open_incidents",
    "prefill_note",
    "refresh_carried",
    "resolve_carried",
    "section_review",
    "role_label",
    "sign_handover",
    "start_handover",
    "status_label",
    "statuses_for",
    "still_open",
    "unresolved_anomalies",
    "verify_handovers",
]
