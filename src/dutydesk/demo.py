"""The demo: a week of realistic shifts and duty-log entries to try dutydesk on.

Built from the plain, editable `sample_data/demo.toml` (supervisors, their PIN, teams and
a pool of entry templates in English and Chinese) through the domain functions, so the
demo database is exactly what real use would have written. Deterministic: the same seed
and the same `now` give the same database. No Textual here.
"""

import os
import random
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from dutydesk import clock, paths
from dutydesk.config import Config, load_config
from dutydesk.domain import followups, log, shifts, supervisors, threads
from dutydesk.domain import handover as handovers
from dutydesk.errors import UserError
from dutydesk.export.draft import draft_if_due
from dutydesk.i18n import _
from dutydesk.store.db import Database, open_database
from dutydesk.store.tables import Shift, Supervisor
from dutydesk.textsearch import CJK_RUN

DEFAULT_SEED = 7
SHIFT_COUNT = 14  # a week of day and night shifts with the default pattern
ENTRIES_PER_SHIFT = (15, 30)
CORRECTION_CHANCE = 0.5  # per shift: one entry in about every other shift is corrected
PREFERRED_LANGUAGE_SHARE = 0.7  # how often a supervisor writes in their own language
SAMPLE_FILE = "demo.toml"
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class DemoSupervisor:
    name: str
    display: str

    @property
    def language(self) -> str:
        return "zh" if CJK_RUN.search(self.display) else "en"


@dataclass(frozen=True)
class EntryTemplate:
    lang: str
    category: str
    severity: str
    text: str

    @property
    def has_placeholders(self) -> bool:
        return bool(PLACEHOLDER.search(self.text))


@dataclass(frozen=True)
class Problem:
    """A problem told as a thread: raised `shifts_ago` shifts before the current one, then updated."""

    category: str
    severity: str
    shifts_ago: int
    lines: list[str]
    resolution: str | None


@dataclass(frozen=True)
class DemoFollowUp:
    title: str
    kind: str
    owner: str
    customer: str
    priority: str
    opened_h: float
    due_h: float
    resolution: str | None


@dataclass(frozen=True)
class HandoverSamples:
    signed: int = 0  # how many of the last shift changes are signed handovers
    actions: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    resolve_chance: float = 0.0
    resolutions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SampleData:
    pin: str
    teams: list[str]
    supervisors: list[DemoSupervisor]
    placeholders: dict[str, tuple[int, int]]
    entries: list[EntryTemplate]
    handover: HandoverSamples = HandoverSamples()
    problems: tuple[Problem, ...] = ()
    followups: tuple[DemoFollowUp, ...] = ()

    def render(self, template: EntryTemplate | str, rng: random.Random) -> str:
        """The template's text with each known placeholder replaced by a drawn number.

        A placeholder used twice in one text gets the same number both times.
        """
        drawn: dict[str, str] = {}

        def value(match: re.Match[str]) -> str:
            key = match.group(1)
            if key not in self.placeholders:
                return match.group()
            if key not in drawn:
                low, high = self.placeholders[key]
                drawn[key] = str(rng.randint(low, high))
            return drawn[key]

        return PLACEHOLDER.sub(value, template if isinstance(template, str) else template.text)


def load_sample_data(directory: Path | None = None) -> SampleData:
    path = (directory or paths.sample_data_dir()) / SAMPLE_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return SampleData(
            pin=str(raw["pin"]),
            teams=[str(team) for team in raw.get("teams", [])],
            supervisors=[DemoSupervisor(s["name"], s["display"]) for s in raw["supervisors"]],
            placeholders={key: (int(low), int(high)) for key, (low, high) in raw.get("placeholders", {}).items()},
            entries=[EntryTemplate(e["lang"], e["category"], e["severity"], e["text"]) for e in raw["entries"]],
            handover=_handover_samples(raw.get("handover", {})),
            problems=tuple(
                Problem(p["category"], p["severity"], int(p["shifts_ago"]), list(p["lines"]), p.get("resolution"))
                for p in raw.get("problems", [])
            ),
            followups=tuple(
                DemoFollowUp(
                    f["title"],
                    f["kind"],
                    f.get("owner", ""),
                    f.get("customer", ""),
                    f.get("priority", "normal"),
                    float(f["opened_h"]),
                    float(f["due_h"]),
                    f.get("resolution"),
                )
                for f in raw.get("followups", [])
            ),
        )
    except FileNotFoundError:
        raise UserError(_("the demo data {path} is missing").format(path=path)) from None
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise UserError(_("the demo data {path} cannot be used: {reason}").format(path=path, reason=error)) from None


def _handover_samples(raw: dict[str, Any]) -> HandoverSamples:
    return HandoverSamples(
        signed=int(raw.get("signed", 0)),
        actions=tuple(raw.get("actions", ())),
        notices=tuple(raw.get("notices", ())),
        resolve_chance=float(raw.get("resolve_chance", 0.0)),
        resolutions=tuple(raw.get("resolutions", ())),
    )


def shift_spans(config: Config, now: datetime, count: int = SHIFT_COUNT) -> list[tuple[datetime, datetime]]:
    """The planned (start, end) of the `count` shifts up to the one containing `now`, oldest first, UTC."""
    spans: list[tuple[datetime, datetime]] = []
    moment = now
    for _index in range(count):
        _slot, start, end = config.slot_at(moment)
        spans.append((start.astimezone(UTC), end.astimezone(UTC)))
        moment = start - timedelta(seconds=1)
    return spans[::-1]


def build_demo(
    db: Database,
    config: Config,
    *,
    now: datetime,
    seed: int = DEFAULT_SEED,
    samples: SampleData | None = None,
) -> None:
    """Fill an empty database with a week of shifts of the config's team, the last one open."""
    _require_empty(db)
    samples = samples or load_sample_data()
    rng = random.Random(seed)
    now = now.astimezone(UTC)
    templates = _usable_templates(samples, config)
    for supervisor in samples.supervisors:
        supervisors.add_supervisor(db, supervisor.name, supervisor.display, samples.pin)
    spans = shift_spans(config, now)
    first_handover = len(spans) - 1 - samples.handover.signed
    handed_over: shifts.ShiftInfo | None = None  # opened by the last incoming signature
    raised: dict[int, int] = {}  # told problem (index) -> the entry that raised it
    for index, (start, end) in enumerate(spans):
        is_current = index == len(spans) - 1
        supervisor = samples.supervisors[index % len(samples.supervisors)]
        if handed_over is None:
            opened = min(start + timedelta(minutes=rng.randint(0, 6), seconds=rng.randint(0, 59)), now)
            shift = shifts.open_shift(db, config, supervisor.name, config.center.team, now=opened)
        else:
            shift, opened = handed_over, handed_over.opened_at
        last = now if is_current else end - timedelta(minutes=rng.randint(2, 10))
        _fill_shift(db, config, shift, samples, templates, supervisor, rng, opened, last)
        _tell_problems(db, config, shift, samples, rng, len(spans) - 1 - index, opened, last, raised)
        handed_over = None
        if is_current:
            break
        if index >= first_handover - 1:  # before the handovers: problems put right or carried
            _resolve_some(db, config, shift, samples, rng, last, set(raised.values()))
        if index >= first_handover:
            successor = samples.supervisors[(index + 1) % len(samples.supervisors)]
            handed_over = _hand_over(db, config, shift, samples, successor, rng, last, end)
        else:
            shifts.close_shift(db, shift.id, now=last + timedelta(minutes=1))
    _add_followups(db, config, samples, rng, now)
    # Ready before the change: the console drafts the current shift's handover in its last hour.
    draft_if_due(db, config, config.center.team, now)


def _tell_problems(
    db: Database,
    config: Config,
    shift: shifts.ShiftInfo,
    samples: SampleData,
    rng: random.Random,
    shifts_ago: int,
    opened: datetime,
    last: datetime,
    raised: dict[int, int],
) -> None:
    """The told problems' lines that fall in this shift, one per shift from where it was raised;
    each update is linked to the first line, as the supervisor would."""
    for number, problem in enumerate(samples.problems):
        step = problem.shifts_ago - shifts_ago
        if not 0 <= step < len(problem.lines):
            continue
        at = opened + (last - opened) * (0.3 + 0.1 * step)
        entry = log.add_entry(
            db,
            config,
            shift,
            samples.render(problem.lines[step], rng),
            category=problem.category,
            severity=problem.severity,
            at=at,
            now=at,
        )
        if number in raised:
            threads.link_same_problem(db, entry.id, raised[number], now=at)
        raised.setdefault(number, entry.id)
        if step == len(problem.lines) - 1 and problem.resolution and shifts_ago > 0:
            resolved_at = at + (last - at) / 2
            threads.resolve(db, config, shift, entry.id, problem.resolution, now=resolved_at)


def _resolve_some(
    db: Database,
    config: Config,
    shift: shifts.ShiftInfo,
    samples: SampleData,
    rng: random.Random,
    last: datetime,
    told: set[int],
) -> None:
    """Most problems are put right before the end of the shift; the rest are carried over."""
    for thread in threads.open_threads(db, config, shift.team, last):
        if thread.id not in told and samples.handover.resolutions and rng.random() < samples.handover.resolve_chance:
            note = rng.choice(samples.handover.resolutions)
            threads.resolve_thread(db, config, shift, thread, note, now=max(last, thread.latest.recorded_at))


def _hand_over(
    db: Database,
    config: Config,
    shift: shifts.ShiftInfo,
    samples: SampleData,
    successor: DemoSupervisor,
    rng: random.Random,
    last: datetime,
    end: datetime,
) -> shifts.ShiftInfo:
    """A signed handover at the end of the shift, as two supervisors would do it; returns the next shift."""
    started = handovers.start_handover(db, config, shift.team, now=last)
    notes = {
        "floor_status": rng.choice(("Calm at the end of the shift.", "交班时现场平稳。")),
        "actions": samples.render(rng.choice(samples.handover.actions), rng) if samples.handover.actions else "",
        "notices": rng.choice(samples.handover.notices) if samples.handover.notices else "",
    }
    for item in started.items:
        statuses = list(handovers.statuses_for(item.kind))
        note = notes.get(item.key, "")
        status = statuses[0] if note or not handovers.note_required(item.kind, statuses[0]) else "na"
        answer = handovers.answer if item.kind == "actions" else _answer_only
        answer(db, config, started.id, item.key, status, note, now=last)
    view = handovers.refresh_carried(db, config, started.id, now=last)
    handovers.confirm(db, config, started.id, [c.number for c in view.carried], now=last)
    handovers.sign_handover(db, config, started.id, "outgoing", shift.supervisor, samples.pin, now=end)
    handovers.sign_handover(db, config, started.id, "incoming", successor.name, samples.pin, now=end)
    opened = shifts.current_shift(db, shift.team)
    assert opened is not None
    return opened


def _answer_only(
    db: Database, config: Config, handover_id: int, key: str, status: str, note: str, now: datetime
) -> handovers.HandoverView:
    """Answer without refreshing the carried list (done once, after the last answer)."""
    return handovers.answer_item(db, handover_id, key, status, note, now)


def _add_followups(db: Database, config: Config, samples: SampleData, rng: random.Random, now: datetime) -> None:
    for sample in samples.followups:
        opened = now - timedelta(hours=sample.opened_h)
        created = followups.add_followup(
            db,
            config,
            samples.render(sample.title, rng),
            sample.kind,
            owner=sample.owner,
            customer=sample.customer,
            priority=sample.priority,
            due=now + timedelta(hours=sample.due_h),
            now=opened,
        )
        if sample.resolution:
            followups.close_followup(db, created.id, sample.resolution, now=now - timedelta(hours=1))


def _usable_templates(samples: SampleData, config: Config) -> dict[str, list[EntryTemplate]]:
    """Templates by language; a category this center does not have goes to its first one."""
    default_category = config.log.categories[0].key
    by_language: dict[str, list[EntryTemplate]] = {}
    for template in samples.entries:
        if config.category(template.category) is None:
            template = EntryTemplate(template.lang, default_category, template.severity, template.text)
        by_language.setdefault(template.lang, []).append(template)
    if not by_language:
        raise UserError(_("the demo data has no log entry templates"))
    return by_language


def _fill_shift(
    db: Database,
    config: Config,
    shift: shifts.ShiftInfo,
    samples: SampleData,
    templates: dict[str, list[EntryTemplate]],
    supervisor: DemoSupervisor,
    rng: random.Random,
    opened: datetime,
    last: datetime,
) -> None:
    span = last - opened
    count = rng.randint(*ENTRIES_PER_SHIFT)
    recorded_times = sorted((opened + span * rng.random()).replace(microsecond=0) for _index in range(count))
    languages = sorted(templates)
    correctable: list[tuple[log.LogEntryView, EntryTemplate]] = []
    for recorded in recorded_times:
        language = supervisor.language if rng.random() < PREFERRED_LANGUAGE_SHARE else rng.choice(languages)
        template = rng.choice(templates.get(language) or templates[languages[0]])
        # Most entries are written as it happens, some a few minutes after the event.
        delay = timedelta(minutes=rng.choice((0, 0, 0, 2, 5, 12)))
        entry = log.add_entry(
            db,
            config,
            shift,
            samples.render(template, rng),
            category=template.category,
            severity=template.severity,
            at=max(recorded - delay, opened),
            now=max(recorded, opened),
        )
        if template.has_placeholders:
            correctable.append((entry, template))
    if correctable and rng.random() < CORRECTION_CHANCE:
        original, template = rng.choice(correctable)
        # A figure was noted wrongly and is put right a little later.
        when = min(original.recorded_at + timedelta(minutes=rng.randint(3, 25)), last)
        log.correct_entry(db, config, original.id, samples.render(template, rng), now=when)


def _require_empty(db: Database) -> None:
    with db.engine.connect() as connection:
        rows = sum(
            connection.execute(select(func.count()).select_from(table)).scalar_one() for table in (Supervisor, Shift)
        )
    if rows:
        raise UserError(_("the demo can only be built in an empty database"))


def prepare_demo_database(
    path: Path | None = None,
    *,
    fresh: bool = False,
    config_path: Path | None = None,
    config: Config | None = None,
    now: datetime | None = None,
    seed: int = DEFAULT_SEED,
) -> Path:
    """The demo database file (default: the user cache dir), built if missing or `fresh`.

    The config is `config`, else the file at `config_path` (which must then exist), else
    the user's config if there is one: the same choice `open_context` makes, so the demo's
    shifts belong to the team and follow the pattern the app will show. The database is
    built under a temporary name and moved into place when complete, so an interrupted
    build never leaves a half-filled demo behind; an existing demo is kept as it is
    (with whatever was added to it) unless `fresh`.
    """
    target = path or paths.demo_database_path()
    if target.exists() and not fresh:
        return target
    if config is None:
        config = load_config(config_path or paths.default_config_path(), required=config_path is not None)
    building = target.with_name(target.name + ".building")
    _remove_database_files(building)
    db = open_database(building)
    try:
        build_demo(db, config, now=now or clock.utcnow(), seed=seed)
    except BaseException:
        db.close()
        _remove_database_files(building)
        raise
    db.close()
    _remove_database_files(target)
    os.replace(building, target)
    return target


def _remove_database_files(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        candidate.unlink(missing_ok=True)
