"""Running `dutydesk` in-process as a script would, with its exit code, stdout and stderr."""

import io
import json
import sys
from pathlib import Path

import pytest

from dutydesk.cli import main


class Cli:
    def __init__(
        self, db_path: str | Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.db_path, self.monkeypatch, self.capsys = db_path, monkeypatch, capsys

    def __call__(self, *args: str, stdin: bytes = b"") -> tuple[int, str, str]:
        self.monkeypatch.setattr(sys, "argv", ["dutydesk", "--db", str(self.db_path), *args])
        self.monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        with pytest.raises(SystemExit) as exit_info:
            main()
        out, err = self.capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    def ok(self, *args: str) -> str:
        code, out, err = self(*args)
        assert code == 0, err
        return out

    def json(self, *args: str) -> object:
        return json.loads(self.ok(*args, "--json"))
