"""Supervisors with hashed PINs; shifts opened from the pattern, one open per team."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from dutydesk.domain import shifts, supervisors
from dutydesk.errors import UserError


def test_pin_is_stored_only_as_a_salted_scrypt_hash(db) -> None:  # type: ignore[no-untyped-def]
    supervisors.add_supervisor(db, "li", "李娜", "135790")
    supervisors.add_supervisor(db, "chen", "陈静", "135790")
    with db.engine.connect() as connection:
        hashes = [row[0] for row in connection.execute(text("SELECT pin_hash FROM supervisor"))]
    assert all(h.startswith("scrypt$") and "135790" not in h for h in hashes)
    assert hashes[0] != hashes[1]  # salted
    assert supervisors.pin_matches("135790", hashes[0]) and not supervisors.pin_matches("1358", hashes[0])


@pytest.mark.parametrize(
    ("name", "pin", "message"),
    [
        ("li", "12", "6 to 12 digits"),
        ("li", "abcdef", "6 to 12 digits"),
        ("li na", "123456", "no spaces"),
    ],
)
def test_bad_supervisor_input_is_refused(db, name, pin, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match=message):
        supervisors.add_supervisor(db, name, "", pin)
    assert supervisors.list_supervisors(db) == []


def test_duplicate_supervisor_is_refused(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="already exists"):
        supervisors.add_supervisor(db, supervisor.name, "Other", "999999")


def test_shift_is_planned_from_the_pattern(db, config, supervisor) -> None:  # type: ignore[no-untyped-def]
    zone = ZoneInfo("Asia/Shanghai")
    shift = shifts.open_shift(db, config, "wang", "B", now=datetime(2026, 11, 24, 21, 5, tzinfo=zone), new_team=True)
    assert shift.slot_key == "night" and shift.team == "B" and shift.status == "open"
    assert shift.planned_start == datetime(2026, 11, 24, 20, 0, tzinfo=zone)
    assert shift.planned_end == datetime(2026, 11, 25, 8, 0, tzinfo=zone)


def test_only_one_open_shift_per_team(db, config, supervisor) -> None:  # type: ignore[no-untyped-def]
    first = shifts.open_shift(db, config, "wang", "A")
    with pytest.raises(UserError, match=f"shift #{first.id} of team A is already open"):
        shifts.open_shift(db, config, "wang", "A")
    other_team = shifts.open_shift(db, config, "wang", "B", new_team=True)
    assert other_team.id != first.id
    with pytest.raises(UserError, match="several shifts are open"):
        shifts.current_shift(db)
    assert shifts.current_shift(db, "B") == other_team


def test_the_database_itself_refuses_a_second_open_shift_of_a_team(db, config, supervisor) -> None:  # type: ignore[no-untyped-def]
    first = shifts.open_shift(db, config, "wang", "A")
    copy = (
        "INSERT INTO shift (team, slot_key, supervisor_id, planned_start, planned_end, opened_at, status) "
        "SELECT team, slot_key, supervisor_id, planned_start, planned_end, opened_at, :status FROM shift WHERE id = :id"
    )
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text(copy), {"status": "open", "id": first.id})
    with db.engine.begin() as connection:  # a closed one is no second open shift
        connection.execute(text(copy), {"status": "closed", "id": first.id})


def test_closing_a_shift_frees_the_team(db, config, supervisor) -> None:  # type: ignore[no-untyped-def]
    first = shifts.open_shift(db, config, "wang")
    closed = shifts.close_shift(db, first.id)
    assert closed.status == "closed" and closed.closed_at is not None
    with pytest.raises(UserError, match="already closed"):
        shifts.close_shift(db, first.id)
    second = shifts.open_shift(db, config, "wang")
    assert shifts.latest_shift(db) == second
    assert [s.id for s in shifts.list_shifts(db)] == [second.id, first.id]


def test_unknown_supervisor_cannot_open_a_shift(db, config) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="no supervisor named ghost"):
        shifts.open_shift(db, config, "ghost")


def test_with_several_teams_open_the_consoles_own_team_is_current(db, config, supervisor) -> None:  # type: ignore[no-untyped-def]
    own = shifts.open_shift(db, config, "wang", "A")
    shifts.open_shift(db, config, "wang", "B", new_team=True)
    assert shifts.current_shift(db, home_team="A") == own
    with pytest.raises(UserError, match="several shifts are open"):
        shifts.current_shift(db, home_team="C")


def test_a_shift_status_reads_as_a_shift_s_in_both_languages(shift: shifts.ShiftInfo, db) -> None:  # type: ignore[no-untyped-def]
    from dutydesk import i18n

    closed = shifts.close_shift(db, shift.id)
    assert (shift.status_label(), closed.status_label()) == ("open", "closed")
    i18n.set_language("zh")
    try:
        assert (shift.status_label(), closed.status_label()) == ("值班中", "已结班")  # not a ticket's 进行中
    finally:
        i18n.set_language("en")


def test_a_mistyped_team_opens_no_second_shift(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match=r"team Z has never had a shift \(teams: A\)"):
        shifts.open_shift(db, config, "wang", "Z")
    assert [s.team for s in shifts.list_shifts(db)] == ["A"]
    second = shifts.open_shift(db, config, "wang", "B", new_team=True)  # a team's first shift, on purpose
    assert second.team == "B"
    shifts.close_shift(db, second.id)
    assert shifts.open_shift(db, config, "wang", "B").team == "B"  # known from then on
