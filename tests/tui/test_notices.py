"""The console runs the team's notifier: notices go out while it is open, whatever the screen."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from conftest import TEST_PIN
from dutydesk import clock
from dutydesk.context import open_context
from dutydesk.domain import incidents, shifts, supervisors
from dutydesk.domain.playbooks import load_playbooks
from dutydesk.store import chain
from dutydesk.store.tables import QueueAlert
from dutydesk.tui.app import make_app
from dutydesk.tui.screens.incident import IncidentScreen
from receivers import webhook
from waiting import wait_for

from .conftest import Notes


async def test_the_console_sends_an_alert_and_reminds_of_a_due_status_update(
    frozen_clock: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text("[notify]\ntick_s = 0.1\n", encoding="utf-8")
    context = open_context(tmp_path / "desk.db", config_file, "en")
    supervisors.add_supervisor(context.db, "wang", "王伟", TEST_PIN)
    shift = shifts.open_shift(context.db, context.config, "wang")
    now = clock.utcnow()
    level_one = next(p for p in load_playbooks().ordered() if p.level == 1)
    incident = incidents.start_incident(context.db, context.config, shift, level_one, now=now - timedelta(minutes=31))
    rule = next(r for r in context.config.queue.rules if r.level == "critical")
    alert = {"shift_id": shift.id, "rule": rule.key, "queue": "", "level": "critical", "fired_at": now}
    with context.db.engine.begin() as connection:
        result = connection.execute(insert(QueueAlert).values(alert | {"figures": json.dumps({"waiting": 17})}))
        chain.append(connection, QueueAlert, result.inserted_primary_key[0])
    with webhook() as hook:
        monkeypatch.setenv("DUTYDESK_NOTIFY_SUPERVISOR", hook.url())
        app = make_app(context)
        notes = Notes(app)

        def received() -> str:
            return "\n".join(message["title"] + message["message"] for message in hook.received)

        async with app.run_test(size=(100, 30)):
            assert await wait_for(lambda: "17" in received(), 30), received()  # the alert's figure
            assert await wait_for(lambda: any(f"#{incident.number}" in m for m, _ in notes.seen), 30)
    context.db.close()


async def test_s_on_the_incident_screen_posts_a_status_update_to_the_timeline(
    frozen_clock: object, tmp_path: Path
) -> None:
    context = open_context(tmp_path / "desk.db", None, "en")
    supervisors.add_supervisor(context.db, "wang", "王伟", TEST_PIN)
    shift = shifts.open_shift(context.db, context.config, "wang")
    level_one = next(p for p in load_playbooks().ordered() if p.level == 1)
    incident = incidents.start_incident(context.db, context.config, shift, level_one)
    app = make_app(context)
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(IncidentScreen(incident.number))
        assert await wait_for(lambda: isinstance(app.screen, IncidentScreen) and app.screen.view is not None, 15)
        await pilot.press("s")
        await pilot.press(*"CRM back for half the agents", "enter")
        assert await wait_for(
            lambda: any(e.kind == "update" for e in incidents.get_incident(context.db, incident.number).timeline), 15
        )
    [update] = [e for e in incidents.get_incident(context.db, incident.number).timeline if e.kind == "update"]
    assert update.text == "CRM back for half the agents"
    context.db.close()
