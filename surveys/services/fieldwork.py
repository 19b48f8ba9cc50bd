"""Fieldwork for a survey version: who was invited, on which channel, and what came of it.

`invite` turns a drawn sample into invitation rows and queues the sends (one transaction: the
rows and their jobs, or nothing). Members who cannot be contacted are recorded as `skipped`
with the reason and reported back; a batch in which nobody can be contacted is refused,
naming each member and why. Everything about members (who they are, how to reach them, their
consent) comes from `panel.services`; nothing here reads the panel's tables.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from panel import services as panel
from service import jobs
from service.db import Statement
from service.settings import get_settings
from surveys.services import definitions_store
from surveys.services.errors import SurveyError
from surveys.services.messages import message_language
from surveys.tables import LetterBatch, Survey, SurveyInvitation, SurveyResponse

#: Channels fieldwork sends on. `phone` is a staff call, not a message, so members who prefer
#: the phone are skipped here and reported for staff to ring.
SENT_CHANNELS = ("email", "sms", "post")
#: Members preferring a phone call are put on the fieldwork page's call list (state `to_call`);
#: staff read them their link and mark them called, which records the contact.
CALLED_CHANNEL = "phone"
CHUNK = 200  # invitations per send job: one SMTP connection each, and a retry stays small


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def estimate_minutes(question_count: int) -> int:
    """About 25 seconds a question, rounded up, and never less than 2 minutes."""
    return max(2, math.ceil(question_count * 25 / 60))


#: Invitation rows go in as plain multi-row INSERTs, this many a statement (14 values each, well
#: under SQLite's and PostgreSQL's parameter limits): building a Piccolo `Table` object and its
#: query per row took most of the time of inviting a 10,000-member draw (bench/
#: fieldwork_invite_bench.py).
_INSERT_ROWS = 500
_INSERT_COLUMNS = (
    "survey, version, member, draw, channel, state, skip_reason, language, large_print, "
    "wants_thank_you, minutes, reminders_sent, created_at, created_by"
)


@lru_cache(maxsize=8)
def _insert_statement(rows: int) -> Statement:
    values = ", ".join(["(" + ", ".join(["{}"] * 14) + ")"] * rows)
    # only constant text and placeholders: every value is a parameter
    return Statement(f"INSERT INTO survey_invitation ({_INSERT_COLUMNS}) VALUES {values}")  # noqa: S608


@dataclass
class InviteResult:
    survey: str
    version: int
    invited: dict[str, int] = field(default_factory=dict)  # by channel
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (reference, reason)
    already_invited: list[str] = field(default_factory=list)  # references
    jobs: list[int | str] = field(default_factory=list)  # job ids (service.jobs.JobId)

    @property
    def total(self) -> int:
        return sum(self.invited.values())


async def invite(
    slug: str,
    *,
    draw_id: int | None = None,
    member_ids: list[int] | None = None,
    minutes: int | None = None,
    created_by: str = "",
) -> InviteResult:
    """Invite a drawn sample (`draw_id`) or a list of members to the survey's current version.

    Raises SurveyError (field `survey`) for a closed survey, (field `draw`) for an unknown
    draw, and (field `members`) when no one in the batch can be contacted, naming them all.
    """
    stored = await definitions_store.get_version(slug)
    status = await Survey.select(Survey.status).where(Survey.id == stored.survey_id).first()
    if status is not None and status["status"] == "closed":
        raise SurveyError(f"survey {slug!r} is closed", [("survey", f"survey {slug!r} is closed")])
    if draw_id is not None:
        try:
            ids = await panel.draw_members(draw_id)
        except KeyError:
            raise SurveyError(
                f"no draw {draw_id}", [("draw", f"no sample draw {draw_id}")]
            ) from None
    else:
        ids = list(dict.fromkeys(member_ids or []))
    if not ids:
        raise SurveyError("no members to invite", [("members", "no members to invite")])
    if minutes is None:
        minutes = estimate_minutes(len(stored.survey.questions))
    elif not 1 <= minutes <= 120:
        raise SurveyError("minutes out of range", [("minutes", "must be from 1 to 120")])
    try:
        targets = await panel.invitation_targets(ids)
    except KeyError as error:
        raise SurveyError(str(error), [("members", str(error.args[0]))]) from None
    existing = await SurveyInvitation.select(SurveyInvitation.member).where(
        (SurveyInvitation.survey == stored.survey_id)
        & (SurveyInvitation.version == stored.version)
        & SurveyInvitation.member.is_in(ids)
        & (SurveyInvitation.state != "skipped")
    )
    already = {int(r["member"]) for r in existing}
    result = InviteResult(slug, stored.version)
    rows: list[tuple[Any, ...]] = []
    now = _now()
    for target in targets:
        if target.member_id in already:
            result.already_invited.append(target.reference)
            continue
        reason = target.refusal
        if reason is None and target.channel not in (*SENT_CHANNELS, CALLED_CHANNEL):
            reason = f"prefers {target.channel}: cannot be sent from here"
        # Phone members go on the staff call list instead of a send job.
        state = (
            "skipped" if reason else ("to_call" if target.channel == CALLED_CHANNEL else "pending")
        )
        rows.append(
            (
                stored.survey_id,
                stored.version,
                target.member_id,
                draw_id,
                target.channel or "",
                state,
                reason or "",
                message_language(target.language, stored.survey.languages),
                target.large_print,
                target.wants_thank_you,
                minutes,
                0,
                now,
                created_by,
            )
        )
        if reason:
            result.skipped.append((target.reference, reason))
        else:
            result.invited[str(target.channel)] = result.invited.get(str(target.channel), 0) + 1
    if not result.total:
        problems = [(f"members[{ref}]", why) for ref, why in result.skipped]
        problems += [(f"members[{ref}]", "already invited") for ref in result.already_invited]
        raise SurveyError("nobody in this batch can be invited", problems)
    engine = SurveyInvitation._meta.db
    async with engine.transaction():
        for start in range(0, len(rows), _INSERT_ROWS):
            chunk = rows[start : start + _INSERT_ROWS]
            await engine.run_querystring(
                _insert_statement(len(chunk)).query(*(v for row in chunk for v in row))
            )
        pending = await SurveyInvitation.select(
            SurveyInvitation.id, SurveyInvitation.channel
        ).where(
            (SurveyInvitation.survey == stored.survey_id)
            & (SurveyInvitation.version == stored.version)
            & (SurveyInvitation.state == "pending")
            & SurveyInvitation.member.is_in(ids)
        )
        result.jobs = await queue_sends([int(r["id"]) for r in pending], "invitation", 0)
    return result


async def queue_sends(invitation_ids: list[int], kind: str, number: int) -> list[jobs.JobId]:
    """Queue the send jobs for these invitations: messages in chunks, letters as one batch.

    An invitation goes on the channel it was made for; a reminder or thank-you on the member's
    channel today (they may have changed it, or withdrawn its consent, since).
    """
    if not invitation_ids:
        return []
    rows = await SurveyInvitation.select(
        SurveyInvitation.id, SurveyInvitation.channel, SurveyInvitation.member
    ).where(SurveyInvitation.id.is_in(invitation_ids))
    channel_of = {int(r["id"]): str(r["channel"]) for r in rows}
    if kind != "invitation":
        # reminders and thank-yous follow the member's current channel (and consent); a
        # member with no contactable channel now is not queued (the send would pass anyway)
        targets = await panel.invitation_targets([int(r["member"]) for r in rows])
        now_on = {t.member_id: t.channel or "" for t in targets}
        channel_of = {int(r["id"]): now_on[int(r["member"])] for r in rows}
    post = sorted(i for i, c in channel_of.items() if c == "post")
    other = sorted(i for i, c in channel_of.items() if c in ("email", "sms"))
    queued: list[jobs.JobId] = []
    for start in range(0, len(other), CHUNK):
        payload = {"invitation_ids": other[start : start + CHUNK], "kind": kind, "number": number}
        queued.append(await jobs.enqueue("surveys.send_messages", payload))
    if post:
        payload = {"invitation_ids": post, "kind": kind, "number": number}
        queued.append(await jobs.enqueue("surveys.print_letters", payload))
    return queued


# --- responses, reminders and thank-yous -----------------------------------------------------


async def responded_members(survey_id: int, version: int, member_ids: list[int]) -> set[int]:
    """Members with a complete response to this version (online through their link, or entered
    by staff from paper or phone)."""
    if not member_ids:
        return set()
    rows = await SurveyResponse.select(SurveyResponse.member).where(
        (SurveyResponse.survey == survey_id)
        & (SurveyResponse.version == version)
        & (SurveyResponse.status == "complete")
        & SurveyResponse.member.is_in(member_ids)
    )
    return {int(r["member"]) for r in rows}


async def mark_responded(invitation: dict[str, Any], when: dt.datetime | None = None) -> bool:
    """Record that this invitation was answered (once), as a contact in the member's history,
    and queue a thank-you when the member asked for one (checked again when it is sent)."""
    when = when or _now()
    changed = (
        await SurveyInvitation.update(
            {SurveyInvitation.state: "responded", SurveyInvitation.responded_at: when}
        )
        .where((SurveyInvitation.id == invitation["id"]) & (SurveyInvitation.state != "responded"))
        .returning(SurveyInvitation.id)
    )
    if not changed:
        return False
    wants = (
        await SurveyInvitation.select(SurveyInvitation.wants_thank_you, SurveyInvitation.draw)
        .where(SurveyInvitation.id == invitation["id"])
        .first()
    )
    await panel.record_contact(
        int(invitation["member"]),
        kind="response",
        channel=invitation["channel"] or "email",
        subject=f"response to survey {invitation['survey']} v{invitation['version']}",
        at=when,
        draw_id=wants["draw"] if wants else None,
    )
    if wants and wants["wants_thank_you"]:
        await queue_sends([int(invitation["id"])], "thank_you", 0)
    return True


async def sync_responses() -> int:
    """Mark answered invitations `responded` and queue thank-yous for members who want one."""
    open_rows = await SurveyInvitation.select(
        SurveyInvitation.id,
        SurveyInvitation.survey,
        SurveyInvitation.version,
        SurveyInvitation.member,
        SurveyInvitation.channel,
    ).where(SurveyInvitation.state.is_in(["pending", "sent"]))
    groups: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for row in open_rows:
        groups.setdefault((int(row["survey"]), int(row["version"])), []).append(row)
    marked = 0
    for (survey_id, version), rows in groups.items():
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            done = await responded_members(survey_id, version, [int(r["member"]) for r in chunk])
            async with SurveyInvitation._meta.db.transaction():
                for row in chunk:
                    if int(row["member"]) in done and await mark_responded(row):
                        marked += 1
    return marked


async def queue_reminders(
    schedule: tuple[int, ...] | None = None, now: dt.datetime | None = None
) -> int:
    """Queue reminder N for invitations sent at least `schedule[N-1]` days ago and not answered.

    Queuing twice is harmless: the send re-checks everything (and the message id is fixed).
    """
    schedule = schedule or get_settings().reminder_days
    now = now or _now()
    await sync_responses()
    count = 0
    for number, days in enumerate(schedule, start=1):
        rows = await SurveyInvitation.select(SurveyInvitation.id).where(
            (SurveyInvitation.state == "sent")
            & (SurveyInvitation.reminders_sent == number - 1)
            & (SurveyInvitation.sent_at <= now - dt.timedelta(days=days))
        )
        ids = [int(r["id"]) for r in rows]
        await queue_sends(ids, "reminder", number)
        count += len(ids)
    return count


# --- the staff page's figures ----------------------------------------------------------------


async def fieldwork_counts(survey_id: int, version: int) -> list[dict[str, Any]]:
    """Per channel: invited, sent, reminded (at least once), responded, skipped; with a total."""
    rows = await SurveyInvitation.select(
        SurveyInvitation.channel,
        SurveyInvitation.state,
        SurveyInvitation.reminders_sent,
        SurveyInvitation.skip_reason,
    ).where((SurveyInvitation.survey == survey_id) & (SurveyInvitation.version == version))
    table: dict[str, dict[str, Any]] = {}
    for row in rows:
        channel = row["channel"] or "none"
        counts = table.setdefault(
            channel,
            {
                "channel": channel,
                "invited": 0,
                "sent": 0,
                "reminded": 0,
                "responded": 0,
                "skipped": 0,
                "pending": 0,
            },
        )
        if row["state"] == "skipped":
            counts["skipped"] += 1
            continue
        counts["invited"] += 1
        if row["state"] in ("pending", "to_call"):
            counts["pending"] += 1
        else:
            counts["sent"] += 1
        if row["reminders_sent"]:
            counts["reminded"] += 1
        if row["state"] == "responded":
            counts["responded"] += 1
    ordered = [table[c] for c in (*SENT_CHANNELS, "phone", "none") if c in table]
    total = {"channel": "total"}
    for key in ("invited", "sent", "reminded", "responded", "skipped", "pending"):
        total[key] = sum(c[key] for c in ordered)  # type: ignore[assignment]
    return [*ordered, total] if ordered else []


async def state_counts(survey_id: int, version: int) -> dict[str, int]:
    """Invitations for this version by state; every state present, zero when none."""
    rows = await SurveyInvitation.select(SurveyInvitation.state).where(
        (SurveyInvitation.survey == survey_id) & (SurveyInvitation.version == version)
    )
    counts = dict.fromkeys(("pending", "to_call", "sent", "responded", "skipped"), 0)
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
    return counts


async def call_list(survey_id: int, version: int) -> list[dict[str, Any]]:
    """Members to ring for this version: invitation id, reference, name and phone number.

    For the panel manager's page only (the route is guarded): it shows contact details because
    a person has to dial them.
    """
    rows = (
        await SurveyInvitation.select(SurveyInvitation.id, SurveyInvitation.member)
        .where(
            (SurveyInvitation.survey == survey_id)
            & (SurveyInvitation.version == version)
            & (SurveyInvitation.state == "to_call")
        )
        .order_by(SurveyInvitation.id)
    )
    details = await panel.members_with_contact_details([int(r["member"]) for r in rows])
    profiles = await panel.profiles([int(r["member"]) for r in rows])
    out = []
    for row in rows:
        member = int(row["member"])
        found = details.get(member, {})
        out.append(
            {
                "invitation_id": int(row["id"]),
                "member_id": member,
                "reference": profiles.get(member, {}).get("reference", "?"),
                "name": " ".join(x for x in (found.get("first_name"), found.get("last_name")) if x),
                "phone": found.get("phone") or "",
            }
        )
    return out


async def mark_called(survey_id: int, invitation_id: int, *, called_by: str = "") -> str:
    """Record that staff rang a member on the call list; return the link path to read out.

    One transaction: a fresh personal link (retiring any unused one), the invitation becomes
    `sent` on the phone channel, and the call is recorded through `panel.record_contact`.
    A member not (or no longer) on this survey's call list is refused, naming `invitation`.
    """
    async with SurveyInvitation._meta.db.transaction():
        row = (
            await SurveyInvitation.select(
                SurveyInvitation.member,
                SurveyInvitation.state,
                SurveyInvitation.survey,
                SurveyInvitation.draw,
            )
            .where(SurveyInvitation.id == invitation_id)
            .first()
        )
        if row is None or int(row["survey"]) != survey_id or row["state"] != "to_call":
            raise SurveyError(
                "not on the call list",
                [("invitation", f"invitation {invitation_id} is not on this call list")],
            )
        survey = await Survey.select(Survey.slug).where(Survey.id == survey_id).first()
        assert survey is not None
        from surveys.services import links  # links is below fieldwork in the import order

        (issued,) = await links.create_links(str(survey["slug"]), member_ids=[int(row["member"])])
        now = _now()
        await SurveyInvitation.update(
            {
                SurveyInvitation.state: "sent",
                SurveyInvitation.sent_at: now,
                SurveyInvitation.last_sent_at: now,
                SurveyInvitation.link: issued.link_id,
            }
        ).where(SurveyInvitation.id == invitation_id)
        await panel.record_contact(
            int(row["member"]),
            kind="invitation",
            channel=CALLED_CHANNEL,
            subject=f"Phone call about survey {survey['slug']}"[:200]
            + (f" by {called_by}" if called_by else ""),
            at=now,
            draw_id=row["draw"],
        )
    return issued.path()


async def skipped(survey_id: int, version: int) -> list[dict[str, Any]]:
    """Members skipped for this version and why (reference only: no contact details)."""
    rows = await SurveyInvitation.select(
        SurveyInvitation.member, SurveyInvitation.skip_reason
    ).where(
        (SurveyInvitation.survey == survey_id)
        & (SurveyInvitation.version == version)
        & (SurveyInvitation.state == "skipped")
    )
    profiles = await panel.profiles([int(r["member"]) for r in rows])
    return [
        {
            "reference": profiles.get(int(r["member"]), {}).get("reference", "?"),
            "reason": r["skip_reason"],
        }
        for r in rows
    ]


async def letter_batches(survey_id: int) -> list[dict[str, Any]]:
    return (
        await LetterBatch.select(
            LetterBatch.id,
            LetterBatch.version,
            LetterBatch.kind,
            LetterBatch.large_print,
            LetterBatch.pages,
            LetterBatch.created_at,
            LetterBatch.downloaded_at,
        )
        .where(LetterBatch.survey == survey_id)
        .order_by(LetterBatch.id, ascending=False)
    )
