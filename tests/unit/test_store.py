"""Opening databases: new, old (migrated), newer, foreign, corrupt, locked."""

import sqlite3
import stat
from pathlib import Path

import pytest

from dutydesk.domain import incidents, log
from dutydesk.errors import DatabaseRefused
from dutydesk.store.db import SCHEMA_VERSION, VERSION_3_TABLES, VERSION_5_COLUMNS, open_database

DATA = Path(__file__).parents[1] / "data"


def _schema_version(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT value FROM dutydesk_meta WHERE key='schema_version'").fetchone()[0])


def test_new_database_is_created_private_in_a_missing_directory(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "duty.db"
    db = open_database(path)
    db.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _schema_version(path) == SCHEMA_VERSION


@pytest.mark.sqlite_only("SQLite pragmas")
def test_connections_use_wal_foreign_keys_and_a_busy_timeout(db) -> None:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_old_database_is_backed_up_then_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        connection.executescript((DATA / "schema_v1.sql").read_text(encoding="utf-8"))
    db = open_database(path)
    backups = list(tmp_path.glob("old.db.v1-*.bak"))
    assert len(backups) == 1 and _schema_version(backups[0]) == 1
    assert _schema_version(path) == SCHEMA_VERSION
    texts = [entry.text for entry in log.list_entries(db)]
    assert texts == ["Queue surge after the campaign mail-out", "CRM 登录缓慢，已通知 IT"]
    # The migration indexed the old rows: they are found by search.
    assert [hit.entry.id for hit in log.search(db, "登录")] == [1]
    # ...and created the tables of later versions.
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(VERSION_3_TABLES) <= tables
    db.close()


def test_database_from_a_newer_dutydesk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    open_database(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE dutydesk_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    with pytest.raises(DatabaseRefused, match="newer dutydesk"):
        open_database(path)


def test_a_text_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"shopping list\n\xff\xfe")
    with pytest.raises(DatabaseRefused, match="not a dutydesk database"):
        open_database(path)
    assert path.read_bytes() == b"shopping list\n\xff\xfe"


def test_another_programs_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE contacts (name TEXT)")
    before = path.read_bytes()
    with pytest.raises(DatabaseRefused, match="not a dutydesk database"):
        open_database(path)
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


def test_a_corrupt_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    open_database(path).close()
    damaged = bytearray(path.read_bytes())
    damaged[100:4096] = b"\x00\xff" * ((4096 - 100) // 2)
    path.write_bytes(bytes(damaged))
    with pytest.raises(DatabaseRefused, match="damaged|not a dutydesk|schema"):
        open_database(path)
    assert path.read_bytes() == bytes(damaged)


def test_an_unwritable_location_gives_a_clear_refusal(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DatabaseRefused, match="cannot create"):
        open_database(blocker / "sub" / "duty.db")


def test_version_3_gains_the_incident_review_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    open_database(path).close()
    with sqlite3.connect(path) as connection:  # a version-3 database, with an incident event
        for table, columns in VERSION_5_COLUMNS.items():
            for column in columns:
                connection.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        connection.execute("UPDATE dutydesk_meta SET value = '3' WHERE key = 'schema_version'")
        connection.execute(
            "INSERT INTO incident (playbook_key, title_en, kind, level, status, started_at, respond_by, contacts_json)"
            " VALUES ('crm_down', 'CRM down', 'system_fault', 1, 'open', '2026-11-26 02:00:00', '2026-11-26 02:30:00',"
            " '[]')"
        )
        connection.execute(
            "INSERT INTO incident_event (incident_id, at, kind, text) VALUES (1, '2026-11-26 02:00:00', 'start', 'x')"
        )
    db = open_database(path)
    assert _schema_version(path) == SCHEMA_VERSION
    view = incidents.get_incident(db, 1)
    assert [(e.kind, e.text, e.author) for e in view.timeline] == [("start", "x", None)]
    with sqlite3.connect(path) as connection:
        for table, columns in VERSION_5_COLUMNS.items():
            present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
            assert set(columns) <= present


def test_version_9_gains_the_carried_rows_details(tmp_path: Path) -> None:
    path = tmp_path / "v9.db"
    open_database(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE handover_carried DROP COLUMN details")
        connection.execute("UPDATE dutydesk_meta SET value = '9' WHERE key = 'schema_version'")
    open_database(path).close()
    assert _schema_version(path) == SCHEMA_VERSION
    with sqlite3.connect(path) as connection:
        assert "details" in {row[1] for row in connection.execute("PRAGMA table_info(handover_carried)")}
