"""The functions fieldwork (surveys/) uses to contact members and record each contact."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from panel import services
from panel.tables import Consent, ContactEvent, Draw, DrawMember, Member, MemberToken
from service.security import hash_token

pytestmark = pytest.mark.db


async def new_member(
    *,
    status: str = "active",
    channel: str = "email",
    consent: tuple[str, ...] = ("membership", "contact:email"),
    wording: str = services.CONSENT_WORDING_VERSION,
    paused_until: dt.date | None = None,
) -> int:
    member = Member(
        reference=services.new_reference(),
        first_name="Ada",
        last_name="Jones",
        email="ada@example.org",
        phone="07700900123",
        address_line1="1 High Street",
        town="Northbridge",
        postcode="NB1 1AA",
        preferred_contact=channel,
        status=status,
        paused_until=paused_until,
        language="cy",
        large_print=True,
    )
    await member.save()
    for purpose in consent:
        await Consent(
            member=member.id,
            purpose=purpose,
            wording_version=wording,
            given_at=dt.datetime.now(dt.UTC),
            method="online",
        ).save()
    return int(member.id)


async def test_targets_give_the_channel_or_the_reason_in_the_order_asked(db: Any):
    today = dt.date.today()
    ok = await new_member()
    paused = await new_member(status="paused", paused_until=today + dt.timedelta(days=30))
    pause_over = await new_member(status="paused", paused_until=today)
    withdrawn = await new_member(status="withdrawn")
    applicant = await new_member(status="applicant")
    no_sms_consent = await new_member(channel="sms")
    old_wording = await new_member(wording="2019-1")
    ids = [withdrawn, ok, paused, pause_over, applicant, no_sms_consent, old_wording]
    targets = await services.invitation_targets(ids)
    assert [t.member_id for t in targets] == ids
    by_id = {t.member_id: t for t in targets}
    assert (by_id[ok].channel, by_id[ok].refusal) == ("email", None)
    assert by_id[ok].language == "cy" and by_id[ok].large_print is True
    assert by_id[ok].email == "ada@example.org" and by_id[ok].reference.startswith("P-")
    assert by_id[pause_over].channel == "email"
    assert by_id[paused].channel is None
    assert by_id[paused].refusal == f"paused until {(today + dt.timedelta(days=30)).isoformat()}"
    assert by_id[withdrawn].refusal == "withdrawn"
    assert by_id[applicant].refusal == "applicant"
    assert by_id[no_sms_consent].refusal == "no consent for sms"
    assert by_id[old_wording].refusal == "no consent for email"


async def test_withdrawn_consent_is_not_used(db: Any):
    member = await new_member()
    await Consent.update({Consent.withdrawn_at: dt.datetime.now(dt.UTC)}).where(
        Consent.member == member, Consent.purpose == "contact:email"
    )
    (target,) = await services.invitation_targets([member])
    assert target.channel is None and target.refusal == "no consent for email"


async def test_unknown_ids_are_named(db: Any):
    member = await new_member()
    with pytest.raises(KeyError, match="999991, 999992"):
        await services.invitation_targets([member, 999991, 999992])


async def test_record_contact_belongs_to_the_callers_transaction(db: Any):
    member = await new_member()

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback):
        async with Member._meta.db.transaction():
            await services.record_contact(
                member, kind="invitation", channel="email", subject="survey:x:v1"
            )
            assert await ContactEvent.count().where(ContactEvent.member == member) == 1
            raise Rollback
    assert await ContactEvent.count() == 0
    assert (await Member.select(Member.last_contacted_at).first())["last_contacted_at"] is None

    at = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)
    async with Member._meta.db.transaction():
        await services.record_contact(
            member,
            kind="invitation",
            channel="email",
            subject="survey:resident-satisfaction:v2",
            message_id="<m1@rv>",
            at=at,
        )
    (event,) = await ContactEvent.select().where(ContactEvent.member == member)
    assert event["kind"] == "invitation" and event["message_id"] == "<m1@rv>"
    assert event["subject"] == "survey:resident-satisfaction:v2"
    assert event["at"].astimezone(dt.UTC) == at
    row = await Member.select(Member.last_contacted_at).where(Member.id == member).first()
    assert row["last_contacted_at"].astimezone(dt.UTC) == at
    with pytest.raises(ValueError, match="kind"):
        await services.record_contact(member, kind="spam", channel="email", subject="x")


async def test_unsubscribe_link_withdraws_one_channel_without_sign_in(client: Any):
    member = await new_member(consent=("membership", "contact:email", "contact:sms"))
    path = await services.issue_unsubscribe_link(member, "email")
    token = path.removeprefix("/panel/unsubscribe/")
    assert path.startswith("/panel/unsubscribe/") and len(token) >= 40
    stored = await MemberToken.select(MemberToken.token_hash).first()
    assert stored["token_hash"] == hash_token(token)
    assert await MemberToken.count().where(MemberToken.token_hash == token) == 0

    page = await client.get(path)
    assert page.status_code == 200 and "Stop email" in page.text
    assert (await services.invitation_targets([member]))[0].channel == "email"

    # RFC 8058: the mail client POSTs List-Unsubscribe=One-Click with no cookie and no CSRF.
    client.cookies.clear()
    done = await client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200 and "will not be contacted by email" in done.text
    (target,) = await services.invitation_targets([member])
    assert target.refusal == "no consent for email"
    email = await Consent.select().where(Consent.purpose == "contact:email").first()
    assert email["withdrawn_at"] is not None and email["withdrawn_how"] == "unsubscribe link"
    sms = await Consent.select().where(Consent.purpose == "contact:sms").first()
    assert sms["withdrawn_at"] is None

    assert (await client.get("/panel/unsubscribe/not-a-token")).status_code == 404
    assert (await client.post("/panel/unsubscribe/not-a-token")).status_code == 404


async def test_draws_are_read_back_in_order(db: Any):
    members = [await new_member() for _ in range(3)]
    draw = Draw(method="random", seed="42", size=3, eligible=members)
    await draw.save()
    for position, member in enumerate(reversed(members)):
        await DrawMember(draw=draw.id, member=member, position=position).save()
    assert await services.draw_members(int(draw.id)) == list(reversed(members))
    summary = await services.draw_summary(int(draw.id))
    assert (summary["method"], summary["seed"], summary["size"]) == ("random", "42", 3)
    assert summary["created_at"] is not None
    with pytest.raises(KeyError):
        await services.draw_members(int(draw.id) + 1)
    with pytest.raises(KeyError):
        await services.draw_summary(int(draw.id) + 1)


async def test_self_service_link_is_a_fresh_hashed_token(db: Any):
    member = await new_member()
    first = await services.self_service_link(member)
    second = await services.self_service_link(member)
    assert first.startswith("/panel/me/") and first != second
    hashes = {r["token_hash"] for r in await MemberToken.select(MemberToken.token_hash)}
    assert hashes == {hash_token(first.removeprefix("/panel/me/")), hash_token(second[10:])}
    with pytest.raises(KeyError):
        await services.self_service_link(999999)


async def test_self_service_link_opens_the_members_own_details(client: Any):
    member = await new_member(status="paused", paused_until=dt.date(2027, 1, 10))
    link = await services.self_service_link(member)
    page = await client.get(link + "?lang=en")
    assert page.status_code == 200
    assert "Ada Jones" in page.text and "ada@example.org" in page.text
    assert "Paused until 10 January 2027" in page.text
    welsh = await client.get(link)  # the member's own language (Ada chose Welsh)
    assert "Wedi’i hoedi tan 10 Ionawr 2027" in welsh.text
    assert page.headers["cache-control"] == "no-store"
    unsubscribe = await services.issue_unsubscribe_link(member, "email")
    wrong_kind = "/panel/me/" + unsubscribe.removeprefix("/panel/unsubscribe/")
    assert (await client.get(wrong_kind)).status_code == 404
    assert (await client.get("/panel/me/not-a-token")).status_code == 404
