"""Self-service by personal link: change details and preferences, pause, leave, download,
ask for erasure; every change recorded, consent changes as Consent records; CSRF on forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from panel import services, signup
from panel.tables import Consent, DataRequest, Member, MemberChange
from tests.conftest import post_form

pytestmark = pytest.mark.db


async def member_link() -> tuple[int, str]:
    result = await signup.apply(
        signup.Application(
            first_name="Owain",
            last_name="Hughes",
            preferred_contact="email",
            consents={"membership", "contact:email"},
            email="owain@example.org",
            address_line1="3 Bridge Row",
            town="Northbridge",
            postcode="NB5 1GH",
        )
    )
    assert result.confirm_token
    await signup.confirm_email(result.confirm_token)
    return result.member_id, await services.self_service_link(result.member_id)


async def test_the_page_shows_the_members_details_and_unknown_links_are_404(client: Any) -> None:
    _, link = await member_link()
    page = await client.get(link)
    assert page.status_code == 200
    assert "owain@example.org" in page.text and "Active" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert (await client.get("/panel/me/not-a-token")).status_code == 404
    welsh = await client.get(link + "?lang=cy")
    assert "Eich manylion panel" in welsh.text


async def test_changing_details_is_recorded_and_bad_input_names_the_field(client: Any) -> None:
    member_id, link = await member_link()
    form = {
        "first_name": "Owain",
        "last_name": "Hughes-Jones",
        "email": "owain@example.org",
        "phone": "07700 900444",
        "address_line1": "3 Bridge Row",
        "town": "Northbridge",
        "postcode": "nb5 1gh",
    }
    saved = await post_form(client, f"{link}/details", form)
    assert saved.status_code == 303 and saved.headers["location"] == f"{link}?saved=details"
    member = await Member.select().where(Member.id == member_id).first()
    assert (member["last_name"], member["phone"], member["phone_normalised"]) == (
        "Hughes-Jones",
        "+447700900444",
        "+447700900444",
    )
    assert member["name_key"] == "owain|hughesjones|NB51GH"
    change = (
        await MemberChange.select()
        .where(MemberChange.action == "details")
        .output(load_json=True)
        .first()
    )
    assert sorted(change["fields"]) == ["last_name", "phone"]
    assert "Hughes" not in str(change)  # the record names fields, never values

    bad = await post_form(client, f"{link}/details", {**form, "email": "not-an-email"})
    assert bad.status_code == 400 and 'href="#email"' in bad.text
    no_csrf = await client.post(f"{link}/details", data=form)
    assert no_csrf.status_code == 403


async def test_preferences_change_consent_as_records(client: Any) -> None:
    member_id, link = await member_link()
    await post_form(
        client,
        f"{link}/details",
        {
            "first_name": "Owain",
            "last_name": "Hughes",
            "email": "owain@example.org",
            "phone": "07700900444",
            "address_line1": "3 Bridge Row",
            "town": "Northbridge",
            "postcode": "NB5 1GH",
        },
    )
    response = await post_form(
        client,
        f"{link}/preferences",
        {
            "preferred_contact": "sms",
            "consents": ["contact:sms", "link_answers"],
            "language": "cy",
            "needs": ["large_print"],
        },
    )
    assert response.status_code == 303, response.text
    member = await Member.select().where(Member.id == member_id).first()
    assert (member["preferred_contact"], member["language"], member["large_print"]) == (
        "sms",
        "cy",
        True,
    )
    assert member["wants_thank_you"] is False
    rows = await Consent.select().where(Consent.member == member_id).order_by(Consent.id)
    email = next(r for r in rows if r["purpose"] == "contact:email")
    assert email["withdrawn_at"] is not None and email["withdrawn_how"] == "self-service"
    assert {r["purpose"] for r in rows if r["withdrawn_at"] is None} == {
        "membership",
        "contact:sms",
        "link_answers",
    }
    (target,) = await services.invitation_targets([member_id])
    assert target.channel == "sms"
    refused = await post_form(
        client,
        f"{link}/preferences",
        {"preferred_contact": "post", "consents": ["contact:sms"], "language": "en"},
    )
    assert refused.status_code == 400 and 'href="#consents"' in refused.text


async def test_pause_resume_and_leave(client: Any) -> None:
    member_id, link = await member_link()
    until = dt.date.today() + dt.timedelta(days=30)
    past = await post_form(
        client, f"{link}/pause", {"until-day": "1", "until-month": "1", "until-year": "2020"}
    )
    assert past.status_code == 400 and "future" in past.text
    paused = await post_form(
        client,
        f"{link}/pause",
        {
            "until-day": str(until.day),
            "until-month": str(until.month),
            "until-year": str(until.year),
        },
    )
    assert paused.status_code == 303
    (target,) = await services.invitation_targets([member_id])
    assert target.refusal == f"paused until {until.isoformat()}"
    assert (await post_form(client, f"{link}/resume", {})).status_code == 303
    assert (await Member.select(Member.status).first())["status"] == "active"

    left = await post_form(client, f"{link}/leave", {"reason": "Too many emails"})
    assert left.status_code == 200 and "You have left the panel" in left.text
    member = await Member.select().first()
    assert member["status"] == "withdrawn" and member["left_reason"] == "Too many emails"
    assert await Consent.count().where(Consent.withdrawn_at.is_null()) == 0
    actions = [
        r["action"]
        for r in await MemberChange.select(MemberChange.action).order_by(MemberChange.id)
    ]
    assert actions[-3:] == ["pause", "resume", "leave"]


async def test_download_my_data_and_ask_for_erasure(client: Any) -> None:
    member_id, link = await member_link()
    page = await client.get(f"{link}/data")
    assert page.status_code == 200 and "owain@example.org" in page.text
    download = await client.get(f"{link}/data.json")
    assert download.headers["content-type"].startswith("application/json")
    assert "attachment" in download.headers["content-disposition"]
    assert download.json()["member"]["email"] == "owain@example.org"
    ask = await client.get(f"{link}/erasure")
    assert "cannot be undone" in ask.text and "survey answers" in ask.text
    done = await post_form(client, f"{link}/erasure", {})
    assert done.status_code == 200 and "We have your request" in done.text
    again = await post_form(client, f"{link}/erasure", {})
    assert "already asked" in again.text
    assert await DataRequest.count().where(DataRequest.member == member_id) == 1
