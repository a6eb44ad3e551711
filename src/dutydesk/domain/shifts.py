"""Shifts: opened by a supervisor for a team, planned from the shift pattern, then closed."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from dutydesk import clock
from dutydesk.config import Config
from dutydesk.domain.supervisors import get_supervisor
from dutydesk.domain.views import ShiftInfo as ShiftInfo  # defined with the views, used from here by everyone
from dutydesk.domain.views import pick_open_shift
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.store.db import Database
from dutydesk.store.tables import Shift, Supervisor

OPEN, CLOSED = "open", "closed"


def _info(shift: Shift, supervisor: Supervisor) -> ShiftInfo:
    assert shift.id is not None
    return ShiftInfo(
        id=shift.id,
        team=shift.team,
        slot_key=shift.slot_key,
        supervisor=supervisor.name,
        supervisor_display=supervisor.display_name,
        status=shift.status,
        planned_start=shift.planned_start,
        planned_end=shift.planned_end,
        opened_at=shift.opened_at,
        closed_at=shift.closed_at,
    )


def _shifts_query() -> Select[Shift, Supervisor]:
    return select(Shift, Supervisor).join(Supervisor, col(Shift.supervisor_id) == Supervisor.id)


def open_shift(
    db: Database,
    config: Config,
    supervisor_name: str,
    team: str | None = None,
    now: datetime | None = None,
    *,
    planned_for: datetime | None = None,
    new_team: bool = False,
) -> ShiftInfo:
    """Open a shift now, planned as the pattern's slot that holds `planned_for` (default: now).
    A team that never had a shift, other than this console's own, only with `new_team`."""
    supervisor = get_supervisor(db, supervisor_name)
    team = (team or config.center.team).strip()
    if not team:
        raise UserError(_("the team name is empty"))
    if not new_team and team != config.center.team:
        _refuse_unknown_team(db, team)
    moment = now or clock.utcnow()
    existing = current_shift(db, team)
    if existing:
        raise UserError(_already_open(existing))
    with db.session() as session:
        shift = add_shift(session, config, supervisor.id, team, moment, planned_for or moment)
        try:
            session.commit()
        except IntegrityError:  # another console opened one a moment ago
            session.rollback()
            raise UserError(_already_open(current_shift(db, team))) from None
        return get_shift(db, shift.id)


def add_shift(
    session: Session, config: Config, supervisor_id: int, team: str, opened_at: datetime, planned_for: datetime
) -> Shift:
    """Add an open shift to the unit of work `session`, planned as the slot that holds `planned_for`."""
    slot, planned_start, planned_end = config.slot_at(planned_for)
    shift = Shift(
        team=team,
        slot_key=slot.key,
        supervisor_id=supervisor_id,
        planned_start=planned_start,
        planned_end=planned_end,
        opened_at=opened_at,
    )
    session.add(shift)
    session.flush()
    return shift


def _refuse_unknown_team(db: Database, team: str) -> None:
    """A mistyped team would open a second shift beside the real one."""
    with db.engine.connect() as connection:
        teams = list(connection.execute(select(Shift.team).distinct().order_by(Shift.team)).scalars())
    if teams and team not in teams:
        raise UserError(
            _(
                "team {team} has never had a shift (teams: {teams}): check the name, or open its first shift with "
                "`dutydesk shift open --new-team`"
            ).format(team=team, teams=", ".join(teams))
        )


def _already_open(shift: ShiftInfo | None) -> str:
    if shift is None:
        return _("a shift is already open for this team")
    return _("shift #{id} of team {team} is already open (supervisor {name}); close it first").format(
        id=shift.id, team=shift.team, name=shift.supervisor_display
    )


def current_shift(db: Database, team: str | None = None, *, home_team: str | None = None) -> ShiftInfo | None:
    """The open shift of `team`. Without a team: the only open shift or, when several
    teams have one open, the one of `home_team` (this console's own team)."""
    query = _shifts_query().where(Shift.status == OPEN)
    if team is not None:
        query = query.where(Shift.team == team)
    with db.session() as session:
        return pick_open_shift([_info(*row) for row in session.exec(query)], home_team)


def console_shift(db: Database, home_team: str) -> ShiftInfo | None:
    """The open shift a console works in: its own team's, else the only open one; none when
    several teams have one open and none is the console's (the user opens or picks one)."""
    try:
        return current_shift(db, home_team=home_team)
    except UserError:
        return None


def require_current_shift(db: Database, team: str | None = None, *, home_team: str | None = None) -> ShiftInfo:
    shift = current_shift(db, team, home_team=home_team)
    if shift is None:
        raise UserError(_("no shift is open: open one with `dutydesk shift open --supervisor NAME`"))
    return shift


def close_shift(db: Database, shift_id: int, now: datetime | None = None) -> ShiftInfo:
    with db.session() as session:
        close_in(session, shift_id, now or clock.utcnow())
        session.commit()
    return get_shift(db, shift_id)


def close_in(session: Session, shift_id: int, now: datetime) -> None:
    """Close shift `shift_id` in the unit of work `session` (committed by the caller)."""
    shift = session.get(Shift, shift_id)
    if shift is None:
        raise UserError(_("no shift #{id}").format(id=shift_id))
    if shift.status == CLOSED:
        raise UserError(_("shift #{id} is already closed").format(id=shift_id))
    shift.status = CLOSED
    shift.closed_at = now
    session.add(shift)
    session.flush()


def get_shift(db: Database, shift_id: int | None) -> ShiftInfo:
    with db.session() as session:
        row = session.exec(_shifts_query().where(Shift.id == shift_id)).first()
    if row is None:
        raise UserError(_("no shift #{id}").format(id=shift_id))
    return _info(*row)


def latest_shift(db: Database) -> ShiftInfo | None:
    """The open shift if there is one, else the one closed last."""
    query = _shifts_query().order_by(col(Shift.status) == CLOSED, col(Shift.opened_at).desc(), col(Shift.id).desc())
    with db.session() as session:
        row = session.exec(query.limit(1)).first()
    return _info(*row) if row else None


def chosen_shift(db: Database, shift_id: int | None, *, home_team: str | None = None) -> ShiftInfo:
    """Shift `shift_id`; without one, the open shift of `home_team` (this console's team),
    else the open or last closed shift of any team."""
    if shift_id is not None:
        return get_shift(db, shift_id)
    shift = (current_shift(db, home_team) if home_team else None) or latest_shift(db)
    if shift is None:
        raise UserError(_("no shift yet: open one with `dutydesk shift open --supervisor NAME`"))
    return shift


def list_shifts(db: Database, limit: int = 50) -> list[ShiftInfo]:
    query = _shifts_query().order_by(col(Shift.opened_at).desc(), col(Shift.id).desc()).limit(limit)
    with db.session() as session:
        return [_info(*row) for row in session.exec(query)]
