"""Notices away from the console, against real receivers on loopback (a JSON webhook and
an SMTP server), with the clock frozen so escalation times are exact."""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from cli_runner import Cli
from dutydesk import clock
from dutydesk.config import Config, load_config
from dutydesk.domain import incidents, log
from dutydesk.domain.playbooks import load_playbooks
from dutydesk.domain.shifts import ShiftInfo, current_shift
from dutydesk.notify import outbox
from dutydesk.notify.channels import redact
from dutydesk.notify.sender import Notifier
from dutydesk.queue.alerts import acknowledge_stored
from dutydesk.store import chain
from dutydesk.store.db import Database, open_database
from dutydesk.store.tables import Notification, QueueAlert
from receivers import Webhook, mailbox, webhook

SECRET = "PLANTED-SECRET-7f3a"


@pytest.fixture
def hook() -> Iterator[Webhook]:
    with webhook() as receiver:
        yield receiver


@pytest.fixture
def manager_hook() -> Iterator[Webhook]:
    with webhook() as receiver:
        yield receiver


def notifier(db: Database, config: Config, environment: dict[str, str], holder: str = "console-1") -> Notifier:
    return Notifier(db, config, config.center.team, environment=environment, holder=holder, playbooks=PLAYBOOKS)


PLAYBOOKS = load_playbooks()


def fire(db: Database, shift: ShiftInfo, at: datetime, *, rule: str = "surge_l2", simulated: bool = False) -> int:
    figures = {"waiting": 17, "answer_rate": 0.4}
    values = {"shift_id": shift.id, "rule": rule, "queue": "", "level": "critical", "fired_at": at}
    values |= {"figures": json.dumps(figures), "simulated": simulated}
    with db.engine.begin() as connection:
        row_id = int(connection.execute(insert(QueueAlert).values(values)).inserted_primary_key[0])
        chain.append(connection, QueueAlert, row_id)  # as the queue monitor's writer does
        return row_id


def critical_rule(config: Config) -> str:
    return next(rule.key for rule in config.queue.rules if rule.level == "critical")


def test_a_fired_alert_arrives_with_its_figures_and_what_to_do(
    frozen_clock: object, db: Database, config: Config, shift: ShiftInfo, hook: Webhook
) -> None:
    now = clock.utcnow()
    fire(db, shift, now - timedelta(seconds=5), rule=critical_rule(config))
    result = notifier(db, config, {"DUTYDESK_NOTIFY_SUPERVISOR": hook.url()}).tick(now)
    assert result.holding and result.sent == ["supervisor"]
    [message] = hook.received
    assert "17" in message["title"] and "排队数" in message["title"]  # the center's language: zh by default
    assert "预案第 1 步" in message["message"] and message["type"] == "failure"  # critical
    entries = [entry.text for entry in log.list_entries(db)]
    assert any("Duty supervisor" in text for text in entries)  # who was notified, in the duty log


def test_an_unacknowledged_alert_escalates_on_time_and_an_acknowledged_one_stops(
    frozen_clock: object, db: Database, config: Config, shift: ShiftInfo, hook: Webhook, manager_hook: Webhook
) -> None:
    start = clock.utcnow()
    ignored = fire(db, shift, start, rule=critical_rule(config))
    answered = fire(db, shift, start, rule=critical_rule(config))
    environment = {"DUTYDESK_NOTIFY_SUPERVISOR": hook.url(), "DUTYDESK_NOTIFY_MANAGER": manager_hook.url()}
    sender = notifier(db, config, environment)
    sender.tick(start)
    acknowledge_stored(db, config, shift, answered, start + timedelta(minutes=3))
    sender.tick(start + timedelta(minutes=9, seconds=59))
    assert manager_hook.received == []  # not before 10 minutes
    sender.tick(start + timedelta(minutes=10))
    assert len(manager_hook.received) == 1
    assert f"#{ignored}" not in manager_hook.received[0]["title"]  # the message names the alert by its text
    with db.engine.connect() as connection:
        keys = connection.execute(select(Notification.key).where(Notification.channel == "manager")).scalars().all()
    assert keys == [f"alert:{ignored}:unacknowledged:10@manager"]  # the acknowledged one never escalated
    assert any(text.startswith("Escalated to Manager") for text in (e.text for e in log.list_entries(db)))


def test_a_console_killed_between_storing_and_sending_sends_exactly_once_after_restart(
    frozen_clock: object, db: Database, config: Config, shift: ShiftInfo, hook: Webhook
) -> None:
    now = clock.utcnow()
    fire(db, shift, now, rule=critical_rule(config))
    environment = {"DUTYDESK_NOTIFY_SUPERVISOR": hook.url()}
    first = notifier(db, config, environment, holder="console-1")
    assert first.tick(now).holding
    hook.received.clear()
    fire(db, shift, now + timedelta(seconds=10), rule=critical_rule(config))
    assert first._store(now + timedelta(seconds=10)) == 1  # stored; the console dies before it sends
    second = notifier(db, config, environment, holder="console-2")
    assert not second.tick(now + timedelta(seconds=20)).holding  # the dead console's lease still runs
    assert second.tick(now + timedelta(seconds=31)).sent == ["supervisor"]  # then it takes over
    for minute in range(1, 4):
        second.tick(now + timedelta(minutes=minute))
    assert len(hook.received) == 1


def test_two_consoles_on_one_database_send_each_notice_once(
    frozen_clock: object, db: Database, config: Config, shift: ShiftInfo, hook: Webhook
) -> None:
    now = clock.utcnow()
    fire(db, shift, now, rule=critical_rule(config))
    environment = {"DUTYDESK_NOTIFY_SUPERVISOR": hook.url()}
    consoles = [notifier(db, config, environment, holder=f"console-{n}") for n in (1, 2)]
    for second in range(0, 60, 5):
        for console in consoles:
            console.tick(now + timedelta(seconds=second))
    assert len(hook.received) == 1


def test_a_storm_of_fifty_alerts_in_a_minute_arrives_as_three_messages_at_most(
    frozen_clock: object, db: Database, config: Config, shift: ShiftInfo, hook: Webhook
) -> None:
    start = clock.utcnow()
    sender = notifier(db, config, {"DUTYDESK_NOTIFY_SUPERVISOR": hook.url()})
    for n in range(50):
        fired = start + timedelta(seconds=n * 1.2)
        fire(db, shift, fired, rule=critical_rule(config))
        sender.tick(fired)
    sender.tick(start + timedelta(seconds=60))
    assert len(hook.received) <= 3
    bodies = "\n".join(m["title"] + "\n" + m["message"] for m in hook.received)
    assert bodies.count("17") >= 50  # every alert is in one of the messages


def test_a_failing_channel_retries_with_backoff_and_is_reported(
    frozen_clock: object, db: Database, config: Config, shift: ShiftInfo, hook: Webhook
) -> None:
    now = clock.utcnow()
    fire(db, shift, now, rule=critical_rule(config))
    sender = notifier(db, config, {"DUTYDESK_NOTIFY_SUPERVISOR": hook.url()})
    hook.failing = True
    assert sender.tick(now).failed == ["supervisor"]
    assert sender.tick(now + timedelta(seconds=10)).failed == []  # waits retry_first_s (15 s) first
    assert sender.tick(now + timedelta(seconds=15)).failed == ["supervisor"]
    with db.engine.connect() as connection:
        [health] = outbox.health(connection, config.center.team)
    assert health.channel == "supervisor" and health.failures_in_a_row == 2
    hook.failing = False
    assert sender.tick(now + timedelta(seconds=45)).sent == ["supervisor"]  # 15 s, then 30 s
    assert len(hook.received) == 1
    failures = [e.text for e in log.list_entries(db) if e.text.startswith("Could not notify")]
    assert len(failures) == 1  # the first failure is logged, not every retry


def test_drill_alerts_go_only_to_the_drill_channel(
    frozen_clock: object, db: Database, config: Config, shift: ShiftInfo, hook: Webhook, manager_hook: Webhook
) -> None:
    now = clock.utcnow()
    fire(db, shift, now, rule=critical_rule(config), simulated=True)
    environment = {"DUTYDESK_NOTIFY_SUPERVISOR": hook.url(), "DUTYDESK_NOTIFY_DRILLS": manager_hook.url()}
    notifier(db, config, environment).tick(now)
    assert hook.received == []
    [drill] = manager_hook.received
    assert drill["title"].startswith("[SIM] ")


def test_email_arrives_through_a_real_smtp_server(
    frozen_clock: object, db: Database, config: Config, shift: ShiftInfo
) -> None:
    now = clock.utcnow()
    fire(db, shift, now, rule=critical_rule(config))
    with mailbox() as box:
        assert notifier(db, config, {"DUTYDESK_NOTIFY_SUPERVISOR": box.url()}).tick(now).sent == ["supervisor"]
    [mail] = box.messages
    assert "Subject: =?utf-8?" in mail and "To: lead@example.com" in mail


def test_incidents_followups_and_an_unsigned_handover_are_announced(
    frozen_clock: object, db: Database, config: Config, shift: ShiftInfo, hook: Webhook
) -> None:
    now = clock.utcnow()
    incident = incidents.start_incident(db, config, shift, PLAYBOOKS.ordered()[0], now=now)
    incidents.post_update(db, incident.number, "CRM 恢复一半", now=now + timedelta(minutes=5))
    after_end = shift.planned_end + timedelta(minutes=config.notify.handover_grace_min)
    sender = notifier(db, config, {"DUTYDESK_NOTIFY_SUPERVISOR": hook.url()})
    sender.tick(now + timedelta(minutes=5))
    sender.tick(after_end)
    titles = "\n".join(hook.titles + [m["message"] for m in hook.received])
    assert f"#{incident.number}" in titles and "CRM 恢复一半" in titles
    assert "交接班未签名" in titles


def test_level_one_incidents_ask_for_a_status_update_on_their_cadence(
    frozen_clock: object, db: Database, config: Config, shift: ShiftInfo
) -> None:
    now = clock.utcnow()
    level_one = next(p for p in PLAYBOOKS.ordered() if p.level == 1)
    incident = incidents.start_incident(db, config, shift, level_one, now=now)
    every = timedelta(minutes=config.notify.incident_update_every_min)
    assert incidents.updates_due(db, every, now + every - timedelta(seconds=1)) == []
    assert incidents.updates_due(db, every, now + every) == [(incident.number, now + every)]
    incidents.post_update(db, incident.number, "still down", now=now + every)
    assert incidents.updates_due(db, every, now + every + timedelta(minutes=1)) == []


def test_secrets_never_reach_the_log_the_outbox_json_the_export_or_the_file(
    on_duty: Cli, hook: Webhook, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hook.failing = True
    monkeypatch.setenv("DUTYDESK_NOTIFY_SUPERVISOR", f"json://duty:{SECRET}@127.0.0.1:{hook.port}/{SECRET}")
    db = open_database(on_duty.db_path)
    config = load_config(None)
    shift = current_shift(db, config.center.team)
    assert shift is not None
    fire(db, shift, clock.utcnow(), rule=critical_rule(config))
    db.close()
    assert "failed 1" in on_duty.ok("notify", "run", "--once")
    summary = tmp_path / "summary.md"
    outputs = [
        on_duty.ok("notify", "list", "--json"),
        on_duty.ok("notify", "channels", "--json"),
        on_duty.ok("log", "list", "--json"),
        on_duty.ok("export", "-o", str(summary)),
        summary.read_text(),
    ]
    assert "Could not notify" in outputs[2]
    assert SECRET not in "".join(outputs)
    if isinstance(on_duty.db_path, Path):  # SQLite: not in the database file (and its journal) either
        files = on_duty.db_path.parent.glob(on_duty.db_path.name + "*")
        assert SECRET.encode() not in b"".join(path.read_bytes() for path in files)


def test_redact_hides_a_url_and_its_parts() -> None:
    url = f"json://user:{SECRET}@example.invalid:8080/hooks/{SECRET}?token={SECRET}"
    text = f"could not reach {url} (token {SECRET}, path /hooks/{SECRET})"
    assert SECRET not in redact(text, [url])


def test_a_url_file_others_can_read_is_refused(db: Database, config: Config, tmp_path: Path) -> None:
    url_file = tmp_path / "hook.url"
    url_file.write_text("json://127.0.0.1:9/x")
    url_file.chmod(0o644)
    shared = config.notify.model_copy(
        update={"channels": [config.notify.channels[0].model_copy(update={"url_env": "", "url_file": str(url_file)})]}
    )
    sender = Notifier(db, config.model_copy(update={"notify": shared}), "A", environment={}, playbooks=PLAYBOOKS)
    [channel] = sender.channels.values()
    assert channel.url is None and "chmod 600" in (channel.problem or "")
    url_file.chmod(0o600)
    sender = Notifier(db, config.model_copy(update={"notify": shared}), "A", environment={}, playbooks=PLAYBOOKS)
    assert next(iter(sender.channels.values())).url == "json://127.0.0.1:9/x"


@pytest.mark.parametrize(
    "url",
    [
        "dingtalk://abcdef0123456789/",  # 钉钉群机器人 (access token)
        "dingtalk://SEC0123abcd@abcdef0123456789/",  # with the signing secret
        "wecombot://0123abcd-4567-89ef-0123-456789abcdef",  # 企业微信群机器人 (webhook key)
        "feishu://0123abcd-4567-89ef-0123-456789abcdef",  # 飞书群机器人 (webhook token)
    ],
)
def test_the_chinese_group_bots_urls_are_understood_offline(url: str) -> None:
    """These need the internet to deliver; here only their syntax is checked."""
    import apprise

    assert apprise.Apprise().add(url)


def test_an_unexpected_failure_while_sending_carries_no_secret_into_a_crash_report(
    frozen_clock: object,
    db: Database,
    config: Config,
    shift: ShiftInfo,
    hook: Webhook,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from dutydesk.notify import sender as sender_module
    from dutydesk.tui.crash import write_crash_report

    url = f"json://duty:{SECRET}@127.0.0.1:{hook.port}/{SECRET}"

    def broken(channel: object, title: str, body: str, level: str, timeout_s: float) -> str | None:
        raise ConnectionError(f"cannot reach {url}")

    monkeypatch.setattr(sender_module, "send", broken)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    fire(db, shift, clock.utcnow(), rule=critical_rule(config))
    with pytest.raises(RuntimeError) as failure:
        notifier(db, config, {"DUTYDESK_NOTIFY_SUPERVISOR": url}).tick(clock.utcnow())
    report = write_crash_report(failure.value)
    assert SECRET not in str(failure.value) and SECRET not in report.read_text(encoding="utf-8")
