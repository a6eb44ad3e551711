"""Playbook files: parsing, deadlines, user overrides, and every kind of broken file."""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from dutydesk.domain import playbooks
from dutydesk.domain.playbooks import BrokenPlaybook, PlaybookError, parse_playbook
from dutydesk.errors import UserError
from dutydesk.i18n import set_language

GOOD = """+++
key = "crm_down"
title = { en = "CRM down", zh = "CRM 系统中断" }
kind = "system_fault"
level = 1
respond_within_min = 30
ivr = { en = "We are fixing a problem.", zh = "系统正在抢修。" }

[[contacts]]
role = { en = "Technical support", zh = "技术支持" }
name = "Zhao | *on call*"
channel = "internal channel"
+++

# CRM down

Some text that is not a step.

- [ ] Report to technical support (within 5 min)
  向技术支持报告（5 分钟内）
- [x] Share the spreadsheet (within 2 h)
- [ ] Key in the rows
  补录数据（2 小时内）
* [ ] Call customers back
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_gives_every_field_and_step(tmp_path: Path) -> None:
    playbook = parse_playbook(GOOD, tmp_path / "crm.md")
    assert (playbook.key, playbook.kind, playbook.level) == ("crm_down", "system_fault", 1)
    assert playbook.respond_within == timedelta(minutes=30)
    assert playbook.title.zh == "CRM 系统中断"
    assert playbook.contacts[0].name == "Zhao | *on call*"
    assert [step.n for step in playbook.steps] == [1, 2, 3, 4]
    assert [step.text.en for step in playbook.steps] == [
        "Report to technical support",
        "Share the spreadsheet",
        "Key in the rows",
        "Call customers back",
    ]
    assert [step.text.zh for step in playbook.steps] == ["向技术支持报告", None, "补录数据", None]
    assert [step.within for step in playbook.steps] == [
        timedelta(minutes=5),
        timedelta(hours=2),
        timedelta(hours=2),
        None,
    ]


def test_labels_follow_the_language(tmp_path: Path) -> None:
    playbook = parse_playbook(GOOD, tmp_path / "crm.md")
    set_language("zh")
    assert str(playbook.steps[0].text) == "向技术支持报告"
    assert str(playbook.steps[1].text) == "Share the spreadsheet"  # no Chinese: English stands in
    set_language("en")
    assert str(playbook.steps[0].text) == "Report to technical support"


def test_a_contact_channel_is_in_both_languages_or_one_text_for_all(tmp_path: Path) -> None:
    one_text = parse_playbook(GOOD, tmp_path / "crm.md").contacts[0]
    both = GOOD.replace('channel = "internal channel"', 'channel = { en = "internal channel", zh = "内部渠道" }')
    contact = parse_playbook(both, tmp_path / "crm.md").contacts[0]
    set_language("zh")
    assert (str(contact.channel), str(one_text.channel)) == ("内部渠道", "internal channel")
    set_language("en")
    assert str(contact.channel) == "internal channel"
    assert contact.as_json()["channel"] == {"en": "internal channel", "zh": "内部渠道"}
    assert parse_playbook(GOOD.replace('"internal channel"', '""'), tmp_path / "crm.md").contacts[0].channel is None


def test_every_shipped_contact_channel_has_chinese() -> None:
    shipped = playbooks.load_playbooks(user=Path("/nonexistent")).ordered()
    channels = [contact.channel for playbook in shipped for contact in playbook.contacts if contact.channel]
    assert channels and all(channel.zh for channel in channels)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("# no front matter\n- [ ] step\n", 1, "must start with a '+++' line"),
        ('+++\nkey = "x"\n- [ ] step\n', 1, "not closed"),
        ('+++\nkey = "x"\nlevel = = 1\n+++\n- [ ] a\n', 3, "front matter: Invalid"),
        ('+++\nkey = "x"\nkey = "y"\n+++\n- [ ] a\n', 3, "front matter: Cannot overwrite"),
        (GOOD.replace("level = 1\n", 'level = 1\ncolour = "red"\n'), 6, "unknown field 'colour'"),
        (GOOD.replace('kind = "system_fault"', 'kind = "fire"'), 4, "field kind"),
        (GOOD.replace("level = 1", "level = 0"), 5, "field level"),
        (GOOD.replace('key = "crm_down"', 'key = "CRM down"'), 2, "field key"),
        (GOOD.replace("respond_within_min = 30\n", ""), None, "field respond_within_min: this key is required"),
        (GOOD.split("# CRM down")[0] + "no checklist here\n", 14, "no steps"),
        (GOOD.replace("向技术支持报告（5 分钟内）", "向技术支持报告（10 分钟内）"), 19, "deadlines differ"),
        (GOOD.replace("(within 5 min)", "(within 0 min)"), 19, "more than 0"),
    ],
)
def test_each_broken_file_names_the_line(tmp_path: Path, text: str, line: int | None, message: str) -> None:
    with pytest.raises(PlaybookError, match=re.escape(message)) as caught:
        parse_playbook(text, tmp_path / "x.md")
    assert caught.value.line == line


def test_broken_files_are_listed_not_fatal(tmp_path: Path) -> None:
    shipped, user = tmp_path / "shipped", tmp_path / "user"
    write(shipped, "crm.md", GOOD)
    write(user, "bad.md", GOOD.replace("level = 1\n", "level = 1\nsevrity = 2\n"))
    (user / "binary.md").write_bytes(b'+++\nkey = "\xff\xfe"\n+++\n')
    found = playbooks.load_playbooks(shipped, user)
    assert list(found.playbooks) == ["crm_down"]
    reasons = {item.path.name: item.reason for item in found.broken}
    assert reasons["bad.md"].startswith(f"{user / 'bad.md'}, line 6: unknown field 'sevrity'")
    assert "not UTF-8" in reasons["binary.md"]
    assert all(isinstance(item, BrokenPlaybook) for item in found.broken)


def test_user_playbooks_override_shipped_ones_by_key(tmp_path: Path) -> None:
    shipped, user = tmp_path / "shipped", tmp_path / "user"
    write(shipped, "crm.md", GOOD)
    write(user, "my_crm.md", GOOD.replace('CRM down"', 'CRM outage (ours)"'))
    found = playbooks.load_playbooks(shipped, user)
    chosen = found.get("crm_down")
    assert chosen.title.en == "CRM outage (ours)" and chosen.origin == "user"
    assert chosen.source == str(user / "my_crm.md")
    assert found.playbooks.keys() == {"crm_down"}


def test_duplicate_keys_in_one_directory_break_the_second_file(tmp_path: Path) -> None:
    write(tmp_path, "a.md", GOOD)
    write(tmp_path, "b.md", GOOD)
    good, broken = playbooks.check_dir(tmp_path)
    assert [p.path.name for p in good] == ["a.md"]
    assert len(broken) == 1 and "line 2: duplicate key 'crm_down'" in broken[0].reason
    assert str(tmp_path / "a.md") in broken[0].reason


def test_unknown_and_broken_keys_are_user_errors(tmp_path: Path) -> None:
    write(tmp_path, "bad.md", GOOD.replace("level = 1", "level = -1"))
    found = playbooks.load_playbooks(tmp_path / "none", tmp_path)
    with pytest.raises(UserError, match="playbook 'crm_down' is broken"):
        found.get("crm_down")
    with pytest.raises(UserError, match="no playbook 'nope'"):
        found.get("nope")


def test_check_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is not a directory"):
        playbooks.check_dir(tmp_path / "missing")


def test_shipped_playbooks_are_all_valid_and_cover_the_domain() -> None:
    good, broken = playbooks.check_dir(playbooks.shipped_dir())
    assert broken == []
    keys = {p.key for p in good}
    assert {
        "peak_level_1",
        "peak_level_2",
        "system_fault_1",
        "system_fault_2",
        "system_fault_3",
        "crm_down",
        "telephony_down",
        "urgent_complaint",
        "complaint_burst",
        "disaster_comms_outage",
    } <= keys
    responds = {p.key: p.respond_within for p in good}
    assert responds["system_fault_1"] == timedelta(minutes=30)
    assert responds["system_fault_2"] == timedelta(hours=2)
    assert responds["system_fault_3"] == timedelta(hours=4)
    assert all(p.title.zh and all(step.text.zh for step in p.steps) for p in good)


def test_wrapped_lines_continue_their_step(tmp_path: Path) -> None:
    text = GOOD.split("- [ ]")[0] + (
        "- [ ] Report the outage to technical support\n"
        "  on the internal channel (within 5 min)\n"
        "  立即通过内部渠道\n"
        "  向技术支持报告（5 分钟内）\n"
        "\n"
        "  Not part of the step: a paragraph after a blank line.\n"
        "- [ ] Second\n"
    )
    steps = parse_playbook(text, tmp_path / "x.md").steps
    assert steps[0].text.en == "Report the outage to technical support on the internal channel"
    assert steps[0].text.zh == "立即通过内部渠道向技术支持报告"
    assert steps[0].within == timedelta(minutes=5)
    assert [step.text.en for step in steps] == [steps[0].text.en, "Second"]
