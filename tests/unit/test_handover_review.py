"""The handover while it is reviewed: live carried list, action lines as follow-ups, read-back."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from conftest import TEST_PIN
from dutydesk import clock
from dutydesk.domain import actions, followups, log, supervisors, threads
from dutydesk.domain import handover as ho
from dutydesk.errors import UserError

INCOMING_PIN = "135790"


@pytest.fixture
def incoming(db):  # type: ignore[no-untyped-def]
    return supervisors.add_supervisor(db, "li", "李娜", INCOMING_PIN)


def answer_everything(db, config, handover_id: int, actions: str = "") -> ho.HandoverView:  # type: ignore[no-untyped-def]
    view = ho.get_handover(db, handover_id)
    for item in view.items:
        status = "stable" if item.kind == "floor_status" else ("ok" if item.key in ("actions", "notices") else "na")
        note = {"floor_status": "calm", "actions": actions or "none", "notices": "New refund rule from 12:00"}
        view = ho.answer(db, config, handover_id, item.key, status, note.get(item.key, ""))
    return view


def read_back_everything(db, config, view: ho.HandoverView) -> ho.HandoverView:  # type: ignore[no-untyped-def]
    bulk, flagged = ho.confirmable_together(view, [c.number for c in view.carried])
    view = ho.confirm(db, config, view.id, bulk)
    assert len(view.unconfirmed()) == flagged
    return ho.confirm(db, config, view.id, [c.number for c in view.unconfirmed()])


def sign_both(db, config, handover_id: int) -> ho.HandoverView:  # type: ignore[no-untyped-def]
    ho.sign_handover(db, config, handover_id, "outgoing", "wang", TEST_PIN)
    return ho.sign_handover(db, config, handover_id, "incoming", "li", INCOMING_PIN)


def test_the_carried_list_follows_the_log_until_the_outgoing_signature(db, config, shift, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    early = log.add_entry(db, config, shift, "CRM slow", category="system_status", severity="warning")
    started = ho.start_handover(db, config)
    assert [c.ref for c in started.carried] == [early.id]
    started = ho.confirm(db, config, started.id, [1])
    frozen_clock.advance(timedelta(minutes=20))
    late = log.add_entry(db, config, shift, "IVR drops calls", category="defect", severity="critical")
    view = ho.refresh_carried(db, config, started.id)
    assert [(c.ref, c.confirmed_at is not None) for c in view.carried] == [(early.id, True), (late.id, False)]
    threads.resolve(db, config, shift, early.id, "CRM back")
    view = ho.refresh_carried(db, config, started.id)
    assert [c.ref for c in view.carried] == [late.id]


def test_a_changed_problem_is_read_back_again(db, config, shift, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    problem = log.add_entry(db, config, shift, "CRM slow", category="system_status", severity="warning")
    started = ho.start_handover(db, config)
    ho.confirm(db, config, started.id, [1])
    log.correct_entry(db, config, problem.id, "CRM slow, logins take 30 s")
    [carried] = ho.refresh_carried(db, config, started.id).carried
    assert carried.text == "CRM slow, logins take 30 s" and carried.confirmed_at is None


def test_an_action_line_becomes_a_follow_up_carried_to_the_next_handover(  # type: ignore[no-untyped-def]
    db, config, shift, incoming, frozen_clock
) -> None:
    started = ho.start_handover(db, config)
    view = answer_everything(db, config, started.id, "Call back TS-5026 @IT by 09:00\n\nCheck the IVR text")
    actions = next(item for item in view.items if item.key == "actions")
    [callback, ivr] = sorted(followups.open_followups(db), key=lambda f: f.title)
    assert actions.note.splitlines()[0] == f"#{callback.id} Call back TS-5026 @IT by 09:00"
    assert (callback.kind, callback.title, callback.owner) == ("action", "Call back TS-5026", "IT")
    due = callback.due_at.astimezone(config.zone)
    assert (due.hour, due.minute) == (9, 0) and timedelta(0) < callback.due_at - frozen_clock.now <= timedelta(days=1)
    assert f"#{ivr.id} Check the IVR text" in actions.note
    # Answering the list again links to the same follow-ups instead of making new ones.
    ho.answer(db, config, started.id, "actions", "ok", actions.note)
    assert len(followups.open_followups(db)) == 2
    assert {c.ref for c in view.carried if c.source == "follow_up"} == {callback.id, ivr.id}

    sign_both(db, config, read_back_everything(db, config, view).id)
    following = ho.start_handover(db, config)
    assert {c.ref for c in following.carried if c.source == "follow_up"} == {callback.id, ivr.id}


def test_a_bad_action_line_makes_no_follow_up(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    started = ho.start_handover(db, config)
    with pytest.raises(UserError, match="bad time"):
        ho.answer(db, config, started.id, "actions", "ok", "Call the bank\nCheck logs by 25:99")
    assert followups.open_followups(db) == []


def test_read_back_items_are_acknowledged_one_by_one_and_signed(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    log.add_entry(db, config, shift, "CRM slow", category="system_status", severity="warning")
    started = ho.start_handover(db, config)
    view = answer_everything(db, config, started.id)
    notice = next(c for c in view.carried if c.item_key == "notices")
    assert notice.flagged and notice.text == "New refund rule from 12:00" and notice.source == "item"
    bulk, flagged = ho.confirmable_together(view, [c.number for c in view.carried])
    assert flagged == 2 and notice.number not in bulk  # the problem and the notice
    view = read_back_everything(db, config, view)
    signed = sign_both(db, config, view.id)
    assert signed.status == "signed" and ho.verify_handovers(db).ok
    # Changing an acknowledgement afterwards is caught.
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE handover_carried SET confirmed_at = '2020-01-01 00:00:00' WHERE position = :n"),
            {"n": notice.number},
        )
    assert [p.what for p in ho.verify_handovers(db).problems] == [
        f"confirmation of carried-over item {notice.number} changed after signing"
    ]


def test_a_changed_notice_must_be_read_back_again(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    started = ho.start_handover(db, config)
    ho.answer(db, config, started.id, "notices", "ok", "Refund rule changes at 12:00")
    view = ho.confirm(db, config, started.id, [c.number for c in ho.get_handover(db, started.id).carried])
    assert view.unconfirmed() == []
    view = ho.answer(db, config, started.id, "notices", "ok", "Refund rule changes at 14:00")
    assert [c.text for c in view.unconfirmed()] == ["Refund rule changes at 14:00"]


def test_a_section_is_confirmed_at_once_except_what_is_read_back_one_by_one(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    log.add_entry(db, config, shift, "CRM slow", category="system_status", severity="warning")
    followups.add_followup(db, config, "Call back TS-5026", "ticket", owner="IT")
    started = ho.refresh_carried(db, config, ho.start_handover(db, config).id)
    readiness = ho.section_review(started, "readiness")
    assert [item.key for item in readiness.items][:2] == ["equipment", "telephony"] and len(readiness.items) == 7
    situation = ho.section_review(started, "situation")
    assert [item.key for item in situation.items] == ["unfinished", "special_customers", "anomalies", "notices"]
    assert [c.source for c in situation.carried] == ["follow_up"] and [c.source for c in situation.flagged] == [
        "log_thread"
    ]
    view = ho.confirm_section(db, config, started.id, "situation")
    floor = next(item for item in view.items if item.key == "floor_status")
    assert floor.status is None  # needs a status and a note: never answered in bulk
    assert [c.source for c in view.unconfirmed()] == ["log_thread"]
    assert ho.section_review(view, "situation").empty


def test_a_carried_problem_is_resolved_or_kept_open_from_the_checklist(db, config, shift, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    log.add_entry(db, config, shift, "CRM slow", category="system_status", severity="warning")
    ivr = log.add_entry(db, config, shift, "IVR drops calls", category="defect", severity="critical")
    started = ho.start_handover(db, config)
    frozen_clock.advance(timedelta(minutes=5))
    view = ho.resolve_carried(db, config, started.id, 1, "CRM back after restart")
    assert [(c.number, c.ref) for c in view.carried] == [(2, ivr.id)]  # numbers stay: 1 is gone
    assert threads.team_threads(db, config, shift.team)[0].resolution.text == "CRM back after restart"  # type: ignore[union-attr]
    view = ho.still_open(db, config, started.id, 2, "IVR vendor on site, fix expected 14:00")
    [carried] = view.carried
    assert (
        carried.shown(config.zone) == "IVR vendor on site, fix expected 14:00 (logged 2 times)" and carried.confirmed_at
    )
    with pytest.raises(UserError, match="the note is empty"):
        ho.still_open(db, config, started.id, 2, "  ")
    with pytest.raises(UserError, match=r"no carried-over item 1 \(its items: 2\)"):
        ho.still_open(db, config, started.id, 1, "resolved already")
    followups.add_followup(db, config, "Call back", "ticket")
    view = ho.refresh_carried(db, config, started.id)
    assert [c.number for c in view.carried] == [2, 3]  # carried later: after the others
    with pytest.raises(UserError, match="item 3 is not a problem from the duty log"):
        ho.resolve_carried(db, config, started.id, 3, "done")


def test_numbers_stay_when_more_is_carried_so_confirm_n_names_the_same_row(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    log.add_entry(db, config, shift, "CRM slow", category="system_status", severity="warning")
    followups.add_followup(db, config, "Call back VIP", "ticket")
    started = ho.start_handover(db, config)
    before = {c.number: (c.source, c.ref) for c in started.carried}
    log.add_entry(db, config, shift, "IVR drops calls", category="defect", severity="critical")  # a new problem
    view = ho.refresh_carried(db, config, started.id)
    after = {c.number: (c.source, c.ref) for c in view.carried}
    assert {number: after[number] for number in before} == before and len(after) == len(before) + 1
    new_number = max(after)
    confirmed = ho.confirm(db, config, started.id, [new_number])
    assert [c.number for c in confirmed.carried if c.confirmed_at is not None] == [new_number]


@pytest.mark.parametrize(
    ("line", "title", "owner"),
    [
        ("Call back TS-5026 @IT by 09:00", "Call back TS-5026", "IT"),
        (
            "Call back TS-5242 about the double charge @VIP desk by +2h",
            "Call back TS-5242 about the double charge",
            "VIP desk",
        ),
        ("回访投诉客户 @质检 组 截止 09:00", "回访投诉客户", "质检 组"),
        ("Check the IVR text", "Check the IVR text", ""),
        ("mail a@b.example about it", "mail a@b.example about it", ""),
    ],
)
def test_an_action_names_its_owner_after_the_at_sign_spaces_and_all(config, line, title, owner) -> None:  # type: ignore[no-untyped-def]
    action = actions.parse_line(line, config, clock.utcnow())
    assert (action.title, action.owner) == (title, owner)
