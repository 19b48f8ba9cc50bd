"""A member's no-password links: how long they work, a fresh one by email, a new email confirmed.

- **Expiry.** A self-service link works for `PANEL_SELF_SERVICE_LINK_DAYS` days (default 90)
  from when it was made. The expiry is worked out from the token's `created_at`, so changing the
  setting applies to links already sent; the page says until when its link works.
- **A fresh link.** Anyone can ask for one by entering an email address (`/panel/link`). The
  page always answers the same ("if that address belongs to a member, we have sent a link"),
  so it never says whether an address is on the panel, and the link goes only to the address
  on record, by a background job (so the answer is as quick either way). Requests are limited
  per client address and per email address (`PANEL_LINK_REQUESTS_PER_HOUR`, keyed hashes only,
  in the sign-up limit's table), so it cannot be used to flood a mailbox or to probe addresses
  quickly.
- **A changed email address** is not used until it is confirmed: the new address is held in
  `Member.pending_email` and a single-use link (expiring after `EMAIL_CHANGE_DAYS`, stored
  hashed) is sent to it. Until it is followed, invitations keep going to the address on record.
- **Stopping letters.** `stop_post` withdraws consent for post (a consent change, recorded).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from typing import Any

from panel import duplicates, signup_limits
from panel.changes import record_change
from panel.self_service_words import words
from panel.services import CHANNELS, current_consents, self_service_link
from panel.tables import Consent, Member, MemberToken
from service.mail import Mail, send_mail
from service.security import hash_token, keyed_hash, new_token
from service.settings import Settings, get_settings

LINK_PURPOSE = "self_service"
EMAIL_CHANGE_PURPOSE = "confirm_new_email"
EMAIL_CHANGE_DAYS = 3
#: Statuses that may have a self-service link sent (an erased member has no email; applicants
#: confirm through their sign-up link first).
LINK_STATUSES = ("active", "paused", "withdrawn")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def link_days(settings: Settings | None = None) -> int:
    return (settings or get_settings()).panel_self_service_link_days


@dataclass(frozen=True)
class LinkState:
    """What a self-service token is: `ok` (with its member and expiry), `expired`, `replaced`
    (a fresh link was sent after it) or `unknown`."""

    status: str
    member_id: int | None = None
    expires_at: dt.datetime | None = None


async def link_state(token: str, now: dt.datetime | None = None) -> LinkState:
    now = now or _now()
    row = (
        await MemberToken.select(MemberToken.member, MemberToken.created_at, MemberToken.used_at)
        .where(MemberToken.token_hash == hash_token(token), MemberToken.purpose == LINK_PURPOSE)
        .first()
    )
    if row is None:
        return LinkState("unknown")
    expires = row["created_at"] + dt.timedelta(days=link_days())
    if expires <= now:  # expired (whether or not replaced since): the page says so
        return LinkState("expired", int(row["member"]), expires)
    if row["used_at"] is not None:  # revoked when a fresh link was sent (`send_link_job`)
        return LinkState("replaced", int(row["member"]), expires)
    return LinkState("ok", int(row["member"]), expires)


# --- a fresh link by email --------------------------------------------------------------------


def _mail(
    to: str, subject: str, paragraphs: list[str], link: str, link_text: str, lang: str
) -> Mail:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head><body>{body}"
        f'<p><a href="{escape(link)}">{escape(link_text)}</a></p></body></html>'
    )
    text = "\n\n".join([paragraphs[0], f"{link_text}: {link}", *paragraphs[1:]])
    return Mail(to=to, subject=subject, text=text, html=html)


def link_mail(to: str, link: str, lang: str, settings: Settings) -> Mail:
    w = words(lang)
    return _mail(
        to,
        w["mail_link_subject"],
        [
            w["mail_link_intro"].format(council=settings.council_name),
            w["mail_link_expiry"].format(days=link_days(settings)),
            w["mail_not_you"].format(phone=settings.support_phone),
        ],
        link,
        w["mail_link_link"],
        lang,
    )


def email_change_mail(to: str, link: str, lang: str, settings: Settings) -> Mail:
    w = words(lang)
    return _mail(
        to,
        w["mail_new_email_subject"],
        [
            w["mail_new_email_intro"].format(council=settings.council_name),
            w["mail_new_email_expiry"].format(days=EMAIL_CHANGE_DAYS),
            w["mail_not_you"].format(phone=settings.support_phone),
        ],
        link,
        w["mail_new_email_link"],
        lang,
    )


async def allow_link_request(address: str, email: str, settings: Settings) -> bool:
    """Under the hourly limit for this client address and for this email address."""
    limit = settings.panel_link_requests_per_hour
    normalised = duplicates.normalise_email(email) or ""
    by_address = keyed_hash(settings.secret_key, "link-address:" + address)[:64]
    by_email = keyed_hash(settings.secret_key, "link-email:" + normalised)[:64]
    return await signup_limits.allow(by_address, limit) and await signup_limits.allow(
        by_email, limit
    )


SEND_LINK_JOB = "panel.send_self_service_link"


async def queue_fresh_link(email: str, lang: str) -> bool:
    """Queue a new self-service link for the member holding `email`; True when one was queued.

    The mail is sent by a background job (`send_link_job`), not while the person waits, so the
    page takes as long for an address on the panel as for one that is not: its timing does not
    tell either. The job's payload is the member id, never the address. The caller shows the
    same page either way; the result is for tests only.
    """
    from service import jobs

    normalised = duplicates.normalise_email(email)
    if not normalised:
        return False
    row = (
        await Member.select(Member.id, Member.email)
        .where(Member.email_normalised == normalised, Member.status.is_in(list(LINK_STATUSES)))
        .first()
    )
    if row is None or not row["email"]:
        return False
    await jobs.enqueue(SEND_LINK_JOB, {"member_id": int(row["id"]), "lang": lang})
    return True


async def send_link_job(member_id: int, lang: str = "en", **_: Any) -> bool:
    """The job: a fresh self-service link, mailed to the member's address on record; the
    member's earlier self-service links stop working ("replaced", 410)."""
    settings = get_settings()
    row = (
        await Member.select(Member.email, Member.language, Member.status)
        .where(Member.id == member_id)
        .first()
    )
    if row is None or not row["email"] or row["status"] not in LINK_STATUSES:
        return False
    # The fresh link replaces the member's earlier ones: someone asks for a new link because
    # the old one is lost, and a lost link (a forwarded email, a shared inbox) should stop
    # working. Revoked and issued in one transaction, so there is always exactly one.
    async with MemberToken._meta.db.transaction():
        await MemberToken.update({MemberToken.used_at: _now()}).where(
            MemberToken.member == member_id,
            MemberToken.purpose == LINK_PURPOSE,
            MemberToken.used_at.is_null(),
        )
        link = settings.public_url.rstrip("/") + await self_service_link(member_id)
        await record_change(
            member_id, "new_link", detail="a fresh self-service link by email; earlier ones revoked"
        )
    language = row["language"] if row["language"] in ("en", "cy") else lang
    await send_mail(link_mail(str(row["email"]), link, language, settings), settings)
    return True


# --- a changed email address, confirmed from the new address -----------------------------------


async def start_email_change(member_id: int, email: str) -> str:
    """Hold `email` as the member's pending address; the confirmation token (inside the caller's
    transaction). Earlier unconfirmed changes' links stop working."""
    now = _now()
    await MemberToken.update({MemberToken.used_at: now}).where(
        MemberToken.member == member_id,
        MemberToken.purpose == EMAIL_CHANGE_PURPOSE,
        MemberToken.used_at.is_null(),
    )
    await Member.update({Member.pending_email: email}).where(Member.id == member_id)
    token = new_token()
    await MemberToken.insert(
        MemberToken(
            member=member_id,
            purpose=EMAIL_CHANGE_PURPOSE,
            token_hash=hash_token(token),
            expires_at=now + dt.timedelta(days=EMAIL_CHANGE_DAYS),
        )
    )
    await record_change(
        member_id, "email_change", fields=["email"], detail="waiting for confirmation"
    )
    return token


async def confirm_email_change(token: str) -> str:
    """`confirmed`, `used`, `expired`, `taken` (another member has it now) or `unknown`."""
    now = _now()
    hashed = hash_token(token)
    async with Member._meta.db.transaction():
        claimed = (
            await MemberToken.update({MemberToken.used_at: now})
            .where(
                MemberToken.token_hash == hashed,
                MemberToken.purpose == EMAIL_CHANGE_PURPOSE,
                MemberToken.used_at.is_null(),
                MemberToken.expires_at > now,
            )
            .returning(MemberToken.member)
        )
        if claimed:
            member_id = int(claimed[0]["member"])
            member = await Member.select().where(Member.id == member_id).first()
            if member is None or not member["pending_email"] or member["status"] == "erased":
                return "used"
            merged = {**member, "email": member["pending_email"]}
            keys = duplicates.keys(merged)
            if await Member.exists().where(
                Member.email_normalised == keys["email_normalised"], Member.id != member_id
            ):
                await Member.update({Member.pending_email: None}).where(Member.id == member_id)
                return "taken"
            update: dict[Any, Any] = {
                Member.email: member["pending_email"],
                Member.pending_email: None,
            }
            update.update(keys)
            await Member.update(update).where(Member.id == member_id)
            await record_change(
                member_id, "details", fields=["email"], detail="new email confirmed"
            )
            return "confirmed"
    row = (
        await MemberToken.select(MemberToken.used_at)
        .where(MemberToken.token_hash == hashed, MemberToken.purpose == EMAIL_CHANGE_PURPOSE)
        .first()
    )
    if row is None:
        return "unknown"
    return "used" if row["used_at"] is not None else "expired"


# --- stop letters -------------------------------------------------------------------------------


async def stop_post(member_id: int) -> str | None:
    """Withdraw consent for post (recorded); the channel used from now on, or None if none.

    A member whose channel was post moves to another channel they have consent and details for
    (email, then text, then phone); with none, they are not contacted until they choose one.
    """
    now = _now()
    async with Member._meta.db.transaction():
        member = await Member.select().where(Member.id == member_id).first()
        assert member is not None
        await Consent.update(
            {Consent.withdrawn_at: now, Consent.withdrawn_how: "self-service: stop letters"}
        ).where(
            Consent.member == member_id,
            Consent.purpose == "contact:post",
            Consent.withdrawn_at.is_null(),
        )
        channel: str | None = member["preferred_contact"]
        changed: list[str] = []
        if channel == "post":
            held = (await current_consents([member_id]))[member_id]
            details = {"email": member["email"], "sms": member["phone"], "phone": member["phone"]}
            channel = next(
                (c for c in CHANNELS if c != "post" and f"contact:{c}" in held and details.get(c)),
                None,
            )
            if channel is not None:
                await Member.update({Member.preferred_contact: channel}).where(
                    Member.id == member_id
                )
                changed = ["preferred_contact"]
        await record_change(
            member_id, "preferences", fields=changed, detail="consent withdrawn: contact:post"
        )
    return channel
