"""What a member can do with their personal link, no password: change details and
preferences, pause, leave, download their data and ask for erasure.

Every change leaves a `MemberChange` row (fields only, never old values); consent changes are
Consent records (new rows when agreed, `withdrawn_at` when taken back), so the consent history
stays complete. Each change is one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email

from panel import duplicates, member_links
from panel.changes import record_change
from panel.services import CHANNELS, CONSENT_WORDING_VERSION, current_consents
from panel.signup_steps import POSTCODE
from panel.tables import Consent, DataRequest, Member

#: Consents a member can give or take back themselves (membership goes by leaving).
OPTIONAL_PURPOSES = (
    "contact:email",
    "contact:sms",
    "contact:post",
    "contact:phone",
    "link_answers",
)
MAX_PAUSE_DAYS = 366


class ChangeError(ValueError):
    """A change that cannot be made; `field` names the form field, `key` the message word."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key


@dataclass(frozen=True)
class SelfServiceMember:
    id: int
    values: dict[str, Any]
    consents: set[str]
    link_expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class DetailsChange:
    """What `update_details` did: the fields changed now, and a new email waiting for
    confirmation (`pending_email`, with the token for the link sent to it)."""

    changed: list[str]
    pending_email: str | None = None
    email_token: str | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def member_for_token(token: str) -> SelfServiceMember | None:
    """The member a self-service token belongs to, unless the link has expired or they were
    erased (`member_links.link_state` says which)."""
    state = await member_links.link_state(token)
    if state.status != "ok":
        return None
    member = (
        await Member.select().where(Member.id == state.member_id, Member.status != "erased").first()
    )
    if member is None:
        return None
    consents = (await current_consents([member["id"]]))[member["id"]]
    return SelfServiceMember(member["id"], member, consents, state.expires_at)


DETAIL_FIELDS = ("first_name", "last_name", "email", "phone", "address_line1", "town", "postcode")


async def update_details(member_id: int, form: dict[str, str]) -> DetailsChange:
    """Change name and contact details; the fields that changed.

    A new email address is not used at once: it waits in `pending_email` until the member
    follows the link sent to it (`member_links`), so a mistyped or someone else's address never
    receives invitations. Removing an address (when email is not the member's channel) is
    immediate.
    """
    values = {f: str(form.get(f) or "").strip() for f in DETAIL_FIELDS}
    if not values["first_name"]:
        raise ChangeError("first_name", "err_first_name")
    if not values["last_name"]:
        raise ChangeError("last_name", "err_last_name")
    new: dict[str, Any] = {
        **values,
        "email": values["email"] or None,
        "phone": values["phone"] or None,
    }
    if values["email"]:
        try:
            new["email"] = validate_email(values["email"], check_deliverability=False).normalized
        except EmailNotValidError:
            raise ChangeError("email", "err_email") from None
    if values["phone"]:
        new["phone"] = duplicates.normalise_phone(values["phone"])
        if new["phone"] is None:
            raise ChangeError("phone", "err_phone")
    postcode = values["postcode"].upper()
    if postcode:
        if not POSTCODE.match(postcode):
            raise ChangeError("postcode", "err_postcode")
        compact = postcode.replace(" ", "")
        new["postcode"] = f"{compact[:-3]} {compact[-3:]}"
    async with Member._meta.db.transaction():
        current = await Member.select().where(Member.id == member_id).first()
        assert current is not None
        channel = current["preferred_contact"]
        if channel == "email" and not new["email"]:
            raise ChangeError("email", "err_email_needed")
        pending: str | None = None
        if new["email"] and duplicates.normalise_email(new["email"]) != duplicates.normalise_email(
            current["email"]
        ):
            pending, new["email"] = new["email"], current["email"]
            if await Member.exists().where(
                Member.email_normalised == duplicates.normalise_email(pending),
                Member.id != member_id,
            ):
                raise ChangeError("email", "err_email_taken")
        if channel in ("sms", "phone") and not new["phone"]:
            raise ChangeError("phone", "err_phone_needed")
        if channel == "post" and not (new["address_line1"] and new["postcode"]):
            raise ChangeError("address_line1", "err_address_needed")
        keys = duplicates.keys(new)
        if keys["email_normalised"] and await Member.exists().where(
            Member.email_normalised == keys["email_normalised"], Member.id != member_id
        ):
            raise ChangeError("email", "err_email_taken")
        changed = [f for f in DETAIL_FIELDS if (current[f] or None) != (new[f] or None)]
        if changed:
            update: dict[Any, Any] = {f: new[f] for f in changed}
            update.update(keys)
            await Member.update(update).where(Member.id == member_id)
            await record_change(member_id, "details", fields=changed)
        token = await member_links.start_email_change(member_id, pending) if pending else None
    return DetailsChange(changed, pending, token)


async def update_preferences(
    member_id: int,
    *,
    preferred_contact: str,
    consents: set[str],
    language: str,
    needs: set[str],
    wants_thank_you: bool,
) -> list[str]:
    """Channel, contact consents, language and needs; what changed (consents as records)."""
    if preferred_contact not in CHANNELS:
        raise ChangeError("preferred_contact", "err_channel")
    consents = consents & set(OPTIONAL_PURPOSES)
    if f"contact:{preferred_contact}" not in consents:
        raise ChangeError("consents", "err_consent_channel")
    now = _now()
    async with Member._meta.db.transaction():
        current = await Member.select().where(Member.id == member_id).first()
        assert current is not None
        channel_field = {"email": "email", "sms": "phone", "phone": "phone", "post": "postcode"}
        if not current[channel_field[preferred_contact]]:
            raise ChangeError("preferred_contact", "err_channel_details")
        new = {
            "preferred_contact": preferred_contact,
            "language": language if language in ("en", "cy") else "en",
            "large_print": "large_print" in needs,
            "easy_read": "easy_read" in needs,
            "bsl": "bsl" in needs,
            "wants_thank_you": wants_thank_you,
        }
        changed = [f for f, v in new.items() if current[f] != v]
        held = (await current_consents([member_id]))[member_id] & set(OPTIONAL_PURPOSES)
        given, withdrawn = consents - held, held - consents
        for purpose in sorted(given):
            await Consent.insert(
                Consent(
                    member=member_id,
                    purpose=purpose,
                    wording_version=CONSENT_WORDING_VERSION,
                    given_at=now,
                    method="online",
                )
            )
        if withdrawn:
            await Consent.update(
                {Consent.withdrawn_at: now, Consent.withdrawn_how: "self-service"}
            ).where(
                Consent.member == member_id,
                Consent.purpose.is_in(sorted(withdrawn)),
                Consent.withdrawn_at.is_null(),
            )
        if changed:
            update: dict[Any, Any] = {f: new[f] for f in changed}
            await Member.update(update).where(Member.id == member_id)
        if changed or given or withdrawn:
            detail = "; ".join(
                part
                for part in (
                    "consent given: " + ", ".join(sorted(given)) if given else "",
                    "consent withdrawn: " + ", ".join(sorted(withdrawn)) if withdrawn else "",
                )
                if part
            )
            await record_change(member_id, "preferences", fields=changed, detail=detail)
    return [*changed, *(f"consent:{p}" for p in sorted(given | withdrawn))]


async def pause(member_id: int, until: dt.date, today: dt.date | None = None) -> None:
    today = today or dt.date.today()
    if until <= today:
        raise ChangeError("until", "err_pause_future")
    if until > today + dt.timedelta(days=MAX_PAUSE_DAYS):
        raise ChangeError("until", "err_pause_year")
    async with Member._meta.db.transaction():
        updated = (
            await Member.update({Member.status: "paused", Member.paused_until: until})
            .where(Member.id == member_id, Member.status.is_in(["active", "paused"]))
            .returning(Member.id)
        )
        if not updated:
            raise ChangeError("until", "err_pause_status")
        await record_change(
            member_id,
            "pause",
            fields=["status", "paused_until"],
            detail=f"until {until.isoformat()}",
        )


async def resume(member_id: int) -> None:
    async with Member._meta.db.transaction():
        await Member.update({Member.status: "active", Member.paused_until: None}).where(
            Member.id == member_id, Member.status == "paused"
        )
        await record_change(member_id, "resume", fields=["status", "paused_until"])


async def leave(member_id: int, reason: str = "") -> None:
    """Withdraw from the panel: no more contact; every consent is withdrawn (kept as history)."""
    now = _now()
    async with Member._meta.db.transaction():
        await Member.update(
            {
                Member.status: "withdrawn",
                Member.left_at: now,
                Member.left_reason: reason.strip()[:1000],
                Member.paused_until: None,
            }
        ).where(Member.id == member_id, Member.status != "erased")
        await Consent.update(
            {Consent.withdrawn_at: now, Consent.withdrawn_how: "left the panel"}
        ).where(Consent.member == member_id, Consent.withdrawn_at.is_null())
        await record_change(
            member_id, "leave", fields=["status"], detail="reason given" if reason.strip() else ""
        )


async def request_erasure(member_id: int) -> bool:
    """Record an erasure request for staff to carry out; False when one is already open."""
    async with Member._meta.db.transaction():
        if await DataRequest.exists().where(
            DataRequest.member == member_id,
            DataRequest.kind == "erasure",
            DataRequest.status == "open",
        ):
            return False
        await DataRequest.insert(
            DataRequest(member=member_id, kind="erasure", requested_via="self-service")
        )
        await record_change(member_id, "erasure_request", detail="asked for erasure")
    return True
