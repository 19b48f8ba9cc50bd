"""Joining the panel: an application becomes an applicant (or is merged into the member it
duplicates), with its consents on record; an email link or a staff member confirms it.

The email confirmation token is single-use, expires after `CONFIRM_DAYS` days and is stored only
as its hash. Duplicates are looked up by `panel.duplicates` before anything is written; when two
sign-ups with one address race, the unique index on the normalised email makes the second insert
fail, and it is merged into the first instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from panel import duplicates
from panel.changes import record_change
from panel.consent_wording import PURPOSES
from panel.services import CHANNELS, CONSENT_WORDING_VERSION, age_band, new_reference
from panel.tables import Consent, Member, MemberToken
from service.security import hash_token, new_token

CONFIRM_DAYS = 7
CONFIRM_PURPOSE = "confirm_email"

#: Contact and profile fields a merged sign-up may fill in when the member left them blank.
#: Never overwritten: knowing someone's name and postcode must not let a stranger change where
#: that member's invitations go.
_FILLABLE = (
    "email",
    "phone",
    "address_line1",
    "town",
    "postcode",
    "date_of_birth",
    "age_band",
    "sex",
    "ethnicity",
    "disability",
)


class SignUpError(ValueError):
    """An application that cannot be accepted; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class Application:
    """What a resident told us on the sign-up pages (or staff typed in for them)."""

    first_name: str
    last_name: str
    preferred_contact: str
    consents: set[str]
    email: str | None = None
    phone: str | None = None
    address_line1: str = ""
    town: str = ""
    postcode: str = ""
    date_of_birth: dt.date | None = None
    sex: str = ""
    ethnicity: str = ""  # the five high-level groups (panel.demographics)
    disability: str = ""
    language: str = "en"
    large_print: bool = False
    easy_read: bool = False
    bsl: bool = False
    source: str = "sign-up"
    wants_thank_you: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def member_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "first_name": self.first_name.strip(),
            "last_name": self.last_name.strip(),
            "email": (self.email or "").strip() or None,
            "phone": duplicates.normalise_phone(self.phone) if self.phone else None,
            "address_line1": self.address_line1.strip(),
            "town": self.town.strip(),
            "postcode": self.postcode.strip().upper(),
            "preferred_contact": self.preferred_contact,
            "date_of_birth": self.date_of_birth,
            "age_band": age_band(self.date_of_birth) if self.date_of_birth else "",
            "sex": self.sex,
            "ethnicity": self.ethnicity,
            "disability": self.disability,
            "language": self.language,
            "large_print": self.large_print,
            "easy_read": self.easy_read,
            "bsl": self.bsl,
            "source": self.source,
            "wants_thank_you": self.wants_thank_you,
        }
        return {**values, **duplicates.keys(values)}


def validate(application: Application) -> None:
    """Raise SignUpError for the first thing the pages should have caught."""
    if not application.first_name.strip():
        raise SignUpError("first_name", "Enter your first name")
    if not application.last_name.strip():
        raise SignUpError("last_name", "Enter your last name")
    if application.preferred_contact not in CHANNELS:
        raise SignUpError("preferred_contact", "Choose how we should contact you")
    if "membership" not in application.consents:
        raise SignUpError("consent", "You must agree to join the panel to sign up")
    unknown = application.consents - set(PURPOSES)
    if unknown:
        raise SignUpError("consent", f"unknown consent {sorted(unknown)[0]!r}")
    channel = application.preferred_contact
    if f"contact:{channel}" not in application.consents:
        raise SignUpError("consent", "Agree to be contacted in the way you chose")
    if channel == "email" and not (application.email or "").strip():
        raise SignUpError("email", "Enter your email address")
    if channel in ("sms", "phone") and not duplicates.normalise_phone(application.phone):
        raise SignUpError("phone", "Enter a UK phone number, like 07700 900 982")
    if channel == "post" and not (application.address_line1.strip() and application.postcode):
        raise SignUpError("address_line1", "Enter your address and postcode")


@dataclass(frozen=True)
class SignUpResult:
    member_id: int
    outcome: str  # created|merged
    matched_on: str | None
    status: str  # the member's status afterwards
    confirm_token: str | None  # email confirmation link token (applicants with an email)
    email: str | None  # where the confirmation (or "already a member") message goes


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _add_consents(
    member_id: int, purposes: set[str], method: str, staff_email: str | None
) -> list[str]:
    """Consent rows for the purposes not already held in the current wording."""
    held = {
        r["purpose"]
        for r in await Consent.select(Consent.purpose).where(
            Consent.member == member_id,
            Consent.wording_version == CONSENT_WORDING_VERSION,
            Consent.withdrawn_at.is_null(),
        )
    }
    new = [p for p in PURPOSES if p in purposes and p not in held]
    now = _now()
    if new:
        await Consent.insert(
            *[
                Consent(
                    member=member_id,
                    purpose=p,
                    wording_version=CONSENT_WORDING_VERSION,
                    given_at=now,
                    method=method,
                    staff_email=staff_email,
                )
                for p in new
            ]
        )
    return new


async def _issue_confirmation(member_id: int) -> str:
    token = new_token()
    await MemberToken.insert(
        MemberToken(
            member=member_id,
            purpose=CONFIRM_PURPOSE,
            token_hash=hash_token(token),
            expires_at=_now() + dt.timedelta(days=CONFIRM_DAYS),
        )
    )
    return token


async def _create(
    values: dict[str, Any], application: Application, method: str, staff_email: str | None
) -> SignUpResult:
    async with Member._meta.db.transaction():
        reference = new_reference()
        while await Member.exists().where(Member.reference == reference):
            reference = new_reference()
        row = (
            await Member.insert(
                Member(**values, reference=reference, status="applicant")
            ).returning(Member.id)
        )[0]
        member_id = int(row["id"])
        await _add_consents(member_id, application.consents, method, staff_email)
        await record_change(
            member_id,
            "sign-up",
            how="staff" if staff_email else "sign-up",
            staff_email=staff_email,
            detail=f"joined ({method})",
        )
        token = await _issue_confirmation(member_id) if values["email"] else None
    return SignUpResult(member_id, "created", None, "applicant", token, values["email"])


async def _merge(
    match: duplicates.Match,
    values: dict[str, Any],
    application: Application,
    method: str,
    staff_email: str | None,
) -> SignUpResult:
    async with Member._meta.db.transaction():
        existing = await Member.select().where(Member.id == match.member_id).first()
        assert existing is not None
        filled = {
            name: values[name] for name in _FILLABLE if values.get(name) and not existing[name]
        }
        status = existing["status"]
        if status == "withdrawn":
            status = "applicant"  # rejoining: confirmed again like a new applicant
            filled.update(left_at=None, left_reason="")
        update: dict[Any, Any] = {**filled, "status": status}
        merged = {**existing, **update}
        update.update(duplicates.keys(merged))
        await Member.update(update).where(Member.id == match.member_id)
        added = await _add_consents(match.member_id, application.consents, method, staff_email)
        await record_change(
            match.member_id,
            "merge",
            fields=sorted(filled),
            detail=f"sign-up matched on {match.matched_on}; new consents: "
            + (", ".join(added) or "none"),
            how="staff" if staff_email else "sign-up",
            staff_email=staff_email,
        )
        email = merged["email"]
        token = (
            await _issue_confirmation(match.member_id) if status == "applicant" and email else None
        )
    return SignUpResult(match.member_id, "merged", match.matched_on, status, token, email)


async def apply(
    application: Application, *, method: str = "online", staff_email: str | None = None
) -> SignUpResult:
    """Accept an application: a new applicant, or merged into the member it duplicates."""
    validate(application)
    values = application.member_values()
    for _attempt in range(3):
        match = await duplicates.find_duplicate(values)
        if match is not None:
            return await _merge(match, values, application, method, staff_email)
        try:
            return await _create(values, application, method, staff_email)
        except Exception as error:  # the unique email index: another sign-up got there first
            if not _is_unique_violation(error):
                raise
    raise RuntimeError("sign-up kept colliding with concurrent sign-ups")


def _is_unique_violation(error: Exception) -> bool:
    text = f"{type(error).__name__} {error}".lower()
    return "unique" in text


async def confirm_email(token: str) -> str:
    """`confirmed`, `used`, `expired` or `unknown`: single use, and only before it expires."""
    now = _now()
    hashed = hash_token(token)
    async with MemberToken._meta.db.transaction():
        claimed = (
            await MemberToken.update({MemberToken.used_at: now})
            .where(
                MemberToken.token_hash == hashed,
                MemberToken.purpose == CONFIRM_PURPOSE,
                MemberToken.used_at.is_null(),
                MemberToken.expires_at > now,
            )
            .returning(MemberToken.member)
        )
        if claimed:
            member_id = claimed[0]["member"]
            await Member.update({Member.status: "active", Member.confirmed_at: now}).where(
                Member.id == member_id, Member.status == "applicant"
            )
            await record_change(member_id, "confirm", detail="email link", how="sign-up")
            return "confirmed"
    row = (
        await MemberToken.select(MemberToken.used_at, MemberToken.expires_at)
        .where(MemberToken.token_hash == hashed, MemberToken.purpose == CONFIRM_PURPOSE)
        .first()
    )
    if row is None:
        return "unknown"
    return "used" if row["used_at"] is not None else "expired"


async def confirm_by_staff(member_id: int, staff_email: str) -> bool:
    """Make a phone- or post-only applicant active after staff checked them; False if not one."""
    async with Member._meta.db.transaction():
        updated = (
            await Member.update({Member.status: "active", Member.confirmed_at: _now()})
            .where(Member.id == member_id, Member.status == "applicant")
            .returning(Member.id)
        )
        if not updated:
            return False
        await record_change(
            member_id, "confirm", detail="checked by staff", how="staff", staff_email=staff_email
        )
    return True


async def pending_applicants() -> list[dict[str, Any]]:
    """Applicants waiting for confirmation, oldest first, with whether staff must confirm them."""
    rows = (
        await Member.select(
            Member.id,
            Member.reference,
            Member.first_name,
            Member.last_name,
            Member.email,
            Member.phone,
            Member.postcode,
            Member.preferred_contact,
            Member.joined_at,
        )
        .where(Member.status == "applicant")
        .order_by(Member.joined_at)
    )
    for row in rows:
        row["needs_staff"] = not row["email"]
    return list(rows)
