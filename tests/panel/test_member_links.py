"""Self-service links expire and can be asked for again by email (without telling who is a
member); a new email address is used only once confirmed from it; letters can be stopped
online. Real SMTP (aiosmtpd on 127.0.0.1) for every message."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import ANY

import pytest
from litestar.testing import AsyncTestClient

from panel import member_links, services, signup
from panel.services import CONSENT_WORDING_VERSION
from panel.tables import Consent, Member, MemberChange, MemberToken
from service import jobs
from service.app import create_app
from service.security import hash_token
from service.settings import Settings
from service.tables import Job
from tests.conftest import post_form
from tests.panel.signup_helpers import link_in, smtp_server

pytestmark = pytest.mark.db

DETAILS = {
    "first_name": "Owain",
    "last_name": "Hughes",
    "email": "owain@example.org",
    "phone": "",
    "address_line1": "3 Bridge Row",
    "town": "Northbridge",
    "postcode": "NB5 1GH",
}


@pytest.fixture
async def smtp_client(
    db: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Any, Any]]:
    with smtp_server() as (handler, port):
        mail_settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        monkeypatch.setattr(member_links, "get_settings", lambda: mail_settings)  # the jobs'
        app = create_app(mail_settings, run_worker=False)
        async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
            client.follow_redirects = False
            yield client, handler


async def member_link(channel: str = "email", consents: set[str] | None = None) -> tuple[int, str]:
    result = await signup.apply(
        signup.Application(
            first_name="Owain",
            last_name="Hughes",
            preferred_contact=channel,
            consents={"membership", f"contact:{channel}", *(consents or set())},
            email="owain@example.org",
            address_line1="3 Bridge Row",
            town="Northbridge",
            postcode="NB5 1GH",
        )
    )
    assert result.confirm_token
    await signup.confirm_email(result.confirm_token)
    return result.member_id, await services.self_service_link(result.member_id)


async def test_a_new_email_is_used_only_after_it_is_confirmed(
    smtp_client: tuple[Any, Any],
) -> None:
    client, handler = smtp_client
    member_id, link = await member_link()
    saved = await post_form(
        client, f"{link}/details", {**DETAILS, "email": "Owain.New@Example.org"}
    )
    assert saved.status_code == 303
    member = await Member.select().where(Member.id == member_id).first()
    assert member is not None
    assert (member["email"], member["pending_email"]) == (
        "owain@example.org",
        "Owain.New@example.org",
    )
    # invitations still go to the address on record
    (target,) = await services.invitation_targets([member_id])
    assert target.email == "owain@example.org"
    (mail,) = handler.messages
    assert mail["To"] == "Owain.New@example.org"
    path = link_in(mail, "/panel/confirm-email/")
    token = path.rsplit("/", 1)[1]
    stored = await MemberToken.select().where(MemberToken.purpose == "confirm_new_email").first()
    assert stored is not None and stored["token_hash"] == hash_token(token)
    assert token not in str(stored) and stored["expires_at"] is not None
    # an email-only change is not "saved": the banner says what happens next
    assert saved.headers["location"] == f"{link}?saved=email_pending"
    page = await client.get(saved.headers["location"] + "&lang=en")
    assert "Your changes have been saved" not in page.text
    assert "Check your email: your new email address is not saved until you follow" in page.text
    assert "Owain.New@example.org" in page.text and "we keep using owain@example.org" in page.text
    welsh = await client.get(saved.headers["location"] + "&lang=cy")
    assert "Gwiriwch eich e-bost: nid yw eich cyfeiriad e-bost newydd wedi’i gadw" in welsh.text
    assert "Mae eich newidiadau wedi’u cadw" not in welsh.text
    # with another change as well, that one is saved and the email still waits
    both = await post_form(
        client,
        f"{link}/details",
        {**DETAILS, "town": "Southbridge", "email": "Owain.New@Example.org"},
    )
    assert both.headers["location"] == f"{link}?saved=partly"
    partly = await client.get(both.headers["location"] + "&lang=en")
    assert "Your other changes have been saved. Your new email address is not used" in partly.text
    path = link_in(handler.messages[-1], "/panel/confirm-email/")  # the second replaced the first

    assert (await client.get(path)).status_code == 200  # a mail scanner's GET changes nothing
    assert (await Member.select(Member.email).where(Member.id == member_id).first()) == {
        "email": "owain@example.org"
    }
    done = await post_form(client, path, {})
    assert done.status_code == 200 and "Your new email address is confirmed" in done.text
    member = await Member.select().where(Member.id == member_id).first()
    assert member is not None
    assert (member["email"], member["email_normalised"], member["pending_email"]) == (
        "Owain.New@example.org",
        "owain.new@example.org",
        None,
    )
    assert (await post_form(client, path, {})).status_code == 410  # single use
    changes = await MemberChange.select(MemberChange.action, MemberChange.detail).where(
        MemberChange.member == member_id
    )
    assert {"action": "details", "detail": "new email confirmed"} in changes


async def test_an_email_change_link_expires_and_a_second_change_retires_the_first(
    smtp_client: tuple[Any, Any],
) -> None:
    client, handler = smtp_client
    member_id, link = await member_link()
    await post_form(client, f"{link}/details", {**DETAILS, "email": "first@example.org"})
    await post_form(client, f"{link}/details", {**DETAILS, "email": "second@example.org"})
    first, second = (link_in(m, "/panel/confirm-email/") for m in handler.messages)
    assert (await post_form(client, first, {})).status_code == 410
    await MemberToken.update(
        {MemberToken.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}
    ).where(MemberToken.purpose == "confirm_new_email")
    expired = await post_form(client, second, {})
    assert expired.status_code == 410 and "This link has expired" in expired.text
    row = await Member.select(Member.email).where(Member.id == member_id).first()
    assert row == {"email": "owain@example.org"}


async def test_self_service_links_expire_and_the_page_says_when(client: Any) -> None:
    _, link = await member_link()
    page = await client.get(link)
    expires = dt.date.today() + dt.timedelta(days=member_links.link_days())
    assert f"This link works until {expires.day} " in page.text
    await MemberToken.update(
        {MemberToken.created_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=91)}
    ).where(MemberToken.purpose == "self_service")
    gone = await client.get(link)
    assert gone.status_code == 410 and "This link has expired" in gone.text
    assert 'href="/panel/link"' in gone.text
    assert (await client.get(f"{link}/details")).status_code == 410
    welsh = await client.get(link + "?lang=cy")
    assert "Mae’r ddolen hon wedi dod i ben" in welsh.text


async def test_a_fresh_link_by_email_answers_alike_for_strangers_and_is_rate_limited(
    smtp_client: tuple[Any, Any],
) -> None:
    client, handler = smtp_client
    _, first = await member_link()
    form = await client.get("/panel/link")
    assert form.status_code == 200 and 'autocomplete="email"' in form.text
    known = await post_form(client, "/panel/link", {"email": "OWAIN@example.org"})
    stranger = await post_form(client, "/panel/link", {"email": "nobody@example.org"})
    assert known.status_code == stranger.status_code == 200
    assert known.text.replace("OWAIN@example.org", "X") == stranger.text.replace(
        "nobody@example.org", "X"
    )
    assert handler.messages == []  # sent by the job, not while the page waits
    queued = await Job.select(Job.payload).output(load_json=True)
    assert [j["payload"] for j in queued] == [{"member_id": ANY, "lang": "en"}]
    assert "example.org" not in str(queued)  # the job carries no address
    await jobs.run_until_empty()
    (mail,) = handler.messages  # only the member's address gets a message
    assert mail["To"] == "owain@example.org"
    fresh = link_in(mail, "/panel/me/")
    assert (await client.get(fresh)).status_code == 200
    # the fresh link replaces the old one: a lost or forwarded link stops working
    old = await client.get(f"{first}?lang=en")
    assert old.status_code == 410 and "This link has been replaced" in old.text
    assert 'href="/panel/link"' in old.text
    assert (await client.get(f"{first}/details")).status_code == 410
    assert "Mae dolen newydd yn lle’r ddolen hon" in (await client.get(f"{first}?lang=cy")).text
    assert (
        await MemberToken.count().where(
            MemberToken.purpose == "self_service", MemberToken.used_at.is_null()
        )
        == 1
    )
    bad = await post_form(client, "/panel/link", {"email": "not an address"})
    assert bad.status_code == 400 and 'href="#email"' in bad.text
    # the limit: five requests an hour from one client address, whatever the address asked for
    for n in range(3):
        assert (
            await post_form(client, "/panel/link", {"email": f"x{n}@example.org"})
        ).status_code == 200
    limited = await post_form(client, "/panel/link", {"email": "owain@example.org"})
    assert limited.status_code == 429 and "Too many requests" in limited.text
    assert len(handler.messages) == 1


async def test_a_member_can_stop_letters_and_it_is_a_consent_change(client: Any) -> None:
    member_id, link = await member_link("post", {"contact:email"})
    page = await client.get(link)
    assert f'href="{link}/stop-post"' in page.text
    ask = await client.get(f"{link}/stop-post")
    assert "We will contact you by email instead." in ask.text
    done = await post_form(client, f"{link}/stop-post", {})
    assert done.status_code == 303 and done.headers["location"] == f"{link}?saved=post_stopped"
    post = (
        await Consent.select()
        .where(Consent.member == member_id, Consent.purpose == "contact:post")
        .first()
    )
    assert post is not None and post["withdrawn_at"] is not None
    assert post["withdrawn_how"] == "self-service: stop letters"
    assert post["wording_version"] == CONSENT_WORDING_VERSION  # the record is kept
    member = await Member.select(Member.preferred_contact).where(Member.id == member_id).first()
    assert member == {"preferred_contact": "email"}
    (target,) = await services.invitation_targets([member_id])
    assert target.channel == "email"
    change = (
        await MemberChange.select(MemberChange.detail)
        .where(MemberChange.member == member_id, MemberChange.action == "preferences")
        .first()
    )
    assert change == {"detail": "consent withdrawn: contact:post"}
    after = await client.get(f"{link}?saved=post_stopped")
    assert "We will not send you any more letters." in after.text
    assert f'href="{link}/stop-post"' not in after.text
