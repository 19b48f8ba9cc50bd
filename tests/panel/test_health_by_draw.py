"""Panel health counts a sample's invitations and responses by the draw each contact carries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from panel import services
from panel.contact_rules import ContactRules
from panel.health import panel_health
from panel.sampling import DrawRequest, draw_sample
from panel.tables import ContactEvent
from tests.panel.sampling_helpers import add_members

pytestmark = pytest.mark.db


async def test_a_late_answer_to_one_sample_is_not_credited_to_the_next(db: Any):
    (member,) = await add_members(1, age_band="16-24")
    first = await draw_sample(DrawRequest(size=1, rules=ContactRules(0, 0), seed=1))
    second = await draw_sample(DrawRequest(size=1, rules=ContactRules(0, 0), seed=2))
    now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    contact = services.record_contact
    await contact(
        member, kind="invitation", channel="email", subject="a", at=now, draw_id=first.draw_id
    )
    await contact(
        member,
        kind="invitation",
        channel="sms",
        subject="b",
        at=now + dt.timedelta(days=1),
        draw_id=second.draw_id,
    )
    # the member answers the FIRST survey after the second invitation arrived
    await contact(
        member,
        kind="response",
        channel="email",
        subject="a",
        at=now + dt.timedelta(days=2),
        draw_id=first.draw_id,
    )
    assert (await ContactEvent.select(ContactEvent.draw).first()) == {"draw": first.draw_id}
    health = await panel_health(now=now + dt.timedelta(days=3))
    samples = {s["draw_id"]: s for s in health["by_sample"]}
    assert (samples[first.draw_id]["invited"], samples[first.draw_id]["responded"]) == (1, 1)
    assert (samples[second.draw_id]["invited"], samples[second.draw_id]["responded"]) == (1, 0)
    assert samples[first.draw_id]["exact"] and samples[second.draw_id]["exact"]
    channels = {c["channel"]: (c["invited"], c["responded"]) for c in health["by_channel"]}
    assert channels == {"email": (1, 1), "sms": (1, 0)}
    ages = {g["group"]: (g["invited"], g["responded"]) for g in health["by_stratum"]["age_band"]}
    assert ages == {"16-24": (2, 1)}
    assert health["response_rate_12_months"] == {"invited": 2, "responded": 1, "rate": 0.5}
