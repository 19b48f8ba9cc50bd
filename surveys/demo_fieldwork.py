"""Demo fieldwork: the panel's demo sample invited to the autumn wave of the residents' survey,
with the invitation and reminder messages and who responded, so the fieldwork page shows
figures. Written straight as rows (nothing is sent); loaded once per installation.

Each invitation, reminder and response is also recorded in the member's contact history
through `panel.services.record_contact`, with the draw id and the same times, so the panel
manager's home page (panel health) and this fieldwork page show the same figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from panel import services as panel_services
from surveys.services import definitions_store
from surveys.services.fieldwork import SENT_CHANNELS
from surveys.tables import SurveyInvitation, SurveyMessage, SurveyResponse

SLUG = "resident-satisfaction"
DEMO_DRAW_CREATOR = "demo"  # panel/demo_sampling.py's creator


async def load_demo_fieldwork(out: Callable[[str], None], invited_at: dt.datetime) -> None:
    """Invitation rows for the demo draw: responded when the member has a complete response to
    the current version, else sent with two reminders; skipped members keep their reason."""
    draws = [d for d in await panel_services.list_draws(50) if d["created_by"] == DEMO_DRAW_CREATOR]
    if not draws:
        out("Surveys: no demo sample drawn, so no demo fieldwork.")
        return
    draw_id = int(draws[0]["id"])
    if await SurveyInvitation.exists().where(SurveyInvitation.draw == draw_id):
        out(f"Surveys: demo fieldwork for draw {draw_id} already recorded.")
        return
    stored = await definitions_store.get_version(SLUG)
    targets = await panel_services.invitation_targets(await panel_services.draw_members(draw_id))
    answered = {
        int(r["member"]): r["submitted_at"]
        for r in await SurveyResponse.select(
            SurveyResponse.member, SurveyResponse.submitted_at
        ).where(
            (SurveyResponse.survey == stored.survey_id)
            & (SurveyResponse.version == stored.version)
            & (SurveyResponse.status == "complete")
            & SurveyResponse.member.is_in([t.member_id for t in targets] or [0])
        )
    }
    counts = {"invited": 0, "responded": 0, "reminders": 0, "skipped": 0}
    async with SurveyInvitation._meta.db.transaction():
        for target in targets:
            reason = target.refusal
            if reason is None and target.channel not in SENT_CHANNELS:
                reason = f"prefers {target.channel}: a staff call, not sent from here"
            responded_at = answered.get(target.member_id)
            reminders = 0
            if reason is None:
                last = responded_at or (invited_at + dt.timedelta(days=15))
                reminders = sum(last > invited_at + dt.timedelta(days=d) for d in (7, 14))
            invitation = SurveyInvitation(
                survey=stored.survey_id,
                version=stored.version,
                member=target.member_id,
                draw=draw_id,
                channel=target.channel or "",
                state="skipped" if reason else ("responded" if responded_at else "sent"),
                skip_reason=reason or "",
                language="en",
                large_print=target.large_print,
                wants_thank_you=target.wants_thank_you,
                sent_at=None if reason else invited_at,
                reminders_sent=reminders,
                last_sent_at=None if reason else invited_at + dt.timedelta(days=7 * reminders),
                responded_at=responded_at,
                created_at=invited_at,
                created_by="demo",
            )
            await invitation.save()
            if reason:
                counts["skipped"] += 1
                continue
            counts["invited"] += 1
            counts["responded"] += responded_at is not None
            counts["reminders"] += reminders
            assert target.channel is not None
            for number in range(reminders + 1):
                kind = "reminder" if number else "invitation"
                at = invited_at + dt.timedelta(days=7 * number)
                message_id = f"<rv.{invitation.id}.{kind}.{number}@demo.invalid>"
                await SurveyMessage(
                    invitation=invitation.id,
                    kind=kind,
                    number=number,
                    channel=target.channel,
                    message_id=message_id,
                    state="sent",
                    started_at=at,
                    sent_at=at,
                ).save()
                await panel_services.record_contact(
                    target.member_id,
                    kind=kind,
                    channel=target.channel,
                    subject=f"{kind}: {stored.survey.title('en')}"[:200],
                    message_id=message_id,
                    at=at,
                    draw_id=draw_id,
                )
            if responded_at is not None:
                await panel_services.record_contact(
                    target.member_id,
                    kind="response",
                    channel=target.channel,
                    subject=f"response to survey {stored.survey_id} v{stored.version}",
                    at=responded_at,
                    draw_id=draw_id,
                )
    out(
        f"Surveys: demo fieldwork for draw {draw_id}: {counts['invited']} invited to "
        f"{SLUG} version {stored.version}, {counts['reminders']} reminders, "
        f"{counts['responded']} responded, {counts['skipped']} skipped."
    )
