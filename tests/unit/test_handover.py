"""The handover: checklist, carried-over items, signing, freezing, lock-out and verification."""

import json
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from conftest import TEST_PIN, default_config
from dutydesk import clock
from dutydesk.domain import handover as ho
from dutydesk.domain import log, shifts, supervisors, threads
from dutydesk.errors import UserError

INCOMING_PIN = "135790"
SPECIAL = "客户 `rm *` | <b>#1</b> _urgent_ \\ 完成\nsecond line"


@pytest.fixture
def incoming(db):  # type: ignore[no-untyped-def]
    return supervisors.add_supervisor(db, "li", "李娜", INCOMING_PIN)


def answer_all(db, handover_id: int, note: str = "") -> ho.HandoverView:  # type: ignore[no-untyped-def]
    view = ho.get_handover(db, handover_id)
    for item in view.items:
        status = "stable" if item.kind == "floor_status" else "ok"
        view = ho.answer_item(db, handover_id, item.key, status, note or f"note for {item.key}")
    ho.refresh_carried(db, default_config(), handover_id)  # the read-back items' notes join the list
    return ho.confirm_carried(db, handover_id)


def signed_handover(db, config, incoming) -> ho.HandoverView:  # type: ignore[no-untyped-def]
    started = ho.start_handover(db, config)
    answer_all(db, started.id)
    ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN)
    return ho.sign_handover(db, config, started.id, "incoming", incoming.name, INCOMING_PIN)


def execute(db, statement: str) -> None:  # type: ignore[no-untyped-def]
    with db.engine.begin() as connection:
        connection.execute(text(statement))


def problems(db) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"#{p.handover_id} {p.what}" for p in ho.verify_handovers(db).problems]


def test_start_copies_the_template_and_resumes(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    started = ho.start_handover(db, config)
    template_keys = [item.key for section in config.handover.sections for item in section.items]
    assert [item.key for item in started.items] == template_keys
    assert started.progress() == (0, 15) and started.status == "draft" and not started.frozen
    assert ho.start_handover(db, config).id == started.id


def test_start_needs_an_open_shift(db, config, supervisor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="no shift is open"):
        ho.start_handover(db, config)


def test_answers_are_checked(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    started = ho.start_handover(db, config)
    with pytest.raises(UserError, match="write a note"):
        ho.answer_item(db, started.id, "crm", "issue")
    with pytest.raises(UserError, match="no checklist item 'nope'"):
        ho.answer_item(db, started.id, "nope", "ok")
    with pytest.raises(UserError, match="Floor status, and one line why takes stable / watch / unstable"):
        ho.answer_item(db, started.id, "floor_status", "ok")
    with pytest.raises(UserError, match="not UTF-8"):
        ho.answer_item(db, started.id, "crm", "issue", b"CRM \xff down".decode("utf-8", "surrogateescape"))
    view = ho.answer_item(db, started.id, "crm", "issue", SPECIAL)
    item = next(i for i in view.items if i.key == "crm")
    assert (item.status, item.note) == ("issue", SPECIAL)
    assert view.progress() == (1, 15)


def test_open_problems_are_carried_corrected_too_resolved_not(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    open_one = log.add_entry(db, config, shift, "CRM slow since 09:10", category="system_status", severity="warning")
    typo = log.add_entry(db, config, shift, "IVR donw", category="defect", severity="critical")
    log.correct_entry(db, config, typo.id, "IVR down since 09:00")
    fixed = log.add_entry(db, config, shift, "Wallboard frozen", category="defect", severity="warning")
    threads.resolve(db, config, shift, fixed.id, "Wallboard restarted")
    log.add_entry(db, config, shift, "Busy morning", category="event")
    started = ho.start_handover(db, config)
    carried = [(c.source, c.ref, c.item_key, c.text) for c in started.carried]
    assert carried == [
        ("log_thread", open_one.id, "anomalies", "CRM slow since 09:10"),
        ("log_thread", typo.id, "anomalies", "IVR down since 09:00"),
    ]
    entries = ho.log_since_last_handover(db, started)
    assert entries[0].text == "CRM slow since 09:10" and len(entries) == 6


def test_signing_refuses_unanswered_items_and_unconfirmed_read_back(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    log.add_entry(db, config, shift, "CRM slow", category="system_status", severity="warning")
    started = ho.start_handover(db, config)
    ho.answer_item(db, started.id, "crm", "ok")
    with pytest.raises(
        UserError,
        match="required items not answered: Own equipment works: PC, headset, network, phone; Telephony / CTI logged in and working; Wallboard",
    ):
        ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN)
    for item in started.items:
        floor = item.kind == "floor_status"
        ho.answer_item(db, started.id, item.key, "stable" if floor else "na", "why" if floor else "")
    with pytest.raises(UserError, match="not confirmed carried-over items 1"):
        ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN)
    with pytest.raises(UserError, match="no carried-over item 2"):
        ho.confirm_carried(db, started.id, 2)
    ho.confirm_carried(db, started.id, 1)
    with pytest.raises(UserError, match="outgoing supervisor signs first"):
        ho.sign_handover(db, config, started.id, "incoming", "li", INCOMING_PIN)
    with pytest.raises(UserError, match="outgoing supervisor of shift .* is 王伟, not 李娜"):
        ho.sign_handover(db, config, started.id, "outgoing", "li", INCOMING_PIN)
    assert ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN).status == "outgoing_signed"


def test_full_handover_switches_the_shift_and_verifies(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    done = signed_handover(db, config, incoming)
    assert done.status == "signed" and [s.role for s in done.signatures] == ["outgoing", "incoming"]
    assert shifts.get_shift(db, shift.id).status == "closed"
    current = shifts.require_current_shift(db)
    assert current.supervisor == "li" and done.incoming_shift_id == current.id
    report = ho.verify_handovers(db)
    assert report.ok and report.checked == [done.id]


def test_same_supervisor_twice_is_refused(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    started = ho.start_handover(db, config)
    answer_all(db, started.id)
    ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN)
    with pytest.raises(UserError, match="incoming one must be someone else"):
        ho.sign_handover(db, config, started.id, "incoming", "wang", TEST_PIN)
    with pytest.raises(UserError, match="already signed by the outgoing"):
        ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN)
    with pytest.raises(UserError, match="no supervisor named ghost"):
        ho.sign_handover(db, config, started.id, "incoming", "ghost", TEST_PIN)


def test_signed_record_is_frozen(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    started = ho.start_handover(db, config)
    answer_all(db, started.id)
    ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN)
    with pytest.raises(UserError, match=f"handover #{started.id} is signed by 王伟: it can no longer change"):
        ho.answer_item(db, started.id, "crm", "issue", "late change")
    with pytest.raises(UserError, match="can no longer change"):
        ho.confirm_carried(db, started.id)
    assert next(i for i in ho.get_handover(db, started.id).items if i.key == "crm").status == "ok"


def test_wrong_pin_is_refused_and_five_lock_signing(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    started = ho.start_handover(db, config)
    answer_all(db, started.id)
    now = clock.utcnow()
    for _attempt in range(4):
        with pytest.raises(UserError, match="^wrong PIN for 王伟$"):
            ho.sign_handover(db, config, started.id, "outgoing", "wang", "0000", now=now)
    with pytest.raises(UserError, match="5 wrong in a row, signing is locked for 60 s"):
        ho.sign_handover(db, config, started.id, "outgoing", "wang", "0000", now=now)
    with pytest.raises(UserError, match="locked for 31 s"):  # even the right PIN, while locked
        ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN, now=now + timedelta(seconds=30))
    assert ho.get_handover(db, started.id).signatures == []
    later = now + timedelta(seconds=61)
    assert ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN, now=later).frozen


def test_a_right_pin_resets_the_count(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    from dutydesk.domain.signing import unlock_signer

    for _round in range(2):
        for _wrong in range(4):
            with pytest.raises(UserError, match="wrong PIN"):
                unlock_signer(db, config, "li", "9999")
        unlock_signer(db, config, "li", INCOMING_PIN)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "UPDATE handover_answer SET status = 'issue' WHERE key = 'crm'",
            "answer of checklist item “CRM logged in and working” changed after signing",
        ),
        (
            "UPDATE handover_answer SET note = 'forged' WHERE key = 'notices'",
            "note of checklist item “Important notices: instructions, business changes, plan updates” changed",
        ),
        (
            "UPDATE handover_signature SET supervisor_name = 'zhao' WHERE role = 'incoming'",
            "incoming signature of zhao: signer, role, time, content or chain changed",
        ),
        ("UPDATE handover SET team = 'B'", "team changed after signing"),
        (
            "UPDATE handover SET signed_content = replace(signed_content, 'note for crm', 'forged')",
            "note of checklist item “CRM logged in and working” changed after signing",
        ),
        (
            (
                "UPDATE handover_signature SET signature = CASE WHEN signature LIKE '00%' THEN '11' ELSE '00' END"
                " || substr(signature, 3) WHERE role = 'incoming'"
            ),
            "incoming signature of 李娜: the signature is not valid",  # the display name, not the login
        ),
        (
            "DELETE FROM handover_answer WHERE key = 'forecast'",
            "checklist item “Forecast volume and staffing looked at” changed",
        ),
    ],
)
def test_verify_names_what_was_changed_in_the_file(db, config, shift, incoming, statement, expected) -> None:  # type: ignore[no-untyped-def]
    done = signed_handover(db, config, incoming)
    assert problems(db) == []
    execute(db, statement)
    found = problems(db)
    assert any(line.startswith(f"#{done.id} ") and expected in line for line in found), found


def chain_of_three(db, config, incoming) -> list[int]:  # type: ignore[no-untyped-def]
    names = [("wang", TEST_PIN), ("li", INCOMING_PIN)]
    ids = []
    for index in range(3):
        outgoing, incoming_name = names[index % 2], names[(index + 1) % 2]
        started = ho.start_handover(db, config)
        answer_all(db, started.id)
        ho.sign_handover(db, config, started.id, "outgoing", *outgoing)
        ids.append(ho.sign_handover(db, config, started.id, "incoming", *incoming_name).id)
    return ids


def test_chain_catches_a_deleted_record_in_the_middle(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    first, middle, last = chain_of_three(db, config, incoming)
    assert problems(db) == []
    for table in ("handover_answer", "handover_carried", "handover_signature"):
        execute(db, f"DELETE FROM {table} WHERE handover_id = {middle}")
    execute(db, f"DELETE FROM handover WHERE id = {middle}")
    found = problems(db)
    assert (
        f"#{last} the chain is broken: the previous signed handover of team A (#{first}) "
        "is missing, reordered or changed"
    ) in found
    # The record chain names the first answer row of the deleted handover.
    assert any(line.startswith("#None chain (team A, link ") and "the row was deleted" in line for line in found)


def test_chain_catches_a_changed_earlier_record(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    first, _middle, last = chain_of_three(db, config, incoming)
    execute(db, f"UPDATE handover SET digest = 'x' || substr(digest, 2) WHERE id = {first}")
    assert [line.split(" ")[0] for line in problems(db)] == [f"#{first}"]  # the stored digest is checked
    one = ho.verify_handovers(db, last)
    assert one.ok and one.checked == [last]


def test_show_json_has_the_contract_fields(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    done = signed_handover(db, config, incoming)
    data = json.loads(json.dumps(done.as_json(config)))
    assert {"key", "section", "required", "status", "note"} <= set(data["items"][0])
    assert [s["supervisor"] for s in data["signatures"]] == [
        {"name": "wang", "display_name": "王伟"},
        {"name": "li", "display_name": "李娜"},
    ]
    assert data["outgoing_supervisor"] == {"name": "wang", "display_name": "王伟"}
    assert data["incoming_supervisor"] == {"name": "li", "display_name": "李娜"}
    assert data["items"][0]["label"] == {
        "en": "Own equipment works: PC, headset, network, phone",
        "zh": "个人设备正常：电脑、耳麦、网络、电话",
    }


def test_special_characters_in_notes_survive_signing(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    started = ho.start_handover(db, config)
    answer_all(db, started.id, note=SPECIAL)
    ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN)
    done = ho.sign_handover(db, config, started.id, "incoming", "li", INCOMING_PIN)
    assert {item.note for item in done.items} == {SPECIAL}
    assert ho.verify_handovers(db).ok


def test_open_follow_ups_are_carried_and_closed_ones_are_not(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    from dutydesk.domain import followups

    open_one = followups.add_followup(db, config, "回访客户 | *VIP*", "ticket", owner="物流部")
    closed = followups.add_followup(db, config, "done already", "ticket")
    followups.close_followup(db, closed.id, "called back")
    started = ho.start_handover(db, config)
    carried = [(c.item_key, c.source, c.ref) for c in started.carried]
    assert carried == [("unfinished", "follow_up", open_one.id)]
    assert started.carried[0].shown(config.zone).startswith("回访客户 | *VIP* · 物流部 · due ")


@pytest.mark.sqlite_only("renumbers rows behind the foreign keys with PRAGMA foreign_keys = OFF")
def test_chain_catches_reordered_records(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    first, _middle, last = chain_of_three(db, config, incoming)
    # Move the last record to the front of the chain, children and all, behind dutydesk's back.
    raw = sqlite3.connect(db.engine.url.database)
    with raw:
        raw.execute("PRAGMA foreign_keys = OFF")
        for table in ("handover_answer", "handover_carried", "handover_signature"):
            raw.execute(f"UPDATE {table} SET handover_id = 0 WHERE handover_id = {last}")
        raw.execute(f"UPDATE handover SET id = 0 WHERE id = {last}")
    raw.close()
    found = problems(db)
    assert "#0 handover number changed after signing" in found
    assert (
        f"#{first} the chain is broken: the previous signed handover of team A (#0) is missing, "
        "reordered or changed" in found
    )


def test_an_abandoned_outgoing_signature_does_not_break_the_chain(db, config, shift, incoming) -> None:  # type: ignore[no-untyped-def]
    signed_handover(db, config, incoming)  # wang -> li
    abandoned = ho.start_handover(db, config)
    answer_all(db, abandoned.id)
    ho.sign_handover(db, config, abandoned.id, "outgoing", "li", INCOMING_PIN)
    shifts.close_shift(db, shifts.require_current_shift(db).id)  # closed by hand, never countersigned
    supervisors.add_supervisor(db, "zhao", "赵", "864200")
    shifts.open_shift(db, config, "zhao")
    later = ho.start_handover(db, config)
    answer_all(db, later.id)
    ho.sign_handover(db, config, later.id, "outgoing", "zhao", "864200")
    assert ho.sign_handover(db, config, later.id, "incoming", "wang", TEST_PIN).status == "signed"
    assert problems(db) == []


def test_signing_just_before_the_end_opens_the_next_slot(db, config, supervisor, incoming) -> None:  # type: ignore[no-untyped-def]
    zone = ZoneInfo("Asia/Shanghai")
    day = shifts.open_shift(db, config, "wang", now=datetime(2026, 11, 24, 8, 5, tzinfo=zone))
    started = answer_all(db, ho.start_handover(db, config).id)
    before_end = datetime(2026, 11, 24, 19, 52, tzinfo=zone)
    ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN, now=before_end)
    ho.sign_handover(db, config, started.id, "incoming", incoming.name, INCOMING_PIN, now=before_end)
    night = shifts.current_shift(db)
    assert night is not None and night.id != day.id and night.slot_key == "night"
    assert night.planned_start == datetime(2026, 11, 24, 20, 0, tzinfo=zone)


def test_signing_hours_before_the_planned_end_is_worth_a_warning(db, config, supervisor, incoming) -> None:  # type: ignore[no-untyped-def]
    zone = ZoneInfo("Asia/Shanghai")
    shifts.open_shift(db, config, "wang", now=datetime(2026, 11, 24, 8, 5, tzinfo=zone))
    started = answer_all(db, ho.start_handover(db, config).id)
    assert started.early_signing_warning(config, datetime(2026, 11, 24, 19, 35, tzinfo=zone)) is None  # usual
    assert started.early_signing_warning(config, datetime(2026, 11, 24, 14, 40, tzinfo=zone)) == (
        "The outgoing shift is planned until 20:00: signing now ends it 5 h 20 min early "
        "and opens the next shift at once."
    )
    assert started.early_signing_warning(config, datetime(2026, 11, 24, 20, 10, tzinfo=zone)) is None  # late


def test_the_signature_and_the_shift_switch_commit_together(db, config, shift, incoming, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    started = answer_all(db, ho.start_handover(db, config).id)
    ho.sign_handover(db, config, started.id, "outgoing", "wang", TEST_PIN)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(shifts, "add_shift", broken)
    with pytest.raises(RuntimeError):
        ho.sign_handover(db, config, started.id, "incoming", "li", INCOMING_PIN)
    assert ho.get_handover(db, started.id).status == "outgoing_signed"
    assert shifts.get_shift(db, shift.id).status == "open"  # nothing of the switch is half done
    monkeypatch.undo()
    signed = ho.sign_handover(db, config, started.id, "incoming", "li", INCOMING_PIN)  # a retry simply works
    assert signed.status == "signed" and signed.incoming_shift_id is not None
    assert shifts.current_shift(db).supervisor == "li"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_messages_name_people_and_items_as_they_are_shown(db, config, shift, incoming, language) -> None:  # type: ignore[no-untyped-def]
    """Display names, not logins; an item's wording and a role's name, not their keys: in the UI language."""
    from dutydesk.i18n import set_language

    done = signed_handover(db, config, incoming)
    execute(db, "UPDATE handover_answer SET note = 'forged' WHERE key = 'crm'")
    execute(db, "DELETE FROM handover_signature WHERE role = 'outgoing'")
    set_language(language)
    try:
        found = " ".join(problems(db))
        with pytest.raises(UserError) as refused:
            supervisors_pin_check(db, config)
    finally:
        set_language("en")
    expected = {
        "en": [
            "note of checklist item “CRM logged in and working” changed after signing",
            "signatures are missing or out of order: incoming",
            "incoming signature of 李娜",
        ],
        "zh": ["检查项“CRM 系统已登录且正常”的备注在签名后被修改", "签名缺失或顺序不对：接班", "李娜 的接班签名"],
    }[language]
    assert all(words in found for words in expected), found
    assert "wang" not in str(refused.value) and "王伟" in str(refused.value)
    assert f"#{done.id} " in found and "crm" not in found and "li " not in found


def supervisors_pin_check(db, config) -> None:  # type: ignore[no-untyped-def]
    from dutydesk.domain.signing import unlock_signer

    unlock_signer(db, config, "wang", "000000")
