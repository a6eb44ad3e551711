"""The duty log (值班日志): append-only entries, corrections, listing and full-text search.

Reads go through SQLAlchemy Core column selects (a shift can hold thousands of entries);
single writes use the ORM. Every write also feeds the full-text index in the same
transaction, so an entry is either fully saved and searchable or not saved at all.
"""

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Integer, Select, TextualSelect, and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain.shifts import OPEN, ShiftInfo, get_shift

# Defined with the views (no storage stack there), used from here by everyone.
from dutydesk.domain.views import SEVERITIES as SEVERITIES
from dutydesk.domain.views import LogEntryView as LogEntryView
from dutydesk.domain.views import NewEntry as NewEntry
from dutydesk.domain.views import severity_label as severity_label
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.store import chain, postgres, sqlite
from dutydesk.store.db import Database
from dutydesk.store.tables import LogEntry, Supervisor
from dutydesk.textsearch import query_phrases, spans_of

FUTURE_TOLERANCE = timedelta(minutes=1)
SEARCH_LIMIT = 50


class SearchHit(NamedTuple):
    """An entry found, with where the query's terms occur in its text (for highlighting). A
    named tuple, like the entry: a search returns it for every hit, at typing pace."""

    entry: LogEntryView
    spans: list[tuple[int, int]]


def parse_at(value: str, config: Config, now: datetime | None = None) -> datetime:
    """'HH:MM' (the latest such time not in the future) or 'YYYY-MM-DD HH:MM', center time."""
    now_local = (now or clock.utcnow()).astimezone(config.zone)
    text = value.strip()
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", text):
            hour, minute = map(int, text.split(":"))
            moment = now_local.replace(hour=hour, minute=minute, second=0, microsecond=0)
            if moment > now_local + FUTURE_TOLERANCE:
                moment -= timedelta(days=1)
        else:
            moment = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=config.zone)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: a date at the edge of the calendar, e.g. 0001-01-01
        raise UserError(_("bad time {value!r}: use HH:MM or YYYY-MM-DD HH:MM").format(value=value)) from None


def add_entry(
    db: Database,
    config: Config,
    shift: ShiftInfo,
    text: str,
    *,
    category: str | None = None,
    severity: str = "info",
    at: datetime | None = None,
    now: datetime | None = None,
    supersedes: int | None = None,
) -> LogEntryView:
    now = now or clock.utcnow()
    at = at or now
    if at > now + FUTURE_TOLERANCE:
        raise UserError(_("the time {time} is in the future").format(time=_clock_text(at, config)))
    new = NewEntry(text, category or config.log.categories[0].key, severity)
    with db.session() as session:
        try:
            [row] = _write_entries(db, session, config, shift, [new], at=at, now=now, supersedes=supersedes)
        except IntegrityError:
            if supersedes is None:
                raise
            # supersedes_id is unique: another console corrected the same entry a moment ago.
            raise UserError(
                _("entry #{id} was corrected a moment ago at another console: correct the newer entry").format(
                    id=supersedes
                )
            ) from None
        session.commit()
    return get_entry(db, row.id)


def add_entries(db: Database, config: Config, shift: ShiftInfo, entries: Sequence[NewEntry]) -> list[LogEntryView]:
    """Several entries typed ahead, written in one transaction (all or none), in order."""
    now = clock.utcnow()
    with db.session() as session:
        rows = _write_entries(db, session, config, shift, entries, at=now, now=now)
        ids = [row.id for row in rows]
        session.commit()
    with db.engine.connect() as connection:
        found = connection.execute(entries_query().where(col(LogEntry.id).in_(ids)).order_by(col(LogEntry.id)))
        return [entry_view(row) for row in found]


def _write_entries(
    db: Database,
    session: Session,
    config: Config,
    shift: ShiftInfo,
    entries: Sequence[NewEntry],
    *,
    at: datetime,
    now: datetime,
    supersedes: int | None = None,
) -> list[LogEntry]:
    """Check, add, chain and index `entries` in `session` (the caller commits)."""
    for new in entries:
        _check_entry(config, shift, new.text, new.category, new.severity)
    author_id = _supervisor_id(db, shift.supervisor)
    rows = []
    for new in entries:
        row = LogEntry(
            shift_id=shift.id,
            at=at,
            recorded_at=now,
            category=new.category,
            severity=new.severity,
            text=new.text,
            author_id=author_id,
            supersedes_id=supersedes,
        )
        chain.seal(session, row)
        rows.append(row)
    db.index_log_entries(session.connection(), [(cast(int, row.id), row.text) for row in rows])
    return rows


def _check_entry(config: Config, shift: ShiftInfo, text: str, category: str, severity: str) -> None:
    if shift.status != OPEN:
        raise UserError(_("shift #{id} is closed: its log cannot change").format(id=shift.id))
    if not text.strip():
        raise UserError(_("the entry text is empty"))
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        # A non-UTF-8 byte from the command line arrives as a lone surrogate.
        raise UserError(_("the entry text holds bytes that are not UTF-8"))
    if config.category(category) is None:
        raise UserError(
            _("unknown category {category!r}: choose one of {choices}").format(
                category=category, choices=", ".join(c.key for c in config.log.categories)
            )
        )
    if severity not in SEVERITIES:
        raise UserError(
            _("unknown severity {severity!r}: choose one of {choices}").format(
                severity=severity, choices=", ".join(SEVERITIES)
            )
        )


def _clock_text(moment: datetime, config: Config) -> str:
    return moment.astimezone(config.zone).strftime("%Y-%m-%d %H:%M")


def _supervisor_id(db: Database, name: str) -> int:
    with db.engine.connect() as connection:
        found = connection.execute(select(col(Supervisor.id)).where(col(Supervisor.name) == name)).scalar_one()
        return cast(int, found)  # a stored row's id is never None


def correct_entry(
    db: Database,
    config: Config,
    entry_id: int,
    text: str,
    *,
    category: str | None = None,
    severity: str | None = None,
    now: datetime | None = None,
) -> LogEntryView:
    """Write a new entry that supersedes `entry_id`; the original stays, marked as corrected."""
    original = get_entry(db, entry_id)
    if original.superseded_by is not None:
        raise UserError(
            _("entry #{id} was already corrected by #{newer}: correct that one").format(
                id=entry_id, newer=original.superseded_by
            )
        )
    return add_entry(
        db,
        config,
        get_shift(db, original.shift_id),
        text,
        category=category or original.category,
        severity=severity or original.severity,
        at=original.at,
        now=now,
        supersedes=entry_id,
    )


def entries_query() -> Select:  # type: ignore[type-arg]
    later = aliased(LogEntry)
    return (
        select(
            col(LogEntry.id),
            col(LogEntry.at),
            col(LogEntry.recorded_at),
            col(LogEntry.category),
            col(LogEntry.severity),
            col(LogEntry.text),
            col(Supervisor.name),
            col(Supervisor.display_name),
            col(LogEntry.shift_id),
            col(LogEntry.supersedes_id),
            col(later.id),
        )
        .join(Supervisor, col(LogEntry.author_id) == Supervisor.id)
        .outerjoin(later, col(later.supersedes_id) == LogEntry.id)
    )


def entry_view(row: Sequence[Any]) -> LogEntryView:
    return LogEntryView._make(row)  # the columns of `entries_query`, in the view's order


def get_entry(db: Database, entry_id: int | None) -> LogEntryView:
    with db.engine.connect() as connection:
        row = connection.execute(entries_query().where(col(LogEntry.id) == entry_id)).first()
    if row is None:
        raise UserError(_("no log entry #{id}").format(id=entry_id))
    return entry_view(row)


# A LogFilter field in use -> its condition on the entry (`value` a literal or a bound parameter).
FILTER_CONDITIONS: dict[str, Callable[[Any], ColumnElement[bool]]] = {
    "shift_id": lambda value: col(LogEntry.shift_id) == value,
    "category": lambda value: col(LogEntry.category) == value,
    "severity": lambda value: col(LogEntry.severity) == value,
    "since": lambda value: col(LogEntry.at) >= value,
    "until": lambda value: col(LogEntry.at) < value,
}


@dataclass(frozen=True)
class LogFilter:
    shift_id: int | None = None
    category: str | None = None
    severity: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def values(self) -> dict[str, Any]:
        """The fields in use (set, and not empty text), by name."""
        return dict(self._in_use)

    @functools.cached_property
    def _in_use(self) -> dict[str, Any]:
        # Worked out once per filter: the search's default filter is one object, used at typing pace.
        return {name: value for name in FILTER_CONDITIONS if (value := getattr(self, name)) not in (None, "")}

    def apply(self, query: Select) -> Select:  # type: ignore[type-arg]
        conditions = [FILTER_CONDITIONS[name](value) for name, value in self.values().items()]
        return query.where(and_(*conditions)) if conditions else query


def list_entries(
    db: Database,
    log_filter: LogFilter = LogFilter(),
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[LogEntryView]:
    """Entries newest first; `limit`/`offset` page through long shifts."""
    filters = log_filter.values()
    statement = _listing_statement(tuple(filters), limited=limit is not None)
    return list(map(entry_view, db.read(statement, filters | {"limit": limit, "offset": offset})))


@functools.cache
def _listing_statement(filters: tuple[str, ...], *, limited: bool) -> Select:  # type: ignore[type-arg]
    """The listing for a set of filters in use, built once: `db.read` runs it without SQLAlchemy's
    per-call and per-row work (an export lists a shift's 5,000 entries)."""
    query = entries_query().where(*[FILTER_CONDITIONS[name](bindparam(name)) for name in filters])
    query = query.order_by(col(LogEntry.at).desc(), col(LogEntry.id).desc())
    query = query.offset(bindparam("offset", type_=Integer))
    return query.limit(bindparam("limit", type_=Integer)) if limited else query


def count_entries(db: Database, log_filter: LogFilter = LogFilter()) -> int:
    query = log_filter.apply(select(func.count()).select_from(LogEntry))
    with db.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def search(
    db: Database,
    query_text: str,
    log_filter: LogFilter = LogFilter(),
    *,
    limit: int = SEARCH_LIMIT,
) -> list[SearchHit]:
    """Entries holding every word of the query, best match first, across all shifts."""
    match = _match(query_text, db.is_sqlite)
    if match is None:
        return []  # a term of only separators, e.g. "_", is in no entry
    matches, parameters = match
    filters = log_filter.values()
    rows = db.read(_search_statement(matches, tuple(filters)), {**parameters, **filters, "limit": limit})
    if not rows:
        return []
    spans = spans_of(query_text)
    return [SearchHit(entry_view(row), spans(row[5])) for row in rows]


@functools.lru_cache(maxsize=256)  # a search is often repeated: the same query, new entries
def _match(query_text: str, is_sqlite: bool) -> tuple[TextualSelect, Mapping[str, object]] | None:
    """The backend's statement finding the entries that match the query, and what it binds (read
    only: it is kept); None when a term has no index token. Worked out once per query: at typing
    pace the search of a word in no entry takes FTS5 ≈ 15 µs, and this would add a tenth."""
    phrases = query_phrases(query_text)  # refuses an empty query
    if not all(phrase.tokens for phrase in phrases):
        return None
    if is_sqlite:
        return sqlite.SEARCH_MATCHES, sqlite.search_parameters(phrases)
    return postgres.search_matches(postgres.search_shape(phrases)), postgres.search_parameters(phrases)


@functools.cache
def _search_statement(matches: TextualSelect, filters: tuple[str, ...]) -> Select:  # type: ignore[type-arg]
    """The search, built once per backend statement and set of filters in use.

    The best `limit` matches are picked inside the subquery, which reads of each entry only
    its time (and what the filters test): the wide joins (author, correction) are made for
    those alone, not for every match. Both backends rank alike (BM25); equal ranks list the
    newest first, then the latest written. The order is the whole key, so a rank shared by
    many entries (common with short, similar entries) still gives one answer.
    """
    found = matches.subquery("found")
    order = (found.c.rank, col(LogEntry.at).desc(), col(LogEntry.id).desc())
    best = (
        select(found.c.entry_id, found.c.rank)
        .join(LogEntry, col(LogEntry.id) == found.c.entry_id)
        .where(*[FILTER_CONDITIONS[name](bindparam(name)) for name in filters])
        .order_by(*order)
        .limit(bindparam("limit", type_=Integer))
        .subquery("best")
    )
    return entries_query().join(best, best.c.entry_id == LogEntry.id).order_by(best.c.rank, *order[1:])
