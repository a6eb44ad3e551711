"""Run the benchmark suite and print/save its figures.

    python -m benchmarks [--days 365] [--runs 5] [--seed 7] [--panel-seconds 20]
                         [--only startup,cli,imports,search,export,verify,panel]
                         [--db BIG.db] [--keep-db] [--output FILE] [--compare OLD.json]

Every figure is the median (and min-max, p95) of `--runs` measurements taken after one
warm-up run, and where it makes sense also a ratio against a baseline measured in the
same run on the same machine: ratios travel between machines far better than seconds.
"""

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.generate import DEFAULT_DAYS, DEFAULT_SEED, generate
from benchmarks.measure import (
    Sample,
    alternate,
    batch_lasting,
    cpu_per_call,
    python_import_time,
    repeat,
    run_in_pty,
    time_command,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
STARTUP_DRIVER = Path(__file__).resolve().parent / "drivers" / "startup.py"
DUTYDESK = Path(sys.executable).parent / "dutydesk"
GROUPS = ("startup", "cli", "imports", "search", "export", "verify", "panel")
PANEL_SECONDS = 20.0
BIG_DB_GROUPS = {"startup", "cli", "verify"}  # the others make their own (search: SEARCH_DAYS)
README = Path(__file__).resolve().parent / "README.md"
REPORT_START, REPORT_END = "<!-- results:start -->", "<!-- results:end -->"
# Issue 18's goals: (figure, baseline) -> the ratio it must not exceed.
GOALS = {
    ("startup.dutydesk", "startup.minimal_stack"): 1.3,
    ("startup.dutydesk", "startup.minimal"): 2.0,
    ("cli.help", "cli.python_typer"): 1.5,
    ("cli.log_add", "cli.python_typer_sqlmodel"): 1.3,
    ("export.total", "export.raw_select"): 3.0,
    ("handover.verify", "handover.ed25519"): 2.0,
    ("panel.live.key_to_update", "panel.idle.key_to_update"): 1.5,
}

# Search words by how often they occur (common: in thousands of entries of any database;
# rare: in the entries of RARE_ENTRIES only; absent: nowhere), English and Chinese (1, 2 and 3+
# characters), each searched at every size of SEARCH_DAYS.
SEARCH_WORDS = {
    "common": {
        "en": ["CRM", "callbacks", "queue", "refund", "backup", "IVR", "escalated", "overtime"],
        "zh": ["慢", "忙", "库", "班", "登录", "示忙", "工单", "投诉", "坐席", "知识库", "接通率", "提示音"],
    },
    "rare": {"en": ["sprinkler", "rehearsal"], "zh": ["漏水", "消防演练", "洒"]},
    "absent": {"en": ["zebra", "quasar"], "zh": ["鲸鱼", "火山爆发", "琴"]},
}
# The generated log holds only its templates' words: these entries give the rare words.
RARE_ENTRIES = [
    "Sprinkler test in the server room: 机房漏水演练, facilities notified",
    "Fire drill rehearsal 消防演练 on floor 7, sprinkler valves checked, 洒水 tested",
]
SEARCH_DAYS = (30, 365, 1825)  # a month, a year, five years
# A search sample times a batch of calls lasting at least this long (CPU seconds); a word at a size
# gets SEARCH_SAMPLES samples of each, fewer (but at least --runs) where they would take longer
# than SEARCH_WORD_SECONDS: a common word at five years is ≈ 0.1 s a call, and no jitter at that scale.
SEARCH_BATCH_SECONDS = 0.002
SEARCH_SAMPLES = 40
SEARCH_WORD_SECONDS = 0.5
# What dutydesk's search does, written once by hand in plain SQL for sqlite3: the best 50
# matches (rank, then newest, then latest written) picked from the FTS5 index with each
# match's time, then joined with their authors and corrections.
RAW_SEARCH = """
SELECT e.id, e.at, e.recorded_at, e.category, e.severity, e.text, s.name, s.display_name,
       e.shift_id, e.supersedes_id, later.id
FROM (
    SELECT log_search.rowid AS entry_id, log_search.rank AS rank
    FROM log_search JOIN log_entry AS o ON o.id = log_search.rowid
    WHERE log_search MATCH ?
    ORDER BY log_search.rank, o.at DESC, o.id DESC
    LIMIT 50
) AS best
JOIN log_entry AS e ON e.id = best.entry_id
JOIN supervisor AS s ON s.id = e.author_id
LEFT JOIN log_entry AS later ON later.supersedes_id = e.id
ORDER BY best.rank, e.at DESC, e.id DESC
"""


# Issue 18's search goal is on the p95 (against raw FTS5's p95), for every kind, language and size.
P95_GOALS = {
    (f"search.domain.{key}", f"search.raw.{key}"): 1.2
    for key in [
        "all",
        *(f"{kind}.{language}.{days}d" for kind in SEARCH_WORDS for language in ("en", "zh") for days in SEARCH_DAYS),
    ]
}
# Issue 18's goals on a figure's own value: figure -> the most it may be, in the figure's unit.
LIMITS = {"panel.live.cpu": 5.0}


def search_words() -> list[str]:
    return [word for languages in SEARCH_WORDS.values() for words in languages.values() for word in words]


@dataclass
class Figure:
    key: str
    label: str
    sample: Sample
    baselines: list[str] = field(default_factory=list)
    show_p95: bool = False
    unit: str = "s"  # seconds unless a figure says otherwise ("%" of a core, "MiB")
    round: str | None = None  # measured in turn with the other figures of this round


@dataclass(frozen=True)
class Measured:
    """One figure of a round: what `Suite.add_round` measures in turn with the others."""

    key: str
    label: str
    action: Callable[[], float]
    baselines: list[str] = field(default_factory=list)
    show_p95: bool = False


@dataclass
class Suite:
    runs: int
    env: dict[str, str]
    figures: dict[str, Figure] = field(default_factory=dict)

    def add(
        self,
        key: str,
        label: str,
        sample: Sample,
        baselines: list[str] | None = None,
        show_p95: bool = False,
        unit: str = "s",
        round: str | None = None,
    ) -> None:
        self.figures[key] = Figure(key, label, sample, baselines or [], show_p95, unit, round)
        print(f"  {label}: median {_value(sample.median, unit)}", file=sys.stderr, flush=True)

    def add_round(self, name: str, figures: list[Measured]) -> None:
        """Measure the figures in turn (A B C A B C …): each ratio between them is then the
        median of ratios of runs made side by side, under the same load."""
        samples = alternate({figure.key: figure.action for figure in figures}, self.runs)
        for figure in figures:
            self.add(figure.key, figure.label, samples[figure.key], figure.baselines, figure.show_p95, round=name)

    def ratios(self, figure: Figure, baseline: str) -> Sample | None:
        """The figure over its baseline: run by run when they were measured in one round,
        else (figures measured apart) the ratio of their medians."""
        base = self.figures.get(baseline)
        if base is None or not base.sample.median:
            return None
        if figure.round is not None and figure.round == base.round:
            pairs = zip(figure.sample.values, base.sample.values, strict=True)
            return Sample([value / base_value for value, base_value in pairs if base_value])
        return Sample([figure.sample.median / base.sample.median])

    def ratio(self, figure: Figure, baseline: str) -> float | None:
        found = self.ratios(figure, baseline)
        return found.median if found else None


def _ms(seconds: float) -> str:
    if seconds < 0.001:  # a search in no entry takes tens of microseconds: "0.0 ms" would hide it
        return f"{seconds * 1e6:,.0f} µs"
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _value(value: float, unit: str) -> str:
    return _ms(value) if unit == "s" else f"{value:,.1f} {unit}"


# --- the figures ---------------------------------------------------------------------------


def measure_startup(suite: Suite, db_path: Path) -> None:
    """First paint: the first frame holding real data (for dutydesk the open shift's newest
    entry), against a bare Textual app and the same app importing dutydesk's whole stack."""
    later: list[dict[str, float]] = []  # dutydesk's other moments, run by run

    def driver(*args: str, marker: str | None = None, keep_later: bool = False) -> Callable[[], float]:
        env = suite.env | ({"BENCH_PAINT_MARKER": marker} if marker else {})

        def run() -> float:
            moments = run_in_pty([sys.executable, str(STARTUP_DRIVER), *args], env)
            if "paint" not in moments:
                raise RuntimeError(f"{args[0]}: no frame showed {marker or 'its text'!r} before it was idle")
            if keep_later:
                later.append(moments)
            return moments["paint"]

        return run

    suite.add_round(
        "startup",
        [
            Measured("startup.minimal", "first paint: Textual app, one Static", driver("minimal")),
            Measured(
                "startup.minimal_stack",
                "first paint: same app + sqlmodel, typer, cryptography",
                driver("minimal-stack"),
                ["startup.minimal"],
            ),
            Measured(
                "startup.dutydesk",
                "first paint: dutydesk on the big DB, newest entry shown",
                driver("dutydesk", "--db", str(db_path), marker=newest_entry_text(db_path), keep_later=True),
                ["startup.minimal", "startup.minimal_stack"],
            ),
        ],
    )
    measured = later[-suite.runs :]  # without the warm-up
    suite.add(
        "startup.dutydesk_run", "start-up: dutydesk imported, App.run called", Sample([m["run"] for m in measured])
    )
    suite.add(
        "startup.dutydesk_idle", "start-up: dutydesk until idle, workers done", Sample([m["idle"] for m in measured])
    )


def newest_entry_text(db_path: Path, team: str = "A") -> str:
    """The start of the newest entry of the team's open shift: on screen only once the data is."""
    with sqlite3.connect(db_path) as raw:
        (text,) = raw.execute(
            "SELECT e.text FROM log_entry AS e JOIN shift AS s ON s.id = e.shift_id "
            "WHERE s.team = ? AND s.status = 'open' ORDER BY e.at DESC, e.id DESC LIMIT 1",
            (team,),
        ).fetchone()
    return str(text)[:12]


def measure_cli(suite: Suite, db_path: Path) -> None:
    def command(*argv: str) -> Callable[[], float]:
        return lambda: time_command(argv, suite.env)

    python = sys.executable
    counter = iter(range(1_000_000))

    def log_add() -> float:
        entry = f"benchmark entry {next(counter)}"
        return time_command([str(DUTYDESK), "--db", str(db_path), "log", "add", "--team", "A", entry], suite.env)

    suite.add_round(
        "cli",
        [
            Measured("cli.python_sqlite3", 'python -c "import sqlite3"', command(python, "-c", "import sqlite3")),
            Measured(
                "cli.python_typer_sqlmodel",
                'python -c "import typer, sqlmodel"',
                command(python, "-c", "import typer, sqlmodel"),
            ),
            Measured(
                "cli.log_add", "dutydesk log add (big DB)", log_add, ["cli.python_sqlite3", "cli.python_typer_sqlmodel"]
            ),
            Measured("cli.python_typer", 'python -c "import typer"', command(python, "-c", "import typer")),
            Measured("cli.help", "dutydesk --help", command(str(DUTYDESK), "--help"), ["cli.python_typer"]),
        ],
    )


def measure_imports(suite: Suite) -> None:
    for module in ("textual.app", "sqlmodel", "typer", "dutydesk.cli", "dutydesk.tui.app"):
        suite.add(
            f"import.{module}",
            f"import {module} (in a fresh interpreter)",
            repeat(lambda module=module: python_import_time(module, suite.env), suite.runs),
        )


def add_rare_entries(db_path: Path) -> None:
    """RARE_ENTRIES in team A's open shift, once."""
    from dutydesk.config import load_config
    from dutydesk.domain import log, shifts
    from dutydesk.store.db import open_database

    db = open_database(db_path)
    try:
        if not log.search(db, SEARCH_WORDS["rare"]["en"][0]):
            config = load_config(None)
            shift = shifts.current_shift(db, "A")
            assert shift is not None, "the generated database has an open shift per team"
            for text in RARE_ENTRIES:
                log.add_entry(db, config, shift, text)
    finally:
        db.close()


def search_databases(args: argparse.Namespace, big_db: Path | None) -> dict[int, Path]:
    """A database per size of SEARCH_DAYS: the big one for its size, else results/ (made once, kept)."""
    found = {}
    for days in SEARCH_DAYS:
        path = big_db if big_db is not None and days == args.days else RESULTS / f"bench-{days}d-seed{args.seed}.db"
        if not path.exists():
            RESULTS.mkdir(exist_ok=True)
            print(f"generating {days} days of shifts for search (kept as {path}) ...", file=sys.stderr, flush=True)
            generate(path, days=days, seed=args.seed)
        add_rare_entries(path)
        found[days] = path
    return found


def measure_search(suite: Suite, databases: dict[int, Path]) -> dict[str, Any]:
    """Every word at every size, dutydesk's search and the raw query in turn (A B B A …).

    Each sample is the CPU time per call of a batch of calls of one of them (`cpu_per_call`),
    the batch as long as the raw query needs to last SEARCH_BATCH_SECONDS (`batch_lasting`), the
    same for both: a search of microseconds is then timed reliably. The one measured first
    alternates from sample to sample.
    """
    from dutydesk.domain import log
    from dutydesk.store.db import open_database
    from dutydesk.textsearch import fts_query, query_phrases

    times: dict[tuple[str, int, str], list[float]] = {}  # (word, days, "domain"|"raw") -> seconds per call
    hits: dict[str, dict[int, int]] = {}
    batches: dict[tuple[str, int], tuple[int, float]] = {}  # (word, days) -> calls per sample, raw seconds a call
    for days, db_path in databases.items():
        db, raw = open_database(db_path), sqlite3.connect(db_path)
        try:
            for word in search_words():
                expression = fts_query(query_phrases(word))
                actions = {
                    "domain": lambda word=word, db=db: log.search(db, word),
                    "raw": lambda e=expression, raw=raw: raw.execute(RAW_SEARCH, (e,)).fetchall(),
                }
                hits.setdefault(word, {})[days] = len(actions["domain"]())  # also the warm-up
                batch, per_call = batches[(word, days)] = batch_lasting(actions["raw"], SEARCH_BATCH_SECONDS)
                samples = max(suite.runs, min(SEARCH_SAMPLES, int(SEARCH_WORD_SECONDS / (2 * batch * per_call))))
                for index in range(samples):
                    for name in ("domain", "raw") if index % 2 == 0 else ("raw", "domain"):
                        times.setdefault((word, days, name), []).append(cpu_per_call(actions[name], batch))
        finally:
            raw.close()
            db.close()

    def pooled(name: str, words: list[str], sizes: tuple[int, ...]) -> Sample:
        return Sample([value for days in sizes for word in words for value in times[(word, days, name)]])

    def add_pair(key: str, label: str, words: list[str], sizes: tuple[int, ...]) -> None:
        # Each domain sample was taken beside its raw twin: sample i of one pairs with sample i of the other.
        suite.add(
            f"search.raw.{key}",
            f"search, raw sqlite3: {label}",
            pooled("raw", words, sizes),
            show_p95=True,
            round=f"search.{key}",
        )
        suite.add(
            f"search.domain.{key}",
            f"search, dutydesk: {label}",
            pooled("domain", words, sizes),
            [f"search.raw.{key}"],
            show_p95=True,
            round=f"search.{key}",
        )

    sizes = tuple(databases)
    add_pair("all", f"{len(search_words())} words, {'/'.join(map(str, sizes))} days", search_words(), sizes)
    for kind, languages in SEARCH_WORDS.items():
        for days in sizes:
            for language, words in languages.items():
                add_pair(f"{kind}.{language}.{days}d", f"{kind}, {language}, {days} days", words, (days,))
    return {
        word: {
            f"{days}d": {
                "hits": hits[word][days],
                "batch": batches[(word, days)][0],
                "domain": Sample(times[(word, days, "domain")]).summary(),
                "raw": Sample(times[(word, days, "raw")]).summary(),
            }
            for days in sizes
        }
        for word in search_words()
    }


def measure_export_group(suite: Suite, scratch: Path, seed: int) -> None:
    from benchmarks.export_bench import build_export_db, measure_export

    db_path = scratch / "export.db"
    build_export_db(db_path, seed)
    measure_export(suite, db_path, shift_id=1)


def measure_verify(suite: Suite, big_db: Path, scratch: Path) -> dict[str, Any]:
    """`dutydesk verify` over as many signed handovers as the big DB has shift changes.

    They are made through the real domain functions (`handover_bench`) in a database of
    their own: the big DB's generator does not sign handovers.
    """
    from benchmarks.handover_bench import (
        generate_signed_handovers,
        measure_handover_verify,
    )

    with sqlite3.connect(big_db) as raw:
        (count,) = raw.execute("SELECT count(*) - count(DISTINCT team) FROM shift").fetchone()
    db_path = scratch / "handover.db"
    print(f"generating {count:,} signed handovers (one per shift change) ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    generate_signed_handovers(db_path, count)
    seconds = time.perf_counter() - started
    measure_handover_verify(suite, db_path)
    suite.add(
        "handover.verify_cli",
        f"dutydesk verify --all (the whole command, {count:,} handovers)",
        repeat(lambda: time_command([str(DUTYDESK), "--db", str(db_path), "verify", "--all"], suite.env), suite.runs),
        ["cli.python_typer_sqlmodel", "handover.verify"],
    )
    return {"handovers": count, "generate_seconds": round(seconds, 1)}


def measure_panel(suite: Suite, seconds: float, scratch: Path) -> dict[str, Any]:
    """The live queue panel against the same panel with a silent feed, run in turn (live,
    silent, live, …), in a process of its own so its CPU time and peak RSS are its own.
    Each figure's values are one per run; a ratio is the median of the pairs' ratios."""
    output = scratch / "queue_panel.json"
    subprocess.run(
        [sys.executable, "-m", "benchmarks.queue_panel", "--seconds", str(seconds), "--output", str(output)],
        env=suite.env,
        cwd=ROOT,
        check=True,
        timeout=900,
        stdout=subprocess.DEVNULL,
    )
    result = json.loads(output.read_text(encoding="utf-8"))
    pairs = result["pairs"]

    def per_run(kind: str, name: str, scale: float = 1.0) -> Sample:
        return Sample([pair[kind][name] * scale for pair in pairs])

    panel = f"{result['queues']} queues / {result['agents']} agents"
    suite.add(
        "panel.idle.key_to_update",
        "panel baseline: key → frame p95, silent feed",
        per_run("silent", "key_to_update_p95_ms", 1 / 1000),
        round="panel",
    )
    suite.add(
        "panel.live.key_to_update",
        f"panel: key → frame p95, {panel}, busy hour",
        per_run("live", "key_to_update_p95_ms", 1 / 1000),
        ["panel.idle.key_to_update"],
        round="panel",
    )
    suite.add(
        "panel.idle.cpu",
        "panel baseline: CPU, % of one core, silent feed",
        per_run("silent", "cpu_percent"),
        unit="%",
        round="panel",
    )
    suite.add(
        "panel.live.cpu",
        f"panel: CPU, % of one core, {panel}, a key a second",
        per_run("live", "cpu_percent"),
        ["panel.idle.cpu"],
        unit="%",
        round="panel",
    )
    suite.add("panel.peak_rss", "panel: peak RSS of the process", Sample([result["peak_rss_mib"]]), unit="MiB")
    return result


# --- output --------------------------------------------------------------------------------


def table(suite: Suite) -> str:
    header = f"{'figure':<58} {'median':>10} {'min – max':>21} {'p95':>10}  ratio"
    lines = [header, "-" * len(header)]
    for figure in suite.figures.values():
        s = figure.sample
        span = f"{_value(s.low, figure.unit)} – {_value(s.high, figure.unit)}"
        p95 = _value(s.p95, figure.unit) if figure.show_p95 else ""
        ratios = []
        for baseline in figure.baselines:
            found = suite.ratios(figure, baseline)
            if found is not None:
                spread = f" ({found.low:.2f}–{found.high:.2f})" if len(found.values) > 1 else ""
                ratios.append(f"{found.median:.2f}x{spread} vs {baseline}")
        lines.append(
            f"{figure.label:<58} {_value(s.median, figure.unit):>10} {span:>21} {p95:>10}  "
            + (ratios[0] if ratios else "")
        )
        lines.extend(f"{'':<58} {'':>10} {'':>21} {'':>10}  {more}" for more in ratios[1:])
    return "\n".join(lines)


def as_json(suite: Suite, meta: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    figures = {}
    for figure in suite.figures.values():
        figures[figure.key] = {
            "label": figure.label,
            "unit": figure.unit,
            **figure.sample.summary(),
            "values_s": figure.sample.values,
            "ratios": {b: suite.ratio(figure, b) for b in figure.baselines},
            "ratio_ranges": {b: _range(suite.ratios(figure, b)) for b in figure.baselines},
            "round": figure.round,
        }
    return {"meta": meta, **extra, "figures": figures}


def markdown_report(suite: Suite, meta: dict[str, Any]) -> str:
    """The figures as a Markdown table for benchmarks/README.md, goals marked met or not."""
    lines = [
        f"Measured {meta['date']} at {meta['commit']} · Python {meta['python']} · {meta['cpus']} CPUs · "
        f"{meta['runs']} runs after a warm-up · load average {meta['load_start']} at the start, "
        f"{meta['load_end']} at the end.",
        "",
        "| figure | median | min – max | ratio (min – max) | goal |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    for figure in suite.figures.values():
        s = figure.sample
        ratios, goals = [], []
        for baseline in figure.baselines:
            found = suite.ratios(figure, baseline)
            if found is None:
                continue
            spread = f" ({found.low:.2f}–{found.high:.2f})" if len(found.values) > 1 else ""
            ratios.append(f"{found.median:.2f}×{spread} vs `{baseline}`")
            goal = GOALS.get((figure.key, baseline))
            if goal is not None:
                goals.append(f"≤ {goal:g}× {_met(found.median <= goal)}")
            p95_goal = P95_GOALS.get((figure.key, baseline))
            if p95_goal is not None:
                p95_ratio = s.p95 / suite.figures[baseline].sample.p95
                goals.append(f"p95 {p95_ratio:.2f}× ≤ {p95_goal:g}× {_met(p95_ratio <= p95_goal)}")
        limit = LIMITS.get(figure.key)
        if limit is not None:
            goals.append(f"≤ {_value(limit, figure.unit)} {_met(s.median <= limit)}")
        span = f"{_value(s.low, figure.unit)} – {_value(s.high, figure.unit)}"
        row = [figure.label, _value(s.median, figure.unit), span, "<br>".join(ratios), "<br>".join(goals)]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _met(met: bool) -> str:
    return "met" if met else "**not met**"


def write_report(text: str, readme: Path = README) -> None:
    """Replace the results between the markers in the README (appended the first time)."""
    current = readme.read_text(encoding="utf-8")
    block = f"{REPORT_START}\n{text}\n{REPORT_END}"
    if REPORT_START in current and REPORT_END in current:
        before, rest = current.split(REPORT_START, 1)
        current = before + block + rest.split(REPORT_END, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n## Latest results\n\n" + block + "\n"
    readme.write_text(current, encoding="utf-8")


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _range(found: Sample | None) -> list[float] | None:
    return [found.low, found.high] if found else None


def compare(old: dict[str, Any], new: dict[str, Any]) -> str:
    header = f"{'figure':<40} {'old median':>11} {'new median':>11} {'change':>8}   ratio old → new"
    lines = [
        f"compared with {old['meta'].get('date', '?')} ({old['meta'].get('commit', '?')})",
        header,
        "-" * len(header),
    ]
    for key, figure in new["figures"].items():
        before = old.get("figures", {}).get(key)
        unit = figure.get("unit", "s")
        if before is None:
            lines.append(f"{key:<40} {'—':>11} {_value(figure['median_s'], unit):>11} {'new':>8}")
            continue
        change = (figure["median_s"] / before["median_s"] - 1) * 100 if before["median_s"] else 0.0
        ratio_text = ""
        for baseline, ratio in figure.get("ratios", {}).items():
            old_ratio = before.get("ratios", {}).get(baseline)
            if ratio is not None and old_ratio is not None:
                ratio_text = f"{old_ratio:.2f}x → {ratio:.2f}x"
                break
        lines.append(
            f"{key:<40} {_value(before['median_s'], unit):>11} {_value(figure['median_s'], unit):>11} "
            f"{change:>+7.1f}%   {ratio_text}"
        )
    for key in old.get("figures", {}):
        if key not in new["figures"]:
            lines.append(f"{key:<40} (not measured this time)")
    return "\n".join(lines)


def metadata(args: argparse.Namespace) -> dict[str, Any]:
    def git(*argv: str) -> str:
        try:
            return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return ""

    import sqlmodel
    import textual
    import typer

    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": (git("rev-parse", "--short", "HEAD") or "?") + ("+dirty" if dirty else ""),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "textual": getattr(textual, "__version__", "?"),
        "sqlmodel": getattr(sqlmodel, "__version__", "?"),
        "typer": getattr(typer, "__version__", "?"),
        "days": args.days,
        "runs": args.runs,
        "seed": args.seed,
        "panel_seconds": args.panel_seconds,
    }


def isolated_env(home: Path) -> dict[str, str]:
    """What every measured process runs with: none of the real user's data or config."""
    env = {
        "PATH": f"{DUTYDESK.parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "DUTYDESK_LANG": "en",
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
        Path(env[name]).mkdir(parents=True, exist_ok=True)
    return env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="days of shifts in the big DB (365)")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per figure, after one warm-up (5)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--only", default=",".join(GROUPS), help="comma-separated: " + ",".join(GROUPS))
    parser.add_argument(
        "--panel-seconds",
        type=float,
        default=PANEL_SECONDS,
        help=f"measured seconds of the queue panel per kind, live and silent ({PANEL_SECONDS:g}; steadier: 60)",
    )
    parser.add_argument("--db", type=Path, help="use this generated database instead of generating one")
    parser.add_argument("--keep-db", action="store_true", help="keep the generated database in results/")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--compare", type=Path, help="an earlier results JSON to compare with")
    parser.add_argument("--report", action="store_true", help="also write the table into benchmarks/README.md")
    args = parser.parse_args(argv)
    groups = [group.strip() for group in args.only.split(",") if group.strip()]
    unknown = set(groups) - set(GROUPS)
    if unknown or args.runs < 1:
        parser.error(f"unknown group(s) {', '.join(sorted(unknown))}" if unknown else "--runs must be ≥ 1")
    if not DUTYDESK.exists():
        parser.error(f"the dutydesk console script is not installed beside {sys.executable}")

    started, load_start = time.perf_counter(), load_average()
    with tempfile.TemporaryDirectory(prefix="dutydesk-bench-") as scratch:
        suite = Suite(args.runs, isolated_env(Path(scratch) / "home"))
        extra: dict[str, Any] = {}
        db_path = args.db
        if db_path is None and set(groups) & BIG_DB_GROUPS:
            RESULTS.mkdir(exist_ok=True)
            db_path = RESULTS / f"bench-{args.days}d-seed{args.seed}.db" if args.keep_db else Path(scratch) / "big.db"
            print(f"generating {args.days} days of shifts ...", file=sys.stderr, flush=True)
            report = generate(db_path, days=args.days, seed=args.seed)
            print("  " + report.summary(), file=sys.stderr, flush=True)
            extra["generate"] = report.as_json()
        for group in groups:
            print(f"measuring {group} ...", file=sys.stderr, flush=True)
            if group == "startup":
                measure_startup(suite, db_path)
            elif group == "cli":
                measure_cli(suite, db_path)
            elif group == "imports":
                measure_imports(suite)
            elif group == "search":
                extra["search_words"] = measure_search(suite, search_databases(args, db_path))
            elif group == "export":
                measure_export_group(suite, Path(scratch), args.seed)
            elif group == "verify":
                extra["verify"] = measure_verify(suite, db_path, Path(scratch))
            elif group == "panel":
                extra["panel"] = measure_panel(suite, args.panel_seconds, Path(scratch))

    meta = metadata(args) | {
        "seconds": round(time.perf_counter() - started, 1),
        "load_start": load_start,  # 1, 5 and 15 minutes: a busy machine shows here
        "load_end": load_average(),
    }
    result = as_json(suite, meta, extra)
    print()
    print(
        f"dutydesk benchmarks · {meta['commit']} · {meta['date']} · Python {meta['python']} · "
        f"{meta['cpus']} CPUs · {args.days} days · {args.runs} runs after 1 warm-up · "
        f"load average {meta['load_start']} → {meta['load_end']}"
    )
    if "generate" in extra:
        g = extra["generate"]
        print(
            f"big DB: {g['entries']:,} entries, {g['shifts']:,} shifts, {g['followups']:,} follow-ups, "
            f"{g['incidents']:,} incidents, {g['queue_intervals']:,} queue intervals, {g['bytes'] / 2**20:.1f} MiB, "
            f"generated in {g['seconds']:.1f} s (search index {g['index_seconds']:.1f} s)"
        )
    if "verify" in extra:
        v = extra["verify"]
        print(
            f"verify: {v['handovers']:,} signed handovers (one per shift change) made through the domain "
            f"in a DB of their own, in {v['generate_seconds']:.1f} s"
        )
    print(table(suite))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nsaved {args.output} (took {meta['seconds']} s)")
    if args.report:
        write_report(markdown_report(suite, meta))
        print(f"wrote the table into {README}")
    if args.compare:
        print()
        print(compare(json.loads(args.compare.read_text(encoding="utf-8")), result))
