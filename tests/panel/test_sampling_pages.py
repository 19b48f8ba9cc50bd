"""The staff sample page and API: panel managers only, CSRF form, errors by field, replay."""

from __future__ import annotations

import re
from typing import Any

import pytest

from panel.tables import Draw
from tests.panel.sampling_helpers import add_members

pytestmark = pytest.mark.db


def _csrf(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


async def test_form_draws_a_quota_sample_and_shows_it_with_a_replay(client: Any, staff_login: Any):
    await add_members(60, age_band=["16-24", "25-34", "35-44"], sex=["female", "male"])
    user = await staff_login(client, "panel_manager")
    form = await client.get("/staff/panel/samples/new")
    assert form.status_code == 200 and "Draw a sample" in form.text
    token = _csrf(form.text)
    data = {
        "_csrf_token": token,
        "size": "12",
        "method": "quota",
        "quotas": "age_band,16-24,4,4\nsex,female,5,7",
        "not_invited_within_days": "0",
        "max_invitations_12_months": "0",
        "seed": "77",
    }
    made = await client.post("/staff/panel/samples", data=data, follow_redirects=False)
    assert made.status_code == 303, made.text
    page = await client.get(made.headers["location"])
    assert page.status_code == 200
    assert "12 members" in page.text and "Seed" in page.text and ">77<" in page.text
    assert "Age band: 16-24" in page.text
    draw_id = int(made.headers["location"].rsplit("/", 1)[1])
    row = await Draw.select(Draw.created_by).where(Draw.id == draw_id).first()
    assert row["created_by"] == user.email
    replay = await client.post(
        f"/staff/panel/samples/{draw_id}/replay",
        data={"_csrf_token": _csrf(page.text)},
        follow_redirects=True,
    )
    assert "The replay drew the same 12 members" in replay.text
    listing = await client.get("/staff/panel/samples")
    assert f"Draw {draw_id}" in listing.text


async def test_form_errors_name_the_field_and_record_nothing(client: Any, staff_login: Any):
    await add_members(10, age_band="16-24")
    await staff_login(client, "panel_manager")
    token = _csrf((await client.get("/staff/panel/samples/new")).text)
    bad = await client.post(
        "/staff/panel/samples",
        data={"_csrf_token": token, "size": "many", "method": "quota", "quotas": ""},
    )
    assert bad.status_code == 400
    assert "There is a problem" in bad.text and 'href="#size"' in bad.text
    assert "Enter size as a whole number" in bad.text and 'href="#quotas"' in bad.text
    short = await client.post(
        "/staff/panel/samples",
        data={
            "_csrf_token": token,
            "size": "5",
            "method": "quota",
            "quotas": "age_band,16-24,0,5\nsex,female,3,5",
        },
    )
    assert short.status_code == 400
    assert "sex=female: need at least 3, only 0 eligible" in short.text
    missing = await client.post("/staff/panel/samples", data={"size": "5"})
    assert missing.status_code == 403  # no CSRF token
    assert await Draw.count() == 0


async def test_api_draws_shows_and_replays_and_names_bad_fields(client: Any, staff_login: Any):
    await add_members(40, sex=["female", "male"])
    await staff_login(client, "panel_manager")
    token = _csrf((await client.get("/staff/panel/samples/new")).text)
    headers = {"x-csrftoken": token}
    made = await client.post(
        "/api/panel/samples",
        json={
            "size": 10,
            "method": "stratified",
            "stratify": "sex",
            "rules": {"not_invited_within_days": 0, "max_invitations_12_months": 0},
            "seed": 5,
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    document = made.json()
    assert {"draw_id", "seed", "method", "eligible", "drawn"} <= set(document)
    assert document["method"] == "stratified" and document["eligible"] == 40
    assert set(document["drawn"][0]) == {"reference", "sex"}
    assert sorted(d["sex"] for d in document["drawn"]).count("female") == 5
    shown = (await client.get(f"/api/panel/samples/{document['draw_id']}")).json()
    assert shown["drawn"] == document["drawn"]
    replay = await client.post(f"/api/panel/samples/{document['draw_id']}/replay", headers=headers)
    assert replay.json() == {"draw_id": document["draw_id"], "same": True, "members": 10}
    bad = await client.post(
        "/api/panel/samples",
        json={"size": 0, "method": "lottery", "rules": {"max_invites": 1}},
        headers=headers,
    )
    assert bad.status_code == 400
    paths = {e["path"] for e in bad.json()["errors"]}
    assert paths == {"size", "method", "rules.max_invites"}
    big = await client.post(
        "/api/panel/samples",
        json={"size": 41, "rules": {"max_invitations_12_months": 0}},
        headers=headers,
    )
    assert big.status_code == 409
    assert "larger than the 40 eligible" in big.json()["errors"][0]["message"]
    assert (await client.get("/api/panel/samples/999999")).status_code == 404


@pytest.mark.parametrize("role", ["research_officer", "web_team"])
async def test_other_roles_cannot_draw(client: Any, staff_login: Any, role: str):
    await staff_login(client, role)
    assert (await client.get("/staff/panel/samples/new")).status_code == 403
    assert (await client.get("/api/panel/samples")).status_code == 403
