"""The layering rule: only dutydesk.tui may import textual."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "src" / "dutydesk"


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_tui_imports_textual() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "tui" not in path.relative_to(PACKAGE).parts
        and any(name.split(".")[0] == "textual" for name in _imported_modules(path))
    ]
    assert offenders == []
