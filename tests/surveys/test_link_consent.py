"""Personal links go only to members the panel says may be contacted on their channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from panel.tables import Consent
from surveys.services import links
from surveys.services.errors import Conflict
from surveys.tables import SurveyLink
from tests.surveys.conftest import new_member, store_bank
from tests.surveys.test_survey_http import _api

SLUG = "resident-satisfaction"


async def test_a_withdrawn_member_gets_no_link_and_nothing_is_written(db: Any) -> None:
    await store_bank(SLUG)
    ok = await new_member("P-OKAY0001")
    gone = await new_member("P-GONE0001", status="withdrawn")
    with pytest.raises(Conflict) as refused:
        await links.create_links(SLUG, member_ids=[ok, gone])
    [(path, message)] = refused.value.errors
    assert path == "member_references[1]"
    assert "P-GONE0001" in message and "withdrawn" in message
    assert await SurveyLink.count() == 0  # the whole batch is refused, not half issued


async def test_no_consent_on_record_for_the_channel_is_refused(db: Any) -> None:
    await store_bank(SLUG)
    none = await new_member("P-NONE0001", consent=())
    sms_only = await new_member("P-SMS00001", consent=("membership", "contact:sms"))
    with pytest.raises(Conflict) as refused:
        await links.create_links(SLUG, member_ids=[none, sms_only])
    messages = dict(refused.value.errors)
    assert "P-NONE0001" in messages["member_references[0]"]
    assert "no consent for email" in messages["member_references[0]"]
    assert "P-SMS00001" in messages["member_references[1]"]


async def test_consent_withdrawn_later_stops_new_links(db: Any) -> None:
    await store_bank(SLUG)
    member = await new_member("P-LATE0001")
    assert len(await links.create_links(SLUG, member_ids=[member])) == 1
    await Consent.update({Consent.withdrawn_at: dt.datetime.now(dt.UTC)}).where(
        Consent.member == member, Consent.purpose == "contact:email"
    )
    with pytest.raises(Conflict):
        await links.create_links(SLUG, member_ids=[member])


async def test_the_staff_api_answers_409_naming_the_member(client: Any, staff_login: Any) -> None:
    await store_bank(SLUG)
    await new_member("P-API0GONE", status="withdrawn")
    await staff_login(client, "panel_manager")
    answer = await _api(
        client, "POST", f"/api/surveys/{SLUG}/links", {"member_references": ["P-API0GONE"]}
    )
    assert answer.status_code == 409, answer.text
    [error] = answer.json()["errors"]
    assert error["path"] == "member_references[0]" and "P-API0GONE" in error["message"]
    assert await SurveyLink.count() == 0
