"""Every table dutydesk stores.

Times are aware UTC (see `dutydesk.clock`): sqlmodel (0.0.45 and later) stores every
`datetime` field as `UTCDateTime`, which refuses a naive value and reads back in UTC.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Index, Table, event, false
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlmodel import Field, SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """A model's table for Core statements: typed, unlike `Model.__table__` (set by SQLModel's metaclass)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def columns_of(model: type[SQLModel]) -> ReadOnlyColumnCollection[str, Column[Any]]:
    """A table's columns for Core statements: typed, unlike `Model.__table__.c`."""
    return table_of(model).c


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself, e.g. its schema version."""

    __tablename__ = "dutydesk_meta"
    key: str = Field(primary_key=True)
    value: str


class Supervisor(SQLModel, table=True):
    __tablename__ = "supervisor"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    display_name: str
    pin_hash: str
    created_at: datetime


class Shift(SQLModel, table=True):
    __tablename__ = "shift"
    id: int | None = Field(default=None, primary_key=True)
    team: str
    slot_key: str
    supervisor_id: int = Field(foreign_key="supervisor.id")
    planned_start: datetime
    planned_end: datetime
    opened_at: datetime = Field(index=True)
    closed_at: datetime | None = None
    status: str = "open"


def _one_open_shift_per_team(_table: Table, connection: Connection, **_kw: Any) -> None:
    """At most one open shift per team: the database itself refuses a second one. A partial index
    in SQL that SQLite and PostgreSQL both read; as `Index(sqlite_where=..., postgresql_where=...)`
    it would load SQLAlchemy's PostgreSQL dialect at every start only to check that argument."""
    connection.exec_driver_sql("CREATE UNIQUE INDEX ix_shift_one_open_per_team ON shift (team) WHERE status = 'open'")


event.listen(table_of(Shift), "after_create", _one_open_shift_per_team)


class LogEntry(SQLModel, table=True):
    """A duty-log entry. Append-only: a correction is a new row that supersedes an old one."""

    __tablename__ = "log_entry"
    __table_args__ = (Index("ix_log_entry_shift_at", "shift_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shift.id")
    at: datetime = Field(index=True)
    recorded_at: datetime
    category: str = Field(index=True)
    severity: str
    text: str
    author_id: int = Field(foreign_key="supervisor.id")
    supersedes_id: int | None = Field(default=None, foreign_key="log_entry.id", unique=True)


class LogLink(SQLModel, table=True):
    """What a supervisor said about two entries: `entry` resolves the problem `target` raised,
    or is the same problem. Entries stay append-only; the link is a fact of its own."""

    __tablename__ = "log_link"
    __table_args__ = (Index("ix_log_link_pair", "entry_id", "target_id", "kind", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="log_entry.id")
    target_id: int = Field(foreign_key="log_entry.id", index=True)
    kind: str  # resolves | same_problem
    created_at: datetime


# --- Handover (issue 3): the checklist both supervisors sign ------------------------------


class Handover(SQLModel, table=True):
    """One handover from an outgoing shift to the next; frozen once the first signature is on."""

    __tablename__ = "handover"
    id: int | None = Field(default=None, primary_key=True)
    team: str = Field(index=True)
    outgoing_shift_id: int = Field(foreign_key="shift.id", unique=True)
    incoming_shift_id: int | None = Field(default=None, foreign_key="shift.id")
    started_at: datetime
    status: str = "draft"  # draft | outgoing_signed | signed
    previous_digest: str | None = None  # digest of the team's previous signed handover
    signed_content: str | None = None  # the canonical content as signed (see docs/handover-signing.md)
    digest: str | None = None  # digest of the whole signed record, the next record links to it


class HandoverAnswer(SQLModel, table=True):
    """One checklist item of a handover, with the template's labels copied in."""

    __tablename__ = "handover_answer"
    __table_args__ = (Index("ix_handover_answer_key", "handover_id", "key", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    handover_id: int = Field(foreign_key="handover.id")
    position: int
    section_key: str
    section_en: str
    section_zh: str | None = None
    key: str
    label_en: str
    label_zh: str | None = None
    kind: str
    required: bool
    status: str | None = None
    note: str = ""
    answered_at: datetime | None = None


class HandoverCarried(SQLModel, table=True):
    """An item carried over from the log, the open incidents or the follow-ups; the incoming supervisor confirms it."""

    __tablename__ = "handover_carried"
    id: int | None = Field(default=None, primary_key=True)
    handover_id: int = Field(foreign_key="handover.id", index=True)
    position: int
    item_key: str
    source: str  # "log_thread", "incident", "follow_up" or "item" (a read-back item's note)
    ref: int
    text: str  # as shown and signed
    at: datetime
    confirmed_at: datetime | None = None
    # From schema version 11: JSON, what the row carries as data (codes, ids, the user's own
    # text, UTC times) for `--json`; signed with `text` (content format 3). None for rows carried before.
    details: str | None = None


class HandoverSignature(SQLModel, table=True):
    __tablename__ = "handover_signature"
    __table_args__ = (Index("ix_handover_signature_role", "handover_id", "role", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    handover_id: int = Field(foreign_key="handover.id")
    role: str  # outgoing | incoming
    supervisor_id: int = Field(foreign_key="supervisor.id")
    supervisor_name: str
    signed_at: datetime
    key_fingerprint: str
    digest: str  # SHA-256 (hex) of the signed message
    signature: str  # Ed25519 signature (hex) over the digest
    # From signature format 2 on: canonical JSON {team: {"seq", "digest"}} of the chains signed.
    chain_heads: str | None = None


class SigningKey(SQLModel, table=True):
    """A supervisor's Ed25519 key pair; the private key sealed with a key derived from the PIN."""

    __tablename__ = "signing_key"
    supervisor_id: int = Field(foreign_key="supervisor.id", primary_key=True)
    public_key: str  # raw 32 bytes, hex
    sealed_private_key: str
    created_at: datetime


class PinGuard(SQLModel, table=True):
    """Wrong PINs in a row per supervisor, and until when signing is locked."""

    __tablename__ = "pin_guard"
    supervisor_id: int = Field(foreign_key="supervisor.id", primary_key=True)
    failures: int = 0
    locked_until: datetime | None = None


# --- Incidents and follow-ups (issue 4) ------------------------------------------------


class Incident(SQLModel, table=True):
    """An incident run from a playbook; what it needs of the playbook is copied in at start."""

    __tablename__ = "incident"
    id: int | None = Field(default=None, primary_key=True)  # the incident number
    playbook_key: str
    title_en: str
    title_zh: str | None = None
    kind: str
    level: int
    status: str = Field(default="open", index=True)  # open | closed
    started_at: datetime
    respond_by: datetime
    closed_at: datetime | None = None
    summary: str | None = None
    ivr_en: str | None = None
    ivr_zh: str | None = None
    contacts_json: str = "[]"  # [{role_en, role_zh, name, channel}] as in the playbook
    shift_id: int | None = Field(default=None, foreign_key="shift.id")


class IncidentStep(SQLModel, table=True):
    __tablename__ = "incident_step"
    __table_args__ = (Index("ix_incident_step_n", "incident_id", "n", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id")
    n: int  # 1-based, as in the playbook
    text_en: str
    text_zh: str | None = None
    due_at: datetime | None = None
    done_at: datetime | None = None
    skipped_at: datetime | None = None  # skipped when the incident was closed, with the reason
    skip_reason: str | None = None


class IncidentEvent(SQLModel, table=True):
    """The incident's timeline: start, steps ticked and unticked, notes, escalations and answers,
    roles, level changes, steps skipped, closure, lessons. Append-only: nothing is erased."""

    __tablename__ = "incident_event"
    __table_args__ = (Index("ix_incident_event_at", "incident_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id")
    at: datetime
    kind: str
    text: str = ""
    step_n: int | None = None
    author: str | None = None  # the supervisor on duty for the incident's team, when one was
    contact: str | None = None  # escalation and answer: who; role: who holds it
    channel: str | None = None  # escalation: how they were reached
    role: str | None = None  # role: the role's key in the configuration


class FollowUp(SQLModel, table=True):
    """A ticket, complaint, special customer or system issue to chase until it is closed."""

    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_status_due", "status", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # ticket | complaint | special_customer | system_issue
    title: str
    details: str = ""
    customer: str = ""
    owner: str = ""  # the department it is dispatched to
    priority: str = "normal"  # low | normal | high | urgent
    status: str = "open"  # open | waiting | closed
    created_at: datetime
    due_at: datetime
    closed_at: datetime | None = None
    resolution: str | None = None
    complaint_number: str | None = Field(default=None, unique=True)
    complaint_type: str | None = None
    urgency: str | None = None
    resolve_by: datetime | None = None


class FollowUpEvent(SQLModel, table=True):
    """A follow-up's history: created, notes, chases, due changes, status changes, closure."""

    __tablename__ = "follow_up_event"
    __table_args__ = (Index("ix_follow_up_event_at", "follow_up_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    follow_up_id: int = Field(foreign_key="follow_up.id")
    at: datetime
    kind: str
    text: str = ""


# --- Live queue panel (issue 7): 15-min interval aggregates for the shift summary ---------


class QueueInterval(SQLModel, table=True):
    """One queue's counts over one interval. A restart mid-interval can store the same
    interval twice (each with its own part of the counts): readers sum by queue and start."""

    __tablename__ = "queue_interval"
    __table_args__ = (Index("ix_queue_interval_shift_start", "shift_id", "start"),)
    id: int | None = Field(default=None, primary_key=True)
    shift_id: int | None = Field(default=None, foreign_key="shift.id")
    queue: str
    start: datetime
    snapshots: int
    max_waiting: int
    max_longest_wait_s: float
    offered: int
    answered: int
    abandoned: int
    abandoned_short: int
    answered_within_sl: int
    handle_time_s_total: float
    wait_time_s_total: float
    # From the simulator: a drill's figures, which the shift summary marks as such.
    simulated: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # The first and last snapshot counted: a later store of the same interval whose span
    # overlaps this one is the same calls seen again and replaces it (never adds to it).
    first_ts: datetime | None = None
    last_ts: datetime | None = None


class QueueAlert(SQLModel, table=True):
    """An alert a queue rule fired: written when it fires, updated when it clears or is
    acknowledged, so the shift summary can list it and a restarted panel shows it again."""

    __tablename__ = "queue_alert"
    __table_args__ = (Index("ix_queue_alert_shift_fired", "shift_id", "fired_at"),)
    id: int | None = Field(default=None, primary_key=True)
    shift_id: int | None = Field(default=None, foreign_key="shift.id")
    rule: str  # the rule's key in the configuration
    queue: str  # "" for the whole center
    level: str
    fired_at: datetime
    cleared_at: datetime | None = None
    acknowledged_by: str | None = None  # the supervisor's name
    acknowledged_at: datetime | None = None
    figures: str  # JSON: the figures that fired it
    simulated: bool = False


# --- One writer per team (queue panel, notifications) and the notification outbox -------


class Lease(SQLModel, table=True):
    """Who holds a role for a team until when (`dutydesk.domain.lease`): e.g. the one
    console that stores the queue panel's intervals and alerts."""

    __tablename__ = "lease"
    team: str = Field(primary_key=True)
    role: str = Field(primary_key=True)
    holder: str
    taken_at: datetime
    expires_at: datetime


class Notification(SQLModel, table=True):
    """One notice for one channel: stored first, then sent by the team's sender, retried with
    backoff. `key` names the event and channel, so the same notice is never stored twice."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_pending", "status", "channel", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    team: str
    channel: str
    kind: str
    level: str
    title: str
    body: str
    simulated: bool = False
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    status: str = "pending"  # pending | sent | failed | cancelled
    sent_at: datetime | None = None
    error: str | None = None


# --- The shift's record as a hash chain (issue 12, docs/handover-signing.md) ------------------


class ChainLink(SQLModel, table=True):
    """One written row of a chained table, as written, linked to the link before it in its team's chain."""

    __tablename__ = "chain_link"
    __table_args__ = (
        Index("ix_chain_link_team_seq", "team", "seq", unique=True),
        Index("ix_chain_link_row", "row_table", "row_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team: str  # "" for rows of no team (follow-ups, alerts and incidents outside a shift)
    seq: int  # 1, 2, ... per team
    row_table: str
    row_id: int
    content: str  # canonical bytes of the link (format, team, seq, table, row id, the row's fields)
    prev_digest: str | None = None
    digest: str  # sha256(content ‖ previous digest's 32 bytes), hex


class VerifyMark(SQLModel, table=True):
    """How far `dutydesk verify` found a team's chain intact: one row per successful run and
    team, itself appended to that team's chain (so a plain UPDATE of the mark is a broken link);
    the next run checks from the newest mark on (docs/handover-signing.md, incremental verify)."""

    __tablename__ = "verify_mark"
    __table_args__ = (Index("ix_verify_mark_team", "team", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    team: str
    seq: int  # the last link verified
    digest: str | None  # its digest as recomputed by that run
    verified_at: datetime
    whole: bool  # True: that run recomputed the whole chain (`--all`); False: from the mark before
    run: str  # a random id of the verify run, the same on every team's mark it wrote


class ChainHead(SQLModel, table=True):
    """The last link of each team's chain: the row appends lock, so one chain stays one chain."""

    __tablename__ = "chain_head"
    team: str = Field(primary_key=True)
    seq: int = 0
    digest: str | None = None
