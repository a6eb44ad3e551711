"""The record chain: every chained row is one link, appends stay one chain under concurrent writers,
and a changed, deleted, added or moved row is named by `check_chain`."""

import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from dutydesk import clock
from dutydesk.canonical import canonical_bytes
from dutydesk.domain import followups, log
from dutydesk.domain.chain import check_chain
from dutydesk.store import chain
from dutydesk.store.tables import ChainLink

WRITER = """
import sys
from dutydesk.context import open_context
from dutydesk.domain import followups, log, shifts

context = open_context(sys.argv[1], None, "en")
shift = shifts.require_current_shift(context.db)
follow_up = int(sys.argv[3])
print("ready", flush=True)
sys.stdin.readline()  # all writers start together
for n in range(int(sys.argv[2])):
    log.add_entry(context.db, context.config, shift, f"writer entry {n}")
    followups.add_note(context.db, follow_up, f"writer note {n}")
"""


def links(db) -> list[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        query = select(ChainLink.team, ChainLink.seq, ChainLink.row_table).order_by(ChainLink.team, ChainLink.seq)
        return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]


def take_off_the_log_guards(db) -> None:  # type: ignore[no-untyped-def]
    """What an insider owning the database does first: the append-only triggers go."""
    if db.is_sqlite:
        execute(db, "DROP TRIGGER log_entry_no_update")
        execute(db, "DROP TRIGGER log_entry_no_delete")
    else:
        execute(db, "ALTER TABLE log_entry DISABLE TRIGGER USER")
        execute(db, "ALTER TABLE log_search DISABLE TRIGGER USER")


def execute(db, statement: str) -> None:  # type: ignore[no-untyped-def]
    with db.engine.begin() as connection:
        connection.execute(text(statement))


def test_every_write_is_one_link_of_its_teams_chain(db, config, shift, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    entry = log.add_entry(db, config, shift, "CRM slow", category="system_status", severity="warning")
    log.correct_entry(db, config, entry.id, "CRM back at 10:40")
    follow_up = followups.add_followup(db, config, "call back 张先生", "ticket", now=frozen_clock.now)
    assert links(db) == [("", 1, "follow_up_event"), ("A", 1, "log_entry"), ("A", 2, "log_entry")]
    assert check_chain(db).breaks == []
    followups.add_note(db, follow_up.id, "left a message")
    assert links(db)[:2] == [("", 1, "follow_up_event"), ("", 2, "follow_up_event")]


def test_a_changed_deleted_or_added_row_is_named(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    first = log.add_entry(db, config, shift, "first")
    log.add_entry(db, config, shift, "second")
    take_off_the_log_guards(db)
    execute(db, f"UPDATE log_entry SET text = 'forged' WHERE id = {first.id}")
    assert [b.describe() for b in check_chain(db).breaks] == [
        f"chain (team A, link 1, log_entry #{first.id}, field text): the row differs from what was written"
    ]
    if not db.is_sqlite:  # the server's search rows point at the entry: they go first
        execute(db, f"DELETE FROM log_search WHERE entry_id = {first.id}")
    execute(db, f"DELETE FROM log_entry WHERE id = {first.id}")
    assert [(b.seq, b.row_id, b.what) for b in check_chain(db).breaks] == [(1, first.id, "the row was deleted")]


def test_three_writer_processes_make_one_chain(db, config, shift, tmp_path: Path, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    follow_up = followups.add_followup(db, config, "shared", "ticket", now=frozen_clock.now)
    environment = {**os.environ, **clock.environment_for_child(frozen_clock.now)}
    per_writer = 15
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, db.target, str(per_writer), str(follow_up.id)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for _ in range(3)
    ]
    for writer in writers:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    found = links(db)
    team = [seq for name, seq, _table in found if name == "A"]
    center = [seq for name, seq, _table in found if name == ""]
    assert team == list(range(1, 3 * per_writer + 1))  # one chain: no fork, no gap, no repeat
    assert center == list(range(1, 3 * per_writer + 2))  # the follow-up's "created" and every note
    assert check_chain(db).breaks == []


def test_migrating_an_old_database_chains_what_it_holds(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    log.add_entry(db, config, shift, "before the upgrade")
    execute(db, "DELETE FROM chain_link")
    execute(db, "DELETE FROM chain_head")
    with db.engine.begin() as connection:
        chain.chain_all(connection)
    assert links(db) == [("A", 1, "log_entry")] and check_chain(db).breaks == []


TEXTS = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)  # any text SQLite can hold
QUEUE_ALERT = {
    "shift_id": st.none() | st.integers(-(2**63), 2**63 - 1),
    "rule": TEXTS,
    "queue": TEXTS,
    "level": TEXTS,
    "fired_at": st.datetimes(timezones=st.just(UTC)),
    "cleared_at": st.none() | st.datetimes(timezones=st.just(UTC)),
    "acknowledged_by": st.none() | TEXTS,
    "acknowledged_at": st.none() | st.datetimes(timezones=st.just(UTC)),
    "figures": TEXTS,
    "simulated": st.booleans(),
}


@pytest.mark.sqlite_only("the database renders rows as JSON on SQLite only")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries(QUEUE_ALERT))
def test_the_database_renders_a_row_as_its_canonical_json(db, values) -> None:  # type: ignore[no-untyped-def]
    """Every kind of column (integer, text, time, flag, NULL), any text: the JSON SQLite builds is
    byte for byte what `row_fields` and `canonical_bytes` make of the same row."""
    table = chain.CHAINED["queue_alert"]
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")  # any shift number, existing or not
        row_id = connection.execute(table.insert().values(values)).inserted_primary_key[0]
        [(rendered_id, rendered)] = chain.rendered_rows(connection, table, [row_id])
        [fields] = chain.stored_rows(connection, table, [row_id])
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
    assert rendered_id == row_id
    assert rendered == canonical_bytes(fields).decode("utf-8")


@pytest.mark.sqlite_only("the database renders rows as JSON on SQLite only")
def test_a_row_of_unusual_values_is_judged_field_by_field(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    """A value SQLite's rendering leaves to Python (another time form, text in a number column, a
    flag of 2) is neither a false alarm when it means the same nor missed when it does not."""
    entry = log.add_entry(db, config, shift, "CRM slow")
    take_off_the_log_guards(db)
    same_instant = entry.at.strftime("%Y-%m-%dT%H:%M:%S.%f")  # ISO with a 'T': same time, other text
    execute(db, f"UPDATE log_entry SET at = '{same_instant}' WHERE id = {entry.id}")
    with db.engine.connect() as connection:
        assert chain.rendered_rows(connection, chain.CHAINED["log_entry"], [entry.id]) == [(entry.id, None)]
    assert check_chain(db).breaks == []
    for change, field in [("shift_id = 'one'", "shift_id"), ("at = '2026-01-01T00:00:00'", "at")]:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")  # a shift that does not exist
            connection.exec_driver_sql(f"UPDATE log_entry SET {change} WHERE id = {entry.id}")
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        assert [b.field for b in check_chain(db).breaks] == [field]
        execute(db, f"UPDATE log_entry SET shift_id = {shift.id}, at = '{same_instant}' WHERE id = {entry.id}")


def test_content_from_row_json_is_the_canonical_link(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    log.add_entry(db, config, shift, '队列 8 等待 | *watch* \\ "quoted"')
    with db.engine.connect() as connection:
        [link] = chain.links_between(connection, "A", 1)
        [fields] = chain.stored_rows(connection, chain.CHAINED["log_entry"], [link.row_id])
    whole = {"format": chain.LINK_FORMAT, "team": "A", "seq": 1, "table": "log_entry", "row_id": link.row_id}
    assert canonical_bytes(whole | {"row": fields}).decode("utf-8") == link.content
    assert chain.content_of_fields("A", 1, "log_entry", fields) == link.content
