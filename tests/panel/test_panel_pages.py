"""The panel overview shows who is under-represented against the borough."""

from __future__ import annotations

from typing import Any

import pytest

from panel import demo

pytestmark = pytest.mark.db


async def test_panel_overview_flags_under_represented_groups(client: Any, staff_login: Any):
    await demo.load_demo(lambda _: None, "http://x")
    await staff_login(client, "panel_manager")
    data = (await client.get("/api/panel/composition")).json()
    assert data["active"] == demo.DEMO_SIZE
    age = next(d for d in data["dimensions"] if d["name"] == "age_band")
    young = next(g for g in age["groups"] if g["code"] == "16-24")
    assert young["panel_share"] < 0.8 * young["population_share"]
    assert sum(g["members"] for g in age["groups"]) == demo.DEMO_SIZE
    page = await client.get("/staff/panel")
    assert page.status_code == 200
    assert "Under-represented" in page.text and "16-24" in page.text
