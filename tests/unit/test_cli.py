"""The `dutydesk` command as scripts and people use it: output, JSON contract, errors."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cli_runner import Cli
from dutydesk.store import sqlite as sqlite_backend


def test_log_add_without_an_open_shift_is_a_clear_error(cli: Cli) -> None:
    code, out, err = cli("log", "add", "hello")
    assert code == 1 and out == ""
    assert err.startswith("error: no shift is open") and "Traceback" not in err


def test_log_json_is_the_documented_contract(on_duty: Cli) -> None:
    assert on_duty("log", "add", "CRM 登录缓慢 | *x*", "--category", "defect", "--severity", "warning")[0] == 0
    assert on_duty("log", "correct", "1", "CRM 登录恢复")[0] == 0
    entries = on_duty.json("log", "list")
    assert isinstance(entries, list) and len(entries) == 2
    required = {"id", "at", "category", "severity", "text", "author", "shift_id", "supersedes"}
    assert all(required <= entry.keys() for entry in entries)
    correction, original = entries
    assert (correction["supersedes"], original["text"], original["author"]) == (
        1,
        "CRM 登录缓慢 | *x*",
        {"name": "wang", "display_name": "王伟"},
    )
    assert original["at"].endswith("+08:00")
    hits = on_duty.json("log", "search", "登录恢复")
    assert [hit["id"] for hit in hits] == [2]


def test_shift_json_contract(on_duty: Cli) -> None:
    shifts = on_duty.json("shift", "list")
    assert isinstance(shifts, list)
    assert {"id", "supervisor", "team", "status", "opened_at", "closed_at"} <= shifts[0].keys()
    assert (shifts[0]["supervisor"], shifts[0]["status"], shifts[0]["closed_at"]) == (
        {"name": "wang", "display_name": "王伟"},
        "open",
        None,
    )
    code, out, _ = on_duty("shift", "close")
    assert code == 0 and "closed" in out
    assert on_duty.json("shift", "show")["status"] == "closed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("log", "add", "x", "--category", "gossip"), "unknown category 'gossip'"),
        (("log", "add", "x", "--severity", "loud"), "unknown severity 'loud'"),
        (("log", "add", "x", "--at", "25:61"), "bad time '25:61'"),
        (("log", "correct", "99", "x"), "no log entry #99"),
        (("shift", "open", "--supervisor", "wang"), "already open"),
        (("shift", "show", "42"), "no shift #42"),
        (("log", "search", "***"), "no words"),
        (("--lang", "fr", "shift", "list"), "unknown language 'fr'"),
    ],
)
def test_user_errors_are_one_line_and_exit_non_zero(on_duty: Cli, args: tuple[str, ...], message: str) -> None:
    code, _, err = on_duty(*args)
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1


def test_text_from_stdin_must_be_utf8(on_duty: Cli) -> None:
    code, _, err = on_duty("log", "add", "-", stdin="多行\n第二行 with `code`\n".encode())
    assert code == 0, err
    assert on_duty.json("log", "list")[0]["text"] == "多行\n第二行 with `code`"
    code, _, err = on_duty("log", "add", "-", stdin=b"bad \xff byte")
    assert code == 1 and "not valid UTF-8" in err
    assert len(on_duty.json("log", "list")) == 1


def test_pin_prompt_refuses_a_short_pin(cli: Cli) -> None:
    code, _, err = cli("supervisor", "add", "li", "--pin-stdin", stdin=b"12\n")
    assert code == 1 and "6 to 12 digits" in err
    assert cli.json("supervisor", "list") == []


@pytest.mark.sqlite_only("a file lock held by another SQLite connection")
def test_locked_database_is_reported_in_one_line(on_duty: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_backend, "BUSY_TIMEOUT_MS", 100)
    holder = sqlite3.connect(on_duty.db_path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = on_duty("log", "add", "while locked")
    finally:
        holder.rollback()
        holder.close()
    assert code == 1 and "busy" in err and "Traceback" not in err
    assert on_duty.json("log", "list") == []


@pytest.mark.sqlite_only("the database is a file on disk")
def test_foreign_file_is_refused_without_traceback(tmp_path: Path, cli: Cli) -> None:
    cli.db_path.write_text("not a database", encoding="utf-8")
    code, _, err = cli("shift", "list")
    assert code == 1 and "not a dutydesk database" in err
    assert cli.db_path.read_text(encoding="utf-8") == "not a database"


def test_help_is_translated_with_lang_zh() -> None:
    probe = (
        "import sys\nsys.argv = ['dutydesk', '--lang', 'zh', 'log', '--help']\nfrom dutydesk.cli import main\nmain()"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0 and "值班日志" in result.stdout
