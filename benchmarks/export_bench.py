"""The shift summary export of a 5,000-entry shift, in-process: query + render.

    python -m benchmarks.export_bench [--runs 5] [--seed 7] [--output FILE]

Generates (untimed) one day of shifts with 5,000 entries each (`benchmarks.generate`,
realistic English and Chinese texts, ~1 % corrections) and measures, on the first shift:
a raw sqlite3 SELECT of the same rows (the baseline: the least any export must do),
`gather_summary` (every query the export makes), `render_summary`, and both together.
`measure_export(suite, db_path, shift_id)` plugs into `benchmarks.run`'s suite as well.
Target (issue 18): the total ≤ 3× the raw SELECT, measured in turn with it; the export
checks the shift's own part of the record (its rows against their chain links), and on a
copy verified once (`total_verified`) only what came after the verify's mark.
"""

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

from benchmarks.generate import DEFAULT_SEED, generate
from benchmarks.measure import timed
from benchmarks.run import RESULTS, Measured, Suite, as_json, table

ENTRIES = 5000
RAW_ENTRIES = """
SELECT e.id, e.at, e.recorded_at, e.category, e.severity, e.text, s.name, s.display_name,
       e.shift_id, e.supersedes_id, later.id
FROM log_entry AS e
JOIN supervisor AS s ON s.id = e.author_id
LEFT JOIN log_entry AS later ON later.supersedes_id = e.id
WHERE e.shift_id = ?
ORDER BY e.at, e.id
"""


def build_export_db(db_path: Path, seed: int) -> None:
    """One day of shifts of `ENTRIES` entries each (untimed); shift 1 is the one exported."""
    print(f"generating shifts of {ENTRIES:,} entries ...", file=sys.stderr, flush=True)
    report = generate(db_path, days=1, seed=seed, entries_per_shift=ENTRIES)
    print("  " + report.summary(), file=sys.stderr, flush=True)
    chain_the_record(db_path)


def chain_the_record(db_path: Path) -> None:
    """Chain every generated row, as dutydesk's writers would have (the generator inserts them bare)."""
    from dutydesk.store import chain
    from dutydesk.store.db import open_database

    db = open_database(db_path)
    with db.engine.begin() as connection:
        chain.chain_all(connection)
    db.close()


def verified_copy(db_path: Path) -> Path:
    """A copy of the database after one `dutydesk verify` (its marks: the state of a record verified daily)."""
    from dutydesk.domain.handover import record_verified, seal_since_marks
    from dutydesk.store.db import open_database

    copy = db_path.with_name(f"verified-{db_path.name}")
    shutil.copyfile(db_path, copy)
    db = open_database(copy)
    seal = seal_since_marks(db)
    assert seal.report.ok, seal.report.problems[:3]
    record_verified(db, seal)
    db.close()
    return copy


def measure_export(suite: Suite, db_path: Path, shift_id: int) -> None:
    from dutydesk.config import load_config
    from dutydesk.export import gather_summary, render_summary
    from dutydesk.store.db import open_database

    config = load_config(None)
    verified = open_database(verified_copy(db_path))
    db = open_database(db_path)
    raw = sqlite3.connect(db_path)
    summary = gather_summary(db, config, shift_id)
    assert not summary.seal_problems, summary.seal_problems[:3]
    count = len(summary.entries)
    try:
        suite.add_round(
            "export",
            [
                Measured(
                    "export.raw_select",
                    f"export baseline: raw sqlite3 SELECT of {count:,} entries",
                    lambda: timed(lambda: raw.execute(RAW_ENTRIES, (shift_id,)).fetchall()),
                ),
                Measured(
                    "export.gather",
                    "export: gather_summary (all its queries)",
                    lambda: timed(lambda: gather_summary(db, config, shift_id)),
                    ["export.raw_select"],
                ),
                Measured(
                    "export.render",
                    "export: render_summary (Markdown, escaping)",
                    lambda: timed(lambda: render_summary(summary)),
                    ["export.raw_select"],
                ),
                Measured(
                    "export.total",
                    f"export: gather + render a {count:,}-entry shift",
                    lambda: timed(lambda: render_summary(gather_summary(db, config, shift_id))),
                    ["export.raw_select"],
                ),
                Measured(
                    "export.total_verified",
                    "export: the same after a `dutydesk verify` (its rows are before the mark)",
                    lambda: timed(lambda: render_summary(gather_summary(verified, config, shift_id))),
                    ["export.raw_select"],
                ),
            ],
        )
    finally:
        raw.close()
        db.close()
        verified.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.export_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per figure, after one warm-up (5)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--output", type=Path, default=RESULTS / "export.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dutydesk-export-bench-") as scratch:
        db_path = Path(scratch) / "export.db"
        build_export_db(db_path, args.seed)
        suite = Suite(args.runs, {})
        measure_export(suite, db_path, shift_id=1)
    print()
    print(table(suite))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    result = as_json(suite, {"runs": args.runs, "seed": args.seed, "entries": ENTRIES}, {})
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nsaved {args.output}")


if __name__ == "__main__":
    main()
