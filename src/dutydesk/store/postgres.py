"""Everything PostgreSQL-only lives here: URLs, connection errors, append-only triggers, search.

The driver is psycopg 3 (the `dutydesk[postgres]` extra); it is imported by SQLAlchemy when
an engine first connects, never by this module, so SQLite users do not need it.
"""

import functools
import re
from collections.abc import Sequence

from sqlalchemy import URL, Connection, Float, Integer, Table, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.sql.selectable import TextualSelect

from dutydesk.errors import DatabaseUnavailable
from dutydesk.i18n import _
from dutydesk.textsearch import Phrase, index_tokens

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


# Any constant: the key of the transaction-level advisory lock every console takes to create or
# migrate the schema, so that only one of them does it.
SCHEMA_LOCK = 0x64757479  # "duty"


def lock_schema(connection: Connection) -> None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})


# --- The append-only duty log --------------------------------------------------------------
# The same promise as SQLite's triggers: the database itself refuses to change or delete a log
# entry (or its search terms), whoever asks. Only the owner of the tables can drop the triggers;
# consoles log in with a role that cannot (docs/postgresql.md).
APPEND_ONLY_TABLES = ("log_entry", "log_search")

GUARD_FUNCTION = """
CREATE FUNCTION dutydesk_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the duty log is append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';  -- an IntegrityError, as on SQLite
END
$$
"""


def _install_guards(connection: Connection) -> None:
    connection.execute(text(GUARD_FUNCTION))
    for table in APPEND_ONLY_TABLES:
        for action in ("UPDATE", "DELETE"):
            connection.execute(
                text(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION dutydesk_refuse_change()"
                )
            )
        connection.execute(
            text(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION dutydesk_refuse_change()"
            )
        )


# --- Search: the same hits in the same order as SQLite's FTS5 index ------------------------
# log_search holds, for each entry, the tokens FTS5's unicode61 tokenizer makes of its CJK-bigram
# form (dutydesk.textsearch), as a tsvector for a GIN index that finds the candidate entries, and
# as text with every token between its own spaces (' crm  登录  录缓 '), so that how often a
# token or a phrase occurs is a string count done by built-in functions. Those counts and FTS5's
# own BM25 formula over the same statistics (entries, total tokens, entries per phrase) rank the
# candidates, so both backends list the same entries in the same order. log_search_stats keeps
# the two totals BM25 needs, so a query never counts the whole table. (log_search.at, each
# entry's time, is no longer read: the search picks its best matches the same way on both
# backends, in dutydesk.domain.log.)
SEARCH_SCHEMA = (
    """
    CREATE TABLE log_search (
        entry_id integer PRIMARY KEY REFERENCES log_entry (id),
        at timestamp NOT NULL,
        size integer NOT NULL,
        body text NOT NULL,
        terms tsvector NOT NULL
    )
    """,
    "CREATE INDEX ix_log_search_terms ON log_search USING gin (terms)",
    """
    CREATE TABLE log_search_stats (
        single boolean PRIMARY KEY DEFAULT true CHECK (single),
        entries bigint NOT NULL,
        tokens bigint NOT NULL
    )
    """,
    "INSERT INTO log_search_stats VALUES (true, 0, 0)",
)
# tsvector refuses lexemes of 2 KiB or more; such a token is still found by its prefix.
LONGEST_LEXEME_CHARS = 2046 // 4


def install_search_and_guards(connection: Connection) -> None:
    """The search tables and the append-only triggers; existing entries are indexed."""
    for statement in SEARCH_SCHEMA:
        connection.execute(text(statement))
    rows = connection.execute(text("SELECT id, text FROM log_entry ORDER BY id")).all()
    index_log_entries(connection, [(entry_id, body) for entry_id, body in rows])
    _install_guards(connection)


def index_log_entries(connection: Connection, rows: Sequence[tuple[int, str]]) -> None:
    parameters = []
    for entry_id, body in rows:
        tokens = index_tokens(body)
        parameters.append(
            {
                "id": entry_id,
                "size": len(tokens),
                "body": "".join(f" {token} " for token in tokens),
                "lexemes": sorted({token[:LONGEST_LEXEME_CHARS] for token in tokens}),
            }
        )
    if not parameters:
        return
    # One statement (one round trip) per entry: the terms, and the totals BM25 needs.
    connection.execute(
        text(
            "WITH added AS (INSERT INTO log_search (entry_id, at, size, body, terms) "
            "SELECT id, at, :size, :body, array_to_tsvector(CAST(:lexemes AS text[])) FROM log_entry WHERE id = :id "
            "RETURNING size) "
            "UPDATE log_search_stats SET entries = entries + 1, tokens = tokens + (SELECT size FROM added)"
        ),
        parameters,
    )


def search_shape(phrases: Sequence[Phrase]) -> tuple[bool, ...]:
    """What the search statement depends on besides its parameters: per phrase, one token or more."""
    return tuple(len(phrase.tokens) == 1 for phrase in phrases)


@functools.cache
def search_matches(shape: tuple[bool, ...]) -> TextualSelect:
    """(entry_id, rank) of every log entry holding every phrase of `shape` (`search_shape`);
    lower rank is better. Built once per shape: a search only binds `search_parameters`.

    The rank is FTS5's bm25() computed the way fts5_aux.c does it, in double precision:
    idf = ln((N - hits + 0.5) / (hits + 0.5)) (1e-6 if not above 0), and per phrase
    idf * f * (k1 + 1) / (f + k1 * (1 - b + b * size / avgdl)), summed and negated.
    """
    ctes = [
        "stats AS (SELECT entries::float8 AS entries, tokens::float8 / nullif(entries, 0) AS avgdl FROM log_search_stats)"
    ]
    for n, one_token in enumerate(shape):
        count = (
            f"(length(body) - length(replace(body, :needle{n}, ''))) / length(:needle{n})"
            if one_token
            else f"regexp_count(body, :needle{n})"
        )
        ctes.append(
            f"""hits{n} AS MATERIALIZED (
                SELECT entry_id, size::float8 AS size, ({count})::float8 AS f
                FROM log_search WHERE terms @@ CAST(:query{n} AS tsquery))"""
        )
        ctes.append(
            f"""idf{n} AS (SELECT CASE WHEN raw > 0 THEN raw ELSE 1e-6::float8 END AS idf FROM (
                SELECT ln((stats.entries - count(*) + 0.5::float8) / (count(*) + 0.5::float8)) AS raw
                FROM hits{n}, stats WHERE f > 0 GROUP BY stats.entries) AS counted)"""
        )
    terms = " + ".join(
        f"idf{n}.idf * ((hits{n}.f * (1.2::float8 + 1.0::float8))"
        f" / (hits{n}.f + 1.2::float8 * (1::float8 - 0.75::float8 + 0.75::float8 * hits{n}.size / stats.avgdl)))"
        for n in range(len(shape))
    )
    joins = " ".join(f"JOIN hits{n} USING (entry_id)" for n in range(1, len(shape)))
    where = " AND ".join(f"hits{n}.f > 0" for n in range(len(shape)))
    sources = ", ".join(["stats"] + [f"idf{n}" for n in range(len(shape))])
    statement = (
        f"WITH {', '.join(ctes)} "
        f"SELECT entry_id, -1.0::float8 * (0.0::float8 + {terms}) AS rank FROM hits0 {joins}, {sources} WHERE {where}"
    )
    return text(statement).columns(entry_id=Integer, rank=Float)


def search_parameters(phrases: Sequence[Phrase]) -> dict[str, object]:
    """The values `search_matches(search_shape(phrases))` looks for."""
    parameters: dict[str, object] = {}
    for n, phrase in enumerate(phrases):
        parameters |= {f"needle{n}": _needle(phrase), f"query{n}": _tsquery(phrase)}
    return parameters


def _needle(phrase: Phrase) -> str:
    """The string counted in log_search.body.

    One token: ' token ' (or ' prefix'), counted by what replace() removes. A longer phrase
    can overlap itself (慢慢 慢慢 in 慢慢慢慢), as FTS5 counts it, so it is a regular expression
    matching only the space before each start and looking ahead for the rest.
    """
    joined = "  ".join(phrase.tokens) + ("" if phrase.prefix else " ")
    return " " + joined if len(phrase.tokens) == 1 else " (?=" + joined + ")"


def _tsquery(phrase: Phrase) -> str:
    """Every token of the phrase, for the index to find candidates; the phrase count decides."""
    lexemes = []
    for position, token in enumerate(phrase.tokens, start=1):
        lexeme = token[:LONGEST_LEXEME_CHARS]
        prefix = lexeme != token or (phrase.prefix and position == len(phrase.tokens))
        lexemes.append("'" + lexeme + "'" + (":*" if prefix else ""))
    return " & ".join(lexemes)


def finish_copy(connection: Connection, tables: Sequence[Table]) -> None:
    """Rows copied with their ids leave the id sequences behind: move each past its largest id.
    Then gather the planner's statistics, which a bulk copy leaves empty until autovacuum runs."""
    for table in tables:
        if "id" in table.c and table.c.id.autoincrement in (True, "auto") and table.c.id.primary_key:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), coalesce(max(id), 0) + 1, false) "
                    f"FROM {table.name}"
                )
            )
    connection.execute(text("ANALYZE"))
