"""Inviting a drawn sample by email: a real SMTP conversation with aiosmtpd on 127.0.0.1.

Each delivered message is read back: both parts, the personal link (which resolves to that
member's link), the unsubscribe link and its RFC 8058 headers, the fixed Message-ID, and the
contact recorded in the member's history.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from panel.tables import Consent, ContactEvent, Member
from service import jobs
from surveys.services import fieldwork, links
from surveys.services.errors import SurveyError
from surveys.tables import Survey, SurveyInvitation
from tests.surveys.conftest import store_bank
from tests.surveys.fieldwork.conftest import add_draw, add_member

pytestmark = pytest.mark.db

SLUG = "resident-satisfaction"


def parts(message: Any) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def survey_token(text: str) -> str:
    match = re.search(r"https://voice\.northbridge\.example\.gov\.uk/s/([0-9A-Z]{26})", text)
    assert match, text
    return match.group(1)


async def emails(member_ids: list[int]) -> list[str]:
    rows = await Member.select(Member.email).where(Member.id.is_in(member_ids))
    return sorted(r["email"] for r in rows)


async def test_a_draw_is_invited_by_email_once_each(db: Any, smtp: Any, client: Any) -> None:
    await store_bank(SLUG)
    ada = await add_member(first_name="Ada")
    grace = await add_member(first_name="Grace")
    withdrawn = await add_member(status="withdrawn")
    no_consent = await add_member(consent=())
    draw = await add_draw([ada, grace, withdrawn, no_consent])

    result = await fieldwork.invite(SLUG, draw_id=draw, created_by="pm@council")

    assert result.invited == {"email": 2}
    assert sorted(reason for _, reason in result.skipped) == ["no consent for email", "withdrawn"]
    assert await jobs.run_until_empty() >= 1

    assert sorted(m["To"] for m in smtp.messages) == await emails([ada, grace])
    for message in smtp.messages:
        text, html = parts(message)
        assert message["Subject"].strip() == (
            "Northbridge Borough Council: have your say in 'Your local area and council'"
        )
        token = survey_token(text)
        state = await links.resolve(token)
        assert state is not None and state.status == "open" and state.member_id in (ada, grace)
        invitation = (
            await SurveyInvitation.select()
            .where(SurveyInvitation.member == state.member_id)
            .first()
        )
        assert invitation is not None
        assert invitation["state"] == "sent" and invitation["link"] == state.link_id
        assert message["Message-ID"].strip() == invitation["message_id"]
        # Plain text: council, why chosen, how long, the link, help phone, unsubscribe.
        for words in (
            "Northbridge Borough Council",
            "chosen at random",
            "It takes about 3 minutes.",
            "call 0300 123 4567",
            "/panel/unsubscribe/",
        ):
            assert words in text
        # HTML: its language, headings, and the link with real link text.
        assert '<html lang="en">' in html
        assert "Have your say: Your local area and council</h1>" in html and "<h2" in html
        assert re.search(
            rf'<a href="https://[^"]+/s/{token}"[^>]*>Start the survey: Your local area', html
        )
        # RFC 8058 one-click unsubscribe, the same link as in the text.
        unsubscribe = re.fullmatch(
            r"<(https://[^>]+/panel/unsubscribe/[^>]+)>", message["List-Unsubscribe"]
        )
        assert unsubscribe and unsubscribe.group(1) in text
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        contacts = await ContactEvent.select().where(ContactEvent.member == state.member_id)
        assert [(c["kind"], c["channel"], c["message_id"]) for c in contacts] == [
            ("invitation", "email", invitation["message_id"])
        ]

    # The same draw again: nobody is invited twice, and a batch with no one left is refused.
    with pytest.raises(SurveyError) as refused:
        await fieldwork.invite(SLUG, draw_id=draw)
    assert sorted(why for _, why in refused.value.errors) == [
        "already invited",
        "already invited",
        "no consent for email",
        "withdrawn",
    ]
    await jobs.run_until_empty()
    assert len(smtp.messages) == 2

    # The one-click unsubscribe (a bare POST, as mail clients send it) withdraws consent.
    url = re.search(
        r"<https://[^/]+(/panel/unsubscribe/[^>]+)>", smtp.messages[0]["List-Unsubscribe"]
    )
    assert url
    response = await client.post(url.group(1))
    assert response.status_code == 200
    member = await Member.select(Member.id).where(Member.email == smtp.messages[0]["To"]).first()
    consent = (
        await Consent.select(Consent.withdrawn_at)
        .where((Consent.member == member["id"]) & (Consent.purpose == "contact:email"))
        .first()
    )
    assert consent is not None and consent["withdrawn_at"] is not None


async def test_welsh_when_the_member_and_the_survey_have_welsh(db: Any, smtp: Any) -> None:
    await store_bank("all-question-types")  # languages: en, cy
    await store_bank(SLUG)  # English only
    welsh = await add_member(language="cy", first_name="Gwen")
    await fieldwork.invite("all-question-types", member_ids=[welsh])
    await fieldwork.invite(SLUG, member_ids=[welsh])
    await jobs.run_until_empty()
    by_lang = {}
    for message in smtp.messages:
        text, html = parts(message)
        lang = re.search(r'<html lang="(\w+)">', html)
        assert lang
        by_lang[lang.group(1)] = (text, html)
    assert set(by_lang) == {"cy", "en"}
    text, html = by_lang["cy"]
    assert "Annwyl Gwen," in text and "ffoniwch 0300 123 4567" in text
    assert "Dechrau'r arolwg" in html or "Dechrau&#39;r arolwg" in html
    assert "Dear Gwen," in by_lang["en"][0]


async def test_a_closed_survey_is_refused(db: Any, smtp: Any) -> None:
    await store_bank(SLUG)
    await Survey.update({Survey.status: "closed"}).where(Survey.slug == SLUG)
    member = await add_member()
    with pytest.raises(SurveyError) as refused:
        await fieldwork.invite(SLUG, member_ids=[member])
    assert refused.value.errors[0][0] == "survey"
    assert await SurveyInvitation.count() == 0


async def test_a_batch_nobody_can_be_sent_is_refused_naming_each(db: Any, smtp: Any) -> None:
    await store_bank(SLUG)
    paused = await add_member(status="paused")
    sms_only = await add_member(channel="email", consent=("contact:sms",))
    phone = await add_member(channel="phone", consent=())  # phone members go on the call list
    with pytest.raises(SurveyError) as refused:
        await fieldwork.invite(SLUG, member_ids=[paused, sms_only, phone])
    reasons = [why for _, why in refused.value.errors]
    assert reasons[0] == "paused" and reasons[1] == "no consent for email"
    assert reasons[2] == "no consent for phone"
    assert all(field.startswith("members[P-FW") for field, _ in refused.value.errors)
    assert await SurveyInvitation.count() == 0  # nothing half-written
    assert smtp.messages == []
