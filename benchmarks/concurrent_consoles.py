"""Several consoles (processes) writing to one database at once (issue 15).

    python -m benchmarks.concurrent_consoles postgresql://…/empty_db --consoles 3 --seconds 60

Each console is its own process with its own connection pool, like a dutydesk on another desk.
All write to the same open shift as fast as they can: an entry (English and Chinese), every
fifth time a correction of the newest entry any console wrote (so two consoles often correct
the same one), every tenth time a search. A correction that lost the race is refused with a
message (counted as `refused`); anything else that goes wrong is an error (target: 0).
Afterwards every entry must be in the search index and its statistics.
"""

import argparse
import json
import multiprocessing
import time
from typing import Any

from sqlalchemy import func, select, text

from dutydesk.config import load_config
from dutydesk.domain import log, shifts, supervisors
from dutydesk.errors import UserError
from dutydesk.store.db import open_database
from dutydesk.store.tables import LogEntry

TEXTS = (
    "CRM 登录缓慢 #{n}",
    "Queue surge after campaign, callbacks {n}",
    "坐席示忙超时 {n} 分钟",
    "IVR 播报已开启 {n}",
)


def console(url: str, number: int, seconds: float, results: "multiprocessing.Queue[dict[str, Any]]") -> None:
    db = open_database(url)
    config = load_config(None)
    shift = shifts.require_current_shift(db, None)
    counts = {"entries": 0, "corrections": 0, "searches": 0, "refused": 0, "errors": 0}
    problems: list[str] = []
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        try:
            if n % 5 == 0:
                newest = log.list_entries(db, limit=1)[0]
                log.correct_entry(db, config, newest.id, f"console {number} corrects #{newest.id}")
                counts["corrections"] += 1
            elif n % 10 == 1:
                log.search(db, "登录")
                counts["searches"] += 1
            else:
                log.add_entry(db, config, shift, TEXTS[n % len(TEXTS)].format(n=n) + f" (console {number})")
                counts["entries"] += 1
        except UserError:
            counts["refused"] += 1  # e.g. "entry #N was corrected a moment ago at another console"
        except Exception as error:  # every other failure is what this benchmark looks for
            counts["errors"] += 1
            problems.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
    db.close()
    results.put({"console": number, **counts, "problems": problems[:5]})


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.concurrent_consoles", description=__doc__.splitlines()[0]
    )
    parser.add_argument("url")
    parser.add_argument("--consoles", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    db = open_database(args.url)
    config = load_config(None)
    supervisors.add_supervisor(db, "wang", "王伟", "2468")
    shifts.open_shift(db, config, "wang")
    db.close()
    results: multiprocessing.Queue[dict[str, Any]] = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=console, args=(args.url, number, args.seconds, results))
        for number in range(args.consoles)
    ]
    for worker in workers:
        worker.start()
    per_console = [results.get() for _worker in workers]
    for worker in workers:
        worker.join()
    report: dict[str, Any] = {"consoles": per_console}
    for key in ("entries", "corrections", "searches", "refused", "errors"):
        report[key] = sum(result[key] for result in per_console)
    db = open_database(args.url)
    with db.engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(LogEntry)).scalar_one()
        report["stored_entries"] = stored
        report["writes_per_second"] = round(stored / args.seconds, 1)
        if not db.is_sqlite:
            indexed = connection.execute(text("SELECT count(*) FROM log_search")).scalar_one()
            counted = connection.execute(text("SELECT entries FROM log_search_stats")).scalar_one()
            report["index_complete"] = stored == indexed == counted
    db.close()
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
