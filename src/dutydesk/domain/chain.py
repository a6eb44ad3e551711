"""Checking the shift's record chain (store/chain.py writes it): every link, every chained row.

Per team the links must run 1, 2, 3, … without gaps; each link's content must name its own
team, sequence number, table and row; each digest is recomputed from the content and the
digest recomputed before it (never from what is stored), so a signature or an anchor that
names (team, seq, digest) proves every row written up to that link. Each chained row must
equal its latest link, and every row must be in the chain.

`check_chain` reads everything; `check_chain_since` starts each team at the mark the last
successful verify left (`verify_marks`, `write_marks`: the marks are chained rows too), and
`check_links_of_rows` reads one shift's part (docs/handover-signing.md says what each misses).
"""

import json
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import count
from typing import Any

from sqlalchemy import Connection, Select, Table, func, select

from dutydesk import clock
from dutydesk.canonical import canonical_bytes
from dutydesk.i18n import _
from dutydesk.store import chain
from dutydesk.store.db import Database


@dataclass(frozen=True)
class Break:
    """One thing in the chain that no longer matches, and where."""

    team: str
    seq: int | None
    table: str | None
    row_id: int | None
    field: str | None
    what: str  # translated

    def describe(self) -> str:
        place = [_("team {team}").format(team=self.team or _("(no team)"))]
        if self.seq is not None:
            place.append(_("link {seq}").format(seq=self.seq))
        if self.table is not None:
            place.append(f"{self.table} #{self.row_id}")
        if self.field is not None:
            place.append(_("field {field}").format(field=self.field))
        return _("chain ({place}): {what}").format(place=_(", ").join(place), what=self.what)


@dataclass
class ChainCheck:
    breaks: list[Break] = field(default_factory=list)
    # team -> seq -> digest recomputed from the contents (what signatures and anchors are compared with)
    digests: dict[str, dict[int, str]] = field(default_factory=lambda: defaultdict(dict))
    # team -> the first link read; absent: the whole chain was read (see `check_chain_since`)
    starts: dict[str, int] = field(default_factory=dict)

    def first_break(self, team: str, up_to: int) -> Break | None:
        return next((b for b in self.breaks if b.team == team and (b.seq is None or b.seq <= up_to)), None)

    def read(self, team: str, seq: int) -> bool:
        """Whether this check read link `seq` of the team (a whole check reads every link)."""
        return seq >= self.starts.get(team, 0)


Mark = tuple[int, str | None]  # a verified head: (link number, its recomputed digest)


def check_chain(db: Database) -> ChainCheck:
    """The whole record: every link recomputed from the first, every chained row compared."""
    return check_chain_since(db, {})


def check_chain_since(db: Database, marks: dict[str, Mark]) -> ChainCheck:
    """Each team's chain from its mark on (the whole chain for a team without one).

    The links after the mark are recomputed from the mark's digest (so a rewrite before the
    mark that changed digests shows at the first link after it), and the rows they wrote are
    compared; a row inserted outside dutydesk is found when its id is above every chained one.
    What this cannot see, a change to a row or link before the mark, is `check_chain`'s.
    """
    check = ChainCheck(starts={team: seq + 1 for team, (seq, _digest) in marks.items()})
    latest: dict[tuple[str, int], chain.StoredLink] = {}  # (table, row id) -> its latest link
    with db.engine.connect() as connection:
        teams = _read_links(connection, marks)
        for team, links in teams.items():
            seq, digest = marks.get(team, (0, None))
            if seq:
                check.digests[team][seq] = digest  # type: ignore[assignment]
            _check_links(team, links, check, latest, first=seq + 1, previous=digest)
        _check_rows(connection, latest, check, whole=not marks)
        _check_heads(connection, teams, check, marks)
    _check_older_links(teams, latest, check)
    check.breaks.sort(key=lambda b: (b.team, b.seq if b.seq is not None else -1))
    return check


def check_links_of_rows(
    db: Database, rows: dict[str, Select[Any]], heads: dict[str, set[int]], marks: dict[str, Mark]
) -> ChainCheck:
    """Just one shift's part of the record: its rows (`rows`: table -> a query of their ids) against
    their latest links, and per team the links from the first of those to the last of them or of
    `heads` (the links its signatures name), recomputed from the digest stored before them.

    What lies at or before a team's mark (`marks`) the run that wrote the mark verified: the span
    starts after it, from the mark's digest. Proportional to the shift, not the history: the chain
    before the span and rows of other shifts are `check_chain`'s (and so is a deleted row of this
    shift: it is no longer there to select).
    """
    check = ChainCheck()
    with db.engine.connect() as connection:
        named = {name: chain.links_naming(connection, name, ids) for name, ids in rows.items()}
        spans = _spans_of(named, heads)
        teams: dict[str, list[chain.StoredLink]] = {}
        latest: dict[tuple[str, int], chain.StoredLink] = {}
        for team, (first, last) in spans.items():
            mark, previous = marks.get(team, (0, None))
            first = max(first, mark + 1)
            teams[team] = chain.links_between(connection, team, first, last) if first <= last else []
            check.starts[team] = first
            if first > mark + 1:  # no verified digest just before the span: start from the stored one
                previous = teams[team][0].prev_digest if teams[team] else None
            else:
                check.digests[team][mark] = previous  # type: ignore[assignment]
            _check_links(team, teams[team], check, latest, first=first, previous=previous)
        for name, found in named.items():
            linked = {row_id for (table, row_id) in latest if table == name}
            in_span = linked & {row_id for row_id, _team, _seq in found} if linked else set()
            _compare_rows(connection, name, in_span, latest, check)
            unlinked = [row_id for row_id, team, _seq in found if team is None]
            for fields in chain.stored_rows(connection, chain.CHAINED[name], unlinked):
                _check_row(connection, name, fields, None, check)
    _check_older_links(teams, latest, check)
    check.breaks.sort(key=lambda b: (b.team, b.seq if b.seq is not None else -1))
    return check


def _spans_of(
    named: dict[str, list[tuple[int, str | None, int | None]]], heads: dict[str, set[int]]
) -> dict[str, tuple[int, int]]:
    """Per team, the first and last link of the rows' links (`named`: `links_naming` per table) and of `heads`."""
    seqs: dict[str, list[int]] = defaultdict(list)
    for team, numbers in heads.items():
        seqs[team].extend(numbers)
    for found in named.values():
        for _row_id, link_team, seq in found:
            if link_team is not None and seq is not None:
                seqs[link_team].append(seq)
    return {team: (min(found), max(found)) for team, found in seqs.items()}


def _read_links(connection: Connection, marks: dict[str, Mark]) -> dict[str, list[chain.StoredLink]]:
    teams: dict[str, list[chain.StoredLink]] = defaultdict(list)
    if not marks:
        for link in chain.stored_links(connection):
            teams[link.team].append(link)
        return teams
    for team in chain.chained_teams(connection):
        teams[team] = chain.links_between(connection, team, marks.get(team, (0, None))[0] + 1)
    return teams


def _check_links(
    team: str,
    links: list[chain.StoredLink],
    check: ChainCheck,
    latest: dict[tuple[str, int], chain.StoredLink],
    first: int = 1,
    previous: str | None = None,
) -> None:
    if not links:
        return
    # Columns, not links: the whole team is hashed, then compared, in a few bulk operations.
    _ids, _teams, seqs, tables, row_ids, contents, stored_previous, stored = zip(*links, strict=True)
    computed = chain.link_digests((content or "" for content in contents), previous)
    before = [previous, *computed[:-1]]
    intact = (
        seqs == tuple(range(first, first + len(links))) and list(stored_previous) == before and list(stored) == computed
    )
    if not intact:  # only now, link by link: say where
        for expected, link, digest, digest_before in zip(count(first), links, computed, before, strict=False):
            _check_link(team, expected, link, digest, digest_before, check)
    check.digests[team].update(zip(seqs, computed, strict=True))
    latest.update(zip(zip(tables, row_ids, strict=True), links, strict=True))


def _check_link(
    team: str, expected: int, link: chain.StoredLink, digest: str, before: str | None, check: ChainCheck
) -> None:
    """One link against its place in the chain and the digests recomputed for it."""
    if link.seq != expected:
        what = _("link {expected} is missing or out of place (found {seq})").format(expected=expected, seq=link.seq)
        check.breaks.append(Break(team, expected, None, None, None, what))
    if link.prev_digest != before:
        what = _("the stored previous digest does not match the link before")
        check.breaks.append(Break(team, link.seq, link.row_table, link.row_id, "prev_digest", what))
    if link.digest != digest:
        what = _("the stored digest does not match the link's content")
        check.breaks.append(Break(team, link.seq, link.row_table, link.row_id, "digest", what))


def _check_older_links(
    teams: dict[str, list[chain.StoredLink]], latest: dict[tuple[str, int], chain.StoredLink], check: ChainCheck
) -> None:
    """The links read that a later link of the same row replaced (the latest ones were compared with their rows)."""
    newest = {link.id for link in latest.values()}
    for links in teams.values():
        for link in links:
            if link.id not in newest and not _names_itself(link):
                what = _("the link's content does not name its own team, number, table and row")
                check.breaks.append(Break(link.team, link.seq, link.row_table, link.row_id, None, what))


@cache
def _link_head() -> str:
    return canonical_bytes({"format": chain.LINK_FORMAT}).decode("utf-8")[:-1] + ',"row":{'


@cache
def _quoted(text: str) -> str:
    return canonical_bytes(text).decode("utf-8")


def _names_itself(link: chain.StoredLink) -> bool:
    """The canonical content ends with its own row id, seq, table and team (keys sort after "row")."""
    tail = f',"row_id":{link.row_id},"seq":{link.seq},"table":{_quoted(link.row_table)},"team":{_quoted(link.team)}}}'
    content = link.content or ""
    return content.startswith(_link_head()) and content.endswith(tail)


def _check_rows(
    connection: Connection, latest: dict[tuple[str, int], chain.StoredLink], check: ChainCheck, whole: bool
) -> None:
    """Each row a link read last wrote as that link says; no row outside the chain, no link without its
    row. `whole`: every row was read; else only those rows, and the rows above every chained id."""
    for name, table in chain.CHAINED.items():
        wanted = None if whole else [row_id for (table_name, row_id) in latest if table_name == name]
        seen = _compare_rows(connection, name, wanted, latest, check)
        if not whole:
            for fields in _rows_above_the_chain(connection, table):
                _check_row(connection, name, fields, None, check)
        for (table_name, row_id), link in latest.items():
            if table_name == name and row_id not in seen:
                what = _("the row was deleted")
                check.breaks.append(Break(link.team, link.seq, name, row_id, None, what))
    for (table_name, row_id), link in latest.items():
        if table_name not in chain.CHAINED:
            what = _("the link names a table that is not chained")
            check.breaks.append(Break(link.team, link.seq, table_name, row_id, "row_table", what))


def _rows_above_the_chain(connection: Connection, table: Table) -> Iterator[dict[str, Any]]:
    """Rows whose id is above every id the chain names: written outside dutydesk (one index lookup each)."""
    highest = select(func.max(chain.LINK.c.row_id)).where(chain.LINK.c.row_table == table.name).scalar_subquery()
    query = select(table.c.id).where(table.c.id > func.coalesce(highest, 0))
    ids = list(connection.execute(query).scalars())
    return chain.stored_rows(connection, table, ids) if ids else iter(())


def _compare_rows(
    connection: Connection,
    name: str,
    ids: Collection[int] | None,
    latest: dict[tuple[str, int], chain.StoredLink],
    check: ChainCheck,
) -> set[int]:
    """Compare the rows `ids` of table `name` (None: all) with their latest links; return the ids found.

    Where the database renders rows as canonical JSON itself, a row whose rendering rebuilds its
    link's content exactly is as written; only the others (a difference, a row of unusual values,
    no link) are read field by field to say what differs."""
    table = chain.CHAINED[name]
    rendered = chain.rendered_rows(connection, table, ids)
    found: set[int] = set()
    unsure = ids
    if rendered is not None:
        unsure = []
        for row_id, row_json in rendered:
            link = latest.get((name, row_id))
            if (
                link is not None
                and row_json is not None
                and chain.content_of_row_json(link.team, link.seq, name, row_id, row_json) == link.content
            ):
                found.add(row_id)
            else:
                unsure.append(row_id)
    for fields in chain.stored_rows(connection, table, unsure):
        found.add(fields["id"])
        _check_row(connection, name, fields, latest.get((name, fields["id"])), check)
    return found


def _check_row(
    connection: Connection, name: str, fields: dict[str, Any], link: chain.StoredLink | None, check: ChainCheck
) -> None:
    row_id = fields["id"]
    if link is None:
        what = _("this row is not in the chain (written outside dutydesk)")
        check.breaks.append(Break(chain.team_of(connection, name, fields), None, name, row_id, None, what))
        return
    if chain.content_of_fields(link.team, link.seq, name, fields) == link.content:
        return  # rebuilt from the link's team, number, table and row: it names itself too
    if not _names_itself(link):  # checked here for the latest links, in _check_older_links for the others
        what = _("the link's content does not name its own team, number, table and row")
        check.breaks.append(Break(link.team, link.seq, name, row_id, None, what))
    else:
        for changed in _changed_fields(link.content, fields):
            what = _("the row differs from what was written")
            check.breaks.append(Break(link.team, link.seq, name, row_id, changed, what))


def _changed_fields(content: str, current: dict[str, Any]) -> list[str]:
    try:
        written = json.loads(content)["row"]
        return [name for name in sorted(set(written) | set(current)) if written.get(name) != current.get(name)] or ["?"]
    except (ValueError, KeyError, TypeError):
        return ["?"]


def _check_heads(
    connection: Connection, teams: dict[str, list[chain.StoredLink]], check: ChainCheck, marks: dict[str, Mark]
) -> None:
    """The head row each append locks must name the last link (else the next append forks the chain)."""
    heads = {row.team: row for row in connection.execute(select(chain.HEAD))}
    for team in set(heads) | set(teams):
        links = teams.get(team, [])
        head = heads.get(team)
        last = (links[-1].seq, links[-1].digest) if links else marks.get(team, (0, None))
        if head is None or (head.seq, head.digest) != last:
            what = _("the chain head does not name the last link")
            check.breaks.append(Break(team, head.seq if head else None, "chain_head", None, None, what))


@dataclass(frozen=True)
class VerifiedMark:
    seq: int
    digest: str | None
    verified_at: datetime
    whole: bool

    @property
    def head(self) -> Mark:
        return self.seq, self.digest


def verify_marks(connection: Connection) -> tuple[dict[str, VerifiedMark], list[Break]]:
    """Each team's newest mark that is still what its own link wrote, after the head it names.

    A mark moved, added or rewritten by hand is a break, and its team is checked whole: the mark
    is trusted only as a link of the chain it vouches for."""
    newest = select(func.max(chain.MARK.c.id)).group_by(chain.MARK.c.team)
    marks, breaks = {}, []
    for fields in chain.stored_rows(connection, chain.MARK, list(connection.execute(newest).scalars())):
        query = select(*(chain.LINK.c[name] for name in chain.StoredLink._fields)).where(
            chain.LINK.c.row_table == chain.MARK.name, chain.LINK.c.row_id == fields["id"]
        )
        stored = connection.execute(query.order_by(chain.LINK.c.seq.desc()).limit(1)).first()
        link = chain.StoredLink(*stored) if stored is not None else None
        team = str(fields["team"])
        if (
            link is None
            or link.team != team
            or not isinstance(fields["seq"], int)
            or link.seq <= fields["seq"]
            or chain.content_of_fields(team, link.seq, chain.MARK.name, fields) != link.content
        ):
            what = _("the verified-up-to mark was changed outside dutydesk: the whole chain is checked")
            breaks.append(Break(team, link.seq if link else None, chain.MARK.name, fields["id"], None, what))
            continue
        verified_at = datetime.fromisoformat(str(fields["verified_at"]))
        marks[team] = VerifiedMark(fields["seq"], fields["digest"], verified_at, bool(fields["whole"]))
    return marks, breaks


def write_marks(db: Database, heads: dict[str, Mark], last_marks: dict[str, VerifiedMark], whole: bool) -> None:
    """Record `heads` as verified (by this run, now), each mark appended to its own team's chain.
    A team whose chain ends with its last mark's own link gets none: nothing was written since."""
    run, now = uuid.uuid4().hex, clock.utcnow()
    with db.engine.begin() as connection:
        for team, (seq, digest) in sorted(heads.items()):
            last = last_marks.get(team)
            if last is not None and last.whole >= whole and _only_the_mark_since(connection, team, last, seq):
                continue
            values = {"team": team, "seq": seq, "digest": digest, "verified_at": now, "whole": whole, "run": run}
            row_id = connection.execute(chain.MARK.insert().values(values)).inserted_primary_key[0]  # type: ignore[index]
            chain.append(connection, chain.MARK, row_id)


def _only_the_mark_since(connection: Connection, team: str, last: VerifiedMark, head: int) -> bool:
    links = chain.links_between(connection, team, last.seq + 1, head)
    return len(links) == 1 and links[0].row_table == chain.MARK.name
