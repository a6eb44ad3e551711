"""The same search on both backends: one set of entries, the same hits in the same order.

SQLite ranks with FTS5's bm25(); PostgreSQL computes the same formula over the same tokens
(dutydesk.store.postgres), so a query lists the same ids in the same order on both.
"""

from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from backends import Server
from conftest import TEST_PIN
from dutydesk.context import Context, open_context
from dutydesk.domain import log, shifts, supervisors
from dutydesk.errors import UserError
from dutydesk.store import postgres, sqlite
from dutydesk.textsearch import fts_query, index_tokens, query_phrases, query_terms

ENTRIES = [
    "CRM 登录缓慢，已报 IT 处理",
    "CRM 登录缓慢 again: 登录 takes 40 s, IT ticket #4411",
    "登录 页面正常；缓慢 的是报表",
    "Queue surge after the campaign launch, callbacks stopped",
    "IVR 播报已开启：系统故障，请稍候",
    "系统故障已恢复，IVR 播报关闭",
    "客户投诉：回访超时，升级到组长",
    "投诉 投诉 投诉：同一客户第三次来电",
    "Callback queue at 95% — late callbacks escalated",
    "discount code 50%_OFF rejected by billing",
    "Agent state: 示忙 (busy) for 20 min; late lunch",
    "The update was late; rate limits hit the SMS gateway",
    "Café résumé: naïve élan test for accents",
    "坐席示忙超时，质检抽查 quality check",
    "慢 慢 慢：系统整体缓慢",
    "营销活动上线后来电激增 campaign surge",
    "Payment gateway timeout (支付网关超时) since 09:10",
    "CRM outage outage outage — all agents on paper forms",
    "short",
    "回访 callback list exported for 组长 review",
    "慢慢慢慢，还是慢慢慢",  # a phrase overlapping itself counts twice in FTS5
    "系统慢慢慢，已恢复",
]

QUERIES = [
    "慢",  # one character
    "登",
    "投诉",  # two characters
    "登录",
    "缓慢",
    "登录缓慢",  # three and more: a phrase
    "慢慢慢",
    "慢慢",
    "系统故障",
    "网关超时",
    "crm",  # English words and prefixes
    "CRM 登录",
    "camp",
    "callback",
    "late",
    "ate",  # a prefix only: not inside "late", "update"
    "outage",
    "cafe",  # accents folded
    "RÉSUMÉ",
    "%",  # taken literally: no wildcard
    "_",
    "50%_OFF",
    "95%",
    "示忙 busy",
    "nothing here",
]


def fill(context: Context) -> list[int]:
    supervisors.add_supervisor(context.db, "wang", "王伟", TEST_PIN)
    shift = shifts.open_shift(context.db, context.config, "wang")
    start = shift.opened_at
    # Two entries share each minute, so equal ranks fall back to the time, then the id.
    return [
        log.add_entry(context.db, context.config, shift, text, at=start - timedelta(minutes=n // 2)).id
        for n, text in enumerate(ENTRIES)
    ]


# Entries whose ranks tie far beyond any page of results (the same words, the same length),
# written out of time order (backdated, several in one minute), in two categories: which
# of the tied entries make the page, and in which order, is decided by time then id only.
TIED = ["CRM slow again", "CRM still slow", "登录缓慢 again", "CRM 登录缓慢", "slow CRM login"]


def fill_tied(context: Context) -> list[int]:
    supervisors.add_supervisor(context.db, "li", "李娜", TEST_PIN)
    shift = shifts.open_shift(context.db, context.config, "li")
    start = shift.opened_at
    return [
        log.add_entry(
            context.db,
            context.config,
            shift,
            TIED[n % len(TIED)],
            category="event" if n % 3 else "system_status",
            at=start - timedelta(minutes=(n * 7) % 19),
        ).id
        for n in range(60)
    ]


TIED_QUERIES = ["crm", "slow", "登录", "登录缓慢", "again", "crm slow", "nothing"]
TIED_LIMITS = [1, 7, 50]


def tied_filters(context: Context) -> list[log.LogFilter]:
    start = shifts.get_shift(context.db, 1).opened_at
    return [
        log.LogFilter(),
        log.LogFilter(category="system_status"),
        log.LogFilter(since=start - timedelta(minutes=9), until=start - timedelta(minutes=2)),
        log.LogFilter(shift_id=1, category="event"),
    ]


def ranked_ids(context: Context, query: str) -> list[int]:
    return [hit.entry.id for hit in log.search(context.db, query)]


def outcome(context: Context, query: str) -> list[int] | str:
    try:
        return ranked_ids(context, query)
    except UserError as error:
        return str(error)


@pytest.fixture
def both_backends(server: Server, tmp_path: Path, frozen_clock) -> Iterator[tuple[Context, Context]]:  # type: ignore[no-untyped-def]
    name = server.create()
    on_sqlite = open_context(tmp_path / "parity.db", None, "en")
    on_server = open_context(server.database_url(name), None, "en")
    yield on_sqlite, on_server
    on_sqlite.db.close()
    on_server.db.close()
    server.drop(name)


@pytest.mark.server_only
def test_every_query_lists_the_same_entries_in_the_same_order_on_both_backends(
    both_backends: tuple[Context, Context],
) -> None:
    on_sqlite, on_server = both_backends
    assert fill(on_sqlite) == fill(on_server)
    for query in QUERIES:
        assert outcome(on_server, query) == outcome(on_sqlite, query), query


@pytest.mark.server_only
def test_the_ranks_themselves_are_fts5s_bm25(both_backends: tuple[Context, Context]) -> None:
    on_sqlite, on_server = both_backends
    fill(on_sqlite), fill(on_server)
    for query in QUERIES:
        phrases = query_phrases(query) if query_terms(query) else []
        if not phrases or not all(phrase.tokens for phrase in phrases):
            continue
        with on_sqlite.db.engine.connect() as connection:
            fts5 = dict(connection.execute(sqlite.SEARCH_MATCHES, sqlite.search_parameters(phrases)).all())
        with on_server.db.engine.connect() as connection:
            matches = postgres.search_matches(postgres.search_shape(phrases))
            server = dict(connection.execute(matches, postgres.search_parameters(phrases)).all())
        assert server.keys() == fts5.keys(), query
        assert all(server[key] == pytest.approx(fts5[key], rel=1e-12) for key in fts5), query


def test_wildcards_and_word_middles_are_not_matches(context: Context, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    ids = fill(context)
    assert outcome(context, "%") == "the search has no words to look for"
    assert ranked_ids(context, "_") == ranked_ids(context, "%_") == []
    assert ranked_ids(context, "95%") == [ids[8]]  # "95" is a word; "%" is no wildcard
    assert ranked_ids(context, "ate") == []  # not inside late, update, rate, gateway
    assert sorted(ranked_ids(context, "登录缓慢")) == [ids[0], ids[1]]  # not ids[2]: both words, apart
    assert ranked_ids(context, "outage")[0] == ids[17]


def test_index_tokens_are_what_fts5_unicode61_makes_of_the_bigram_form() -> None:
    assert index_tokens("CRM 登录缓慢，已报 IT") == ["crm", "登录", "录缓", "缓慢", "慢", "已报", "报", "it"]
    assert index_tokens("50%_OFF Café") == ["50", "off", "cafe"]


def test_an_empty_log_finds_nothing(db) -> None:  # type: ignore[no-untyped-def]
    assert log.search(db, "登录") == log.search(db, "crm") == []


# The search as it was first written (every match joined, then ordered): the reference for
# the order of the results, whatever the statement that computes them now.
REFERENCE = """
SELECT e.id FROM log_search JOIN log_entry AS e ON e.id = log_search.rowid
WHERE log_search MATCH :match
  AND (:shift_id IS NULL OR e.shift_id = :shift_id) AND (:category IS NULL OR e.category = :category)
  AND (:since IS NULL OR e.at >= :since) AND (:until IS NULL OR e.at < :until)
ORDER BY log_search.rank, e.at DESC, e.id DESC LIMIT :limit
"""


def reference_ids(context: Context, query: str, log_filter: log.LogFilter, limit: int) -> list[int]:
    phrases = query_phrases(query)
    moments = {name: getattr(log_filter, name) for name in ("since", "until")}
    parameters = {
        "match": fts_query(phrases),
        "shift_id": log_filter.shift_id,
        "category": log_filter.category,
        **{
            name: moment and moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") for name, moment in moments.items()
        },
        "limit": limit,
    }
    with context.db.engine.connect() as connection:
        return list(connection.execute(text(REFERENCE), parameters).scalars())


@pytest.mark.sqlite_only("the reference query is FTS5's; the server is held to SQLite's order below")
def test_the_best_matches_are_the_reference_querys_in_its_order(context: Context) -> None:
    fill_tied(context)
    checked = 0
    for log_filter in tied_filters(context):
        for query in TIED_QUERIES:
            for limit in TIED_LIMITS:
                expected = reference_ids(context, query, log_filter, limit)
                found = [hit.entry.id for hit in log.search(context.db, query, log_filter, limit=limit)]
                assert found == expected, (query, log_filter, limit)
                checked += bool(expected)
    assert checked > 50  # most combinations find something: the comparison is not of empty lists


@pytest.mark.server_only
def test_equal_ranks_and_filters_give_the_same_page_on_both_backends(
    both_backends: tuple[Context, Context],
) -> None:
    on_sqlite, on_server = both_backends
    assert fill_tied(on_sqlite) == fill_tied(on_server)
    for log_filter in tied_filters(on_sqlite):
        for query in TIED_QUERIES:
            for limit in TIED_LIMITS:
                found = {
                    name: [hit.entry.id for hit in log.search(context.db, query, log_filter, limit=limit)]
                    for name, context in (("sqlite", on_sqlite), ("server", on_server))
                }
                assert found["server"] == found["sqlite"], (query, log_filter, limit)


def test_the_search_statement_is_built_once(context: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    fill_tied(context)
    log.search(context.db, "crm")  # builds it, if no test before did
    built = []
    monkeypatch.setattr(log, "entries_query", lambda: built.append(1))  # would fail if called
    for query in ("slow", "登录缓慢", "again crm", "nothing"):
        log.search(context.db, query)
    assert built == []
