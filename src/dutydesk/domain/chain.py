"""Checking the shift's record chain (store/chain.py writes it): every link, every chained row.

Per team the links must run 1, 2, 3, … without gaps; each link's content must name its own
team, sequence number, table and row; each digest is recomputed from the content and the
digest recomputed before it (never from what is stored), so a signature or an anchor that
names (team, seq, digest) proves every row written up to that link. Each chained row must
equal its latest link, and every row must be in the chain.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Connection, select

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

    def first_break(self, team: str, up_to: int) -> Break | None:
        return next((b for b in self.breaks if b.team == team and (b.seq is None or b.seq <= up_to)), None)


def check_chain(db: Database) -> ChainCheck:
    check = ChainCheck()
    latest: dict[tuple[str, int], chain.StoredLink] = {}  # (table, row id) -> its latest link
    with db.engine.connect() as connection:
        teams: dict[str, list[chain.StoredLink]] = defaultdict(list)
        for link in chain.stored_links(connection):
            teams[link.team].append(link)
        for team, links in teams.items():
            _check_links(team, links, check, latest)
        _check_rows(connection, latest, check)
        _check_heads(connection, teams, check)
    newest = {link.id for link in latest.values()}
    for links in teams.values():  # the latest links were compared whole with their rows
        for link in links:
            if link.id not in newest and not _names_itself(link):
                what = _("the link's content does not name its own team, number, table and row")
                check.breaks.append(Break(link.team, link.seq, link.row_table, link.row_id, None, what))
    check.breaks.sort(key=lambda b: (b.team, b.seq if b.seq is not None else -1))
    return check


def _check_links(
    team: str, links: list[chain.StoredLink], check: ChainCheck, latest: dict[tuple[str, int], chain.StoredLink]
) -> None:
    previous: str | None = None
    digests = check.digests[team]
    for expected, link in enumerate(links, start=1):
        if link.seq != expected:
            what = _("link {expected} is missing or out of place (found {seq})").format(expected=expected, seq=link.seq)
            check.breaks.append(Break(team, expected, None, None, None, what))
        if link.prev_digest != previous:
            what = _("the stored previous digest does not match the link before")
            check.breaks.append(Break(team, link.seq, link.row_table, link.row_id, "prev_digest", what))
        previous = chain.link_digest(link.content or "", previous)
        if link.digest != previous:
            what = _("the stored digest does not match the link's content")
            check.breaks.append(Break(team, link.seq, link.row_table, link.row_id, "digest", what))
        digests[link.seq] = previous
        latest[(link.row_table, link.row_id)] = link


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


def _check_rows(connection: Connection, latest: dict[tuple[str, int], chain.StoredLink], check: ChainCheck) -> None:
    """Each chained row as its latest link wrote it; no row outside the chain, no link without its row."""
    for name, table in chain.CHAINED.items():
        seen: set[int] = set()
        for fields in chain.stored_rows(connection, table):
            row_id = fields["id"]
            seen.add(row_id)
            link = latest.get((name, row_id))
            if link is None:
                what = _("this row is not in the chain (written outside dutydesk)")
                team = chain.team_of(connection, name, fields)
                check.breaks.append(Break(team, None, name, row_id, None, what))
            elif not _names_itself(link):  # checked here for the latest links, after the loop for the others
                what = _("the link's content does not name its own team, number, table and row")
                check.breaks.append(Break(link.team, link.seq, name, row_id, None, what))
            elif chain.content_of_fields(link.team, link.seq, name, fields) != link.content:
                for changed in _changed_fields(link.content, fields):
                    what = _("the row differs from what was written")
                    check.breaks.append(Break(link.team, link.seq, name, row_id, changed, what))
        for (table_name, row_id), link in latest.items():
            if table_name == name and row_id not in seen:
                what = _("the row was deleted")
                check.breaks.append(Break(link.team, link.seq, name, row_id, None, what))
    for (table_name, row_id), link in latest.items():
        if table_name not in chain.CHAINED:
            what = _("the link names a table that is not chained")
            check.breaks.append(Break(link.team, link.seq, table_name, row_id, "row_table", what))


def _changed_fields(content: str, current: dict[str, Any]) -> list[str]:
    try:
        written = json.loads(content)["row"]
        return [name for name in sorted(set(written) | set(current)) if written.get(name) != current.get(name)] or ["?"]
    except (ValueError, KeyError, TypeError):
        return ["?"]


def _check_heads(connection: Connection, teams: dict[str, list[Any]], check: ChainCheck) -> None:
    """The head row each append locks must name the last link (else the next append forks the chain)."""
    heads = {row.team: row for row in connection.execute(select(chain.HEAD))}
    for team in set(heads) | set(teams):
        links = teams.get(team, [])
        head = heads.get(team)
        last = (links[-1].seq, links[-1].digest) if links else (0, None)
        if head is None or (head.seq, head.digest) != last:
            what = _("the chain head does not name the last link")
            check.breaks.append(Break(team, head.seq if head else None, "chain_head", None, None, what))
