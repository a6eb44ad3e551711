"""Refresh the translation catalogs: extract every `_()`/`N_()` msgid from the source into
`dutydesk.pot`, merge it into each language's `.po` (keeping translations), compile `.mo`.

Run after changing user-visible strings: `python scripts/update_catalogs.py`, translate
the new empty `msgstr`s in the `.po` files, run it again. Needs babel (the test extras).
"""

from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "dutydesk"
LOCALE = PACKAGE / "locale"
LANGUAGES = ["zh_CN"]
KEYWORDS = {"_": None, "N_": None, "_p": ((1, "c"), 2), "NP_": ((1, "c"), 2)}


def extract() -> Catalog:
    template = Catalog(project="dutydesk", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE, method_map=[("**.py", "python")], keywords=KEYWORDS, strip_comment_tags=True
    ):
        template.add(message, None, [(f"src/dutydesk/{filename}", lineno)], auto_comments=comments, context=context)
    for filename, lineno, message in command_docstrings():
        template.add(message, None, [(filename, lineno)])
    return template


def command_docstrings() -> Iterator[tuple[str, int, str]]:
    """Each command's docstring: Typer shows it as the command's help, so it is a message too."""
    import typer

    from dutydesk.cli import app
    from dutydesk.cli_texts import commands, docstring_help

    for _path, command in commands(typer.main.get_command(app)):
        text = docstring_help(command)
        if text and command.callback:
            module = command.callback.__module__.replace(".", "/")
            yield f"src/{module}.py", command.callback.__code__.co_firstlineno, text


def main() -> None:
    template = extract()
    with (LOCALE / "dutydesk.pot").open("wb") as file:
        write_po(file, template, omit_header=False, sort_output=True, include_lineno=False)
    for language in LANGUAGES:
        po_path = LOCALE / language / "LC_MESSAGES" / "dutydesk.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        if po_path.exists():
            with po_path.open("rb") as file:
                catalog = read_po(file, locale=language)
        else:
            catalog = Catalog(locale=language, project="dutydesk")
        catalog.update(template, no_fuzzy_matching=True)
        with po_path.open("wb") as file:
            write_po(file, catalog, sort_output=True, include_lineno=False, ignore_obsolete=True)
        with po_path.with_suffix(".mo").open("wb") as file:
            write_mo(file, catalog)
        missing = [m.id for m in catalog if m.id and not m.string]
        print(f"{language}: {len(catalog) - 1} messages, {len(missing)} untranslated")


if __name__ == "__main__":
    main()
