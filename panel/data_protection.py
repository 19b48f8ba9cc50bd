"""Subject access, erasure and retention: what we hold about a member, and removing it.

Erasure keeps the member row as an empty tombstone (status `erased`, a new random reference)
instead of deleting it, so survey answers, sample draws and contact counts that point at it stay
valid for statistics while nothing in them can lead back to the person. Other domains that hold
member links (surveys: personal links and responses) register an erasure step and a subject
access section here; `panel` never imports them. Every erasure is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from panel.changes import changes, record_change
from panel.services import new_reference
from panel.tables import (
    Consent,
    ContactEvent,
    DataRequest,
    DrawMember,
    Member,
    MemberChange,
    MemberToken,
)

#: Fields blanked by erasure, with the empty value each takes.
ERASED_FIELDS: dict[str, Any] = {
    "first_name": "",
    "last_name": "",
    "email": None,
    "pending_email": None,
    "phone": None,
    "address_line1": "",
    "town": "",
    "postcode": "",
    "date_of_birth": None,
    "age_band": "",
    "sex": "",
    "ethnicity": "",
    "disability": "",
    "ward": "",
    "imd_quintile": None,
    "notes": "",
    "left_reason": "",
    "email_normalised": None,
    "phone_normalised": None,
    "name_key": "",
    "consent_version": "",
    "consent_given_at": None,
    "language": "en",
    "large_print": False,
    "easy_read": False,
    "bsl": False,
}

#: What erasure removes and what it keeps, in words (shown to staff and members before it runs).
ERASURE_REMOVES = [
    "name, email address, phone number and postal address",
    "date of birth, age group, sex, ethnic group, disability, ward and language or access needs",
    "every consent record and the history of changes to the member's details",
    "personal links (self-service, unsubscribe, confirmation) and survey links naming them",
    "the subject lines and message ids of invitations and reminders sent",
]
ERASURE_KEEPS = [
    "survey answers, as anonymous responses no longer linked to anyone",
    "that an invitation or reminder was sent on a date by a channel (for response rates), "
    "linked only to an empty record",
    "sample draws, so a recorded draw can still be replayed (the member shows as erased)",
    "the record that an erasure was done, when and by whom",
]

ErasureStep = Callable[[int], Awaitable[dict[str, int]]]
AccessSection = Callable[[int], Awaitable[Any]]
#: Other domains' erasure steps: `async fn(member_id) -> {what: rows}`, run inside the
#: erasure transaction (plain queries on the shared engine join it).
ERASURE_STEPS: dict[str, ErasureStep] = {}
#: Other domains' subject access sections: `async fn(member_id) -> JSON-able`.
ACCESS_SECTIONS: dict[str, AccessSection] = {}


def register(
    name: str, *, erase: ErasureStep | None = None, access: AccessSection | None = None
) -> None:
    """Called by another domain at import time to take part in erasure and subject access."""
    if erase is not None:
        ERASURE_STEPS[name] = erase
    if access is not None:
        ACCESS_SECTIONS[name] = access


def _discover() -> None:
    """Register every other domain's `data_protection` room (`erase_member`, `member_data`).

    Through `service.domains`, the composition root, so panel names no other domain.
    """
    from service import domains

    for domain in domains.DOMAINS:
        if domain == "panel" or domain in ERASURE_STEPS or domain in ACCESS_SECTIONS:
            continue
        module = domains._room(domain, "data_protection")
        if module is not None:
            register(
                domain,
                erase=getattr(module, "erase_member", None),
                access=getattr(module, "member_data", None),
            )


class NotFound(KeyError):
    pass


class AlreadyErased(ValueError):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


async def subject_access(member_id: int) -> dict[str, Any]:
    """Everything we hold about a member, as one JSON-able document (keys are stable)."""
    _discover()
    member = await Member.select().where(Member.id == member_id).first()
    if member is None:
        raise NotFound(f"unknown member id: {member_id}")
    consents = (
        await Consent.select(
            Consent.purpose,
            Consent.wording_version,
            Consent.given_at,
            Consent.method,
            Consent.staff_email,
            Consent.withdrawn_at,
            Consent.withdrawn_how,
        )
        .where(Consent.member == member_id)
        .order_by(Consent.id)
    )
    contacts = (
        await ContactEvent.select(
            ContactEvent.kind, ContactEvent.channel, ContactEvent.subject, ContactEvent.at
        )
        .where(ContactEvent.member == member_id)
        .order_by(ContactEvent.at)
    )
    links = (
        await MemberToken.select(
            MemberToken.purpose, MemberToken.created_at, MemberToken.used_at, MemberToken.expires_at
        )
        .where(MemberToken.member == member_id)
        .order_by(MemberToken.id)
    )
    draws = (
        await DrawMember.select(DrawMember.draw, DrawMember.draw.method, DrawMember.draw.created_at)
        .where(DrawMember.member == member_id)
        .order_by(DrawMember.id)
    )
    requests = (
        await DataRequest.select(
            DataRequest.kind,
            DataRequest.status,
            DataRequest.requested_at,
            DataRequest.requested_via,
            DataRequest.completed_at,
        )
        .where(DataRequest.member == member_id)
        .order_by(DataRequest.id)
    )
    member.pop("id")
    document = {
        "generated_at": _now(),
        "reference": member["reference"],
        "member": member,
        "consents": consents,
        "contact_history": contacts,
        "changes": await changes(member_id),
        "personal_links": links,
        "samples": [
            {"draw_id": d["draw"], "method": d["draw.method"], "drawn_at": d["draw.created_at"]}
            for d in draws
        ],
        "data_requests": requests,
    }
    for name, section in ACCESS_SECTIONS.items():
        document[name] = await section(member_id)
    return _jsonable(document)


async def request(member_id: int, kind: str, *, via: str = "self-service") -> int:
    """Record a data-protection request (`access` or `erasure`); its id."""
    if kind not in ("access", "erasure"):
        raise ValueError("kind must be access or erasure")
    rows = await DataRequest.insert(
        DataRequest(member=member_id, kind=kind, requested_via=via)
    ).returning(DataRequest.id)
    return int(rows[0]["id"])


async def open_requests() -> list[dict[str, Any]]:
    return list(
        await DataRequest.select(
            DataRequest.id,
            DataRequest.member,
            DataRequest.member.reference,
            DataRequest.kind,
            DataRequest.requested_at,
            DataRequest.requested_via,
        )
        .where(DataRequest.status == "open")
        .order_by(DataRequest.requested_at)
    )


@dataclass(frozen=True)
class ErasureSummary:
    member_id: int
    new_reference: str
    removed: dict[str, int]


async def erase(member_id: int, *, by: str, how: str = "staff") -> ErasureSummary:
    """Remove the member's personal data everywhere, in one transaction. Cannot be undone.

    `by` is the staff email, or "retention" for the scheduled rule.
    """
    _discover()
    now = _now()
    async with Member._meta.db.transaction():
        row = await Member.select(Member.status).where(Member.id == member_id).first()
        if row is None:
            raise NotFound(f"unknown member id: {member_id}")
        if row["status"] == "erased":
            raise AlreadyErased(f"member {member_id} is already erased")
        reference = new_reference()
        while await Member.exists().where(Member.reference == reference):
            reference = new_reference()
        removed: dict[str, int] = {}
        removed["consents"] = await Consent.count().where(Consent.member == member_id)
        await Consent.delete().where(Consent.member == member_id)
        removed["personal_links"] = await MemberToken.count().where(MemberToken.member == member_id)
        await MemberToken.delete().where(MemberToken.member == member_id)
        removed["changes"] = await MemberChange.count().where(MemberChange.member == member_id)
        await MemberChange.delete().where(MemberChange.member == member_id)
        removed["contact_details"] = await ContactEvent.count().where(
            ContactEvent.member == member_id
        )
        await ContactEvent.update({ContactEvent.subject: "", ContactEvent.message_id: None}).where(
            ContactEvent.member == member_id
        )
        blank: dict[Any, Any] = dict(ERASED_FIELDS)
        await Member.update(
            {
                **blank,
                "reference": reference,
                "status": "erased",
                "erased_at": now,
                "contact_opt_in": False,
                "paused_until": None,
            }
        ).where(Member.id == member_id)
        for name, step in ERASURE_STEPS.items():
            for what, count in (await step(member_id)).items():
                removed[f"{name}.{what}"] = count
        await DataRequest.update(
            {
                DataRequest.status: "done",
                DataRequest.completed_at: now,
                DataRequest.completed_by: by,
            }
        ).where(
            DataRequest.member == member_id,
            DataRequest.kind == "erasure",
            DataRequest.status == "open",
        )
        await record_change(
            member_id,
            "erase",
            detail="personal data erased",
            how=how,
            staff_email=by if how == "staff" else None,
        )
    return ErasureSummary(member_id, reference, removed)


async def retention_due(
    *, withdrawn_days: int, applicant_days: int, now: dt.datetime | None = None
) -> list[int]:
    """Members the retention rule erases: withdrawn for more than `withdrawn_days`, or applicants
    who never confirmed within `applicant_days` of signing up."""
    now = now or _now()
    withdrawn = await Member.select(Member.id).where(
        Member.status == "withdrawn",
        Member.left_at.is_not_null(),
        Member.left_at < now - dt.timedelta(days=withdrawn_days),
    )
    applicants = await Member.select(Member.id).where(
        Member.status == "applicant",
        Member.joined_at < now - dt.timedelta(days=applicant_days),
    )
    return sorted({r["id"] for r in [*withdrawn, *applicants]})


async def apply_retention(
    *, withdrawn_days: int, applicant_days: int, now: dt.datetime | None = None
) -> int:
    """Erase every member due under the retention rule (each in its own transaction)."""
    due = await retention_due(withdrawn_days=withdrawn_days, applicant_days=applicant_days, now=now)
    for member_id in due:
        await erase(member_id, by="retention", how="retention")
    return len(due)


#: The same lists in Welsh, for the member's own erasure page.
ERASURE_TEXT: dict[str, tuple[list[str], list[str]]] = {
    "en": (ERASURE_REMOVES, ERASURE_KEEPS),
    "cy": (
        [
            "enw, cyfeiriad e-bost, rhif ffôn a chyfeiriad post",
            "dyddiad geni, grŵp oedran, rhyw, grŵp ethnig, anabledd, ward ac anghenion iaith "
            "neu fynediad",
            "pob cofnod caniatâd a hanes y newidiadau i’ch manylion",
            "dolenni personol (hunanwasanaeth, dad-danysgrifio, cadarnhau) a dolenni arolwg "
            "sy’n eich enwi",
            "penawdau a chyfeirnodau’r gwahoddiadau a’r nodiadau atgoffa a anfonwyd",
        ],
        [
            "atebion i arolygon, fel ymatebion dienw nad ydynt yn gysylltiedig ag unrhyw un mwyach",
            "bod gwahoddiad neu nodyn atgoffa wedi’i anfon ar ddyddiad drwy sianel (ar gyfer "
            "cyfraddau ymateb), yn gysylltiedig â chofnod gwag yn unig",
            "samplau a dynnwyd, fel y gellir ailadrodd sampl a gofnodwyd",
            "y cofnod bod dileu wedi’i wneud, pryd a chan bwy",
        ],
    ),
}
