"""Follow-ups: complaint deadlines and numbers, tickets, due times, history, overdue order."""

from datetime import UTC, datetime, timedelta

import pytest

from dutydesk.domain import followups, shifts
from dutydesk.errors import UserError

SPECIAL = "客户 | `rm *` <b>#1</b> _急_ \\ 完"
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.mark.parametrize(
    ("urgency", "respond", "resolve", "priority"),
    [
        ("urgent", timedelta(minutes=30), None, "urgent"),
        ("general", timedelta(hours=2), timedelta(hours=48), "normal"),
        ("suggestion", timedelta(hours=24), None, "normal"),
    ],
)
def test_complaint_deadlines_follow_the_urgency(db, config, urgency, respond, resolve, priority) -> None:  # type: ignore[no-untyped-def]
    item = followups.add_followup(
        db, config, "物流延误三天", "complaint", urgency=urgency, complaint_type="logistics_delay", now=NOW
    )
    assert item.due_at == NOW + respond
    assert item.resolve_by == (NOW + resolve if resolve else None)
    assert item.priority == priority and item.urgency == urgency


def test_complaint_numbers_are_unique_per_day(db, config) -> None:  # type: ignore[no-untyped-def]
    numbers = [followups.add_followup(db, config, f"c{i}", "complaint", now=NOW).complaint_number for i in range(3)]
    assert numbers == ["C-20261126-0001", "C-20261126-0002", "C-20261126-0003"]
    next_day = followups.add_followup(db, config, "c", "complaint", now=NOW + timedelta(days=1))
    assert next_day.complaint_number == "C-20261127-0001"
    assert followups.add_followup(db, config, "t", "ticket", now=NOW).complaint_number is None


def test_tickets_are_chased_after_the_accept_window(db, config) -> None:  # type: ignore[no-untyped-def]
    ticket = followups.add_followup(db, config, "退款工单", "ticket", owner="Finance 财务部", now=NOW)
    assert ticket.due_at == NOW + timedelta(minutes=config.followups.ticket_accept_within_min)
    other = followups.add_followup(db, config, "VIP 回电", "special_customer", now=NOW)
    assert other.due_at == NOW + timedelta(minutes=config.followups.default_due_min)


def test_every_free_text_field_keeps_special_characters(db, config) -> None:  # type: ignore[no-untyped-def]
    item = followups.add_followup(
        db, config, SPECIAL, "ticket", details=SPECIAL, customer=SPECIAL, owner=SPECIAL, now=NOW
    )
    followups.add_note(db, item.id, SPECIAL, now=NOW)
    followups.chase(db, item.id, SPECIAL, now=NOW)
    closed = followups.close_followup(db, item.id, SPECIAL, now=NOW + timedelta(minutes=1))
    assert (closed.title, closed.details, closed.customer, closed.owner, closed.resolution) == (SPECIAL,) * 5
    assert [(h.kind, h.text) for h in closed.history or []] == [
        ("created", ""),
        ("note", SPECIAL),
        ("chase", SPECIAL),
        ("close", SPECIAL),
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "rumour"}, "unknown kind 'rumour'"),
        ({"kind": "ticket", "priority": "asap"}, "unknown priority 'asap'"),
        ({"kind": "complaint", "urgency": "now"}, "unknown urgency 'now'"),
        ({"kind": "complaint", "complaint_type": "weather"}, "unknown complaint type 'weather'"),
        ({"kind": "ticket", "urgency": "urgent"}, "for complaints only"),
        ({"kind": "ticket", "title": " "}, "the title is empty"),
        ({"kind": "ticket", "details": "bad \udcff"}, "not UTF-8"),
    ],
)
def test_bad_follow_ups_are_refused(db, config, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    kwargs = {"title": "x", **kwargs}
    with pytest.raises(UserError, match=message):
        followups.add_followup(db, config, **kwargs)
    assert followups.list_followups(db) == []


def test_closed_items_refuse_changes(db, config) -> None:  # type: ignore[no-untyped-def]
    item = followups.add_followup(db, config, "x", "ticket", now=NOW)
    with pytest.raises(UserError, match="resolution is empty"):
        followups.close_followup(db, item.id, "")
    followups.close_followup(db, item.id, "done")
    for call in (
        lambda: followups.close_followup(db, item.id, "again"),
        lambda: followups.add_note(db, item.id, "late"),
        lambda: followups.chase(db, item.id),
    ):
        with pytest.raises(UserError, match="already closed"):
            call()
    with pytest.raises(UserError, match="no follow-up #99"):
        followups.add_note(db, 99, "x")


def test_due_change_needs_a_reason_and_is_in_the_history(db, config) -> None:  # type: ignore[no-untyped-def]
    item = followups.add_followup(db, config, "x", "ticket", now=NOW)
    with pytest.raises(UserError, match="reason is empty"):
        followups.change_due(db, config, item.id, NOW + timedelta(hours=3), " ")
    changed = followups.change_due(db, config, item.id, NOW + timedelta(hours=3), "客户改约 | 下午", now=NOW)
    assert changed.due_at == NOW + timedelta(hours=3)
    assert changed.history and changed.history[-1].text == "11-26 10:30 → 11-26 13:00: 客户改约 | 下午"
    waiting = followups.set_status(db, item.id, "waiting", now=NOW)
    assert waiting.status == "waiting"
    with pytest.raises(UserError, match="already waiting"):
        followups.set_status(db, item.id, "waiting")
    with pytest.raises(UserError, match="unknown status 'closed'"):
        followups.set_status(db, item.id, "closed")


def test_overdue_items_come_first_and_carry_over_shift_changes(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    later = followups.add_followup(db, config, "later", "ticket", due=NOW + timedelta(hours=5), now=NOW)
    late = followups.add_followup(db, config, "late", "ticket", due=NOW - timedelta(hours=1), now=NOW)
    soon = followups.add_followup(db, config, "soon", "ticket", due=NOW + timedelta(minutes=5), now=NOW)
    done = followups.add_followup(db, config, "done", "ticket", due=NOW - timedelta(hours=9), now=NOW)
    followups.close_followup(db, done.id, "ok")
    assert [f.id for f in followups.list_followups(db, now=NOW)] == [late.id, soon.id, later.id, done.id]
    assert [f.id for f in followups.list_followups(db, overdue_only=True, now=NOW)] == [late.id]
    shifts.close_shift(db, shift.id)
    shifts.open_shift(db, config, "wang")
    carried = followups.open_followups(db)
    assert [f.id for f in carried] == [late.id, soon.id, later.id]
    assert carried[0].overdue(NOW) and not carried[1].overdue(NOW)
    shown = carried[0].as_json(config, NOW)
    assert shown["due"] == "2026-11-26T09:00:00+08:00" and shown["overdue"] is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+30m", NOW + timedelta(minutes=30)),
        ("+2h", NOW + timedelta(hours=2)),
        ("+1d", NOW + timedelta(days=1)),
        ("2026-11-26T14:00", datetime(2026, 11, 26, 6, 0, tzinfo=UTC)),
        ("2026-11-26T14:00+00:00", datetime(2026, 11, 26, 14, 0, tzinfo=UTC)),
        ("2026-11-26 09:00", datetime(2026, 11, 26, 1, 0, tzinfo=UTC)),
    ],
)
def test_due_times_parse(config, text, expected) -> None:  # type: ignore[no-untyped-def]
    assert followups.parse_due(text, config, NOW) == expected


@pytest.mark.parametrize("text", ["tomorrow", "+2x", "2026-13-01", ""])
def test_bad_due_times_are_refused(config, text) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="bad due time"):
        followups.parse_due(text, config, NOW)


def test_late_text() -> None:
    assert followups.late_text(NOW, NOW + timedelta(minutes=12)) == "12 min"
    assert followups.late_text(NOW, NOW + timedelta(hours=2, minutes=5)) == "2 h 05 min"
    assert followups.late_text(NOW, NOW + timedelta(days=3, hours=1)) == "3 d 1 h"
