"""`GET /api/measures`: role-guarded, the period named when bad, figures as the report has them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.surveys.test_progress_report import _responses

NOW = dt.datetime.now(dt.UTC)
PERIOD = f"{NOW.year}-H{1 if NOW.month <= 6 else 2}"


async def test_measures_api_needs_a_role_and_a_valid_period(client: Any, staff_login: Any) -> None:
    assert (await client.get(f"/api/measures?period={PERIOD}")).status_code in (401, 302, 303)
    await staff_login(client, "web_team")
    assert (await client.get(f"/api/measures?period={PERIOD}")).status_code == 403


async def test_measures_api_gives_values_status_and_trend(client: Any, staff_login: Any) -> None:
    await _responses()
    await staff_login(client, "research_officer")
    bad = await client.get("/api/measures?period=2026-H3")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["path"] == "period"
    ok = await client.get(f"/api/measures?period={PERIOD}")
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["period"] == PERIOD
    by_id = {x["id"]: x for x in body["measures"]}
    sat = by_id["council_satisfaction"]
    # three assisted responses with no panel profile cannot be raked: said, not guessed
    current = sat["values"][-1]
    assert current["period"] == PERIOD and current["estimate"] is None
    assert current["note"].startswith("weighting failed: 3 of 3 responses in ")
    assert "no panel profile for age_band" in current["note"]
    assert sat["problems"] == [current["note"]]
    assert by_id["trust"]["status"] in ("no target set", "no figure for the period")
    assert by_id["panel_members"]["values"][-1]["estimate"] == 0.0
    assert by_id["a11y_pages"]["values"][-1]["note"] == f"no audit finished in {PERIOD}"
    assert len(sat["values"]) == 4
    assert sat["trend"]["words"] == "no earlier figure to compare"
    assert body["measures"][0]["source"]["kind"] == "survey"
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/measures" in schema["paths"]
