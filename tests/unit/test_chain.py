"""The record chain: every chained row is one link, appends stay one chain under concurrent writers,
and a changed, deleted, added or moved row is named by `check_chain`."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select, text

from dutydesk import clock
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
