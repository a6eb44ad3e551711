"""`dutydesk handover …` and `dutydesk verify` as scripts and people use them."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from cli_runner import Cli
from conftest import TEST_PIN, FrozenClock
from dutydesk.store.db import open_database

INCOMING_PIN = "135790"
NOTE = "客户 `rm *` | <b>#1</b> _urgent_ 完成"


@pytest.fixture
def cli(on_duty: Cli) -> Cli:
    """wang on duty, li registered to take over, one anomaly in the log."""
    assert (
        on_duty("supervisor", "add", "li", "--display-name", "李娜", "--pin-stdin", stdin=INCOMING_PIN.encode())[0] == 0
    )
    assert on_duty("log", "add", "CRM slow since 09:10", "--category", "system_status", "--severity", "warning")[0] == 0
    return on_duty


def answer_everything(cli: Cli) -> None:
    assert cli("handover", "start")[0] == 0
    for item in cli.json("handover", "show")["items"]:  # type: ignore[index]
        status = "stable" if item["key"] == "floor_status" else "ok"
        code, _out, err = cli("handover", "check", item["key"], "--status", status, "--note", NOTE)
        assert code == 0, err
    assert cli("handover", "confirm", "--all")[0] == 0
    for carried in cli.json("handover", "show")["carried"]:  # type: ignore[index]
        if carried["confirmed_at"] is None:  # flagged: read back one by one
            assert carried["flagged"]
            assert cli("handover", "confirm", str(carried["number"]))[0] == 0


def sign_both(cli: Cli) -> None:
    code, out, err = cli(
        "handover", "sign", "--role", "outgoing", "--supervisor", "wang", "--pin-stdin", stdin=TEST_PIN.encode()
    )
    assert code == 0, err
    code, out, err = cli(
        "handover", "sign", "--role", "incoming", "--supervisor", "li", "--pin-stdin", stdin=INCOMING_PIN.encode()
    )
    assert code == 0, err
    assert "shift #2 is open for 李娜" in out and "signed by 李娜 (incoming)" in out


def test_signing_hours_early_is_announced_before_the_pin(cli: Cli, frozen_clock: FrozenClock) -> None:
    planned_end = datetime.fromisoformat(cli.json("shift", "show")["planned_end"])  # type: ignore[index]
    answer_everything(cli)
    frozen_clock.set(planned_end - timedelta(hours=5, minutes=20))
    code, _out, err = cli(
        "handover", "sign", "--role", "outgoing", "--supervisor", "wang", "--pin-stdin", stdin=TEST_PIN.encode()
    )
    assert code == 0 and "early" not in err  # the outgoing signature changes no shift
    code, _out, err = cli(
        "handover", "sign", "--role", "incoming", "--supervisor", "li", "--pin-stdin", stdin=INCOMING_PIN.encode()
    )
    assert code == 0
    assert f"planned until {planned_end:%H:%M}: signing now ends it 5 h 20 min early" in err


@pytest.mark.parametrize(
    ("role", "supervisor", "said"),
    [("sideways", "wang", "unknown role 'sideways'"), ("incoming", "nobody", "no supervisor named nobody")],
)
def test_a_signature_that_cannot_be_is_refused_before_the_pin(cli: Cli, role: str, supervisor: str, said: str) -> None:
    answer_everything(cli)
    code, out, err = cli("handover", "sign", "--role", role, "--supervisor", supervisor)  # no PIN on stdin
    assert code == 1 and said in err and "PIN" not in out + err


def test_show_json_is_the_contract(cli: Cli) -> None:
    assert cli("handover", "start")[0] == 0
    shown = cli.json("handover", "show")
    assert isinstance(shown, dict) and shown["signatures"] == [] and shown["required_total"] == 15
    assert all({"key", "section", "required", "status", "note"} <= item.keys() for item in shown["items"])
    [carried] = shown["carried"]
    assert carried["anomaly"]["text"] == "CRM slow since 09:10" and "text" not in carried
    assert (carried["anomaly"]["category"], carried["anomaly"]["severity"]) == ("system_status", "warning")
    assert carried["anomaly"]["at"].endswith("+08:00") and carried["anomaly"]["thread_id"] == carried["ref"]


def test_a_whole_handover_from_the_command_line(cli: Cli) -> None:
    answer_everything(cli)
    sign_both(cli)
    shown = cli.json("handover", "show", "1")
    assert shown["status"] == "signed" and shown["verified"] is True  # type: ignore[index]
    # The action list's line became follow-up #1: its number is in front.
    assert {item["note"] for item in shown["items"]} == {NOTE, f"#1 {NOTE}"}  # type: ignore[index]
    code, out, _err = cli("verify")
    assert code == 0 and "1 signed handovers verified" in out
    code, out, _err = cli("handover", "show", "1")
    assert code == 0 and "Signatures: valid" in out and NOTE in out


def test_unanswered_items_are_named_and_nothing_is_signed(cli: Cli) -> None:
    assert cli("handover", "start")[0] == 0
    assert cli("handover", "check", "crm", "--status", "ok")[0] == 0
    code, _out, err = cli(
        "handover", "sign", "--role", "outgoing", "--supervisor", "wang", "--pin-stdin", stdin=TEST_PIN.encode()
    )
    assert code == 1 and err.startswith(
        "error: cannot sign: required items not answered: Own equipment works: PC, headset, network, phone; "
        "Telephony / CTI logged in and working; Wallboard"
    )
    assert "CRM logged in" not in err


def test_wrong_pin_is_refused_without_echoing_it(cli: Cli) -> None:
    answer_everything(cli)
    code, out, err = cli(
        "handover", "sign", "--role", "outgoing", "--supervisor", "wang", "--pin-stdin", stdin=b"97531\n"
    )
    assert code == 1 and err == "error: wrong PIN for 王伟\n" and "97531" not in out + err


def test_tampering_in_the_file_fails_verify(cli: Cli) -> None:
    answer_everything(cli)
    sign_both(cli)
    tampered = open_database(cli.db_path)  # behind dutydesk's back, on either backend
    with tampered.engine.begin() as connection:
        connection.execute(text("UPDATE handover_answer SET note = 'all fine' WHERE key = 'anomalies'"))
    tampered.close()
    code, out, err = cli("handover", "verify", "--all")
    assert code == 1 and "INVALID handover #1: note of checklist item “System or process anomalies" in err
    code, _out, err = cli("verify")
    assert code == 1 and "#1" in err
    shown = cli.json("handover", "show", "1")
    assert shown["verified"] is False  # type: ignore[index]
    code, out, _err = cli("handover", "show", "1")
    assert "Signatures: INVALID" in out


def test_confirm_needs_a_number_or_all(cli: Cli) -> None:
    assert cli("handover", "start")[0] == 0
    code, _out, err = cli("handover", "confirm")
    assert code == 1 and "give an item number or --all" in err
    code, _out, err = cli("handover", "confirm", "7")
    assert code == 1 and "no carried-over item 7" in err


def test_commands_before_start_say_what_to_do(cli: Cli) -> None:
    code, _out, err = cli("handover", "check", "crm", "--status", "ok")
    assert code == 1 and "handover start" in err
    code, out, _err = cli("handover", "verify")
    assert code == 0 and "No signed handovers" in out


def test_under_zh_messages_name_the_supervisor_and_the_items_as_shown(cli: Cli) -> None:
    assert cli("handover", "start")[0] == 0
    code, _out, err = cli(
        "--lang", "zh", "handover", "sign", "--role", "outgoing", "--supervisor", "wang", "--pin-stdin", stdin=b"1\n"
    )
    assert code == 1 and "个人设备正常" in err and "equipment" not in err  # the items' wording, not their keys
    answer_everything(cli)
    code, _out, err = cli(
        "--lang", "zh", "handover", "sign", "--role", "outgoing", "--supervisor", "li", "--pin-stdin", stdin=b"1\n"
    )
    assert code == 1 and "王伟" in err and "李娜" in err and "wang" not in err
