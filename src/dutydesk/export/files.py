"""Writing shift summaries to files: readable names, atomic writes, one file per shift.

A file is written under a temporary name in the target's own directory and moved into
place with `os.replace`, so a reader (or a crash) never sees half a summary; an existing
file is replaced only when the caller says so (`force`).
"""

import os
import re
import secrets
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import distinct, func
from sqlmodel import col, select

from dutydesk.config import Config
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.errors import UserError
from dutydesk.export.sections import render_summary
from dutydesk.export.summary import gather_summary
from dutydesk.i18n import _
from dutydesk.store.db import Database
from dutydesk.store.tables import Shift

UNSAFE_IN_NAME = re.compile(r"[^\w-]+")


def several_teams(db: Database) -> bool:
    """Whether shifts of more than one team are stored (then file names carry the team)."""
    with db.engine.connect() as connection:
        return connection.execute(select(func.count(distinct(col(Shift.team))))).scalar_one() > 1


def summary_file_name(shift: ShiftInfo, config: Config, *, with_team: bool = False) -> str:
    """E.g. `2026-11-23-day-shift.md`, or `2026-11-23-B-night-shift.md` with the team."""
    day = shift.planned_start.astimezone(config.zone).date().isoformat()
    team = UNSAFE_IN_NAME.sub("-", shift.team).strip("-")
    parts = [day, team] if with_team and team else [day]
    return "-".join([*parts, shift.slot_key.replace("_", "-"), "shift"]) + ".md"


def write_atomically(path: Path, text: str, *, force: bool = False) -> None:
    """Write `text` (UTF-8) to `path` in one step; refuse an existing file unless `force`."""
    if path.exists() and not force:
        raise UserError(_("{path} exists: use --force to replace it").format(path=path))
    if not path.parent.is_dir():
        raise UserError(_("cannot write {path}: no such directory").format(path=path))
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        # os.open applies the umask, unlike mkstemp's private 0600.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise UserError(_("cannot write {path}: {reason}").format(path=path, reason=error.strerror or error)) from None


def shifts_since(db: Database, config: Config, since: date | None) -> list[int]:
    """Ids of the shifts planned to start on or after the local day `since` (None: all), oldest first."""
    query = select(Shift.id).order_by(col(Shift.planned_start), col(Shift.id))
    if since is not None:
        start = datetime.combine(since, datetime.min.time(), tzinfo=config.zone).astimezone(UTC)
        query = query.where(Shift.planned_start >= start)
    with db.engine.connect() as connection:
        return list(connection.execute(query).scalars())


def export_all(
    db: Database,
    config: Config,
    since: date | None,
    directory: Path,
    *,
    force: bool = False,
    language: str | None = None,
    now: datetime | None = None,
    allow_invalid: bool = False,
) -> list[Path]:
    """One summary file per shift since `since` (None: all); nothing is written if a file exists (no `force`)
    or, unless `allow_invalid`, if a shift's record does not verify."""
    with_team = several_teams(db)
    summaries = [gather_summary(db, config, shift_id, now=now) for shift_id in shifts_since(db, config, since)]
    if not allow_invalid:
        refuse_invalid([problem for summary in summaries for problem in summary.seal_problems])
    paths: list[Path] = []
    for summary in summaries:
        name = summary_file_name(summary.shift, config, with_team=with_team)
        path = directory / name
        if path in paths:  # a second shift of the same slot that day (closed and reopened)
            path = directory / name.replace(".md", f"-{summary.shift.id}.md")
        paths.append(path)
    existing = [path for path in paths if path.exists()]
    if existing and not force:
        raise UserError(
            _("{path} exists ({count} of the files): use --force to replace them").format(
                path=existing[0], count=len(existing)
            )
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(_("cannot create {path}: {reason}").format(path=directory, reason=error.strerror)) from None
    for summary, path in zip(summaries, paths, strict=True):
        write_atomically(path, render_summary(summary, language), force=True)
    return paths


def refuse_invalid(problems: list[str]) -> None:
    """Refuse to export a record that does not verify (the first problem says why)."""
    if problems:
        raise UserError(
            _(
                "the record does not verify ({problem}): see `dutydesk verify`; export anyway with --allow-invalid"
            ).format(problem=problems[0])
        )


def save_to_export_dir(db: Database, config: Config, shift: ShiftInfo, text: str) -> Path:
    """Save a rendered summary under the readable name in the configured export directory."""
    return save_in_export_dir(config, summary_file_name(shift, config, with_team=several_teams(db)), text)


def save_in_export_dir(config: Config, name: str, text: str) -> Path:
    """Save `text` as `name` in the configured export directory.

    Never replaces a file: a second save under the same name gets `-2`, `-3`, … appended.
    """
    directory = config.export.directory()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(_("cannot create {path}: {reason}").format(path=directory, reason=error.strerror)) from None
    path, number = directory / name, 1
    while path.exists():
        number += 1
        path = directory / name.replace(".md", f"-{number}.md")
    write_atomically(path, text)
    return path
