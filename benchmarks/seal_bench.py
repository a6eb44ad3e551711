"""The seal's costs: appending a chained log entry, verifying a year, one PIN guess.

    python -m benchmarks.seal_bench [--shifts 2200] [--entries 50] [--runs 3] [--output FILE]

- append: `log.add_entry` with the chain vs the same call with the chain append replaced by
  a plain INSERT (what it was before), in alternating blocks in the same process: a ratio.
- verify: `verify --all` (`seal_of_record`) over `--shifts` signed shifts with `--entries` log
  entries each (a year of two shifts a day with their logs: 2,200 × 50), built untimed, and
  `verify` since the marks with one more shift's entries new; in turn with the bare Ed25519
  checks of every signature (issue 18: --all ≤ 2× those) and a raw read + SHA-256 of every link.
- PIN: one guess (`pin_matches`) at the shipped scrypt cost, and the signing dialog's work
  (`unlock_signer`: PIN check and unsealing the key), with the load average beside them.
"""

import argparse
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from benchmarks.handover_bench import generate_signed_handovers, log_entries
from benchmarks.measure import Sample, repeat, timed
from benchmarks.run import RESULTS, Measured, Suite, as_json, table

APPEND_BLOCK = 100


def measure_append(suite: Suite, scratch: Path) -> None:
    from dutydesk.config import load_config
    from dutydesk.domain import log, shifts, supervisors
    from dutydesk.store import chain
    from dutydesk.store.db import open_database

    config = load_config(None)
    db = open_database(scratch / "append.db")
    supervisors.add_supervisor(db, "bench", "Bench", "246810")
    shift = shifts.open_shift(db, config, "bench")

    def unchained(session, row) -> None:  # type: ignore[no-untyped-def]
        session.add(row)
        session.flush()

    def block() -> None:
        for n in range(APPEND_BLOCK):
            log.add_entry(db, config, shift, f"queue 8 waiting, CRM slow #{n}")

    chained_runs, plain_runs = [], []
    for _ in range(suite.runs + 1):  # alternate, so load changes hit both alike; the first pair warms up
        chained_runs.append(timed(block) / APPEND_BLOCK)
        sealing, chain.seal = chain.seal, unchained
        try:
            plain_runs.append(timed(block) / APPEND_BLOCK)
        finally:
            chain.seal = sealing
    suite.add("seal.append_plain", "log.add_entry without the chain (before)", Sample(plain_runs[1:]))
    suite.add("seal.append_chained", "log.add_entry, chained", Sample(chained_runs[1:]), ["seal.append_plain"])
    db.close()


def measure_verify(suite: Suite, db_path: Path, new_entries: int) -> None:
    """`verify --all` and `verify` since the marks, in turn with their floors: the bare Ed25519
    checks of every signature (the goal: --all ≤ 2× them) and a raw read + SHA-256 of every link."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from dutydesk import clock
    from dutydesk.domain import shifts
    from dutydesk.domain.handover import record_verified, seal_of_record, seal_since_marks
    from dutydesk.store import chain
    from dutydesk.store.db import open_database
    from dutydesk.store.tables import LogEntry

    db = open_database(db_path)
    seal = seal_of_record(db)
    assert seal.report.ok, seal.report.problems[:3]
    record_verified(db, seal)  # the marks the next plain `verify` starts from
    count = len(seal.report.checked)
    # What is new since: one more shift's worth of entries (the incremental run checks them each time).
    log_entries(db, shifts.require_current_shift(db), clock.utcnow(), new_entries, insert(LogEntry), chain)
    raw = sqlite3.connect(db_path)
    keys = dict(raw.execute("SELECT supervisor_id, public_key FROM signing_key"))
    signatures = [
        (Ed25519PublicKey.from_public_bytes(bytes.fromhex(keys[who])), bytes.fromhex(sig), bytes.fromhex(digest))
        for who, sig, digest in raw.execute("SELECT supervisor_id, signature, digest FROM handover_signature")
    ]

    def ed25519() -> None:
        for key, signature, digest in signatures:
            key.verify(signature, digest)

    def floor() -> None:  # what any verifier must do at least: read it all, hash every link once
        contents = [content for (content,) in raw.execute("SELECT content FROM chain_link")]
        for name in chain.CHAINED:
            raw.execute(f"SELECT * FROM {name}").fetchall()
        for content in contents:
            hashlib.sha256(content.encode("utf-8")).digest()

    try:
        suite.add_round(
            "seal.verify",
            [
                Measured("seal.ed25519", f"floor: {len(signatures):,} bare Ed25519 checks", lambda: timed(ed25519)),
                Measured(
                    "seal.verify_floor",
                    "floor: raw sqlite3 read of every link and chained row + SHA-256 of each link",
                    lambda: timed(floor),
                ),
                Measured(
                    "seal.verify_all",
                    f"dutydesk verify --all: {count:,} signed shifts and their chained rows",
                    lambda: timed(lambda: seal_of_record(db)),
                    ["seal.ed25519", "seal.verify_floor"],
                ),
                Measured(
                    "seal.verify_since",
                    f"dutydesk verify since the marks: {new_entries} entries new",
                    lambda: timed(lambda: seal_since_marks(db)),
                    ["seal.ed25519"],
                ),
            ],
        )
    finally:
        raw.close()
        db.close()


def measure_pin(suite: Suite, scratch: Path) -> None:
    from dutydesk.config import load_config
    from dutydesk.domain import signing, supervisors
    from dutydesk.store.db import open_database

    config = load_config(None)
    db = open_database(scratch / "pin.db")
    supervisors.add_supervisor(db, "bench", "Bench", "246810")
    stored = supervisors.hash_pin("246810")
    old_cost = supervisors.ScryptCost(2**14, 8, 1)  # the cost before: the issue measured 71 ms a guess
    salt = b"0" * 16
    suite.add(
        "seal.pin_guess_before",
        f"one PIN guess at the old cost, scrypt N={old_cost.n}",
        repeat(lambda: timed(lambda: supervisors.scrypt("135790", salt, old_cost)), suite.runs),
    )
    suite.add(
        "seal.pin_guess",
        f"one PIN guess, scrypt N={supervisors.PIN_COST.n} r={supervisors.PIN_COST.r}",
        repeat(lambda: timed(lambda: supervisors.pin_matches("135790", stored)), suite.runs),
        ["seal.pin_guess_before"],
    )
    signing.unlock_signer(db, config, "bench", "246810")  # makes the key
    suite.add(
        "seal.sign_unlock",
        "the signing dialog's PIN work (check + unseal)",
        repeat(lambda: timed(lambda: signing.unlock_signer(db, config, "bench", "246810")), suite.runs),
    )
    db.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.seal_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--shifts", type=int, default=2200, help="signed shifts (2200)")
    parser.add_argument("--entries", type=int, default=50, help="log entries per shift (50)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per figure, after one warm-up (3)")
    parser.add_argument("--output", type=Path, default=RESULTS / "seal.json")
    args = parser.parse_args(argv)
    suite = Suite(args.runs, {})
    with tempfile.TemporaryDirectory(prefix="dutydesk-seal-bench-") as name:
        scratch = Path(name)
        measure_pin(suite, scratch)
        measure_append(suite, scratch)
        print(f"generating {args.shifts:,} shifts × {args.entries} entries ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        generate_signed_handovers(scratch / "year.db", args.shifts, args.entries)
        print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        measure_verify(suite, scratch / "year.db", args.entries)
    print()
    print(table(suite))
    print(f"load average: {os.getloadavg()}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    meta = {"runs": args.runs, "shifts": args.shifts, "entries": args.entries, "load": os.getloadavg()}
    args.output.write_text(json.dumps(as_json(suite, meta, {}), ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nsaved {args.output}")


if __name__ == "__main__":
    main()
