"""Anomaly threads: a problem, not a line.

An anomaly (a system or process problem, DOMAIN.md §1) is raised by one duty-log entry and
then usually logged again and again while it lasts: "CRM slow" at 09:10, 09:40, 10:15. A
thread gathers those entries: the one that raised it, the ones that updated it (a later
entry of the same category alike in text, a correction, or an entry the supervisor linked
as the same problem), and the one that resolved it (`resolve`). A correction never
resolves: fixing a typo keeps the problem open. The handover carries open threads, one
row each with the latest state and its age.

Threads are worked out from the log and the links each time they are read (a week of
entries at most), so they can never disagree with the log itself.
"""

import difflib
import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain import log
from dutydesk.domain.log import LogEntryView
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.errors import UserError
from dutydesk.i18n import N_, _, translated_in
from dutydesk.store.db import Database
from dutydesk.store.tables import LogEntry, LogLink, Shift, columns_of

RESOLVES, SAME_PROBLEM = "resolves", "same_problem"
FLAGGED_SEVERITIES = ("warning", "critical")  # read back one by one at the handover
DRILL_FORMAT = N_("[SIM] {text}")  # how the queue monitor marks a simulator alert in the log
LOGGED_FORMAT = N_("{text} (logged {count} times)")
FIGURES = re.compile(r"\d+([.:]\d+)*")


@dataclass
class Thread:
    """One problem: its entries oldest first (corrected ones included) and what resolved it."""

    category: str
    entries: list[LogEntryView] = field(default_factory=list)
    resolution: LogEntryView | None = None

    @property
    def id(self) -> int:
        """The number of the entry that raised it: what `resolve` and the handover name it by."""
        return self.entries[0].id

    @property
    def opened_at(self) -> datetime:
        return self.entries[0].at

    @property
    def current(self) -> list[LogEntryView]:
        """The entries as they stand now: a corrected entry counts by its correction."""
        return [entry for entry in self.entries if entry.superseded_by is None]

    @property
    def latest(self) -> LogEntryView:
        return max(self.current, key=lambda entry: (entry.at, entry.id))

    @property
    def is_open(self) -> bool:
        return self.resolution is None

    @property
    def flagged(self) -> bool:
        return self.latest.severity in FLAGGED_SEVERITIES

    def age(self, now: datetime) -> timedelta:
        return now - self.opened_at

    def as_json(self, config: Config) -> dict[str, object]:
        return {
            "id": self.id,
            "category": self.category,
            "status": "open" if self.is_open else "resolved",
            "severity": self.latest.severity,
            "opened_at": self.opened_at.astimezone(config.zone).isoformat(),
            "latest": self.latest.as_json(config),
            "entries": [entry.id for entry in self.entries],
            "resolved_by": self.resolution.as_json(config) if self.resolution else None,
        }

    def summary(self) -> str:
        """The latest state, with how many times it was logged."""
        return with_logged_count(self.latest.text, len(self.current))


def with_logged_count(text: str, count: int) -> str:
    """A problem's latest text with how many times it was logged, in the reader's language."""
    return _(LOGGED_FORMAT).format(text=text, count=count) if count > 1 else text


def relabel_logged_count(stored: str) -> str:
    """A problem's row carried before its count was kept as data (schema 11): the text as the
    carrying console wrote it, "(logged N times)" in its language. Shown with the count in the
    reader's language; a text that does not end so is shown as stored."""
    for language in ("en", "zh"):
        found = _logged_pattern(language).fullmatch(stored)
        if found:
            return with_logged_count(found["text"], int(found["count"]))
    return stored


@functools.cache
def _logged_pattern(language: str) -> re.Pattern[str]:
    text, count = "\x00text\x00", "\x00count\x00"  # placeholders no translation contains
    template = re.escape(translated_in(LOGGED_FORMAT, language).format(text=text, count=count))
    return re.compile(
        template.replace(re.escape(text), "(?P<text>.*)").replace(re.escape(count), r"(?P<count>\d+)"), re.DOTALL
    )


# --- linking entries ---------------------------------------------------------------------


def resolve(
    db: Database,
    config: Config,
    shift: ShiftInfo,
    entry_id: int,
    note: str = "",
    now: datetime | None = None,
) -> LogEntryView:
    """Log that the problem entry `entry_id` raised (or updated) is over; returns the new entry."""
    target = log.get_entry(db, entry_id)
    thread = thread_of(db, config, target, now)
    if thread is None:
        raise UserError(_("entry #{id} raises no anomaly: nothing to resolve").format(id=entry_id))
    return resolve_thread(db, config, shift, thread, note, now)


def resolve_thread(
    db: Database, config: Config, shift: ShiftInfo, thread: Thread, note: str = "", now: datetime | None = None
) -> LogEntryView:
    """`resolve` for a thread already at hand."""
    if not thread.is_open:
        assert thread.resolution is not None
        raise UserError(
            _("the problem of entry #{id} was already resolved by #{by}").format(id=thread.id, by=thread.resolution.id)
        )
    text = note.strip() or _("Resolved: {text}").format(text=thread.latest.text.splitlines()[0])
    entry = log.add_entry(db, config, shift, text, category=thread.category, severity="info", now=now)
    _link(db, entry.id, thread.latest.id, RESOLVES, now)
    return entry


def update(
    db: Database, config: Config, shift: ShiftInfo, entry_id: int, note: str, now: datetime | None = None
) -> LogEntryView:
    """Log the problem's current state ("still open: …"): a new entry of its thread."""
    thread = thread_of(db, config, log.get_entry(db, entry_id), now)
    if thread is None or not thread.is_open:
        raise UserError(_("entry #{id} raises no open problem").format(id=entry_id))
    entry = log.add_entry(db, config, shift, note, category=thread.category, severity=thread.latest.severity, now=now)
    _link(db, entry.id, thread.id, SAME_PROBLEM, now)
    return entry


def link_same_problem(db: Database, entry_id: int, same_as: int, now: datetime | None = None) -> None:
    """The supervisor says entry `entry_id` is the same problem as `same_as`: one thread."""
    if entry_id == same_as:
        raise UserError(_("an entry is always the same problem as itself: name two entries"))
    for wanted in (entry_id, same_as):
        log.get_entry(db, wanted)  # refuses a number that is no entry
    _link(db, entry_id, same_as, SAME_PROBLEM, now)


def _link(db: Database, entry_id: int, target_id: int, kind: str, now: datetime | None) -> None:
    with db.session() as session:
        session.add(LogLink(entry_id=entry_id, target_id=target_id, kind=kind, created_at=now or clock.utcnow()))
        try:
            session.commit()
        except IntegrityError:  # the same link twice changes nothing
            session.rollback()


# --- reading threads -----------------------------------------------------------------------


def team_threads(db: Database, config: Config, team: str, now: datetime | None = None) -> list[Thread]:
    """Every anomaly thread of the team within the look-back window, oldest first."""
    now = now or clock.utcnow()
    entries = _anomaly_entries(db, config, team, now)
    links = _links_of([entry.id for entry in entries], db)
    resolutions = _entries_by_id(db, [link.entry_id for link in links if link.kind == RESOLVES])
    return _group(entries, links, resolutions, config)


def _entries_by_id(db: Database, ids: list[int]) -> dict[int, LogEntryView]:
    if not ids:
        return {}
    with db.engine.connect() as connection:
        rows = connection.execute(log.entries_query().where(col(LogEntry.id).in_(ids)))
        return {view.id: view for view in map(log.entry_view, rows)}


def open_threads(db: Database, config: Config, team: str, now: datetime | None = None) -> list[Thread]:
    return [thread for thread in team_threads(db, config, team, now) if thread.is_open]


def thread_of(db: Database, config: Config, entry: LogEntryView, now: datetime | None = None) -> Thread | None:
    """The thread an entry belongs to, if it is an anomaly (resolving it works for any of its entries)."""
    with db.engine.connect() as connection:
        team = connection.execute(select(col(Shift.team)).where(col(Shift.id) == entry.shift_id)).scalar_one()
    for thread in team_threads(db, config, team, now):
        if any(member.id == entry.id for member in thread.entries):
            return thread
    return None


def is_drill(text: str) -> bool:
    """A simulator alert, in whichever language the console logged it."""
    return any(text.startswith(translated_in(DRILL_FORMAT, language).format(text="")) for language in ("en", "zh"))


def _anomaly_entries(db: Database, config: Config, team: str, now: datetime) -> list[LogEntryView]:
    settings = config.handover
    severities = list(log.SEVERITIES)
    serious = severities[severities.index(settings.anomaly_min_severity) :]
    since = now - timedelta(days=settings.anomaly_lookback_days)
    query = (
        log.entries_query()
        .join(Shift, col(LogEntry.shift_id) == Shift.id)
        .where(
            col(Shift.team) == team,
            col(LogEntry.category).in_(settings.anomaly_categories),
            col(LogEntry.severity).in_(serious),
            col(LogEntry.at) >= since,
        )
        .order_by(col(LogEntry.at), col(LogEntry.id))
    )
    with db.engine.connect() as connection:
        entries = [log.entry_view(row) for row in connection.execute(query)]
    return [entry for entry in entries if settings.carry_drill_alerts or not is_drill(entry.text)]


def _links_of(entry_ids: list[int], db: Database) -> list[LogLink]:
    if not entry_ids:
        return []
    table = columns_of(LogLink)
    query = select(LogLink).where(or_(col(table.target_id).in_(entry_ids), col(table.entry_id).in_(entry_ids)))
    with db.session() as session:
        return list(session.execute(query.order_by(col(LogLink.id))).scalars())


def _group(
    entries: list[LogEntryView], links: list[LogLink], resolutions: dict[int, LogEntryView], config: Config
) -> list[Thread]:
    """One pass in log order: each entry joins the thread its correction, a link or its text
    points to, else starts a new one. Text only joins a thread still open at the entry's time,
    so the same problem coming back after it was resolved is a new thread."""
    threads: list[Thread] = []
    thread_of_entry: dict[int, Thread] = {}
    same_as: dict[int, set[int]] = defaultdict(set)  # either way round: one problem
    for link in links:
        if link.kind == SAME_PROBLEM:
            same_as[link.entry_id].add(link.target_id)
            same_as[link.target_id].add(link.entry_id)
    resolving = [(resolutions[link.entry_id], link.target_id) for link in links if link.kind == RESOLVES]
    for entry in entries:
        linked = [entry.supersedes, *sorted(same_as[entry.id])]
        thread = next((thread_of_entry[other] for other in linked if other in thread_of_entry), None)
        if thread is None:
            thread = _similar_open_thread(threads, entry, resolving, config.handover.thread_similarity)
        if thread is None:
            thread = Thread(entry.category)
            threads.append(thread)
        thread.entries.append(entry)
        thread_of_entry[entry.id] = thread
    for thread in threads:
        thread.resolution = _resolution(thread, resolving)
    return threads


def _similar_open_thread(
    threads: list[Thread], entry: LogEntryView, resolving: list[tuple[LogEntryView, int]], threshold: float
) -> Thread | None:
    # One matcher per new entry: difflib indexes its second sequence once, then compares cheaply.
    matcher = difflib.SequenceMatcher(None, b=_comparable(entry.text))
    for thread in reversed(threads):  # the most recent problem first
        if thread.category != entry.category or _resolution(thread, resolving, before=entry.at):
            continue
        if any(_alike(matcher, _comparable(member.text), threshold) for member in thread.current[-3:]):
            return thread
    return None


def _resolution(
    thread: Thread, resolving: list[tuple[LogEntryView, int]], before: datetime | None = None
) -> LogEntryView | None:
    """The entry that resolved the thread after its latest update (and before `before`), if any."""
    members = {entry.id for entry in thread.entries}
    last_update = max(entry.at for entry in thread.entries)
    found = [
        resolution
        for resolution, target in resolving
        if target in members and resolution.at >= last_update and (before is None or resolution.at <= before)
    ]
    return min(found, key=lambda resolution: resolution.at) if found else None


@functools.lru_cache(maxsize=4096)
def _comparable(text: str) -> str:
    """Figures change from line to line of one problem ("12 waiting", "30 waiting"): ignore them."""
    return FIGURES.sub("#", text.casefold().strip())


def _alike(matcher: difflib.SequenceMatcher[str], other: str, threshold: float) -> bool:
    matcher.set_seq1(other)
    # The cheap upper bounds first: most pairs of different problems stop there.
    return (
        matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold
    )
