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

from sqlalchemy import func, select

from dutydesk import clock, paths
from dutydesk.config import Config, load_config
from dutydesk.domain import log, shifts, supervisors
from dutydesk.errors import UserError
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
class SampleData:
    pin: str
    teams: list[str]
    supervisors: list[DemoSupervisor]
    placeholders: dict[str, tuple[int, int]]
    entries: list[EntryTemplate]

    def render(self, template: EntryTemplate, rng: random.Random) -> str:
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

        return PLACEHOLDER.sub(value, template.text)


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
        )
    except FileNotFoundError:
        raise UserError(_("the demo data {path} is missing").format(path=path)) from None
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise UserError(_("the demo data {path} cannot be used: {reason}").format(path=path, reason=error)) from None


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
    for index, (start, end) in enumerate(spans):
        is_current = index == len(spans) - 1
        supervisor = samples.supervisors[index % len(samples.supervisors)]
        opened = min(start + timedelta(minutes=rng.randint(0, 6), seconds=rng.randint(0, 59)), now)
        shift = shifts.open_shift(db, config, supervisor.name, config.center.team, now=opened)
        last = now if is_current else end - timedelta(minutes=rng.randint(2, 10))
        _fill_shift(db, config, shift, samples, templates, supervisor, rng, opened, last)
        if not is_current:
            shifts.close_shift(db, shift.id, now=last + timedelta(minutes=1))


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
