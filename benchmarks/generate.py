"""A large, realistic dutydesk database for the benchmarks, generated deterministically.

    python -m benchmarks.generate --days 365 --seed 7 --out /tmp/big.db

`days` x (the config's shifts a day) x (the sample data's teams, 3) shifts, each with
`entries_per_shift` duty-log entries (150) drawn from the templates in
`sample_data/demo.toml`, English and Chinese mixed; the last shift of every team is still
open, the others closed; about 1 % of the entries are corrections of an earlier entry.
Around them, as a year of work leaves them: ~5 follow-ups per shift (each with its history,
those older than a week closed), ~0.3 incidents per closed shift (from the shipped
playbooks, steps ticked, closed), and 15-minute queue intervals for 20 queues (the center's,
kept with the first team's shifts). Signed handovers are not generated here (see
`benchmarks.handover_bench`).

The schema comes from `dutydesk.store.db.open_database` (the real one, with the search
index and the append-only triggers). Rows are written with SQLAlchemy Core bulk inserts
in one transaction, not ORM objects, with explicit ids so the full-text index can be
filled from the same rows without reading them back (`dutydesk.store.sqlite
.index_log_entries`, one call per chunk of entries).
"""

import argparse
import random
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from dutydesk import clock
from dutydesk.config import Config, load_config
from dutydesk.demo import SampleData, load_sample_data, shift_spans
from dutydesk.domain.playbooks import Playbook, load_playbooks, shipped_dir
from dutydesk.domain.supervisors import hash_pin
from dutydesk.store import sqlite
from dutydesk.store.db import open_database
from dutydesk.store.tables import (
    FollowUp,
    FollowUpEvent,
    Incident,
    IncidentEvent,
    IncidentStep,
    LogEntry,
    QueueInterval,
    Shift,
    Supervisor,
)

DEFAULT_DAYS = 365
DEFAULT_SEED = 7
ENTRIES_PER_SHIFT = 150
CORRECTION_SHARE = 0.01
CHUNK = 50_000  # entries per insert batch: bounds memory, one transaction for all
FOLLOWUPS_PER_SHIFT = (3, 7)  # uniform: ~5
INCIDENT_SHARE = 0.3
QUEUES = 20
INTERVAL = timedelta(minutes=15)
FOLLOWUP_KINDS = ("ticket", "complaint", "special_customer", "system_issue")


@dataclass
class GenerateReport:
    path: str
    days: int
    seed: int
    teams: int
    shifts: int
    entries: int
    seconds: float
    index_seconds: float
    bytes: int
    followups: int = 0
    incidents: int = 0
    queue_intervals: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"generated {self.path}: {self.days} days, {self.shifts:,} shifts, {self.entries:,} entries, "
            f"{self.followups:,} follow-ups, {self.incidents:,} incidents, {self.queue_intervals:,} queue intervals "
            f"in {self.seconds:.1f} s (search index {self.index_seconds:.1f} s), "
            f"{self.bytes / 2**20:.1f} MiB on disk"
        )


def generate(
    path: Path,
    *,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    entries_per_shift: int = ENTRIES_PER_SHIFT,
    config: Config | None = None,
    samples: SampleData | None = None,
    now: datetime | None = None,
) -> GenerateReport:
    started = time.perf_counter()
    config = config or load_config(None)
    samples = samples or load_sample_data()
    now = (now or clock.utcnow()).astimezone(UTC)
    rng = random.Random(seed)
    teams = samples.teams or [config.center.team]
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)

    db = open_database(path)  # the real schema: tables, search index, triggers, version
    pin_hash = hash_pin(samples.pin)  # one scrypt for all: the benchmark never logs in
    supervisor_rows = [
        {"id": number, "name": s.name, "display_name": s.display, "pin_hash": pin_hash, "created_at": now}
        for number, s in enumerate(samples.supervisors, start=1)
    ]
    templates = [t for t in samples.entries if config.category(t.category) is not None]
    spans = shift_spans(config, now, days * len(config.shifts))

    shift_rows: list[dict[str, Any]] = []
    for team_index, team in enumerate(teams):
        for index, (start, end) in enumerate(spans):
            is_current = index == len(spans) - 1
            opened = min(start + timedelta(minutes=rng.randint(0, 6)), now)
            shift_rows.append(
                {
                    "id": len(shift_rows) + 1,
                    "team": team,
                    "slot_key": config.slot_at(start)[0].key,
                    "supervisor_id": 1 + (index + team_index) % len(supervisor_rows),
                    "planned_start": start,
                    "planned_end": end,
                    "opened_at": opened,
                    "closed_at": None if is_current else end - timedelta(minutes=rng.randint(1, 10)),
                    "status": "open" if is_current else "closed",
                }
            )

    entry_count, index_seconds = 0, 0.0
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA synchronous = OFF")  # a throw-away file
        connection.commit()
        with connection.begin():
            connection.execute(insert(Supervisor.__table__), supervisor_rows)  # type: ignore[attr-defined]
            connection.execute(insert(Shift.__table__), shift_rows)  # type: ignore[attr-defined]
            batch: list[dict[str, Any]] = []
            for shift in shift_rows:
                batch.extend(
                    _shift_entries(shift, entry_count + len(batch), templates, samples, rng, now, entries_per_shift)
                )
                if len(batch) >= CHUNK:
                    index_seconds += _write(connection, batch)
                    entry_count += len(batch)
                    batch = []
            if batch:
                index_seconds += _write(connection, batch)
                entry_count += len(batch)
            extras = _write_extras(connection, shift_rows, samples, rng, now, teams[0])
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.commit()
    db.close()
    return GenerateReport(
        path=str(path),
        days=days,
        seed=seed,
        teams=len(teams),
        shifts=len(shift_rows),
        entries=entry_count,
        seconds=time.perf_counter() - started,
        index_seconds=index_seconds,
        bytes=path.stat().st_size,
        **extras,
    )


def _shift_entries(
    shift: dict[str, Any],
    last_id: int,
    templates: list[Any],
    samples: SampleData,
    rng: random.Random,
    now: datetime,
    count: int,
) -> list[dict[str, Any]]:
    opened: datetime = shift["opened_at"]
    until: datetime = shift["closed_at"] or now
    span = (until - opened).total_seconds()
    moments = sorted(opened + timedelta(seconds=int(span * rng.random())) for _index in range(count))
    rows: list[dict[str, Any]] = []
    corrected: set[int] = set()
    for moment in moments:
        entry_id = last_id + len(rows) + 1
        template = rng.choice(templates)
        row = {
            "id": entry_id,
            "shift_id": shift["id"],
            "at": moment,
            "recorded_at": moment,
            "category": template.category,
            "severity": template.severity,
            "text": samples.render(template, rng),
            "author_id": shift["supervisor_id"],
            "supersedes_id": None,
        }
        if rows and rng.random() < CORRECTION_SHARE:
            original = rng.choice(rows)
            if original["id"] not in corrected and original["supersedes_id"] is None:
                corrected.add(original["id"])
                row.update(
                    at=original["at"],
                    category=original["category"],
                    severity=original["severity"],
                    supersedes_id=original["id"],
                )
        rows.append(row)
    return rows


def _write_extras(
    connection: Any,
    shift_rows: list[dict[str, Any]],
    samples: SampleData,
    rng: random.Random,
    now: datetime,
    queue_team: str,
) -> dict[str, int]:
    """Follow-ups, incidents and queue intervals of every shift, in bulk; their counts."""
    playbooks = sorted(
        load_playbooks(user=shipped_dir()).playbooks.values(), key=lambda p: p.key
    )  # not the runner's own
    rows: dict[str, list[dict[str, Any]]] = {
        "followups": [],
        "followup_events": [],
        "incidents": [],
        "steps": [],
        "incident_events": [],
        "intervals": [],
    }
    interval_count = 0
    for shift in shift_rows:
        opened, until = shift["opened_at"], shift["closed_at"] or now
        for _index in range(rng.randint(*FOLLOWUPS_PER_SHIFT)):
            _followup(
                rows,
                opened + (until - opened) * rng.random(),
                samples.render(rng.choice(samples.entries), rng),
                rng,
                now,
            )
        if shift["closed_at"] is not None and playbooks and rng.random() < INCIDENT_SHARE:
            _incident(rows, shift, rng.choice(playbooks), opened + (until - opened) * rng.random() / 2, until)
        if shift["team"] == queue_team:
            _intervals(rows["intervals"], interval_count, shift, until, rng)
            if len(rows["intervals"]) >= CHUNK:  # ~700,000 a year: written as they come
                connection.execute(insert(QueueInterval.__table__), rows["intervals"])  # type: ignore[attr-defined]
                interval_count += len(rows["intervals"])
                rows["intervals"].clear()
    tables = {
        "followups": FollowUp,
        "followup_events": FollowUpEvent,
        "incidents": Incident,
        "steps": IncidentStep,
        "incident_events": IncidentEvent,
        "intervals": QueueInterval,
    }
    for name, table in tables.items():
        for start in range(0, len(rows[name]), CHUNK):
            connection.execute(insert(table.__table__), rows[name][start : start + CHUNK])  # type: ignore[attr-defined]
    return {
        "followups": len(rows["followups"]),
        "incidents": len(rows["incidents"]),
        "queue_intervals": interval_count + len(rows["intervals"]),
    }


def _followup(
    rows: dict[str, list[dict[str, Any]]], created: datetime, text: str, rng: random.Random, now: datetime
) -> None:
    number = len(rows["followups"]) + 1
    kind = rng.choice(FOLLOWUP_KINDS)
    closed = created + timedelta(hours=rng.uniform(1, 72)) if created < now - timedelta(days=7) else None
    rows["followups"].append(
        {
            "id": number,
            "kind": kind,
            "title": text[:80],
            "details": text,
            "customer": "",
            "owner": "",
            "priority": rng.choice(("low", "normal", "normal", "high", "urgent")),
            "status": "closed" if closed else "open",
            "created_at": created,
            "due_at": created + timedelta(hours=24),
            "closed_at": closed,
            "resolution": "done · 已处理" if closed else None,
            "complaint_number": f"BENCH-{number:06d}" if kind == "complaint" else None,
            "complaint_type": None,
            "urgency": "general" if kind == "complaint" else None,
            "resolve_by": created + timedelta(hours=48) if kind == "complaint" else None,
        }
    )
    events = rows["followup_events"]
    events.append({"id": len(events) + 1, "follow_up_id": number, "at": created, "kind": "created", "text": ""})
    if closed:
        events.append(
            {"id": len(events) + 1, "follow_up_id": number, "at": closed, "kind": "closed", "text": "done · 已处理"}
        )


def _incident(
    rows: dict[str, list[dict[str, Any]]], shift: dict[str, Any], playbook: Playbook, started: datetime, until: datetime
) -> None:
    number = len(rows["incidents"]) + 1
    closed = started + (until - started) / 2
    rows["incidents"].append(
        {
            "id": number,
            "playbook_key": playbook.key,
            "title_en": playbook.title.en,
            "title_zh": playbook.title.zh,
            "kind": playbook.kind,
            "level": playbook.level,
            "status": "closed",
            "started_at": started,
            "respond_by": started + playbook.respond_within,
            "closed_at": closed,
            "summary": "resolved · 已恢复",
            "ivr_en": playbook.ivr.en if playbook.ivr else None,
            "ivr_zh": playbook.ivr.zh if playbook.ivr else None,
            "contacts_json": "[]",
            "shift_id": shift["id"],
        }
    )
    for step in playbook.steps:
        rows["steps"].append(
            {
                "id": len(rows["steps"]) + 1,
                "incident_id": number,
                "n": step.n,
                "text_en": step.text.en,
                "text_zh": step.text.zh,
                "due_at": started + step.within if step.within else None,
                "done_at": closed,
            }
        )
    events = rows["incident_events"]
    for at, kind in ((started, "start"), (closed, "close")):
        events.append(
            {"id": len(events) + 1, "incident_id": number, "at": at, "kind": kind, "text": "", "step_n": None}
        )


def _intervals(
    rows: list[dict[str, Any]], written: int, shift: dict[str, Any], until: datetime, rng: random.Random
) -> None:
    start: datetime = shift["planned_start"]
    while start + INTERVAL <= until:
        for queue in range(1, QUEUES + 1):
            offered = rng.randint(5, 60)
            answered = offered - rng.randint(0, offered // 6)
            rows.append(
                {
                    "id": written + len(rows) + 1,
                    "shift_id": shift["id"],
                    "queue": f"queue-{queue:02d}",
                    "start": start,
                    "snapshots": 90,
                    "max_waiting": rng.randint(0, 12),
                    "max_longest_wait_s": rng.uniform(0, 240),
                    "offered": offered,
                    "answered": answered,
                    "abandoned": offered - answered,
                    "abandoned_short": (offered - answered) // 3,
                    "answered_within_sl": answered * 4 // 5,
                    "handle_time_s_total": answered * rng.uniform(150, 300),
                    "wait_time_s_total": answered * rng.uniform(5, 60),
                }
            )
        start += INTERVAL


def _write(connection: Any, rows: list[dict[str, Any]]) -> float:
    """Insert the entries and index them; the seconds spent on the index."""
    connection.execute(insert(LogEntry.__table__), rows)  # type: ignore[attr-defined]
    started = time.perf_counter()
    sqlite.index_log_entries(connection, [(row["id"], row["text"]) for row in rows])
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--entries-per-shift", type=int, default=ENTRIES_PER_SHIFT)
    parser.add_argument("--out", type=Path, required=True, help="the database file to (re)write")
    args = parser.parse_args(argv)
    report = generate(args.out, days=args.days, seed=args.seed, entries_per_shift=args.entries_per_shift)
    print(report.summary())


if __name__ == "__main__":
    main()
