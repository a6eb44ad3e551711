"""Verify proportional to what is new: each run that finds the record intact leaves a chained mark per
team, the next run checks from there; `--all` checks everything; a mark moved by hand is noticed.
And an export checks its own shift's part of the record, never the history."""

from datetime import timedelta

from sqlalchemy.exc import OperationalError
from test_chain import execute, take_off_the_log_guards
from test_seal import build_signed_record

from cli_runner import Cli
from dutydesk.domain import chain as check
from dutydesk.domain import handover as ho
from dutydesk.domain import log
from dutydesk.export import gather_summary
from dutydesk.store import chain


def verify_and_mark(db) -> ho.RecordSeal:  # type: ignore[no-untyped-def]
    """What `dutydesk verify` does: check since the marks, then mark what it found intact."""
    seal = ho.seal_since_marks(db)
    ho.record_verified(db, seal)
    return seal


def problems(seal: ho.RecordSeal) -> list[str]:
    return [p.what for p in seal.report.problems]


def test_a_change_after_the_mark_is_caught_and_one_before_it_only_by_all(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    old = log.add_entry(db, config, shift, "before the mark")
    first = verify_and_mark(db)
    assert first.report.ok and first.report.whole and first.report.since is None  # no mark yet: everything
    new = log.add_entry(db, config, shift, "after the mark")
    take_off_the_log_guards(db)
    execute(db, f"UPDATE log_entry SET text = 'forged' WHERE id = {new.id}")
    seal = ho.seal_since_marks(db)
    assert not seal.report.whole and seal.report.since is not None
    assert any(f"log_entry #{new.id}, field text" in what for what in problems(seal))
    execute(db, f"UPDATE log_entry SET text = 'after the mark' WHERE id = {new.id}")  # put back
    assert verify_and_mark(db).report.ok
    execute(db, f"UPDATE log_entry SET text = 'rewritten' WHERE id = {old.id}")
    assert ho.seal_since_marks(db).report.ok  # the documented limit: before the mark, only --all looks
    whole = ho.seal_of_record(db)
    assert whole.report.whole and any(f"log_entry #{old.id}, field text" in what for what in problems(whole))


def test_a_rewrite_before_the_mark_that_recomputes_digests_shows_after_it(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    log.add_entry(db, config, shift, "first")
    verify_and_mark(db)
    # The stored digest the mark's own link starts from, changed as a rewrite of everything before it would.
    execute(db, "UPDATE chain_link SET prev_digest = 'ff' || substr(prev_digest, 3) WHERE row_table = 'verify_mark'")
    assert any("previous digest does not match" in what for what in problems(ho.seal_since_marks(db)))


def test_a_mark_moved_by_a_plain_update_is_noticed_and_the_whole_chain_checked(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    forged = log.add_entry(db, config, shift, "to be forged")
    verify_and_mark(db)
    log.add_entry(db, config, shift, "later")
    take_off_the_log_guards(db)
    execute(db, f"UPDATE log_entry SET text = 'forged' WHERE id = {forged.id}")
    # An insider moves "verified up to" past the forged row, to the head as stored.
    execute(
        db,
        "UPDATE verify_mark SET seq = (SELECT seq FROM chain_head WHERE team = 'A'), "
        "digest = (SELECT digest FROM chain_head WHERE team = 'A') WHERE team = 'A'",
    )
    found = problems(ho.seal_since_marks(db))
    assert any("verified-up-to mark was changed outside dutydesk" in what for what in found)
    assert any(f"log_entry #{forged.id}, field text" in what for what in found)  # checked whole again


def test_a_mark_inserted_by_hand_is_not_trusted(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    forged = log.add_entry(db, config, shift, "to be forged")
    take_off_the_log_guards(db)
    execute(db, f"UPDATE log_entry SET text = 'forged' WHERE id = {forged.id}")
    execute(
        db,
        "INSERT INTO verify_mark (team, seq, digest, verified_at, whole, run) "
        "SELECT team, seq, digest, '2026-01-01 00:00:00.000000', true, 'x' FROM chain_head WHERE team = 'A'",
    )
    found = problems(ho.seal_since_marks(db))
    assert any("verified-up-to mark was changed outside dutydesk" in what for what in found)
    assert any(f"log_entry #{forged.id}, field text" in what for what in found)


def test_a_run_that_finds_problems_leaves_no_mark_and_an_idle_run_adds_no_link(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    entry = log.add_entry(db, config, shift, "entry")
    take_off_the_log_guards(db)
    execute(db, f"UPDATE log_entry SET text = 'forged' WHERE id = {entry.id}")
    assert not verify_and_mark(db).report.ok
    assert marks(db) == []
    execute(db, f"UPDATE log_entry SET text = 'entry' WHERE id = {entry.id}")
    verify_and_mark(db)
    verify_and_mark(db)  # nothing new since: the chain does not grow by a mark each run
    assert [(team, whole) for team, whole, _seq in marks(db)] == [("A", True)]
    ho.record_verified(db, ho.seal_of_record(db))  # --all after an incremental run is recorded as such
    assert [(team, whole) for team, whole, _seq in marks(db)] == [("A", True)]
    assert check.check_chain(db).breaks == []


def marks(db) -> list[tuple[str, bool, int]]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        rows = connection.execute(chain.MARK.select().order_by(chain.MARK.c.id))
        return [(row.team, bool(row.whole), row.seq) for row in rows]


def test_verify_says_since_when_or_whole_record(on_duty: Cli) -> None:
    on_duty.ok("log", "add", "first")
    code, out, _err = on_duty("verify")
    assert code == 0 and "Whole record verified" in out  # the first run has no mark to start from
    on_duty.ok("log", "add", "second")
    code, out, _err = on_duty("verify")
    assert code == 0 and "Verified since " in out and "dutydesk verify --all" in out
    assert "No handover was signed since the last verify." in out and "No signed handovers" not in out
    code, out, _err = on_duty("verify", "--all")
    assert code == 0 and "Whole record verified" in out and "since" not in out


def test_export_reads_only_its_own_shifts_part_of_the_chain(db, config, shift, frozen_clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        log.add_entry(db, config, shift, f"entry {n}")
    verify_and_mark(db)
    span_start = _head_seq(db)
    for n in range(3):
        log.add_entry(db, config, shift, f"after the mark {n}")

    def whole_record(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("an export verified the whole record")

    read: list[tuple[str, int, int | None]] = []
    between = chain.links_between

    def recorded(connection, team, first, last=None):  # type: ignore[no-untyped-def]
        read.append((team, first, last))
        return between(connection, team, first, last)

    monkeypatch.setattr(check, "check_chain_since", whole_record)
    monkeypatch.setattr(chain, "stored_links", whole_record)
    monkeypatch.setattr(chain, "links_between", recorded)
    frozen_clock.advance(timedelta(minutes=5))
    summary = gather_summary(db, config, shift.id)
    assert summary.seal_problems == []
    assert read == [("A", span_start, _head_seq(db))]  # from the mark's own link to the shift's last one


def test_export_still_names_a_forged_row_of_its_shift(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    entry = log.add_entry(db, config, shift, "entry")
    take_off_the_log_guards(db)
    execute(db, f"UPDATE log_entry SET text = 'forged' WHERE id = {entry.id}")
    assert any("field text" in what for what in gather_summary(db, config, shift.id).seal_problems)


def _head_seq(db) -> int:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return int(connection.execute(chain.HEAD.select().where(chain.HEAD.c.team == "A")).one().seq)


def test_marks_that_cannot_be_stored_leave_the_verdict_standing(db, config, shift, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    log.add_entry(db, config, shift, "entry")

    def busy(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("INSERT INTO verify_mark", {}, Exception("database is locked"))

    monkeypatch.setattr(check, "write_marks", busy)
    seal = ho.seal_since_marks(db)
    assert seal.report.ok and ho.record_verified(db, seal) == "database is locked"
    assert marks(db) == []


def test_only_handovers_signed_after_the_mark_are_checked_again(context, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    build_signed_record(context, frozen_clock.now)
    db = context.db
    assert verify_and_mark(db).report.checked == [1]
    assert ho.seal_since_marks(db).report.checked == []  # signed before the mark: that run checked it
    execute(db, "UPDATE handover_signature SET supervisor_name = 'zhao' WHERE role = 'incoming'")
    assert ho.seal_since_marks(db).report.ok  # the documented limit: a signature before the mark
    assert any(p.handover_id == 1 for p in ho.seal_of_record(db).report.problems)  # --all sees it
