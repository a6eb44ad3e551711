"""Verifying 1,000 signed handovers (`dutydesk verify`), in-process.

    python -m benchmarks.handover_bench [--count 1000] [--runs 5] [--output FILE]

Builds (untimed) a chain of signed handovers through the domain, each with the default
15-item checklist answered with notes (English and Chinese) and both signatures; the PIN
step is done once per supervisor (scrypt costs ~50 ms by design) and the unlocked key
reused. Then measures `verify_handovers` over all of them against three floors measured
in the same run: a raw sqlite3 SELECT of the same rows, SHA-256 with hashlib of the same
signed bytes, and the bare Ed25519 verifications of the same signatures.
`measure_handover_verify(suite, db_path)` plugs into `benchmarks.run`'s suite as well.
"""

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from functools import cache
from pathlib import Path

from benchmarks.measure import timed
from benchmarks.run import RESULTS, Measured, Suite, as_json, table

COUNT = 1000
PINS = {"wang": "246810", "li": "135790"}
NOTES = ["queue 8 waiting, CRM slow since 09:10 | *watch*", "坐席 3 人示忙超过 15 分钟，已提醒", "—"]
RAW_ROWS = [
    "SELECT * FROM handover WHERE status != 'draft' ORDER BY id",
    "SELECT * FROM handover_answer ORDER BY handover_id, position",
    "SELECT * FROM handover_carried ORDER BY handover_id, position",
    "SELECT * FROM handover_signature ORDER BY handover_id, id",
]


def generate_signed_handovers(db_path: Path, count: int, entries_per_shift: int = 0) -> None:
    """`count` handovers, each answered, read back and signed by both; shifts alternate.
    With `entries_per_shift`, each shift also logs that many entries first (chained as
    `log.add_entry` chains them, in one transaction per shift to keep generation quick)."""
    from sqlalchemy import insert, select, text

    from dutydesk import clock
    from dutydesk.config import load_config
    from dutydesk.domain import handover, shifts, signing, supervisors
    from dutydesk.domain.handover import signing_flow
    from dutydesk.store import chain
    from dutydesk.store.db import open_database
    from dutydesk.store.tables import HandoverAnswer, LogEntry

    config = load_config(None)
    db = open_database(db_path)
    for name, pin in PINS.items():
        supervisors.add_supervisor(db, name, name, pin)
    unlock = cache(lambda name, pin: signing.unlock_signer(db, config, name, pin))
    signing_flow.unlock_signer = lambda _db, _config, name, pin, _now=None: unlock(name, pin)  # type: ignore[assignment]
    moment = clock.utcnow() - timedelta(hours=12 * (count + 1))
    shifts.open_shift(db, config, "wang", now=moment)
    names = list(PINS)
    for index in range(count):
        moment += timedelta(hours=12)
        outgoing, incoming = names[index % 2], names[(index + 1) % 2]
        if entries_per_shift:
            log_entries(db, shifts.require_current_shift(db), moment, entries_per_shift, insert(LogEntry), chain)
        started = handover.start_handover(db, config, now=moment - timedelta(minutes=20))
        with db.engine.begin() as connection:  # the answers, in one statement instead of 15
            connection.execute(
                text(
                    "UPDATE handover_answer SET status = CASE kind WHEN 'floor_status' THEN 'stable' "
                    "ELSE 'ok' END, note = :note, answered_at = :at WHERE handover_id = :id"
                ),
                {
                    "note": NOTES[index % len(NOTES)],
                    "at": moment.replace(tzinfo=None) - timedelta(minutes=10),
                    "id": started.id,
                },
            )
            answers = select(HandoverAnswer.id).where(HandoverAnswer.handover_id == started.id)
            for answer_id in connection.execute(answers).scalars().all():  # chained as answer_item chains
                chain.append(connection, HandoverAnswer, answer_id)
        handover.refresh_carried(db, config, started.id, now=moment)  # the read-back notes the answers made
        handover.confirm_carried(db, started.id, now=moment)
        handover.sign_handover(db, config, started.id, "outgoing", outgoing, PINS[outgoing], now=moment)
        handover.sign_handover(
            db, config, started.id, "incoming", incoming, PINS[incoming], now=moment + timedelta(minutes=1)
        )
    db.close()


def log_entries(db, shift, moment, count, statement, chain) -> None:  # type: ignore[no-untyped-def]
    with db.engine.begin() as connection:
        for n in range(count):
            at = moment - timedelta(hours=12) + timedelta(minutes=10 * n)
            values = {
                "shift_id": shift.id,
                "at": at,
                "recorded_at": at,
                "category": "event",
                "severity": "info",
                "text": f"{NOTES[n % len(NOTES)]} #{n}",
                "author_id": 1,
            }
            row_id = connection.execute(statement.values(values)).inserted_primary_key[0]
            chain.append(connection, chain.CHAINED["log_entry"], row_id)


def measure_handover_verify(suite: Suite, db_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from dutydesk.canonical import sha256_hex
    from dutydesk.domain.handover import verify_handovers
    from dutydesk.store.db import open_database

    db = open_database(db_path)
    raw = sqlite3.connect(db_path)
    try:
        contents = [
            row[0].encode("utf-8") for row in raw.execute("SELECT signed_content FROM handover WHERE status = 'signed'")
        ]
        keys = dict(raw.execute("SELECT supervisor_id, public_key FROM signing_key"))
        signatures = [
            (Ed25519PublicKey.from_public_bytes(bytes.fromhex(keys[who])), bytes.fromhex(sig), bytes.fromhex(digest))
            for who, sig, digest in raw.execute("SELECT supervisor_id, signature, digest FROM handover_signature")
        ]
        report = verify_handovers(db)
        assert report.ok, report.problems[:3]
        count = len(report.checked)

        def read_rows() -> None:
            for query in RAW_ROWS:
                raw.execute(query).fetchall()

        def verify_signatures() -> None:
            for key, signature, digest in signatures:
                key.verify(signature, digest)

        suite.add_round(
            "handover",
            [
                Measured(
                    "handover.raw_select",
                    f"handover floor: raw sqlite3 SELECT of {count:,} records' rows",
                    lambda: timed(read_rows),
                ),
                Measured(
                    "handover.sha256",
                    f"handover floor: hashlib SHA-256 of {count:,} signed contents",
                    lambda: timed(lambda: [sha256_hex(content) for content in contents]),
                ),
                Measured(
                    "handover.ed25519",
                    f"handover floor: {len(signatures):,} bare Ed25519 verifications",
                    lambda: timed(verify_signatures),
                ),
                Measured(
                    "handover.verify",
                    f"dutydesk verify: {count:,} signed handovers + chain",
                    lambda: timed(lambda: verify_handovers(db)),
                    ["handover.raw_select", "handover.ed25519", "handover.sha256"],
                ),
            ],
        )
    finally:
        raw.close()
        db.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.handover_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=COUNT, help=f"signed handovers ({COUNT})")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per figure, after one warm-up (5)")
    parser.add_argument("--output", type=Path, default=RESULTS / "handover.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dutydesk-handover-bench-") as scratch:
        db_path = Path(scratch) / "handover.db"
        print(f"generating {args.count:,} signed handovers ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        generate_signed_handovers(db_path, args.count)
        print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        suite = Suite(args.runs, {})
        measure_handover_verify(suite, db_path)
    print()
    print(table(suite))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    result = as_json(suite, {"runs": args.runs, "count": args.count}, {})
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nsaved {args.output}")


if __name__ == "__main__":
    main()
