"""One JSON contract: every list/show command has --json, and every --json output validates
against its schema in docs/json/ (both on a busy database and on a fresh one)."""

import json
from pathlib import Path

import pytest
import typer
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from cli_runner import Cli
from dutydesk.cli import app
from dutydesk.cli_texts import commands

SCHEMA_DIR = Path(__file__).parents[2] / "docs" / "json"
SCHEMA_OF = {
    ("supervisor", "list"): "supervisor-list",
    ("shift", "current"): "shift-show",
    ("shift", "show"): "shift-show",
    ("shift", "list"): "shift-list",
    ("log", "list"): "log-list",
    ("log", "search"): "log-list",
    ("followup", "list"): "followup-list",
    ("followup", "show"): "followup-show",
    ("playbook", "list"): "playbook-list",
    ("playbook", "show"): "playbook-show",
    ("incident", "list"): "incident-list",
    ("incident", "show"): "incident-show",
    ("incident", "stats"): "incident-stats",
    ("handover", "list"): "handover-list",
    ("handover", "show"): "handover-show",
    ("staffing",): "staffing",
    ("queue", "check"): "queue-check",
    ("queue", "watch"): "queue-watch",
    ("queue", "replay"): "queue-replay",
    ("notify", "channels"): "notify-channels",
    ("notify", "list"): "notify-list",
    ("alert", "list"): "alert-list",
    ("log", "threads"): "log-threads",
    ("db", "copy"): "db-copy",
    ("db", "migrate"): "db-migrate",
}
LISTS = [path for path, schema in SCHEMA_OF.items() if path[-1] == "list"]


def json_options() -> dict[tuple[str, ...], bool]:
    """Every leaf command and whether it takes --json."""
    return {
        path: any("--json" in parameter.opts for parameter in command.params)
        for path, command in commands(typer.main.get_command(app))
        if not getattr(command, "commands", None)
    }


def validator(schema_name: str) -> Draft202012Validator:
    resources = [
        (schema["$id"], Resource.from_contents(schema))
        for schema in (json.loads(path.read_text(encoding="utf-8")) for path in SCHEMA_DIR.glob("*.schema.json"))
    ]
    schema = json.loads((SCHEMA_DIR / f"{schema_name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=Registry().with_resources(resources))


def assert_valid(schema_name: str, output: object) -> None:
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator(schema_name).iter_errors(output)]
    assert errors == [], schema_name


def test_every_list_and_show_command_has_json_and_a_schema() -> None:
    found = json_options()
    lacking = [path for path, has in found.items() if path[-1] in ("list", "show", "current") and not has]
    assert lacking == []
    with_json = {path for path, has in found.items() if has}
    assert with_json == set(SCHEMA_OF)
    assert all((SCHEMA_DIR / f"{name}.schema.json").exists() for name in SCHEMA_OF.values())


@pytest.fixture
def busy(on_duty: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, ...], tuple[str, ...]]:
    """A shift with a log, a complaint that was chased, an incident and a handover; the arguments per command."""
    on_duty.ok("log", "add", "客户重复扣款 | **提交**", "--category", "event", "--severity", "warning")
    on_duty.ok("log", "add", "CRM 登录缓慢", "--category", "system_status", "--severity", "warning")  # a problem
    on_duty.ok("followup", "add", "回电", "--kind", "complaint", "--urgency", "urgent")
    on_duty.ok("followup", "chase", "1", "已催财务")
    on_duty.ok("incident", "start", "crm_down")
    on_duty.ok("handover", "start")
    feed = tmp_path / "feed.jsonl"  # 9 callers waiting for 35 minutes: the waiting rule fires
    counters = {"offered": 3, "answered": 2, "abandoned": 1, "answered_within_sl": 2, "handle_time_s_total": 480}
    snapshots = [
        {"ts": f"2026-11-25T10:{minute:02d}:00+08:00", "queue": "vip", "waiting": 9, "longest_wait_s": 60}
        | counters
        | {"wait_time_s_total": 20}
        for minute in range(35)
    ]
    feed.write_text("".join(json.dumps(snapshot) + "\n" for snapshot in snapshots), encoding="utf-8")
    on_duty.ok("queue", "replay", str(feed))  # stores the alerts `alert list` shows
    monkeypatch.setenv("DUTYDESK_NOTIFY_SUPERVISOR", "json://127.0.0.1:9/closed")  # nothing listens: a failed send
    on_duty.ok("notify", "run", "--once")  # fills the outbox `notify list` shows
    return {
        ("shift", "show"): ("1",),
        ("log", "search"): ("客户",),
        ("db", "copy"): ("--from", str(on_duty.db_path), "--to", str(tmp_path / "copy.db")),
        ("followup", "show"): ("1",),
        ("playbook", "show"): ("crm_down",),
        ("incident", "show"): ("1",),
        ("staffing",): ("--calls", "100"),
        ("queue", "check"): (str(feed),),
        ("queue", "watch"): ("--feed", "sim", "--seed", "1", "--once"),
        ("queue", "replay"): (str(feed),),
    }


@pytest.mark.parametrize("path", list(SCHEMA_OF), ids=" ".join)
def test_json_output_follows_its_schema(on_duty: Cli, busy: dict[tuple[str, ...], tuple[str, ...]], path) -> None:  # type: ignore[no-untyped-def]
    if path == ("db", "copy") and not isinstance(on_duty.db_path, Path):
        pytest.skip("db copy reads an SQLite file; on the server run the source is a URL")
    output = on_duty.json(*path, *busy.get(path, ()))
    assert output != []
    assert_valid(SCHEMA_OF[path], output)


@pytest.mark.parametrize("path", LISTS, ids=" ".join)
def test_an_empty_list_is_an_empty_array_with_exit_0(cli: Cli, path: tuple[str, ...]) -> None:
    if path == ("playbook", "list"):
        pytest.skip("the shipped playbooks are always there")
    assert cli.json(*path) == []


# A replay stores what it reads (run twice, it is refused or doubles the alerts), and
# staffing and db commands print figures only.
@pytest.mark.parametrize(
    "path", [path for path in SCHEMA_OF if path[0] not in ("queue", "staffing", "db")], ids=" ".join
)
def test_json_is_the_same_in_every_language(on_duty: Cli, busy: dict[tuple[str, ...], tuple[str, ...]], path) -> None:  # type: ignore[no-untyped-def]
    arguments = (*path, *busy.get(path, ()))
    assert on_duty.json("--lang", "zh", *arguments) == on_duty.json("--lang", "en", *arguments)


def test_a_signed_handover_carries_data_not_sentences(on_duty: Cli) -> None:
    """Open problem, open follow-up and read-back note: each as data; people as persons; both languages alike."""
    from test_handover_cli import INCOMING_PIN, answer_everything, sign_both

    on_duty("supervisor", "add", "li", "--display-name", "李娜", "--pin-stdin", stdin=INCOMING_PIN.encode())
    on_duty.ok("log", "add", "CRM 登录缓慢", "--category", "system_status", "--severity", "warning")
    on_duty.ok("followup", "add", "回电 | *VIP*", "--kind", "ticket", "--owner", "物流部")
    answer_everything(on_duty)
    sign_both(on_duty)
    shown = on_duty.json("--lang", "zh", "handover", "show", "1")
    assert_valid("handover-show", shown)
    assert_valid("handover-list", on_duty.json("handover", "list"))
    assert isinstance(shown, dict)
    assert shown["outgoing_supervisor"] == {"name": "wang", "display_name": "王伟"}
    assert shown["incoming_supervisor"] == {"name": "li", "display_name": "李娜"}
    by_source = {carried["source"]: carried for carried in reversed(shown["carried"])}  # the first of each source
    assert by_source["log_thread"]["anomaly"]["text"] == "CRM 登录缓慢"
    assert (by_source["follow_up"]["follow_up"]["title"], by_source["follow_up"]["follow_up"]["owner"]) == (
        "回电 | *VIP*",
        "物流部",
    )
    assert by_source["item"]["note"] and by_source["item"]["anomaly"] is None
    english = on_duty.json("--lang", "en", "handover", "show", "1")
    assert english == shown
