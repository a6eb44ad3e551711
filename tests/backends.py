"""The database every test works on: an SQLite file, or a fresh PostgreSQL database.

By default tests use SQLite files in their tmp_path. With DUTYDESK_TEST_DB set to a PostgreSQL
URL whose login may create databases (scripts/pg_test_server.py prints one), the same tests run
against that server: each test gets its own database, copied from a template that already holds
the current schema (a copy takes milliseconds; building the schema each time would not).
Tests that are about SQLite itself are marked `sqlite_only("why")` and skipped there.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine, text

from dutydesk.store.db import database_url, open_database

SERVER_URL = os.environ.get("DUTYDESK_TEST_DB")
TEMPLATE = "dutydesk_template"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): the test is about SQLite itself; skipped on a server")
    config.addinivalue_line("markers", "server_only: the test needs the PostgreSQL server of DUTYDESK_TEST_DB")


def pytest_report_header() -> str:
    if SERVER_URL is None:
        return "dutydesk backend: SQLite"
    return f"dutydesk backend: PostgreSQL {database_url(SERVER_URL)[0].render_as_string(hide_password=True)}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        only_sqlite = item.get_closest_marker("sqlite_only")
        if SERVER_URL and only_sqlite:
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {only_sqlite.args[0]}"))
        if not SERVER_URL and item.get_closest_marker("server_only"):
            item.add_marker(pytest.mark.skip(reason="needs DUTYDESK_TEST_DB (scripts/pg_test_server.py)"))


class Server:
    """Creates and drops the per-test databases on the server of DUTYDESK_TEST_DB."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")

    def database_url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, template: str | None = TEMPLATE) -> str:
        name = f"dutydesk_t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """The PostgreSQL server under test, with a template database at the current schema."""
    if SERVER_URL is None:
        pytest.skip("needs DUTYDESK_TEST_DB (scripts/pg_test_server.py)")
    server = Server(database_url(SERVER_URL)[0])
    server.drop(TEMPLATE)  # left over by an interrupted run
    with server.admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{TEMPLATE}"'))
    open_database(server.database_url(TEMPLATE)).close()
    yield server
    server.drop(TEMPLATE)
    server.admin.dispose()


@pytest.fixture
def empty_server_database(server: Server) -> Iterator[str]:
    """The URL of a new, empty database (no schema) on the test server."""
    name = server.create(template=None)
    yield server.database_url(name)
    server.drop(name)


@pytest.fixture
def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | Path]:
    """What a test opens: an SQLite file in tmp_path, or a new database on the test server."""
    if SERVER_URL is None:
        yield tmp_path / "dutydesk.db"
        return
    server: Server = request.getfixturevalue("server")
    name = server.create()
    yield server.database_url(name)
    server.drop(name)
