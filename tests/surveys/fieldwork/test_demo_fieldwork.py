"""The demo's completed wave has real fieldwork rows, so the fieldwork page shows figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from panel import demo as panel_demo
from panel.health import panel_health
from surveys import demo
from surveys.services import definitions_store, fieldwork
from surveys.tables import SurveyInvitation, SurveyMessage

pytestmark = pytest.mark.db


async def test_demo_wave_has_invitations_reminders_and_responses(db: Any) -> None:
    await panel_demo.load_demo(lambda _line: None, "http://127.0.0.1:8000")
    lines: list[str] = []
    await demo.load_demo(lines.append, "http://127.0.0.1:8000")
    [line] = [x for x in lines if x.startswith("Surveys: demo fieldwork")]
    assert "invited to resident-satisfaction version 2" in line

    stored = await definitions_store.get_version("resident-satisfaction")
    counts = await fieldwork.fieldwork_counts(stored.survey_id, stored.version)
    total = counts[-1]
    assert total["channel"] == "total" and total["invited"] > 100
    assert 0 < total["responded"] < total["invited"]
    assert total["reminded"] > 0 and total["sent"] == total["invited"]
    # Every sent invitation has its invitation message, and a reminder per reminder sent.
    invitations = await SurveyInvitation.select().where(SurveyInvitation.state != "skipped")
    messages = await SurveyMessage.count()
    assert messages == sum(1 + r["reminders_sent"] for r in invitations)
    # Responders are those with a complete response; nobody responded before being invited.
    assert all(r["responded_at"] is None or r["responded_at"] > r["sent_at"] for r in invitations)

    # Panel health (the panel manager's home page) tells the same story as the fieldwork page:
    # the same draw, invited on the same day, the same counts by channel.
    health = await panel_health()
    demo_draw = int(invitations[0]["draw"])
    [sample] = [s for s in health["by_sample"] if s["draw_id"] == demo_draw]
    assert sample["exact"]
    assert (sample["invited"], sample["responded"]) == (total["sent"], total["responded"])
    assert dt.datetime.fromisoformat(sample["created_at"]) <= min(r["sent_at"] for r in invitations)
    by_channel = {c["channel"]: (c["invited"], c["responded"]) for c in health["by_channel"]}
    assert by_channel == {
        c["channel"]: (c["sent"], c["responded"]) for c in counts if c["channel"] != "total"
    }

    again: list[str] = []
    await demo.load_demo(again.append, "http://127.0.0.1:8000")
    assert any("demo fieldwork for draw" in x and "already recorded" in x for x in again)
    assert await SurveyMessage.count() == messages
