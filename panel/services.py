"""Panel membership: the functions other domains use to find and describe members.

Other domains (surveys inviting members, analysis joining profiles) call these rather than
querying `panel_member` themselves.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from panel.tables import Consent, ContactEvent, Draw, DrawMember, Member, MemberToken
from service.security import hash_token, new_token

#: Profile columns safe for analysis: demographics, never contact details.
PROFILE_COLUMNS = ("age_band", "sex", "ward", "ethnicity", "disability", "imd_quintile")

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


def new_reference() -> str:
    """A pseudonymous member reference like P-7KQ4M2XH, for exports and phone calls."""
    return "P-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def age_band(date_of_birth: dt.date, on: dt.date | None = None) -> str:
    on = on or dt.date.today()
    age = (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )
    for low, high, band in (
        (16, 24, "16-24"),
        (25, 34, "25-34"),
        (35, 44, "35-44"),
        (45, 54, "45-54"),
        (55, 64, "55-64"),
        (65, 74, "65-74"),
    ):
        if low <= age <= high:
            return band
    return "75+" if age >= 75 else "under-16"


async def count_members(status: str | None = "active") -> int:
    query = Member.count()
    if status:
        query = query.where(Member.status == status)
    return await query


async def active_member_ids() -> list[int]:
    rows = await Member.select(Member.id).where(Member.status == "active")
    return [r["id"] for r in rows]


async def profiles(member_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Pseudonymous profiles (reference + demographics) by member id, for exports and analysis."""
    ids = list(member_ids)
    if not ids:
        return {}
    rows = await Member.select(
        Member.id, Member.reference, *[getattr(Member, c) for c in PROFILE_COLUMNS]
    ).where(Member.id.is_in(ids))
    return {r.pop("id"): r for r in rows}


#: Name, email, phone and postal address: the fields that identify and reach a member. Exports
#: treat them as personal data and imports read them, both from this one list.
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "address_line1",
    "town",
    "postcode",
)


def _contact_columns() -> tuple[Any, ...]:
    return tuple(getattr(Member, name) for name in CONTACT_FIELDS)


async def contact_details(member_id: int) -> dict[str, Any] | None:
    """Name and contact details: only for sending a member their own invitation."""
    return (
        await Member.select(
            Member.reference,
            *_contact_columns(),
            Member.preferred_contact,
        )
        .where(Member.id == member_id)
        .first()
    )


async def member_by_reference(reference: str) -> dict[str, Any] | None:
    """`{id, reference}` of the member with this pseudonymous reference (staff-assisted entry)."""
    return (
        await Member.select(Member.id, Member.reference)
        .where(Member.reference == reference.strip().upper())
        .first()
    )


async def members_with_contact_details(member_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Names and contact details by member id, for exports whose user may see them and asked.

    Callers must check the role and the explicit request first; this function only reads.
    """
    ids = list(member_ids)
    if not ids:
        return {}
    rows = await Member.select(
        Member.id,
        *_contact_columns(),
    ).where(Member.id.is_in(ids))
    return {r.pop("id"): r for r in rows}


async def composition() -> dict[str, Any]:
    """Who is on the panel, against the borough's population, by age, sex and ward.

    Panel managers use this to see which groups to recruit before drawing a fair sample.
    """
    from panel.demographics import POPULATION_AGE, POPULATION_SEX, POPULATION_WARD, WARD_NAMES

    rows = await Member.select(Member.age_band, Member.sex, Member.ward).where(
        Member.status == "active"
    )
    total = len(rows)
    result: dict[str, Any] = {"active": total, "dimensions": []}
    for column, title, population, labels in (
        ("age_band", "Age", POPULATION_AGE, {}),
        ("sex", "Sex", POPULATION_SEX, {"female": "Female", "male": "Male"}),
        ("ward", "Ward", POPULATION_WARD, WARD_NAMES),
    ):
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[column]] = counts.get(row[column], 0) + 1
        population_total = sum(population.values())
        result["dimensions"].append(
            {
                "name": column,
                "title": title,
                "groups": [
                    {
                        "code": code,
                        "label": labels.get(code, code),
                        "members": counts.get(code, 0),
                        "panel_share": counts.get(code, 0) / total if total else 0.0,
                        "population_share": people / population_total,
                    }
                    for code, people in population.items()
                ],
            }
        )
    return result


# --- The contract with fieldwork (surveys/): who may be contacted, and recording each contact ---

#: The consent wording in force. A consent given under any other version is not re-used
#: silently: the member is asked again before being contacted on that channel.
CONSENT_WORDING_VERSION = "2026-01"

CHANNELS = ("email", "sms", "post", "phone")
CONTACT_KINDS = ("invitation", "reminder", "thank_you", "response")


@dataclass(frozen=True)
class InvitationTarget:
    """What fieldwork needs to contact one member, or the plain reason it must not."""

    member_id: int
    reference: str
    channel: str | None
    refusal: str | None
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    address_line1: str
    town: str
    postcode: str
    language: str
    large_print: bool
    wants_thank_you: bool


def _refusal(row: dict[str, Any], consented: set[str], today: dt.date) -> str | None:
    status = row["status"]
    if status == "paused":
        until = row["paused_until"]
        if until is None or until > today:
            return f"paused until {until.isoformat()}" if until else "paused"
    elif status != "active":
        return status  # applicant, withdrawn, erased
    channel = row["preferred_contact"]
    if channel not in CHANNELS:
        return f"unknown channel {channel!r}"
    if f"contact:{channel}" not in consented:
        return f"no consent for {channel}"
    if channel == "email" and not row["email"]:
        return "no email address"
    if channel == "sms" and not row["phone"]:
        return "no phone number"
    if channel == "post" and not (row["address_line1"] and row["postcode"]):
        return "no postal address"
    return None


async def current_consents(member_ids: Sequence[int]) -> dict[int, set[str]]:
    """Purposes each member has consent for in the current wording, not withdrawn."""
    result: dict[int, set[str]] = {m: set() for m in member_ids}
    if not member_ids:
        return result
    rows = await Consent.select(Consent.member, Consent.purpose).where(
        Consent.member.is_in(list(member_ids)),
        Consent.wording_version == CONSENT_WORDING_VERSION,
        Consent.withdrawn_at.is_null(),
    )
    for row in rows:
        result[row["member"]].add(row["purpose"])
    return result


async def invitation_targets(member_ids: Sequence[int]) -> list[InvitationTarget]:
    """One target per id, in the order given; `channel` is None with `refusal` saying why.

    Unknown ids raise KeyError naming them, so a batch never silently skips people.
    """
    ids = list(member_ids)
    if not ids:
        return []
    rows = await Member.select(
        Member.id,
        Member.reference,
        Member.status,
        Member.paused_until,
        Member.preferred_contact,
        *_contact_columns(),
        Member.language,
        Member.large_print,
        Member.wants_thank_you,
    ).where(Member.id.is_in(ids))
    by_id = {r["id"]: r for r in rows}
    missing = [m for m in ids if m not in by_id]
    if missing:
        raise KeyError(f"unknown member ids: {', '.join(map(str, missing))}")
    consents = await current_consents(ids)
    today = dt.date.today()
    targets = []
    for member_id in ids:
        row = by_id[member_id]
        refusal = _refusal(row, consents[member_id], today)
        targets.append(
            InvitationTarget(
                member_id=member_id,
                reference=row["reference"],
                channel=None if refusal else row["preferred_contact"],
                refusal=refusal,
                first_name=row["first_name"],
                last_name=row["last_name"],
                email=row["email"],
                phone=row["phone"],
                address_line1=row["address_line1"],
                town=row["town"],
                postcode=row["postcode"],
                language=row["language"],
                large_print=bool(row["large_print"]),
                wants_thank_you=bool(row["wants_thank_you"]),
            )
        )
    return targets


async def record_contact(
    member_id: int,
    *,
    kind: str,
    channel: str,
    subject: str,
    message_id: str | None = None,
    at: dt.datetime | None = None,
    draw_id: int | None = None,
) -> None:
    """Record one contact in the member's history; `draw_id` is the sample it belongs to.

    Plain queries on the shared engine, so inside the caller's open transaction they are part
    of it: fieldwork records a send in the same transaction as its own state change.
    """
    if kind not in CONTACT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(CONTACT_KINDS)}, not {kind!r}")
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    when = at or dt.datetime.now(dt.UTC)
    await ContactEvent.insert(
        ContactEvent(
            member=member_id,
            kind=kind,
            channel=channel,
            subject=subject,
            message_id=message_id,
            at=when,
            draw=draw_id,
        )
    )
    if kind in ("invitation", "reminder"):
        await Member.update({Member.last_contacted_at: when}).where(Member.id == member_id)


async def _issue_token(member_id: int, purpose: str) -> str:
    if not await Member.exists().where(Member.id == member_id):
        raise KeyError(f"unknown member id: {member_id}")
    token = new_token()
    await MemberToken.insert(
        MemberToken(member=member_id, purpose=purpose, token_hash=hash_token(token))
    )
    return token


async def issue_unsubscribe_link(member_id: int, channel: str) -> str:
    """Path of a one-click link that withdraws the member's consent for `channel`."""
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    return f"/panel/unsubscribe/{await _issue_token(member_id, f'unsubscribe:{channel}')}"


async def unsubscribe_target(token: str) -> tuple[int, str] | None:
    """(member id, channel) of an unsubscribe token, or None if it is not one of ours."""
    row = (
        await MemberToken.select(MemberToken.member, MemberToken.purpose)
        .where(MemberToken.token_hash == hash_token(token))
        .first()
    )
    if row is None or not row["purpose"].startswith("unsubscribe:"):
        return None
    return row["member"], row["purpose"].removeprefix("unsubscribe:")


async def unsubscribe(token: str) -> str | None:
    """Withdraw consent for the token's channel (a recorded consent change); the channel or None.

    Using the link again changes nothing more: the consent is already withdrawn.
    """
    target = await unsubscribe_target(token)
    if target is None:
        return None
    member_id, channel = target
    now = dt.datetime.now(dt.UTC)
    async with Consent._meta.db.transaction():
        await Consent.update(
            {Consent.withdrawn_at: now, Consent.withdrawn_how: "unsubscribe link"}
        ).where(
            Consent.member == member_id,
            Consent.purpose == f"contact:{channel}",
            Consent.withdrawn_at.is_null(),
        )
        await MemberToken.update({MemberToken.used_at: now}).where(
            MemberToken.token_hash == hash_token(token), MemberToken.used_at.is_null()
        )
    return channel


async def self_service_link(member_id: int) -> str:
    """Path of the member's personal self-service page (a fresh token each time, stored hashed)."""
    return f"/panel/me/{await _issue_token(member_id, 'self_service')}"


async def draw_members(draw_id: int) -> list[int]:
    """Member ids of a recorded draw, in the order drawn."""
    if not await Draw.exists().where(Draw.id == draw_id):
        raise KeyError(f"unknown draw id: {draw_id}")
    rows = (
        await DrawMember.select(DrawMember.member)
        .where(DrawMember.draw == draw_id)
        .order_by(DrawMember.position)
    )
    return [r["member"] for r in rows]


async def draw_summary(draw_id: int) -> dict[str, Any]:
    """`{id, method, seed, size, created_at}` of a recorded draw."""
    row = (
        await Draw.select(Draw.id, Draw.method, Draw.seed, Draw.size, Draw.created_at)
        .where(Draw.id == draw_id)
        .first()
    )
    if row is None:
        raise KeyError(f"unknown draw id: {draw_id}")
    return row


async def list_draws(limit: int = 20) -> list[dict[str, Any]]:
    """The most recent recorded draws, newest first: `{id, created_at, method, size, created_by}`.

    For other domains (fieldwork picks a draw to invite from it) without reaching into
    `panel.sampling` or the Draw table; the eligible pool and details stay here.
    """
    return list(
        await Draw.select(Draw.id, Draw.created_at, Draw.method, Draw.size, Draw.created_by)
        .order_by(Draw.id, ascending=False)
        .limit(max(1, limit))
    )
