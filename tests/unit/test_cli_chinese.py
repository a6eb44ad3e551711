"""Under zh every help page is Chinese, usage errors are one Chinese line with exit code 2."""

import pytest
import typer

from cli_runner import Cli
from dutydesk.cli import app
from dutydesk.cli_texts import commands
from dutydesk.i18n import set_language
from english_left import english_left

COMMAND_PATHS = [path for path, _command in commands(typer.main.get_command(app))]
COMMAND_NAMES = {name for path in COMMAND_PATHS for name in path}  # typed as they are


@pytest.fixture
def zh_cli(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("DUTYDESK_LANG", "zh")
    set_language("zh")
    yield cli
    set_language("en")


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda path: " ".join(path) or "dutydesk")
def test_every_help_page_is_chinese(zh_cli: Cli, path: tuple[str, ...]) -> None:
    code, out, err = zh_cli(*path, "--help")
    assert code == 0, err
    assert out.startswith("用法：")
    assert english_left(out, COMMAND_NAMES) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("log", "add"), "缺少 文本"),
        (("log", "list", "--limit", "x"), "--limit 必须是一个整数"),
        (("log", "list", "--nope"), "没有这个选项：--nope"),
        (("shift", "nope"), "没有这个命令：nope"),
        (("log", "add", "a", "b"), "多余的参数：b"),
    ],
)
def test_a_usage_error_is_one_chinese_line_with_exit_code_2(zh_cli: Cli, args: tuple[str, ...], expected: str) -> None:
    code, out, err = zh_cli(*args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("错误：") and expected in err, err


def test_a_usage_error_in_english_is_one_line_too(cli: Cli) -> None:
    code, _out, err = cli("log", "list", "--limit", "x")
    assert (code, err) == (2, "error: --limit must be a whole number (see `dutydesk log list --help`)\n")
