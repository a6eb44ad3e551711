"""Shipped defaults, user overrides, and invalid files refused with key and line."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dutydesk.config import load_config
from dutydesk.errors import ConfigError
from dutydesk.i18n import set_language


def test_defaults_hold_the_domain_targets() -> None:
    config = load_config(None)
    assert config.targets.answer_rate_min == 0.85
    assert config.targets.average_speed_of_answer_max_s == 30
    assert config.targets.abandon_rate_max == 0.05
    assert [slot.key for slot in config.shifts] == ["day", "night"]
    assert config.category("defect") is not None


def test_user_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[center]\nname = "上海呼叫中心"\n[targets]\nanswer_rate_min = 0.9\n', encoding="utf-8")
    config = load_config(path)
    assert str(config.center.name) == "上海呼叫中心"
    assert config.center.timezone == "Asia/Shanghai"  # not named: the default stays
    assert config.targets.answer_rate_min == 0.9
    assert config.targets.abandon_rate_max == 0.05


def test_labels_follow_the_language() -> None:
    config = load_config(None)
    set_language("zh")
    assert str(config.shifts[1].label) == "夜班"
    set_language("en")
    assert str(config.shifts[1].label) == "Night shift"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[center]\ntimezone = "Mars/Olympus"\n', r"line 2: key center\.timezone"),
        ("[targets]\n\nanswer_rate_min = 1.5\n", r"line 3: key targets\.answer_rate_min"),
        ('[center]\ncolour = "red"\n', r"line 2: key center\.colour"),
        ('[center\nname = "x"\n', r"line 1"),
    ],
)
def test_invalid_file_names_key_and_line(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected):
        load_config(path)


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[center]\nname = "' + "中心".encode("gbk") + b'"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml", required=True)


def test_night_slot_spans_midnight() -> None:
    config = load_config(None)
    zone = ZoneInfo("Asia/Shanghai")
    slot, start, end = config.slot_at(datetime(2026, 11, 24, 2, 30, tzinfo=zone))
    assert slot.key == "night"
    assert (start, end) == (datetime(2026, 11, 23, 20, 0, tzinfo=zone), datetime(2026, 11, 24, 8, 0, tzinfo=zone))
    slot, start, _end = config.slot_at(datetime(2026, 11, 24, 8, 0, tzinfo=zone))
    assert slot.key == "day" and start.hour == 8


def test_a_config_error_is_said_in_the_ui_language_not_pydantic_s(tmp_path: Path) -> None:
    from dutydesk import i18n

    path = tmp_path / "config.toml"
    path.write_text('[targets]\nanswer_rate_min = "high"\n', encoding="utf-8")
    i18n.set_language("zh")
    try:
        with pytest.raises(ConfigError) as raised:
            load_config(path)
    finally:
        i18n.set_language("en")
    assert "Input should" not in str(raised.value)
    assert "必须" in str(raised.value)
