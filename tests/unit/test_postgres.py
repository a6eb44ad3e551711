"""PostgreSQL as a backend: URLs, one-line connection errors, races between consoles, restarts.

The tests marked server_only need the server of DUTYDESK_TEST_DB (scripts/pg_test_server.py);
the race tests use the `db` fixture and so run on whichever backend the session uses.
"""

import socket
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from backends import Server
from cli_runner import Cli
from conftest import TEST_PIN, default_config
from dutydesk.domain import log, shifts, signing, supervisors
from dutydesk.errors import DatabaseUnavailable, StorageError, UserError
from dutydesk.store.db import database_url, open_database


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_every_postgresql_scheme_means_the_psycopg_driver(scheme: str) -> None:
    url, path = database_url(f"{scheme}://desk:secret@db.example:5433/center")
    assert (url.drivername, url.host, url.port, url.database, path) == (
        "postgresql+psycopg",
        "db.example",
        5433,
        "center",
        None,
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the probe is closed


def test_a_missing_driver_says_what_to_install(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now fails
    cli.db_path = f"postgres://desk@127.0.0.1:{closed_port()}/center"
    code, out, err = cli("log", "list")
    assert (code, out) == (1, "")
    assert (
        err
        == "error: PostgreSQL support is not installed: pip install 'dutydesk[postgres]' (it adds the psycopg driver)\n"
    )


def test_a_server_that_is_not_running_is_one_line(cli: Cli) -> None:
    port = closed_port()
    cli.db_path = f"postgresql://desk:secret@127.0.0.1:{port}/center"
    code, out, err = cli("log", "list")
    assert (code, out) == (1, "")
    assert err == (
        f"error: cannot reach the database server 127.0.0.1:{port}: is it running, and are the host and port right?\n"
    )


def test_an_unknown_url_scheme_is_one_line(cli: Cli) -> None:
    cli.db_path = "mongodb://desk@127.0.0.1/center"
    code, _out, err = cli("log", "list")
    assert code == 1 and err.startswith("error: dutydesk cannot use the database mongodb://") and err.count("\n") == 1


@pytest.mark.server_only
def test_a_wrong_password_is_one_line(server: Server) -> None:
    url = server.url.set(password="not-the-password")
    with pytest.raises(DatabaseUnavailable, match=f"refused the password of {url.username}: check the password"):
        open_database(url.render_as_string(hide_password=False))


@pytest.mark.server_only
def test_a_missing_database_says_how_to_create_it(server: Server) -> None:
    with pytest.raises(DatabaseUnavailable, match="there is no database no_such_center on .*createdb no_such_center"):
        open_database(server.database_url("no_such_center"))


@pytest.mark.server_only
def test_a_server_restart_costs_no_user_action(db, config, shift, server: Server) -> None:  # type: ignore[no-untyped-def]
    log.add_entry(db, config, shift, "before the restart")
    # What a restart does to every open connection: "terminating connection due to administrator command".
    with server.admin.connect() as connection:
        killed = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": db.engine.url.database},
        ).scalar_one()
    assert killed >= 1
    log.add_entry(db, config, shift, "after the restart")
    assert [entry.text for entry in log.list_entries(db)] == ["after the restart", "before the restart"]


def test_correcting_an_entry_another_console_just_corrected_is_one_line(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    original = log.add_entry(db, config, shift, "CRM slow")
    log.correct_entry(db, config, original.id, "CRM slow since 09:10")
    # The second console checked before the first one's correction was saved, then writes.
    with pytest.raises(UserError, match=f"entry #{original.id} was corrected a moment ago at another console"):
        log.add_entry(db, config, shift, "CRM slow since 09:05", supersedes=original.id)
    assert [entry.text for entry in log.list_entries(db)] == ["CRM slow since 09:10", "CRM slow"]


def test_two_consoles_making_the_same_signing_key_end_with_one_key(  # type: ignore[no-untyped-def]
    db, config, supervisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    seal = signing.seal_private_key
    other_console: list[signing.Signer] = []

    def seal_while_the_other_console_saves_first(*args: object) -> str:
        if not other_console:
            monkeypatch.setattr(signing, "seal_private_key", seal)
            other_console.append(signing.unlock_signer(db, config, supervisor.name, TEST_PIN))
        return seal(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(signing, "seal_private_key", seal_while_the_other_console_saves_first)
    this_console = signing.unlock_signer(db, config, supervisor.name, TEST_PIN)
    assert this_console.key_fingerprint == other_console[0].key_fingerprint
    assert list(signing.public_keys(db)) == [supervisor.id]


@pytest.mark.server_only
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE log_entry SET text = 'forged'",
        "DELETE FROM log_entry",
        "TRUNCATE log_entry CASCADE",
        "UPDATE log_search SET body = ''",
        "DELETE FROM log_search",
        "TRUNCATE log_search",
    ],
)
def test_the_server_refuses_changing_the_log_or_its_search_terms(db, config, shift, statement: str) -> None:  # type: ignore[no-untyped-def]
    entry = log.add_entry(db, config, shift, "original 原文")
    with pytest.raises(IntegrityError, match="the duty log is append-only"), db.engine.begin() as connection:
        connection.execute(text(statement))
    assert log.get_entry(db, entry.id).text == "original 原文"
    assert [hit.entry.id for hit in log.search(db, "原文")] == [entry.id]


@pytest.fixture
def center_roles(server: Server) -> Iterator[tuple[str, str]]:
    """docs/postgresql.md's set-up on a new database: the owner's URL and a console login's URL."""
    suffix = server.create(template=None).removeprefix("dutydesk_t_")
    database, owner, group, login = (f"dutydesk_t_{suffix}", f"owner_{suffix}", f"app_{suffix}", f"desk_{suffix}")
    with server.admin.connect() as connection:
        connection.execute(text(f"CREATE ROLE {owner} LOGIN PASSWORD 'owner-pw'"))
        connection.execute(text(f"CREATE ROLE {group} NOLOGIN"))
        connection.execute(text(f"CREATE ROLE {login} LOGIN PASSWORD 'desk-pw' IN ROLE {group}"))
        connection.execute(text(f"ALTER DATABASE {database} OWNER TO {owner}"))
    inside = create_engine(server.database_url(database), isolation_level="AUTOCOMMIT")
    with inside.connect() as connection:
        for statement in (
            f"REVOKE ALL ON DATABASE {database} FROM PUBLIC",
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
            f"GRANT CONNECT ON DATABASE {database} TO {group}",
            f"GRANT USAGE ON SCHEMA public TO {group}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {group}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {group}",
        ):
            connection.execute(text(statement))
    inside.dispose()
    url = server.url.set(database=database)
    yield (
        url.set(username=owner, password="owner-pw").render_as_string(hide_password=False),
        url.set(username=login, password="desk-pw").render_as_string(hide_password=False),
    )
    server.drop(database)
    with server.admin.connect() as connection:
        for role in (login, group, owner):
            connection.execute(text(f"DROP ROLE {role}"))


@pytest.mark.server_only
@pytest.mark.parametrize(
    "statement",
    [
        "DROP TRIGGER log_entry_no_update ON log_entry",
        "ALTER TABLE log_entry DISABLE TRIGGER ALL",
        "ALTER TABLE log_entry ADD COLUMN forged text",
        "TRUNCATE log_entry CASCADE",
        "DROP FUNCTION dutydesk_refuse_change CASCADE",
    ],
)
def test_a_console_login_cannot_undo_the_guards(center_roles: tuple[str, str], statement: str) -> None:
    owner_url, console_url = center_roles
    open_database(owner_url, migrate_server=True).close()  # the owner creates the schema
    desk = open_database(console_url)
    config = default_config()
    supervisors.add_supervisor(desk, "wang", "王伟", TEST_PIN)
    shift = shifts.open_shift(desk, config, "wang")
    entry = log.add_entry(desk, config, shift, "CRM 登录缓慢")
    assert [hit.entry.id for hit in log.search(desk, "登录")] == [entry.id]
    # dutydesk.store turns the server's refusal into a one-line StorageError (issue 11)
    with pytest.raises(StorageError, match="must be owner|permission denied"), desk.engine.begin() as connection:
        connection.execute(text(statement))
    desk.close()


@pytest.mark.server_only
def test_consoles_opening_a_new_server_database_at_once_create_the_schema_once(empty_server_database: str) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        opened = list(pool.map(lambda _n: open_database(empty_server_database), range(4)))
    assert sorted(db.schema_found is None for db in opened) == [False, False, False, True]
    for db in opened:
        db.close()
