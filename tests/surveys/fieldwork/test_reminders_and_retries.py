"""Reminders stop the moment a member responds; a job retried after a crash never sends twice;
members who asked for one get a thank-you. Real SMTP (aiosmtpd on 127.0.0.1) throughout."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from panel.tables import ContactEvent, Member
from service import jobs
from service.mail import MailSession
from service.tables import Job
from surveys.services import definitions_store, fieldwork, links, responses
from surveys.tables import SurveyInvitation, SurveyMessage
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS, store_bank
from tests.surveys.fieldwork.conftest import add_member

pytestmark = pytest.mark.db

SLUG = "resident-satisfaction"


def token_in(message: Any) -> str | None:
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"/s/([0-9A-Z]{26})", text)
    return match.group(1) if match else None


async def answer(token: str) -> None:
    """The member answers through their link, as the resident pages do."""
    state = await links.resolve(token)
    assert state is not None
    await responses.save_answers(state, RESIDENT_SATISFACTION_ANSWERS, page_id="trust", lang="en")
    state = await links.resolve(token)
    survey = (await definitions_store.get_version(SLUG)).survey
    assert state is not None and (await responses.submit(state, survey)).ok


async def age_invitations(days: int) -> None:
    """Move every invitation's send time `days` into the past."""
    rows = await SurveyInvitation.select(SurveyInvitation.id, SurveyInvitation.sent_at)
    for row in rows:
        await SurveyInvitation.update(
            {SurveyInvitation.sent_at: row["sent_at"] - dt.timedelta(days=days)}
        ).where(SurveyInvitation.id == row["id"])


async def kinds(member: int) -> list[str]:
    rows = (
        await ContactEvent.select(ContactEvent.kind)
        .where(ContactEvent.member == member)
        .order_by(ContactEvent.id)
    )
    return [r["kind"] for r in rows]


def to(smtp: Any, address: str) -> list[Any]:
    return [m for m in smtp.messages if m["To"] == address]


async def email_of(member: int) -> str:
    row = await Member.select(Member.email).where(Member.id == member).first()
    assert row is not None
    return str(row["email"])


async def test_reminders_on_schedule_until_a_response(db: Any, smtp: Any) -> None:
    await store_bank(SLUG)
    quiet = await add_member(first_name="Quiet")
    keen = await add_member(first_name="Keen", wants_thank_you=True)
    shy = await add_member(first_name="Shy", wants_thank_you=False)
    await fieldwork.invite(SLUG, member_ids=[quiet, keen, shy])
    await jobs.run_until_empty()
    assert len(smtp.messages) == 3

    # Day 3: nothing is due yet.
    await age_invitations(3)
    assert await fieldwork.queue_reminders() == 0

    # Keen answers: a thank-you, and never a reminder. Shy answers: no thank-you (not asked).
    (keen_invite,) = to(smtp, await email_of(keen))
    token = token_in(keen_invite)
    assert token
    await answer(token)
    (shy_invite,) = to(smtp, await email_of(shy))
    token = token_in(shy_invite)
    assert token
    await answer(token)

    await age_invitations(5)  # day 8
    assert await fieldwork.queue_reminders() == 1  # only Quiet
    await jobs.run_until_empty()
    quiet_mail = to(smtp, await email_of(quiet))
    assert len(quiet_mail) == 2
    reminder = quiet_mail[1]
    assert reminder["Subject"].strip().startswith("Reminder from Northbridge Borough Council")
    text = reminder.get_body(preferencelist=("plain",)).get_content()
    assert "We wrote to you on" in text
    # The reminder carries a fresh link; the invitation's link is retired (never two working).
    new_token, old_token = token_in(reminder), token_in(quiet_mail[0])
    assert new_token and old_token and new_token != old_token
    old_state, new_state = await links.resolve(old_token), await links.resolve(new_token)
    assert old_state is not None and old_state.expired
    assert new_state is not None and not new_state.expired

    thanks = to(smtp, await email_of(keen))
    assert [m["Subject"].strip() for m in thanks][1] == (
        "Northbridge Borough Council: thank you for taking part"
    )
    assert to(smtp, await email_of(shy)) == [shy_invite]
    assert await kinds(keen) == ["invitation", "response", "thank_you"]
    assert await kinds(shy) == ["invitation", "response"]

    # Day 15: the second reminder; day 30: no third (the schedule is 7 and 14).
    await age_invitations(7)
    assert await fieldwork.queue_reminders() == 1
    await jobs.run_until_empty()
    await age_invitations(15)
    assert await fieldwork.queue_reminders() == 0
    await jobs.run_until_empty()
    assert len(to(smtp, await email_of(quiet))) == 3
    assert await kinds(quiet) == ["invitation", "reminder", "reminder"]


async def test_a_response_after_the_reminder_was_queued_stops_it(db: Any, smtp: Any) -> None:
    await store_bank(SLUG)
    member = await add_member(wants_thank_you=False)
    await fieldwork.invite(SLUG, member_ids=[member])
    await jobs.run_until_empty()
    (invitation_mail,) = smtp.messages
    await age_invitations(8)
    assert await fieldwork.queue_reminders() == 1  # the reminder job is now in the queue

    token = token_in(invitation_mail)
    assert token
    await answer(token)  # ... and the member answers before it runs
    await jobs.run_until_empty()

    assert smtp.messages == [invitation_mail]
    row = await SurveyInvitation.select().where(SurveyInvitation.member == member).first()
    assert row is not None and row["state"] == "responded" and row["reminders_sent"] == 0
    assert await SurveyMessage.count().where(SurveyMessage.kind == "reminder") == 0
    assert await kinds(member) == ["invitation", "response"]


async def test_a_job_retried_after_a_crash_mid_send_never_sends_twice(
    db: Any, smtp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store_bank(SLUG)
    first = await add_member(first_name="First")
    second = await add_member(first_name="Second")
    await fieldwork.invite(SLUG, member_ids=[first, second])

    real_send = MailSession.send
    crashes = []

    async def send_then_crash(self: MailSession, mail: Any) -> None:
        await real_send(self, mail)
        if not crashes:  # the process dies after SMTP accepted the first message
            crashes.append(mail.to)
            raise ConnectionResetError("worker killed after the send")

    monkeypatch.setattr(MailSession, "send", send_then_crash)
    assert await jobs.run_until_empty() == 1
    job = await Job.select().first()
    assert job is not None and job["status"] == "queued" and "killed" in job["last_error"]
    assert len(smtp.messages) == 1

    # The retry (made due now) sends the second member's message and not the first again.
    await Job.update({Job.run_after: dt.datetime.now(dt.UTC)}).where(Job.id == job["id"])
    await jobs.run_until_empty()
    assert sorted(m["To"] for m in smtp.messages) == sorted(
        [await email_of(first), await email_of(second)]
    )
    states = {
        r["member"]: r
        for r in await SurveyInvitation.select(
            SurveyInvitation.member, SurveyInvitation.state, SurveyInvitation.message_id
        )
    }
    crashed = first if crashes[0] == await email_of(first) else second
    assert states[crashed]["state"] == "sent"
    messages = {
        r["message_id"]: r["state"]
        for r in await SurveyMessage.select(SurveyMessage.message_id, SurveyMessage.state)
    }
    assert sorted(messages.values()) == ["sent", "unconfirmed"]
    assert messages[states[crashed]["message_id"]] == "unconfirmed"
    for member in (first, second):  # each contact recorded exactly once
        assert await kinds(member) == ["invitation"]
    # One more run of the same job (a second retry) changes nothing.
    await jobs.enqueue(
        "surveys.send_messages",
        {
            "invitation_ids": [
                int(r["id"]) for r in await SurveyInvitation.select(SurveyInvitation.id)
            ],
            "kind": "invitation",
            "number": 0,
        },
    )
    await jobs.run_until_empty()
    assert len(smtp.messages) == 2
