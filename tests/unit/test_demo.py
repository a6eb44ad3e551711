"""The demo database: a week of shifts built from sample_data/demo.toml, deterministically."""

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dutydesk import paths
from dutydesk.config import Config
from dutydesk.demo import (
    SHIFT_COUNT,
    build_demo,
    load_sample_data,
    prepare_demo_database,
    shift_spans,
)
from dutydesk.domain import log, shifts
from dutydesk.domain.shifts import CLOSED, OPEN
from dutydesk.errors import UserError
from dutydesk.store.db import Database, open_database
from dutydesk.textsearch import CJK_RUN

NOW = datetime(2025, 3, 12, 6, 40, tzinfo=UTC)  # 14:40 in Shanghai: a day shift


def all_entries(db: Database) -> list[log.LogEntryView]:
    return sorted(log.list_entries(db), key=lambda entry: entry.id)


def all_shifts(db: Database) -> list[shifts.ShiftInfo]:
    return sorted(shifts.list_shifts(db, limit=1000), key=lambda shift: shift.id)


@pytest.fixture
def demo_db(db: Database, config: Config) -> Database:
    build_demo(db, config, now=NOW)
    return db


def test_sample_data_has_both_languages_in_every_category(config: Config) -> None:
    samples = load_sample_data()
    assert len(samples.entries) >= 40
    assert len(samples.supervisors) == 4
    assert samples.pin.isdigit()
    for category in config.log.categories:
        languages = {t.lang for t in samples.entries if t.category == category.key}
        assert languages == {"en", "zh"}, category.key
    chinese = [t for t in samples.entries if t.lang == "zh"]
    assert all(CJK_RUN.search(t.text) for t in chinese)
    assert len(chinese) * 2 >= len(samples.entries)
    assert any("\n" in t.text for t in samples.entries)
    assert any("**" in t.text or "`" in t.text for t in samples.entries)


def test_placeholders_are_filled_and_other_braces_kept() -> None:
    samples = load_sample_data()
    template = next(t for t in samples.entries if "{complaint}" in t.text and t.text.count("{complaint}") > 1)
    text = samples.render(template, random.Random(1))
    assert "{" not in text
    numbers = {word for word in text.replace("TS-", " ").split() if word.isdigit() and len(word) == 4}
    assert len(numbers) == 1  # the same placeholder gets the same number in one text
    odd = type(template)("en", "event", "info", "keep {unknown} and {waiting}")
    rendered = samples.render(odd, random.Random(1))
    assert rendered.startswith("keep {unknown} and ") and "{waiting}" not in rendered


def test_a_week_of_shifts_the_last_one_open(demo_db: Database, config: Config) -> None:
    found = all_shifts(demo_db)
    assert len(found) == SHIFT_COUNT
    assert [s.status for s in found] == [CLOSED] * (SHIFT_COUNT - 1) + [OPEN]
    assert shifts.current_shift(demo_db, config.center.team) == found[-1]
    assert found[-1].planned_start <= NOW < found[-1].planned_end
    assert {s.team for s in found} == {config.center.team}
    assert {s.slot_key for s in found} == {"day", "night"}
    assert len({s.supervisor for s in found}) == 4
    for earlier, later in zip(found, found[1:], strict=False):
        assert earlier.planned_end == later.planned_start
        assert earlier.closed_at is not None and earlier.closed_at <= later.opened_at
    for shift in found:
        assert shift.planned_start <= shift.opened_at < shift.planned_end
        if shift.closed_at:
            assert shift.opened_at < shift.closed_at <= shift.planned_end


def test_entries_lie_inside_their_shift(demo_db: Database) -> None:
    by_id = {s.id: s for s in all_shifts(demo_db)}
    entries = all_entries(demo_db)
    per_shift: dict[int, int] = {}
    for entry in entries:
        shift = by_id[entry.shift_id]
        end = shift.closed_at or NOW
        assert shift.opened_at <= entry.at <= entry.recorded_at <= end
        if entry.supersedes is None:
            per_shift[entry.shift_id] = per_shift.get(entry.shift_id, 0) + 1
    assert set(per_shift) == set(by_id)
    # 15 to 30 drawn entries, plus the told problems' lines and the resolutions of problems.
    assert all(15 <= count <= 40 for count in per_shift.values()), per_shift


def test_some_entries_are_corrected(demo_db: Database) -> None:
    entries = {entry.id: entry for entry in all_entries(demo_db)}
    corrections = [e for e in entries.values() if e.supersedes is not None]
    assert corrections
    for correction in corrections:
        original = entries[correction.supersedes]
        assert original.superseded_by == correction.id
        assert original.shift_id == correction.shift_id
        assert original.at == correction.at
        assert correction.recorded_at >= original.recorded_at


def test_both_languages_and_all_categories_present(demo_db: Database, config: Config) -> None:
    entries = all_entries(demo_db)
    chinese = [e for e in entries if CJK_RUN.search(e.text)]
    english = [e for e in entries if not CJK_RUN.search(e.text)]
    assert len(chinese) > 50 and len(english) > 50
    assert {e.category for e in entries} == {c.key for c in config.log.categories}
    assert {e.severity for e in entries} == {"info", "warning", "critical"}
    current = shifts.current_shift(demo_db)
    assert current is not None
    assert log.count_entries(demo_db, log.LogFilter(shift_id=current.id)) >= 15


def test_same_seed_same_demo(tmp_path: Path, config: Config) -> None:
    def build(name: str, seed: int) -> list[tuple[str, datetime, str, str]]:
        db = open_database(tmp_path / name)
        try:
            build_demo(db, config, now=NOW, seed=seed)
            return [(e.text, e.at, e.category, e.author) for e in all_entries(db)]
        finally:
            db.close()

    first, again, other = build("a.db", 7), build("b.db", 7), build("c.db", 8)
    assert first == again
    assert first != other


def test_search_finds_demo_entries_in_both_languages(demo_db: Database) -> None:
    for word in ("登录", "示忙", "坐席", "CRM", "callbacks"):
        hits = log.search(demo_db, word)
        assert hits, word
        assert all(word.lower() in hit.entry.text.lower() for hit in hits)


def test_refuses_a_database_in_use(demo_db: Database, config: Config) -> None:
    with pytest.raises(UserError):
        build_demo(demo_db, config, now=NOW)


def test_shift_spans_follow_the_pattern(config: Config) -> None:
    spans = shift_spans(config, NOW, 4)
    assert spans[-1][0] <= NOW < spans[-1][1]
    assert all(end - start == timedelta(hours=12) for start, end in spans)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_demo_database_built_once_then_kept_until_fresh(config: Config) -> None:
    path = prepare_demo_database(now=NOW)
    assert path == paths.demo_database_path() and path.exists()
    db = open_database(path)
    log.add_entry(db, config, shifts.require_current_shift(db), "my own note", now=NOW)
    db.close()

    def has_note() -> bool:
        db = open_database(path)
        try:
            return bool(log.search(db, "my own note"))
        finally:
            db.close()

    assert prepare_demo_database(now=NOW) == path
    assert has_note()
    prepare_demo_database(fresh=True, now=NOW)
    assert not has_note()
    assert not path.with_name(path.name + ".building").exists()


def test_demo_follows_the_config_file(tmp_path: Path) -> None:
    config_file = tmp_path / "center.toml"
    config_file.write_text('[center]\nteam = "North"\n', encoding="utf-8")
    path = prepare_demo_database(tmp_path / "demo.db", config_path=config_file, now=NOW)
    db = open_database(path)
    try:
        assert {s.team for s in all_shifts(db)} == {"North"}
    finally:
        db.close()
    with pytest.raises(UserError):
        prepare_demo_database(tmp_path / "other.db", config_path=tmp_path / "missing.toml", now=NOW)


def test_the_week_ends_with_signed_handovers_problems_and_follow_ups(demo_db: Database, config: Config) -> None:
    from dutydesk.domain import followups, threads
    from dutydesk.domain import handover as ho

    signed = [h for h in ho.list_handovers(demo_db) if h.status == ho.SIGNED]
    assert len(signed) == 2 and ho.verify_handovers(demo_db).ok
    team = config.center.team
    problems = threads.team_threads(demo_db, config, team, NOW)
    crm = next(t for t in problems if t.entries[0].text == "CRM 登录缓慢，约 40 秒")
    assert not crm.is_open and len(crm.current) == 3 and crm.resolution.text == "CRM 已恢复，登录约 2 秒。"  # type: ignore[union-attr]
    ivr = next(t for t in problems if t.entries[0].text.startswith("IVR plays the holiday menu"))
    assert ivr.is_open and len(ivr.current) == 2
    open_items = followups.list_followups(demo_db, open_only=True, now=NOW)
    assert any(item.overdue(NOW) for item in open_items) and any(not item.overdue(NOW) for item in open_items)
    assert any(item.kind == "action" for item in open_items)  # a line of a signed handover's action list
    assert any(item.status == followups.CLOSED for item in followups.list_followups(demo_db, now=NOW))


def test_the_current_shift_is_drafted_in_its_last_hour(db: Database, config: Config) -> None:
    from dutydesk.domain import handover as ho

    late = datetime(2025, 3, 12, 11, 20, tzinfo=UTC)  # 19:20 in Shanghai: the day shift ends at 20:00
    build_demo(db, config, now=late)
    current = shifts.current_shift(db, config.center.team)
    assert current is not None and current.planned_end - late == timedelta(minutes=40)
    draft = ho.handover_of_shift(db, current.id)
    assert draft is not None and draft.status == ho.DRAFT and draft.progress()[0] == 0
    assert any(c.source == ho.THREAD_SOURCE for c in draft.carried)
    assert ho.verify_handovers(db).ok  # the whole record, drafted note included, is sealed
