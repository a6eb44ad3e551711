"""The seal's costs: appending a chained log entry, verifying a year, one PIN guess.

    python -m benchmarks.seal_bench [--shifts 2200] [--entries 50] [--runs 3] [--output FILE]

- append: `log.add_entry` with the chain vs the same call with the chain append replaced by
  a plain INSERT (what it was before), in alternating blocks in the same process: a ratio.
- verify: `verify_handovers` over `--shifts` signed shifts with `--entries` log entries each
  (a year of two shifts a day with their logs: 2,200 × 50), built untimed.
- PIN: one guess (`pin_matches`) at the shipped scrypt cost, and the signing dialog's work
  (`unlock_signer`: PIN check and unsealing the key), with the load average beside them.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.handover_bench import generate_signed_handovers
from benchmarks.measure import Sample, repeat, timed
from benchmarks.run import RESULTS, Suite, as_json, table

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


def measure_verify(suite: Suite, db_path: Path) -> None:
    from dutydesk.domain.handover import verify_handovers
    from dutydesk.store.db import open_database

    db = open_database(db_path)
    report = verify_handovers(db)
    assert report.ok, report.problems[:3]
    count = len(report.checked)
    suite.add(
        "seal.verify",
        f"dutydesk verify: {count:,} signed shifts and their chained rows",
        repeat(lambda: timed(lambda: verify_handovers(db)), suite.runs),
    )
    db.close()


def measure_pin(suite: Suite, scratch: Path) -> None:
    from dutydesk.config import load_config
    from dutydesk.domain import signing, supervisors
    from dutydesk.store.db import open_database

    config = load_config(None)
    db = open_database(scratch / "pin.db")
    supervisors.add_supervisor(db, "bench", "Bench", "246810")
    stored = supervisors.hash_pin("246810")
    suite.add(
        "seal.pin_guess",
        f"one PIN guess, scrypt N={supervisors.PIN_COST.n} r={supervisors.PIN_COST.r}",
        repeat(lambda: timed(lambda: supervisors.pin_matches("135790", stored)), suite.runs),
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
        measure_verify(suite, scratch / "year.db")
    print()
    print(table(suite))
    print(f"load average: {os.getloadavg()}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    meta = {"runs": args.runs, "shifts": args.shifts, "entries": args.entries, "load": os.getloadavg()}
    args.output.write_text(json.dumps(as_json(suite, meta, {}), ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nsaved {args.output}")


if __name__ == "__main__":
    main()
