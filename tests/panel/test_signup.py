"""Public sign-up: the pages, consent on record, the email confirmation link over real SMTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from panel import signup
from panel.services import CONSENT_WORDING_VERSION
from panel.tables import Consent, Member, MemberChange, MemberToken
from service.app import create_app
from service.security import hash_token
from service.settings import Settings
from service.tables import AuditEvent
from tests.conftest import post_form
from tests.panel.signup_helpers import link_in, smtp_server, walk_signup, with_answers

pytestmark = pytest.mark.db


@pytest.fixture
async def smtp_client(db: Any, settings: Settings) -> AsyncIterator[tuple[Any, Any]]:
    """A client on an app whose mail goes over SMTP to aiosmtpd on 127.0.0.1."""
    with smtp_server() as (handler, port):
        app = create_app(
            settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port}),
            run_worker=False,
        )
        async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
            client.follow_redirects = False
            yield client, handler


async def test_sign_up_records_consent_and_the_email_link_makes_the_member_active(
    smtp_client: tuple[Any, Any],
) -> None:
    client, handler = smtp_client
    done = await walk_signup(client)
    assert done.status_code == 303 and done.headers["location"] == "/panel/join/sent?how=email"
    assert "rv_signup" not in client.cookies or not client.cookies.get("rv_signup")

    member = await Member.select().first()
    assert member is not None
    assert member["status"] == "applicant"
    assert (member["first_name"], member["postcode"]) == ("Siân", "NB1 4AB")
    assert member["email_normalised"] == "sian.oneill@example.org"
    assert member["name_key"] == "sian|oneill|NB14AB"
    assert (member["sex"], member["ethnicity"], member["disability"]) == (
        "female",
        "mixed",
        "limited_a_little",
    )
    assert member["age_band"] and member["large_print"] is True
    consents = await Consent.select().where(Consent.member == member["id"])
    assert {c["purpose"] for c in consents} == {"membership", "contact:email", "link_answers"}
    assert {(c["wording_version"], c["method"]) for c in consents} == {
        (CONSENT_WORDING_VERSION, "online")
    }

    assert len(handler.messages) == 1
    message = handler.messages[0]
    assert message["To"] == "Sian.ONeill@example.org"
    assert message.is_multipart()
    path = link_in(message, "/panel/confirm/")
    token = path.rsplit("/", 1)[1]
    stored = await MemberToken.select().where(MemberToken.member == member["id"]).first()
    assert stored["token_hash"] == hash_token(token) and token not in str(stored)
    assert stored["expires_at"] > dt.datetime.now(dt.UTC) + dt.timedelta(days=6)

    ask = await client.get(path)  # a mail scanner opening the link changes nothing
    assert ask.status_code == 200
    assert await Member.select(Member.status).first() == {"status": "applicant"}
    confirmed = await post_form(client, path, {})
    assert confirmed.status_code == 200 and "You have joined" in confirmed.text
    assert await Member.select(Member.status).first() == {"status": "active"}
    again = await post_form(client, path, {})
    assert again.status_code == 410 and "already used" in again.text
    actions = [r["action"] for r in await MemberChange.select(MemberChange.action)]
    assert actions == ["sign-up", "confirm"]


async def test_an_expired_confirmation_link_does_nothing(db: Any) -> None:
    result = await signup.apply(
        signup.Application(
            first_name="Ann",
            last_name="Lee",
            preferred_contact="email",
            consents={"membership", "contact:email"},
            email="ann@example.org",
        )
    )
    assert result.confirm_token
    await MemberToken.update(
        {MemberToken.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
    ).where(MemberToken.member == result.member_id)
    assert await signup.confirm_email(result.confirm_token) == "expired"
    assert await signup.confirm_email("not-a-token") == "unknown"
    assert await Member.select(Member.status).first() == {"status": "applicant"}


async def test_welsh_pages_and_errors_name_the_field(client: Any) -> None:
    start = await client.get("/panel/join?lang=cy")
    assert start.status_code == 200
    assert 'lang="cy"' in start.text and "Ymuno â phanel y trigolion" in start.text
    client.cookies.set("rv_lang", "cy")
    page = await client.get("/panel/join/name")
    assert "Beth yw eich enw?" in page.text
    bad = await post_form(client, "/panel/join/name", {"first_name": "", "last_name": "Lee"})
    assert bad.status_code == 400
    assert "Mae problem wedi codi" in bad.text and 'href="#first_name"' in bad.text
    assert "Gwall:" in bad.text.split("</title>")[0]


async def test_pages_cannot_be_skipped_and_consent_for_the_channel_is_required(
    client: Any,
) -> None:
    skipped = await client.get("/panel/join/consent")
    assert skipped.status_code == 303 and skipped.headers["location"] == "/panel/join/name"
    answers = with_answers(consent={"consents": ["membership"]})
    client.cookies.pop("rv_signup", None)
    location = "/panel/join/name"
    for step, data in answers:
        response = await post_form(client, location, data)
        if step == "consent":
            assert response.status_code == 400
            assert "Agree to be contacted" in response.text
            break
        location = response.headers["location"]
    assert await Member.count() == 0


async def test_phone_only_applicants_wait_for_staff(client: Any, staff_login: Any) -> None:
    answers = with_answers(
        contact={"preferred_contact": "phone"},
        email={"email": ""},
        phone={"phone": "07700 900982"},
        consent={"consents": ["membership", "contact:phone"]},
    )
    done = await walk_signup(client, answers)
    assert done.headers["location"] == "/panel/join/sent?how=staff"
    sent = await client.get(done.headers["location"])
    assert "A member of our team will contact you" in sent.text
    member = await Member.select(Member.id, Member.status, Member.phone).first()
    assert member["status"] == "applicant" and member["phone"] == "+447700900982"
    assert await MemberToken.count() == 0  # no email, so no confirmation link

    user = await staff_login(client, "panel_manager")
    listing = await client.get("/staff/panel/applicants")
    assert listing.status_code == 200 and "O&#39;Neill" in listing.text
    # Seeing an applicant's name and phone number is recorded in the staff audit log.
    [view] = await AuditEvent.select().where(AuditEvent.action == "view")
    assert view["subject"] == f"panel member {member['id']}"
    assert view["staff_email"] == user.email and view["detail"] == "applicants page"
    confirmed = await post_form(client, f"/staff/panel/applicants/{member['id']}/confirm", {})
    assert confirmed.status_code == 303
    assert await Member.select(Member.status).first() == {"status": "active"}
    change = await MemberChange.select().where(MemberChange.action == "confirm").first()
    assert change["how"] == "staff" and change["staff_email"] == user.email


async def test_a_campaign_link_is_recorded_as_the_source(client: Any) -> None:
    from tests.panel.signup_helpers import ANSWERS

    await client.get("/panel/join?source=library-2026")
    location = "/panel/join/name"
    for _step, data in ANSWERS:
        response = await post_form(client, location, data)
        location = response.headers["location"]
    await post_form(client, "/panel/join/check", {})
    assert await Member.select(Member.source).first() == {"source": "library-2026"}
    await client.get("/panel/join?source=<script>")  # not a campaign code: ignored
    assert client.cookies.get("rv_signup") in (None, "")
