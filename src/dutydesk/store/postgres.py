"""Everything PostgreSQL-only lives here: URLs, connection errors, append-only triggers, search.

The driver is psycopg 3 (the `dutydesk[postgres]` extra); it is imported by SQLAlchemy when
an engine first connects, never by this module, so SQLite users do not need it.
"""

import re

from sqlalchemy import URL
from sqlalchemy.engine import ExceptionContext, make_url

from dutydesk.errors import DatabaseUnavailable
from dutydesk.i18n import _

DIALECT = "postgresql+psycopg"
# What other tools print (postgres://, postgresql://) means the same server to us.
SCHEMES = ("postgres", "postgresql", DIALECT)

# libpq reports a failed connection without an SQLSTATE, so the message tells which one it was.
CONNECTION_FAILURES = (
    (re.compile(r"password authentication failed|no password supplied"), "password"),
    (re.compile(r'database ".*" does not exist'), "database"),
    (re.compile(r'role ".*" does not exist|no pg_hba\.conf entry|permission denied for database'), "login"),
    (re.compile(r"Connection refused|No such file or directory|could not translate host name|timeout"), "unreachable"),
)


def is_server_url(target: str) -> bool:
    return target.split("://", 1)[0] in SCHEMES


def engine_url(target: str) -> URL:
    """The URL with the psycopg dialect, whichever PostgreSQL scheme it was written with."""
    return make_url(target).set(drivername=DIALECT)


def driver_missing() -> DatabaseUnavailable:
    return DatabaseUnavailable(
        _("PostgreSQL support is not installed: pip install 'dutydesk[postgres]' (it adds the psycopg driver)")
    )


def explain_connection_failure(context: ExceptionContext) -> None:
    """SQLAlchemy's handle_error hook: a connection that cannot be made or was lost becomes one line.

    Everything else (constraint violations the domain code handles, programming errors) passes
    through unchanged, and so does a failed pre-ping: the pool then simply reconnects.
    """
    if context.is_pre_ping or context.engine is None:
        return
    url = context.engine.url
    if context.connection is None:  # connecting failed
        raise connection_failure(context.original_exception, url)
    if context.is_disconnect:
        raise DatabaseUnavailable(
            _("lost the connection to the database server {server}: that step was not saved; try again").format(
                server=_server(url)
            )
        )


def _server(url: URL) -> str:
    return f"{url.host or 'localhost'}:{url.port or 5432}"


def connection_failure(error: BaseException, url: URL) -> DatabaseUnavailable:
    """One line saying what to do about a server that cannot be reached or refuses us."""
    reason = str(error)
    kind = next((kind for pattern, kind in CONNECTION_FAILURES if pattern.search(reason)), None)
    if kind == "password":
        message = _("the server {server} refused the password of {user}: check the password in the database URL")
    elif kind == "login":
        message = _(
            "the server {server} refuses the login {user}: ask its administrator for a role (docs/postgresql.md)"
        )
    elif kind == "database":
        message = _("there is no database {database} on {server}: create it (createdb {database}) or fix the URL")
    elif kind == "unreachable":
        message = _("cannot reach the database server {server}: is it running, and are the host and port right?")
    else:
        return DatabaseUnavailable(
            _("the database server {server} refused: {reason}").format(server=_server(url), reason=first_line(error))
        )
    return DatabaseUnavailable(message.format(server=_server(url), user=url.username, database=url.database))


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
