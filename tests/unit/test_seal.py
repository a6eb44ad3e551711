"""Tampering with a signed database, in every way the seal promises to catch.

One signed shift holds every chained kind of row (log entries with a correction, a follow-up
with its history, an incident timeline, an alert fired, acknowledged and cleared, the
handover's answers) and a handover both supervisors signed. Each test changes a copy of that
file behind dutydesk's back with plain sqlite3 (triggers dropped first, as an attacker would)
and asks `verify` what it sees.
"""

import json
import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, text

from conftest import TEST_PIN
from dutydesk.context import Context
from dutydesk.domain import followups, incidents, log, playbooks, shifts, supervisors
from dutydesk.domain import handover as ho
from dutydesk.queue.alerts import mark_acknowledged, mark_cleared
from dutydesk.store import chain
from dutydesk.store.db import open_database
from dutydesk.store.tables import QueueAlert

pytestmark = pytest.mark.sqlite_only(
    "tampers with the database file itself, as an insider holding the file would; test_chain covers both backends"
)

INCOMING_PIN = "135790"
CHAINED = ("log_entry", "queue_alert", "follow_up_event", "incident_event", "handover_answer")
# Surrogate keys whose value carries no meaning (rows are ordered by position or role), and
# the carried items' positions, of which only the order means something (signed as `number`).
MEANINGLESS = {
    ("handover_carried", "id"),
    ("handover_carried", "position"),
    ("handover_signature", "id"),
    ("chain_link", "id"),
}
SEALED = (
    *CHAINED,
    "chain_link",
    "chain_head",
    "handover",
    "handover_carried",
    "handover_signature",
)
DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$")

_built: dict[str, bytes] = {}


def build_signed_record(context: Context, now: datetime) -> None:
    db, config = context.db, context.config
    supervisors.add_supervisor(db, "wang", "王伟", TEST_PIN)
    supervisors.add_supervisor(db, "li", "李娜", INCOMING_PIN)
    shift = shifts.open_shift(db, config, "wang", now=now - timedelta(hours=2))
    entry = log.add_entry(db, config, shift, "CRM slow", category="system_status", severity="warning", now=now)
    log.correct_entry(db, config, entry.id, "CRM back at 10:40", now=now)
    log.add_entry(db, config, shift, "队列 8 人等待 | *watch*", now=now)
    follow_up = followups.add_followup(db, config, "call back 张先生", "ticket", now=now)
    followups.add_note(db, follow_up.id, "left a message", now=now)
    crm = playbooks.load_playbooks(user=Path("/nonexistent")).get("crm_down")
    number = incidents.start_incident(db, config, shift, crm, note="CRM down", now=now).number
    incidents.add_note(db, number, "vendor called", now=now)
    with db.engine.begin() as connection:
        values = {"shift_id": shift.id, "rule": "waiting", "queue": "", "level": "warning", "fired_at": now}
        row_id = connection.execute(insert(QueueAlert).values(**values, figures="{}")).inserted_primary_key[0]
        chain.append(connection, QueueAlert, row_id)
        mark_acknowledged(connection, row_id, "wang", now)
        mark_cleared(connection, row_id, now + timedelta(minutes=1))
    started = ho.start_handover(db, config, now=now)
    for item in started.items:
        status = "stable" if item.kind == "floor_status" else "ok"
        ho.answer_item(db, started.id, item.key, status, f"note for {item.key}", now=now)
    ho.refresh_carried(db, config, started.id, now=now)  # the read-back items' notes join the carried rows
    ho.confirm_carried(db, started.id, now=now)
    ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN, now=now)
    ho.sign_handover(db, config, started.id, "incoming", "li", INCOMING_PIN, now=now)
    log.add_entry(db, config, shifts.require_current_shift(db), "next shift's first entry", now=now)


@pytest.fixture
def signed_file(context: Context, frozen_clock) -> bytes:  # type: ignore[no-untyped-def]
    """The bytes of a signed database (built once per session: signing runs scrypt)."""
    if "file" not in _built:
        build_signed_record(context, frozen_clock.now)
        with context.db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        context.db.close()
        assert context.db.path is not None
        _built["file"] = context.db.path.read_bytes()
    return _built["file"]


def tampered(original: bytes, path: Path, change: Callable[[sqlite3.Connection], None]) -> Path:
    path.write_bytes(original)
    connection = sqlite3.connect(path)
    for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        connection.execute(f"DROP TRIGGER {name}")
    change(connection)
    connection.commit()
    connection.close()
    return path


def verdict(path: Path) -> list[str]:
    db = open_database(path)
    try:
        return [f"#{p.handover_id} {p.what}" for p in ho.verify_handovers(db).problems]
    finally:
        db.close()


def sql(*statements: str) -> Callable[[sqlite3.Connection], None]:
    def change(connection: sqlite3.Connection) -> None:
        for statement in statements:
            connection.execute(statement)

    return change


def columns(connection: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    return [(row[1], row[2].upper()) for row in connection.execute(f"PRAGMA table_info({table})")]


def different(value: object, declared: str) -> object:
    """Another value of the same kind, as an attacker editing one field would write."""
    if value is None:
        return {"DATETIME": "2026-01-01 00:00:00.000000", "INTEGER": 1, "BOOLEAN": 1, "FLOAT": 1.5}.get(declared, "x")
    if isinstance(value, bool) or declared == "BOOLEAN":
        return 1 - int(value)  # type: ignore[call-overload]
    if isinstance(value, int | float):
        return value + 1
    assert isinstance(value, str)
    if DATETIME.match(value):
        return (datetime.fromisoformat(value) + timedelta(microseconds=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    if re.fullmatch(r"[0-9a-f]{2,}", value):
        return ("1" if value[0] == "0" else "0") + value[1:]
    return value + "x"


def change_field(table: str, column: str, pick: int) -> Callable[[sqlite3.Connection], None]:
    def change(connection: sqlite3.Connection) -> None:
        rows = connection.execute(f"SELECT rowid, {column} FROM {table} ORDER BY rowid").fetchall()
        rowid, value = rows[pick % len(rows)]
        declared = dict(columns(connection, table))[column]
        new = different(value, declared)
        try:
            connection.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (new, rowid))
        except sqlite3.IntegrityError:  # e.g. a sequence number or id that is taken: move it far away
            connection.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (new + 1000, rowid))  # type: ignore[operator]

    return change


def every_field(original: bytes, path: Path) -> list[tuple[str, str]]:
    path.write_bytes(original)
    connection = sqlite3.connect(path)
    try:
        return [
            (table, column)
            for table in SEALED
            for column, _declared in columns(connection, table)
            if (table, column) not in MEANINGLESS
        ] + [("signing_key", "public_key"), ("signing_key", "supervisor_id")]
    finally:
        connection.close()


def test_the_untouched_record_verifies(signed_file: bytes, tmp_path: Path) -> None:
    assert verdict(tampered(signed_file, tmp_path / "copy.db", sql())) == []


def test_every_column_of_every_sealed_table_is_covered(signed_file: bytes, tmp_path: Path) -> None:
    missed = []
    fields = every_field(signed_file, tmp_path / "fields.db")
    for table, column in fields:
        path = tampered(signed_file, tmp_path / f"{table}.{column}.db", change_field(table, column, 0))
        found = verdict(path)
        if not found:
            missed.append(f"{table}.{column}")
        elif table in CHAINED and column != "id":
            assert any(f"{table} #" in line and f"field {column}" in line for line in found), (table, column, found)
    assert missed == []
    assert len(fields) >= 80


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (sql("DELETE FROM log_entry WHERE id = 2"), "log_entry #2): the row was deleted"),
        (
            sql(
                "INSERT INTO log_entry (shift_id, at, recorded_at, category, severity, text, author_id) "
                "SELECT shift_id, at, recorded_at, category, severity, 'inserted', author_id FROM log_entry WHERE id = 1"
            ),
            "this row is not in the chain",
        ),
        (sql("DELETE FROM follow_up_event WHERE id = 2"), "follow_up_event #2): the row was deleted"),
        (sql("DELETE FROM chain_link WHERE team = 'A' AND seq = 2"), "link 2 is missing or out of place"),
        (
            sql("UPDATE chain_link SET digest = 'ff' || substr(digest, 3) WHERE team = 'A' AND seq = 2"),
            "link 2, log_entry #2, field digest): the stored digest does not match the link's content",
        ),
        (
            sql("UPDATE chain_link SET prev_digest = 'ff' || substr(prev_digest, 3) WHERE team = 'A' AND seq = 3"),
            "link 3, log_entry #3, field prev_digest): the stored previous digest does not match the link before",
        ),
        (
            sql(
                "UPDATE chain_link SET seq = -seq WHERE team = 'A' AND seq IN (1, 2)",
                "UPDATE chain_link SET seq = 3 + seq WHERE team = 'A' AND seq IN (-1, -2)",
            ),
            "link 1, log_entry #2): the link's content does not name its own team, number",
        ),
        (
            sql(
                "UPDATE log_entry SET text = CASE id WHEN 1 THEN (SELECT text FROM log_entry WHERE id = 3) "
                "ELSE (SELECT text FROM log_entry WHERE id = 1) END WHERE id IN (1, 3)"
            ),
            "log_entry #1, field text)",
        ),
        (
            sql("UPDATE handover SET status = 'draft'"),
            "the status says “not signed” but the signatures say “signed by both”",
        ),
        (sql("UPDATE handover SET status = 'outgoing_signed'"), "the signatures say “signed by both”"),
        (
            sql("DELETE FROM handover_signature WHERE role = 'incoming'"),
            "signatures say “signed by the outgoing supervisor”",
        ),
        (
            sql("UPDATE signing_key SET public_key = '" + "ab" * 32 + "'"),
            "the signer's public key is missing or changed",
        ),
        (sql("UPDATE signing_key SET public_key = 'not hex'"), "the signature row or the signer's key is malformed"),
        (sql("UPDATE handover_signature SET chain_heads = '{not json'"), "malformed"),
        (sql("UPDATE handover SET signed_content = 'not json'"), "changed after signing"),
        (
            sql(
                "UPDATE handover_carried SET details = replace(details, '\"open\"', '\"done\"') WHERE source = 'incident'"
            ),
            "details of carried-over item 2 changed after signing",  # a step of the open incident made done
        ),
        (sql("DELETE FROM handover_carried WHERE source = 'incident'"), "carried-over item 2 changed after signing"),
        (sql("DELETE FROM shift WHERE id = 1"), "the outgoing shift #1 or its supervisor is missing"),
        (
            sql(
                "DELETE FROM handover_answer",
                "DELETE FROM handover_carried",
                "DELETE FROM handover_signature",
                "DELETE FROM handover",
            ),
            "handover_answer #1): the row was deleted",
        ),
    ],
)
def test_each_kind_of_tampering_is_named(signed_file: bytes, tmp_path: Path, change, expected: str) -> None:  # type: ignore[no-untyped-def]
    found = verdict(tampered(signed_file, tmp_path / "tampered.db", change))
    assert any(expected in line for line in found), found


def test_verify_on_the_command_line_exits_1_and_names_the_place(
    signed_file: bytes, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from cli_runner import Cli

    path = tampered(signed_file, tmp_path / "cli.db", sql("UPDATE log_entry SET severity = 'info' WHERE id = 1"))
    code, _out, err = Cli(path, monkeypatch, capsys)("verify")
    assert code == 1
    assert "INVALID: chain (team A, link 1, log_entry #1, field severity)" in err
    assert "Traceback" not in err


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_field_tampering_is_caught(signed_file: bytes, tmp_path: Path, data: st.DataObject) -> None:
    fields = _built.setdefault("fields", every_field(signed_file, tmp_path / "fields.db"))  # type: ignore[arg-type]
    table, column = data.draw(st.sampled_from(fields))  # type: ignore[arg-type]
    pick = data.draw(st.integers(min_value=0, max_value=200))
    found = verdict(tampered(signed_file, tmp_path / "property.db", change_field(table, column, pick)))
    assert found, f"{table}.{column} (row {pick}) was changed and verify saw nothing"


def forge_everything(path: Path) -> None:
    """What an attacker with write access and dutydesk's own code can do: change a log entry,
    then rebuild every link, give both supervisors fresh keys and re-sign every handover."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from dutydesk.canonical import canonical_bytes
    from dutydesk.domain.handover.content import content_of, record_digest, signature_digest
    from dutydesk.domain.handover.records import load_rows
    from dutydesk.domain.signing import fingerprint, public_key_hex

    tampered(path.read_bytes(), path, sql("UPDATE log_entry SET text = 'nothing happened' WHERE id = 1"))
    db = open_database(path)
    with db.engine.begin() as connection:
        links = connection.execute(
            text("SELECT id, team, seq, row_table, row_id FROM chain_link ORDER BY team, seq")
        ).all()
        previous: dict[str, str | None] = {}
        for link_id, team, seq, table, row_id in links:
            table_ = chain.CHAINED[table]
            row = connection.execute(table_.select().where(table_.c.id == row_id)).mappings().one()
            content = chain.link_content(team, seq, table, row)
            digest = chain.link_digest(content, previous.get(team))
            connection.execute(
                text("UPDATE chain_link SET content = :c, prev_digest = :p, digest = :d WHERE id = :id"),
                {"c": content, "p": previous.get(team), "d": digest, "id": link_id},
            )
            connection.execute(text("UPDATE chain_head SET digest = :d WHERE team = :t"), {"d": digest, "t": team})
            previous[team] = digest
        keys = {}
        for (supervisor_id,) in connection.execute(text("SELECT supervisor_id FROM signing_key")).all():
            keys[supervisor_id] = Ed25519PrivateKey.generate()
            connection.execute(
                text("UPDATE signing_key SET public_key = :k WHERE supervisor_id = :s"),
                {"k": public_key_hex(keys[supervisor_id]), "s": supervisor_id},
            )
    for rows in load_rows(db, None):
        with db.engine.begin() as connection:
            signed = []
            for signature in rows.signatures:
                heads = json.loads(signature.chain_heads)
                for team, head in heads.items():
                    head["digest"] = connection.execute(
                        text("SELECT digest FROM chain_link WHERE team = :t AND seq = :s"),
                        {"t": team, "s": head["seq"]},
                    ).scalar()
                forged = SimpleNamespace(**signature._asdict())
                forged.chain_heads = canonical_bytes(heads).decode()
                forged.key_fingerprint = fingerprint(public_key_hex(keys[signature.supervisor_id]))
                if signature.role == "outgoing":
                    content = canonical_bytes(content_of(rows, heads)).decode()
                    connection.execute(
                        text("UPDATE handover SET signed_content = :c WHERE id = :id"),
                        {"c": content, "id": rows.handover.id},
                    )
                digest = signature_digest(content, signed, forged, rows.handover.incoming_shift_id)
                forged.digest = digest
                forged.signature = keys[signature.supervisor_id].sign(bytes.fromhex(digest)).hex()
                connection.execute(
                    text(
                        "UPDATE handover_signature SET chain_heads = :h, key_fingerprint = :k, digest = :d, "
                        "signature = :s WHERE id = :id"
                    ),
                    {
                        "h": forged.chain_heads,
                        "k": forged.key_fingerprint,
                        "d": digest,
                        "s": forged.signature,
                        "id": signature.id,
                    },
                )
                signed.append(forged)
            connection.execute(
                text("UPDATE handover SET digest = :d WHERE id = :id"),
                {"d": record_digest(content, signed), "id": rows.handover.id},
            )
    db.close()


def test_an_anchor_catches_the_full_re_key_forgery(signed_file: bytes, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from cli_runner import Cli

    path = tampered(signed_file, tmp_path / "forged.db", sql())
    cli = Cli(path, monkeypatch, capsys)
    anchor = tmp_path / "anchor.json"
    cli.ok("anchor", "-o", str(anchor))
    summary = tmp_path / "summary.md"
    cli.ok("export", "-o", str(summary))
    assert cli("verify", "--anchor", str(anchor))[0] == 0
    forge_everything(path)
    assert verdict(path) == []  # the database alone cannot tell: the documented limit
    for kept in (anchor, summary):
        code, _out, err = cli("verify", "--anchor", str(kept))
        assert code == 1, err
        assert "the chain of team A does not extend the anchored head" in err
        assert "the signing key of 王伟 is not the anchored one" in err


def test_a_file_that_is_no_anchor_is_one_line(signed_file: bytes, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from cli_runner import Cli

    cli = Cli(tampered(signed_file, tmp_path / "copy.db", sql()), monkeypatch, capsys)
    junk = tmp_path / "junk.md"
    junk.write_text("# not an anchor\n", encoding="utf-8")
    code, _out, err = cli("verify", "--anchor", str(junk))
    assert code == 1 and err.strip().endswith("is not a dutydesk anchor or exported summary") and "Traceback" not in err


def test_export_of_a_record_that_does_not_verify(signed_file: bytes, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from cli_runner import Cli

    path = tampered(signed_file, tmp_path / "copy.db", sql("UPDATE log_entry SET text = 'forged' WHERE id = 1"))
    cli = Cli(path, monkeypatch, capsys)
    code, out, err = cli("export", "1")
    assert code == 1 and out == "" and "--allow-invalid" in err
    code, out, _err = cli("export", "1", "--allow-invalid")
    assert code == 0
    assert out.startswith("> **⚠ This shift's record does NOT verify")
    assert "log\\_entry \\#1, field text" in out.split("# Shift summary")[0]
