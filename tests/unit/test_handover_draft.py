"""Ready before the change: the handover is drafted from the shift an hour before it ends."""

from datetime import timedelta

from dutydesk.domain import handover as ho
from dutydesk.domain import log
from dutydesk.export.draft import draft_if_due


def test_the_draft_appears_sixty_minutes_before_the_end(db, config, shift, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    assert config.handover.draft_before_end_min == 60
    problem = log.add_entry(db, config, shift, "CRM slow", category="system_status", severity="warning")
    frozen_clock.set(shift.planned_end - timedelta(minutes=61))
    assert draft_if_due(db, config) is None and ho.handover_of_shift(db, shift.id) is None

    frozen_clock.advance(timedelta(minutes=1))
    notice = draft_if_due(db, config)
    assert notice is not None and notice.drafted_now
    assert notice.text(frozen_clock.now) == f"Handover #{notice.handover_id} drafted: the shift ends in 60 min"
    draft = ho.get_handover(db, notice.handover_id)
    assert draft.status == "draft" and draft.signatures == [] and draft.progress()[0] == 0  # nothing answered
    floor = next(item for item in draft.items if item.kind == "floor_status")
    assert floor.status is None
    assert floor.note.splitlines()[1:] == [
        "Figures: none stored for this shift.",
        "Alerts: 0 fired, 0 still active.",
        "Incidents: none.",
    ]
    assert [c.ref for c in draft.carried] == [problem.id]
    assert ho.verify_handovers(db).ok  # the drafted note is sealed like any answer

    frozen_clock.advance(timedelta(minutes=30))
    again = draft_if_due(db, config)
    assert again is not None and not again.drafted_now and again.handover_id == notice.handover_id
    assert again.text(frozen_clock.now) == f"Handover #{notice.handover_id} drafted: the shift ends in 30 min"


def test_a_handover_already_started_is_left_as_it_is(db, config, shift, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    started = ho.start_handover(db, config)
    ho.answer_item(db, started.id, "floor_status", "stable", "Quiet")
    frozen_clock.set(shift.planned_end - timedelta(minutes=10))
    notice = draft_if_due(db, config)
    assert notice is not None and not notice.drafted_now
    floor = next(item for item in ho.get_handover(db, started.id).items if item.key == "floor_status")
    assert (floor.status, floor.note) == ("stable", "Quiet")
