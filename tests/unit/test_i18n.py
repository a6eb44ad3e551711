"""Every message has a Chinese translation, the compiled catalog matches, languages are chosen right."""

import gettext
import re
import sys
from pathlib import Path

import pytest

from dutydesk import i18n
from dutydesk.errors import UserError

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import update_catalogs  # noqa: E402

PO_FILE = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "dutydesk.po"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@pytest.fixture(scope="module")
def zh_catalog():  # type: ignore[no-untyped-def]
    from babel.messages.pofile import read_po

    with PO_FILE.open("rb") as file:
        return read_po(file, locale="zh_CN")


def test_every_message_in_the_source_has_a_chinese_translation(zh_catalog) -> None:  # type: ignore[no-untyped-def]
    source_ids = {(message.context, message.id) for message in update_catalogs.extract() if message.id}
    untranslated = sorted(
        (context or "", msgid)
        for context, msgid in source_ids
        if (found := zh_catalog.get(msgid, context=context)) is None or not found.string or found.fuzzy
    )
    assert untranslated == [], "run scripts/update_catalogs.py and translate these"


def test_translations_keep_every_placeholder(zh_catalog) -> None:  # type: ignore[no-untyped-def]
    broken = [
        message.id
        for message in zh_catalog
        if message.id
        and message.string
        and sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(message.string))
    ]
    assert broken == []


def test_compiled_catalog_matches_the_po_file(zh_catalog) -> None:  # type: ignore[no-untyped-def]
    with PO_FILE.with_suffix(".mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    stale = [
        m.id
        for m in zh_catalog
        if m.id
        and m.string
        and (compiled.pgettext(m.context, m.id) if m.context else compiled.gettext(m.id)) != m.string
    ]
    assert stale == [], "run scripts/update_catalogs.py to recompile the .mo"


def test_language_choice_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.choose_language() == "zh"
    monkeypatch.setenv("DUTYDESK_LANG", "en")
    assert i18n.choose_language() == "en"
    assert i18n.choose_language("zh") == "zh"
    monkeypatch.delenv("DUTYDESK_LANG")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert i18n.choose_language() == "en"
    with pytest.raises(UserError, match="unknown language"):
        i18n.choose_language("klingon")


def test_translation_switches_at_run_time() -> None:
    i18n.set_language("zh")
    assert i18n._("the entry text is empty") != "the entry text is empty"
    i18n.set_language("en")
    assert i18n._("the entry text is empty") == "the entry text is empty"


def test_one_english_word_in_two_roles_has_two_translations() -> None:
    from dutydesk.domain.followups import STATUSES, label
    from dutydesk.queue.monitor import METRIC_LABELS

    i18n.set_language("zh")
    try:
        assert label(STATUSES, "waiting") == "等待中"  # a follow-up waiting for someone else
        assert i18n._(METRIC_LABELS["waiting"]) == "排队数"  # callers in the queue
        assert i18n._p("checklist", "Answer") != i18n._p("queue metric", "Answer")
    finally:
        i18n.set_language("en")
    assert label(STATUSES, "waiting") == "waiting"


def test_center_time_is_named_in_the_reader_s_words() -> None:
    i18n.set_language("zh")
    try:
        assert i18n.zone_name("Asia/Shanghai") == "北京时间"
        assert i18n.zone_name("Europe/Berlin") == "Europe/Berlin"
    finally:
        i18n.set_language("en")


def test_chinese_text_uses_full_width_punctuation(zh_catalog) -> None:  # type: ignore[no-untyped-def]
    """An ASCII colon, comma or bracket right next to a Chinese character is a typo in a translation."""
    han = "[\u4e00-\u9fff]"
    ascii_beside_han = re.compile(f"{han}[:;,?!()]|[:;,?!()]{han}")
    wrong = [m.id for m in zh_catalog if m.id and isinstance(m.string, str) and ascii_beside_han.search(m.string)]
    assert wrong == []
