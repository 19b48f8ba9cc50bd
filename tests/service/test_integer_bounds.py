"""Integers from the URL or a body are bounded at the edge: 1 <= n < 2**31, else a 400 naming
the field. Before the bound, a huge `version` reached the database and came back as a 500
(PostgreSQL: integer out of range; SQLite: Python int too large to convert)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import csrf_token
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS, store_bank

HUGE = 2**63  # beyond both databases' integer columns
JUST_OVER = 2**31

SURVEY_URLS = [
    ("/api/surveys/resident-satisfaction/versions/{n}", "version"),
    ("/api/surveys/resident-satisfaction/export?version={n}", "version"),
    ("/staff/surveys/resident-satisfaction/export?version={n}", "version"),
    ("/staff/surveys/resident-satisfaction/versions/{n}/definition.yaml", "version"),
    ("/staff/surveys/resident-satisfaction/versions?saved=uploaded&version={n}", "version"),
]
ACCESSIBILITY_URLS = [
    ("/staff/accessibility/sites/{n}", "site_id"),
    ("/staff/accessibility/sites/{n}/statement", "site_id"),
    ("/staff/accessibility/sites/{n}/statement/download", "site_id"),
    ("/staff/accessibility/runs/{n}", "run_id"),
    ("/staff/accessibility/runs/{n}/report.csv", "run_id"),
    ("/staff/accessibility/runs/{n}/report.json", "run_id"),
    ("/staff/accessibility/runs/{n}/trend.png", "run_id"),
    ("/staff/accessibility/runs/{n}/screenshots/a.png", "run_id"),
    ("/staff/accessibility/runs/{n}/marks/abc", "run_id"),
    ("/api/accessibility/runs/{n}", "run_id"),
]


def _names_field(response: Any, field: str) -> bool:
    if "json" in response.headers.get("content-type", ""):
        return field in json.dumps(response.json())
    return field in response.text


@pytest.mark.parametrize("n", [HUGE, JUST_OVER, 0, -1])
async def test_survey_integers_are_bounded(client: Any, staff_login: Any, n: int) -> None:
    await store_bank("resident-satisfaction")
    await staff_login(client, "research_officer")
    for template, field in SURVEY_URLS:
        response = await client.get(template.format(n=n))
        assert response.status_code == 400, (template, response.status_code, response.text)
        assert _names_field(response, field), (template, response.text)


@pytest.mark.parametrize("n", [HUGE, JUST_OVER, 0])
async def test_accessibility_integers_are_bounded(client: Any, staff_login: Any, n: int) -> None:
    await staff_login(client, "web_team")
    token = await csrf_token(client)
    for template, field in ACCESSIBILITY_URLS:
        response = await client.get(template.format(n=n))
        assert response.status_code == 400, (template, response.status_code, response.text)
        assert _names_field(response, field), (template, response.text)
    for url, field in [
        (f"/staff/accessibility/sites/{n}/runs", "site_id"),
        (f"/api/accessibility/sites/{n}/runs", "site_id"),
        (f"/staff/accessibility/sites/1/marks?run={n}", "run"),
    ]:
        response = await client.post(url, headers={"x-csrftoken": token})
        assert response.status_code == 400, (url, response.status_code, response.text)
        assert _names_field(response, field), (url, response.text)


async def test_the_html_error_page_names_the_field(client: Any, staff_login: Any) -> None:
    await staff_login(client, "web_team")
    response = await client.get(
        f"/staff/accessibility/runs/{HUGE}", headers={"accept": "text/html"}
    )
    assert response.status_code == 400
    assert "<code>run_id</code>" in response.text


async def test_in_range_but_unknown_is_still_404(client: Any, staff_login: Any) -> None:
    await store_bank("resident-satisfaction")
    await staff_login(client, "research_officer")
    response = await client.get(f"/api/surveys/resident-satisfaction/versions/{2**31 - 1}")
    assert response.status_code == 404


@pytest.mark.parametrize("n", [HUGE, JUST_OVER, 0])
async def test_assisted_entry_version_is_bounded(client: Any, staff_login: Any, n: int) -> None:
    await store_bank("resident-satisfaction")
    await staff_login(client, "panel_manager")
    response = await client.post(
        "/api/surveys/resident-satisfaction/responses",
        content=json.dumps(
            {"mode": "paper", "answers": RESIDENT_SATISFACTION_ANSWERS, "version": n}
        ).encode(),
        headers={"x-csrftoken": await csrf_token(client), "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["path"] == "version"
