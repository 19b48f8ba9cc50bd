"""Sending invitations, reminders and thank-yous, each exactly once even across crashes.

Every message has a deterministic id (`<rv.{invitation}.{kind}.{n}@domain>`). Sending is three
steps:

1. *prepare*, one transaction for a batch of up to `PREPARE_BATCH` messages: re-check each
   invitation (a reminder stops if the member has responded, also one who responded after the
   job was queued), the member's consent, make the personal links in bulk
   (`links.issue_member_links`: the single-use link rules, a few statements for the batch),
   and write each `survey_message` row in state `sending`;
2. *deliver*: SMTP, the SMS sender, or a page in a letter batch;
3. *finalise*, one transaction: the message becomes `sent`, the invitation's state, send time
   and Message-ID change, and the contact is recorded through `panel.services.record_contact`.

A message is `prepared` until just before its hand-over, when it becomes `sending` (in the
transaction that finalised the one before it). A retried job sends a `prepared` message (it
never left) with a fresh link. A job retried after a crash between hand-over and 3 finds the
`sending` row. For email and SMS it
cannot know whether the message left, so it never sends it again: it finalises the message as
`unconfirmed` (at most once; the next reminder covers a message that was really lost). A letter
in `sending` was never printed (a batch only exists once its PDF is written and finalised), so
letters are prepared again and printed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import structlog
from piccolo.columns.combination import Combinable

from panel import services as panel
from service.mail import Mail, MailSession
from service.settings import Settings, get_settings
from surveys.services import definitions_store, fieldwork, links
from surveys.services.letters import Letter, render_batch, typed_link
from surveys.services.messages import Content, email_html, email_text, sms_text
from surveys.services.sms import Sender, sender_from_settings
from surveys.tables import LetterBatch, Survey, SurveyInvitation, SurveyMessage

log = structlog.get_logger("fieldwork")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def message_id_for(invitation_id: int, kind: str, number: int, settings: Settings) -> str:
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "resident-voice.local"
    return f"<rv.{invitation_id}.{kind}.{number}@{domain}>"


@dataclass
class Prepared:
    invitation: dict[str, Any]
    message_row: int
    message_id: str
    content: Content
    target: panel.InvitationTarget
    token: str | None
    #: the channel this message goes on: the invitation's for an invitation, the member's
    #: current channel (with consent for it) for a reminder or thank-you
    channel: str = ""


_INVITATION_COLUMNS = (
    SurveyInvitation.id,
    SurveyInvitation.survey,
    SurveyInvitation.version,
    SurveyInvitation.member,
    SurveyInvitation.channel,
    SurveyInvitation.state,
    SurveyInvitation.language,
    SurveyInvitation.large_print,
    SurveyInvitation.minutes,
    SurveyInvitation.reminders_sent,
    SurveyInvitation.sent_at,
    SurveyInvitation.thanked_at,
    SurveyInvitation.draw,
)


async def _skip(invitation: dict[str, Any], reason: str) -> None:
    """An invitation that was never sent and now cannot be: skipped, with the reason."""
    await SurveyInvitation.update(
        {SurveyInvitation.state: "skipped", SurveyInvitation.skip_reason: reason[:200]}
    ).where((SurveyInvitation.id == invitation["id"]) & (SurveyInvitation.state == "pending"))


async def _finalise(
    p_invitation: dict[str, Any],
    message_row: int,
    message_id: str,
    kind: str,
    number: int,
    subject: str,
    state: str = "sent",
    letter_batch: int | None = None,
    channel: str | None = None,
) -> None:
    """Step 3, inside the caller's transaction: message, invitation and contact history."""
    now = _now()
    await SurveyMessage.update(
        {
            SurveyMessage.state: state,
            SurveyMessage.sent_at: now,
            SurveyMessage.letter_batch: letter_batch,
        }
    ).where(SurveyMessage.id == message_row)
    changes: dict[Any, Any] = {SurveyInvitation.last_sent_at: now}
    if kind == "invitation":
        changes |= {
            SurveyInvitation.state: "sent",
            SurveyInvitation.sent_at: now,
            SurveyInvitation.message_id: message_id,
        }
    elif kind == "reminder":
        changes[SurveyInvitation.reminders_sent] = number
    else:
        changes[SurveyInvitation.thanked_at] = now
    where = SurveyInvitation.id == p_invitation["id"]
    if kind == "invitation":
        where = where & (SurveyInvitation.state == "pending")
    await SurveyInvitation.update(changes).where(where)
    await panel.record_contact(
        int(p_invitation["member"]),
        kind=kind,
        channel=channel or p_invitation["channel"],
        subject=subject[:200],
        message_id=message_id,
        at=now,
        draw_id=p_invitation.get("draw"),
    )


@dataclass
class _Checked:
    """A message that passed step 1's checks and waits for its link (if it needs one)."""

    inv: dict[str, Any]
    survey: dict[str, Any]
    target: panel.InvitationTarget
    channel: str
    message_id: str
    existing: dict[str, Any] | None
    kind: str

    @property
    def needs_link(self) -> bool:
        return self.kind in ("invitation", "reminder")


async def _check(
    invitation_id: int,
    kind: str,
    number: int,
    settings: Settings,
    channels: tuple[str, ...],
) -> _Checked | None:
    """Step 1's checks, inside the caller's transaction. None when there is nothing to send
    (done already, responded, no consent), or when a reminder's member now prefers a channel
    this job does not deliver (`channels`): the next `queue_reminders` queues it on the right
    job, as its reminder count did not move."""
    message_id = message_id_for(invitation_id, kind, number, settings)
    inv = (
        await SurveyInvitation.select(*_INVITATION_COLUMNS)
        .where(SurveyInvitation.id == invitation_id)
        .first()
    )
    if inv is None:
        return None
    survey = (
        await Survey.select(Survey.slug, Survey.title, Survey.current_version)
        .where(Survey.id == inv["survey"])
        .first()
    )
    assert survey is not None
    wanted = {"invitation": "pending", "reminder": "sent", "thank_you": "responded"}[kind]
    existing = (
        await SurveyMessage.select(SurveyMessage.id, SurveyMessage.state, SurveyMessage.channel)
        .where(SurveyMessage.message_id == message_id)
        .first()
    )
    if existing is not None and existing["state"] not in ("sending", "prepared"):
        return None  # sent (or finalised as unconfirmed) already
    if existing is not None and existing["state"] == "sending" and existing["channel"] != "post":
        # A crash after step 1: the message may have left. Never send it twice.
        if inv["state"] == wanted:
            await _finalise(
                inv,
                int(existing["id"]),
                message_id,
                kind,
                number,
                f"{kind}: {survey['title']}",
                state="unconfirmed",
                channel=str(existing["channel"]),
            )
        log.warning("message unconfirmed after a retry", kind=kind, invitation=inv["id"])
        return None
    if inv["state"] != wanted:
        return None
    if kind == "reminder" and int(inv["reminders_sent"]) >= number:
        return None
    if kind == "thank_you" and inv["thanked_at"] is not None:
        return None
    member = int(inv["member"])
    # Checked here, inside the transaction: a member who answered after this job was
    # queued gets no reminder.
    if kind in ("invitation", "reminder") and member in await fieldwork.responded_members(
        int(inv["survey"]), int(inv["version"]), [member]
    ):
        await fieldwork.mark_responded(inv)
        return None
    (target,) = await panel.invitation_targets([member])
    channel = str(inv["channel"])
    if kind == "invitation" and (target.refusal or target.channel != channel):
        await _skip(inv, target.refusal or f"now prefers {target.channel}")
        return None
    if target.refusal or target.channel is None:
        return None  # no consent on record for the member's channel now
    if kind != "invitation":
        # A reminder or thank-you follows the member's current channel and consent: a
        # member who moved from email to post after the invitation gets a letter.
        channel = target.channel
    if channel not in channels:
        return None
    if kind == "thank_you" and not target.wants_thank_you:
        return None
    if kind in ("invitation", "reminder") and int(survey["current_version"]) != int(inv["version"]):
        if kind == "invitation":
            await _skip(inv, "the survey has a newer version")
        return None
    return _Checked(inv, survey, target, channel, message_id, existing, kind)


async def _complete(
    checked: _Checked,
    kind: str,
    number: int,
    settings: Settings,
    titles: dict[tuple[int, int], dict[str, str]],
    link: links.IssuedLink | links.LinkRefusal | None,
) -> Prepared | None:
    """Step 1's writes, inside the caller's transaction: the link on the invitation, the
    `sending` message row and the unsubscribe link; then the message's content."""
    inv, survey, target, channel = checked.inv, checked.survey, checked.target, checked.channel
    invitation_id, member, existing = int(inv["id"]), int(inv["member"]), checked.existing
    # An email or text is `prepared` until the moment before it is handed over (`_deliver`
    # makes it `sending`); a letter is `sending` until its batch's PDF is written.
    state = "sending" if channel == "post" else "prepared"
    token: str | None = None
    link_id: int | None = None
    if isinstance(link, links.LinkRefusal):  # no new link (`links.issue_member_links`)
        if link.answered:
            await fieldwork.mark_responded(inv)
            return None
        if kind == "invitation":
            await _skip(inv, "has started answering through another link")
            return None
        # A reminder to someone part-way through: their link still works and we
        # cannot show it again (only its hash is kept), so the reminder says so.
    elif link is not None:
        token, link_id = link.token, link.link_id
    if link_id is not None:
        await SurveyInvitation.update({SurveyInvitation.link: link_id}).where(
            SurveyInvitation.id == invitation_id
        )
    if existing is None:
        row = SurveyMessage(
            invitation=invitation_id,
            kind=kind,
            number=number,
            channel=channel,
            message_id=checked.message_id,
            link=link_id,
            state=state,
        )
        (inserted,) = await SurveyMessage.insert(row).returning(SurveyMessage.id)
        message_row = int(inserted["id"])
    else:  # a letter never printed, or a message never handed over: again, with a fresh link
        message_row = int(existing["id"])
        await SurveyMessage.update(
            {
                SurveyMessage.link: link_id,
                SurveyMessage.channel: channel,
                SurveyMessage.state: state,
            }
        ).where(SurveyMessage.id == message_row)
    unsubscribe = None
    if channel in ("email", "sms"):
        unsubscribe = settings.public_url.rstrip("/") + await panel.issue_unsubscribe_link(
            member, channel
        )
    key = (int(inv["survey"]), int(inv["version"]))
    if key not in titles:  # one definition parse per job, not per message
        stored = await definitions_store.get_version(*key)
        titles[key] = {lang: stored.survey.title(lang) for lang in ("en", "cy")}
    lang = str(inv["language"])
    content = Content(
        kind=kind,
        lang=lang,
        council=settings.council_name,
        title=titles[key][lang] or str(survey["title"]),
        first_name=target.first_name,
        minutes=int(inv["minutes"]),
        phone=settings.support_phone,
        channel=channel,
        link_url=f"{settings.public_url.rstrip('/')}/s/{token}" if token else None,
        unsubscribe_url=unsubscribe,
        sent_on=inv["sent_at"].date() if isinstance(inv["sent_at"], dt.datetime) else None,
    )
    return Prepared(inv, message_row, checked.message_id, content, target, token, channel)


#: how many messages one prepare transaction covers when sending by email or SMS
PREPARE_BATCH = 100


async def _prepare_batch(
    invitation_ids: list[int],
    kind: str,
    number: int,
    settings: Settings,
    titles: dict[tuple[int, int], dict[str, str]],
    channels: tuple[str, ...] = ("email", "sms"),
) -> list[Prepared | None]:
    """Step 1 for several messages in one transaction (one commit), their personal links made
    in bulk (`links.issue_member_links`); the same checks and rows as one at a time. The
    messages are then delivered and finalised one by one, so a crash mid-batch leaves the rest
    `sending`, which a retry finalises as `unconfirmed` and never sends twice."""
    async with SurveyInvitation._meta.db.transaction():
        checked = [await _check(i, kind, number, settings, channels) for i in invitation_ids]
        wanting: dict[tuple[int, int], list[int]] = {}
        for c in checked:
            if c is not None and c.needs_link:
                key = (int(c.inv["survey"]), int(c.inv["version"]))
                wanting.setdefault(key, []).append(int(c.inv["member"]))
        made: dict[tuple[int, int], dict[int, links.IssuedLink | links.LinkRefusal]] = {}
        for key, members in wanting.items():
            made[key] = await links.issue_member_links(*key, members)
        out: list[Prepared | None] = []
        for c in checked:
            if c is None:
                out.append(None)
                continue
            key = (int(c.inv["survey"]), int(c.inv["version"]))
            link = made[key][int(c.inv["member"])] if c.needs_link else None
            out.append(await _complete(c, kind, number, settings, titles, link))
        first = next((p for p in out if p is not None), None)
        if first is not None:
            await _mark_sending(first.message_row)
    return out


async def _mark_sending(message_row: int) -> None:
    """The message is about to be handed over: from now a retry must not send it again."""
    await SurveyMessage.update({SurveyMessage.state: "sending"}).where(
        (SurveyMessage.id == message_row) & (SurveyMessage.state == "prepared")
    )


def build_mail(prepared: Prepared) -> Mail:
    """The email for a prepared message: HTML and plain text, RFC 8058 one-click unsubscribe."""
    content = prepared.content
    headers = {}
    if content.unsubscribe_url:
        headers = {
            "List-Unsubscribe": f"<{content.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    assert prepared.target.email
    return Mail(
        to=prepared.target.email,
        subject=content.subject,
        text=email_text(content),
        html=email_html(content),
        message_id=prepared.message_id,
        headers=headers,
    )


#: Test seam: called after a message has been delivered, before it is finalised.
AfterDeliver = Callable[[Prepared], Awaitable[None]]


async def _no_hook(_: Prepared) -> None:
    return None


async def send_messages(
    invitation_ids: list[int],
    kind: str,
    number: int = 0,
    *,
    settings: Settings | None = None,
    sender: Sender | None = None,
    after_deliver: AfterDeliver = _no_hook,
) -> dict[str, int]:
    """Send one email or text message per invitation; returns counts sent and passed over."""
    settings = settings or get_settings()
    counts = {"sent": 0, "passed": 0}
    titles: dict[tuple[int, int], dict[str, str]] = {}
    senders: list[Sender] = [sender] if sender else []
    async with MailSession(settings) as session:
        for start in range(0, len(invitation_ids), PREPARE_BATCH):
            batch = invitation_ids[start : start + PREPARE_BATCH]
            found = await _prepare_batch(batch, kind, number, settings, titles)
            ready = [p for p in found if p is not None]
            counts["passed"] += len(found) - len(ready)
            for k, prepared in enumerate(ready):
                following = ready[k + 1].message_row if k + 1 < len(ready) else None
                await _deliver(
                    prepared, kind, number, settings, session, senders, after_deliver, following
                )
                counts["sent"] += 1
    return counts


async def _deliver(
    prepared: Prepared,
    kind: str,
    number: int,
    settings: Settings,
    session: MailSession,
    senders: list[Sender],
    after_deliver: AfterDeliver,
    next_row: int | None,
) -> None:
    """Steps 2 and 3 for one prepared email or text message (`senders`: the SMS sender, made
    on first use). The finalising transaction also marks the batch's next message `sending`
    (`next_row`), so each message costs one commit and a crash at any point leaves exactly the
    messages that may have left as `sending` (finalised `unconfirmed` on a retry, never sent
    twice) and those that certainly did not as `prepared` (sent on the retry)."""
    if prepared.channel == "email":
        await session.send(build_mail(prepared))
    elif prepared.channel == "sms":
        if not senders:
            senders.append(sender_from_settings(settings))
        assert prepared.target.phone
        await senders[0].send(
            prepared.target.phone,
            sms_text(prepared.content),
            reference=prepared.message_id.strip("<>"),
        )
    else:
        raise ValueError(f"send_messages cannot send by {prepared.channel}")
    await after_deliver(prepared)
    async with SurveyMessage._meta.db.transaction():
        await _finalise(
            prepared.invitation,
            prepared.message_row,
            prepared.message_id,
            kind,
            number,
            prepared.content.subject,
            channel=prepared.channel,
        )
        if next_row is not None:
            await _mark_sending(next_row)


async def print_letters(
    invitation_ids: list[int],
    kind: str,
    number: int = 0,
    *,
    settings: Settings | None = None,
) -> list[int]:
    """Letters for these (post) invitations: one PDF batch per print size; the batch ids."""
    settings = settings or get_settings()
    titles: dict[tuple[int, int], dict[str, str]] = {}
    prepared = [
        p
        for start in range(0, len(invitation_ids), PREPARE_BATCH)
        for p in await _prepare_batch(
            invitation_ids[start : start + PREPARE_BATCH],
            kind,
            number,
            settings,
            titles,
            channels=("post",),
        )
        if p is not None
    ]
    batches = []
    for large in (False, True):
        group = [
            p
            for p in prepared
            if bool(p.invitation["large_print"] or p.target.large_print) == large
        ]
        if not group:
            continue
        letters = [
            Letter(
                name=f"{p.target.first_name} {p.target.last_name}".strip(),
                address_lines=tuple(
                    x for x in (p.target.address_line1, p.target.town, p.target.postcode) if x
                ),
                content=p.content,
                typed_link=typed_link(settings.public_url, p.token) if p.token else None,
                qr_url=p.content.link_url,
            )
            for p in group
        ]
        first = group[0]
        pdf = render_batch(letters, large_print=large, title=first.content.subject)
        settings.letters_dir.mkdir(parents=True, exist_ok=True)
        file_name = f"letters-{uuid.uuid4().hex}.pdf"
        path = settings.letters_dir / file_name
        partial = path.with_suffix(".part")
        partial.write_bytes(pdf)
        partial.chmod(0o600)  # names, addresses and personal links
        partial.rename(path)
        async with LetterBatch._meta.db.transaction():
            batch = LetterBatch(
                survey=first.invitation["survey"],
                version=first.invitation["version"],
                kind=kind,
                large_print=large,
                pages=len(group),
                file_name=file_name,
            )
            await batch.save()
            for p in group:
                await _finalise(
                    p.invitation,
                    p.message_row,
                    p.message_id,
                    kind,
                    number,
                    p.content.subject,
                    letter_batch=int(batch.id),
                    channel=p.channel,
                )
        batches.append(int(batch.id))
    return batches


async def letter_file(
    batch_id: int, settings: Settings | None = None, *, survey_id: int | None = None
) -> tuple[Path, str] | None:
    """The PDF of a letter batch and a download name; records that staff downloaded it.

    With `survey_id`, only a batch of that survey (a page under one survey's address must not
    hand out another survey's letters). None when there is no such batch or its file is gone.
    """
    settings = settings or get_settings()
    where: Combinable = LetterBatch.id == batch_id
    if survey_id is not None:
        where = where & (LetterBatch.survey == survey_id)
    row = (
        await LetterBatch.select(LetterBatch.file_name, LetterBatch.kind, LetterBatch.large_print)
        .where(where)
        .first()
    )
    if row is None:
        return None
    path = settings.letters_dir / row["file_name"]
    if not path.is_file():
        return None
    await LetterBatch.update({LetterBatch.downloaded_at: _now()}).where(
        (LetterBatch.id == batch_id) & LetterBatch.downloaded_at.is_null()
    )
    size = "large-print" if row["large_print"] else "standard"
    return path, f"letters-{batch_id}-{row['kind']}-{size}.pdf"
