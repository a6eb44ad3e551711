"""`dutydesk playbook|incident|followup`: output, JSON contracts, error paths."""

from pathlib import Path

import pytest

from cli_runner import Cli
from dutydesk.domain import playbooks

SPECIAL = "客户 | `rm *` <b>#1</b> _急_ \\ 完"


def test_shipped_playbooks_pass_the_check(cli: Cli) -> None:
    out = cli.ok("playbook", "check", str(playbooks.shipped_dir()))
    assert "10 playbooks checked, no errors" in out


def test_check_fails_on_a_broken_file(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "pb").mkdir()
    (tmp_path / "pb" / "bad.md").write_text('+++\nkey = "x"\nwho = 1\n+++\n- [ ] a\n', encoding="utf-8")
    code, _out, err = cli("playbook", "check", str(tmp_path / "pb"))
    assert code == 1
    assert f"{tmp_path / 'pb' / 'bad.md'}, line 3: unknown field 'who'" in err
    assert "1 of 1 playbook files have errors" in err and "Traceback" not in err


def test_playbook_list_json_marks_user_overrides_and_broken_files(cli: Cli, tmp_path: Path) -> None:
    user = playbooks.user_dir()
    user.mkdir(parents=True)
    shipped = (playbooks.shipped_dir() / "crm_down.md").read_text(encoding="utf-8")
    (user / "crm.md").write_text(shipped.replace('CRM down"', 'CRM down (ours)"'), encoding="utf-8")
    (user / "broken.md").write_text("no front matter", encoding="utf-8")
    listed = cli.json("playbook", "list")
    assert isinstance(listed, list)
    by_key = {item["key"]: item for item in listed}
    assert by_key["crm_down"]["source"] == str(user / "crm.md")
    assert by_key["crm_down"]["title"]["en"] == "CRM down (ours)" and by_key["crm_down"]["broken"] is None
    assert by_key["peak_level_1"]["source"] == "shipped" and by_key["peak_level_1"]["level"] == 1
    assert "must start with a '+++' line" in by_key["broken"]["broken"]
    assert all({"key", "title", "kind", "level", "source", "broken"} <= item.keys() for item in listed)


def test_unknown_playbook_is_a_clear_error(on_duty: Cli) -> None:
    code, _out, err = on_duty("incident", "start", "volcano")
    assert code == 1 and err.startswith("error: no playbook 'volcano'")
    code, _out, err = on_duty("playbook", "show", "volcano")
    assert code == 1 and "no playbook 'volcano'" in err


def test_incident_run_through_the_cli(on_duty: Cli) -> None:
    on_duty.ok("incident", "start", "telephony_down", "--note", SPECIAL)
    on_duty.ok("incident", "step", "1", "2", "--done", "--note", "备用线路已切换")
    on_duty.ok("incident", "note", "1", SPECIAL)
    on_duty.ok("incident", "escalate", "1", "部门负责人", "--channel", "phone")
    on_duty.ok("incident", "level", "1", "2", "--reason", "partial")
    on_duty.ok("incident", "close", "1", "--summary", SPECIAL, "--skip", "all=drill")
    shown = on_duty.json("incident", "show", "1")
    assert isinstance(shown, dict)
    assert {"id", "playbook", "level", "status", "started_at", "closed_at", "steps", "timeline"} <= shown.keys()
    assert (shown["playbook"], shown["level"], shown["status"]) == ("telephony_down", 2, "closed")
    assert shown["steps"][1]["n"] == 2 and shown["steps"][1]["done_at"] is not None
    kinds = [e["kind"] for e in shown["timeline"]]
    assert kinds == ["start", "step", "note", "escalation", "step", "level", *["skip"] * 4, "close"]
    assert shown["timeline"][0]["text"] == SPECIAL and shown["summary"] == SPECIAL
    assert on_duty.json("incident", "list", "--open") == []
    log_texts = [entry["text"] for entry in on_duty.json("log", "list")]  # type: ignore[union-attr]
    assert any(text.startswith("Incident #1 started") for text in log_texts)
    assert any(text.startswith("Incident #1 closed") for text in log_texts)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("incident", "close", "1", "--summary", "again"), "incident #1 is already closed"),
        (("incident", "step", "1", "9", "--done"), "already closed"),
        (("incident", "show", "5"), "no incident #5"),
        (("incident", "step", "1", "1"), "say --done"),
        (("incident", "note", "1", " "), "the note is empty"),
    ],
)
def test_incident_error_paths(on_duty: Cli, args: tuple[str, ...], message: str) -> None:
    on_duty.ok("incident", "start", "crm_down")
    on_duty.ok("incident", "close", "1", "--summary", "ok", "--skip", "all=drill")
    code, _out, err = on_duty(*args)
    assert code == 1 and message in err and "Traceback" not in err


def test_incident_needs_an_open_shift(cli: Cli) -> None:
    code, _out, err = cli("incident", "start", "crm_down")
    assert code == 1 and "no shift is open" in err


def test_followups_through_the_cli(cli: Cli) -> None:
    out = cli.ok(
        "followup",
        "add",
        SPECIAL,
        "--kind",
        "complaint",
        "--urgency",
        "urgent",
        "--type",
        "service_attitude",
        "--customer",
        "张先生 138****0000",
    )
    assert "#1 C-" in out
    code, _out, err = cli(
        "followup", "add", "old ticket", "--kind", "ticket", "--due", "2020-01-01T10:00", "--owner", "物流部"
    )
    assert code == 0 and "warning: the due time 2020-01-01 10:00 is already past" in err
    listed = cli.json("followup", "list", "--overdue")
    assert isinstance(listed, list) and [item["id"] for item in listed] == [2]
    assert listed[0]["due"] == "2020-01-01T10:00:00+08:00" and listed[0]["overdue"] is True
    assert {"id", "kind", "title", "priority", "status", "owner", "due", "overdue"} <= listed[0].keys()
    cli.ok("followup", "note", "1", SPECIAL)
    cli.ok("followup", "chase", "2", "物流部 王经理")
    cli.ok("followup", "due", "2", "+2h", "--reason", "客户改约")
    cli.ok("followup", "close", "1", "--resolution", SPECIAL)
    shown = cli.json("followup", "show", "1")
    assert isinstance(shown, dict)
    assert shown["status"] == "closed" and shown["resolution"] == SPECIAL and shown["title"] == SPECIAL
    assert [h["kind"] for h in shown["history"]] == ["created", "note", "close"]
    assert [item["id"] for item in cli.json("followup", "list", "--open")] == [2]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("followup", "add", "x", "--kind", "ticket", "--due", "soon"), "bad due time 'soon'"),
        (("followup", "add", "x", "--kind", "gossip"), "unknown kind 'gossip'"),
        (("followup", "close", "1", "--resolution", "again"), "follow-up #1 is already closed"),
        (("followup", "note", "9", "x"), "no follow-up #9"),
        (("followup", "due", "1", "+1h", "--reason", "x"), "already closed"),
    ],
)
def test_followup_error_paths(cli: Cli, args: tuple[str, ...], message: str) -> None:
    cli.ok("followup", "add", "first", "--kind", "ticket")
    cli.ok("followup", "close", "1", "--resolution", "done")
    code, _out, err = cli(*args)
    assert code == 1 and message in err and "Traceback" not in err


def test_untick_escalate_answer_and_close_with_skips_through_the_cli(on_duty: Cli) -> None:
    on_duty.ok("incident", "start", "system_fault_1")
    on_duty.ok("incident", "step", "1", "3", "--done")
    assert "unticked" in on_duty.ok("incident", "step", "1", "3", "--undo", "wrong step")
    out = on_duty.ok("incident", "escalate", "1", "Department head", "--said", "CRM down | 全部")
    assert "step 6 done" in out
    on_duty.ok("incident", "note", "1", "on my way", "--answer")
    code, _out, err = on_duty("incident", "close", "1", "--summary", "back")
    assert code == 1 and "still open: give each a reason" in err
    code, _out, err = on_duty("incident", "close", "1", "--summary", "back", "--skip", "3")
    assert code == 1 and "--skip takes STEP=REASON" in err
    on_duty.ok("incident", "close", "1", "--summary", "back", "--skip", "3=done by the leads", "--skip", "all=n/a")
    shown = on_duty.json("incident", "show", "1")
    assert isinstance(shown, dict)
    kinds = [(e["kind"], e["step"]) for e in shown["timeline"]]
    assert kinds[:6] == [
        ("start", None),
        ("step", 3),
        ("untick", 3),
        ("escalation", None),
        ("step", 6),
        ("answer", None),
    ]
    assert shown["timeline"][3]["contact"] == "Department head" and shown["timeline"][3]["channel"] == "phone"
    assert shown["timeline"][0]["by"] == {"name": "wang", "display_name": "王伟"}
    assert shown["steps"][2]["skip_reason"] == "done by the leads" and shown["steps"][5]["skipped_at"] is None
    code, _out, err = on_duty("incident", "step", "1", "1", "--done", "--undo", "x")
    assert code == 1 and "say --done" in err
