"""`dutydesk db copy` moves a center's SQLite record onto a server; `db migrate` upgrades a server database."""

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from test_handover_cli import INCOMING_PIN, answer_everything, sign_both

from backends import Server
from cli_runner import Cli
from conftest import TEST_PIN
from dutydesk.store.db import SCHEMA_VERSION, open_database


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """An SQLite record with a signed handover, a corrected entry and Chinese text."""
    cli = Cli(tmp_path / "center.db", monkeypatch, capsys)
    assert cli("supervisor", "add", "wang", "--display-name", "王伟", "--pin-stdin", stdin=TEST_PIN.encode())[0] == 0
    assert cli("supervisor", "add", "li", "--display-name", "李娜", "--pin-stdin", stdin=INCOMING_PIN.encode())[0] == 0
    cli.ok("shift", "open", "--supervisor", "wang")
    cli.ok("log", "add", "CRM 登录缓慢 since 09:10", "--category", "system_status", "--severity", "warning")
    cli.ok("log", "correct", "1", "CRM 登录缓慢 since 09:05")
    answer_everything(cli)
    sign_both(cli)
    return cli


def test_copy_moves_every_table_and_the_signatures_still_verify(source: Cli, cli: Cli) -> None:
    before = {
        what: source.json(*what)
        for what in (("log", "list", "--shift", "1"), ("handover", "show", "1"), ("shift", "list"))
    }
    searched = source.json("log", "search", "登录")
    code, out, err = source("db", "copy", "--from", str(source.db_path), "--to", str(cli.db_path), "--json")
    assert code == 0, err
    assert json.loads(out)["tables"]["log_entry"] == 2 and len(before[("log", "list", "--shift", "1")]) == 2  # type: ignore[arg-type]
    assert {what: cli.json(*what) for what in before} == before
    assert cli.json("log", "search", "登录") == searched
    code, _out, err = cli("verify")
    assert code == 0, err
    cli.ok("log", "add", "after the move")  # new rows continue after the copied ids
    newest = cli.json("log", "list")[0]  # type: ignore[index]
    assert (newest["id"], newest["text"]) == (3, "after the move")


def test_copy_refuses_a_target_that_holds_data(source: Cli, cli: Cli) -> None:
    assert source("db", "copy", "--from", str(source.db_path), "--to", str(cli.db_path))[0] == 0
    code, _out, err = source("db", "copy", "--from", str(source.db_path), "--to", str(cli.db_path))
    assert code == 1
    assert err.startswith("error: the target database already holds dutydesk data (table ")
    assert err.endswith("): copy only into an empty one\n") and err.count("\n") == 1
    assert len(cli.json("log", "list", "--shift", "1")) == 2  # type: ignore[arg-type]


def test_copy_from_a_missing_file_is_one_line(cli: Cli, tmp_path: Path) -> None:
    code, _out, err = cli("db", "copy", "--from", str(tmp_path / "nope.db"), "--to", str(tmp_path / "new.db"))
    assert (code, err) == (1, f"error: there is no database file {tmp_path / 'nope.db'}\n")
    assert not (tmp_path / "nope.db").exists()


@pytest.mark.server_only
def test_an_older_server_database_is_migrated_only_by_db_migrate(cli: Cli, server: Server) -> None:
    assert cli("supervisor", "add", "wang", "--pin-stdin", stdin=TEST_PIN.encode())[0] == 0
    cli.ok("shift", "open", "--supervisor", "wang")
    cli.ok("log", "add", "CRM 登录缓慢")
    # Back to what a version 3 server database was: no search terms, no guards.
    old = open_database(cli.db_path)
    with old.engine.begin() as connection:
        connection.execute(text("DROP TABLE log_search, log_search_stats"))
        connection.execute(text("DROP FUNCTION dutydesk_refuse_change CASCADE"))
        connection.execute(text("UPDATE dutydesk_meta SET value = '3' WHERE key = 'schema_version'"))
    old.close()
    code, _out, err = cli("log", "list")
    assert code == 1 and "the server database is at schema 3" in err and "db migrate" in err
    out = cli.ok("db", "migrate")
    assert out.startswith(f"Migrated the server database from schema 3 to {SCHEMA_VERSION} in one transaction")
    assert "pg_dump" in out
    assert [hit["text"] for hit in cli.json("log", "search", "缓慢")] == ["CRM 登录缓慢"]  # type: ignore[index, union-attr]
    assert cli.ok("db", "migrate") == f"The server database is already at schema {SCHEMA_VERSION}.\n"
