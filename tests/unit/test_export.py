"""The shift summary in Markdown: content, escaping, files, the command, a long shift."""

import json
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markdown_it import MarkdownIt
from markdown_it.token import Token
from sqlalchemy import insert, select

from dutydesk import i18n
from dutydesk.cli import main
from dutydesk.config import Config
from dutydesk.context import Context
from dutydesk.domain import followups, incidents, log, shifts, supervisors
from dutydesk.domain import handover as handovers
from dutydesk.domain.playbooks import parse_playbook
from dutydesk.domain.shifts import ShiftInfo
from dutydesk.errors import UserError
from dutydesk.export import (
    export_all,
    gather_summary,
    render_summary,
    summary_file_name,
    write_atomically,
)
from dutydesk.export.markdown import bullets, escape, table
from dutydesk.store import chain
from dutydesk.store.db import Database
from dutydesk.store.tables import (
    Handover,
    HandoverSignature,
    LogEntry,
    QueueAlert,
    QueueInterval,
)

GOLDEN_DIR = Path(__file__).parents[1] / "data" / "export"
PO_FILE = Path(i18n.__file__).parent / "locale" / "zh_CN" / "LC_MESSAGES" / "dutydesk.po"
DIGEST = re.compile(r"`[0-9a-f]{16}…`|`[0-9a-f]{64}`")
ANCHORED_DIGEST = re.compile(r'"[0-9a-f]{64}"')  # in the summary's anchor block
SPECIALS = "| * _ # < > [ ] ` \\ ~ & !"
NASTY = (
    "Agent said: `rm *` | <b>#1</b> _urgent_ \\ done [link](http://x) <!-- c --> &amp; ~~s~~ ![i](j)\n"
    "- not a list\n1. not ordered\n# not a heading\n> not a quote\n    not code\n===\n---\n|a|b|\n客户说：“退款”｜全角"
)


def at(hour: int, minute: int = 0, day: int = 23) -> datetime:
    """A moment in UTC on 2026-11-`day` (the center is UTC+8: 00:00 UTC is 08:00 local)."""
    return datetime(2026, 11, day, tzinfo=UTC) + timedelta(hours=hour, minutes=minute)


def markdown_parser() -> MarkdownIt:
    """GitHub-flavoured enough: CommonMark (raw HTML on) with tables and strikethrough."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def assert_valid_markdown(text: str) -> list[Token]:
    """No raw HTML anywhere, and every table row has as many cells as its header."""
    tokens = markdown_parser().parse(text)
    html = [t for t in tokens if t.type == "html_block"]
    html += [c for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "html_inline"]
    assert html == []
    columns, cells = 0, 0
    for token in tokens:
        if token.type == "thead_open":
            columns = -1
        elif token.type == "tr_open":
            cells = 0
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            columns = cells if columns == -1 else columns
            assert cells == columns
    return tokens


def plain_text(inline: Token) -> str:
    """What a reader sees of an inline token: its text, breaks as newlines."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


# -- a demo-like shift with fixed times ---------------------------------------------------


PLAYBOOK = """+++
key = "crm_down"
title = { en = "CRM down", zh = "CRM 系统中断" }
kind = "system_fault"
level = 1
respond_within_min = 30
+++

- [ ] Report to technical support (within 5 min)
  立即报告技术支持（5 分钟内）
- [ ] Share the fallback spreadsheet (within 15 min)
  下发应急登记表（15 分钟内）
- [ ] Key the spreadsheet rows into the CRM
  将登记表录入 CRM
"""


def build_sample_shift(db: Database, config: Config) -> ShiftInfo:
    """A day shift with every section filled: log, queue figures, an incident, follow-ups, a signed handover."""
    supervisors.add_supervisor(db, "wang", "王伟", "246810")
    supervisors.add_supervisor(db, "smith", "Alex Smith", "135790")
    carried = followups.add_followup(
        db,
        config,
        "Callback for VIP customer 李先生 | *asap*",
        "special_customer",
        owner="VIP desk",
        priority="high",
        due=at(2, 0),
        now=at(-2, 0),
    )
    shift = shifts.open_shift(db, config, "wang", now=at(0, 3))

    def add(hour: int, minute: int, text: str, category: str = "event", severity: str = "info") -> int:
        moment = at(hour, minute)
        return log.add_entry(db, config, shift, text, category=category, severity=severity, at=moment, now=moment).id

    add(0, 10, "Pre-shift briefing held: 14 agents present, 2 on leave.", "staffing")
    add(0, 40, "CRM 登录缓慢，平均 12 秒，已报技术支持。", "system_status", "warning")
    wrong = add(1, 15, "Inbound surge: 9 callers waiting, answer rate 71%.", "event", "warning")
    add(1, 30, "Two agents from the outbound team moved to inbound.", "staffing")
    add(2, 5, "客户投诉：退款重复扣款，要求当天回电。投诉号 TS-5026。", "customer_issue", "critical")
    add(3, 20, NASTY, "defect", "warning")
    add(4, 0, "Knowledge base: add an answer about expiring loyalty points.", "improvement")
    add(5, 45, "通知：报名期间不批假，外呼回访最多 2 人。", "notice")
    add(6, 10, "CRM back to normal (2 s per login).", "system_status")
    log.correct_entry(db, config, wrong, "Inbound surge: 12 callers waiting, answer rate 68%.", now=at(1, 25))
    store_intervals(db, shift)
    store_alerts(db, shift)

    playbook = parse_playbook(PLAYBOOK, Path("crm_down.md"))
    incident = incidents.start_incident(db, config, shift, playbook, note="Agents cannot save <records>", now=at(2, 30))
    incidents.tick_step(db, incident.number, 1, now=at(2, 33))
    incidents.escalate(db, incident.number, "IT hotline | 王工", now=at(2, 40))
    incidents.tick_step(db, incident.number, 2, note="sheet shared\nin the team channel", now=at(2, 50))
    incidents.close_incident(
        db,
        config,
        shift,
        incident.number,
        "CRM back; 37 rows re-keyed.",
        skips={"3": "keyed in by day shift"},
        now=at(3, 40),
    )

    complaint = followups.add_followup(
        db,
        config,
        "Charged twice for order 8812",
        "complaint",
        urgency="urgent",
        customer="138****0000",
        owner="Billing",
        now=at(2, 6),
    )
    followups.close_followup(db, complaint.id, "Refund of ¥199 approved; customer called back.", now=at(3, 0))
    followups.add_followup(
        db,
        config,
        "Ticket 240117: address change not applied",
        "ticket",
        owner="Logistics",
        due=at(9, 0),
        now=at(6, 30),
    )

    handover = handovers.start_handover(db, config, shift.team, now=at(11, 40))
    for item in handover.items:
        status = next(iter(handovers.statuses_for(item.kind)))
        handovers.answer_item(
            db,
            handover.id,
            item.key,
            status,
            "Noted: all fine." if handovers.note_required(item.kind, status) else "",
            now=at(11, 45),
        )
    issue = next(item for item in handover.items if item.kind not in ("floor_status", "list"))
    handovers.answer_item(
        db, handover.id, issue.key, "issue", "KB login fails | see #defect\n知识库无法登录", now=at(11, 46)
    )
    handovers.confirm_carried(db, handover.id, now=at(11, 50))
    handovers.sign_handover(db, config, handover.id, "outgoing", "wang", "246810", now=at(11, 55))
    # At 20:00 local the next shift, opened by the incoming signature, is the night shift.
    handovers.sign_handover(db, config, handover.id, "incoming", "smith", "135790", now=at(12, 0))
    assert carried.status == "open"
    return shifts.get_shift(db, shift.id)


def store_intervals(db: Database, shift: ShiftInfo) -> None:
    """Two queues, 15-min intervals from 08:00 to 12:00 local, with a peak at 09:15."""
    rows = []
    for index in range(16):
        for queue, scale in (("hotline", 3), ("VIP | <b>", 1)):
            offered = (40 + 7 * index if index != 5 else 160) * scale // 3 + 5
            answered = offered * (80 if index == 5 else 93) // 100
            rows.append(
                {
                    "shift_id": shift.id,
                    "queue": queue,
                    "start": at(0, 0) + timedelta(minutes=15 * index),
                    "snapshots": 900,
                    "max_waiting": 3,
                    "max_longest_wait_s": 40.0,
                    "offered": offered,
                    "answered": answered,
                    "abandoned": offered - answered,
                    "abandoned_short": 1,
                    "answered_within_sl": answered * 85 // 100,
                    "handle_time_s_total": answered * 250.0,
                    "wait_time_s_total": answered * 18.0,
                }
            )
    with db.engine.begin() as connection:
        connection.execute(insert(QueueInterval), rows)


def store_alerts(db: Database, shift: ShiftInfo, acknowledged_by: str = "wang") -> None:
    """The surge at 09:15: waiting ≥ 8 fired, acknowledged, cleared; a drill's alert on the VIP queue."""
    figures = {
        "waiting": 9,
        "longest_wait_s": 95.0,
        "offered": 320,
        "answered": 227,
        "abandoned": 93,
        "answer_rate": 0.709,
        "abandon_rate": 0.291,
        "service_level": 0.62,
        "asa_s": 41.0,
        "aht_s": 250.0,
    }
    rows = [
        {
            "shift_id": shift.id,
            "rule": "waiting_8",
            "queue": "",
            "level": "warning",
            "fired_at": at(1, 12),
            "cleared_at": at(1, 48),
            "acknowledged_by": acknowledged_by,
            "acknowledged_at": at(1, 14),
            "figures": json.dumps(figures),
            "simulated": False,
        },
        {
            "shift_id": shift.id,
            "rule": "answer_rate_low",
            "queue": "VIP | <b>",
            "level": "warning",
            "fired_at": at(4, 30),
            "cleared_at": at(4, 41),
            "acknowledged_by": None,
            "acknowledged_at": None,
            "figures": json.dumps({**figures, "waiting": 2, "answer_rate": 0.75}),
            "simulated": True,
        },
    ]
    with db.engine.begin() as connection:  # stored as the queue monitor stores them: chained
        for row in rows:
            chain.append(
                connection, QueueAlert, connection.execute(insert(QueueAlert).values(row)).inserted_primary_key[0]
            )


@pytest.fixture
def sample(db: Database, config: Config) -> ShiftInfo:
    return build_sample_shift(db, config)


def render(db: Database, config: Config, shift_id: int | None = None, language: str | None = None) -> str:
    return render_summary(gather_summary(db, config, shift_id, now=at(12, 5)), language)


@pytest.fixture
def chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's zh catalog with this feature's translations laid over it.

    The overlay is the export's own msgids (the copy in tests/data/export), so the Chinese
    golden file does not change when the catalogs are merged or rebuilt.
    """
    if PO_FILE.exists():
        with PO_FILE.open("rb") as file:
            catalog = read_po(file, locale="zh_CN", domain=i18n.DOMAIN)
    else:
        catalog = Catalog(locale="zh_CN", domain=i18n.DOMAIN)
    overlay = json.loads((GOLDEN_DIR / "zh-msgids.json").read_text(encoding="utf-8"))
    for msgid, msgstr in overlay.items():
        if msgid in catalog:
            del catalog[msgid]
        catalog.add(msgid, msgstr)
    target = tmp_path / "locale" / "zh_CN" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / f"{i18n.DOMAIN}.mo", "wb") as file:
        write_mo(file, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")


def check_golden(name: str, text: str) -> None:
    """Compare with the golden file; signature digests differ every run (fresh keys), so they are masked."""
    text = ANCHORED_DIGEST.sub('"<digest>"', DIGEST.sub("`<digest>`", text))
    path = GOLDEN_DIR / name
    if os.environ.get("DUTYDESK_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"differs from {path} (DUTYDESK_UPDATE_GOLDEN=1 rewrites it)"


def test_full_shift_matches_the_english_golden_file(db, config, sample) -> None:  # type: ignore[no-untyped-def]
    text = render(db, config, sample.id, "en")
    assert_valid_markdown(text)
    check_golden("shift-summary.en.md", text)


def test_full_shift_matches_the_chinese_golden_file(db, config, sample, chinese) -> None:  # type: ignore[no-untyped-def]
    text = render(db, config, sample.id, "zh")
    assert i18n.current_language() == "en"  # the export's language did not stick
    assert_valid_markdown(text)
    assert "客户投诉：退款重复扣款" in text and "值班日志" in text
    check_golden("shift-summary.zh.md", text)


# -- what the summary says ----------------------------------------------------------------


def test_signatures_show_names_times_and_the_stored_digests(db, config, sample) -> None:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        record = connection.execute(select(Handover.digest)).scalar_one()
        signed = dict(connection.execute(select(HandoverSignature.role, HandoverSignature.digest)).all())
    text = render(db, config, sample.id)
    section = text.split("## Signatures")[1]
    assert f"| outgoing | 王伟 | 2026-11-23 19:55 | `{signed['outgoing'][:16]}…` |" in section
    assert f"| incoming | Alex Smith | 2026-11-23 20:00 | `{signed['incoming'][:16]}…` |" in section
    assert f"Record digest (SHA-256): `{record}`" in section


def test_another_teams_incident_stays_out_of_the_summary(db, config, sample) -> None:  # type: ignore[no-untyped-def]
    other = shifts.open_shift(db, config, "wang", team="B", now=at(3, 0), new_team=True)
    playbook = parse_playbook(PLAYBOOK, Path("crm_down.md"))
    incidents.start_incident(db, config, other, playbook, note="team B only", now=at(3, 5))
    incidents_part = render(db, config, sample.id).split("## Incidents")[1].split("## Duty log")[0]
    assert "### #1 CRM down" in incidents_part and "#2" not in incidents_part


def test_the_handover_lists_issue_notes_and_carried_items(db, config, sample) -> None:  # type: ignore[no-untyped-def]
    section = render(db, config, sample.id).split("## Handover checklist")[1].split("## Signatures")[0]
    assert "| **⚠ issue** | KB login fails \\| see \\#defect ⏎ 知识库无法登录 |" in section
    assert "- ✔ Callback for VIP customer 李先生 \\| \\*asap\\*" in section
    assert_valid_markdown(section)


def test_incidents_follow_ups_and_figures_of_the_shift(db, config, sample) -> None:  # type: ignore[no-untyped-def]
    text = render(db, config, sample.id)
    incidents_part = text.split("## Incidents")[1].split("## Duty log")[0]
    assert "### #1 CRM down · level 1" in incidents_part
    assert "- Steps done: 2 of 3; skipped: 3; overdue: 2" in incidents_part  # step 2 was due 10:45, done 10:50
    assert "  - 10:40 **escalated** — IT hotline \\| 王工" in incidents_part
    follow_ups = text.split("## Follow-ups")[1].split("## Handover checklist")[0]
    opened, closed, still_open = follow_ups.split("### ")[1:]
    assert opened.startswith("Opened during the shift (2)") and "Charged twice" in opened
    assert closed.startswith("Closed during the shift (1)") and "Refund of ¥199 approved" in closed
    assert still_open.startswith("Still open: carried over (2)")
    assert "| 10:00 (overdue 10 h 00 min) | VIP desk |" in still_open and "Charged twice" not in still_open
    figures_part = text.split("## Figures against targets")[1].split("## Alerts")[0]
    assert "| Answer rate | 92.2% | ≥ 85.0% | ✔ |" in figures_part
    assert "| Service level | 77.7% | ≥ 80.0% | ✘ |" in figures_part
    assert "**Peak interval**: 09:15–09:30" in figures_part


def test_sections_come_in_order_and_separate_categories_have_their_own(db, config, sample) -> None:  # type: ignore[no-untyped-def]
    text = render(db, config, sample.id)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[:2] == ["## Supervisors", "## Figures against targets"]
    assert headings.index("## Duty log") < headings.index("## Customer issue (1)") < headings.index("## Defect (1)")
    assert "## Improvement idea (1)" in headings
    duty_log = text.split("## Duty log")[1].split("## Customer issue")[0]
    assert "客户投诉" not in duty_log and "### Staffing (2)" in duty_log


def test_a_correction_shows_the_new_text_and_the_struck_old_one(db, config, sample) -> None:  # type: ignore[no-untyped-def]
    text = render(db, config, sample.id)
    row = next(line for line in text.splitlines() if "12 callers" in line)
    assert "~~Inbound surge: 9 callers waiting, answer rate 71%.~~" in row
    assert "corrected at 09:25" in row
    assert text.count("9 callers waiting") == 1  # the original is not listed as an entry of its own
    tokens = assert_valid_markdown(text)
    assert any(c.type == "s_open" for t in tokens if t.type == "inline" for c in t.children or [])


def test_times_are_in_the_center_zone_with_the_date_after_midnight(db, config, supervisor) -> None:  # type: ignore[no-untyped-def]
    night = shifts.open_shift(db, config, supervisor.name, now=at(12, 1))  # 20:01 local
    log.add_entry(db, config, night, "before midnight", at=at(15, 30), now=at(15, 30))
    log.add_entry(db, config, night, "after midnight", at=at(18, 45), now=at(18, 45))
    text = render(db, config, night.id)
    assert "**Night shift** · 2026-11-23 20:00–08:00" in text
    assert "| 23:30 | info | before midnight |" in text
    assert "| 11-24 02:45 | info | after midnight |" in text


def test_an_empty_shift_says_so_in_one_line_per_section(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    text = render(db, config)
    assert "## Duty log\n\nNo duty-log entries in this shift.\n" in text
    assert "## Defect\n\nNone in this shift.\n" in text
    assert "\n\n\n" not in text
    for title in ("Figures against targets", "Alerts", "Incidents", "Follow-ups", "Handover checklist", "Signatures"):
        section = text.split(f"## {title}\n\n")[1].split("\n")
        assert section[0] and section[1] == "" and section[2].startswith(("## ", "---"))
    assert_valid_markdown(text)


def test_by_default_the_consoles_own_team_comes_first(db, config, sample) -> None:  # type: ignore[no-untyped-def]
    shifts.open_shift(db, config, "wang", team="B", now=at(12, 30), new_team=True)  # opened after team A's night shift
    assert gather_summary(db, config, now=at(13, 0)).shift.team == "A"
    shifts.close_shift(db, shifts.require_current_shift(db, "A").id, now=at(12, 40))
    assert gather_summary(db, config, now=at(13, 0)).shift.team == "B"


def test_no_shift_at_all_is_a_user_error(db, config) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="no shift yet"):
        gather_summary(db, config)


def test_user_text_in_config_labels_and_team_is_escaped_too(db, supervisor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dutydesk.config import load_config

    user = tmp_path / "config.toml"
    user.write_text('[center]\nname = "<script>x</script> | Ops"\n', encoding="utf-8")
    config = load_config(user)
    shift = shifts.open_shift(db, config, supervisor.name, team="B|<i>", now=at(0, 1), new_team=True)
    text = render(db, config, shift.id)
    assert "\\<script\\>x\\</script\\> \\| Ops" in text and "team B\\|\\<i\\>" in text
    assert_valid_markdown(text)


# -- escaping -----------------------------------------------------------------------------


@pytest.mark.parametrize("special", list(SPECIALS.replace(" ", "")) + ["\n", "\r\n", "\t", "```", "<br>", "&lt;"])
def test_each_special_character_keeps_the_table_and_reads_as_typed(special: str) -> None:
    original = f"a{special}b {special}{special} {special}x{special}"
    text = "\n".join(table(["When", "Text", "By"], [["09:00", original, "王伟"], [original, "x", original]]))
    tokens = assert_valid_markdown(text)
    cells = [plain_text(t) for t in tokens if t.type == "inline"]
    expected = escape_free(original)
    assert cells == ["When", "Text", "By", "09:00", expected, "王伟", expected, "x", expected]


def escape_free(text: str) -> str:
    """What a cell shows of `text`: its lines, trimmed, joined by the visible ⏎."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\t", " ").split("\n")]
    return " ⏎ ".join(line for line in lines if line)


def test_a_nasty_entry_keeps_its_table_and_injects_no_html() -> None:
    text = "\n".join(table(["#", "Entry"], [["1", NASTY], ["2", "正常"]]))
    tokens = assert_valid_markdown(text)
    assert [plain_text(t) for t in tokens if t.type == "inline"][3] == escape_free(NASTY)
    rendered = markdown_parser().render(text)
    assert "<b>" not in rendered and "<!--" not in rendered and "<a " not in rendered and "<img" not in rendered
    assert "&lt;b&gt;#1&lt;/b&gt;" in rendered


def test_outside_tables_line_breaks_stay_and_nothing_becomes_a_block() -> None:
    text = "\n".join(bullets([NASTY, "second item"]))
    tokens = assert_valid_markdown(text)
    kinds = [t.type for t in tokens if t.type.endswith("_open")]
    assert kinds == ["bullet_list_open", "list_item_open", "paragraph_open", "list_item_open", "paragraph_open"]
    first = next(t for t in tokens if t.type == "inline")
    assert plain_text(first) == "\n".join(line.strip() for line in NASTY.split("\n") if line.strip())


def test_escape_leaves_chinese_alone_and_removes_control_characters() -> None:
    assert escape("值班日志：正常") == "值班日志：正常"
    assert escape("bell\x07 and\x00 nul") == "bell and nul"
    assert escape("") == ""


# -- files ----------------------------------------------------------------------------------


def test_file_names_are_readable_and_carry_the_team_when_asked(db, config, sample) -> None:  # type: ignore[no-untyped-def]
    assert summary_file_name(sample, config) == "2026-11-23-day-shift.md"
    assert summary_file_name(sample, config, with_team=True) == "2026-11-23-A-day-shift.md"


def test_atomic_write_refuses_an_existing_file_without_force(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(UserError, match="exists: use --force"):
        write_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "keep me"
    write_atomically(target, "new 内容\n", force=True)
    assert target.read_bytes() == "new 内容\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["summary.md"]  # no temporary left behind


def test_the_file_appears_in_one_rename_from_the_same_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renames: list[tuple[Path, Path, str]] = []
    real_replace = os.replace

    def spy(source: str | Path, destination: str | Path) -> None:
        renames.append((Path(source), Path(destination), Path(source).read_text(encoding="utf-8")))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", spy)
    write_atomically(tmp_path / "summary.md", "# 小结\n")
    [(source, destination, content)] = renames
    assert source.parent == destination.parent == tmp_path and source.name.startswith(".summary.md.")
    assert destination == tmp_path / "summary.md" and content == "# 小结\n"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "summary.md"
    target.write_text("old", encoding="utf-8")

    def broken_replace(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(UserError, match="No space left on device"):
        write_atomically(target, "new", force=True)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.md"]


def test_writing_into_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such directory"):
        write_atomically(tmp_path / "missing" / "x.md", "text")


def test_export_all_writes_one_file_per_shift_since_the_day(db, config, sample, tmp_path) -> None:  # type: ignore[no-untyped-def]
    night = shifts.require_current_shift(db, "A")  # opened by the handover
    shifts.close_shift(db, night.id, now=at(23, 55))
    other_team = shifts.open_shift(db, config, "wang", team="B", now=at(1, 0, day=24), new_team=True)
    written = export_all(db, config, datetime(2026, 11, 23).date(), tmp_path / "out", now=at(2, 0, day=24))
    assert [p.name for p in written] == [
        "2026-11-23-A-day-shift.md",
        "2026-11-23-A-night-shift.md",
        "2026-11-24-B-day-shift.md",
    ]
    assert "team B" in written[2].read_text(encoding="utf-8") and other_team.id == 3
    later = export_all(db, config, datetime(2026, 11, 24).date(), tmp_path / "later", now=at(2, 0, day=24))
    assert [p.name for p in later] == ["2026-11-24-B-day-shift.md"]
    with pytest.raises(UserError, match="exists"):
        export_all(db, config, None, tmp_path / "out")
    assert len(export_all(db, config, None, tmp_path / "out", force=True)) == 3


def test_the_export_dir_defaults_to_the_documents_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dutydesk.config import load_config

    monkeypatch.setattr("platformdirs.user_documents_path", lambda: tmp_path / "Documents")
    assert load_config(None).export.directory() == tmp_path / "Documents" / "dutydesk"
    user = tmp_path / "config.toml"
    user.write_text('[export]\ndir = "~/shift-reports"\n', encoding="utf-8")
    assert load_config(user).export.directory() == Path.home() / "shift-reports"


# -- the command ------------------------------------------------------------------------------


class Cli:
    def __init__(self, context: Context, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.monkeypatch, self.capsys = monkeypatch, capsys
        self.db_path = context.db.engine.url.render_as_string(hide_password=False)

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.monkeypatch.setattr(sys, "argv", ["dutydesk", "--db", str(self.db_path), *args])
        with pytest.raises(SystemExit) as exit_info:
            main()
        out, err = self.capsys.readouterr()
        return int(exit_info.value.code or 0), out, err


@pytest.fixture
def cli(context: Context, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(context, monkeypatch, capsys)


def test_export_prints_the_last_shift_and_writes_files_only_with_force(cli, sample, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("export")  # the open shift: the night shift the handover opened
    assert code == 0 and out.startswith("# Shift summary — Customer Service Center\n") and "shift #2 (open)" in out
    code, out, err = cli("export", "1")
    assert code == 0 and "shift #1 (closed)" in out
    target = tmp_path / "summary.md"
    assert cli("export", "1", "-o", str(target))[0] == 0
    first = target.read_text(encoding="utf-8")
    assert first.split("---")[0] == out.split("---")[0]
    target.write_text("edited by hand", encoding="utf-8")
    code, out, err = cli("export", "1", "-o", str(target))
    assert code == 1 and err.strip() == f"error: {target} exists: use --force to replace it"
    assert target.read_text(encoding="utf-8") == "edited by hand"
    assert cli("export", "1", "-o", str(target), "--force")[0] == 0
    assert target.read_text(encoding="utf-8").startswith("# Shift summary")


def test_export_all_and_its_errors(cli, sample, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = cli("export", "--all", "--since", "2026-11-23", "--dir", str(tmp_path / "d"))
    assert code == 0 and (tmp_path / "d" / "2026-11-23-day-shift.md").exists()
    assert (tmp_path / "d" / "2026-11-23-night-shift.md").exists()
    assert out.splitlines()[-1] == f"Wrote 2 files to {tmp_path / 'd'}."
    for args, message in [
        (("export", "--all", "--since", "23/11/2026"), "bad date '23/11/2026'"),
        (("export", "--all", "1"), "--all writes one file per shift"),
        (("export", "--since", "2026-11-23"), "--since and --dir go with --all"),
        (("export", "7"), "no shift #7"),
        (("export", "1", "-o", str(tmp_path / "no" / "such.md")), "no such directory"),
        (("export", "--lang", "fr"), "unknown language 'fr'"),
    ]:
        code, out, err = cli(*args)
        assert code == 1 and message in err and len(err.strip().splitlines()) == 1, (args, err)


def test_export_in_chinese_from_the_command(cli, sample, chinese) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = cli("export", "1", "--lang", "zh")
    assert code == 0 and "## 值班日志" in out and "**白班**" in out


# -- a long shift ---------------------------------------------------------------------------


def test_a_shift_of_5000_entries_exports_completely(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    keys = [c.key for c in config.log.categories]
    start = shift.opened_at
    rows = [
        {
            "shift_id": shift.id,
            "at": start + timedelta(seconds=5 * n),
            "recorded_at": start + timedelta(seconds=5 * n),
            "category": keys[n % len(keys)],
            "severity": "info",
            "text": f"entry {n} | *{n}* 第{n}条",
            "author_id": 1,
        }
        for n in range(5000)
    ]
    with db.engine.begin() as connection:
        connection.execute(insert(LogEntry), rows)
    text = render(db, config, shift.id)
    assert "Entries: 5000 (corrected later: 0)." in text
    assert all(f"| entry {n} \\| \\*{n}\\* 第{n}条 |" in text for n in (0, 1, 2500, 4999))
    table_rows = [line for line in text.splitlines() if line.startswith("| ") and "entry " in line]
    assert len(table_rows) == 5000
    assert_valid_markdown(text)


def test_the_file_on_disk_is_plain_utf8_without_carriage_returns(cli, sample, tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "s.md"
    assert cli("export", "1", "-o", str(target))[0] == 0
    data = target.read_bytes()
    assert b"\r" not in data and "客户投诉".encode() in data


def run_feed_through_monitor(db, config, shift, *, simulated: bool = False):  # type: ignore[no-untyped-def]
    from dutydesk.queue.model import Counters, Snapshot
    from dutydesk.queue.monitor import QueueMonitor

    monitor = QueueMonitor(config, db, lambda: shift, simulated=simulated)
    start = shift.opened_at.replace(second=0, microsecond=0)
    for minute in range(46):  # 10 callers waiting for 45 min: the "≥ 8 for 30 min" rule fires
        counters = Counters(
            offered=10,
            answered=9,
            abandoned=1,
            answered_within_sl=8,
            handle_time_s_total=9 * 200.0,
            wait_time_s_total=9 * 15.0,
        )
        monitor.ingest(Snapshot(start + timedelta(minutes=minute), "hotline", 10, 30.0, counters))
    monitor.save(final=True)
    assert monitor.write_problem is None and monitor.alerts
    return start


@pytest.mark.day_and_night
def test_figures_and_alerts_from_a_feed_run_through_the_queue_monitor(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    """What the live panel (or `queue replay`) stores is what the summary reports."""
    start = run_feed_through_monitor(db, config, shift)
    text = render(db, config, shift.id)
    figures_part = text.split("## Figures against targets")[1].split("## Alerts")[0]
    assert "Simulated figures" not in figures_part
    assert "| Answer rate | 90.0% | ≥ 85.0% | ✔ |" in figures_part
    assert "| Offered | 460 |  |  |" in figures_part
    assert "Queue alert" in text.split("## Duty log")[1]
    alerts_part = text.split("## Alerts")[1].split("## Incidents")[0]
    fired = (start + timedelta(minutes=30)).astimezone(config.zone)
    on_the_shifts_day = fired.date() == shift.planned_start.astimezone(config.zone).date()
    shown = f"{fired:%H:%M}" if on_the_shifts_day else f"{fired:%m-%d %H:%M}"  # after midnight: with the date
    assert f"| {shown} – still active | waiting ≥ 8 · **warning** | all queues | waiting 10, " in alerts_part
    assert alerts_part.count("\n| ") == 3  # header, delimiter, the one alert
    assert_valid_markdown(text)


def test_figures_from_the_simulator_are_marked_as_a_drill(db, config, shift) -> None:  # type: ignore[no-untyped-def]
    run_feed_through_monitor(db, config, shift, simulated=True)
    figures_part = render(db, config, shift.id).split("## Figures against targets")[1].split("## Alerts")[0]
    assert "**Simulated figures: drill data from the simulator, not a live feed.**" in figures_part
    assert "| Answer rate | 90.0% | ≥ 85.0% | ✔ |" in figures_part


def test_an_acknowledging_supervisor_s_special_name_keeps_the_alert_table(db, config, shift, chinese) -> None:  # type: ignore[no-untyped-def]
    supervisors.add_supervisor(db, "li", "李*四_|<b>#`1`", "123456")
    store_alerts(db, shift, acknowledged_by="li")
    for language, joined in (("en", " at "), ("zh", "，")):
        text = render(db, config, shift.id, language)
        tokens = assert_valid_markdown(text)
        cells = [plain_text(t) for t in tokens if t.type == "inline"]
        assert any(cell.startswith("李*四_|<b>#`1`" + joined) for cell in cells), cells
        assert "<b>" not in text.replace("\\<b\\>", "")
    alerts_part = text.split("## 告警")[1].split("## ")[0]
    assert "*模拟演练*" in alerts_part and "未确认" in alerts_part
