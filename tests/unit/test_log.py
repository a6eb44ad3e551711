"""The duty log: adding, append-only corrections, listing and full-text search."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from dutydesk import clock
from dutydesk.domain import log, shifts
from dutydesk.domain.log import LogFilter
from dutydesk.errors import UserError
from dutydesk.textsearch import spans_of

SPECIAL = "Agent said: `rm *` | <b>#1</b> _urgent_ \\ done\nsecond line"


def test_entry_is_stored_with_everything_given(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    at = clock.utcnow() - timedelta(minutes=5)
    entry = log.add_entry(
        db, config, shift, "客户投诉：物流延误三天", category="customer_issue", severity="critical", at=at
    )
    stored = log.get_entry(db, entry.id)
    assert (stored.text, stored.category, stored.severity) == ("客户投诉：物流延误三天", "customer_issue", "critical")
    assert stored.at == at and stored.author == "wang" and stored.shift_id == shift.id


def test_special_characters_round_trip_unchanged(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    entry = log.add_entry(db, config, shift, SPECIAL)
    assert log.get_entry(db, entry.id).text == SPECIAL


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"category": "gossip"}, "unknown category 'gossip'"),
        ({"severity": "meh"}, "unknown severity 'meh'"),
        ({"at": timedelta(hours=2)}, "in the future"),  # from now
    ],
)
def test_bad_entries_are_refused(db, config, shift, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    if "at" in kwargs:
        kwargs = {"at": clock.utcnow() + kwargs["at"]}
    with pytest.raises(UserError, match=message):
        log.add_entry(db, config, shift, "text", **kwargs)
    assert log.count_entries(db) == 0


def test_empty_and_non_utf8_text_is_refused(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="empty"):
        log.add_entry(db, config, shift, "   \n")
    undecodable = b"CRM \xff\xfe down".decode("utf-8", "surrogateescape")
    with pytest.raises(UserError, match="not UTF-8"):
        log.add_entry(db, config, shift, undecodable)
    assert log.count_entries(db) == 0


def test_closed_shift_takes_no_entries(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    closed = shifts.close_shift(db, shift.id)
    with pytest.raises(UserError, match="closed"):
        log.add_entry(db, config, closed, "late note")


def test_correction_supersedes_and_keeps_the_original(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    original = log.add_entry(db, config, shift, "Backup lines on at 10:05", category="system_status")
    fixed = log.correct_entry(db, config, original.id, "Backup lines on at 10:15")
    entries = {entry.id: entry for entry in log.list_entries(db)}
    assert entries[original.id].text == "Backup lines on at 10:05"
    assert entries[original.id].superseded_by == fixed.id
    assert entries[fixed.id].supersedes == original.id
    assert entries[fixed.id].category == "system_status" and entries[fixed.id].at == original.at
    with pytest.raises(UserError, match=f"already corrected by #{fixed.id}"):
        log.correct_entry(db, config, original.id, "third try")


def test_the_database_refuses_changing_or_deleting_entries(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    entry = log.add_entry(db, config, shift, "original")
    for statement in ("UPDATE log_entry SET text = 'forged'", "DELETE FROM log_entry"):
        with pytest.raises(IntegrityError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))
    assert log.get_entry(db, entry.id).text == "original"


def test_listing_pages_newest_first_and_filters(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    start = clock.utcnow() - timedelta(hours=1)
    for minute in range(10):
        log.add_entry(
            db,
            config,
            shift,
            f"entry {minute}",
            at=start + timedelta(minutes=minute),
            category="defect" if minute % 2 else "event",
        )
    page = log.list_entries(db, LogFilter(shift.id), limit=3, offset=2)
    assert [entry.text for entry in page] == ["entry 7", "entry 6", "entry 5"]
    defects = log.list_entries(db, LogFilter(category="defect"))
    assert {entry.text for entry in defects} == {f"entry {m}" for m in (1, 3, 5, 7, 9)}
    assert log.count_entries(db, LogFilter(since=start + timedelta(minutes=8))) == 2


@pytest.fixture
def searchable(db, config, shift):  # type: ignore[no-untyped-def]
    texts = {
        "crm": "CRM 登录缓慢，已报 IT 处理",
        "surge": "Queue surge after the campaign launch, callbacks stopped",
        "ivr": "IVR 播报已开启：系统故障，请稍候",
        "both": "登录 页面正常；缓慢 的是报表",  # holds 登录 and 缓慢, but not 登录缓慢
    }
    return {key: log.add_entry(db, config, shift, value).id for key, value in texts.items()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("慢", {"crm", "both"}),  # one character, last of its run
        ("登", {"crm", "both"}),  # one character, first of its run
        ("登录", {"crm", "both"}),  # the common two-character word
        ("登录缓慢", {"crm"}),  # consecutive, so "both" does not match
        ("系统故障", {"ivr"}),
        ("surge", {"surge"}),
        ("camp", {"surge"}),  # English prefix
        ("CALLBACKS", {"surge"}),  # case-insensitive
        ("crm IT", {"crm"}),  # every word must occur
        ("ivr 故障", {"ivr"}),
        ("故障 nothing", set()),
    ],
)
def test_search_finds_english_and_chinese_words(db, searchable, query, expected) -> None:  # type: ignore[no-untyped-def]
    found = {hit.entry.id for hit in log.search(db, query)}
    assert found == {searchable[key] for key in expected}


def test_search_highlights_matches_and_ranks_better_matches_first(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    weak = log.add_entry(db, config, shift, "outage report filed with facilities and IT, long text " * 3)
    strong = log.add_entry(db, config, shift, "outage outage")
    hits = log.search(db, "outage")
    assert [hit.entry.id for hit in hits] == [strong.id, weak.id]
    assert hits[0].spans == [(0, 6), (7, 13)]


@pytest.mark.parametrize(
    ("query", "text", "spans"),
    [
        ("late", "The update was late; Late callbacks, LATE again", [(15, 19), (21, 25), (37, 41)]),
        ("ate", "The update was late; ate at 12", [(21, 24)]),  # a Latin word only where a word starts
        ("cafe", "Café résumé: cafe CAFE café", [(13, 17), (18, 22)]),
        ("résumé", "RÉSUMÉ, résumé, xrésumé", [(0, 6), (8, 14)]),
        ("crm", "CRM登录缓慢 crm: eCRM CRM2", [(0, 3), (8, 11), (18, 21)]),  # CJK before or after is a boundary
        ("CRM 登录", "CRM 登录缓慢, 登录 CRM, 再登录", [(0, 3), (4, 6), (10, 12), (13, 16), (19, 21)]),
        ("登录缓慢", "登录缓慢登录缓慢 登录 缓慢", [(0, 4), (4, 8)]),
        ("慢", "慢慢慢：系统慢", [(0, 1), (1, 2), (2, 3), (6, 7)]),
        ("50%_OFF", "discount code 50%_OFF rejected, 50 OFF", [(14, 16), (17, 21), (32, 34)]),
        ("sprinkler", "Sprinkler test, SPRINKLERS checked; resprinkler no", [(0, 9), (16, 25)]),
        ("out outage", "outage outage out", [(0, 6), (7, 13), (14, 17)]),  # the longer term first
    ],
)
def test_highlight_spans_mark_the_query_terms(query: str, text: str, spans: list[tuple[int, int]]) -> None:
    # Found by the pattern that checks the word start before each term (the look-behind came first):
    # the pattern that checks it from the term's end must find exactly the same.
    assert spans_of(query)(text) == spans


def test_search_filters_and_refuses_an_empty_query(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    log.add_entry(db, config, shift, "坐席示忙超时", category="staffing")
    log.add_entry(db, config, shift, "坐席示忙已恢复", category="event")
    assert [h.entry.category for h in log.search(db, "示忙", LogFilter(category="staffing"))] == ["staffing"]
    with pytest.raises(UserError, match="no words"):
        log.search(db, "  ***  ")


def test_parse_at_picks_the_latest_such_time_not_in_the_future(config) -> None:  # type: ignore[no-untyped-def]
    zone = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 11, 24, 1, 30, tzinfo=zone)
    assert log.parse_at("23:10", config, now) == datetime(2026, 11, 23, 23, 10, tzinfo=zone)
    assert log.parse_at("01:15", config, now) == datetime(2026, 11, 24, 1, 15, tzinfo=zone)
    assert log.parse_at("2026-11-20 09:00", config, now) == datetime(2026, 11, 20, 9, 0, tzinfo=zone)
    for bad in ("25:00", "9h", "", "2026-13-01 10:00"):
        with pytest.raises(UserError, match="bad time"):
            log.parse_at(bad, config, now)


def test_entries_typed_ahead_are_written_together_in_order_or_not_at_all(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    typed = [log.NewEntry(f"z-{letter}", "event", "info") for letter in "ABC"]
    written = log.add_entries(db, config, shift, typed)
    assert [entry.text for entry in written] == ["z-A", "z-B", "z-C"]
    assert [entry.id for entry in written] == sorted(entry.id for entry in written)
    one_bad = [log.NewEntry("fine", "event", "info"), log.NewEntry("  ", "event", "info")]
    with pytest.raises(UserError):
        log.add_entries(db, config, shift, one_bad)
    assert [entry.text for entry in log.list_entries(db, LogFilter(shift_id=shift.id))] == ["z-C", "z-B", "z-A"]
