"""A member who changes channel after their invitation is reminded on the new channel, with
consent for it on record; a member with no consent for any channel now is not reminded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pypdf
import pytest

from panel.services import CONSENT_WORDING_VERSION
from panel.tables import Consent, ContactEvent, Member
from service import jobs
from surveys.services import fieldwork, sending
from surveys.tables import LetterBatch, SurveyInvitation, SurveyMessage
from tests.surveys.conftest import store_bank
from tests.surveys.fieldwork.conftest import add_member

pytestmark = pytest.mark.db

SLUG = "resident-satisfaction"


async def _week_later() -> None:
    await SurveyInvitation.update(
        {SurveyInvitation.sent_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=8)}
    ).where(SurveyInvitation.id > 0)


async def _consent(member: int, purpose: str) -> None:
    await Consent(
        member=member,
        purpose=purpose,
        wording_version=CONSENT_WORDING_VERSION,
        given_at=dt.datetime.now(dt.UTC),
    ).save()


async def test_a_reminder_follows_a_move_from_email_to_post(db: Any, smtp: Any) -> None:
    await store_bank(SLUG)
    member = await add_member(channel="email", wants_thank_you=False)
    await fieldwork.invite(SLUG, member_ids=[member])
    await jobs.run_until_empty()
    assert len(smtp.messages) == 1
    # after the invitation the member asks for post instead, with consent for it
    await _consent(member, "contact:post")
    await Member.update({Member.preferred_contact: "post"}).where(Member.id == member)
    await _week_later()
    assert await fieldwork.queue_reminders() == 1
    await jobs.run_until_empty()
    assert len(smtp.messages) == 1  # no reminder email
    (batch,) = await LetterBatch.select().where(LetterBatch.kind == "reminder")
    found = await sending.letter_file(int(batch["id"]), smtp.settings)
    assert found is not None
    text = pypdf.PdfReader(found[0]).pages[0].extract_text()
    assert "A reminder" in text and "High Street" in text
    events = await ContactEvent.select(ContactEvent.kind, ContactEvent.channel).order_by(
        ContactEvent.id
    )
    assert [(e["kind"], e["channel"]) for e in events] == [
        ("invitation", "email"),
        ("reminder", "post"),
    ]
    reminder = await SurveyMessage.select(SurveyMessage.channel).where(
        SurveyMessage.kind == "reminder"
    )
    assert [r["channel"] for r in reminder] == ["post"]


async def test_a_reminder_follows_a_move_from_post_to_sms(db: Any, smtp: Any) -> None:
    await store_bank(SLUG)
    member = await add_member(channel="post", wants_thank_you=False)
    await fieldwork.invite(SLUG, member_ids=[member])
    await jobs.run_until_empty()
    await _consent(member, "contact:sms")
    await Member.update({Member.preferred_contact: "sms"}).where(Member.id == member)
    await _week_later()
    assert await fieldwork.queue_reminders() == 1
    await jobs.run_until_empty()
    outbox = sorted((smtp.settings.outbox_dir).rglob("*"))
    texts = [p.read_text() for p in outbox if p.is_file()]
    assert any("/s/" in t for t in texts), texts
    assert await LetterBatch.count() == 1  # the invitation letter only
    kinds = await ContactEvent.select(ContactEvent.kind, ContactEvent.channel).order_by(
        ContactEvent.id
    )
    assert [(e["kind"], e["channel"]) for e in kinds][-1] == ("reminder", "sms")


async def test_no_reminder_on_a_channel_without_consent(db: Any, smtp: Any) -> None:
    await store_bank(SLUG)
    member = await add_member(channel="email", wants_thank_you=False)
    await fieldwork.invite(SLUG, member_ids=[member])
    await jobs.run_until_empty()
    # moved to SMS but never consented to texts: no reminder by text, nor by email
    await Member.update({Member.preferred_contact: "sms"}).where(Member.id == member)
    await _week_later()
    await fieldwork.queue_reminders()
    await jobs.run_until_empty()
    assert len(smtp.messages) == 1
    assert not [p for p in smtp.settings.outbox_dir.rglob("*") if p.is_file()]
    assert await SurveyMessage.count().where(SurveyMessage.kind == "reminder") == 0
