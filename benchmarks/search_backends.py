"""Search on SQLite and on PostgreSQL, side by side, over the same data (issue 15).

    python -m benchmarks.generate --days 365 --out /tmp/year.db
    dutydesk db copy --from /tmp/year.db --to postgresql://…/year
    python -m benchmarks.search_backends /tmp/year.db postgresql://…/year --runs 20

Every word of benchmarks.run.SEARCH_WORDS runs through `dutydesk.domain.log.search` (the
ranking and the join the console uses) on each database in turn, interleaved, after a
warm-up; the report gives p50 and p95 per backend over all queries and runs, and checks
that both backends return the same ids in the same order.
"""

import argparse
import json

from benchmarks.measure import Sample, timed
from benchmarks.run import search_words
from dutydesk.domain import log
from dutydesk.store.db import open_database


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search_backends", description=__doc__.splitlines()[0])
    parser.add_argument("sqlite_path")
    parser.add_argument("server_url")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    databases = {"sqlite": open_database(args.sqlite_path), "postgresql": open_database(args.server_url)}
    samples = {name: Sample() for name in databases}
    per_query: dict[str, dict[str, object]] = {}
    mismatches = []
    for word in search_words():
        results = {name: [hit.entry.id for hit in log.search(db, word)] for name, db in databases.items()}
        if results["sqlite"] != results["postgresql"]:
            mismatches.append(word)
        times: dict[str, Sample] = {name: Sample() for name in databases}
        for _run in range(args.runs):
            for name, db in databases.items():
                times[name].values.append(timed(lambda db=db, word=word: log.search(db, word)))
        for name in databases:
            samples[name].values.extend(times[name].values)
        per_query[word] = {name: round(times[name].median * 1000, 1) for name in databases} | {
            "hits": len(results["sqlite"])
        }
    report = {
        "p50_ms": {name: round(sample.median * 1000, 1) for name, sample in samples.items()},
        "p95_ms": {name: round(sample.p95 * 1000, 1) for name, sample in samples.items()},
        "p95_ratio_pg_to_sqlite": round(samples["postgresql"].p95 / samples["sqlite"].p95, 2),
        "same_ids_same_order": not mismatches,
        "mismatches": mismatches,
        "median_ms_per_query": per_query,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    for db in databases.values():
        db.close()


if __name__ == "__main__":
    main()
