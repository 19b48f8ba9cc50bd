"""The fieldwork JSON API: panel managers invite a draw; counts by channel and state; 4xx names
the field; the typed body is in OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest

from service import jobs
from surveys.tables import SurveyInvitation
from tests.surveys.conftest import store_bank
from tests.surveys.fieldwork.conftest import add_draw, add_member
from tests.surveys.test_survey_http import _api

SLUG = "resident-satisfaction"
API = f"/api/surveys/{SLUG}/fieldwork/"


@pytest.mark.db
async def test_research_officers_may_not_invite(client: Any, staff_login: Any) -> None:
    await store_bank(SLUG)
    await staff_login(client, "research_officer")
    assert (await client.get(API)).status_code == 403
    assert (await _api(client, "POST", API, {"draw_id": 1})).status_code == 403


@pytest.mark.db
async def test_invite_a_draw_and_read_counts(client: Any, staff_login: Any, smtp: Any) -> None:
    await store_bank(SLUG)
    members = [
        await add_member(),
        await add_member(channel="sms"),
        await add_member(status="withdrawn"),
    ]
    draw = await add_draw(members)
    await staff_login(client, "panel_manager")

    empty = (await client.get(API)).json()
    assert empty["channels"] == [] and empty["total"]["invited"] == 0
    assert empty["states"] == {"pending": 0, "to_call": 0, "sent": 0, "responded": 0, "skipped": 0}

    for body, field in (
        ({"draw_id": "twelve"}, "draw_id"),
        ({}, "draw_id"),
        ({"draw_id": 1, "colour": "red"}, "colour"),
        ({"draw_id": draw, "minutes": 500}, "minutes"),
        ({"draw_id": 999}, "draw_id"),
    ):
        bad = await _api(client, "POST", API, body)
        assert bad.status_code == 400, (body, bad.text)
        assert [e["path"] for e in bad.json()["errors"]] == [field], bad.text
    assert await SurveyInvitation.count() == 0

    done = await _api(client, "POST", API, {"draw_id": draw, "minutes": 4})
    assert done.status_code == 201, done.text
    answer = done.json()
    assert answer["invited"] == {"email": 1, "sms": 1} and answer["total"] == 2
    [skipped] = answer["skipped"]
    assert skipped["reference"].startswith("P-") and "withdrawn" in skipped["reason"]
    await jobs.run_until_empty()

    counts = (await client.get(API)).json()
    assert counts["version"] == 1
    by_channel = {c["channel"]: c for c in counts["channels"]}
    assert by_channel["email"]["sent"] == 1 and by_channel["sms"]["sent"] == 1
    assert counts["total"]["invited"] == 2 and counts["total"]["skipped"] == 1
    assert counts["states"] == {"pending": 0, "to_call": 0, "sent": 2, "responded": 0, "skipped": 1}

    again = await _api(client, "POST", API, {"draw_id": draw})
    assert again.status_code == 400
    assert all(e["path"].startswith("members[") for e in again.json()["errors"])

    unknown = await client.get("/api/surveys/no-such-survey/fieldwork/")
    assert unknown.status_code == 404


@pytest.mark.db
async def test_openapi_documents_the_typed_body(client: Any) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/surveys/{slug}/fieldwork"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert body["required"] == ["draw_id"]
    assert set(body["properties"]) == {"draw_id", "minutes"}
